import type { CannedReply, HttpMethod, Interception } from './router';
import { TIMEOUT_MSG } from './router';

/**
 * Faults a test can script through `fake.faults`, each armed for the next N matching requests
 * (REST unless stated). A request matches when its method and path equal the ones given (either may
 * be omitted: "any"). Faults of different kinds combine; several armed faults of one kind are used
 * in the order they were armed.
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
  /** Binance error code in the body (default -1007 after accepting, -1008 before). */
  code?: number;
  msg?: string;
}

export interface TimeoutOptions {
  /** true (default): process the request (the order is accepted), then hold the answer. */
  afterAccept?: boolean;
  /** Send the answer after this long (if the client is still there); default: never. */
  holdMs?: number;
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

  /** Shifts the server's clock (time endpoints, recvWindow checks, event times) by `ms` (REST and WS API). */
  setClockSkew(ms: number): void {
    this.skewMs = ms;
  }

  get clockSkewMs(): number {
    return this.skewMs;
  }

  /** Disarms everything (latency and clock skew included). */
  reset(): void {
    this.serverErrors = [];
    this.timeouts = [];
    this.rateLimits = [];
    this.latencies = [];
    this.ocoRejections = [];
    this.partialFills = [];
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
      if (failure.options.afterAccept) plan.replyAfter = reply;
      else plan.replyBefore = reply;
      return plan;
    }
    const timeout = take(this.timeouts, method, path);
    if (timeout) plan.hold = { afterAccept: timeout.options.afterAccept ?? true, holdMs: timeout.options.holdMs };
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
  const code = o.code ?? (o.afterAccept ? -1007 : -1008);
  const msg =
    o.msg ??
    (code === -1007
      ? TIMEOUT_MSG
      : code === -1008
        ? 'Server is currently overloaded with other requests. Please try again in a few minutes.'
        : 'An unknown error occurred while processing the request.');
  return { status: o.status ?? 503, body: { code, msg } };
}
