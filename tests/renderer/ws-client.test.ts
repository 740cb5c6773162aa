// @vitest-environment happy-dom
/// <reference lib="dom" />
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WireMessage } from '../../shared/ipc/contract';
import {
  ipcProtocols,
  ipcUrl,
  takeLaunchToken,
  TOKEN_STORAGE_KEY,
  TOKEN_TRANSPORT,
  tokenFromHash,
} from '../../renderer/src/api/transport';
import { WsTrancheClient, type SocketLike } from '../../renderer/src/api/ws-client';
import { engineState } from './fake-api';

/** A socket double: records what the client sends; the test opens, answers and closes it. */
class FakeSocket implements SocketLike {
  readyState = 0;
  sent: WireMessage[] = [];
  onopen: ((ev: Event) => unknown) | null = null;
  onclose: ((ev: CloseEvent) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;
  onmessage: ((ev: MessageEvent) => unknown) | null = null;
  constructor(
    readonly url: string,
    readonly protocols?: string[],
  ) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data) as WireMessage);
  }
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  receive(msg: WireMessage): void {
    this.onmessage?.({ data: JSON.stringify(msg) } as MessageEvent);
  }
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' } as CloseEvent);
  }
}

function client(validate = true) {
  const sockets: FakeSocket[] = [];
  const c = new WsTrancheClient({
    url: 'ws://127.0.0.1:4321/ipc?token=t',
    validate,
    backoffInitialMs: 100,
    backoffMaxMs: 1000,
    createSocket: (url, protocols) => {
      const s = new FakeSocket(url, protocols);
      sockets.push(s);
      return s;
    },
  });
  return { c: c.start(), sockets };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('launch token and address', () => {
  it('takes the token out of the address, keeps it for reloads, and builds the /ipc URL', () => {
    const store = new Map<string, string>();
    const storage = {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
    };
    const replaced: string[] = [];
    const history = { replaceState: (_d: unknown, _u: string, url?: string | null) => void replaced.push(String(url)) };
    const loc = { protocol: 'http:', host: '127.0.0.1:4321', hash: '#token=a%2Bb', pathname: '/', search: '' };
    expect(takeLaunchToken(loc, storage, history)).toBe('a+b');
    expect(replaced).toEqual(['/#/']);
    expect(store.get(TOKEN_STORAGE_KEY)).toBe('a+b');
    expect(takeLaunchToken({ ...loc, hash: '#/params' }, storage, history)).toBe('a+b');
    expect(takeLaunchToken({ ...loc, hash: '#/params?token=xyz' }, storage, history)).toBe('xyz');
    expect(replaced).toEqual(['/#/', '/#/params']);
    expect(tokenFromHash('#/trading?token=xyz')).toBe('xyz');
    expect(tokenFromHash('#/trading')).toBeNull();
    // electron/host/ws-host.ts takes the token as a subprotocol, never in the URL.
    expect(TOKEN_TRANSPORT).toBe('subprotocol');
    expect(ipcUrl(loc, 'a+b')).toBe('ws://127.0.0.1:4321/ipc');
    expect(ipcUrl({ protocol: 'https:', host: 'h' }, 'x')).toBe('wss://h/ipc');
    expect(ipcProtocols('ab12')).toEqual(['tranche.v1', 'tranche.token.ab12']);
  });
});

describe('WebSocket client', () => {
  it('matches responses to requests by id and fans out events', async () => {
    const { c, sockets } = client();
    const s = sockets[0]!;
    s.open();
    expect(c.connection().status).toBe('connected');
    const a = c.request('engine.status', {});
    const b = c.request('allocations.clearAll', { confirm: true });
    expect(s.sent.map((m) => m.type === 'request' && [m.id, m.channel])).toEqual([
      [1, 'engine.status'],
      [2, 'allocations.clearAll'],
    ]);
    s.receive({ type: 'response', id: 2, result: { ok: true, data: { cleared: 1, withPositions: [] } } });
    s.receive({ type: 'response', id: 1, result: { ok: true, data: engineState({ state: 'running' }) } });
    expect(await b).toEqual({ ok: true, data: { cleared: 1, withPositions: [] } });
    expect(await a).toMatchObject({ ok: true, data: { state: 'running' } });

    const seen: string[] = [];
    const off = c.on('log.line', (l) => seen.push(l.text));
    s.receive({
      type: 'event',
      channel: 'log.line',
      data: { time: '2024-01-15T02:34:00Z', level: 'info', symbol: null, text: 'hello' },
    });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    s.receive({ type: 'event', channel: 'log.line', data: { text: 'not a log line' } }); // dropped in validating builds
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
    off();
    s.receive({
      type: 'event',
      channel: 'log.line',
      data: { time: '2024-01-15T02:34:00Z', level: 'info', symbol: null, text: 'after off' },
    });
    expect(seen).toEqual(['hello']);
  });

  it('rejects an answer outside the contract in validating builds', async () => {
    const { c, sockets } = client();
    sockets[0]!.open();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const r = c.request('engine.status', {});
    sockets[0]!.receive({ type: 'response', id: 1, result: { ok: true, data: { state: 'flying' } } });
    expect(await r).toMatchObject({ ok: false, error: { code: 'invalid-output' } });
    warn.mockRestore();
  });

  it('fails pending and new requests while disconnected, and reconnects with back-off', async () => {
    vi.useFakeTimers();
    const { c, sockets } = client();
    const states: string[] = [];
    c.onConnection((i) => states.push(i.status));
    sockets[0]!.open();
    const pending = c.request('engine.status', {});
    sockets[0]!.drop();
    expect(await pending).toMatchObject({ ok: false, error: { code: 'failed' } });
    expect(c.connection()).toMatchObject({ status: 'disconnected', attempt: 1 });
    expect(await c.request('engine.status', {})).toMatchObject({
      ok: false,
      error: { message: 'Not connected to the Tranche host' },
    });

    vi.advanceTimersByTime(130); // first retry after ~100 ms
    expect(sockets).toHaveLength(2);
    sockets[1]!.drop();
    expect(c.connection().attempt).toBe(2);
    vi.advanceTimersByTime(130);
    expect(sockets).toHaveLength(2); // second retry waits ~200 ms
    vi.advanceTimersByTime(120);
    expect(sockets).toHaveLength(3);
    sockets[2]!.open();
    expect(c.connection()).toMatchObject({ status: 'connected', attempt: 0 });
    expect(states).toEqual(['connected', 'disconnected', 'connecting', 'disconnected', 'connecting', 'connected']);
    c.close();
  });
});
