import type { ExitReason } from '../ledger/records';

/**
 * What the engine tells the outside world. Money is a decimal string. The CLI turns these into the
 * seed's console lines; the desktop app forwards them to the renderer; both may persist them.
 */
export type EngineEvent =
  | { type: 'balance'; quoteAsset: string; quoteBalance: string; totalBalance: string }
  | { type: 'signal'; symbol: string; value: number; threshold: number; side: 'buy' | 'exit' }
  | { type: 'skip'; symbol: string; reason: 'has-position' | 'halted' | 'symbol-blocked' | 'paused'; detail?: string }
  | {
      type: 'reserved';
      symbol: string;
      amount: string;
      percent: number;
      totalReserved: string;
      totalBalance: string;
      quoteAsset: string;
    }
  | {
      type: 'reserve-failed';
      symbol: string;
      reason: string;
      detail: string;
      needed?: string;
      available?: string;
      totalBalance?: string;
      percent?: number;
      quoteAsset?: string;
    }
  | {
      type: 'buy-filled';
      symbol: string;
      mode: 'paper' | 'live';
      quantity: string;
      avgPrice: string;
      spent: string;
      allocated: string;
      percent: number;
      partial: boolean;
      quoteAsset: string;
    }
  | {
      type: 'oco-placed';
      symbol: string;
      quantity: string;
      takeProfit: string;
      stop: string;
      /** The stop-limit's limit (equal to stop for a stop-market leg). */
      stopLimit: string;
      stopType: 'STOP_LOSS_LIMIT' | 'STOP_LOSS';
      profitPercent: number;
      stopLossPercent: number;
    }
  | { type: 'oco-rejected'; symbol: string; attempt: number; reason: string }
  /** Part (or the rest) of a position was sold: its proceeds are booked at once. */
  | {
      type: 'sell-filled';
      symbol: string;
      purpose: 'take-profit' | 'stop-loss' | 'exit' | 'entry';
      quantity: string;
      credited: string;
      remaining: string;
      /** The order filled completely with this. */
      complete: boolean;
      quoteAsset: string;
    }
  /**
   * What the protection of a position is doing: the stop triggered and has not filled, the
   * take-profit started filling, the OCO was ended by somebody else (lost), the rest protected again.
   */
  | {
      type: 'protection';
      symbol: string;
      state: 'stop-triggered' | 'take-profit-filling' | 'lost' | 'restored';
      message: string;
    }
  /** An exit could not finish now (its sale kept failing): its OCO is put back and it is tried again. */
  | { type: 'exit-deferred'; symbol: string; reason: ExitReason; message: string }
  /** The exchange's balance differs from the booked one (a deposit, a withdrawal, an outside trade): adopted. */
  | { type: 'balance-divergence'; quoteAsset: string; ledger: string; exchange: string; message: string }
  | { type: 'exit-started'; symbol: string; reason: ExitReason; detail?: string }
  | {
      type: 'position-closed';
      symbol: string;
      reason: ExitReason;
      quantity: string;
      exitPrice: string;
      pnl: string;
      pnlPercent: number;
      quoteAsset: string;
    }
  | {
      type: 'released';
      symbol: string;
      amount: string;
      reason: ExitReason | 'cleared' | 'orphan';
      totalReserved: string;
      totalBalance: string;
      quoteAsset: string;
    }
  | {
      type: 'allocations-cleared';
      cleared: Array<{ symbol: string; amount: string }>;
      withPositions: string[];
      quoteAsset: string;
    }
  | { type: 'reconciled'; symbol?: string; message: string }
  | { type: 'emergency-stop'; phase: 'started' | 'finished'; positions: number }
  | { type: 'warning'; symbol?: string; message: string }
  | { type: 'error'; symbol?: string; message: string };

export type EngineEventSink = (event: EngineEvent, time: number) => void;
