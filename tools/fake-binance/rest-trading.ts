import type { Decimal } from '../../electron/core/money/decimal';
import { requirePermission, type Account, type AccountBook } from './accounts';
import { BNB_DISCOUNT } from './commission';
import { decimalParam, requiredDecimal } from './filters';
import { generatedId, type MatchingEngine, type NewOco, type NewOrder } from './matching';
import {
  cancelShape,
  myTradeShape,
  orderListShape,
  orderQueryShape,
  orderResponse,
  type OrderList,
  type OrderType,
  type ResponseType,
  type Side,
} from './orders';
import {
  BinanceError,
  errors,
  optional,
  optionalInt,
  required,
  type HttpMethod,
  type RouteContext,
  type Router,
} from './router';
import type { OrderCounter } from './rate-limits';
import { authErrors, checkTimestamp, restPayload, signatureMatches } from './signing';

/**
 * Binance's signed REST endpoints for spot trading (api/v3) and the key's API restrictions
 * (sapi/v1). Every request is authenticated as on Binance: X-MBX-APIKEY names the account, the
 * signature of query string + body by the account's key (HMAC, RSA or Ed25519) must match
 * `signature`, and `timestamp` must be within `recvWindow` of the server's clock when the request
 * arrived. Parameters may come in the query string (what the `binance` package sends, even for POST
 * and DELETE) or in a form body. Order placement counts against the account's unfilled order count
 * (-1015 with HTTP 429 over the limit; X-MBX-ORDER-COUNT-10S / -1D on success).
 */

/** One order-placing request as the fake received it (accepted or not): what tests assert duplicates on. */
export interface OrderRequestRecord {
  time: number;
  apiKey: string;
  method: HttpMethod;
  path: string;
  symbol: string | undefined;
  /** BUY or SELL as sent (an OCO is a SELL or BUY list); undefined for cancels. */
  side: string | undefined;
  /** Every client id the request carried: newClientOrderId, or the list, above/below (limit/stop) ids. */
  clientOrderIds: string[];
  accepted: boolean;
  orderIds: number[];
  error?: { code: number; msg: string };
  /** Run late by a fault (after arriving; its answer an error, or held): its outcome was never answered. */
  executedLate: boolean;
  /** performance.now() when it arrived and when it ran (monotonic; `time` is the skewable server clock). */
  arrivedMono: number;
  ranMono: number;
  /** A late run's: when its answer went out or the client gave up (undefined while held). Live. */
  lateRun?: { answeredMono?: number };
}

export interface TradingRouteOptions {
  accounts: AccountBook;
  engine: MatchingEngine;
  clock: () => number;
  requests: OrderRequestRecord[];
  /** POST /api/v3/order/oco (deprecated by Binance): served (default) or refused. */
  deprecatedOrderOco: 'serve' | 'reject';
  /** The unfilled order count per account. */
  orderCounter: OrderCounter;
}

/** Parameters every SIGNED endpoint reads. */
const SIGNED_PARAMS = ['timestamp', 'recvWindow', 'signature'];
const LEG = (side: 'above' | 'below'): string[] =>
  [
    'Type',
    'ClientOrderId',
    'IcebergQty',
    'Price',
    'StopPrice',
    'TrailingDelta',
    'TimeInForce',
    'StrategyId',
    'StrategyType',
    'PegPriceType',
    'PegOffsetType',
    'PegOffsetValue',
  ].map((f) => side + f);

/**
 * The parameters each endpoint reads, from Binance's documentation: anything else is refused with
 * -1104 "Not all sent parameters were read", as Binance does (it catches misspelt parameter names).
 */
const PARAMS = {
  NONE: [],
  ACCOUNT: ['omitZeroBalances'],
  COMMISSION: ['symbol'],
  NEW_ORDER: [
    'symbol',
    'side',
    'type',
    'timeInForce',
    'quantity',
    'quoteOrderQty',
    'price',
    'newClientOrderId',
    'strategyId',
    'strategyType',
    'stopPrice',
    'trailingDelta',
    'icebergQty',
    'newOrderRespType',
    'selfTradePreventionMode',
    'pegPriceType',
    'pegOffsetValue',
    'pegOffsetType',
  ],
  NEW_ORDER_LIST_OCO: [
    'symbol',
    'listClientOrderId',
    'side',
    'quantity',
    ...LEG('above'),
    ...LEG('below'),
    'newOrderRespType',
    'selfTradePreventionMode',
  ],
  NEW_OCO_DEPRECATED: [
    'symbol',
    'listClientOrderId',
    'side',
    'quantity',
    'limitClientOrderId',
    'price',
    'limitStrategyId',
    'limitStrategyType',
    'limitIcebergQty',
    'trailingDelta',
    'stopClientOrderId',
    'stopPrice',
    'stopStrategyId',
    'stopStrategyType',
    'stopLimitPrice',
    'stopIcebergQty',
    'stopLimitTimeInForce',
    'newOrderRespType',
    'selfTradePreventionMode',
  ],
  CANCEL_ORDER: ['symbol', 'orderId', 'origClientOrderId', 'newClientOrderId', 'cancelRestrictions'],
  CANCEL_ORDER_LIST: ['symbol', 'orderListId', 'listClientOrderId', 'newClientOrderId'],
  QUERY_ORDER: ['symbol', 'orderId', 'origClientOrderId'],
  OPEN_ORDERS: ['symbol'],
  QUERY_ORDER_LIST: ['orderListId', 'origClientOrderId'],
  RATE_LIMIT_ORDER: [],
  MY_TRADES: ['symbol', 'orderId', 'startTime', 'endTime', 'fromId', 'limit'],
} as const satisfies Record<string, readonly string[]>;

const CLIENT_ID_RANGE = '^[\\.A-Z\\:/a-z0-9_-]{1,36}$';
const CLIENT_ID_RE = /^[.A-Z:/a-z0-9_-]{1,36}$/;
const ORDER_TYPES: readonly OrderType[] = ['MARKET', 'LIMIT', 'LIMIT_MAKER', 'STOP_LOSS_LIMIT'];
const STP_MODES = ['NONE', 'EXPIRE_MAKER', 'EXPIRE_TAKER', 'EXPIRE_BOTH', 'DECREMENT', 'TRANSFER'];
const TIMES_IN_FORCE = ['GTC', 'IOC', 'FOK'];

export function addTradingRoutes(router: Router, o: TradingRouteOptions): void {
  const { accounts, engine, clock, orderCounter } = o;

  /** Authenticates a SIGNED request reading only the given parameters; returns the account. */
  const signed = (ctx: RouteContext, need: 'read' | 'trade', read: readonly string[]): Account => {
    const header = ctx.req.headers['x-mbx-apikey'];
    const account = accounts.require(Array.isArray(header) ? header[0] : header);
    requirePermission(account, need);
    const sent = new Set(ctx.params.keys());
    const unread = [...sent].filter((k) => !read.includes(k) && !SIGNED_PARAMS.includes(k));
    if (unread.length > 0)
      throw new BinanceError(
        400,
        -1104,
        `Not all sent parameters were read; read '${sent.size - unread.length}' parameter(s) but was sent '${sent.size}'.`,
      );
    const { payload, signature } = restPayload(ctx.rawQuery, ctx.rawBody);
    if (!ctx.params.get('timestamp')) throw errors.mandatory('timestamp');
    if (!signature) throw errors.mandatory('signature');
    if (!signatureMatches([payload], signature, account)) throw authErrors.badSignature();
    checkTimestamp(ctx.params.get('timestamp'), ctx.params.get('recvWindow'), ctx.receivedAt);
    return account;
  };

  /**
   * Runs an order-placing request of `count` orders (an OCO counts 2), logging it whatever the
   * outcome, within the unfilled order count: refused with -1015 over the limit; counted before it
   * is placed (so that its own first fill is taken off), taken back when it is rejected.
   */
  const logged = <T>(
    ctx: RouteContext,
    account: Account,
    ids: (string | undefined)[],
    count: number,
    place: () => { result: T; orderIds: number[] },
  ): T => {
    const rec: OrderRequestRecord = {
      time: clock(),
      apiKey: account.apiKey,
      method: ctx.method,
      path: ctx.url.pathname,
      symbol: optional(ctx.params, 'symbol'),
      side: optional(ctx.params, 'side'),
      clientOrderIds: ids.filter((id): id is string => id !== undefined),
      accepted: false,
      orderIds: [],
      executedLate: ctx.lateRun !== undefined,
      arrivedMono: ctx.arrivedMono,
      ranMono: performance.now(),
      ...(ctx.lateRun ? { lateRun: ctx.lateRun } : {}),
    };
    o.requests.push(rec);
    let counted = false;
    try {
      orderCounter.check(account.apiKey, count);
      orderCounter.add(account.apiKey, count);
      counted = true;
      const { result, orderIds } = place();
      rec.accepted = true;
      rec.orderIds = orderIds;
      const c = orderCounter.counts(account.apiKey);
      ctx.responseHeaders['x-mbx-order-count-10s'] = String(c.tenSeconds);
      ctx.responseHeaders['x-mbx-order-count-1d'] = String(c.day);
      return result;
    } catch (err) {
      if (counted) orderCounter.remove(account.apiKey, count);
      if (err instanceof BinanceError) rec.error = { code: err.code, msg: err.message };
      throw err;
    }
  };

  router.add({
    method: 'GET',
    path: '/api/v3/account',
    weight: 20,
    handle: (ctx) => {
      const a = signed(ctx, 'read', PARAMS.ACCOUNT);
      const omitZero = ctx.params.get('omitZeroBalances') === 'true';
      const balances = Object.entries(a.snapshot())
        .filter(([, b]) => !omitZero || Number(b.free) !== 0 || Number(b.locked) !== 0)
        .map(([asset, b]) => ({ asset, free: b.free, locked: b.locked }));
      const bps = (d: Decimal): number => d.mul(10_000).toNumber();
      return {
        makerCommission: bps(a.commission.maker),
        takerCommission: bps(a.commission.taker),
        buyerCommission: 0,
        sellerCommission: 0,
        commissionRates: {
          maker: a.commission.maker.toFixed(8),
          taker: a.commission.taker.toFixed(8),
          buyer: '0.00000000',
          seller: '0.00000000',
        },
        canTrade: a.canTrade,
        canWithdraw: a.restrictions.enableWithdrawals,
        canDeposit: true,
        brokered: false,
        requireSelfTradePrevention: false,
        preventSor: false,
        updateTime: a.updateTime,
        accountType: 'SPOT',
        balances,
        permissions: ['SPOT'],
        uid: a.uid,
      };
    },
  });

  router.add({
    method: 'GET',
    path: '/api/v3/account/commission',
    weight: 20,
    handle: (ctx) => {
      const a = signed(ctx, 'read', PARAMS.COMMISSION);
      const symbol = required(ctx.params, 'symbol');
      engine.spec(symbol);
      const zero = { maker: '0.00000000', taker: '0.00000000', buyer: '0.00000000', seller: '0.00000000' };
      return {
        symbol,
        standardCommission: {
          ...zero,
          maker: a.commission.maker.toFixed(8),
          taker: a.commission.taker.toFixed(8),
        },
        specialCommission: zero,
        taxCommission: zero,
        // Paying in BNB (faqs/commission_faq.md): enabled per account (FakeAccountOptions.bnbBurn, setBnbBurn).
        discount: {
          enabledForAccount: a.bnbBurn,
          enabledForSymbol: true,
          discountAsset: 'BNB',
          discount: BNB_DISCOUNT.toFixed(8),
        },
      };
    },
  });

  router.add({
    method: 'GET',
    path: '/sapi/v1/account/apiRestrictions',
    weight: 1,
    handle: (ctx) => {
      const a = signed(ctx, 'read', PARAMS.NONE);
      ctx.responseHeaders['x-sapi-used-ip-weight-1m'] = '1';
      return { ...a.restrictions, tradingAuthorityExpirationTime: a.restrictions.createTime + 90 * 86_400_000 };
    },
  });

  router.add({
    method: 'POST',
    path: '/api/v3/order',
    weight: 1,
    handle: (ctx) => {
      const a = signed(ctx, 'trade', PARAMS.NEW_ORDER);
      const req = parseNewOrder(ctx.params);
      const respType = responseType(ctx.params, req.type === 'MARKET' || req.type === 'LIMIT' ? 'FULL' : 'ACK');
      return logged(ctx, a, [req.newClientOrderId], 1, () => {
        const order = engine.placeOrder(a, req);
        return { result: orderResponse(order, respType, order.time), orderIds: [order.orderId] };
      });
    },
  });

  router.add({
    method: 'POST',
    path: '/api/v3/orderList/oco',
    weight: 1,
    handle: (ctx) => {
      const a = signed(ctx, 'trade', PARAMS.NEW_ORDER_LIST_OCO);
      return placeOco(ctx, a, parseOrderListOco(ctx.params));
    },
  });

  router.add({
    method: 'POST',
    path: '/api/v3/order/oco',
    weight: 1,
    handle: (ctx) => {
      const a = signed(ctx, 'trade', PARAMS.NEW_OCO_DEPRECATED);
      if (o.deprecatedOrderOco === 'reject')
        throw new BinanceError(400, -1000, 'POST /api/v3/order/oco is deprecated: use POST /api/v3/orderList/oco.');
      return placeOco(ctx, a, parseDeprecatedOco(ctx.params));
    },
  });

  const placeOco = (ctx: RouteContext, a: Account, req: NewOco): unknown => {
    const respType = responseType(ctx.params, 'RESULT');
    return logged(ctx, a, [req.listClientOrderId, req.aboveClientOrderId, req.belowClientOrderId], 2, () => {
      const list = engine.placeOco(a, req);
      return {
        result: {
          ...orderListShape(list),
          orderReports: list.orders.map((leg) => orderResponse(leg, respType, list.transactionTime)),
        },
        orderIds: list.orders.map((leg) => leg.orderId),
      };
    });
  };

  router.add({
    method: 'DELETE',
    path: '/api/v3/order',
    weight: 1,
    handle: (ctx) => {
      const a = signed(ctx, 'trade', PARAMS.CANCEL_ORDER);
      const symbol = required(ctx.params, 'symbol');
      const cancelId = clientId(ctx.params, 'newClientOrderId') ?? generatedId();
      const order = engine.findOrder(
        a,
        symbol,
        optionalInt(ctx.params, 'orderId'),
        optional(ctx.params, 'origClientOrderId'),
      );
      if (!order) throw new BinanceError(400, -2011, 'Unknown order sent.');
      engine.cancelOrder(order, cancelId);
      return cancelShape(order, cancelId, clock());
    },
  });

  router.add({
    method: 'DELETE',
    path: '/api/v3/orderList',
    weight: 1,
    handle: (ctx) => {
      const a = signed(ctx, 'trade', PARAMS.CANCEL_ORDER_LIST);
      const symbol = required(ctx.params, 'symbol');
      engine.spec(symbol);
      const listId = optionalInt(ctx.params, 'orderListId');
      const listClientId = optional(ctx.params, 'listClientOrderId');
      if (listId === undefined && listClientId === undefined)
        throw errors.eitherParam('orderListId', 'listClientOrderId');
      const cancelId = clientId(ctx.params, 'newClientOrderId') ?? generatedId();
      const list = engine.findList(a, listId, listClientId);
      if (!list || list.symbol !== symbol) throw new BinanceError(400, -2011, 'Unknown order list sent.');
      engine.cancelList(list, cancelId);
      return {
        ...orderListShape(list),
        orderReports: list.orders.map((leg) => cancelShape(leg, cancelId, list.transactionTime)),
      };
    },
  });

  router.add({
    method: 'GET',
    path: '/api/v3/order',
    weight: 4,
    handle: (ctx) => {
      const a = signed(ctx, 'read', PARAMS.QUERY_ORDER);
      const symbol = required(ctx.params, 'symbol');
      const order = engine.findOrder(
        a,
        symbol,
        optionalInt(ctx.params, 'orderId'),
        optional(ctx.params, 'origClientOrderId'),
      );
      if (!order) throw new BinanceError(400, -2013, 'Order does not exist.');
      return orderQueryShape(order);
    },
  });

  router.add({
    method: 'GET',
    path: '/api/v3/openOrders',
    weight: (ctx) => (ctx.params.get('symbol') ? 6 : 80),
    handle: (ctx) => {
      const a = signed(ctx, 'read', PARAMS.OPEN_ORDERS);
      const symbol = optional(ctx.params, 'symbol');
      if (symbol) engine.spec(symbol);
      return engine.openOrders(a, symbol).map(orderQueryShape);
    },
  });

  router.add({
    method: 'GET',
    path: '/api/v3/orderList',
    weight: 4,
    handle: (ctx) => {
      const a = signed(ctx, 'read', PARAMS.QUERY_ORDER_LIST);
      const listId = optionalInt(ctx.params, 'orderListId');
      const listClientId = optional(ctx.params, 'origClientOrderId');
      if (listId === undefined && listClientId === undefined)
        throw errors.eitherParam('orderListId', 'origClientOrderId');
      const list = engine.findList(a, listId, listClientId);
      if (!list) throw new BinanceError(400, -2013, 'Order list does not exist.');
      return orderListShape(list);
    },
  });

  router.add({
    method: 'GET',
    path: '/api/v3/openOrderList',
    weight: 6,
    handle: (ctx) => engine.openLists(signed(ctx, 'read', PARAMS.NONE)).map((l: OrderList) => orderListShape(l)),
  });

  router.add({
    method: 'GET',
    path: '/api/v3/rateLimit/order',
    weight: 40,
    handle: (ctx) => orderCounter.rateLimits(signed(ctx, 'read', PARAMS.RATE_LIMIT_ORDER).apiKey),
  });

  router.add({
    method: 'GET',
    path: '/api/v3/myTrades',
    weight: (ctx) => (ctx.params.get('orderId') ? 5 : 20),
    handle: (ctx) => {
      const a = signed(ctx, 'read', PARAMS.MY_TRADES);
      const symbol = required(ctx.params, 'symbol');
      engine.spec(symbol);
      const orderId = optionalInt(ctx.params, 'orderId');
      const fromId = optionalInt(ctx.params, 'fromId');
      const startTime = optionalInt(ctx.params, 'startTime');
      const endTime = optionalInt(ctx.params, 'endTime');
      const limit = optionalInt(ctx.params, 'limit') ?? 500;
      if (limit < 1 || limit > 1000) throw errors.invalidParam('limit');
      let trades = engine
        .trades(a, symbol)
        .filter(
          (f) =>
            (orderId === undefined || f.orderId === orderId) &&
            (fromId === undefined || f.tradeId >= fromId) &&
            (startTime === undefined || f.time >= startTime) &&
            (endTime === undefined || f.time <= endTime),
        );
      trades = fromId !== undefined || startTime !== undefined ? trades.slice(0, limit) : trades.slice(-limit);
      return trades.map(myTradeShape);
    },
  });

  // The listenKey REST stream was switched off by Binance on 2026-02-20.
  for (const method of ['POST', 'PUT', 'DELETE'] as const) {
    router.add({
      method,
      path: '/api/v3/userDataStream',
      weight: 2,
      handle: () => {
        throw new BinanceError(
          410,
          -1000,
          'The listenKey user data stream is retired: use userDataStream.subscribe.signature on the WebSocket API.',
        );
      },
    });
  }
}

function parseNewOrder(p: URLSearchParams): NewOrder {
  const symbol = required(p, 'symbol');
  const side = parseSide(required(p, 'side'));
  const type = required(p, 'type') as OrderType;
  if (!ORDER_TYPES.includes(type)) throw new BinanceError(400, -1116, 'Invalid orderType.');
  const timeInForce = optional(p, 'timeInForce');
  if (timeInForce !== undefined && !TIMES_IN_FORCE.includes(timeInForce))
    throw new BinanceError(400, -1115, 'Invalid timeInForce.');
  return {
    symbol,
    side,
    type,
    timeInForce,
    quantity: decimalParam(p, 'quantity'),
    quoteOrderQty: decimalParam(p, 'quoteOrderQty'),
    price: decimalParam(p, 'price'),
    stopPrice: decimalParam(p, 'stopPrice'),
    newClientOrderId: clientId(p, 'newClientOrderId'),
    selfTradePreventionMode: stpMode(p),
  };
}

/** aboveType / belowType values the docs list for POST /api/v3/orderList/oco (belowPrice also names LIMIT_MAKER). */
const ABOVE_TYPES = ['STOP_LOSS_LIMIT', 'STOP_LOSS', 'LIMIT_MAKER', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT'];
const BELOW_TYPES = ['STOP_LOSS', 'STOP_LOSS_LIMIT', 'LIMIT_MAKER', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT'];
const isStop = (t: string): boolean => t === 'STOP_LOSS' || t === 'STOP_LOSS_LIMIT';
const isTakeProfit = (t: string): boolean => t === 'TAKE_PROFIT' || t === 'TAKE_PROFIT_LIMIT';

/**
 * POST /api/v3/orderList/oco, its leg types checked as Binance documents them: an unsupported value
 * is -1158 "Order type not supported in OCO."; on a SELL OCO the stop leg must be below (-1197), a
 * limit leg above (-1166), a take-profit leg above (-1199); on a BUY OCO the other way round
 * (-1196, -1165, -1198). A STOP_LOSS below leg takes belowStopPrice only: belowPrice or
 * belowTimeInForce with it is -1106 "Parameter '%s' sent when not required." The fake itself
 * supports SELL OCOs of a LIMIT_MAKER above and a STOP_LOSS_LIMIT or STOP_LOSS below.
 */
function parseOrderListOco(p: URLSearchParams): NewOco {
  const side = parseSide(required(p, 'side'));
  const aboveType = required(p, 'aboveType');
  const belowType = required(p, 'belowType');
  if (!ABOVE_TYPES.includes(aboveType) || !BELOW_TYPES.includes(belowType))
    throw new BinanceError(400, -1158, 'Order type not supported in OCO.');
  if (side === 'SELL') {
    if (isStop(aboveType)) throw new BinanceError(400, -1197, 'A stop loss order in a sell OCO must be below.');
    if (belowType === 'LIMIT_MAKER') throw new BinanceError(400, -1166, 'A limit order in a sell OCO must be above.');
    if (isTakeProfit(belowType)) throw new BinanceError(400, -1199, 'A take profit order in a sell OCO must be above.');
  } else {
    if (isStop(belowType)) throw new BinanceError(400, -1196, 'A stop loss order in a buy OCO must be above.');
    if (aboveType === 'LIMIT_MAKER') throw new BinanceError(400, -1165, 'A limit order in a buy OCO must be below.');
    if (isTakeProfit(aboveType)) throw new BinanceError(400, -1198, 'A take profit order in a buy OCO must be below.');
  }
  if (aboveType !== 'LIMIT_MAKER' || !isStop(belowType))
    throw new BinanceError(
      400,
      -1158,
      'Order type not supported in OCO. (fake-binance: aboveType=LIMIT_MAKER with belowType=STOP_LOSS_LIMIT or STOP_LOSS only)',
    );
  const stopLimit = belowType === 'STOP_LOSS_LIMIT';
  if (!stopLimit) for (const name of ['belowPrice', 'belowTimeInForce']) notRequired(p, name);
  return {
    symbol: required(p, 'symbol'),
    side,
    quantity: requiredDecimal(p, 'quantity'),
    abovePrice: requiredDecimal(p, 'abovePrice'),
    belowType: stopLimit ? 'STOP_LOSS_LIMIT' : 'STOP_LOSS',
    belowStopPrice: requiredDecimal(p, 'belowStopPrice'),
    belowPrice: stopLimit ? requiredDecimal(p, 'belowPrice') : undefined,
    belowTimeInForce: stopLimit ? timeInForceParam(p, 'belowTimeInForce') : undefined,
    listClientOrderId: clientId(p, 'listClientOrderId'),
    aboveClientOrderId: clientId(p, 'aboveClientOrderId'),
    belowClientOrderId: clientId(p, 'belowClientOrderId'),
    selfTradePreventionMode: stpMode(p),
  };
}

/**
 * The deprecated POST /api/v3/order/oco: `price` is the LIMIT_MAKER leg, `stopPrice` the stop; with
 * `stopLimitPrice` (then `stopLimitTimeInForce` is required) the stop leg is a STOP_LOSS_LIMIT,
 * without it a STOP_LOSS.
 */
function parseDeprecatedOco(p: URLSearchParams): NewOco {
  const stopLimitPrice = decimalParam(p, 'stopLimitPrice');
  if (!stopLimitPrice) notRequired(p, 'stopLimitTimeInForce');
  return {
    symbol: required(p, 'symbol'),
    side: parseSide(required(p, 'side')),
    quantity: requiredDecimal(p, 'quantity'),
    abovePrice: requiredDecimal(p, 'price'),
    belowType: stopLimitPrice ? 'STOP_LOSS_LIMIT' : 'STOP_LOSS',
    belowStopPrice: requiredDecimal(p, 'stopPrice'),
    belowPrice: stopLimitPrice,
    belowTimeInForce: stopLimitPrice ? timeInForceParam(p, 'stopLimitTimeInForce') : undefined,
    listClientOrderId: clientId(p, 'listClientOrderId'),
    aboveClientOrderId: clientId(p, 'limitClientOrderId'),
    belowClientOrderId: clientId(p, 'stopClientOrderId'),
    selfTradePreventionMode: stpMode(p),
  };
}

function timeInForceParam(p: URLSearchParams, name: string): string {
  const v = required(p, name);
  if (!TIMES_IN_FORCE.includes(v)) throw new BinanceError(400, -1115, 'Invalid timeInForce.');
  return v;
}

/** -1106 when a parameter that this order type does not take was sent. */
function notRequired(p: URLSearchParams, name: string): void {
  if (optional(p, name) !== undefined)
    throw new BinanceError(400, -1106, `Parameter '${name}' sent when not required.`);
}

/** selfTradePreventionMode: one of Binance's STP modes (enums.md); whether the symbol allows it is the engine's check. */
function stpMode(p: URLSearchParams): string | undefined {
  const v = optional(p, 'selfTradePreventionMode');
  if (v !== undefined && !STP_MODES.includes(v)) throw errors.invalidParam('selfTradePreventionMode');
  return v;
}

function parseSide(v: string): Side {
  if (v !== 'BUY' && v !== 'SELL') throw new BinanceError(400, -1117, 'Invalid side.');
  return v;
}

function clientId(p: URLSearchParams, name: string): string | undefined {
  const v = optional(p, name);
  if (v !== undefined && !CLIENT_ID_RE.test(v)) throw errors.illegalChars(name, CLIENT_ID_RANGE);
  return v;
}

function responseType(p: URLSearchParams, fallback: ResponseType): ResponseType {
  const v = optional(p, 'newOrderRespType');
  if (v === undefined) return fallback;
  if (v !== 'ACK' && v !== 'RESULT' && v !== 'FULL') throw errors.invalidParam('newOrderRespType');
  return v;
}
