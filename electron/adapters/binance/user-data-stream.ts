import type { RequestLimiter } from './request-limiter';
import type { RequestSigner } from './signer';
import { WsApiConnection, WsUpgradeError, type WsApiResponse } from './ws-api-connection';

export type UserStreamState =
  'connecting' | 'connected' | 'reconnecting' | 'reconnected' | 'resynced' | 'closed' | 'error';

export interface UserDataStreamOptions {
  /** The WebSocket API endpoint, e.g. wss://ws-api.binance.com:443/ws-api/v3. */
  url: string;
  apiKey: string;
  signer: RequestSigner;
  /** Binance's time as we measure it (local clock + offset): what the subscription is signed with. */
  serverNow: () => number;
  /** Measures the clock offset again (after -1021). */
  resyncClock: () => Promise<void>;
  limiter: RequestLimiter;
  /** A raw user-data event: executionReport, listStatus, outboundAccountPosition, ... */
  onEvent(event: Record<string, unknown>): void;
  onState(state: UserStreamState, detail?: string): void;
  /** Never two subscription attempts closer than this (default 5000 ms): no storm, ever. */
  minAttemptGapMs?: number;
  /** Longest wait between attempts (default 5 minutes). */
  maxBackoffMs?: number;
  /** A connection is replaced after this long (default 23 h 30 min: Binance closes them at 24 h). */
  connectionLifetimeMs?: number;
  /** recvWindow of the signed subscription (default 5000, Binance's default). */
  recvWindowMs?: number;
  /** Attempts at start before the start fails with a clear error (default 3). */
  startAttempts?: number;
  openTimeoutMs?: number;
  requestTimeoutMs?: number;
}

/** Binance's WebSocket API weights (web-socket-api.md): connecting costs 2, userDataStream.subscribe.signature 2. */
const CONNECT_WEIGHT = 2;
const SUBSCRIBE_WEIGHT = 2;

/** A failure of one attempt, with what it says about waiting. */
class AttemptError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | undefined,
    /** Retrying cannot help (a refused key): at start, give up at once. */
    readonly fatal: boolean,
    readonly banned = false,
  ) {
    super(message);
  }
}

/**
 * Order and balance events over Binance's WebSocket API. Our own `userDataStream.subscribe.signature`
 * (the listenKey stream was switched off on 2026-02-20), signed with the measured clock offset and a
 * recvWindow, on our own connection (the `ws` library, which the `binance` package also uses: its
 * WebSocket API client reconnects every 500 ms with no back-off and leaves a refused connection's
 * promise pending forever, so it cannot honour a 429 or a ban).
 *
 * - Subscription attempts are never closer than 5 s and back off exponentially (with jitter) up to
 *   5 minutes, honouring Binance's retryAfter (429) and bans (418): one attempt per 5 s at most in
 *   any storm.
 * - A new subscription follows a dropped connection, `eventStreamTerminated` (the subscription
 *   ended), `serverShutdown` (a new connection is opened before the old one goes) and the 24 h
 *   connection limit (replaced before it, make-before-break).
 * - After every new subscription but the first, 'reconnected' tells the adapter to re-read what
 *   events may have been missed.
 * - At start, an endpoint that keeps failing ends the start with the reason (a wrong URL, a refused
 *   key), instead of retrying forever; later failures are retried and shown as health.
 */
export class UserDataStream {
  private conn: WsApiConnection | undefined;
  private subscriptionId: number | undefined;
  private lastAttemptAt = 0;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private rotateTimer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private stopped = false;
  private everSubscribed = false;
  private working: Promise<void> | undefined;
  private readonly gap: number;

  constructor(private readonly o: UserDataStreamOptions) {
    this.gap = o.minAttemptGapMs ?? 5000;
  }

  /** Subscription attempts so far (for tests and health). */
  attempts = 0;

  /** Connects and subscribes; rejects with the reason when the start keeps failing. */
  async start(): Promise<void> {
    const tries = this.o.startAttempts ?? 3;
    this.o.onState('connecting');
    let last: AttemptError | undefined;
    for (let i = 0; i < tries && !this.stopped; i++) {
      if (i > 0) await this.waitBeforeAttempt(last);
      if (this.stopped) break;
      try {
        await this.attempt();
        this.o.onState('connected');
        return;
      } catch (e) {
        last = e instanceof AttemptError ? e : new AttemptError(String(e), undefined, false);
        this.o.onState('error', last.message);
        if (last.fatal || (last.retryAfterMs ?? 0) > 60_000) break;
      }
    }
    const why = last?.message ?? 'stopped';
    throw new Error(
      `cannot subscribe to the user data stream at ${this.o.url}: ${why}${last?.fatal ? '' : ` (after ${this.attempts} attempt${this.attempts === 1 ? '' : 's'})`}`,
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    if (this.rotateTimer) clearTimeout(this.rotateTimer);
    this.timer = undefined;
    this.rotateTimer = undefined;
    const c = this.conn;
    this.conn = undefined;
    if (c?.isOpen && this.subscriptionId !== undefined) {
      // Polite: end the subscription (Binance then sends eventStreamTerminated) before closing.
      await Promise.race([c.request('userDataStream.unsubscribe', {}).catch(() => undefined), sleep(300)]);
    }
    c?.close();
    this.o.onState('closed');
  }

  /** One attempt: a connection (the current one if it is open) and a signed subscription on it. */
  private async attempt(fresh = false): Promise<void> {
    const since = Date.now() - this.lastAttemptAt;
    if (since < this.gap) await sleep(this.gap - since, this.abort.signal);
    if (this.stopped) throw new AttemptError('stopped', undefined, false);
    this.lastAttemptAt = Date.now();
    this.attempts++;
    let conn = fresh ? undefined : this.conn;
    let opened = false;
    if (!conn || !conn.isOpen) {
      try {
        await this.o.limiter.acquire('WebSocket API connection', CONNECT_WEIGHT, 0, { signal: this.abort.signal });
      } catch (e) {
        const retry = (e as { retryAfterMs?: number }).retryAfterMs;
        throw new AttemptError((e as Error).message, retry, false);
      }
      try {
        conn = await WsApiConnection.open(
          {
            url: this.o.url,
            openTimeoutMs: this.o.openTimeoutMs ?? 10_000,
            requestTimeoutMs: this.o.requestTimeoutMs ?? 10_000,
            onEvent: (sub, event) => this.onEvent(conn!, sub, event),
            onClose: (why) => this.onConnectionLost(conn!, why),
          },
          this.abort.signal,
        );
        opened = true;
      } catch (e) {
        if (e instanceof WsUpgradeError) {
          if (e.status === 418 || e.status === 429)
            this.o.limiter.pause(e.status === 418 ? 'banned' : 'rate-limited', e.retryAfterMs, e.message);
          const hint = e.status === 404 ? ' (is the WebSocket API URL right? it should end in /ws-api/v3)' : '';
          throw new AttemptError(
            `${e.message}${hint}`,
            e.retryAfterMs,
            e.status === 404 || e.status === 401 || e.status === 403,
            e.status === 418,
          );
        }
        throw new AttemptError((e as Error).message, undefined, false);
      }
    }
    let answer: WsApiResponse;
    try {
      await this.o.limiter.acquire('userDataStream.subscribe.signature', SUBSCRIBE_WEIGHT, 0, {
        signal: this.abort.signal,
      });
      answer = await conn.request('userDataStream.subscribe.signature', this.signedParams());
    } catch (e) {
      if (opened) conn.close();
      throw new AttemptError((e as Error).message, (e as { retryAfterMs?: number }).retryAfterMs, false);
    }
    if (this.stopped) {
      // Stopped while the answer was on its way: nothing is adopted, the connection goes.
      if (opened) conn.close();
      throw new AttemptError('stopped', undefined, true);
    }
    this.observeLimits(answer);
    if (answer.status !== 200) {
      const code = answer.error?.code;
      const msg = answer.error?.msg ?? `status ${answer.status}`;
      const retryAt = answer.error?.data?.retryAfter;
      const retryAfterMs = typeof retryAt === 'number' ? Math.max(0, retryAt - Date.now()) : undefined;
      if (answer.status === 429 || answer.status === 418) {
        this.o.limiter.pause(answer.status === 418 ? 'banned' : 'rate-limited', retryAfterMs, msg);
      }
      if (code === -1021) await this.o.resyncClock().catch(() => undefined); // signed again with the new offset
      if (opened && (answer.status === 418 || answer.status === 429)) conn.close();
      else if (opened && code !== -2035) conn.close();
      if (code === -2035) {
        // "User Data Stream subscription already active": this connection is subscribed.
        this.adopt(conn);
        return;
      }
      const fatal = code === -2014 || code === -2015 || code === -1022 || code === -1002;
      throw new AttemptError(
        `Binance answered ${answer.status} ${code ?? ''} ${msg}`.replace(/\s+/g, ' '),
        retryAfterMs,
        fatal,
        answer.status === 418,
      );
    }
    const result = answer.result as { subscriptionId?: unknown } | undefined;
    this.subscriptionId = typeof result?.subscriptionId === 'number' ? result.subscriptionId : 0;
    this.adopt(conn);
  }

  /**
   * Makes `conn` the current connection (closing an older one) and plans its replacement before
   * Binance's 24-hour limit, counted from when the connection opened (a new subscription on the same
   * connection does not move it).
   */
  private adopt(conn: WsApiConnection): void {
    const old = this.conn;
    this.conn = conn;
    if (old && old !== conn) old.close();
    this.failures = 0;
    if (this.rotateTimer) clearTimeout(this.rotateTimer);
    const lifetime = this.o.connectionLifetimeMs ?? (23 * 60 + 30) * 60_000;
    this.rotateTimer = setTimeout(
      () => this.renew('the connection is about to reach its 24-hour limit', true),
      Math.max(0, conn.openedAt + lifetime - Date.now()),
    );
    this.rotateTimer.unref();
    if (this.everSubscribed) this.o.onState('reconnected');
    this.everSubscribed = true;
  }

  private signedParams(): Record<string, unknown> {
    const params: Record<string, string | number> = {
      apiKey: this.o.apiKey,
      recvWindow: this.o.recvWindowMs ?? 5000,
      timestamp: Math.round(this.o.serverNow()),
    };
    // Sorted by name, `key=value&...` (web-socket-api.md "SIGNED request security").
    const payload = Object.keys(params)
      .sort()
      .map((k) => `${k}=${params[k]}`)
      .join('&');
    return { ...params, signature: this.o.signer.sign(payload) };
  }

  private onEvent(conn: WsApiConnection, sub: number, event: Record<string, unknown>): void {
    if (this.stopped) return;
    const type = event.e;
    if (type === 'eventStreamTerminated') {
      if (conn === this.conn) {
        this.subscriptionId = undefined;
        this.renew('Binance ended the subscription (eventStreamTerminated)', false);
      }
      return;
    }
    if (type === 'serverShutdown') {
      if (conn === this.conn) this.renew('Binance announced a server shutdown (serverShutdown)', true);
      return;
    }
    // During a make-before-break replacement both connections deliver: events are idempotent downstream.
    void sub;
    this.o.onEvent(event);
  }

  private onConnectionLost(conn: WsApiConnection, why: string): void {
    if (this.stopped || conn !== this.conn) return;
    this.conn = undefined;
    this.subscriptionId = undefined;
    this.renew(`the connection was lost (${why})`, true);
  }

  /**
   * Subscribes again (on a new connection when `fresh`), now or after the back-off, until it works.
   * Every failure is told as health with when the next attempt comes.
   */
  private renew(why: string, fresh: boolean): void {
    if (this.stopped || this.working) return;
    this.o.onState('reconnecting', why);
    const run = async (): Promise<void> => {
      let last: AttemptError | undefined;
      while (!this.stopped) {
        if (last) await this.waitBeforeAttempt(last);
        if (this.stopped) return;
        try {
          await this.attempt(fresh);
          return;
        } catch (e) {
          last = e instanceof AttemptError ? e : new AttemptError(String(e), undefined, false);
          this.failures++;
          fresh = true;
          if (!this.stopped)
            this.o.onState('error', `${last.message}; next attempt in ${Math.round(this.delayAfter(last) / 1000)} s`);
        }
      }
    };
    this.working = run().finally(() => {
      this.working = undefined;
    });
  }

  /**
   * How long to wait before the next attempt: what Binance said (retryAfter of a 429, the end of a
   * 418 ban) when it said it, else exponential back-off with jitter; never less than the minimum gap.
   */
  private delayAfter(e: AttemptError | undefined): number {
    if (e?.retryAfterMs !== undefined) return Math.max(this.gap, e.retryAfterMs + 250 * Math.random());
    const base = Math.min(this.o.maxBackoffMs ?? 300_000, this.gap * 2 ** Math.min(this.failures, 10));
    return Math.max(this.gap, base * (0.8 + 0.4 * Math.random()));
  }

  private async waitBeforeAttempt(e: AttemptError | undefined): Promise<void> {
    const wait = this.delayAfter(e) - (Date.now() - this.lastAttemptAt);
    if (wait > 0) await sleep(wait, this.abort.signal);
  }

  private observeLimits(answer: WsApiResponse): void {
    const w = answer.rateLimits?.find((l) => l.rateLimitType === 'REQUEST_WEIGHT' && l.interval === 'MINUTE');
    if (w) this.o.limiter.observe({ weight1m: w.count });
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
