import type { MainClient } from 'binance';
import { Decimal, toWire, ZERO } from '../../core/money/decimal';
import type { SymbolRules } from '../../core/money/symbol-rules';
import {
  ExchangeError,
  type AssetBalance,
  type Exchange,
  type ExchangeListener,
  type Fill,
  type MarketBuyRequest,
  type MarketSellRequest,
  type OcoReport,
  type OcoRequest,
  type OrderReport,
} from '../../core/ports/exchange';
import { createRestClient } from './client-factory';
import type { BinanceEndpoints } from './environments';
import { wsApiUrlOf } from './environments';
import { toExchangeError } from './errors';
import { fillsFromTrades, ocoReportOf, orderReportFromExecution, orderReportOf } from './order-reports';
import { RequestLimiter, type RateLimit } from './request-limiter';
import { RestApi, type Json, type MarketOrderParams, type OcoListParams } from './rest-api';
import { RequestSigner } from './signer';
import { parseSymbolRules } from './symbol-rules-from-exchange-info';
import { UserDataStream, type UserStreamState } from './user-data-stream';

export interface BinanceCredentials {
  apiKey: string;
  /** HMAC secret, or the PEM private key of an RSA or Ed25519 key. */
  apiSecret: string;
}

/** What the trader should see about the connection (shown as health, never containing a key). */
export type ExchangeHealth =
  | { kind: 'user-stream'; state: UserStreamState; detail?: string }
  | { kind: 'paused'; reason: 'rate-limited' | 'banned'; until: number; detail: string }
  | { kind: 'resumed' }
  | { kind: 'weight'; used: number; limit: number }
  | { kind: 'throttled'; detail: string; waitMs: number }
  | { kind: 'clock'; offsetMs: number };

export interface BinanceExchangeOptions {
  endpoints: BinanceEndpoints;
  credentials: BinanceCredentials;
  /** Symbols traded: their filters are fetched in one exchangeInfo call. */
  symbols: readonly string[];
  onHealth?: (h: ExchangeHealth) => void;
  /** Timeout of one REST request (default 10 s). Past it the outcome of an order is unknown. */
  requestTimeoutMs?: number;
  /** Share of each declared limit we allow ourselves before waiting for the window to roll (default 0.8). */
  weightBudget?: number;
  /** User data stream tuning (tests shorten these). */
  userStream?: {
    minAttemptGapMs?: number;
    connectionLifetimeMs?: number;
    startAttempts?: number;
    maxBackoffMs?: number;
  };
}

/**
 * The live adapter of the Exchange port: Binance's REST API through the `binance` package (one
 * client, one limiter, one retry policy, one error map: rest-api.ts) and the WebSocket API user
 * data stream (user-data-stream.ts). Every order carries our client order id; an HTTP 5xx, -1007
 * or a timeout is reported as 'unknown-outcome' so the engine looks the order up before sending
 * anything again. Order reports carry every fill known (the stream's trades, completed from
 * myTrades when some are missing), so the engine books each once whatever order events arrive in.
 */
export class BinanceExchange implements Exchange {
  readonly kind = 'live' as const;
  readonly clientOrderIdPrefix: string;
  private readonly client: MainClient;
  private readonly rest: RestApi;
  private readonly limiter: RequestLimiter;
  private readonly rules = new Map<string, SymbolRules>();
  private readonly listeners = new Set<ExchangeListener>();
  private readonly stream: UserDataStream;
  private clockOffsetMs = 0;
  /** orderListId -> list client id and symbol, for the OCOs we know (events carry the numeric id too). */
  private readonly lists = new Map<string, { listClientOrderId: string; symbol: string }>();
  /** Fills seen on the user stream, by client order id. */
  private readonly fills = new Map<string, Fill[]>();
  /** Events are handled one at a time, in the order they arrived. */
  private queue: Promise<void> = Promise.resolve();
  private readonly bnbDiscount = new Map<string, boolean>();
  /** Aborted by close(): requests still waiting for the limiter are not sent. */
  private readonly closing = new AbortController();

  constructor(private readonly opts: BinanceExchangeOptions) {
    const signer = new RequestSigner(opts.credentials.apiSecret);
    this.limiter = new RequestLimiter({
      budget: opts.weightBudget ?? 0.8,
      onWait: (detail, waitMs) => this.opts.onHealth?.({ kind: 'throttled', detail, waitMs }),
      onPause: (reason, until, detail) => {
        this.opts.onHealth?.({ kind: 'paused', reason, until, detail });
        setTimeout(
          () => {
            if (Date.now() >= this.limiter.pausedUntilMs) this.opts.onHealth?.({ kind: 'resumed' });
          },
          Math.max(0, until - Date.now()) + 10,
        ).unref();
      },
    });
    this.client = createRestClient({
      baseUrl: opts.endpoints.restBaseUrl,
      credentials: { apiKey: opts.credentials.apiKey, signer },
      timeoutMs: opts.requestTimeoutMs ?? 10_000,
    });
    this.clientOrderIdPrefix = this.client.getOrderIdPrefix();
    this.rest = new RestApi({
      client: this.client,
      limiter: this.limiter,
      resyncClock: () => this.syncClock(),
      onWeight: (used, limit) => this.opts.onHealth?.({ kind: 'weight', used, limit }),
      signal: this.closing.signal,
    });
    this.stream = new UserDataStream({
      url: wsApiUrlOf(opts.endpoints),
      apiKey: opts.credentials.apiKey,
      signer,
      serverNow: () => Date.now() + this.clockOffsetMs,
      resyncClock: () => this.syncClock(),
      limiter: this.limiter,
      onEvent: (e) => this.enqueue(() => this.onStreamEvent(e)),
      onState: (state, detail) => {
        this.opts.onHealth?.({ kind: 'user-stream', state, ...(detail ? { detail } : {}) });
        if (state === 'reconnected') {
          // Events may have been missed while there was no subscription: re-read what we follow.
          this.enqueue(() => this.resync());
        }
      },
      ...opts.userStream,
    });
  }

  /** Loads the symbols' filters and the rate limits, measures the clock offset, subscribes to the user stream. */
  async connect(signal?: AbortSignal): Promise<void> {
    // Stopping (Ctrl+C, SIGTERM) is honoured while connecting too: the subscription's waits end at once.
    const onAbort = () => void this.stream.stop();
    if (signal?.aborted) throw new ExchangeError('network', 'stopped before connecting');
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await this.loadExchangeInfo(this.opts.symbols);
      await this.syncClock();
      await this.stream.start();
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.stream.stop();
  }

  /** Request weight used this minute, as Binance reports it, and the limit. */
  weight(): { used: number; limit: number } {
    return { used: this.limiter.weightUsed, limit: this.limiter.weightLimit };
  }

  // ---- the Exchange port ------------------------------------------------------------------

  async getSymbolRules(symbol: string): Promise<SymbolRules> {
    if (!this.rules.has(symbol)) await this.loadExchangeInfo([symbol]);
    const r = this.rules.get(symbol);
    if (!r) throw new ExchangeError('not-found', `Binance (${this.opts.endpoints.name}) does not list ${symbol}`);
    return r;
  }

  async refreshSymbolRules(symbols: readonly string[]): Promise<SymbolRules[]> {
    await this.loadExchangeInfo(symbols);
    return symbols.flatMap((s) => {
      const r = this.rules.get(s);
      return r ? [r] : [];
    });
  }

  async getBalance(asset: string): Promise<Decimal> {
    const b = await this.getAssetBalance(asset);
    return b.free.add(b.locked);
  }

  async getAssetBalance(asset: string): Promise<AssetBalance> {
    const account = (await this.rest.call('account', { omitZeroBalances: 'true' }, 'account')) as Json;
    const row = (account.balances as Json[] | undefined)?.find((b) => b.asset === asset);
    return row
      ? { free: new Decimal(String(row.free)), locked: new Decimal(String(row.locked)) }
      : { free: ZERO, locked: ZERO };
  }

  async commissionAsset(symbol: string): Promise<string | undefined> {
    let on = this.bnbDiscount.get(symbol);
    if (on === undefined) {
      const c = (await this.rest.call('commission', { symbol }, `commission rates of ${symbol}`)) as Json;
      const d = (c.discount ?? {}) as Json;
      on = d.enabledForAccount === true && d.enabledForSymbol !== false;
      this.bnbDiscount.set(symbol, on);
      if (on && typeof d.discountAsset === 'string') return d.discountAsset;
    }
    return on ? 'BNB' : undefined;
  }

  async getLastPrice(symbol: string): Promise<Decimal> {
    const t = (await this.rest.call('tickerPrice', { symbol }, `price of ${symbol}`)) as Json;
    return new Decimal(String(t.price));
  }

  async marketBuyByQuote(req: MarketBuyRequest): Promise<OrderReport> {
    return this.marketOrder(`market buy ${req.symbol}`, {
      symbol: req.symbol,
      side: 'BUY',
      type: 'MARKET',
      quoteOrderQty: toWire(req.quoteAmount),
      newClientOrderId: req.clientOrderId,
      newOrderRespType: 'FULL',
    });
  }

  async marketSell(req: MarketSellRequest): Promise<OrderReport> {
    return this.marketOrder(`market sell ${req.symbol}`, {
      symbol: req.symbol,
      side: 'SELL',
      type: 'MARKET',
      quantity: toWire(req.quantity),
      newClientOrderId: req.clientOrderId,
      newOrderRespType: 'FULL',
    });
  }

  /** A MARKET order with our client id, FULL response (its fills); amounts as decimal strings. */
  private async marketOrder(what: string, params: MarketOrderParams): Promise<OrderReport> {
    const r = (await this.rest.call('newOrder', params, what)) as Json;
    return this.withAllFills(orderReportOf(r));
  }

  async placeOco(req: OcoRequest): Promise<OcoReport> {
    const below: Pick<OcoListParams, 'belowType' | 'belowPrice' | 'belowTimeInForce'> =
      req.stopType === 'STOP_LOSS_LIMIT'
        ? { belowType: 'STOP_LOSS_LIMIT', belowPrice: toWire(req.stopLimitPrice!), belowTimeInForce: 'GTC' }
        : { belowType: 'STOP_LOSS' };
    const params = {
      symbol: req.symbol,
      side: 'SELL',
      quantity: toWire(req.quantity),
      listClientOrderId: req.listClientOrderId,
      aboveType: 'LIMIT_MAKER',
      abovePrice: toWire(req.takeProfitPrice),
      aboveClientOrderId: req.takeProfitClientOrderId,
      belowClientOrderId: req.stopLossClientOrderId,
      belowStopPrice: toWire(req.stopPrice),
      newOrderRespType: 'FULL',
      ...below,
    } as OcoListParams;
    const r = (await this.rest.call('newOcoList', params, `OCO ${req.symbol}`)) as Json;
    this.lists.set(String(r.orderListId), { listClientOrderId: req.listClientOrderId, symbol: req.symbol });
    const legs = ((r.orderReports as Json[] | undefined) ?? []).map((o) => orderReportOf(o, [], req.listClientOrderId));
    return ocoReportOf(r, legs);
  }

  async cancelOco(symbol: string, listClientOrderId: string): Promise<OcoReport> {
    const r = (await this.rest.call('cancelOrderList', { symbol, listClientOrderId }, `cancel OCO ${symbol}`)) as Json;
    const legs = await Promise.all(
      ((r.orderReports as Json[] | undefined) ?? []).map((o) =>
        this.withAllFills(orderReportOf(o, [], listClientOrderId)),
      ),
    );
    return ocoReportOf(r, legs);
  }

  async cancelOrder(symbol: string, clientOrderId: string): Promise<OrderReport> {
    const r = (await this.rest.call(
      'cancelOrder',
      { symbol, origClientOrderId: clientOrderId },
      `cancel order ${clientOrderId}`,
    )) as Json;
    return this.withAllFills(orderReportOf(r, []));
  }

  async getOrder(symbol: string, clientOrderId: string): Promise<OrderReport | undefined> {
    let o: Json;
    try {
      o = (await this.rest.call(
        'getOrder',
        { symbol, origClientOrderId: clientOrderId },
        `order ${clientOrderId}`,
      )) as Json;
    } catch (e) {
      if (e instanceof ExchangeError && e.kind === 'not-found') return undefined;
      throw e;
    }
    return this.withAllFills(orderReportOf(o, []));
  }

  async getOco(symbol: string, listClientOrderId: string): Promise<OcoReport | undefined> {
    let l: Json;
    try {
      l = (await this.rest.call(
        'getOrderList',
        { origClientOrderId: listClientOrderId },
        `OCO ${listClientOrderId}`,
      )) as Json;
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
      const final = report.status !== 'NEW' && report.status !== 'PARTIALLY_FILLED';
      if (final) this.fills.delete(report.clientOrderId);
      else this.fills.set(report.clientOrderId, seen);
      report.fills = [...seen];
      // Complete the fills from REST when the stream missed some (a reconnect, events out of order).
      const full = await this.withAllFills(report);
      for (const l of this.listeners) l.onOrderUpdate(full);
    } else if (e.e === 'listStatus') {
      if (e.L === 'ALL_DONE' || e.L === 'REJECT') this.lists.delete(String(e.g));
    } else if (e.e === 'outboundAccountPosition' && Array.isArray(e.B)) {
      for (const b of e.B as Json[]) {
        const total = new Decimal(String(b.f)).add(String(b.l));
        for (const l of this.listeners) l.onBalance?.(String(b.a), total);
      }
    }
  }

  /** When a report says more filled than its fills show, reads the order's trades (myTrades). */
  private async withAllFills(report: OrderReport): Promise<OrderReport> {
    if (report.executedQty.isZero()) return report;
    const have = report.fills.reduce((a, f) => a.add(f.qty), ZERO);
    if (have.gte(report.executedQty)) return report;
    try {
      const fills = await this.tradesOf(report.symbol, report.orderId);
      return fills.reduce((a, f) => a.add(f.qty), ZERO).gt(have) ? { ...report, fills } : report;
    } catch {
      return report; // the engine asks again (it sees the report is not fully detailed)
    }
  }

  /** After a new subscription: events may have been missed. Everything followed is re-read by the engine. */
  private async resync(): Promise<void> {
    for (const l of this.listeners) l.onResync?.();
    this.opts.onHealth?.({ kind: 'user-stream', state: 'resynced' });
  }

  // ---- REST plumbing ------------------------------------------------------------------------

  private async tradesOf(symbol: string, orderId: string): Promise<Fill[]> {
    const trades = await this.rest.call('myTrades', { symbol, orderId: Number(orderId) }, `trades of order ${orderId}`);
    return fillsFromTrades(trades);
  }

  private async loadExchangeInfo(symbols: readonly string[]): Promise<void> {
    const info = (await this.rest.call(
      'exchangeInfo',
      { symbols: JSON.stringify([...symbols]) },
      'exchangeInfo',
    )) as Json;
    for (const s of (info.symbols as unknown[] | undefined) ?? []) {
      const r = parseSymbolRules(s);
      this.rules.set(r.symbol, r);
    }
    const limits = ((info.rateLimits as Json[] | undefined) ?? []).filter(
      (l): l is Json & RateLimit =>
        typeof l.rateLimitType === 'string' && typeof l.interval === 'string' && typeof l.limit === 'number',
    );
    this.limiter.setLimits(limits.map((l) => ({ ...l, intervalNum: Number(l.intervalNum ?? 1) })));
  }

  /** Measures the offset between this computer's clock and Binance's (at start, and after -1021). */
  async syncClock(): Promise<void> {
    const before = Date.now();
    let r: Json;
    try {
      r = (await this.rest.call('time', {}, 'server time')) as Json;
    } catch (e) {
      throw e instanceof ExchangeError ? e : toExchangeError(e, 'server time');
    }
    const after = Date.now();
    const offset = Number(r.serverTime) - Math.round((before + after) / 2);
    this.clockOffsetMs = offset;
    this.client.setTimeOffset(offset);
    this.opts.onHealth?.({ kind: 'clock', offsetMs: offset });
  }
}
