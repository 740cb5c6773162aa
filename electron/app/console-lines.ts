import { formatMoney, formatPercent, formatSignedMoney } from '../../shared/money/format';
import type { EngineEvent } from '../core/engine/engine-events';
import type { ExitReason } from '../core/ledger/records';

const EXIT_TITLES: Record<ExitReason, string> = {
  'take-profit': '✅ TAKE PROFIT',
  'stop-loss': '🛑 STOP LOSS',
  'gapped-stop': '🛑 STOP LOSS (GAPPED, SOLD AT MARKET)',
  reversal: '🔄 Z-SCORE REVERSAL',
  emergency: '🚨 EMERGENCY EXIT',
  unprotectable: '⚠️ UNPROTECTED EXIT',
  'entry-failed': '❌ ENTRY FAILED',
  dust: '🧹 DUST',
  external: '↪️ CLOSED OUTSIDE TRANCHE',
  manual: '✋ CLOSED BY HAND',
};

function stamp(time: number): string {
  return new Date(time).toISOString().replace('T', ' ').slice(0, 16);
}

function trimNumber(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/**
 * The seed's console lines for an engine event (one or more lines). These are what a trader reads
 * in the terminal and in the desktop app's log: keep them short and in the seed's words.
 */
export function consoleLines(e: EngineEvent, time: number): string[] {
  switch (e.type) {
    case 'balance':
      return [`💰 Account balance updated: ${formatMoney(e.totalBalance, e.quoteAsset)}`];
    case 'signal':
      return e.side === 'buy'
        ? [`📈 ${stamp(time)} ${e.symbol} z-score ${e.value.toFixed(2)} >= ${e.threshold} (buy signal)`]
        : [`📉 ${stamp(time)} ${e.symbol} z-score ${e.value.toFixed(2)} <= ${e.threshold} (exit signal)`];
    case 'skip':
      return e.reason === 'has-position'
        ? [`Already have position in ${e.symbol}, skipping buy signal`]
        : e.reason === 'symbol-blocked'
          ? [`⏸️ ${e.symbol} cannot be entered now (${e.detail ?? 'not trading'}), skipping buy signal`]
          : e.reason === 'paused'
            ? [`⏸️ ${e.symbol}'s parameter set is disabled (paused), skipping buy signal`]
            : [`⏸️ Trading is stopped, skipping buy signal for ${e.symbol}`];
    case 'reserved':
      return [
        `💼 Reserved ${formatMoney(e.amount, e.quoteAsset)} (${formatPercent(e.percent)}) for ${e.symbol}`,
        `💼 Total reserved: ${formatMoney(e.totalReserved, e.quoteAsset)} / ${formatMoney(e.totalBalance, e.quoteAsset)}`,
      ];
    case 'reserve-failed':
      return [
        `❌ Failed to reserve funds for ${e.symbol}: ${e.reason}`,
        e.needed && e.available && e.totalBalance && e.quoteAsset
          ? `   Needs ${formatMoney(e.needed, e.quoteAsset)} (${formatPercent(e.percent ?? 0)} of ${formatMoney(e.totalBalance, e.quoteAsset)}), ${formatMoney(e.available, e.quoteAsset)} available`
          : `   ${e.detail}`,
      ];
    case 'buy-filled':
      return [
        `${e.mode === 'paper' ? '📝 PAPER BUY' : '🔥 LIVE BUY'}: ${e.symbol} - Market order executed${e.partial ? ' (partial fill)' : ''}`,
        `   Allocated: ${formatMoney(e.allocated, e.quoteAsset)} (${formatPercent(e.percent)})`,
        `   Bought ${trimNumber(e.quantity)} @ ${trimNumber(Number(e.avgPrice).toFixed(8))} for ${formatMoney(e.spent, e.quoteAsset)}`,
      ];
    case 'oco-placed':
      return [
        `🛡️ OCO placed: ${e.symbol} sell ${trimNumber(e.quantity)} - TP=${trimNumber(e.takeProfit)} (+${e.profitPercent}%), SL=${trimNumber(e.stop)} (-${e.stopLossPercent}%, ${e.stopType === 'STOP_LOSS' ? 'market' : `limit ${trimNumber(e.stopLimit)}`})`,
      ];
    case 'sell-filled':
      return e.complete && e.remaining !== '0'
        ? [
            `💸 ${e.symbol}: ${e.purpose} sold ${trimNumber(e.quantity)} (+${formatMoney(e.credited, e.quoteAsset)}), ${trimNumber(e.remaining)} left`,
          ]
        : e.complete
          ? []
          : [
              `💸 ${e.symbol}: ${e.purpose} filled ${trimNumber(e.quantity)} (+${formatMoney(e.credited, e.quoteAsset)} booked), ${trimNumber(e.remaining)} left`,
            ];
    case 'protection':
      return [`${e.state === 'lost' ? '⚠️' : e.state === 'stop-triggered' ? '🟠' : '🛡️'} ${e.message}`];
    case 'exit-deferred':
      return [`⚠️ ${e.message}`];
    case 'balance-divergence':
      return [`⚠️ Balance: ${e.message}`];
    case 'oco-rejected':
      return [`⚠️ OCO for ${e.symbol} rejected (attempt ${e.attempt}): ${e.reason}`];
    case 'exit-started':
      return [`⏏️ Exiting ${e.symbol} at market: ${e.reason}${e.detail ? ` (${e.detail})` : ''}`];
    case 'position-closed':
      return [
        `${EXIT_TITLES[e.reason]}: ${e.symbol} sold ${trimNumber(e.quantity)} @ ${trimNumber(Number(e.exitPrice).toFixed(8))} - PnL ${formatSignedMoney(Number(e.pnl), e.quoteAsset)} (${e.pnlPercent >= 0 ? '+' : ''}${e.pnlPercent.toFixed(2)}%)`,
      ];
    case 'released':
      return [
        `💼 Released ${formatMoney(e.amount, e.quoteAsset)} from ${e.symbol} (${e.reason})`,
        `💼 Total reserved: ${formatMoney(e.totalReserved, e.quoteAsset)} / ${formatMoney(e.totalBalance, e.quoteAsset)}`,
      ];
    case 'allocations-cleared':
      return [
        ...e.cleared.map((c) => `🧹 Cleared reservation of ${formatMoney(c.amount, e.quoteAsset)} for ${c.symbol}`),
        ...(e.cleared.length === 0 ? ['🧹 No reservations to clear'] : []),
        ...e.withPositions.map(
          (s) => `⚠️ ${s} still holds a position: its funds are no longer reserved; close it or let its OCO finish`,
        ),
      ];
    case 'reconciled':
      return [`🔁 Reconciled ${e.symbol ? `${e.symbol}: ` : ''}${e.message}`];
    case 'emergency-stop':
      return e.phase === 'started'
        ? [`🚨 EMERGENCY STOP: no new entries; cancelling OCOs and selling ${e.positions} position(s) at market`]
        : [`🚨 Emergency stop finished: ${e.positions} position(s) left open`];
    case 'warning':
      return [`⚠️ ${e.symbol ? `${e.symbol}: ` : ''}${e.message}`];
    case 'error':
      return [`❌ ${e.symbol ? `${e.symbol}: ` : ''}${e.message}`];
  }
}
