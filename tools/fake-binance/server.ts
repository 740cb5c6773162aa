import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KlineInterval } from '../../shared/market/intervals';
import type { Candle } from '../../electron/core/ports/market-feed';
import { DEFAULT_SYMBOL_INFOS, fallbackSymbolInfo } from '../../electron/adapters/paper/default-rules';
import type { RawSymbolInfo } from '../../electron/adapters/binance/symbol-rules-from-exchange-info';
import {
  AccountBook,
  DEFAULT_COMMISSION,
  type BalanceSnapshot,
  type CommissionRates,
  type FakeAccountOptions,
} from './accounts';
import { FaultPlan } from './faults';
import { FakeMarket, type FakeTrade } from './market';
import { MatchingEngine } from './matching';
import { w } from './orders';
import { createDriver, type MarketMode, type PriceDriver } from './price-driver';
import { addMarketRoutes } from './rest-market';
import { addTradingRoutes, type OrderRequestRecord } from './rest-trading';
import { Router } from './router';
import { StreamHub } from './streams';
import { UserStreams } from './user-stream';
import { klineEvent, klineStreamName, tradeEvent, tradeStreamName } from './wire';
import { WsApiHub } from './ws-api';
import { Decimal } from '../../electron/core/money/decimal';

/**
 * A local Binance-compatible spot exchange for tests and offline runs, on one port of 127.0.0.1:
 * REST (market data and signed trading endpoints) on http://127.0.0.1:<port>, market streams on
 * ws://127.0.0.1:<port>/stream, and the WebSocket API (user data stream) on
 * ws://127.0.0.1:<port>/ws-api/v3. The real `binance` client talks to it over real sockets.
 * Prices come from tests (pushTrade / pushCandle / setPrice), a seeded synthetic walk, or a replay
 * of kline CSV files; faults are scripted through `faults`.
 */

export interface FakeBinanceOptions {
  /** Symbols to list; default: every built-in pair. Unknown ones get rules derived from referencePrices. */
  symbols?: readonly string[];
  /** exchangeInfo entries to serve instead of the built-in ones (for odd filters in tests). */
  symbolInfos?: readonly RawSymbolInfo[];
  /** Price used to derive rules for symbols without built-in ones (default 100). */
  referencePrices?: Readonly<Record<string, number>>;
  /** Port to listen on; 0 (the default) lets the OS choose. */
  port?: number;
  /** Exchange time in ms; when set, the clock stands still except where pushed candles move it. */
  time?: number;
  /** Interval between server pings on stream and WS API connections (Binance: 20 s); 0 = none (default). */
  pingIntervalMs?: number;
  /** Trading accounts, each with an HMAC key pair and starting balances. */
  accounts?: readonly FakeAccountOptions[];
  /** What moves prices: pushed by tests (`manual`, the default), a synthetic walk, or a CSV replay. */
  market?: MarketMode;
  /** Commission rates for every account (default 0.1 % maker and taker), in the received asset. */
  commission?: Partial<CommissionRates>;
  /** Bid-ask spread as a fraction of the price (default 0): a MARKET buy pays half above the price. */
  spread?: number;
  /** Extra fraction a MARKET order pays beyond the spread (default 0). */
  slippage?: number;
  /** POST /api/v3/order/oco, deprecated by Binance: served like orderList/oco (default) or refused. */
  deprecatedOrderOco?: 'serve' | 'reject';
}

export interface PushCandleOptions {
  /** Whether the candle is final (k.x); a closed candle joins the REST history. Default true. */
  closed?: boolean;
}

export interface PushTradeOptions {
  qty?: number;
  time?: number;
  buyerIsMaker?: boolean;
}

/** An accepted order as tests inspect it (amounts as 8-decimal strings). */
export interface FakeOrderSnapshot {
  apiKey: string;
  symbol: string;
  orderId: number;
  orderListId: number;
  clientOrderId: string;
  side: string;
  type: string;
  status: string;
  price: string;
  stopPrice: string;
  origQty: string;
  executedQty: string;
  cummulativeQuoteQty: string;
  time: number;
  expiryReason?: string;
}

export interface FakeAccountSnapshot {
  apiKey: string;
  canTrade: boolean;
  balances: Record<string, BalanceSnapshot>;
}

export interface FakeBinance {
  /** REST base, e.g. http://127.0.0.1:40123 (MainClient baseUrl). */
  restUrl: string;
  /** Stream and WS API base, e.g. ws://127.0.0.1:40123 (the `wsUrl` of WebsocketClient and WebsocketAPIClient: they append /stream or /ws-api/v3). */
  wsUrl: string;
  /** The WebSocket API endpoint itself, ws://127.0.0.1:40123/ws-api/v3 (for raw clients). */
  wsApiUrl: string;
  port: number;
  market: FakeMarket;
  streams: StreamHub;
  wsApi: WsApiHub;
  engine: MatchingEngine;
  /** Scriptable faults (see faults.ts). */
  faults: FaultPlan;
  /** The synthetic or replay driver, when one was configured. */
  driver: PriceDriver | undefined;
  /** Updates the market, sends a kline frame to subscribers, and moves the matching price through the candle. */
  pushCandle(symbol: string, interval: KlineInterval, candle: Candle, options?: PushCandleOptions): void;
  /** Records a trade, sends a trade frame to subscribers, and moves the matching price to it. */
  pushTrade(symbol: string, price: number, options?: PushTradeOptions): FakeTrade;
  /** Moves the matching price (a trade at that price, streamed like any other). */
  setPrice(symbol: string, price: number): void;
  /** Adds closed candles to the REST history without sending frames (what a client missed). */
  addHistory(symbol: string, interval: KlineInterval, candles: readonly Candle[]): void;
  setTime(ms: number | undefined): void;
  /** The server's clock: the market time (real unless set) plus any injected clock skew. */
  now(): number;
  /** Resolves once a client subscribed to the stream (e.g. "btcusdt@kline_1m"). */
  waitForSubscriber(stream: string, timeoutMs?: number): Promise<void>;
  /** Resolves once a WS API connection subscribed to the account's user data stream (any account if omitted). */
  waitForUserStream(apiKey?: string, timeoutMs?: number): Promise<void>;
  /** Cuts every connection abruptly, market streams and WS API alike, as a network failure would. */
  dropAllSockets(): void;
  /** While false, new stream and WS API connections are refused with HTTP 503. */
  setStreamsAccepting(accepting: boolean): void;
  /** Sends Binance's serverShutdown event on every WS API connection (and closes them after closeAfterMs, if given). */
  sendServerShutdown(closeAfterMs?: number): void;
  /** Every order the engine accepted, in order (optionally of one account). */
  orders(apiKey?: string): FakeOrderSnapshot[];
  /** Every order-placing request received after authentication, accepted or rejected, with its client ids. */
  orderRequests(): OrderRequestRecord[];
  /** An account's balances and flags. */
  account(apiKey: string): FakeAccountSnapshot;
  /** Sets an account's free balance of an asset (locked amounts are left alone). */
  setBalance(apiKey: string, asset: string, free: string): void;
  /** Adds an account after the start. */
  addAccount(account: FakeAccountOptions): void;
  close(): Promise<void>;
}

export async function startFakeBinance(options: FakeBinanceOptions = {}): Promise<FakeBinance> {
  const infos = symbolInfos(options);
  const market = new FakeMarket(infos, options.time);
  const faults = new FaultPlan();
  const clock = (): number => market.now() + faults.clockSkewMs;
  const accounts = new AccountBook(options.accounts ?? [], { ...DEFAULT_COMMISSION, ...options.commission }, clock);
  const userStreams = new UserStreams();
  const engine = new MatchingEngine({
    market,
    accounts,
    faults,
    clock,
    spread: options.spread ?? 0,
    slippage: options.slippage ?? 0,
    emit: (apiKey, event) => userStreams.publish(apiKey, event),
  });
  const requests: OrderRequestRecord[] = [];
  const router = new Router();
  router.interceptor = (method, path) => faults.intercept(method, path);
  addMarketRoutes(router, market, clock);
  addTradingRoutes(router, {
    accounts,
    engine,
    clock,
    requests,
    deprecatedOrderOco: options.deprecatedOrderOco ?? 'serve',
  });
  const streams = new StreamHub({ pingIntervalMs: options.pingIntervalMs });
  const wsApi = new WsApiHub({ accounts, userStreams, clock, pingIntervalMs: options.pingIntervalMs });

  const server: Server = createServer((req, res) => {
    void router.handle(req, res);
  });
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname.replace(/\/+$/, '');
    if (path === '/ws-api/v3') wsApi.handleUpgrade(req, socket, head);
    else streams.handleUpgrade(req, socket, head);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  const pushCandle: FakeBinance['pushCandle'] = (symbol, interval, candle, { closed: isClosed = true } = {}) => {
    const before = market.openCandle(symbol, interval);
    market.updateCandle(symbol, interval, candle, isClosed);
    const ids = market.reserveTradeIds(isClosed ? Math.max(1, Math.round(candle.volume)) : 0);
    streams.publish(klineStreamName(symbol, interval), klineEvent(candle, isClosed, market.now(), ids));
    engine.onPricePath(symbol, candlePath(candle, before));
  };
  const pushTrade: FakeBinance['pushTrade'] = (symbol, price, { qty = 0.01, time, buyerIsMaker = false } = {}) => {
    const trade = market.recordTrade(symbol, price, qty, time ?? market.now(), buyerIsMaker);
    streams.publish(tradeStreamName(symbol), tradeEvent(trade, market.now()));
    engine.onPricePath(symbol, [price]);
    return trade;
  };
  const addHistory: FakeBinance['addHistory'] = (symbol, interval, candles) =>
    market.addHistory(symbol, interval, candles);

  const driver = options.market
    ? createDriver(
        options.market,
        infos.map((i) => i.symbol),
        { pushCandle, pushTrade, addHistory },
      )
    : undefined;
  if (driver && options.market && options.market.kind !== 'manual' && options.market.autoStart !== false)
    driver.start();

  let closed: Promise<void> | undefined;
  return {
    restUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    wsApiUrl: `ws://127.0.0.1:${port}/ws-api/v3`,
    port,
    market,
    streams,
    wsApi,
    engine,
    faults,
    driver,
    pushCandle,
    pushTrade,
    setPrice: (symbol, price) => void pushTrade(symbol, price),
    addHistory,
    setTime: (ms) => market.setTime(ms),
    now: clock,
    waitForSubscriber: (stream, timeoutMs) => streams.waitForSubscriber(stream, timeoutMs),
    waitForUserStream: (apiKey, timeoutMs) => userStreams.waitForSubscriber(apiKey, timeoutMs),
    dropAllSockets: () => {
      streams.dropAll();
      wsApi.dropAll();
    },
    setStreamsAccepting: (accepting) => {
      streams.setAccepting(accepting);
      wsApi.setAccepting(accepting);
    },
    sendServerShutdown: (closeAfterMs) => wsApi.sendServerShutdown(closeAfterMs),
    orders: (apiKey) =>
      engine
        .allOrders()
        .filter((o) => apiKey === undefined || o.apiKey === apiKey)
        .map((o) => ({
          apiKey: o.apiKey,
          symbol: o.symbol,
          orderId: o.orderId,
          orderListId: o.orderListId,
          clientOrderId: o.clientOrderId,
          side: o.side,
          type: o.type,
          status: o.status,
          price: w(o.price),
          stopPrice: w(o.stopPrice),
          origQty: w(o.origQty),
          executedQty: w(o.executedQty),
          cummulativeQuoteQty: w(o.cummulativeQuoteQty),
          time: o.time,
          ...(o.expiryReason ? { expiryReason: o.expiryReason } : {}),
        })),
    orderRequests: () => requests.map((r) => ({ ...r, clientOrderIds: [...r.clientOrderIds] })),
    account: (apiKey) => {
      const a = accounts.expect(apiKey);
      return { apiKey, canTrade: a.canTrade, balances: a.snapshot() };
    },
    setBalance: (apiKey, asset, free) => accounts.expect(apiKey).setFree(asset, new Decimal(free)),
    addAccount: (account) => void accounts.add(account),
    close() {
      closed ??= (async () => {
        driver?.stop();
        router.close();
        userStreams.close();
        await streams.close();
        await wsApi.close();
        // Keep-alive REST connections (and held answers) would hold close() open until they time out.
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closed;
    },
  };
}

/**
 * The prices a candle passed through, in a plausible order (down first on a rising candle): the
 * whole range for a new candle, only the new extremes for an update of the forming one.
 */
function candlePath(c: Candle, before: Candle | undefined): number[] {
  const update = before !== undefined && before.openTime === c.openTime;
  const highNew = !update || c.high > before.high;
  const lowNew = !update || c.low < before.low;
  const extremes =
    c.close >= c.open ? [lowNew ? c.low : 0, highNew ? c.high : 0] : [highNew ? c.high : 0, lowNew ? c.low : 0];
  return [...(update ? [] : [c.open]), ...extremes.filter((p) => p > 0), c.close];
}

function symbolInfos(options: FakeBinanceOptions): RawSymbolInfo[] {
  if (options.symbolInfos) return [...options.symbolInfos];
  if (!options.symbols) return [...DEFAULT_SYMBOL_INFOS];
  const known = new Map(DEFAULT_SYMBOL_INFOS.map((s) => [s.symbol, s]));
  return options.symbols.map(
    (symbol) => known.get(symbol) ?? fallbackSymbolInfo(symbol, options.referencePrices?.[symbol] ?? 100),
  );
}
