import { h, type VNode, type VNodeArrayChildren, type VNodeChild } from 'vue';
import type { EngineStateDto } from '../../../shared/ipc/contract';

export type Tone = 'ok' | 'warn' | 'bad' | 'idle' | 'info';

/** Small building blocks for the views' render functions. */
export function pill(text: string, tone: Tone, attrs: Record<string, unknown> = {}): VNode {
  return h('span', { class: ['pill', `pill-${tone}`], ...attrs }, [
    h('span', { class: 'dot', 'aria-hidden': 'true' }),
    text,
  ]);
}

export function panel(
  title: VNodeChild,
  body: VNodeArrayChildren | VNodeChild,
  attrs: Record<string, unknown> = {},
): VNode {
  return h('section', { class: 'panel', ...attrs }, [
    title ? h('header', { class: 'panel-head' }, typeof title === 'string' ? h('h2', title) : title) : null,
    h('div', { class: 'panel-body' }, body as VNodeArrayChildren),
  ]);
}

export function viewHeader(title: string, subtitle: VNodeChild, actions?: VNodeArrayChildren): VNode {
  return h('header', { class: 'view-head' }, [
    h('div', [h('h1', title), subtitle ? h('p', { class: 'muted' }, subtitle as VNodeArrayChildren) : null]),
    actions ? h('div', { class: 'view-actions' }, actions) : null,
  ]);
}

/** A label over a value; numeric values are right-aligned in tabular figures. */
export function stat(
  label: string,
  value: VNodeChild,
  opts: { testid?: string; cls?: string; numeric?: boolean } = {},
): VNode {
  return h('div', { class: 'stat' }, [
    h('div', { class: 'stat-label' }, label),
    h(
      'div',
      { class: ['stat-value', opts.numeric === false ? '' : 'num', opts.cls ?? ''], 'data-testid': opts.testid },
      value as VNodeArrayChildren,
    ),
  ]);
}

export function emptyRow(colspan: number, text: string): VNode {
  return h('tr', { class: 'empty' }, h('td', { colspan }, text));
}

export function engineTone(state: EngineStateDto['state'] | undefined): Tone {
  switch (state) {
    case 'running':
      return 'ok';
    case 'starting':
    case 'stopping':
      return 'warn';
    case 'error':
      return 'bad';
    default:
      return 'idle';
  }
}

export function marketTone(s: EngineStateDto['health']['marketData'], active: boolean): Tone {
  if (s === 'live') return 'ok';
  if (s === 'connecting' || s === 'reconnecting') return 'warn';
  return active ? 'bad' : 'idle';
}

export function userStreamTone(s: EngineStateDto['health']['userStream']): Tone {
  if (s === 'connected') return 'ok';
  if (s === 'connecting' || s === 'reconnecting') return 'warn';
  return 'idle';
}

export function weightTone(w: { used: number; limit: number } | null): Tone {
  if (!w || w.limit <= 0) return 'idle';
  const r = w.used / w.limit;
  return r < 0.5 ? 'ok' : r < 0.8 ? 'warn' : 'bad';
}

export const capitalize = (s: string) => (s ? s.charAt(0).toUpperCase() + s.slice(1) : s);
