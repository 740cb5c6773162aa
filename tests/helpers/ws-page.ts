import WebSocket from 'ws';
import type { WsHost } from '../../electron/host/ws-host';
import type { WireMessage } from '../../shared/ipc/contract';

/** A page's side of the headless host's WebSocket (tests/integration/ws-host*.test.ts). */

/** Opens a socket; resolves with it when open, or with the HTTP status the upgrade got instead. */
export function connect(
  host: WsHost,
  opts: { token?: string | null; origin?: string | null; path?: string } = {},
): Promise<{ ws?: WebSocket; status?: number }> {
  const token = opts.token === undefined ? host.token : opts.token;
  const protocols = token === null ? ['tranche.v1'] : ['tranche.v1', `tranche.token.${token}`];
  const origin = opts.origin === undefined ? host.origin : opts.origin;
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}${opts.path ?? '/ipc'}`, protocols, {
    ...(origin === null ? {} : { origin }),
    handshakeTimeout: 5000,
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode });
      res.resume();
      ws.terminate();
    });
    ws.once('error', (e) => {
      if (!ws.listenerCount('unexpected-response')) reject(e);
    });
  });
}

/** A page's side of the socket: requests by id, events collected. */
export function client(ws: WebSocket) {
  const waiting = new Map<number, (m: WireMessage) => void>();
  const events: Array<{ channel: string; data: unknown }> = [];
  const loose: WireMessage[] = [];
  let received = 0;
  ws.on('message', (raw) => {
    received += String(raw).length;
    const m = JSON.parse(String(raw)) as WireMessage;
    if (m.type === 'event') events.push({ channel: m.channel, data: m.data });
    else if (m.type === 'response' && waiting.has(m.id)) {
      waiting.get(m.id)!(m);
      waiting.delete(m.id);
    } else loose.push(m);
  });
  let next = 1;
  return {
    events,
    loose,
    /** Characters of every message received so far. */
    bytesReceived: () => received,
    request(channel: string, input: unknown = {}) {
      const id = next++;
      return new Promise<WireMessage>((resolve) => {
        waiting.set(id, resolve);
        ws.send(JSON.stringify({ type: 'request', id, channel, input }));
      });
    },
    /** Sends raw text and waits for the next response with this id (0 for unattributable ones). */
    raw(text: string | Buffer, id: number) {
      return new Promise<WireMessage>((resolve) => {
        if (id === 0) {
          const before = loose.length;
          const poll = setInterval(() => {
            if (loose.length > before) {
              clearInterval(poll);
              resolve(loose[loose.length - 1]!);
            }
          }, 5);
        } else waiting.set(id, resolve);
        ws.send(text);
      });
    },
  };
}

export async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
