import type { Decimal } from '../../core/money/decimal';
import type { Fill, OcoListStatus, OrderSide, OrderStatus, OrderType } from '../../core/ports/exchange';

/** One order on the simulated exchange. */
export interface PaperOrder {
  orderId: number;
  clientOrderId: string;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  status: OrderStatus;
  origQty: Decimal;
  /** For a market buy by quote: the quote amount asked for. */
  quoteOrderQty?: Decimal;
  /** Limit price (LIMIT_MAKER, or the limit of a STOP_LOSS_LIMIT). */
  price?: Decimal;
  stopPrice?: Decimal;
  executedQty: Decimal;
  cumQuote: Decimal;
  listId?: number;
  listClientOrderId?: string;
  /** A STOP_LOSS_LIMIT whose stop has been hit: its limit now rests on the book. */
  triggered: boolean;
  /** Why it expired (OCO_TRIGGER: the other leg of its OCO activated). Not stored: a report detail. */
  expiryReason?: string;
  /** Epoch ms of the last change. */
  time: number;
  fills: Fill[];
}

export interface PaperOrderList {
  listId: number;
  listClientOrderId: string;
  symbol: string;
  status: OcoListStatus;
  takeProfitOrderId: number;
  stopLossOrderId: number;
}

export interface PaperBalance {
  free: Decimal;
  locked: Decimal;
}

export interface PaperSnapshot {
  balances: Map<string, PaperBalance>;
  orders: PaperOrder[];
  lists: PaperOrderList[];
  /** Last price seen per symbol and when. */
  prices: Map<string, { price: Decimal; time: number }>;
  nextOrderId: number;
  nextListId: number;
  nextTradeId: number;
}

/**
 * Persistence of the simulated exchange. It is the paper twin of Binance's own books: written in
 * its own transactions, separate from the engine's ledger, so that a crash can leave the two out of
 * step exactly as it can with a real exchange, and reconciliation is exercised in paper too.
 */
export interface PaperStore {
  transaction<T>(fn: () => T): T;
  /** undefined when the paper account was never funded. */
  load(): PaperSnapshot | undefined;
  putBalance(asset: string, balance: PaperBalance): void;
  putOrder(order: PaperOrder): void;
  putList(list: PaperOrderList): void;
  setPrice(symbol: string, price: Decimal, time: number): void;
  setCounters(nextOrderId: number, nextListId: number, nextTradeId: number): void;
}
