import { BinanceError } from './binance-error';

/**
 * Binance's two kinds of limits, counted on the server's clock in fixed intervals ("a 1 MINUTE
 * interval starts every minute", "10 SECOND interval resets at 00, 10, 20... seconds of each
 * minute", "1 DAY rate limit resets at 00:00 UTC": web-socket-api.md "How to interpret rate limits"):
 *
 * - Request weight per IP address, shared by REST and the WebSocket API (web-socket-api.md "IP
 *   limits": "Weight is accumulated per IP address and is shared by all connections from that
 *   address"; rest-api.md "IP Limits"). Over the limit a request fails with 429; "repeatedly
 *   violating rate limits and/or failing to back off after receiving 429s will result in an
 *   automated IP ban" (418), and WebSocket API connections of the address are disconnected.
 * - The unfilled order count per account (faqs/order_count_decrement.md): every accepted order adds
 *   1 (an OCO 2) to the current 10-second and day intervals; an order's first fill takes 1 off (more
 *   for a first fill as maker, an option), never below zero. Over the limit: 429 with -1015.
 */

export interface RateLimitSettings {
  /** REQUEST_WEIGHT per 1 MINUTE (Binance: 6000). */
  weightLimitPerMinute: number;
  /**
   * Requests refused with 429 within one minute before the address is banned: the next one after
   * that many gets 418. The docs say only "repeatedly" (silent on the number): default 5.
   */
  requestsBeforeBan: number;
  /** Length of a ban (Binance: "from 2 minutes to 3 days", scaling for repeat offenders); default 2 minutes. */
  banMs: number;
  /** ORDERS per 10 SECOND (exchangeInfo; default 100). */
  ordersPer10s: number;
  /** ORDERS per 1 DAY (exchangeInfo; default 200000). */
  ordersPerDay: number;
  /**
   * How much an order's first fill takes off the unfilled order count when it fills as maker. The
   * FAQ: "may be decremented by more than one" (its example uses 5; the exact amount is not
   * documented); default 1, like a first fill as taker.
   */
  makerFirstFillCredit: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitSettings = {
  weightLimitPerMinute: 6000,
  requestsBeforeBan: 5,
  banMs: 120_000,
  ordersPer10s: 100,
  ordersPerDay: 200_000,
  makerFirstFillCredit: 1,
};

const MINUTE = 60_000;
const TEN_SECONDS = 10_000;
const DAY = 86_400_000;

/** A refused request: Binance's -1003 answer, with when to retry (epoch ms). */
export interface WeightRefusal {
  status: 429 | 418;
  code: -1003;
  msg: string;
  /** When the client may retry: the next minute (429) or the end of the ban (418), epoch ms. */
  retryAfter: number;
  /** The server time of the refusal. */
  serverTime: number;
}

interface AddressState {
  minute: number;
  used: number;
  /** Requests refused with 429 in this minute. */
  refused: number;
  bannedUntil: number;
}

/** Request weight per IP address, with 429s and bans. */
export class WeightMeter {
  private readonly addresses = new Map<string, AddressState>();

  constructor(
    private readonly settings: RateLimitSettings,
    private readonly clock: () => number,
    /** Called when an address gets banned (the WebSocket API closes its connections). */
    private readonly onBan: (address: string) => void,
  ) {}

  get limit(): number {
    return this.settings.weightLimitPerMinute;
  }

  /** Weight used by the address in the current minute. */
  used(address: string): number {
    return this.state(address).used;
  }

  /** The refusal a banned address gets now, or undefined when it is not banned. */
  banned(address: string): WeightRefusal | undefined {
    const s = this.state(address);
    const now = this.clock();
    return s.bannedUntil > now ? banRefusal(s.bannedUntil, now) : undefined;
  }

  /** Counts a request of that weight, or refuses it (429, or 418 once the address is banned). */
  admit(address: string, weight: number): WeightRefusal | undefined {
    const s = this.state(address);
    const now = this.clock();
    if (s.bannedUntil > now) return banRefusal(s.bannedUntil, now);
    if (s.used + weight > this.settings.weightLimitPerMinute) {
      s.refused++;
      if (s.refused > this.settings.requestsBeforeBan) {
        s.bannedUntil = now + this.settings.banMs;
        this.onBan(address);
        return banRefusal(s.bannedUntil, now);
      }
      return {
        status: 429,
        code: -1003,
        msg: `Too much request weight used; current limit is ${this.settings.weightLimitPerMinute} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`,
        retryAfter: (Math.floor(now / MINUTE) + 1) * MINUTE,
        serverTime: now,
      };
    }
    s.used += weight;
    return undefined;
  }

  /** Forgets every count and ban. */
  reset(): void {
    this.addresses.clear();
  }

  private state(address: string): AddressState {
    const minute = Math.floor(this.clock() / MINUTE);
    let s = this.addresses.get(address);
    if (!s) this.addresses.set(address, (s = { minute, used: 0, refused: 0, bannedUntil: 0 }));
    if (s.minute !== minute) {
      s.minute = minute;
      s.used = 0;
      s.refused = 0;
    }
    return s;
  }
}

function banRefusal(until: number, now: number): WeightRefusal {
  return {
    status: 418,
    code: -1003,
    msg: `Way too much request weight used; IP banned until ${until}. Please use WebSocket Streams for live updates to avoid bans.`,
    retryAfter: until,
    serverTime: now,
  };
}

/** Seconds until a retry time, rounded up (the Retry-After header). */
export function retryAfterSeconds(retryAfter: number, now: number): number {
  return Math.max(1, Math.ceil((retryAfter - now) / 1000));
}

interface OrderCountState {
  tenSeconds: number;
  tenCount: number;
  day: number;
  dayCount: number;
}

export interface OrderCounts {
  tenSeconds: number;
  day: number;
}

/** The unfilled order count per account. */
export class OrderCounter {
  private readonly accounts = new Map<string, OrderCountState>();

  constructor(
    private readonly settings: RateLimitSettings,
    private readonly clock: () => number,
  ) {}

  counts(apiKey: string): OrderCounts {
    const s = this.state(apiKey);
    return { tenSeconds: s.tenCount, day: s.dayCount };
  }

  /** -1015 (HTTP 429, Retry-After) when `n` more orders would break a limit. */
  check(apiKey: string, n: number): void {
    const s = this.state(apiKey);
    const now = this.clock();
    const over = (limit: number, per: string, resetAt: number): BinanceError =>
      new BinanceError(429, -1015, `Too many new orders; current limit is ${limit} orders per ${per}.`, {
        'retry-after': String(retryAfterSeconds(resetAt, now)),
      });
    if (s.dayCount + n > this.settings.ordersPerDay)
      throw over(this.settings.ordersPerDay, '1 DAY', (Math.floor(now / DAY) + 1) * DAY);
    if (s.tenCount + n > this.settings.ordersPer10s)
      throw over(this.settings.ordersPer10s, '10 SECOND', (Math.floor(now / TEN_SECONDS) + 1) * TEN_SECONDS);
  }

  add(apiKey: string, n: number): void {
    const s = this.state(apiKey);
    s.tenCount += n;
    s.dayCount += n;
  }

  /** Takes back orders counted for a request that was then rejected. */
  remove(apiKey: string, n: number): void {
    this.take(apiKey, n);
  }

  /** An order traded for the first time: 1 off (or the maker credit), never below zero. */
  firstFill(apiKey: string, isMaker: boolean): void {
    this.take(apiKey, isMaker ? this.settings.makerFirstFillCredit : 1);
  }

  /** The ORDERS entries of exchangeInfo-style rate limits with this account's counts. */
  rateLimits(apiKey: string): Record<string, unknown>[] {
    const c = this.counts(apiKey);
    return [
      {
        rateLimitType: 'ORDERS',
        interval: 'SECOND',
        intervalNum: 10,
        limit: this.settings.ordersPer10s,
        count: c.tenSeconds,
      },
      { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: this.settings.ordersPerDay, count: c.day },
    ];
  }

  reset(): void {
    this.accounts.clear();
  }

  private take(apiKey: string, n: number): void {
    const s = this.state(apiKey);
    s.tenCount = Math.max(0, s.tenCount - n);
    s.dayCount = Math.max(0, s.dayCount - n);
  }

  private state(apiKey: string): OrderCountState {
    const now = this.clock();
    const tenSeconds = Math.floor(now / TEN_SECONDS);
    const day = Math.floor(now / DAY);
    let s = this.accounts.get(apiKey);
    if (!s) this.accounts.set(apiKey, (s = { tenSeconds, tenCount: 0, day, dayCount: 0 }));
    if (s.tenSeconds !== tenSeconds) {
      s.tenSeconds = tenSeconds;
      s.tenCount = 0;
    }
    if (s.day !== day) {
      s.day = day;
      s.dayCount = 0;
    }
    return s;
  }
}

/** exchangeInfo `rateLimits` for the configured limits. */
export function exchangeRateLimits(settings: RateLimitSettings): Record<string, unknown>[] {
  return [
    { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: settings.weightLimitPerMinute },
    { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: settings.ordersPer10s },
    { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: settings.ordersPerDay },
    { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
  ];
}

/** The remote address of a socket, without the IPv4-mapped IPv6 prefix ("::ffff:127.0.0.1" -> "127.0.0.1"). */
export function remoteAddress(address: string | undefined): string {
  const a = address ?? 'unknown';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}
