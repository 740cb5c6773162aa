import { ExchangeError } from '../../core/ports/exchange';

/** One of Binance's declared limits (exchangeInfo rateLimits). */
export interface RateLimit {
  rateLimitType: 'REQUEST_WEIGHT' | 'ORDERS' | 'RAW_REQUESTS';
  interval: 'SECOND' | 'MINUTE' | 'DAY';
  intervalNum: number;
  limit: number;
}

export interface LimiterOptions {
  /** Share of each limit we allow ourselves (default 0.8): the rest is for other tools on the same IP or account. */
  budget?: number;
  now?: () => number;
  /** Told when a request waits for a window to roll or everything pauses. */
  onWait?: (why: string, ms: number) => void;
  onPause?: (reason: 'rate-limited' | 'banned', until: number, detail: string) => void;
}

const DEFAULT_LIMITS: RateLimit[] = [
  { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
  { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
  { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200_000 },
];

const UNIT_MS = { SECOND: 1000, MINUTE: 60_000, DAY: 86_400_000 } as const;

interface Window {
  limit: RateLimit;
  ms: number;
  /** Start of the current window (Binance's windows are aligned to the clock). */
  start: number;
  used: number;
}

/**
 * One throttle every Binance request passes, REST and WebSocket API alike, driven by the limits
 * exchangeInfo declares (hummingbot's AsyncThrottler is the model): request weight per minute,
 * which Binance counts per IP across REST and the WebSocket API; orders per 10 seconds and per day,
 * counted per account. Each request declares its weight (and how many orders it places) before it
 * is sent; over the budget it waits for the window to roll. The counts Binance reports back
 * (X-MBX-USED-WEIGHT-1M, X-MBX-ORDER-COUNT-10S/-1D, the WebSocket API's rateLimits) correct ours.
 * After a 429 or 418 nothing is sent until Retry-After.
 */
export class RequestLimiter {
  private windows: Window[] = [];
  private pausedUntil = 0;
  private pauseReason: 'rate-limited' | 'banned' = 'rate-limited';
  private readonly budget: number;
  private readonly now: () => number;

  constructor(private readonly o: LimiterOptions = {}) {
    this.budget = o.budget ?? 0.8;
    this.now = o.now ?? Date.now;
    this.setLimits(DEFAULT_LIMITS);
  }

  /** Adopts the limits exchangeInfo declares (unknown kinds are ignored). */
  setLimits(limits: readonly RateLimit[]): void {
    const known = limits.filter(
      (l) => (l.rateLimitType === 'REQUEST_WEIGHT' || l.rateLimitType === 'ORDERS') && l.limit > 0 && l.intervalNum > 0,
    );
    if (known.length === 0) return;
    const now = this.now();
    this.windows = known.map((limit) => {
      const ms = UNIT_MS[limit.interval] * limit.intervalNum;
      const old = this.windows.find((w) => w.limit.rateLimitType === limit.rateLimitType && w.ms === ms);
      return { limit, ms, start: Math.floor(now / ms) * ms, used: old?.used ?? 0 };
    });
  }

  /** The request-weight limit per minute (for health). */
  get weightLimit(): number {
    return this.windows.find((w) => w.limit.rateLimitType === 'REQUEST_WEIGHT' && w.ms === 60_000)?.limit.limit ?? 6000;
  }

  /** Request weight used in the current minute, as far as we know. */
  get weightUsed(): number {
    const w = this.windows.find((x) => x.limit.rateLimitType === 'REQUEST_WEIGHT' && x.ms === 60_000);
    if (!w) return 0;
    this.roll(w, this.now());
    return w.used;
  }

  /** The time until which Binance asked us to send nothing (0 when not paused). */
  get pausedUntilMs(): number {
    return this.pausedUntil > this.now() ? this.pausedUntil : 0;
  }

  /**
   * Waits until `weight` (and `orders` order placements) fit in every window, then counts them.
   * Throws an ExchangeError ('rate-limited' or 'banned', with retryAfterMs) while Binance asked to
   * wait, without sending anything. `signal` ends a wait (the request is then not sent).
   * A `protective` request (an OCO, a cancel, an exit sale) may use the whole limit, not just our
   * budget: the share held back is what keeps a bought coin protectable while reads and entries
   * are throttled.
   */
  async acquire(
    what: string,
    weight: number,
    orders = 0,
    opts: { signal?: AbortSignal; protective?: boolean } = {},
  ): Promise<void> {
    const { signal } = opts;
    const share = opts.protective ? 1 : this.budget;
    for (;;) {
      const now = this.now();
      if (now < this.pausedUntil) {
        throw new ExchangeError(
          this.pauseReason,
          `${what}: not sent, Binance asked us to wait until ${new Date(this.pausedUntil).toISOString()}`,
          { retryAfterMs: this.pausedUntil - now },
        );
      }
      let wait = 0;
      let why = '';
      for (const w of this.windows) {
        this.roll(w, now);
        const need = w.limit.rateLimitType === 'ORDERS' ? orders : weight;
        if (need === 0) continue;
        if (w.used + need > w.limit.limit * share) {
          const until = w.start + w.ms - now + 50;
          if (until > wait) {
            wait = until;
            why = `${w.limit.rateLimitType === 'ORDERS' ? 'orders' : 'request weight'} at ${w.used}/${w.limit.limit} per ${w.limit.intervalNum} ${w.limit.interval.toLowerCase()}`;
          }
        }
      }
      if (wait === 0) {
        for (const w of this.windows) w.used += w.limit.rateLimitType === 'ORDERS' ? orders : weight;
        return;
      }
      if (signal?.aborted) throw new ExchangeError('rate-limited', `${what}: not sent (stopping)`);
      this.o.onWait?.(why, wait);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        signal?.addEventListener(
          'abort',
          () => {
            clearTimeout(t);
            resolve();
          },
          { once: true },
        );
      });
    }
  }

  /** Counts Binance reported for the current windows (REST headers or WebSocket API rateLimits). */
  observe(counts: { weight1m?: number; orders10s?: number; orders1d?: number }): void {
    const now = this.now();
    for (const w of this.windows) {
      this.roll(w, now);
      const reported =
        w.limit.rateLimitType === 'REQUEST_WEIGHT' && w.ms === 60_000
          ? counts.weight1m
          : w.limit.rateLimitType === 'ORDERS' && w.ms === 10_000
            ? counts.orders10s
            : w.limit.rateLimitType === 'ORDERS' && w.ms === 86_400_000
              ? counts.orders1d
              : undefined;
      if (reported !== undefined && Number.isFinite(reported) && reported >= 0) w.used = reported;
    }
  }

  /** Binance said 429 or 418: nothing is sent until `retryAfterMs` from now (60 s when it did not say). */
  pause(reason: 'rate-limited' | 'banned', retryAfterMs: number | undefined, detail: string): void {
    const until = this.now() + (retryAfterMs ?? 60_000);
    if (until <= this.pausedUntil && this.pauseReason === 'banned') return;
    this.pausedUntil = Math.max(this.pausedUntil, until);
    this.pauseReason = reason;
    this.o.onPause?.(reason, this.pausedUntil, detail);
  }

  private roll(w: Window, now: number): void {
    const start = Math.floor(now / w.ms) * w.ms;
    if (start !== w.start) {
      w.start = start;
      w.used = 0;
    }
  }
}

/** Binance's X-MBX-* count headers of a REST answer. */
export function countsFromHeaders(headers: Record<string, unknown> | undefined): {
  weight1m?: number;
  orders10s?: number;
  orders1d?: number;
} {
  const num = (k: string) => {
    const v = headers?.[k];
    const n = Number(v);
    return v === undefined || !Number.isFinite(n) ? undefined : n;
  };
  const out: { weight1m?: number; orders10s?: number; orders1d?: number } = {};
  const w = num('x-mbx-used-weight-1m');
  const o10 = num('x-mbx-order-count-10s');
  const o1d = num('x-mbx-order-count-1d');
  if (w !== undefined) out.weight1m = w;
  if (o10 !== undefined) out.orders10s = o10;
  if (o1d !== undefined) out.orders1d = o1d;
  return out;
}
