import type { ExitReason } from '../ledger/records';

/**
 * What the engine tells the outside world. Money is a decimal string. The CLI turns these into the
 * seed's console lines; the desktop app forwards them to the renderer; both may persist them.
 */
export type EngineEvent =
  | { type: 'balance'; quoteAsset: string; quoteBalance: string; totalBalance: string }
  | { type: 'signal'; symbol: string; value: number; threshold: number; side: 'buy' | 'exit' }
  | { type: 'skip'; symbol: string; reason: 'has-position' | 'halted' }
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
      stopLimit: string;
      profitPercent: number;
      stopLossPercent: number;
    }
  | { type: 'oco-rejected'; symbol: string; attempt: number; reason: string }
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
