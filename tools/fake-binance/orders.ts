import { Decimal, ZERO } from '../../electron/core/money/decimal';

/**
 * Orders, order lists and trades as the fake exchange keeps them, and their Binance wire shapes:
 * REST responses (ACK / RESULT / FULL, query, cancel) and user data stream events
 * (executionReport, listStatus). Amounts travel as decimal strings with 8 decimals.
 */

export type Side = 'BUY' | 'SELL';
/** STOP_LOSS (a market order once triggered) only as the below leg of an OCO. */
export type OrderType = 'MARKET' | 'LIMIT' | 'LIMIT_MAKER' | 'STOP_LOSS' | 'STOP_LOSS_LIMIT';
type OrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED' | 'EXPIRED_IN_MATCH' | 'REJECTED';
export type ExecutionType = 'NEW' | 'TRADE' | 'CANCELED' | 'EXPIRED' | 'REJECTED' | 'TRADE_PREVENTION';

/**
 * A match prevented by self-trade prevention (faqs/stp_faq.md): what the executionReport of
 * execution type TRADE_PREVENTION carries (v, A, B, u, U, Cs, pl, pL, pY) and order responses
 * show as preventedMatchId and preventedQuantity.
 */
interface Prevention {
  matchId: number;
  /** Cumulative quantity expired by STP (A, preventedQuantity). */
  quantity: Decimal;
  /** Quantity expired by this STP event (B). */
  lastQuantity: Decimal;
  /** The price the prevented match would have traded at (pL). */
  price: Decimal;
  /** The account's trade group (-1: none set, as Binance reports it). */
  tradeGroupId: number;
  counterOrderId: number;
  counterSymbol: string;
}
export type ResponseType = 'ACK' | 'RESULT' | 'FULL';

export interface Fill {
  tradeId: number;
  orderId: number;
  orderListId: number;
  symbol: string;
  price: Decimal;
  qty: Decimal;
  quoteQty: Decimal;
  commission: Decimal;
  commissionAsset: string;
  time: number;
  isBuyer: boolean;
  isMaker: boolean;
}

export interface Order {
  apiKey: string;
  symbol: string;
  orderId: number;
  orderListId: number;
  clientOrderId: string;
  side: Side;
  type: OrderType;
  timeInForce: string;
  /** Limit price (zero for MARKET). */
  price: Decimal;
  origQty: Decimal;
  origQuoteOrderQty: Decimal;
  stopPrice: Decimal | undefined;
  executedQty: Decimal;
  cummulativeQuoteQty: Decimal;
  status: OrderStatus;
  time: number;
  updateTime: number;
  /** When the order started working on the book (-1 for a stop order not yet triggered). */
  workingTime: number;
  /** A stop order's trigger was hit (it now works as a limit order). */
  triggered: boolean;
  expiryReason: string | undefined;
  /** Self-trade prevention mode: the one requested, else the symbol's default (echoed everywhere as Binance does). */
  stpMode: string;
  /** Set when the order expired because of self-trade prevention (status EXPIRED_IN_MATCH). */
  prevented: Prevention | undefined;
  fills: Fill[];
  /**
   * What this order holds locked until it ends. OCO legs start without: the list holds it, and
   * hands it to the leg that starts working (the first fill, or the trigger of the stop leg).
   */
  lock: { asset: string; amount: Decimal } | undefined;
}

export interface OrderList {
  apiKey: string;
  symbol: string;
  orderListId: number;
  listClientOrderId: string;
  contingencyType: 'OCO';
  listStatusType: 'EXEC_STARTED' | 'ALL_DONE';
  listOrderStatus: 'EXECUTING' | 'ALL_DONE';
  transactionTime: number;
  /** [below (stop) leg, above (limit maker) leg], in orderId order as Binance lists them. */
  orders: [Order, Order];
  /** What the list holds locked until a leg starts working (then that leg holds it) or the list ends. */
  lock: { asset: string; amount: Decimal } | undefined;
}

export const isOpen = (o: Order): boolean => o.status === 'NEW' || o.status === 'PARTIALLY_FILLED';

export const w = (d: Decimal | undefined): string => (d ?? ZERO).toFixed(8);

/** ACK / RESULT / FULL response of POST /api/v3/order (and each orderReports entry of an order list). */
export function orderResponse(o: Order, type: ResponseType, transactTime: number): Record<string, unknown> {
  const ack = {
    symbol: o.symbol,
    orderId: o.orderId,
    orderListId: o.orderListId,
    clientOrderId: o.clientOrderId,
    transactTime,
  };
  if (type === 'ACK') return ack;
  const result: Record<string, unknown> = {
    ...ack,
    price: w(o.price),
    origQty: w(o.origQty),
    executedQty: w(o.executedQty),
    origQuoteOrderQty: w(o.origQuoteOrderQty),
    cummulativeQuoteQty: w(o.cummulativeQuoteQty),
    status: o.status,
    timeInForce: o.timeInForce,
    type: o.type,
    side: o.side,
    ...(o.stopPrice ? { stopPrice: w(o.stopPrice) } : {}),
    workingTime: o.workingTime,
    selfTradePreventionMode: o.stpMode,
    ...preventedFields(o),
    ...(o.expiryReason ? { expiryReason: o.expiryReason } : {}),
  };
  if (type === 'RESULT') return result;
  return {
    ...result,
    fills: o.fills.map((f) => ({
      price: w(f.price),
      qty: w(f.qty),
      commission: w(f.commission),
      commissionAsset: f.commissionAsset,
      tradeId: f.tradeId,
    })),
  };
}

/** GET /api/v3/order, openOrders, allOrders. */
export function orderQueryShape(o: Order): Record<string, unknown> {
  return {
    symbol: o.symbol,
    orderId: o.orderId,
    orderListId: o.orderListId,
    clientOrderId: o.clientOrderId,
    price: w(o.price),
    origQty: w(o.origQty),
    executedQty: w(o.executedQty),
    cummulativeQuoteQty: w(o.cummulativeQuoteQty),
    status: o.status,
    timeInForce: o.timeInForce,
    type: o.type,
    side: o.side,
    stopPrice: w(o.stopPrice),
    icebergQty: w(undefined),
    time: o.time,
    updateTime: o.updateTime,
    isWorking: o.workingTime !== -1 && isOpen(o),
    workingTime: o.workingTime,
    origQuoteOrderQty: w(o.origQuoteOrderQty),
    selfTradePreventionMode: o.stpMode,
    ...preventedFields(o),
    ...(o.expiryReason ? { expiryReason: o.expiryReason } : {}),
  };
}

/** preventedMatchId and preventedQuantity, present only for an order expired by STP (rest-api.md "Conditional fields in Order Responses"). */
function preventedFields(o: Order): Record<string, unknown> {
  return o.prevented ? { preventedMatchId: o.prevented.matchId, preventedQuantity: w(o.prevented.quantity) } : {};
}

/** DELETE /api/v3/order (and orderReports of DELETE /api/v3/orderList). */
export function cancelShape(o: Order, cancelClientOrderId: string, transactTime: number): Record<string, unknown> {
  return {
    symbol: o.symbol,
    origClientOrderId: o.clientOrderId,
    orderId: o.orderId,
    orderListId: o.orderListId,
    clientOrderId: cancelClientOrderId,
    transactTime,
    price: w(o.price),
    origQty: w(o.origQty),
    executedQty: w(o.executedQty),
    origQuoteOrderQty: w(o.origQuoteOrderQty),
    cummulativeQuoteQty: w(o.cummulativeQuoteQty),
    status: o.status,
    timeInForce: o.timeInForce,
    type: o.type,
    side: o.side,
    ...(o.stopPrice ? { stopPrice: w(o.stopPrice) } : {}),
    selfTradePreventionMode: o.stpMode,
  };
}

/** GET /api/v3/orderList, openOrderList (without orderReports). */
export function orderListShape(l: OrderList): Record<string, unknown> {
  return {
    orderListId: l.orderListId,
    contingencyType: l.contingencyType,
    listStatusType: l.listStatusType,
    listOrderStatus: l.listOrderStatus,
    listClientOrderId: l.listClientOrderId,
    transactionTime: l.transactionTime,
    symbol: l.symbol,
    orders: l.orders.map((o) => ({ symbol: o.symbol, orderId: o.orderId, clientOrderId: o.clientOrderId })),
  };
}

export function myTradeShape(f: Fill): Record<string, unknown> {
  return {
    symbol: f.symbol,
    id: f.tradeId,
    orderId: f.orderId,
    orderListId: f.orderListId,
    price: w(f.price),
    qty: w(f.qty),
    quoteQty: w(f.quoteQty),
    commission: w(f.commission),
    commissionAsset: f.commissionAsset,
    time: f.time,
    isBuyer: f.isBuyer,
    isMaker: f.isMaker,
    isBestMatch: true,
  };
}

export interface ExecutionDetails {
  x: ExecutionType;
  eventTime: number;
  fill?: Fill;
  /** For CANCELED: the cancel request's client id (then `c`), the order's own id goes to `C`. */
  cancelClientOrderId?: string;
  executionId: number;
}

/**
 * The executionReport user data event. For execution type TRADE_PREVENTION, `l`, `L` and `Y` are
 * zero and the prevented execution goes to `pl`, `pL` and `pY`, with the other STP fields
 * (user-data-stream.md "Conditional Fields in Execution Report"; CHANGELOG 2023-12-04).
 */
export function executionReport(o: Order, d: ExecutionDetails): Record<string, unknown> {
  const f = d.fill;
  const p = d.x === 'TRADE_PREVENTION' ? o.prevented : undefined;
  const canceled = d.x === 'CANCELED' && d.cancelClientOrderId !== undefined;
  const onBook = isOpen(o) && o.workingTime !== -1 && o.type !== 'MARKET';
  return {
    e: 'executionReport',
    E: d.eventTime,
    s: o.symbol,
    c: canceled ? d.cancelClientOrderId : o.clientOrderId,
    S: o.side,
    o: o.type,
    f: o.timeInForce,
    q: w(o.origQty),
    p: w(o.price),
    P: w(o.stopPrice),
    F: w(undefined),
    g: o.orderListId,
    C: canceled ? o.clientOrderId : '',
    x: d.x,
    X: o.status,
    r: 'NONE',
    i: o.orderId,
    l: w(f?.qty),
    z: w(o.executedQty),
    L: w(f?.price),
    n: f ? w(f.commission) : '0',
    N: f ? f.commissionAsset : null,
    T: f ? f.time : o.updateTime,
    t: f ? f.tradeId : -1,
    I: d.executionId,
    w: onBook,
    m: f ? f.isMaker : false,
    M: false,
    O: o.time,
    Z: w(o.cummulativeQuoteQty),
    Y: w(f?.quoteQty),
    Q: w(o.origQuoteOrderQty),
    ...(o.workingTime !== -1 && o.type !== 'MARKET' ? { W: o.workingTime } : {}),
    V: o.stpMode,
    ...(p
      ? {
          v: p.matchId,
          A: w(p.quantity),
          B: w(p.lastQuantity),
          u: p.tradeGroupId,
          U: p.counterOrderId,
          Cs: p.counterSymbol,
          pl: w(p.lastQuantity),
          pL: w(p.price),
          pY: w(p.lastQuantity.mul(p.price).toDecimalPlaces(8)),
        }
      : {}),
    ...(o.status === 'EXPIRED' && o.expiryReason ? { eR: o.expiryReason } : {}),
  };
}

/** The listStatus user data event. */
export function listStatusEvent(l: OrderList, eventTime: number): Record<string, unknown> {
  return {
    e: 'listStatus',
    E: eventTime,
    s: l.symbol,
    g: l.orderListId,
    c: 'OCO',
    l: l.listStatusType,
    L: l.listOrderStatus,
    r: 'NONE',
    C: l.listClientOrderId,
    T: l.transactionTime,
    O: l.orders.map((o) => ({ s: o.symbol, i: o.orderId, c: o.clientOrderId })),
  };
}
