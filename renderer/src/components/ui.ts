import type { EngineStateDto } from '../../../shared/ipc/contract';

export type Tone = 'ok' | 'warn' | 'bad' | 'idle' | 'info';

/** Which tone a status pill takes for an engine state, a connection's health, the request weight. */
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
