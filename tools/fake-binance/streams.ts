import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';

/**
 * Binance market streams over WebSocket: combined streams at /stream (frames wrapped as
 * {"stream": name, "data": payload}) and raw streams at /ws (payload only), with initial streams
 * from `?streams=a/b` or `/ws/a/b`, and live SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS /
 * SET_PROPERTY / GET_PROPERTY requests answered by id. Connections can be given a lifetime (Binance:
 * 24 h) and sent Binance's serverShutdown event (web-socket-streams.md "Server Shutdown": the bare
 * event on raw streams, `{"stream": "!serverShutdown", "data": ...}` on combined ones).
 */

interface Connection {
  ws: WebSocket;
  lifetime: NodeJS.Timeout | undefined;
  /** Whether frames are wrapped with their stream name (the "combined" property). */
  combined: boolean;
  streams: Set<string>;
}

interface Waiter {
  stream: string;
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export interface StreamHubOptions {
  /** Binance pings every 20 s; 0 disables (the default here, so tests stay quiet). */
  pingIntervalMs?: number;
  /** Close each connection when it reaches this age (Binance: 24 h); default: never. */
  connectionLifetimeMs?: number;
}

type RequestId = number | string | null;

export class StreamHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly connections = new Set<Connection>();
  private waiters: Waiter[] = [];
  private readonly pingTimer: NodeJS.Timeout | undefined;
  private accepting = true;
  private accepted = 0;

  constructor(private readonly options: StreamHubOptions = {}) {
    const every = options.pingIntervalMs ?? 0;
    if (every > 0) {
      this.pingTimer = setInterval(() => {
        for (const c of this.connections) c.ws.ping();
      }, every);
      this.pingTimer.unref();
    }
  }

  /** Takes an HTTP upgrade for /stream or /ws; anything else is refused. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.replace(/\/+$/, '');
    let combined: boolean;
    let initial: string[];
    if (path === '/stream') {
      combined = true;
      initial = splitStreams(url.searchParams.get('streams') ?? '');
    } else if (path === '/ws' || path.startsWith('/ws/')) {
      combined = false;
      initial = splitStreams(path.slice(4));
    } else {
      refuseUpgrade(socket, 404);
      return;
    }
    if (!this.accepting) {
      refuseUpgrade(socket, 503);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, combined, initial));
  }

  /** Sends a payload to every connection subscribed to the stream. */
  publish(stream: string, payload: unknown): void {
    let wrapped: string | undefined;
    let raw: string | undefined;
    for (const c of this.connections) {
      if (!c.streams.has(stream) || c.ws.readyState !== WebSocket.OPEN) continue;
      if (c.combined) c.ws.send((wrapped ??= JSON.stringify({ stream, data: payload })));
      else c.ws.send((raw ??= JSON.stringify(payload)));
    }
  }

  /** Number of open connections subscribed to the stream. */
  subscribers(stream: string): number {
    let n = 0;
    for (const c of this.connections) if (c.streams.has(stream)) n++;
    return n;
  }

  connectionCount(): number {
    return this.connections.size;
  }

  /** Connections accepted since the start (reconnects included). */
  acceptedCount(): number {
    return this.accepted;
  }

  /** Resolves once some connection subscribes to the stream (at once if one already has). */
  waitForSubscriber(stream: string, timeoutMs = 5000): Promise<void> {
    if (this.subscribers(stream) > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        stream,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new Error(`fake-binance: nobody subscribed to ${stream} within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Cuts every connection without a close handshake, like a network failure. */
  dropAll(): void {
    for (const c of this.connections) {
      if (c.lifetime) clearTimeout(c.lifetime);
      c.ws.terminate();
    }
    this.connections.clear();
  }

  /** Sends Binance's serverShutdown event on every connection, in its raw or combined form. */
  sendServerShutdown(eventTime: number): void {
    const event = { e: 'serverShutdown', E: eventTime };
    for (const c of this.connections) this.reply(c, c.combined ? { stream: '!serverShutdown', data: event } : event);
  }

  /** Refuses (503) or accepts new connections, to keep a client disconnected for a while. */
  setAccepting(accepting: boolean): void {
    this.accepting = accepting;
  }

  async close(): Promise<void> {
    if (this.pingTimer) clearInterval(this.pingTimer);
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new Error('fake-binance closed'));
    }
    this.waiters = [];
    this.dropAll();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket, combined: boolean, initial: string[]): void {
    const conn: Connection = { ws, combined, streams: new Set(initial), lifetime: undefined };
    this.accepted++;
    this.connections.add(conn);
    const lifetime = this.options.connectionLifetimeMs;
    // How Binance ends a connection at the 24 h mark the docs do not say: a normal close here.
    if (lifetime !== undefined)
      conn.lifetime = setTimeout(() => ws.close(1000, 'connection lifetime reached'), lifetime);
    const gone = (): void => {
      if (conn.lifetime) clearTimeout(conn.lifetime);
      this.connections.delete(conn);
    };
    ws.on('message', (data, isBinary) => this.onMessage(conn, data, isBinary));
    ws.on('close', gone);
    ws.on('error', gone);
    this.notifyWaiters();
  }

  private onMessage(conn: Connection, data: RawData, isBinary: boolean): void {
    if (isBinary) return;
    let request: unknown;
    try {
      request = JSON.parse(rawText(data));
    } catch (err) {
      this.reply(conn, {
        error: { code: 3, msg: `Invalid JSON: ${err instanceof Error ? err.message : 'parse error'}` },
        id: null,
      });
      return;
    }
    if (typeof request !== 'object' || request === null || Array.isArray(request)) {
      this.reply(conn, { error: { code: 2, msg: 'Invalid request: expected an object' }, id: null });
      return;
    }
    const { method, params, id } = request as { method?: unknown; params?: unknown; id?: unknown };
    if (!isRequestId(id)) {
      this.reply(conn, {
        error: { code: 2, msg: 'Invalid request: request ID must be an unsigned integer' },
        id: null,
      });
      return;
    }
    const list = Array.isArray(params) ? params : [];
    switch (method) {
      case 'SUBSCRIBE':
        if (!list.every((p): p is string => typeof p === 'string'))
          return this.invalid(conn, id, 'stream names must be strings');
        for (const s of list) conn.streams.add(s);
        this.reply(conn, { result: null, id });
        this.notifyWaiters();
        return;
      case 'UNSUBSCRIBE':
        for (const s of list) if (typeof s === 'string') conn.streams.delete(s);
        this.reply(conn, { result: null, id });
        return;
      case 'LIST_SUBSCRIPTIONS':
        this.reply(conn, { result: [...conn.streams], id });
        return;
      case 'SET_PROPERTY':
        if (list[0] !== 'combined') return this.reply(conn, { error: { code: 0, msg: 'Unknown property' }, id });
        if (typeof list[1] !== 'boolean')
          return this.reply(conn, { error: { code: 1, msg: 'Invalid value type: expected Boolean' }, id });
        conn.combined = list[1];
        this.reply(conn, { result: null, id });
        return;
      case 'GET_PROPERTY':
        if (list[0] !== 'combined') return this.reply(conn, { error: { code: 0, msg: 'Unknown property' }, id });
        this.reply(conn, { result: conn.combined, id });
        return;
      case undefined:
        return this.invalid(conn, id, 'missing field `method`');
      default:
        return this.invalid(
          conn,
          id,
          `unknown variant \`${String(method)}\`, expected one of \`SUBSCRIBE\`, \`UNSUBSCRIBE\`, \`LIST_SUBSCRIPTIONS\`, \`SET_PROPERTY\`, \`GET_PROPERTY\``,
        );
    }
  }

  private invalid(conn: Connection, id: RequestId, why: string): void {
    this.reply(conn, { error: { code: 2, msg: `Invalid request: ${why}` }, id });
  }

  private reply(conn: Connection, body: unknown): void {
    if (conn.ws.readyState === WebSocket.OPEN) conn.ws.send(JSON.stringify(body));
  }

  private notifyWaiters(): void {
    if (this.waiters.length === 0) return;
    this.waiters = this.waiters.filter((w) => {
      if (this.subscribers(w.stream) === 0) return true;
      clearTimeout(w.timer);
      w.resolve();
      return false;
    });
  }
}

function splitStreams(text: string): string[] {
  return text.split('/').filter((s) => s !== '');
}

function isRequestId(id: unknown): id is RequestId {
  if (id === null) return true;
  if (typeof id === 'number') return Number.isSafeInteger(id);
  return typeof id === 'string' && id.length <= 36 && /^[A-Za-z0-9-]*$/.test(id);
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

/** Answers a WebSocket upgrade with an HTTP error instead of 101 (extra headers such as Retry-After). */
export function refuseUpgrade(socket: Duplex, status: number, headers: Record<string, string> = {}): void {
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  // As ws does for refused handshakes: destroy only once the answer has been flushed.
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\n${extra}Content-Length: 0\r\n\r\n`,
  );
}
