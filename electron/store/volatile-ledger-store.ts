import type {
  PaperBalance,
  PaperOrder,
  PaperOrderList,
  PaperSnapshot,
  PaperStore,
} from '../adapters/paper/paper-store';
import type {
  ClosedTrade,
  LedgerEventRecord,
  OrderRecord,
  Position,
  Reservation,
  StoredFill,
} from '../core/ledger/records';
import type { Decimal } from '../core/money/decimal';
import type { LedgerSnapshot, LedgerStore } from '../core/ports/ledger-store';
import type { ParameterSet } from '../../shared/params/schema';

/**
 * A ledger that keeps nothing: every write is a no-op and load() always returns a new, empty
 * ledger. For benchmarks that measure the engine with and without persistence, and for runs
 * whose state must not outlive the process. The engine holds its live state in memory anyway;
 * this store only forgoes the copy on disk.
 */
export class VolatileLedgerStore implements LedgerStore {
  /** Fixed, so that client order ids of such runs are recognisable. */
  static readonly LEDGER_ID = 'memory';

  transaction<T>(fn: () => T): T {
    return fn();
  }

  load(): LedgerSnapshot {
    return {
      ledgerId: VolatileLedgerStore.LEDGER_ID,
      quoteAsset: undefined,
      quoteBalance: undefined,
      reservations: [],
      positions: [],
      openOrders: [],
      nextPositionId: 1,
      cursor: undefined,
      cursorSymbol: undefined,
      emergencyStop: false,
    };
  }

  setQuote(_asset: string, _balance: Decimal): void {}
  putReservation(_r: Reservation): void {}
  deleteReservation(_symbol: string): void {}
  putPosition(_p: Position): void {}
  putOrder(_o: OrderRecord): void {}
  addFills(_fills: readonly StoredFill[]): void {}
  addTrade(_t: ClosedTrade): void {}
  addEvent(_e: LedgerEventRecord): void {}
  setCursor(_closeTime: number): void {}
  setEmergencyStop(_on: boolean): void {}
  saveParameterSets(_sets: readonly ParameterSet[]): void {}
  close(): void {}
}

/** The paper exchange's books, kept nowhere: load() reports an account never funded. */
export class VolatilePaperStore implements PaperStore {
  transaction<T>(fn: () => T): T {
    return fn();
  }

  load(): PaperSnapshot | undefined {
    return undefined;
  }

  putBalance(_asset: string, _balance: PaperBalance): void {}
  putOrder(_order: PaperOrder): void {}
  putList(_list: PaperOrderList): void {}
  setPrice(_symbol: string, _price: Decimal, _time: number): void {}
  setCounters(_nextOrderId: number, _nextListId: number, _nextTradeId: number): void {}
}
