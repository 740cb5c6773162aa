import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { WsApiConnection } from '../../electron/adapters/binance/ws-api-connection';

/**
 * The WebSocket API connection over a real socket: a server that goes silent (a half-open TCP
 * connection: no message, no ping, no pong) is noticed by our own pings instead of looking open for
 * minutes while execution reports are lost.
 */
describe('WsApiConnection heartbeat', () => {
  let server: WebSocketServer | undefined;
  afterEach(async () => {
    for (const c of server?.clients ?? []) c.terminate();
    await new Promise((r) => server?.close(r));
    server = undefined;
  });

  /** A connection pinging every 100 ms, its closes collected in `closed`. */
  const open = (url: string, closed: string[]) =>
    WsApiConnection.open({
      url,
      openTimeoutMs: 2000,
      requestTimeoutMs: 5000,
      heartbeatMs: 100,
      onEvent: () => undefined,
      onClose: (why) => closed.push(why),
    });

  async function serve(autoPong: boolean): Promise<string> {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1', autoPong });
    await once(server, 'listening');
    return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws-api/v3`;
  }

  it('a server that answers no ping is taken as dead after two heartbeat periods', async () => {
    const url = await serve(false);
    const closed: string[] = [];
    const t = Date.now();
    const conn = await open(url, closed);
    const pending = conn.request('session.status', {}).catch((e: Error) => e.message);
    while (closed.length === 0 && Date.now() - t < 3000) await new Promise((r) => setTimeout(r, 20));
    expect(closed).toEqual(['no sign of life from the server for 200 ms']);
    expect(Date.now() - t).toBeGreaterThanOrEqual(200);
    expect(await pending).toBe('no sign of life from the server for 200 ms');
    expect(conn.isOpen).toBe(false);
  });

  it('a server that pongs keeps the connection open', async () => {
    const url = await serve(true);
    const closed: string[] = [];
    const conn = await open(url, closed);
    await new Promise((r) => setTimeout(r, 600));
    expect(closed).toEqual([]);
    expect(conn.isOpen).toBe(true);
    conn.close();
  });
});
