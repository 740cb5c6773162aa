import type { Decimal } from '../money/decimal';
import type { SymbolRules } from '../money/symbol-rules';

export type OrderSide = 'BUY' | 'SELL';
export type OrderType = 'MARKET' | 'LIMIT_MAKER' | 'STOP_LOSS_LIMIT' | 'STOP_LOSS' | 'LIMIT';
export type OrderStatus =
  'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'PENDING_CANCEL' | 'REJECTED' | 'EXPIRED' | 'EXPIRED_IN_MATCH';

export interface Fill {
  price: Decimal;
  qty: Decimal;
  commission: Decimal;
  commissionAsset: string;
  tradeId: string;
}

/** An order as the exchange reports it (REST answer, query, or user-stream event). */
export interface OrderReport {
  symbol: string;
  clientOrderId: string;
  orderId: string;
  side: OrderSide;
  type: OrderType;
  status: OrderStatus;
  origQty: Decimal;
  executedQty: Decimal;
  /** Quote spent (buy) or received before fees (sell): Binance's cummulativeQuoteQty. */
  cumQuote: Decimal;
  price?: Decimal;
  stopPrice?: Decimal;
  /**
   * Every fill known for this order so far. Adapters complete it (Binance: from myTrades) whenever
   * executedQty says more filled than the fills show, so that fills add up to executedQty; the
   * ledger books each fill once by its trade id, whatever order reports arrive in.
   */
  fills: Fill[];
  listClientOrderId?: string;
  /** Why an EXPIRED order expired (Binance's expiryReason / eR): OCO_TRIGGER, EXCHANGE_CANCELED, ... */
  expiryReason?: string;
  /** Exchange time of the last change, epoch ms. */
  time: number;
}

export type OcoListStatus = 'EXECUTING' | 'ALL_DONE' | 'REJECT';

export interface OcoReport {
  symbol: string;
  listClientOrderId: string;
  orderListId: string;
  status: OcoListStatus;
  /** The take-profit (LIMIT_MAKER) leg. */
  takeProfit: OrderReport;
  /** The stop-loss (STOP_LOSS_LIMIT or STOP_LOSS) leg. */
  stopLoss: OrderReport;
}

export interface MarketBuyRequest {
  symbol: string;
  /** Quote amount to spend, already floored to the quote precision. */
  quoteAmount: Decimal;
  clientOrderId: string;
}

export interface MarketSellRequest {
  symbol: string;
  /** Base quantity, already floored to the lot step. */
  quantity: Decimal;
  clientOrderId: string;
}

/** The stop leg of an OCO: a stop-limit (limit order at stopLimitPrice once triggered) or a stop-market. */
type StopLegType = 'STOP_LOSS_LIMIT' | 'STOP_LOSS';

export interface OcoRequest {
  symbol: string;
  quantity: Decimal;
  takeProfitPrice: Decimal;
  stopPrice: Decimal;
  stopType: StopLegType;
  /** The stop-limit's limit price (STOP_LOSS_LIMIT only). */
  stopLimitPrice?: Decimal;
  listClientOrderId: string;
  takeProfitClientOrderId: string;
  stopLossClientOrderId: string;
}

/**
 * Why an exchange call failed. `unknown-outcome` means the request may have been executed
 * (HTTP 5xx, timeout, -1007): look the order up by its client id before sending anything again.
 */
export type ExchangeErrorKind =
  | 'rejected'
  | 'filter'
  | 'insufficient-balance'
  /**
   * "Duplicate order sent.": a client order id (or list id) that an open order (list) of ours uses.
   * Binance accepts an id again only once its order is filled (an order list: filled or completely
   * expired), so the first one rests.
   */
  | 'duplicate'
  | 'unknown-outcome'
  | 'rate-limited'
  | 'banned'
  | 'network'
  | 'auth'
  | 'not-found'
  /** The symbol does not trade now (HALT, BREAK, END_OF_DAY, CANCEL_ONLY): "Market is closed." */
  | 'market-closed';

export class ExchangeError extends Error {
  readonly kind: ExchangeErrorKind;
  readonly code: number | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(kind: ExchangeErrorKind, message: string, opts: { code?: number; retryAfterMs?: number } = {}) {
    super(message);
    this.name = 'ExchangeError';
    this.kind = kind;
    this.code = opts.code;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

export interface ExchangeListener {
  /**
   * An order changed (an OCO leg filled part or all of its quantity, expired, was cancelled; a late
   * report of an order whose answer was lost). Reports may arrive late, twice, or out of order.
   */
  onOrderUpdate(report: OrderReport): void;
  /**
   * The exchange says an asset's balance changed. Informative only: the ledger's balance moves by
   * booked fills, never by these (a balance event may come before the fill that caused it).
   */
  onBalance?(asset: string, total: Decimal): void;
  /** The exchange's picture may have been missed (a reconnect): everything followed should be re-read. */
  onResync?(): void;
}

export interface AssetBalance {
  free: Decimal;
  locked: Decimal;
}

/**
 * The engine's only way to trade. Binance (live or testnet) and paper are adapters behind it; the
 * engine code path is the same for both.
 */
export interface Exchange {
  readonly kind: 'paper' | 'live';
  /** Prefix every client order id must start with (the binance client warns otherwise). */
  readonly clientOrderIdPrefix: string;
  getSymbolRules(symbol: string): Promise<SymbolRules>;
  /** Reads the symbols' rules again (status, flags, filters change over time); returns the fresh ones. */
  refreshSymbolRules(symbols: readonly string[]): Promise<SymbolRules[]>;
  /** Free + locked amount of an asset. */
  getBalance(asset: string): Promise<Decimal>;
  /** Free and locked amounts of an asset. */
  getAssetBalance(asset: string): Promise<AssetBalance>;
  /**
   * Whether commission may be paid in another asset than the traded ones (Binance: BNB when the
   * account's BNB discount is on): that asset, or undefined.
   */
  commissionAsset?(symbol: string): Promise<string | undefined>;
  getLastPrice(symbol: string): Promise<Decimal>;
  marketBuyByQuote(req: MarketBuyRequest): Promise<OrderReport>;
  marketSell(req: MarketSellRequest): Promise<OrderReport>;
  placeOco(req: OcoRequest): Promise<OcoReport>;
  /** Cancels an OCO; the answer holds each leg's final state (and what it filled before). */
  cancelOco(symbol: string, listClientOrderId: string): Promise<OcoReport>;
  /**
   * Cancels one order (an OCO leg still working after its list ended: Binance's docs leave open
   * whether a list whose activated leg still works is EXECUTING or ALL_DONE). The answer is the
   * order's final state.
   */
  cancelOrder(symbol: string, clientOrderId: string): Promise<OrderReport>;
  /** undefined when the exchange has no order with this client id. */
  getOrder(symbol: string, clientOrderId: string): Promise<OrderReport | undefined>;
  /** undefined when the exchange has no order list with this client id. */
  getOco(symbol: string, listClientOrderId: string): Promise<OcoReport | undefined>;
  subscribe(listener: ExchangeListener): () => void;
}
