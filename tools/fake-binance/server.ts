import { intrabarPath } from '../../electron/adapters/paper/intrabar';
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
  type KeyType,
} from './accounts';
import { FaultPlan } from './faults';
import { FakeMarket, type FakeTrade } from './market';
import {
  generatedId,
  MatchingEngine,
  type ClientIdReuse,
  type ListExpiry,
  type StpDetails,
  type WorkingListStatus,
} from './matching';
import { w, type Order, type OrderList } from './orders';
import {
  DEFAULT_RATE_LIMITS,
  exchangeRateLimits,
  OrderCounter,
  WeightMeter,
  type RateLimitSettings,
} from './rate-limits';
import { createDriver, type MarketMode, type PriceDriver } from './price-driver';
import { addMarketRoutes } from './rest-market';
import { addTradingRoutes, type OrderRequestRecord } from './rest-trading';
import { Router } from './router';
import { StreamHub } from './streams';
import { UserStreams } from './user-stream';
import { klineEvent, klineStreamName, tradeEvent, tradeStreamName } from './wire';
import { WsApiHub } from './ws-api';
import { Decimal } from '../../electron/core/money/decimal';
import {
  withFilters,
  withFlags,
  withStatus,
  type SymbolFilterChanges,
  type SymbolFlags,
  type SymbolStatus,
} from './symbol-controls';

/**
 * A local Binance-compatible spot exchange for tests and offline runs, on one port of 127.0.0.1:
 * REST (market data and signed trading endpoints) on http://127.0.0.1:<port>, market streams on
 * ws://127.0.0.1:<port>/stream, and the WebSocket API (user data stream) on
 * ws://127.0.0.1:<port>/ws-api/v3. The real `binance` client talks to it over real sockets.
 * Prices come from tests (pushTrade / pushCandle / setPrice), a seeded synthetic walk, or a replay
 * of kline CSV files; faults are scripted through `faults` (see faults.ts).
 *
 * Options beyond prices and accounts (every default is the fake's behaviour before it had them,
 * except that Binance's own request-weight and order-count limits now apply):
 * - accounts[]: an HMAC key (apiSecret) or an RSA / Ed25519 key (publicKeyPem); bnbBurn.
 * - workingListStatus: an OCO's status while its activated leg still works (docs silent).
 * - clientOrderIdReuse: when a client order id / listClientOrderId may be used again.
 * - endOfDayCancels: whether cancels work on an END_OF_DAY symbol (docs silent).
 * - weightLimitPerMinute, requestsBeforeBan, banMs, wsUpgradeWhenLimited: request weight per IP,
 *   shared by REST and the WebSocket API, with 429s and 418 bans.
 * - ordersPer10s, ordersPerDay, makerFirstFillCredit: the unfilled order count (-1015).
 * - wsApiConnectionLifetimeMs, streamConnectionLifetimeMs: the server closes connections at that age.
 * Actions a test takes as Binance or another client would: setSymbolStatus / setSymbolFlags /
 * setSymbolFilters, setBnbBurn, terminateUserStreams, cancelOrderListAsOtherClient,
 * expireOrderList, placeOrderAsOtherClient, sendServerShutdown.
 * What a test can read besides orders and accounts: usedWeight, unfilledOrderCount, and on
 * `wsApi` requestLog / requestCount / upgradeAttempts.
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
  /** Trading accounts, each with an API key (HMAC secret, or an RSA / Ed25519 public key) and starting balances. */
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
  /**
   * An OCO's status (GET /api/v3/orderList, openOrderList, listStatus events) once one leg works but
   * is not done: the LIMIT_MAKER leg partly filled, or a triggered STOP_LOSS_LIMIT resting below the
   * market. Binance's docs are silent. 'EXECUTING' (default): the list stays EXECUTING until that
   * leg ends (no listStatus until then); 'ALL_DONE': the list ends (listStatus ALL_DONE) when the
   * other leg expires, the working leg carrying on alone (cancel it with DELETE /api/v3/order).
   */
  workingListStatus?: WorkingListStatus;
  /** When a client order id may be used again (see ClientIdReuse in matching.ts); default 'whenClosed'. */
  clientOrderIdReuse?: ClientIdReuse;
  /** Cancels on a symbol whose status is END_OF_DAY (docs silent): 'reject' (default, -2011 "Market is closed.") or 'allow'. */
  endOfDayCancels?: 'reject' | 'allow';
  /** REQUEST_WEIGHT per minute and IP address, REST and WebSocket API together (default 6000, as Binance). */
  weightLimitPerMinute?: number;
  /** Requests refused with 429 in a minute before the address is banned (docs: "repeatedly"; default 5). */
  requestsBeforeBan?: number;
  /** Length of an IP ban (Binance: 2 minutes to 3 days); default 120 000 ms. */
  banMs?: number;
  /** A WebSocket API upgrade from an address over its weight limit: refused with 429 (default) or accepted (docs silent). */
  wsUpgradeWhenLimited?: 'refuse' | 'accept';
  /** ORDERS per 10 SECOND per account (default 100). */
  ordersPer10s?: number;
  /** ORDERS per DAY per account (default 200000). */
  ordersPerDay?: number;
  /** What a first fill as maker takes off the unfilled order count (docs: "may be decremented by more than one"; default 1). */
  makerFirstFillCredit?: number;
  /** The server closes WebSocket API connections at this age (Binance: 24 h); default never. */
  wsApiConnectionLifetimeMs?: number;
  /** The server closes market stream connections at this age (Binance: 24 h); default never. */
  streamConnectionLifetimeMs?: number;
  /**
   * REST klines that open after the server's clock, as a market played faster than real time
   * makes: served (default) or hidden until their time comes (warm-ups then stop at "now").
   */
  klinesAfterServerTime?: 'serve' | 'hide';
}

/** An order entered outside the API (e.g. a MARKET SELL from the Binance app); amounts as decimal strings. */
interface OtherClientOrder {
  symbol: string;
  side: 'BUY' | 'SELL';
  type: 'MARKET' | 'LIMIT' | 'LIMIT_MAKER' | 'STOP_LOSS_LIMIT';
  quantity?: string;
  quoteOrderQty?: string;
  price?: string;
  stopPrice?: string;
  timeInForce?: 'GTC' | 'IOC' | 'FOK';
  /** Default: one generated as Binance does (22 characters). */
  clientOrderId?: string;
}

interface PushCandleOptions {
  /** Whether the candle is final (k.x); a closed candle joins the REST history. Default true. */
  closed?: boolean;
}

interface PushTradeOptions {
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
  selfTradePreventionMode: string;
}

interface FakeAccountSnapshot {
  apiKey: string;
  /** hmac, rsa or ed25519 (from the key given). */
  keyType: KeyType;
  canTrade: boolean;
  /** Commission paid in BNB when the free BNB covers it. */
  bnbBurn: boolean;
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
  /**
   * Sends Binance's serverShutdown event on every WS API connection (and, with marketStreams, on
   * every market stream connection), and closes the WS API connections after closeAfterMs, if given.
   */
  sendServerShutdown(closeAfterMs?: number, options?: { marketStreams?: boolean }): void;
  /**
   * Ends the user data stream subscriptions of an account (or all) with eventStreamTerminated, as
   * Binance does; the connections stay open. Returns how many ended.
   */
  terminateUserStreams(apiKey?: string): number;
  /**
   * Cancels an order list as the Binance app would: a CANCELED executionReport per open leg whose
   * `c` is a new cancel id and `C` the leg's own id, then listStatus ALL_DONE, then the balances.
   */
  cancelOrderListAsOtherClient(apiKey: string, symbol: string, listClientOrderId: string): void;
  /**
   * Ends an order list as Binance would: EXCHANGE_CANCELED (each open leg EXPIRED, eR
   * EXCHANGE_CANCELED), or EXPIRED_IN_MATCH (self-trade prevention: the leg on the book gets
   * execution type TRADE_PREVENTION, status EXPIRED_IN_MATCH and the STP fields; the other leg
   * EXPIRED, eR OCO_TRIGGER). Then listStatus ALL_DONE and the balances.
   */
  expireOrderList(
    apiKey: string,
    symbol: string,
    listClientOrderId: string,
    reason: ListExpiry,
    stp?: StpDetails,
  ): void;
  /** Places an order for the account outside the API (normal matching and events). */
  placeOrderAsOtherClient(apiKey: string, order: OtherClientOrder): FakeOrderSnapshot;
  /** exchangeInfo serves the status at once; new orders get -2010 "Market is closed." unless TRADING. */
  setSymbolStatus(symbol: string, status: SymbolStatus): void;
  /** exchangeInfo serves the flags at once; the engine enforces ocoAllowed, quoteOrderQtyMarketAllowed, orderTypes, STP modes. */
  setSymbolFlags(symbol: string, flags: SymbolFlags): void;
  /** exchangeInfo serves the filter values at once; new orders are checked against them (-1013 Filter failure: NAME). */
  setSymbolFilters(symbol: string, filters: SymbolFilterChanges): void;
  /** Turns paying commission in BNB on or off for the account. */
  setBnbBurn(apiKey: string, on: boolean): void;
  /** Request weight used by an address in the current minute (REST and WebSocket API together). */
  usedWeight(address?: string): number;
  /** An account's unfilled order count in the current intervals. */
  unfilledOrderCount(apiKey: string): { tenSeconds: number; day: number };
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
  // Copies: symbol entries change while the fake runs (setSymbolStatus / Flags / Filters).
  const infos = symbolInfos(options).map((i) => structuredClone(i));
  const market = new FakeMarket(infos, options.time);
  const faults = new FaultPlan();
  const clock = (): number => market.now() + faults.clockSkewMs;
  const accounts = new AccountBook(options.accounts ?? [], { ...DEFAULT_COMMISSION, ...options.commission }, clock);
  const userStreams = new UserStreams(faults, clock);
  const limits: RateLimitSettings = {
    weightLimitPerMinute: options.weightLimitPerMinute ?? DEFAULT_RATE_LIMITS.weightLimitPerMinute,
    requestsBeforeBan: options.requestsBeforeBan ?? DEFAULT_RATE_LIMITS.requestsBeforeBan,
    banMs: options.banMs ?? DEFAULT_RATE_LIMITS.banMs,
    ordersPer10s: options.ordersPer10s ?? DEFAULT_RATE_LIMITS.ordersPer10s,
    ordersPerDay: options.ordersPerDay ?? DEFAULT_RATE_LIMITS.ordersPerDay,
    makerFirstFillCredit: options.makerFirstFillCredit ?? DEFAULT_RATE_LIMITS.makerFirstFillCredit,
  };
  // The WS API hub is created below; a ban closes its connections of the banned address.
  const meter = new WeightMeter(limits, clock, (address) => wsApi.disconnectAddress(address));
  const orderCounter = new OrderCounter(limits, clock);
  const engine = new MatchingEngine({
    market,
    accounts,
    faults,
    clock,
    spread: options.spread ?? 0,
    slippage: options.slippage ?? 0,
    emit: (apiKey, events) => userStreams.publish(apiKey, events),
    workingListStatus: options.workingListStatus ?? 'EXECUTING',
    clientIdReuse: options.clientOrderIdReuse ?? 'whenClosed',
    endOfDayCancels: options.endOfDayCancels ?? 'reject',
    onFirstFill: (apiKey, isMaker) => orderCounter.firstFill(apiKey, isMaker),
  });
  const requests: OrderRequestRecord[] = [];
  const router = new Router({ clock, meter });
  router.interceptor = (method, path) => faults.intercept(method, path);
  addMarketRoutes(router, market, clock, exchangeRateLimits(limits), options.klinesAfterServerTime ?? 'serve');
  addTradingRoutes(router, {
    accounts,
    engine,
    clock,
    requests,
    deprecatedOrderOco: options.deprecatedOrderOco ?? 'serve',
    orderCounter,
  });
  const streams = new StreamHub({
    pingIntervalMs: options.pingIntervalMs,
    connectionLifetimeMs: options.streamConnectionLifetimeMs,
  });
  const wsApi: WsApiHub = new WsApiHub({
    accounts,
    userStreams,
    clock,
    pingIntervalMs: options.pingIntervalMs,
    meter,
    faults,
    connectionLifetimeMs: options.wsApiConnectionLifetimeMs,
    upgradeWhenLimited: options.wsUpgradeWhenLimited ?? 'refuse',
  });
  const snapshot = (o: Order): FakeOrderSnapshot => ({
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
    selfTradePreventionMode: o.stpMode,
  });
  const listOf = (apiKey: string, symbol: string, listClientOrderId: string): OrderList => {
    const list = engine.findList(accounts.expect(apiKey), undefined, listClientOrderId);
    if (!list || list.symbol !== symbol)
      throw new Error(`fake-binance: ${apiKey} has no order list ${listClientOrderId} on ${symbol}`);
    return list;
  };
  const changeSymbol = (symbol: string, change: (info: RawSymbolInfo) => RawSymbolInfo): void => {
    const info = market.symbolInfo(symbol);
    if (!info) throw new Error(`fake-binance: ${symbol} is not listed`);
    market.replaceSymbolInfo(change(info));
    engine.symbolChanged(symbol);
  };

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
    sendServerShutdown: (closeAfterMs, { marketStreams = false } = {}) => {
      if (marketStreams) streams.sendServerShutdown(clock());
      wsApi.sendServerShutdown(closeAfterMs);
    },
    terminateUserStreams: (apiKey) => userStreams.terminate(apiKey),
    cancelOrderListAsOtherClient: (apiKey, symbol, listClientOrderId) =>
      engine.cancelList(listOf(apiKey, symbol, listClientOrderId), generatedId()),
    expireOrderList: (apiKey, symbol, listClientOrderId, reason, stp) =>
      engine.expireList(listOf(apiKey, symbol, listClientOrderId), reason, stp),
    placeOrderAsOtherClient: (apiKey, order) => {
      const amount = (v: string | undefined): Decimal | undefined => (v === undefined ? undefined : new Decimal(v));
      return snapshot(
        engine.placeOrder(accounts.expect(apiKey), {
          symbol: order.symbol,
          side: order.side,
          type: order.type,
          timeInForce: order.timeInForce,
          quantity: amount(order.quantity),
          quoteOrderQty: amount(order.quoteOrderQty),
          price: amount(order.price),
          stopPrice: amount(order.stopPrice),
          newClientOrderId: order.clientOrderId,
        }),
      );
    },
    setSymbolStatus: (symbol, status) => changeSymbol(symbol, (info) => withStatus(info, status)),
    setSymbolFlags: (symbol, flags) => changeSymbol(symbol, (info) => withFlags(info, flags)),
    setSymbolFilters: (symbol, filters) => changeSymbol(symbol, (info) => withFilters(info, filters)),
    setBnbBurn: (apiKey, on) => void (accounts.expect(apiKey).bnbBurn = on),
    usedWeight: (address = '127.0.0.1') => meter.used(address),
    unfilledOrderCount: (apiKey) => orderCounter.counts(apiKey),
    orders: (apiKey) =>
      engine
        .allOrders()
        .filter((o) => apiKey === undefined || o.apiKey === apiKey)
        .map(snapshot),
    orderRequests: () => requests.map((r) => ({ ...r, clientOrderIds: [...r.clientOrderIds] })),
    account: (apiKey) => {
      const a = accounts.expect(apiKey);
      return { apiKey, keyType: a.keyType, canTrade: a.canTrade, bnbBurn: a.bnbBurn, balances: a.snapshot() };
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
 * The prices a candle passed through, by the one intrabar rule of both simulators
 * (electron/adapters/paper/intrabar.ts: open -> low -> high -> close): the whole path for a new
 * candle, only the new extremes (low before high) and the close for an update of the forming one.
 */
function candlePath(c: Candle, before: Candle | undefined): number[] {
  if (before === undefined || before.openTime !== c.openTime) return intrabarPath(c);
  return [...(c.low < before.low ? [c.low] : []), ...(c.high > before.high ? [c.high] : []), c.close];
}

function symbolInfos(options: FakeBinanceOptions): RawSymbolInfo[] {
  if (options.symbolInfos) return [...options.symbolInfos];
  if (!options.symbols) return [...DEFAULT_SYMBOL_INFOS];
  const known = new Map(DEFAULT_SYMBOL_INFOS.map((s) => [s.symbol, s]));
  return options.symbols.map(
    (symbol) => known.get(symbol) ?? fallbackSymbolInfo(symbol, options.referencePrices?.[symbol] ?? 100),
  );
}
