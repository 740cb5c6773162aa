import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';
import { AllocationsView } from './views/AllocationsView';
import { LogView } from './views/LogView';
import { ParamsView } from './views/ParamsView';
import { SettingsView } from './views/SettingsView';
import { TradingView } from './views/TradingView';

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
    component: () => import('./views/PositionsView').then((m) => m.PositionsView),
    meta: { title: 'Positions' },
  },
  {
    path: '/history',
    name: 'history',
    component: () => import('./views/HistoryView').then((m) => m.HistoryView),
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
