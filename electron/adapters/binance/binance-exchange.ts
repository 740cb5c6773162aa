import { createHmac } from 'node:crypto';
import { MainClient } from 'binance';
import { Decimal, toWire, ZERO } from '../../core/money/decimal';
import type { SymbolRules } from '../../core/money/symbol-rules';
import {
  ExchangeError,
  type Exchange,
  type ExchangeListener,
  type Fill,
  type MarketBuyRequest,
  type MarketSellRequest,
  type OcoReport,
  type OcoRequest,
  type OrderReport,
} from '../../core/ports/exchange';
import type { BinanceEndpoints } from './environments';
import { toExchangeError } from './errors';
import { fillsFromTrades, ocoReportOf, orderReportFromExecution, orderReportOf } from './order-reports';
import { parseSymbolRules } from './symbol-rules-from-exchange-info';
import { UserDataStream, type UserStreamState } from './user-data-stream';

export interface BinanceCredentials {
  apiKey: string;
  apiSecret: string;
}

/** What the trader should see about the connection (shown as health, never containing a key). */
export type ExchangeHealth =
  | { kind: 'user-stream'; state: UserStreamState; detail?: string }
  | { kind: 'paused'; reason: 'rate-limited' | 'banned'; until: number; detail: string }
  | { kind: 'resumed' }
  | { kind: 'weight'; used: number; limit: number }
  | { kind: 'clock'; offsetMs: number };

export interface BinanceExchangeOptions {
  endpoints: BinanceEndpoints;
  credentials: BinanceCredentials;
  /** Symbols traded: their filters are fetched in one exchangeInfo call. */
  symbols: readonly string[];
  onHealth?: (h: ExchangeHealth) => void;
  /** Timeout of one REST request (default 10 s). Past it the outcome of an order is unknown. */
  requestTimeoutMs?: number;
  /** Share of the minute's request weight we allow ourselves before waiting for the next minute (default 0.8). */
  weightBudget?: number;
}

type Json = Record<string, unknown>;

/** Request weights of the endpoints we call (Binance's published figures). */
const WEIGHT = {
  order: 1,
  orderList: 1,
  cancel: 1,
  getOrder: 4,
  getOrderList: 4,
  account: 20,
  myTrades: 20,
  ticker: 2,
  exchangeInfo: 20,
  time: 1,
} as const;

/**
 * The live adapter of the Exchange port, on the `binance` package: MainClient for REST and the
 * WebSocket API user data stream for order and balance events. Every order carries our client
 * order id; an HTTP 5xx, -1007 or a timeout is reported as 'unknown-outcome' so the engine looks
 * the order up before sending anything again. -1021 resyncs the clock offset and retries once;
 * 429/418 pause every request until Retry-After; request weight is kept under a budget of the
 * limit exchangeInfo announces.
 */
export class BinanceExchange implements Exchange {
  readonly kind = 'live' as const;
  readonly clientOrderIdPrefix: string;
  private readonly rest: MainClient;
  private readonly rules = new Map<string, SymbolRules>();
  private readonly listeners = new Set<ExchangeListener>();
  private readonly stream: UserDataStream;
  private weightLimit = 6000;
  private pausedUntil = 0;
  private pauseReason: 'rate-limited' | 'banned' = 'rate-limited';
  /** orderListId -> listClientOrderId for the OCOs we know (events carry only the numeric id). */
  private readonly lists = new Map<string, { listClientOrderId: string; symbol: string }>();
  /** Fills seen on the user stream, by client order id. */
  private readonly fills = new Map<string, Fill[]>();
  /** Events are handled one at a time, in the order they arrived. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly opts: BinanceExchangeOptions) {
    this.rest = new MainClient(
      {
        api_key: opts.credentials.apiKey,
        api_secret: opts.credentials.apiSecret,
        baseUrl: opts.endpoints.restBaseUrl,
        beautifyResponses: false,
        disableTimeSync: true,
        parseExceptions: false,
        // HMAC-SHA256 hex, synchronously: the package's WebCrypto signing costs two thread-pool
        // round trips (about 1 ms) before every order leaves.
        customSignMessageFn: async (message: string, secret: string) =>
          createHmac('sha256', secret).update(message).digest('hex'),
      },
      { timeout: opts.requestTimeoutMs ?? 10_000 },
    );
    this.clientOrderIdPrefix = this.rest.getOrderIdPrefix();
    this.stream = new UserDataStream({
      endpoints: opts.endpoints,
      credentials: opts.credentials,
      onEvent: (e) => this.enqueue(() => this.onStreamEvent(e)),
      onState: (state, detail) => {
        this.opts.onHealth?.({ kind: 'user-stream', state, ...(detail ? { detail } : {}) });
        if (state === 'reconnected') {
          // Events may have been missed while the socket was down, and until the package has
          // resubscribed: re-read now, and once more a moment later.
          this.enqueue(() => this.resync());
          setTimeout(() => this.enqueue(() => this.resync()), 2500).unref();
        }
      },
    });
  }

  /** Loads the symbols' filters and the rate limits, syncs the clock, subscribes to the user stream. */
  async connect(): Promise<void> {
    await this.loadExchangeInfo(this.opts.symbols);
    await this.syncClock();
    await this.stream.start();
  }

  async close(): Promise<void> {
    await this.stream.stop();
  }

  // ---- the Exchange port ------------------------------------------------------------------

  async getSymbolRules(symbol: string): Promise<SymbolRules> {
    if (!this.rules.has(symbol)) await this.loadExchangeInfo([symbol]);
    const r = this.rules.get(symbol);
    if (!r) throw new ExchangeError('not-found', `Binance (${this.opts.endpoints.name}) does not list ${symbol}`);
    return r;
  }

  async getBalance(asset: string): Promise<Decimal> {
    const account = await this.call('account', WEIGHT.account, () =>
      this.rest.getAccountInformation({ omitZeroBalances: true } as never),
    );
    const row = ((account as unknown as Json).balances as Json[] | undefined)?.find((b) => b.asset === asset);
    return row ? new Decimal(String(row.free)).add(String(row.locked)) : ZERO;
  }

  async getLastPrice(symbol: string): Promise<Decimal> {
    const t = (await this.call('price', WEIGHT.ticker, () =>
      this.rest.getSymbolPriceTicker({ symbol }),
    )) as unknown as Json;
    return new Decimal(String(t.price));
  }

  async marketBuyByQuote(req: MarketBuyRequest): Promise<OrderReport> {
    return this.marketOrder('BUY', req.symbol, req.clientOrderId, { quoteOrderQty: toWire(req.quoteAmount) });
  }

  async marketSell(req: MarketSellRequest): Promise<OrderReport> {
    return this.marketOrder('SELL', req.symbol, req.clientOrderId, { quantity: toWire(req.quantity) });
  }

  /** A MARKET order with our client id, FULL response (its fills); amounts as decimal strings. */
  private async marketOrder(
    side: 'BUY' | 'SELL',
    symbol: string,
    clientOrderId: string,
    amount: { quoteOrderQty: string } | { quantity: string },
  ): Promise<OrderReport> {
    const r = await this.call(`market ${side === 'BUY' ? 'buy' : 'sell'} ${symbol}`, WEIGHT.order, () =>
      this.rest.submitNewOrder({
        symbol,
        side,
        type: 'MARKET',
        ...amount,
        newClientOrderId: clientOrderId,
        newOrderRespType: 'FULL',
      } as never),
    );
    return orderReportOf(r as unknown as Json);
  }

  async placeOco(req: OcoRequest): Promise<OcoReport> {
    const r = (await this.call(`OCO ${req.symbol}`, WEIGHT.orderList, () =>
      this.rest.submitNewOrderList({
        symbol: req.symbol,
        side: 'SELL',
        quantity: toWire(req.quantity),
        aboveType: 'LIMIT_MAKER',
        abovePrice: toWire(req.takeProfitPrice),
        belowType: 'STOP_LOSS_LIMIT',
        belowStopPrice: toWire(req.stopPrice),
        belowPrice: toWire(req.stopLimitPrice),
        belowTimeInForce: 'GTC',
        listClientOrderId: req.listClientOrderId,
        aboveClientOrderId: req.takeProfitClientOrderId,
        belowClientOrderId: req.stopLossClientOrderId,
        newOrderRespType: 'FULL',
      } as never),
    )) as unknown as Json;
    this.lists.set(String(r.orderListId), { listClientOrderId: req.listClientOrderId, symbol: req.symbol });
    const legs = ((r.orderReports as Json[] | undefined) ?? []).map((o) => orderReportOf(o, [], req.listClientOrderId));
    return ocoReportOf(r, legs);
  }

  async cancelOco(symbol: string, listClientOrderId: string): Promise<OcoReport> {
    const r = (await this.call(`cancel OCO ${symbol}`, WEIGHT.cancel, () =>
      this.rest.cancelOCO({ symbol, listClientOrderId } as never),
    )) as unknown as Json;
    const legs = ((r.orderReports as Json[] | undefined) ?? []).map((o) => orderReportOf(o, [], listClientOrderId));
    return ocoReportOf(r, legs);
  }

  async getOrder(symbol: string, clientOrderId: string): Promise<OrderReport | undefined> {
    let o: Json;
    try {
      o = (await this.call(`order ${clientOrderId}`, WEIGHT.getOrder, () =>
        this.rest.getOrder({ symbol, origClientOrderId: clientOrderId }),
      )) as unknown as Json;
    } catch (e) {
      if (e instanceof ExchangeError && e.kind === 'not-found') return undefined;
      throw e;
    }
    const report = orderReportOf(o, []);
    if (report.executedQty.isZero()) return report;
    return { ...report, fills: await this.tradesOf(symbol, report.orderId) };
  }

  async getOco(symbol: string, listClientOrderId: string): Promise<OcoReport | undefined> {
    let l: Json;
    try {
      l = (await this.call(`OCO ${listClientOrderId}`, WEIGHT.getOrderList, () =>
        // GET /api/v3/orderList names the list client id origClientOrderId.
        this.rest.getOCO({ origClientOrderId: listClientOrderId } as never),
      )) as unknown as Json;
    } catch (e) {
      if (e instanceof ExchangeError && e.kind === 'not-found') return undefined;
      throw e;
    }
    const orders = (l.orders as Json[] | undefined) ?? [];
    const legs: OrderReport[] = [];
    for (const o of orders) {
      const leg = await this.getOrder(String(o.symbol ?? symbol), String(o.clientOrderId));
      if (leg) legs.push({ ...leg, listClientOrderId });
    }
    const report = ocoReportOf({ ...l, symbol: l.symbol ?? symbol }, legs);
    if (report.status === 'EXECUTING') this.lists.set(report.orderListId, { listClientOrderId, symbol });
    return report;
  }

  subscribe(listener: ExchangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- user stream --------------------------------------------------------------------------

  private enqueue(work: () => Promise<void> | void): void {
    this.queue = this.queue.then(work).catch((e: unknown) => {
      this.opts.onHealth?.({ kind: 'user-stream', state: 'error', detail: e instanceof Error ? e.message : String(e) });
    });
  }

  private async onStreamEvent(e: Json): Promise<void> {
    if (e.e === 'executionReport') {
      const { report, trade } = orderReportFromExecution(e);
      const list = this.lists.get(String(e.g ?? '-1'));
      if (list) report.listClientOrderId = list.listClientOrderId;
      const seen = this.fills.get(report.clientOrderId) ?? [];
      if (trade && !seen.some((f) => f.tradeId === trade.tradeId)) seen.push(trade);
      this.fills.set(report.clientOrderId, seen);
      if (
        report.status === 'FILLED' ||
        ((report.status === 'EXPIRED' || report.status === 'CANCELED') && !report.executedQty.isZero())
      ) {
        // Complete the fills from REST when the stream missed some (reconnect).
        const have = seen.reduce((a, f) => a.add(f.qty), ZERO);
        report.fills = have.eq(report.executedQty) ? seen : await this.tradesOf(report.symbol, report.orderId);
        this.fills.delete(report.clientOrderId);
      }
      for (const l of this.listeners) l.onOrderUpdate(report);
    } else if (e.e === 'listStatus') {
      if (e.L === 'ALL_DONE' || e.L === 'REJECT') this.lists.delete(String(e.g));
    } else if (e.e === 'outboundAccountPosition' && Array.isArray(e.B)) {
      for (const b of e.B as Json[]) {
        const total = new Decimal(String(b.f)).add(String(b.l));
        for (const l of this.listeners) l.onBalance?.(String(b.a), total);
      }
    } else if (e.e === 'eventStreamTerminated' || e.e === 'serverShutdown') {
      this.opts.onHealth?.({ kind: 'user-stream', state: 'reconnecting', detail: `Binance sent ${String(e.e)}` });
    }
  }

  /** After a reconnect: events may have been missed. Re-read every OCO we follow and the balances. */
  private async resync(): Promise<void> {
    for (const [, { listClientOrderId, symbol }] of [...this.lists]) {
      const oco = await this.getOco(symbol, listClientOrderId);
      if (!oco) continue;
      for (const leg of [oco.takeProfit, oco.stopLoss]) {
        if (leg.status === 'FILLED') for (const l of this.listeners) l.onOrderUpdate(leg);
      }
      if (oco.status !== 'EXECUTING') this.lists.delete(oco.orderListId);
    }
    const quotes = new Set([...this.rules.values()].map((r) => r.quoteAsset));
    for (const q of quotes) {
      const total = await this.getBalance(q);
      for (const l of this.listeners) l.onBalance?.(q, total);
    }
    this.opts.onHealth?.({ kind: 'user-stream', state: 'resynced' });
  }

  // ---- REST plumbing ------------------------------------------------------------------------

  private async tradesOf(symbol: string, orderId: string): Promise<Fill[]> {
    const trades = await this.call(`trades of order ${orderId}`, WEIGHT.myTrades, () =>
      this.rest.getAccountTradeList({ symbol, orderId: Number(orderId) } as never),
    );
    return fillsFromTrades(trades);
  }

  private async loadExchangeInfo(symbols: readonly string[]): Promise<void> {
    const info = (await this.call('exchangeInfo', WEIGHT.exchangeInfo, () =>
      this.rest.getExchangeInfo({ symbols: [...symbols] }),
    )) as unknown as Json;
    for (const s of (info.symbols as unknown[] | undefined) ?? []) {
      const r = parseSymbolRules(s);
      this.rules.set(r.symbol, r);
    }
    const weight = ((info.rateLimits as Json[] | undefined) ?? []).find(
      (l) => l.rateLimitType === 'REQUEST_WEIGHT' && l.interval === 'MINUTE',
    );
    if (weight && Number(weight.intervalNum ?? 1) === 1) this.weightLimit = Number(weight.limit);
  }

  /** Resyncs the offset between this computer's clock and Binance's (-1021). */
  async syncClock(): Promise<void> {
    const before = Date.now();
    const r = (await this.rest.get('api/v3/time').catch((e: unknown) => {
      throw toExchangeError(e, 'server time');
    })) as Json;
    const after = Date.now();
    const offset = Number(r.serverTime) - Math.round((before + after) / 2);
    this.rest.setTimeOffset(offset);
    this.opts.onHealth?.({ kind: 'clock', offsetMs: offset });
  }

  private usedWeight(): number {
    const states = this.rest.getRateLimitStates() as Record<string, unknown>;
    const used = Number(states['x-mbx-used-weight-1m'] ?? 0);
    return Number.isFinite(used) ? used : 0;
  }

  /**
   * Sends one request: refuses at once while Binance asked us to wait (429/418), waits for the next
   * minute when the weight budget would be exceeded, maps errors, resyncs the clock on -1021.
   */
  private async call<T>(what: string, weight: number, send: () => Promise<T>, retried = false): Promise<T> {
    const now = Date.now();
    if (now < this.pausedUntil) {
      throw new ExchangeError(
        this.pauseReason,
        `${what}: not sent, Binance asked us to wait until ${new Date(this.pausedUntil).toISOString()}`,
        {
          retryAfterMs: this.pausedUntil - now,
        },
      );
    }
    const budget = this.weightLimit * (this.opts.weightBudget ?? 0.8);
    if (this.usedWeight() + weight > budget) {
      const wait = 60_000 - (Date.now() % 60_000) + 50;
      this.opts.onHealth?.({ kind: 'weight', used: this.usedWeight(), limit: this.weightLimit });
      await new Promise((r) => setTimeout(r, wait));
    }
    try {
      const result = await send();
      return result;
    } catch (e) {
      const err = toExchangeError(e, what);
      if (err.code === -1021 && !retried) {
        await this.syncClock();
        return this.call(what, weight, send, true); // -1021: refused before execution, safe to resend
      }
      if (err.kind === 'rate-limited' || err.kind === 'banned') {
        this.pauseReason = err.kind;
        this.pausedUntil = Date.now() + (err.retryAfterMs ?? 60_000);
        this.opts.onHealth?.({ kind: 'paused', reason: err.kind, until: this.pausedUntil, detail: err.message });
        setTimeout(
          () => {
            if (Date.now() >= this.pausedUntil) this.opts.onHealth?.({ kind: 'resumed' });
          },
          this.pausedUntil - Date.now() + 10,
        ).unref();
      }
      throw err;
    } finally {
      const used = this.usedWeight();
      if (used > 0) this.opts.onHealth?.({ kind: 'weight', used, limit: this.weightLimit });
    }
  }
}
