import { Decimal } from '../../electron/core/money/decimal';
import type { CannedReply, HttpMethod, Interception } from './router';
import { TIMEOUT_MSG } from './router';

/**
 * Faults a test can script through `fake.faults`, each armed for the next N matching requests
 * (REST unless stated). A request matches when its method and path equal the ones given (either may
 * be omitted: "any"). Faults of different kinds combine; several armed faults of one kind are used
 * in the order they were armed.
 *
 * REST requests:
 * - failNext(match, n, { status, afterAccept, executeAfterMs, code, msg }): 5xx before or after the
 *   order is accepted; with executeAfterMs the error is answered at once and the order is placed
 *   only that much later (until then GET /api/v3/order answers -2013).
 * - timeoutNext(match, n, { afterAccept, holdMs, executeAfterMs }): the answer is held; with
 *   executeAfterMs the order is placed that much later.
 * - rateLimitNext(n, { status: 429 | 418, retryAfterSeconds }, match): scripted 429 / 418.
 * - setLatency(ms, match): delays matching requests.
 * - rejectNextOco(n, { code }): -2010 / -1013 for the next OCOs.
 * - setClockSkew(ms): shifts the server clock (REST and WebSocket API).
 * Matching:
 * - partialFillNextMarket(fraction, side): the next MARKET order fills partly and EXPIRES.
 * - splitNextMarket(pieces, side, ticksApart): the next MARKET order fills in several trades at
 *   prices `ticksApart` ticks apart, each worse for the taker than the one before.
 * - setRestingLiquidity(qty, symbol?): each price event fills at most `qty` base of each resting
 *   order it reaches (PARTIALLY_FILLED trade by trade); undefined = everything at once (default).
 * User data stream:
 * - setUserStreamChaos({ seed, shuffle, delayMs, duplicate, balanceFirst }): reorders, delays and
 *   duplicates events per subscription, reproducibly from the seed.
 * - dropNextUserEvents(n): the next n events are lost, the connection staying up.
 * WebSocket API:
 * - rateLimitWsApiNext(n, { status: 429 | 418, retryAfterMs }): -1003 answers with data.retryAfter.
 * - refuseWsUpgradeNext(n, status): the next n WebSocket API upgrades are answered with that HTTP
 *   status instead of 101.
 */

export interface RequestMatch {
  method?: HttpMethod;
  /** Exact path, e.g. "/api/v3/order". */
  path?: string;
}

export interface ServerErrorOptions {
  /** HTTP status (default 503). */
  status?: number;
  /**
   * false (default): answer before anything happens (the order never reaches the engine).
   * true: let the request through (the order is accepted, its events are pushed), then answer the
   * error instead of the result: the classic "unknown outcome".
   */
  afterAccept?: boolean;
  /**
   * Answer the error at once (implies afterAccept) but place the order only this much later, its
   * events pushed then, as a backend that is slow to execute after the API gave up
   * (rest-api.md: -1007 "does not always mean that the request failed in the Matching Engine").
   * Until then the order does not exist (GET /api/v3/order: -2013).
   */
  executeAfterMs?: number;
  /** Binance error code in the body (default -1007 after accepting, -1008 before). */
  code?: number;
  msg?: string;
}

export interface TimeoutOptions {
  /** true (default): process the request (the order is accepted), then hold the answer. */
  afterAccept?: boolean;
  /**
   * Send an answer after this long (if the client is still there); default: never. It is the
   * request's own result when the order was placed by then, else 503 with -1007.
   */
  holdMs?: number;
  /** Place the order only this much later (the answer being held meanwhile); implies afterAccept. */
  executeAfterMs?: number;
}

export interface RateLimitOptions {
  /** 429 (rate limited, default) or 418 (IP banned). */
  status?: 429 | 418;
  /** Retry-After header in seconds (default 30 for 429, 120 for 418). */
  retryAfterSeconds?: number;
}

export interface OcoRejectionOptions {
  /** -2010 (default: "The relationship of the prices for the orders is not correct.") or -1013 ("Filter failure: PRICE_FILTER"). */
  code?: -2010 | -1013;
  msg?: string;
}

export interface WsApiRateLimitOptions {
  /** 429 (rate limited, default) or 418 (IP banned: the connection is closed after the answer). */
  status?: 429 | 418;
  /** data.retryAfter is the server time plus this (default 30 s for 429, 120 s for 418). */
  retryAfterMs?: number;
}

/** User data stream chaos (see setUserStreamChaos). */
export interface UserStreamChaos {
  /** Seed of the generator (mulberry32): the same seed replays the same disorder. */
  seed: number;
  /** Randomise the delivery order of the events of one operation (batch). */
  shuffle?: boolean;
  /** Delay each event independently by a random whole number of ms in [min, max] (reorders across batches too). */
  delayMs?: readonly [number, number];
  /** Probability (0..1) that an event is sent twice. */
  duplicate?: number;
  /** Deliver a batch's outboundAccountPosition before its executionReports and listStatus. */
  balanceFirst?: boolean;
}

export interface MarketSplit {
  side: 'BUY' | 'SELL';
  pieces: number;
  ticksApart: number;
}

interface Armed<T> {
  match: RequestMatch;
  left: number;
  options: T;
}

export class FaultPlan {
  private serverErrors: Armed<ServerErrorOptions>[] = [];
  private timeouts: Armed<TimeoutOptions>[] = [];
  private rateLimits: Armed<RateLimitOptions>[] = [];
  private latencies: { match: RequestMatch; ms: number }[] = [];
  private ocoRejections: Armed<OcoRejectionOptions>[] = [];
  private partialFills: { side: 'BUY' | 'SELL'; fraction: number }[] = [];
  private marketSplits: MarketSplit[] = [];
  private liquidity = new Map<string | undefined, Decimal>();
  private chaos: UserStreamChaos | undefined;
  private chaosVersion = 0;
  private droppedLeft = 0;
  private wsApiRateLimits: { left: number; options: WsApiRateLimitOptions }[] = [];
  private upgradeRefusals: { left: number; status: number }[] = [];
  private skewMs = 0;

  /** HTTP 5xx for the next `count` matching requests, before or after the order is accepted. */
  failNext(match: RequestMatch, count = 1, options: ServerErrorOptions = {}): void {
    this.serverErrors.push({ match, left: count, options });
  }

  /**
   * Holds the answer of the next `count` matching requests past the client's timeout, after the
   * order was accepted (default) or before it reached the engine.
   */
  timeoutNext(match: RequestMatch, count = 1, options: TimeoutOptions = {}): void {
    this.timeouts.push({ match, left: count, options });
  }

  /** HTTP 429 (or 418) with Retry-After and code -1003 for the next `count` requests (any path unless matched). */
  rateLimitNext(count = 1, options: RateLimitOptions = {}, match: RequestMatch = {}): void {
    this.rateLimits.push({ match, left: count, options });
  }

  /** Delays every matching request by `ms` before it is handled (0 removes the latency for that match). */
  setLatency(ms: number, match: RequestMatch = {}): void {
    this.latencies = this.latencies.filter((l) => !sameMatch(l.match, match));
    if (ms > 0) this.latencies.push({ match, ms });
  }

  /**
   * Rejects the next `count` OCO requests (POST orderList/oco or order/oco) that passed parameter and
   * filter checks, before the price relation and balance are looked at. Nothing is placed.
   */
  rejectNextOco(count = 1, options: OcoRejectionOptions = {}): void {
    this.ocoRejections.push({ match: {}, left: count, options });
  }

  /**
   * The next MARKET order on that side (default BUY) fills only `fraction` of its quantity (floored to
   * the step) and ends EXPIRED with expiryReason INSUFFICIENT_LIQUIDITY, as on a thin book.
   */
  partialFillNextMarket(fraction = 0.5, side: 'BUY' | 'SELL' = 'BUY'): void {
    if (!(fraction >= 0 && fraction < 1)) throw new Error('fake-binance: a partial fill fraction must be in [0, 1)');
    this.partialFills.push({ side, fraction });
  }

  /**
   * The next MARKET order on that side fills in `pieces` trades (several `fills[]` entries and
   * TRADE events), each `ticksApart` ticks worse for the taker than the one before (a buy walks up
   * the book, a sell down). A quoteOrderQty order spends its amount in equal parts; a quantity order
   * is split in equal parts floored to the step (the last one takes the rest).
   */
  splitNextMarket(pieces: number, side: 'BUY' | 'SELL' = 'BUY', ticksApart = 1): void {
    if (!(Number.isInteger(pieces) && pieces >= 1)) throw new Error('fake-binance: pieces must be a whole number >= 1');
    if (!(Number.isInteger(ticksApart) && ticksApart >= 0))
      throw new Error('fake-binance: ticksApart must be a whole number >= 0');
    this.marketSplits.push({ side, pieces, ticksApart });
  }

  /**
   * Limits what one price event (a pushTrade, a setPrice, each price of a pushed candle's path) may
   * fill of each resting order it reaches: at most `qty` base (floored to the step), the rest
   * waiting for later price events, each fill its own TRADE executionReport (PARTIALLY_FILLED until
   * the last). For one symbol, or for all (no symbol); undefined removes the limit (the default:
   * every reached order fills completely at once). A LIMIT order that crosses the price when it is
   * placed still takes in full at once (a taker, not a resting order).
   */
  setRestingLiquidity(qty: number | undefined, symbol?: string): void {
    if (qty === undefined) {
      this.liquidity.delete(symbol);
      return;
    }
    if (!(qty > 0) || !Number.isFinite(qty))
      throw new Error('fake-binance: resting liquidity must be a positive number');
    this.liquidity.set(symbol, new Decimal(qty));
  }

  /** The most one price event may fill of a resting order of the symbol, or undefined (no limit). */
  restingLiquidity(symbol: string): Decimal | undefined {
    return this.liquidity.get(symbol) ?? this.liquidity.get(undefined);
  }

  /**
   * Disorder on the user data stream, per subscription, from a seeded generator so that runs
   * repeat: Binance does not guarantee the order of events (a balance update can come before the
   * executionReport that caused it). undefined restores orderly delivery.
   */
  setUserStreamChaos(chaos: UserStreamChaos | undefined): void {
    if (chaos?.duplicate !== undefined && !(chaos.duplicate >= 0 && chaos.duplicate <= 1))
      throw new Error('fake-binance: duplicate is a probability in [0, 1]');
    if (chaos?.delayMs && !(chaos.delayMs[0] >= 0 && chaos.delayMs[1] >= chaos.delayMs[0]))
      throw new Error('fake-binance: delayMs is [min, max] with 0 <= min <= max');
    this.chaos = chaos ? { ...chaos } : undefined;
    this.chaosVersion++;
  }

  get userStreamChaos(): UserStreamChaos | undefined {
    return this.chaos;
  }

  /** Changes whenever setUserStreamChaos is called (subscriptions then restart their generators). */
  get userStreamChaosVersion(): number {
    return this.chaosVersion;
  }

  /**
   * The next `count` user data events of accounts that have a subscriber are lost, for every
   * subscriber, without a disconnect (as can happen around a reconnect).
   */
  dropNextUserEvents(count: number): void {
    this.droppedLeft += count;
  }

  /**
   * How many one-shot request faults are still armed (server errors, held answers, rate limits,
   * OCO rejections, WS API rate limits, upgrade refusals, counted per request they will take): a
   * drop tells a caller that one was just used.
   */
  get armedRequestFaults(): number {
    const left = (list: readonly { left: number }[]) => list.reduce((n, a) => n + a.left, 0);
    return (
      left(this.serverErrors) +
      left(this.timeouts) +
      left(this.rateLimits) +
      left(this.ocoRejections) +
      left(this.wsApiRateLimits) +
      left(this.upgradeRefusals)
    );
  }

  /** How many user data events dropNextUserEvents still has to lose. */
  get pendingUserEventDrops(): number {
    return this.droppedLeft;
  }

  /** WS API: the next `count` requests are answered 429 (or 418) with -1003 and data.retryAfter. */
  rateLimitWsApiNext(count = 1, options: WsApiRateLimitOptions = {}): void {
    this.wsApiRateLimits.push({ left: count, options });
  }

  /** The next `count` WebSocket API upgrades are refused with this HTTP status (e.g. 404, 429, 503). */
  refuseWsUpgradeNext(count = 1, status = 503): void {
    this.upgradeRefusals.push({ left: count, status });
  }

  /** Shifts the server's clock (time endpoints, recvWindow checks, event times) by `ms` (REST and WS API). */
  setClockSkew(ms: number): void {
    this.skewMs = ms;
  }

  get clockSkewMs(): number {
    return this.skewMs;
  }

  /** Disarms the WebSocket API's armed rate limits and upgrade refusals only. */
  resetWsApi(): void {
    this.wsApiRateLimits = [];
    this.upgradeRefusals = [];
  }

  /** Disarms everything (latency and clock skew included). */
  reset(): void {
    this.serverErrors = [];
    this.timeouts = [];
    this.rateLimits = [];
    this.latencies = [];
    this.ocoRejections = [];
    this.partialFills = [];
    this.marketSplits = [];
    this.liquidity.clear();
    this.setUserStreamChaos(undefined);
    this.droppedLeft = 0;
    this.wsApiRateLimits = [];
    this.upgradeRefusals = [];
    this.skewMs = 0;
  }

  /** The router's interceptor: decides what happens to one request. */
  intercept(method: HttpMethod, path: string): Interception | undefined {
    const plan: Interception = {};
    const latency = this.latencies.find((l) => matches(l.match, method, path));
    if (latency) plan.delayMs = latency.ms;
    const limited = take(this.rateLimits, method, path);
    if (limited) {
      plan.replyBefore = rateLimitReply(limited.options);
      return plan;
    }
    const failure = take(this.serverErrors, method, path);
    if (failure) {
      const reply = serverErrorReply(failure.options);
      if (failure.options.executeAfterMs !== undefined) plan.executeAfterMs = failure.options.executeAfterMs;
      if (failure.options.afterAccept || failure.options.executeAfterMs !== undefined) plan.replyAfter = reply;
      else plan.replyBefore = reply;
      return plan;
    }
    const timeout = take(this.timeouts, method, path);
    if (timeout) {
      const late = timeout.options.executeAfterMs;
      plan.hold = {
        afterAccept: late !== undefined || (timeout.options.afterAccept ?? true),
        holdMs: timeout.options.holdMs,
      };
      if (late !== undefined) plan.executeAfterMs = late;
    }
    return plan.delayMs || plan.hold ? plan : undefined;
  }

  /** Consumed by the engine when an OCO passed its own validation. */
  takeOcoRejection(): OcoRejectionOptions | undefined {
    const armed = this.ocoRejections[0];
    if (!armed) return undefined;
    if (--armed.left <= 0) this.ocoRejections.shift();
    return armed.options;
  }

  /** Consumed by the engine for a MARKET order on that side. */
  takePartialFill(side: 'BUY' | 'SELL'): number | undefined {
    const i = this.partialFills.findIndex((p) => p.side === side);
    if (i < 0) return undefined;
    return this.partialFills.splice(i, 1)[0]!.fraction;
  }

  /** Consumed by the engine for a MARKET order on that side (looked at only, with consume false). */
  takeMarketSplit(side: 'BUY' | 'SELL', consume = true): MarketSplit | undefined {
    const i = this.marketSplits.findIndex((p) => p.side === side);
    if (i < 0) return undefined;
    return consume ? this.marketSplits.splice(i, 1)[0] : this.marketSplits[i];
  }

  /** Consumed by the user data stream: how many of `available` events to drop now. */
  takeDroppedUserEvents(available: number): number {
    const n = Math.min(available, this.droppedLeft);
    this.droppedLeft -= n;
    return n;
  }

  /** Consumed by the WebSocket API for each request. */
  takeWsApiRateLimit(): WsApiRateLimitOptions | undefined {
    const armed = this.wsApiRateLimits[0];
    if (!armed) return undefined;
    if (--armed.left <= 0) this.wsApiRateLimits.shift();
    return armed.options;
  }

  /** Consumed for each WebSocket upgrade: the HTTP status to refuse it with, if armed. */
  takeUpgradeRefusal(): number | undefined {
    const armed = this.upgradeRefusals[0];
    if (!armed) return undefined;
    if (--armed.left <= 0) this.upgradeRefusals.shift();
    return armed.status;
  }
}

function matches(m: RequestMatch, method: HttpMethod, path: string): boolean {
  return (m.method === undefined || m.method === method) && (m.path === undefined || m.path === path);
}

function sameMatch(a: RequestMatch, b: RequestMatch): boolean {
  return a.method === b.method && a.path === b.path;
}

function take<T>(list: Armed<T>[], method: HttpMethod, path: string): Armed<T> | undefined {
  const i = list.findIndex((a) => matches(a.match, method, path));
  if (i < 0) return undefined;
  const armed = list[i]!;
  if (--armed.left <= 0) list.splice(i, 1);
  return armed;
}

function rateLimitReply(o: RateLimitOptions): CannedReply {
  const status = o.status ?? 429;
  const retryAfter = o.retryAfterSeconds ?? (status === 418 ? 120 : 30);
  const msg =
    status === 418
      ? `Way too much request weight used; IP banned until ${Date.now() + retryAfter * 1000}. Please use WebSocket Streams for live updates to avoid bans.`
      : 'Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.';
  return { status, body: { code: -1003, msg }, headers: { 'retry-after': String(retryAfter) } };
}

function serverErrorReply(o: ServerErrorOptions): CannedReply {
  const code = o.code ?? (o.afterAccept || o.executeAfterMs !== undefined ? -1007 : -1008);
  const msg =
    o.msg ??
    (code === -1007
      ? TIMEOUT_MSG
      : code === -1008
        ? 'Server is currently overloaded with other requests. Please try again in a few minutes.'
        : 'An unknown error occurred while processing the request.');
  return { status: o.status ?? 503, body: { code, msg } };
}
