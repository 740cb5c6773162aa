import { Decimal, ZERO } from '../../core/money/decimal';
import {
  ExchangeError,
  type Fill,
  type OcoListStatus,
  type OcoReport,
  type OrderReport,
  type OrderSide,
  type OrderStatus,
  type OrderType,
} from '../../core/ports/exchange';

/** Binance JSON as it arrives (raw: numbers are decimal strings). */
type Json = Record<string, unknown>;

function str(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

function dec(v: unknown): Decimal {
  const s = str(v);
  return s === '' ? ZERO : new Decimal(s);
}

function optDec(v: unknown): Decimal | undefined {
  const s = str(v);
  if (s === '') return undefined;
  const d = new Decimal(s);
  return d.isZero() ? undefined : d;
}

function fillsOf(raw: unknown): Fill[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((f: Json) => ({
    price: dec(f.price),
    qty: dec(f.qty),
    commission: dec(f.commission),
    commissionAsset: str(f.commissionAsset),
    tradeId: str(f.tradeId ?? f.id),
  }));
}

/** GET/POST api/v3/order (and orderReports[] of an order list) to an OrderReport. */
export function orderReportOf(o: Json, fills: Fill[] = fillsOf(o.fills), listClientOrderId?: string): OrderReport {
  const list =
    listClientOrderId ??
    (o.orderListId !== undefined && Number(o.orderListId) !== -1 ? str(o.listClientOrderId) || undefined : undefined);
  const price = optDec(o.price);
  const stopPrice = optDec(o.stopPrice);
  return {
    symbol: str(o.symbol),
    // In a cancel's orderReports, clientOrderId is the cancel request's own id; the order's is origClientOrderId.
    clientOrderId: str(o.origClientOrderId ?? o.clientOrderId),
    orderId: str(o.orderId),
    side: str(o.side) as OrderSide,
    type: str(o.type) as OrderType,
    status: str(o.status) as OrderStatus,
    origQty: dec(o.origQty),
    executedQty: dec(o.executedQty),
    cumQuote: dec(o.cummulativeQuoteQty),
    ...(price ? { price } : {}),
    ...(stopPrice ? { stopPrice } : {}),
    fills,
    ...(list ? { listClientOrderId: list } : {}),
    ...(str(o.expiryReason) ? { expiryReason: str(o.expiryReason) } : {}),
    time: Number(o.updateTime ?? o.transactTime ?? o.time ?? Date.now()),
  };
}

/** myTrades rows of one order to fills. */
export function fillsFromTrades(trades: unknown): Fill[] {
  if (!Array.isArray(trades)) return [];
  return trades.map((t: Json) => ({
    price: dec(t.price),
    qty: dec(t.qty),
    commission: dec(t.commission),
    commissionAsset: str(t.commissionAsset),
    tradeId: str(t.id),
  }));
}

function listStatusOf(l: Json): OcoListStatus {
  const s = str(l.listOrderStatus);
  return s === 'ALL_DONE' || s === 'REJECT' ? s : 'EXECUTING';
}

/** An OCO from its list status and its two legs' reports. */
export function ocoReportOf(list: Json, legs: OrderReport[]): OcoReport {
  const takeProfit = legs.find((l) => l.type === 'LIMIT_MAKER');
  const stopLoss = legs.find((l) => l.type === 'STOP_LOSS_LIMIT' || l.type === 'STOP_LOSS');
  if (!takeProfit || !stopLoss)
    // The exchange accepted something we cannot read: its outcome is unknown to us (look it up).
    throw new ExchangeError(
      'unknown-outcome',
      `order list ${str(list.listClientOrderId)} does not have a LIMIT_MAKER and a stop leg (${legs.map((l) => l.type).join(', ') || 'no legs'})`,
    );
  const listClientOrderId = str(list.listClientOrderId);
  return {
    symbol: str(list.symbol) || takeProfit.symbol,
    listClientOrderId,
    orderListId: str(list.orderListId),
    status: listStatusOf(list),
    takeProfit: { ...takeProfit, listClientOrderId },
    stopLoss: { ...stopLoss, listClientOrderId },
  };
}

/** The order an executionReport describes (fills: this event's trade only, if it is one). */
export function orderReportFromExecution(e: Json): {
  report: OrderReport;
  trade: Fill | undefined;
  expiryReason: string;
} {
  const trade =
    str(e.x) === 'TRADE'
      ? { price: dec(e.L), qty: dec(e.l), commission: dec(e.n), commissionAsset: str(e.N), tradeId: str(e.t) }
      : undefined;
  const price = optDec(e.p);
  const stopPrice = optDec(e.P);
  return {
    report: {
      symbol: str(e.s),
      clientOrderId: str(e.X) === 'CANCELED' && str(e.C) ? str(e.C) : str(e.c),
      orderId: str(e.i),
      side: str(e.S) as OrderSide,
      type: str(e.o) as OrderType,
      status: str(e.X) as OrderStatus,
      origQty: dec(e.q),
      executedQty: dec(e.z),
      cumQuote: dec(e.Z),
      ...(price ? { price } : {}),
      ...(stopPrice ? { stopPrice } : {}),
      fills: [],
      ...(str(e.eR) && str(e.eR) !== 'NONE' ? { expiryReason: str(e.eR) } : {}),
      time: Number(e.T ?? e.E ?? Date.now()),
    },
    trade,
    expiryReason: str(e.eR),
  };
}
