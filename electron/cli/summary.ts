import { formatMoney, formatSignedMoney } from '../../shared/money/format';
import type { AllocationStatus } from '../core/ledger/allocation-status';
import type { ClosedTrade, Position } from '../core/ledger/records';
import { Decimal, ZERO } from '../core/money/decimal';
import type { RunStats } from '../app/trading-session';

export interface ReplaySummary {
  trades: number;
  wins: number;
  losses: number;
  pnl: string;
  finalBalance: string;
  byReason: Record<string, number>;
  openPositions: number;
}

export function summarize(
  trades: readonly ClosedTrade[],
  totalBalance: Decimal,
  open: readonly Position[],
): ReplaySummary {
  let pnl = ZERO;
  let wins = 0;
  const byReason: Record<string, number> = {};
  for (const t of trades) {
    pnl = pnl.add(t.pnl);
    if (t.pnl.gt(0)) wins++;
    byReason[t.exitReason] = (byReason[t.exitReason] ?? 0) + 1;
  }
  return {
    trades: trades.length,
    wins,
    losses: trades.length - wins,
    pnl: pnl.toFixed(),
    finalBalance: totalBalance.toFixed(),
    byReason,
    openPositions: open.length,
  };
}

const day = (t: number | undefined) =>
  t === undefined ? '?' : new Date(t).toISOString().slice(0, 16).replace('T', ' ');

export function summaryLines(s: ReplaySummary, stats: RunStats, quote: string, start: Decimal): string[] {
  const rate = stats.elapsedMs > 0 ? Math.round((stats.candles / stats.elapsedMs) * 1000) : 0;
  const ret = start.isZero() ? 0 : new Decimal(s.pnl).div(start).mul(100).toNumber();
  return [
    '',
    '📊 Replay summary',
    `   Candles:        ${stats.candles.toLocaleString('en-US')} from ${day(stats.firstTime)} to ${day(stats.lastTime)} (${rate.toLocaleString('en-US')}/s)` +
      (stats.resumedFrom !== undefined
        ? `, resumed after ${day(stats.resumedFrom)} (${stats.warmupCandles.toLocaleString('en-US')} candles re-read to warm the signals)`
        : ''),
    `   Trades:         ${s.trades} (${s.wins} won, ${s.losses} lost)` +
      (s.trades > 0
        ? ` - ${Object.entries(s.byReason)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`
        : ''),
    `   Realised PnL:   ${formatSignedMoney(Number(s.pnl), quote)} (${ret >= 0 ? '+' : ''}${ret.toFixed(2)}% of ${formatMoney(start.toFixed(), quote)})`,
    `   Final balance:  ${formatMoney(s.finalBalance, quote)}`,
    `   Open positions: ${s.openPositions}${s.openPositions > 0 ? ' (still protected by their OCOs; they continue when the replay resumes with more data)' : ''}`,
    '',
  ];
}

export function statusJson(status: AllocationStatus): string {
  return JSON.stringify(status, null, 2);
}
