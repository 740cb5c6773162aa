import type { MainClient } from 'binance';
import { ExchangeError } from '../../core/ports/exchange';
import { toExchangeError } from './errors';
import { countsFromHeaders, type RequestLimiter } from './request-limiter';
import { NO_RETRY, READ_RETRY, withRetry, type RetryPolicy } from './retry-policy';

/** Binance JSON as it arrives (raw: amounts are decimal strings). */
export type Json = Record<string, unknown>;

/**
 * The REST endpoints Tranche calls, each with its request weight and order count as Binance
 * publishes them (rest-api.md), its path, and whether it may be sent again (reads) or never
 * (order placement: a lost answer is looked up by client order id instead).
 */
const ENDPOINTS = {
  newOrder: { method: 'POST', path: 'api/v3/order', weight: 1, orders: 1, retry: NO_RETRY, signed: true },
  newOcoList: { method: 'POST', path: 'api/v3/orderList/oco', weight: 1, orders: 2, retry: NO_RETRY, signed: true },
  cancelOrderList: { method: 'DELETE', path: 'api/v3/orderList', weight: 1, orders: 0, retry: NO_RETRY, signed: true },
  cancelOrder: { method: 'DELETE', path: 'api/v3/order', weight: 1, orders: 0, retry: NO_RETRY, signed: true },
  getOrder: { method: 'GET', path: 'api/v3/order', weight: 4, orders: 0, retry: READ_RETRY, signed: true },
  getOrderList: { method: 'GET', path: 'api/v3/orderList', weight: 4, orders: 0, retry: READ_RETRY, signed: true },
  myTrades: { method: 'GET', path: 'api/v3/myTrades', weight: 20, orders: 0, retry: READ_RETRY, signed: true },
  account: { method: 'GET', path: 'api/v3/account', weight: 20, orders: 0, retry: READ_RETRY, signed: true },
  commission: {
    method: 'GET',
    path: 'api/v3/account/commission',
    weight: 20,
    orders: 0,
    retry: READ_RETRY,
    signed: true,
  },
  tickerPrice: { method: 'GET', path: 'api/v3/ticker/price', weight: 2, orders: 0, retry: READ_RETRY, signed: false },
  exchangeInfo: { method: 'GET', path: 'api/v3/exchangeInfo', weight: 20, orders: 0, retry: READ_RETRY, signed: false },
  time: { method: 'GET', path: 'api/v3/time', weight: 1, orders: 0, retry: READ_RETRY, signed: false },
} as const satisfies Record<
  string,
  {
    method: 'GET' | 'POST' | 'DELETE';
    path: string;
    weight: number;
    orders: number;
    retry: RetryPolicy;
    signed: boolean;
  }
>;

export type EndpointName = keyof typeof ENDPOINTS;

/** POST /api/v3/order, MARKET: by quote amount (buy) or by quantity (sell). Amounts are decimal strings. */
export type MarketOrderParams = {
  symbol: string;
  side: 'BUY' | 'SELL';
  type: 'MARKET';
  newClientOrderId: string;
  newOrderRespType: 'FULL';
} & ({ quoteOrderQty: string; quantity?: never } | { quantity: string; quoteOrderQty?: never });

/** POST /api/v3/orderList/oco for a SELL: LIMIT_MAKER above, STOP_LOSS_LIMIT or STOP_LOSS below. */
export type OcoListParams = {
  symbol: string;
  side: 'SELL';
  quantity: string;
  listClientOrderId: string;
  aboveType: 'LIMIT_MAKER';
  abovePrice: string;
  aboveClientOrderId: string;
  belowClientOrderId: string;
  belowStopPrice: string;
  newOrderRespType: 'FULL';
} & (
  | { belowType: 'STOP_LOSS_LIMIT'; belowPrice: string; belowTimeInForce: 'GTC' }
  | { belowType: 'STOP_LOSS'; belowPrice?: never; belowTimeInForce?: never }
);

/** The parameters of each endpoint, typed: a misspelt name does not compile (and Binance refuses unread ones, -1104). */
export interface EndpointParams {
  newOrder: MarketOrderParams;
  newOcoList: OcoListParams;
  cancelOrderList: { symbol: string; listClientOrderId: string };
  cancelOrder: { symbol: string; origClientOrderId: string };
  getOrder: { symbol: string; origClientOrderId: string };
  /** GET /api/v3/orderList names the list client id origClientOrderId. */
  getOrderList: { origClientOrderId: string };
  myTrades: { symbol: string; orderId: number };
  account: { omitZeroBalances: 'true' | 'false' };
  commission: { symbol: string };
  tickerPrice: { symbol: string };
  exchangeInfo: { symbols: string };
  time: Record<string, never>;
}

export interface RestApiOptions {
  client: MainClient;
  limiter: RequestLimiter;
  /** After -1021 (timestamp outside recvWindow): measure the clock offset again. */
  resyncClock: () => Promise<void>;
  /** Told after every answer with Binance's weight count. */
  onWeight?: (used: number, limit: number) => void;
  /** Aborted when the exchange closes: a request still waiting for the limiter is then not sent. */
  signal?: AbortSignal;
}

/** Requests that protect or unwind a held coin: an OCO, a cancel, a sale. They may use the limiter's reserve. */
function isProtective(name: EndpointName, params: unknown): boolean {
  if (name === 'newOcoList' || name === 'cancelOrderList' || name === 'cancelOrder') return true;
  return name === 'newOrder' && (params as { side?: string }).side === 'SELL';
}

/**
 * Binance's REST API as Tranche uses it: every request declares its weight to the one limiter,
 * reads are retried by the one retry policy, orders never are, every error becomes an
 * ExchangeError through the one error map, -1021 resyncs the clock and sends once more (Binance
 * refused it before executing it), and 429/418 pause every request until Retry-After.
 */
export class RestApi {
  constructor(private readonly o: RestApiOptions) {}

  async call<E extends EndpointName>(name: E, params: EndpointParams[E], what: string = name): Promise<Json | Json[]> {
    const ep = ENDPOINTS[name];
    return withRetry(ep.retry, () => this.once(name, params, what));
  }

  private async once<E extends EndpointName>(
    name: E,
    params: EndpointParams[E],
    what: string,
    resent = false,
  ): Promise<Json | Json[]> {
    const ep = ENDPOINTS[name];
    await this.o.limiter.acquire(what, ep.weight, ep.orders, {
      ...(this.o.signal ? { signal: this.o.signal } : {}),
      protective: isProtective(name, params),
    });
    const client = this.o.client;
    const args = params as unknown as Record<string, string | number>;
    try {
      const result = (await (ep.signed
        ? ep.method === 'GET'
          ? client.getPrivate(ep.path, args)
          : ep.method === 'POST'
            ? client.postPrivate(ep.path, args)
            : client.deletePrivate(ep.path, args)
        : client.get(ep.path, args))) as Json | Json[];
      this.observe();
      return result;
    } catch (e) {
      const headers = (e as { response?: { headers?: Record<string, unknown> } } | undefined)?.response?.headers;
      this.o.limiter.observe(countsFromHeaders(headers));
      const err = e instanceof ExchangeError ? e : toExchangeError(e, what);
      if (err.code === -1021 && !resent) {
        await this.o.resyncClock();
        return this.once(name, params, what, true);
      }
      if (err.kind === 'rate-limited' || err.kind === 'banned')
        this.o.limiter.pause(err.kind, err.retryAfterMs, err.message);
      throw err;
    }
  }

  private observe(): void {
    const states = this.o.client.getRateLimitStates() as Record<string, unknown>;
    const counts = countsFromHeaders(states);
    this.o.limiter.observe(counts);
    if (counts.weight1m !== undefined) this.o.onWeight?.(counts.weight1m, this.o.limiter.weightLimit);
  }
}
