import type { ParameterSet } from '../../../shared/params/schema';
import type { Decimal } from '../money/decimal';
import type { ClosedTrade, LedgerEventRecord, OrderRecord, Position, Reservation, StoredFill } from '../ledger/records';

/** What a ledger holds when the engine starts: everything still open, and the counters. */
export interface LedgerSnapshot {
  /** Random id minted when the ledger was created; part of every client order id. */
  ledgerId: string;
  quoteAsset: string | undefined;
  /** Last known quote balance (free + locked), or undefined for a new ledger. */
  quoteBalance: Decimal | undefined;
  reservations: Reservation[];
  /** Positions not yet closed. */
  positions: Position[];
  /** Every order of the positions not yet closed (final ones included), and orders not in a final state. */
  openOrders: OrderRecord[];
  /** Fills already booked for those orders: a report of them again is not counted twice. */
  bookedFills?: StoredFill[];
  /** Closed trades whose exit sale's outcome was unknown at the close (its order is among openOrders, pending). */
  unsettledTrades?: ClosedTrade[];
  nextPositionId: number;
  /** Close time (ms) of the last candle that changed the ledger, for resuming a replay. */
  cursor: number | undefined;
  /** Symbol of that candle: candles of other symbols closing at the same time come after it. */
  cursorSymbol: string | undefined;
  /** True while an emergency stop has not finished (resume it on restart). */
  emergencyStop: boolean;
}

/**
 * The engine's persistence port. Every method is synchronous; `transaction` groups writes so
 * that they land together or not at all. The engine calls it before (or with) the action each
 * change records, so a process killed at any point leaves a ledger that reconciliation can mend.
 */
export interface LedgerStore {
  transaction<T>(fn: () => T): T;
  load(): LedgerSnapshot;
  setQuote(asset: string, balance: Decimal): void;
  putReservation(r: Reservation): void;
  deleteReservation(symbol: string): void;
  putPosition(p: Position): void;
  putOrder(o: OrderRecord): void;
  addFills(fills: readonly StoredFill[]): void;
  addTrade(t: ClosedTrade): void;
  addEvent(e: LedgerEventRecord): void;
  setCursor(closeTime: number, symbol?: string): void;
  setEmergencyStop(on: boolean): void;
  saveParameterSets(sets: readonly ParameterSet[]): void;
  close(): void;
}

/** Reads for reports (status command, UI): never used on the trading path. */
export interface LedgerReader {
  trades(limit?: number): ClosedTrade[];
  events(limit?: number): LedgerEventRecord[];
  parameterSets(): ParameterSet[];
}
