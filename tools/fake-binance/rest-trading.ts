import type { Decimal } from '../../electron/core/money/decimal';
import { requirePermission, type Account, type AccountBook } from './accounts';
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
import { authErrors, checkTimestamp, restPayload, signatureMatches } from './signing';

/**
 * Binance's signed REST endpoints for spot trading (api/v3) and the key's API restrictions
 * (sapi/v1). Every request is authenticated as on Binance: X-MBX-APIKEY names the account, the
 * HMAC-SHA256 of query string + body must match `signature`, and `timestamp` must be within
 * `recvWindow` of the server's clock. Parameters may come in the query string (what the `binance`
 * package sends, even for POST and DELETE) or in a form body.
 */

/** One order-placing request as the fake received it (accepted or not): what tests assert duplicates on. */
export interface OrderRequestRecord {
  time: number;
  apiKey: string;
  method: HttpMethod;
  path: string;
  symbol: string | undefined;
  /** Every client id the request carried: newClientOrderId, or the list, above/below (limit/stop) ids. */
  clientOrderIds: string[];
  accepted: boolean;
  orderIds: number[];
  error?: { code: number; msg: string };
}

export interface TradingRouteOptions {
  accounts: AccountBook;
  engine: MatchingEngine;
  clock: () => number;
  requests: OrderRequestRecord[];
  /** POST /api/v3/order/oco (deprecated by Binance): served (default) or refused. */
  deprecatedOrderOco: 'serve' | 'reject';
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
  MY_TRADES: ['symbol', 'orderId', 'startTime', 'endTime', 'fromId', 'limit'],
} as const satisfies Record<string, readonly string[]>;

const CLIENT_ID_RANGE = '^[\\.A-Z\\:/a-z0-9_-]{1,36}$';
const CLIENT_ID_RE = /^[.A-Z:/a-z0-9_-]{1,36}$/;
const ORDER_TYPES: readonly OrderType[] = ['MARKET', 'LIMIT', 'LIMIT_MAKER', 'STOP_LOSS_LIMIT'];

export function addTradingRoutes(router: Router, o: TradingRouteOptions): void {
  const { accounts, engine, clock } = o;
  const orderCounts = new Map<string, number[]>();

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
    if (!signatureMatches([payload], signature, account.secret)) throw authErrors.badSignature();
    checkTimestamp(ctx.params.get('timestamp'), ctx.params.get('recvWindow'), clock());
    return account;
  };

  /** Runs an order-placing request, logging it whatever the outcome. */
  const logged = <T>(
    ctx: RouteContext,
    account: Account,
    ids: (string | undefined)[],
    place: () => { result: T; orderIds: number[] },
  ): T => {
    const rec: OrderRequestRecord = {
      time: clock(),
      apiKey: account.apiKey,
      method: ctx.method,
      path: ctx.url.pathname,
      symbol: optional(ctx.params, 'symbol'),
      clientOrderIds: ids.filter((id): id is string => id !== undefined),
      accepted: false,
      orderIds: [],
    };
    o.requests.push(rec);
    try {
      const { result, orderIds } = place();
      rec.accepted = true;
      rec.orderIds = orderIds;
      countOrders(ctx, account.apiKey, orderIds.length);
      return result;
    } catch (err) {
      if (err instanceof BinanceError) rec.error = { code: err.code, msg: err.message };
      throw err;
    }
  };

  /** X-MBX-ORDER-COUNT-10S / -1D on successful order responses. */
  const countOrders = (ctx: RouteContext, apiKey: string, n: number): void => {
    const now = Date.now();
    const times = (orderCounts.get(apiKey) ?? []).filter((t) => t > now - 86_400_000);
    for (let i = 0; i < n; i++) times.push(now);
    orderCounts.set(apiKey, times);
    ctx.responseHeaders['x-mbx-order-count-10s'] = String(times.filter((t) => t > now - 10_000).length);
    ctx.responseHeaders['x-mbx-order-count-1d'] = String(times.length);
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
        discount: { enabledForAccount: false, enabledForSymbol: false, discountAsset: 'BNB', discount: '0.00000000' },
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
      return logged(ctx, a, [req.newClientOrderId], () => {
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
      const p = ctx.params;
      const req = parseOco(p, {
        price: 'abovePrice',
        stopPrice: 'belowStopPrice',
        stopLimitPrice: 'belowPrice',
        timeInForce: 'belowTimeInForce',
        limitId: 'aboveClientOrderId',
        stopId: 'belowClientOrderId',
      });
      const aboveType = required(p, 'aboveType');
      const belowType = required(p, 'belowType');
      if (aboveType !== 'LIMIT_MAKER' || belowType !== 'STOP_LOSS_LIMIT')
        throw new BinanceError(
          400,
          -1158,
          'Order type not supported in OCO. (fake-binance: aboveType=LIMIT_MAKER with belowType=STOP_LOSS_LIMIT only)',
        );
      return placeOco(ctx, a, req);
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
      const req = parseOco(ctx.params, {
        price: 'price',
        stopPrice: 'stopPrice',
        stopLimitPrice: 'stopLimitPrice',
        timeInForce: 'stopLimitTimeInForce',
        limitId: 'limitClientOrderId',
        stopId: 'stopClientOrderId',
      });
      return placeOco(ctx, a, req);
    },
  });

  const placeOco = (ctx: RouteContext, a: Account, req: NewOco): unknown => {
    const respType = responseType(ctx.params, 'RESULT');
    return logged(ctx, a, [req.listClientOrderId, req.aboveClientOrderId, req.belowClientOrderId], () => {
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
  if (timeInForce !== undefined && !['GTC', 'IOC', 'FOK'].includes(timeInForce))
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
  };
}

interface OcoNames {
  price: string;
  stopPrice: string;
  stopLimitPrice: string;
  timeInForce: string;
  limitId: string;
  stopId: string;
}

function parseOco(p: URLSearchParams, n: OcoNames): NewOco {
  const req: NewOco = {
    symbol: required(p, 'symbol'),
    side: parseSide(required(p, 'side')),
    quantity: requiredDecimal(p, 'quantity'),
    abovePrice: requiredDecimal(p, n.price),
    belowStopPrice: requiredDecimal(p, n.stopPrice),
    belowPrice: requiredDecimal(p, n.stopLimitPrice),
    belowTimeInForce: required(p, n.timeInForce),
    listClientOrderId: clientId(p, 'listClientOrderId'),
    aboveClientOrderId: clientId(p, n.limitId),
    belowClientOrderId: clientId(p, n.stopId),
  };
  if (!['GTC', 'IOC', 'FOK'].includes(req.belowTimeInForce)) throw new BinanceError(400, -1115, 'Invalid timeInForce.');
  return req;
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
