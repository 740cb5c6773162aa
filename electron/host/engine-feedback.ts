import type { EventPayload, LogLineDto } from '../../shared/ipc/contract';
import { formatMoney, formatSignedMoney } from '../../shared/money/format';
import type { EngineEvent } from '../core/engine/engine-events';
import { exitReasonWords } from '../../shared/trading/exit-reasons';

/** How serious an engine event is, for the log's colouring and filtering. */
export function levelOf(e: EngineEvent): LogLineDto['level'] {
  switch (e.type) {
    case 'error':
      return 'error';
    case 'warning':
    case 'oco-rejected':
    case 'reserve-failed':
      return 'warn';
    case 'emergency-stop':
      return e.phase === 'finished' && e.positions > 0 ? 'error' : 'warn';
    default:
      return 'info';
  }
}

export function symbolOf(e: EngineEvent): string | null {
  return 'symbol' in e && typeof e.symbol === 'string' ? e.symbol : null;
}

/** Whether an event may change the allocation status or the positions. */
export function changesLedger(e: EngineEvent): boolean {
  return e.type !== 'signal' && e.type !== 'skip' && e.type !== 'warning';
}

/** The desktop notification an event deserves: entries, exits and errors. */
export function notificationFor(e: EngineEvent): EventPayload<'notification'> | undefined {
  switch (e.type) {
    case 'buy-filled':
      return {
        kind: 'entry',
        title: `${e.mode === 'live' ? 'Bought' : 'Paper buy'}: ${e.symbol}`,
        body: `${e.quantity} @ ${Number(e.avgPrice)} for ${formatMoney(e.spent, e.quoteAsset)}`,
      };
    case 'position-closed':
      return {
        kind: 'exit',
        title: `${exitReasonWords(e.reason)}: ${e.symbol}`,
        body: `Sold ${e.quantity} @ ${Number(e.exitPrice)} - PnL ${formatSignedMoney(Number(e.pnl), e.quoteAsset)} (${e.pnlPercent >= 0 ? '+' : ''}${e.pnlPercent.toFixed(2)}%)`,
      };
    case 'reserve-failed':
      return {
        kind: 'refusal',
        title: `No entry in ${e.symbol}`,
        body:
          e.needed && e.available && e.quoteAsset
            ? `${e.reason}: needs ${formatMoney(e.needed, e.quoteAsset)}, ${formatMoney(e.available, e.quoteAsset)} available`
            : `${e.reason}${e.detail ? `: ${e.detail}` : ''}`,
      };
    case 'error':
      return { kind: 'error', title: e.symbol ? `Problem with ${e.symbol}` : 'Trading problem', body: e.message };
    default:
      return undefined;
  }
}
