import WebSocket from 'ws';

/** Binance's answer to a WebSocket API request (web-socket-api.md "Request format" / "Response format"). */
export interface WsApiResponse {
  id: number | string | null;
  status: number;
  result?: unknown;
  error?: { code?: number; msg?: string; data?: { retryAfter?: number; serverTime?: number } };
  rateLimits?: Array<{ rateLimitType: string; interval: string; intervalNum: number; limit: number; count: number }>;
}

/** Why a connection could not be opened: the HTTP status of a refused upgrade (404, 429, 418, 503, ...) and its Retry-After. */
export class WsUpgradeError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
    this.name = 'WsUpgradeError';
  }
}

export interface WsApiConnectionOptions {
  url: string;
  /** Open timeout (ms). */
  openTimeoutMs: number;
  /** How long a request may wait for its answer (ms). */
  requestTimeoutMs: number;
  /** A user data event: the `event` of `{subscriptionId, event}`. */
  onEvent(subscriptionId: number, event: Record<string, unknown>): void;
  /** The connection ended (not called for close()). */
  onClose(why: string): void;
  /**
   * How often we ping (ms; default 30 s). A connection that has sent nothing at all (no message,
   * ping or pong) for two of these periods is taken as dead: a half-open TCP connection otherwise
   * looks open for minutes while execution reports are lost.
   */
  heartbeatMs?: number;
}

/**
 * One WebSocket API connection: open (with a timeout and the HTTP status of a refused upgrade),
 * requests answered by id, user data events passed on, pings answered (the `ws` library pongs by
 * itself, as Binance requires within a minute of its 20-second pings), and our own pings so that a
 * silently dead connection is noticed. No reconnection here: the
 * user data stream decides when to open another, with back-off.
 */
export class WsApiConnection {
  private ws: WebSocket | undefined;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (r: WsApiResponse) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  private closedByUs = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private lastHeard = Date.now();
  readonly openedAt = Date.now();

  private constructor(private readonly o: WsApiConnectionOptions) {}

  static open(o: WsApiConnectionOptions, signal?: AbortSignal): Promise<WsApiConnection> {
    const c = new WsApiConnection(o);
    return c.connect(signal).then(() => c);
  }

  private connect(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const ws = new WebSocket(this.o.url, { handshakeTimeout: this.o.openTimeoutMs });
      this.ws = ws;
      const fail = (e: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        ws.removeAllListeners();
        ws.on('error', () => undefined);
        ws.terminate();
        reject(e);
      };
      const onAbort = () => fail(new Error('stopped'));
      const timer = setTimeout(
        () => fail(new WsUpgradeError(`no connection within ${this.o.openTimeoutMs / 1000} s`, undefined, undefined)),
        this.o.openTimeoutMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      ws.on('unexpected-response', (_req, res) => {
        const status = res.statusCode;
        const after = Number(res.headers['retry-after']);
        res.resume();
        fail(
          new WsUpgradeError(
            `the server answered HTTP ${status ?? '?'} to the WebSocket connection`,
            status,
            Number.isFinite(after) && after >= 0 ? after * 1000 : undefined,
          ),
        );
      });
      ws.on('error', (e) => fail(new WsUpgradeError(errorText(e), undefined, undefined)));
      ws.on('open', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        ws.removeAllListeners('error');
        ws.on('error', () => undefined); // followed by 'close'
        ws.on('message', (data) => {
          this.lastHeard = Date.now();
          this.onMessage(data);
        });
        ws.on('ping', () => (this.lastHeard = Date.now()));
        ws.on('pong', () => (this.lastHeard = Date.now()));
        ws.on('close', (code, reason) =>
          this.onClosed(`closed by the server (${code}${reason.length ? ` ${reason.toString()}` : ''})`),
        );
        this.startHeartbeat(ws);
        resolve();
      });
    });
  }

  private startHeartbeat(ws: WebSocket): void {
    const every = this.o.heartbeatMs ?? 30_000;
    this.lastHeard = Date.now();
    this.heartbeat = setInterval(() => {
      if (Date.now() - this.lastHeard > 2 * every) {
        ws.removeAllListeners();
        ws.on('error', () => undefined);
        ws.terminate();
        const silent = 2 * every;
        this.onClosed(
          `no sign of life from the server for ${silent >= 1000 ? `${Math.round(silent / 1000)} s` : `${silent} ms`}`,
        );
        return;
      }
      if (ws.readyState === WebSocket.OPEN) ws.ping();
    }, every);
    this.heartbeat.unref();
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Sends a request; resolves with Binance's answer whatever its status (never rejects for a 4xx answer). */
  request(method: string, params: Record<string, unknown>): Promise<WsApiResponse> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN)
      return Promise.reject(new Error('the WebSocket API connection is not open'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer to ${method} within ${this.o.requestTimeoutMs / 1000} s`));
      }, this.o.requestTimeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      ws.send(JSON.stringify({ id, method, params }), (err) => {
        if (!err) return;
        clearTimeout(timer);
        this.pending.delete(id);
        reject(err);
      });
    });
  }

  close(): void {
    this.closedByUs = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.failPending('the connection was closed');
    const ws = this.ws;
    this.ws = undefined;
    if (!ws) return;
    ws.removeAllListeners();
    ws.on('error', () => undefined);
    if (ws.readyState === WebSocket.OPEN) ws.close(1000);
    else ws.terminate();
    setTimeout(() => ws.terminate(), 1000).unref();
  }

  private onMessage(data: WebSocket.RawData): void {
    let msg: unknown;
    try {
      msg = JSON.parse(data.toString());
    } catch {
      return; // not JSON: nothing Binance sends
    }
    if (typeof msg !== 'object' || msg === null) return;
    const m = msg as Record<string, unknown>;
    if (typeof m.id === 'number' && this.pending.has(m.id)) {
      const p = this.pending.get(m.id)!;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      p.resolve(m as unknown as WsApiResponse);
      return;
    }
    if (typeof m.event === 'object' && m.event !== null) {
      const sub = typeof m.subscriptionId === 'number' ? m.subscriptionId : -1;
      this.o.onEvent(sub, m.event as Record<string, unknown>);
    }
  }

  private onClosed(why: string): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.failPending(why);
    this.ws = undefined;
    if (!this.closedByUs) this.o.onClose(why);
  }

  private failPending(why: string): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error(why));
      this.pending.delete(id);
    }
  }
}

function errorText(e: unknown): string {
  const err = e as { code?: string; message?: string };
  return err.code ? `cannot connect (${err.code})` : (err.message ?? 'cannot connect');
}
