import { WebsocketClient, type DefaultLogger, type MainClient } from 'binance';
import { createRestClient } from './client-factory';
import { intervalMs, KLINE_INTERVALS, type KlineInterval } from '../../../shared/market/intervals';
import type { Candle, FeedHealth, FeedSink, FeedSubscription, MarketFeed } from '../../core/ports/market-feed';

/**
 * Live market data from Binance: REST klines for warm-up and backfill, combined WebSocket streams
 * for closed klines and trades.
 *
 * Guarantees to the sink: events one at a time (a returned promise is awaited before the next
 * event), every closed candle exactly once and in order per subscription, including the ones
 * missed while disconnected (fetched over REST after a reconnect or when a gap shows up).
 * Network trouble never throws: it is reported through onHealth and retried with exponential
 * backoff until the abort signal fires.
 */

export interface BinancePublicFeedOptions {
  /** REST base without trailing slash (default https://api.binance.com). */
  restBaseUrl?: string;
  /** Market stream base; the client appends /stream (default wss://stream.binance.com:9443). */
  wsBaseUrl?: string;
  /** First retry delay; doubles per attempt (default 1000 ms). */
  retryBaseMs?: number;
  /** Longest retry delay (default 60000 ms). */
  retryMaxMs?: number;
  /** Timeout of one REST request or WebSocket handshake (default 10000 ms). */
  requestTimeoutMs?: number;
  /** Where warmup() reports retries (run() reports to its sink). */
  onHealth?: (health: FeedHealth) => void;
  /** Stops warmup() retries when warmup() is called without its own signal. */
  signal?: AbortSignal;
}

interface ResolvedOptions {
  restBaseUrl: string;
  wsBaseUrl: string;
  retryBaseMs: number;
  retryMaxMs: number;
  requestTimeoutMs: number;
}

const DEFAULT_REST = 'https://api.binance.com';
const DEFAULT_WS = 'wss://stream.binance.com:9443';
/** Binance's maximum for GET /api/v3/klines. */
const KLINES_PAGE = 1000;
/** Queued events beyond which trades of a symbol coalesce to the latest price (see onMessage). */
const TRADE_BACKLOG = 5000;

/** Thrown by warmup() when its signal aborts; `name` is "AbortError" as for fetch(). */
class FeedAbortError extends Error {
  override readonly name = 'AbortError';
}

/** The answer from Binance was not what its API documents: retrying will not help. */
class FeedDataError extends Error {}

export class BinancePublicFeed implements MarketFeed {
  readonly name = 'binance';
  readonly realtime = true;
  private readonly options: ResolvedOptions;
  /** Last delivered (or warmed-up) open time per subscription, so a run continues without a gap. */
  private readonly resumeFrom = new Map<string, number>();

  constructor(private readonly config: BinancePublicFeedOptions = {}) {
    const wsBaseUrl = stripSlash(config.wsBaseUrl ?? DEFAULT_WS);
    const restBaseUrl = stripSlash(config.restBaseUrl ?? DEFAULT_REST);
    // A malformed URL would make the stream client retry silently forever: refuse it here.
    if (!/^wss?:\/\/[^/]/.test(wsBaseUrl))
      throw new Error(`Binance stream address must start with ws:// or wss://, not "${wsBaseUrl}"`);
    if (!/^https?:\/\/[^/]/.test(restBaseUrl))
      throw new Error(`Binance REST address must start with http:// or https://, not "${restBaseUrl}"`);
    this.options = {
      restBaseUrl,
      wsBaseUrl,
      retryBaseMs: config.retryBaseMs ?? 1000,
      retryMaxMs: config.retryMaxMs ?? 60_000,
      requestTimeoutMs: config.requestTimeoutMs ?? 10_000,
    };
  }

  /**
   * The last `count` closed candles, oldest first. Retries until it succeeds or the signal (this
   * argument, else the constructor's) aborts, then rejects with a FeedAbortError.
   */
  async warmup(sub: FeedSubscription, count: number, signal?: AbortSignal): Promise<Candle[]> {
    const abort = signal ?? this.config.signal;
    const report = this.config.onHealth ?? (() => undefined);
    if (count <= 0) return [];
    const rest = new MarketRest(this.options, abort);
    const retry = <T>(what: string, op: () => Promise<T>): Promise<T> =>
      withRetry(what, op, this.options, abort, report);
    try {
      const serverTime = await retry(`REST time (${sub.symbol} ${sub.interval} warm-up)`, () => rest.serverTime());
      const pages: Candle[][] = [];
      let have = 0;
      let endTime: number | undefined;
      while (have < count) {
        // One more than needed on the first page: the newest row is usually the forming candle.
        const limit = Math.min(KLINES_PAGE, count - have + 1);
        const rows = await retry(`REST klines ${sub.symbol} ${sub.interval}`, () =>
          rest.klines(sub, { endTime, limit }),
        );
        const closed = rows.filter((c) => c.closeTime < serverTime);
        pages.unshift(closed);
        have += closed.length;
        if (rows.length < limit) break; // no older history
        endTime = rows[0]!.openTime - 1;
      }
      const candles = pages.flat().slice(-count);
      const last = candles[candles.length - 1];
      if (last) this.resumeFrom.set(subKey(sub.symbol, sub.interval), last.openTime);
      return candles;
    } catch (err) {
      if (abort?.aborted || err instanceof FeedAbortError) {
        throw new FeedAbortError(`Binance warm-up of ${sub.symbol} ${sub.interval} was aborted`);
      }
      throw err;
    }
  }

  async run(subs: readonly FeedSubscription[], sink: FeedSink, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const session = new LiveSession(this.options, subs, sink, signal, this.resumeFrom);
    try {
      await session.run();
    } finally {
      session.saveResumePoints(this.resumeFrom);
    }
  }
}

interface SubState {
  sub: FeedSubscription;
  /** Open time of the last candle delivered; undefined until the first one. */
  last: number | undefined;
}

interface TradeEvent {
  kind: 'trade';
  symbol: string;
  price: number;
  time: number;
}

type FeedEvent =
  { kind: 'kline'; sub: SubState; candle: Candle } | TradeEvent | { kind: 'backfill'; alwaysReport: boolean };

/**
 * One run(): a stream connection, an event queue delivered strictly in order, and REST backfills.
 * Reconnection is the binance package's own (it resubscribes); we only stretch its delay between
 * attempts into an exponential backoff and fill the gaps it leaves.
 */
class LiveSession {
  private readonly subs: SubState[];
  private readonly byKey = new Map<string, SubState>();
  private readonly trades: string[];
  private readonly stopController = new AbortController();
  private readonly rest: MarketRest;
  private queue: (FeedEvent | undefined)[] = [];
  private readonly waitingTrades = new Map<string, TradeEvent>();
  private head = 0;
  private pumpRunning = false;
  private pumpDone: Promise<void> = Promise.resolve();
  private stopped = false;
  private failure: unknown;
  private wakeRun: () => void = () => undefined;
  private client: MarketStreamClient | undefined;
  private everConnected = false;
  private wsAttempt = 0;
  private lastWsProblem: string | undefined;

  constructor(
    private readonly options: ResolvedOptions,
    subs: readonly FeedSubscription[],
    private readonly sink: FeedSink,
    private readonly signal: AbortSignal,
    resumeFrom: ReadonlyMap<string, number>,
  ) {
    for (const sub of subs) {
      const key = subKey(sub.symbol, sub.interval);
      if (this.byKey.has(key)) continue;
      if (!(sub.interval in KLINE_INTERVALS))
        throw new Error(`Unknown kline interval "${sub.interval}" for ${sub.symbol}`);
      const state: SubState = { sub, last: resumeFrom.get(key) };
      this.byKey.set(key, state);
    }
    this.subs = [...this.byKey.values()];
    this.trades = sink.onTrade ? [...new Set(this.subs.map((s) => s.sub.symbol))] : [];
    this.rest = new MarketRest(options, this.stopController.signal);
  }

  async run(): Promise<void> {
    const stopped = new Promise<void>((resolve) => (this.wakeRun = resolve));
    const onAbort = (): void => this.shutdown();
    this.signal.addEventListener('abort', onAbort, { once: true });
    try {
      this.health({ state: 'connecting', detail: `market streams at ${this.options.wsBaseUrl}` });
      this.connect();
      await stopped;
      // Let a delivery in progress finish, so nothing reaches the sink after run() returns.
      await this.pumpDone;
    } finally {
      this.signal.removeEventListener('abort', onAbort);
      this.shutdown();
    }
    if (this.failure !== undefined) throw this.failure;
    this.health({ state: 'ended' });
  }

  saveResumePoints(into: Map<string, number>): void {
    for (const s of this.subs) if (s.last !== undefined) into.set(subKey(s.sub.symbol, s.sub.interval), s.last);
  }

  private connect(): void {
    const client = new MarketStreamClient(
      {
        wsUrl: this.options.wsBaseUrl,
        beautify: false,
        reconnectTimeout: this.options.retryBaseMs,
        wsOptions: { handshakeTimeout: this.options.requestTimeoutMs },
      },
      quietLogger((message) => (this.lastWsProblem = message)),
    );
    this.client = client;
    client.on('open', () => this.guard(() => this.onConnected()));
    client.on('reconnected', () => this.guard(() => this.onConnected()));
    client.on('reconnecting', () => this.guard(() => this.onReconnecting(client)));
    client.on('exception', (e: unknown) => (this.lastWsProblem = describeWsProblem(e) ?? this.lastWsProblem));
    client.on('message', (data: unknown) => this.guard(() => this.onMessage(data)));
    const topics = [
      ...this.subs.map((s) => `${s.sub.symbol.toLowerCase()}@kline_${s.sub.interval}`),
      ...this.trades.map((symbol) => `${symbol.toLowerCase()}@trade`),
    ];
    // Failures surface as 'reconnecting' events; the promise itself carries nothing more.
    client.subscribe(topics, 'main').catch(() => undefined);
  }

  private onConnected(): void {
    const client = this.client;
    if (this.stopped || !client) {
      // A connection that completed after shutdown: close it again so nothing lingers.
      client?.closeAll(true);
      return;
    }
    client.setReconnectDelay(this.options.retryBaseMs);
    this.wsAttempt = 0;
    this.lastWsProblem = undefined;
    this.health({ state: 'live' });
    const reconnect = this.everConnected;
    this.everConnected = true;
    // After a drop, fetch what was missed; on the first connection, what closed since warm-up.
    if (reconnect || this.subs.some((s) => s.last !== undefined))
      this.enqueue({ kind: 'backfill', alwaysReport: reconnect });
  }

  private onReconnecting(client: MarketStreamClient): void {
    if (this.stopped) return;
    this.wsAttempt++;
    // The package has just scheduled the next attempt with this delay; stretch the one after.
    const delay = client.reconnectDelay();
    this.health({
      state: 'reconnecting',
      detail: `market stream ${this.options.wsBaseUrl}: ${this.lastWsProblem ?? 'connection lost'}`,
      attempt: this.wsAttempt,
      retryInMs: delay,
    });
    client.setReconnectDelay(Math.min(delay * 2, this.options.retryMaxMs));
    this.lastWsProblem = undefined;
  }

  private onMessage(data: unknown): void {
    if (this.stopped || !isRecord(data)) return;
    if (data.e === 'kline') {
      const candle = parseStreamKline(data);
      if (!candle) return;
      const sub = this.byKey.get(subKey(candle.symbol, candle.interval));
      if (sub) this.enqueue({ kind: 'kline', sub, candle });
    } else if (data.e === 'trade' && this.sink.onTrade) {
      const symbol = data.s;
      const price = Number(data.p);
      const time = data.T;
      if (typeof symbol !== 'string' || !Number.isFinite(price) || typeof time !== 'number') return;
      // Every trade is delivered: a paper exchange fills on them, and the order of the prices decides
      // which leg of an OCO fills and at what price (coalescing to the latest price once let a
      // take-profit win where the stop had been reached first). Only a backlog beyond
      // TRADE_BACKLOG (a sink stuck on a long backfill) coalesces: the waiting trade of the symbol
      // takes the new price instead of queueing another.
      const waiting = this.waitingTrades.get(symbol);
      if (waiting && this.queue.length - this.head > TRADE_BACKLOG) {
        waiting.price = price;
        waiting.time = time;
      } else {
        const event: TradeEvent = { kind: 'trade', symbol, price, time };
        this.waitingTrades.set(symbol, event);
        this.enqueue(event);
      }
    }
  }

  private enqueue(event: FeedEvent): void {
    this.queue.push(event);
    if (!this.pumpRunning) {
      this.pumpRunning = true;
      this.pumpDone = this.pump();
    }
  }

  /** Delivers queued events one at a time; only one pump runs at any moment. */
  private async pump(): Promise<void> {
    try {
      while (!this.stopped && this.head < this.queue.length) {
        const event = this.queue[this.head]!;
        this.queue[this.head++] = undefined;
        await this.handle(event);
      }
    } catch (err) {
      if (!(err instanceof FeedAbortError)) this.fail(err);
    } finally {
      this.pumpRunning = false;
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      } else if (this.head > 1024) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
    }
  }

  private async handle(event: FeedEvent): Promise<void> {
    switch (event.kind) {
      case 'kline':
        return this.handleKline(event.sub, event.candle);
      case 'trade': {
        if (this.waitingTrades.get(event.symbol) === event) this.waitingTrades.delete(event.symbol);
        const pending = this.sink.onTrade?.(event.symbol, event.price, event.time);
        if (pending) await pending;
        return;
      }
      case 'backfill':
        for (const sub of this.subs) {
          if (sub.last === undefined || this.stopped) continue;
          const n = await this.backfill(sub);
          if (n > 0 || event.alwaysReport) this.health({ state: 'backfilled', symbol: sub.sub.symbol, candles: n });
        }
        return;
    }
  }

  private async handleKline(sub: SubState, candle: Candle): Promise<void> {
    if (sub.last !== undefined) {
      if (candle.openTime <= sub.last) return; // already delivered (e.g. by a backfill)
      // A hole before this candle (missed frames, a race with the reconnect backfill): fill it first.
      if (sub.sub.interval !== '1M' && candle.openTime > sub.last + intervalMs(sub.sub.interval)) {
        const n = await this.backfill(sub, candle.openTime - 1);
        if (n > 0) this.health({ state: 'backfilled', symbol: sub.sub.symbol, candles: n });
        if (candle.openTime <= sub.last) return;
      }
    }
    await this.deliver(sub, candle);
  }

  /** Delivers the closed candles after sub.last (up to endTime) from REST; returns how many. */
  private async backfill(sub: SubState, endTime?: number): Promise<number> {
    const { symbol, interval } = sub.sub;
    const serverTime = await this.retry(`REST time (${symbol} ${interval} backfill)`, () => this.rest.serverTime());
    let delivered = 0;
    for (;;) {
      if (sub.last === undefined || this.stopped) return delivered;
      const startTime = sub.last + 1;
      const rows = await this.retry(`REST klines ${symbol} ${interval}`, () =>
        this.rest.klines(sub.sub, { startTime, endTime, limit: KLINES_PAGE }),
      );
      let page = 0;
      for (const c of rows) {
        if (c.closeTime >= serverTime) break; // the forming candle: the stream delivers it when it closes
        if (sub.last !== undefined && c.openTime <= sub.last) continue;
        await this.deliver(sub, c);
        page++;
        if (this.stopped) return delivered + page;
      }
      delivered += page;
      if (rows.length < KLINES_PAGE || page === 0) return delivered;
    }
  }

  private async deliver(sub: SubState, candle: Candle): Promise<void> {
    sub.last = candle.openTime;
    const pending = this.sink.onCandle(candle);
    if (pending) await pending;
  }

  private retry<T>(what: string, op: () => Promise<T>): Promise<T> {
    return withRetry(what, op, this.options, this.stopController.signal, (h) => this.health(h));
  }

  private health(h: FeedHealth): void {
    this.sink.onHealth?.(h);
  }

  /** Runs an event handler; an exception from the sink ends the run with that error. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.fail(err);
    }
  }

  private fail(err: unknown): void {
    if (this.stopped) return;
    this.failure = err;
    this.shutdown();
  }

  private shutdown(): void {
    if (!this.stopped) {
      this.stopped = true;
      this.stopController.abort();
    }
    this.client?.closeAll(true);
    this.wakeRun();
  }
}

/** The package's client with access to its reconnect delay, which it reads at every drop. */
class MarketStreamClient extends WebsocketClient {
  reconnectDelay(): number {
    return this.options.reconnectTimeout;
  }

  setReconnectDelay(ms: number): void {
    this.options.reconnectTimeout = ms;
  }
}

/** The package logs every connection error to the console; keep errors as health details instead. */
function quietLogger(onError: (message: string) => void): DefaultLogger {
  return {
    trace: () => undefined,
    info: () => undefined,
    error: (...params: unknown[]) => {
      const text = params.find((p): p is string => typeof p === 'string');
      if (text)
        onError(text.replace(/^Websocket onWsError due to unexpected response error: /, '').replace(/^"|"$/g, ''));
    },
  };
}

function describeWsProblem(e: unknown): string | undefined {
  if (!isRecord(e)) return undefined;
  const message = e.message ?? (isRecord(e.error) ? e.error.message : undefined);
  return typeof message === 'string' && message !== '' ? message : undefined;
}

/** REST market data through the package's MainClient, parsed from the raw (string) answers. */
class MarketRest {
  private readonly client: MainClient;

  constructor(
    private readonly options: ResolvedOptions,
    signal: AbortSignal | undefined,
  ) {
    // parseExceptions off: the raw axios error keeps the HTTP status and Retry-After header.
    this.client = createRestClient({
      baseUrl: options.restBaseUrl,
      timeoutMs: options.requestTimeoutMs,
      ...(signal ? { signal } : {}),
    });
  }

  async serverTime(): Promise<number> {
    // Not client.getServerTime(): in binance 3.6.5 it ignores baseUrl and asks api.binance.com.
    const body: unknown = await this.client.get('api/v3/time');
    if (!isRecord(body) || typeof body.serverTime !== 'number')
      throw new FeedDataError('GET /api/v3/time answered without serverTime');
    return body.serverTime;
  }

  async klines(sub: FeedSubscription, q: { startTime?: number; endTime?: number; limit: number }): Promise<Candle[]> {
    const rows: unknown = await this.client.getKlines({
      symbol: sub.symbol,
      interval: sub.interval,
      limit: q.limit,
      ...(q.startTime !== undefined ? { startTime: q.startTime } : {}),
      ...(q.endTime !== undefined ? { endTime: q.endTime } : {}),
    });
    if (!Array.isArray(rows)) throw new FeedDataError(`GET /api/v3/klines for ${sub.symbol} did not answer a list`);
    return rows.map((row) => parseRestKline(row, sub));
  }
}

/** A REST kline row: [openTime, "open", "high", "low", "close", "volume", closeTime, ...]. */
function parseRestKline(row: unknown, sub: FeedSubscription): Candle {
  if (!Array.isArray(row) || row.length < 7)
    throw new FeedDataError(`GET /api/v3/klines for ${sub.symbol}: malformed row ${JSON.stringify(row)}`);
  const candle: Candle = {
    symbol: sub.symbol,
    interval: sub.interval,
    openTime: Number(row[0]),
    closeTime: Number(row[6]),
    open: Number(row[1]),
    high: Number(row[2]),
    low: Number(row[3]),
    close: Number(row[4]),
    volume: Number(row[5]),
  };
  if (!isFiniteCandle(candle))
    throw new FeedDataError(`GET /api/v3/klines for ${sub.symbol}: malformed row ${JSON.stringify(row)}`);
  return candle;
}

/** A closed candle from a raw kline frame (string prices, k.x true), or undefined. */
function parseStreamKline(data: Record<string, unknown>): Candle | undefined {
  const k = data.k;
  if (!isRecord(k) || k.x !== true) return undefined;
  const symbol = typeof k.s === 'string' ? k.s : data.s;
  const interval = k.i;
  if (typeof symbol !== 'string' || typeof interval !== 'string' || !(interval in KLINE_INTERVALS)) return undefined;
  const candle: Candle = {
    symbol,
    interval: interval as KlineInterval,
    openTime: Number(k.t),
    closeTime: Number(k.T),
    open: Number(k.o),
    high: Number(k.h),
    low: Number(k.l),
    close: Number(k.c),
    volume: Number(k.v),
  };
  return isFiniteCandle(candle) ? candle : undefined;
}

function isFiniteCandle(c: Candle): boolean {
  return (
    Number.isFinite(c.openTime) &&
    Number.isFinite(c.closeTime) &&
    Number.isFinite(c.open) &&
    Number.isFinite(c.high) &&
    Number.isFinite(c.low) &&
    Number.isFinite(c.close) &&
    Number.isFinite(c.volume)
  );
}

interface Problem {
  retryable: boolean;
  message: string;
  /** From Retry-After on HTTP 429 / 418. */
  retryAfterMs?: number;
}

/**
 * Calls op until it succeeds: retryable failures are reported as 'reconnecting' and retried after
 * base * 2^(attempt-1) ms (capped, and never sooner than a Retry-After); others are rethrown as an
 * Error with a readable message. An abort rejects with FeedAbortError.
 */
async function withRetry<T>(
  what: string,
  op: () => Promise<T>,
  options: ResolvedOptions,
  signal: AbortSignal | undefined,
  report: (h: FeedHealth) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw new FeedAbortError(`${what} aborted`);
    try {
      return await op();
    } catch (err) {
      if (signal?.aborted) throw new FeedAbortError(`${what} aborted`);
      const problem = describeRestError(err, options);
      if (!problem.retryable) throw new Error(`${what}: ${problem.message}`);
      const backoff = Math.min(options.retryBaseMs * 2 ** Math.min(attempt - 1, 30), options.retryMaxMs);
      const delay = Math.max(backoff, problem.retryAfterMs ?? 0);
      report({ state: 'reconnecting', detail: `${what}: ${problem.message}`, attempt, retryInMs: delay });
      await sleep(delay, signal);
    }
  }
}

function describeRestError(err: unknown, options: ResolvedOptions): Problem {
  if (err instanceof FeedDataError) return { retryable: false, message: err.message };
  const host = options.restBaseUrl.replace(/^https?:\/\//, '');
  if (!isRecord(err)) return { retryable: true, message: String(err) };
  const response = isRecord(err.response) ? err.response : undefined;
  if (!response) {
    const code = typeof err.code === 'string' ? err.code : undefined;
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT')
      return { retryable: true, message: `no answer from ${host} within ${options.requestTimeoutMs} ms` };
    const message = typeof err.message === 'string' && err.message !== '' ? err.message : 'request failed';
    return { retryable: true, message: code ? `cannot reach ${host} (${code})` : `cannot reach ${host}: ${message}` };
  }
  const status = typeof response.status === 'number' ? response.status : 0;
  const body = isRecord(response.data) ? response.data : undefined;
  const code = typeof body?.code === 'number' ? body.code : undefined;
  const msg = typeof body?.msg === 'string' ? body.msg : undefined;
  const retryAfterMs = retryAfter(response.headers);
  if (status === 429)
    return { retryable: true, message: `rate limited by Binance (HTTP 429)${msg ? `: ${msg}` : ''}`, retryAfterMs };
  if (status === 418)
    return {
      retryable: true,
      message: `this IP is banned by Binance (HTTP 418)${msg ? `: ${msg}` : ''}`,
      retryAfterMs,
    };
  if (status >= 500 || status === 0)
    return { retryable: true, message: `Binance server error (HTTP ${status})${msg ? `: ${msg}` : ''}` };
  // -1003: too many requests; -1000/-1001/-1007/-1008: server-side trouble.
  if (code !== undefined && [-1000, -1001, -1003, -1007, -1008].includes(code)) {
    return { retryable: true, message: `Binance error ${code}${msg ? `: ${msg}` : ''}`, retryAfterMs };
  }
  return {
    retryable: false,
    message: `Binance rejected the request (HTTP ${status}${code !== undefined ? `, code ${code}` : ''})${msg ? `: ${msg}` : ''}`,
  };
}

function retryAfter(headers: unknown): number | undefined {
  if (!isRecord(headers)) return undefined;
  const value = headers['retry-after'];
  const seconds = typeof value === 'string' || typeof value === 'number' ? Number(value) : NaN;
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/** A delay that ends early, with FeedAbortError, when the signal aborts (and leaves no timer behind). */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new FeedAbortError('aborted'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new FeedAbortError('aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function subKey(symbol: string, interval: string): string {
  return `${symbol}|${interval}`;
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}
