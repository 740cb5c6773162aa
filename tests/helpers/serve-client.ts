import WebSocket from 'ws';
import type { CliChild } from './cli';

export interface ServeClient {
  /** A request over the host's socket; its result ({ ok, data } or { ok: false, error }). */
  request(channel: string, input?: unknown): Promise<{ ok: boolean; data?: unknown; error?: unknown }>;
  /** A request that must succeed: its data. */
  ok<T = unknown>(channel: string, input?: unknown): Promise<T>;
  /** Every event pushed so far, in order. */
  events: Array<{ channel: string; data: unknown }>;
  close(): void;
}

/** Connects to `npm run serve` (a child process) with the URL and token it printed, as the page does. */
export async function connectServe(child: CliChild): Promise<ServeClient> {
  const [, port, token] = await child.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\/#token=([0-9a-f]{64})/, 30_000);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ipc`, ['tranche.v1', `tranche.token.${token}`], {
    origin: `http://127.0.0.1:${port}`,
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let next = 1;
  const waiting = new Map<number, (result: { ok: boolean; data?: unknown; error?: unknown }) => void>();
  const events: ServeClient['events'] = [];
  ws.on('message', (raw) => {
    const m = JSON.parse(String(raw)) as {
      type: string;
      id?: number;
      channel?: string;
      data?: unknown;
      result?: { ok: boolean };
    };
    if (m.type === 'response' && m.id !== undefined) waiting.get(m.id)?.(m.result!);
    else if (m.type === 'event') events.push({ channel: m.channel!, data: m.data });
  });
  const request: ServeClient['request'] = (channel, input = {}) =>
    new Promise((resolve, reject) => {
      if (ws.readyState !== WebSocket.OPEN) {
        reject(new Error(`the host's socket is closed (asked ${channel})`));
        return;
      }
      const id = next++;
      waiting.set(id, resolve);
      ws.send(JSON.stringify({ type: 'request', id, channel, input }));
    });
  return {
    request,
    async ok<T>(channel: string, input: unknown = {}) {
      const r = await request(channel, input);
      if (!r.ok) throw new Error(`${channel} failed: ${JSON.stringify(r.error)}`);
      return r.data as T;
    },
    events,
    close: () => ws.close(),
  };
}
