import type { ParameterSet } from '../../../shared/params/schema';
import type { Decimal } from '../money/decimal';
import type { Fill, OrderSide, OrderType } from '../ports/exchange';

/** Funds set aside for one symbol, from its signal until its position is closed. */
export interface Reservation {
  symbol: string;
  amount: Decimal;
  /** ISO 8601. */
  createdAt: string;
  positionId: number;
  /** The entry order: the exchange order id once known, else our client order id. */
  orderRef: string;
}

/**
 * opening   - reservation made, entry order sent or about to be sent
 * open      - bought, not yet protected (OCO being placed)
 * protected - an OCO rests on the exchange
 * exiting   - selling at market (reversal, emergency, or an OCO that could not be placed)
 * closed    - sold (or the entry never filled); funds released
 */
export type PositionStatus = 'opening' | 'open' | 'protected' | 'exiting' | 'closed';

/**
 * Why a position closed. 'gapped-stop' is a stop-loss whose stop-limit triggered but could not fill
 * (the price fell through its limit) and was sold at market; 'external' means its coins were sold
 * outside Tranche (in the Binance app, say): the position is closed with what Tranche sold.
 */
export type ExitReason =
  | 'take-profit'
  | 'stop-loss'
  | 'gapped-stop'
  | 'reversal'
  | 'emergency'
  | 'unprotectable'
  | 'entry-failed'
  | 'dust'
  | 'external'
  | 'manual';

export interface Position {
  id: number;
  symbol: string;
  status: PositionStatus;
  /** The parameter set as it was at entry: later edits apply to new entries only. */
  params: ParameterSet;
  entryClientOrderId: string;
  entryOrderId?: string;
  /** Base quantity bought (gross, before commission). */
  boughtQty: Decimal;
  /** Base quantity we hold and may sell: net of base-asset commission, floored to the lot step. */
  sellQty: Decimal;
  /** Quote spent on the entry. */
  cost: Decimal;
  /** Average entry price (cost / boughtQty). */
  avgPrice: Decimal;
  /** Entry commission, valued in quote. */
  entryFeeQuote: Decimal;
  /** Base sold so far: every fill of every sell of this position (OCO legs of every attempt, market exits). */
  soldQty: Decimal;
  /** Gross quote those sells brought (before commission): soldQuote / soldQty is the average exit price. */
  soldQuote: Decimal;
  /** Quote received for them, net of commission paid in the quote asset. Credited to the balance fill by fill. */
  proceeds: Decimal;
  /** Commission on the sells, every asset, valued in quote at the fill. */
  exitFeeQuote: Decimal;
  /**
   * Commission paid in an asset that is neither the base nor the quote (BNB), entry and exits, valued
   * in quote at the fill: the quote balance does not pay it, so PnL subtracts it.
   */
  otherFeeQuote: Decimal;
  takeProfitPrice?: Decimal;
  stopPrice?: Decimal;
  stopLimitPrice?: Decimal;
  ocoListClientOrderId?: string;
  ocoListId?: string;
  ocoAttempts: number;
  exitReason?: ExitReason;
  exitClientOrderId?: string;
  openedAt: string;
  closedAt?: string;
}

export type OrderPurpose = 'entry' | 'take-profit' | 'stop-loss' | 'exit';

/**
 * pending   - recorded, not yet acknowledged by the exchange (outcome unknown after a crash)
 * open      - working on the exchange (resting, or partly filled and still working)
 * filled / canceled / rejected / expired - final (a final order may have filled part of its quantity)
 */
export type OrderState = 'pending' | 'open' | 'filled' | 'canceled' | 'rejected' | 'expired';

export interface OrderRecord {
  clientOrderId: string;
  positionId: number;
  symbol: string;
  purpose: OrderPurpose;
  side: OrderSide;
  type: OrderType;
  state: OrderState;
  exchangeOrderId?: string;
  listClientOrderId?: string;
  /** Quote amount asked for (market buy by quote). */
  requestedQuote?: Decimal;
  /** Base quantity asked for. */
  requestedQty?: Decimal;
  price?: Decimal;
  stopPrice?: Decimal;
  executedQty: Decimal;
  cumQuote: Decimal;
  createdAt: string;
  updatedAt: string;
  error?: string;
}

export interface ClosedTrade {
  positionId: number;
  symbol: string;
  entryTime: string;
  exitTime: string;
  entryPrice: Decimal;
  exitPrice: Decimal;
  quantity: Decimal;
  cost: Decimal;
  /** Quote received for the sale, net of the sell commission. */
  proceeds: Decimal;
  /** All commissions, valued in quote. */
  fees: Decimal;
  pnl: Decimal;
  pnlPercent: number;
  exitReason: ExitReason;
}

export interface LedgerEventRecord {
  time: string;
  kind: string;
  symbol?: string;
  message: string;
  data?: unknown;
}

export interface StoredFill extends Fill {
  clientOrderId: string;
  time: string;
}
