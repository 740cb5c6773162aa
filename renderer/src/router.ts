import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';
import AllocationsView from './views/AllocationsView.vue';
import LogView from './views/LogView.vue';
import ParamsView from './views/ParamsView.vue';
import SettingsView from './views/SettingsView.vue';
import TradingView from './views/TradingView.vue';

declare module 'vue-router' {
  interface RouteMeta {
    title?: string;
  }
}

/** The sections, in the navigation's order. The chart views load lazily (lightweight-charts). */
export const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/trading' },
  { path: '/trading', name: 'trading', component: TradingView, meta: { title: 'Trading' } },
  { path: '/allocations', name: 'allocations', component: AllocationsView, meta: { title: 'Allocations' } },
  { path: '/params', name: 'params', component: ParamsView, meta: { title: 'Parameter sets' } },
  {
    path: '/positions',
    name: 'positions',
    component: () => import('./views/PositionsView.vue'),
    meta: { title: 'Positions' },
  },
  {
    path: '/history',
    name: 'history',
    component: () => import('./views/HistoryView.vue'),
    meta: { title: 'History' },
  },
  { path: '/log', name: 'log', component: LogView, meta: { title: 'Log' } },
  { path: '/settings', name: 'settings', component: SettingsView, meta: { title: 'Settings' } },
  { path: '/:pathMatch(.*)*', redirect: '/trading' },
];

/** Hash history, so that the same build works from file:// (Electron) and from the loopback host. */
export function createAppRouter() {
  return createRouter({ history: createWebHashHistory(), routes });
}
