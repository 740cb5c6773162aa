import type { AllocationDto, HistoryDto, PositionDto, TradeDto } from '../../shared/ipc/contract';
import type { Ledger } from '../core/ledger/ledger';
import type { ClosedTrade, Position, Reservation } from '../core/ledger/records';
import { Decimal, ZERO } from '../core/money/decimal';

/**
 * The ledger as the IPC contract shows it: decimal strings for money, ISO times, states a trader
 * reads. Pure functions of the ledger (and a current price), used for a running session and for a
 * stored ledger alike.
 */

/** Money and quantities as the contract's decimal strings: plain notation, at most 8 decimals. */
export function money(d: Decimal): string {
  return d.toDecimalPlaces(8).toFixed();
}

function round(n: number, dp = 4): number {
  const f = 10 ** dp;
  return Math.round(n * f) / f;
}

/**
 * What a reservation is doing:
 * - reserved:  funds set aside with no order working (its position is gone or never got an order)
 * - buying:    the entry order is pending or working, or it filled and the OCO is being placed
 * - protected: an OCO rests on the exchange
 * - exiting:   selling at market (reversal, emergency, or an OCO that could not be placed)
 */
function reservationState(r: Reservation, ledger: Ledger): AllocationDto['reservations'][number]['state'] {
  const p = ledger.position(r.symbol);
  if (!p || p.id !== r.positionId) return 'reserved';
  switch (p.status) {
    case 'opening': {
      const entry = ledger.order(p.entryClientOrderId);
      return entry && (entry.state === 'pending' || entry.state === 'open') ? 'buying' : 'reserved';
    }
    case 'open':
      return 'buying';
    case 'protected':
      return 'protected';
    case 'exiting':
      return 'exiting';
    case 'closed':
      return 'reserved';
  }
}

export function allocationView(ledger: Ledger): AllocationDto {
  const total = ledger.totalBalance();
  const reserved = ledger.totalReserved();
  const reservations = ledger
    .allReservations()
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.positionId - b.positionId))
    .map((r) => {
      const p = ledger.position(r.symbol);
      const percent =
        p && p.id === r.positionId
          ? p.params.allocationPercent
          : total.isZero()
            ? 0
            : round(r.amount.div(total).mul(100).toNumber());
      return {
        symbol: r.symbol,
        reservedAmount: money(r.amount),
        timestamp: r.createdAt,
        orderId: r.orderRef,
        state: reservationState(r, ledger),
        allocationPercent: percent,
      };
    });
  return {
    quoteAsset: ledger.quoteAsset,
    totalBalance: money(total),
    totalReserved: money(reserved),
    availableBalance: money(total.sub(reserved)),
    allocationPercentage: total.isZero() ? 0 : round(reserved.div(total).mul(100).toNumber()),
    reservations,
  };
}

/** An allocation with nothing in it (no ledger yet). */
export function emptyAllocation(quoteAsset: string): AllocationDto {
  return {
    quoteAsset,
    totalBalance: '0',
    totalReserved: '0',
    availableBalance: '0',
    allocationPercentage: 0,
    reservations: [],
  };
}

/** What the engine knows of a position's protection right now (a triggered stop, a take-profit filling). */
export type ProtectionKind = 'none' | 'pending' | 'working' | 'stop-triggered' | 'take-profit-filling';

function ocoState(p: Position, ledger: Ledger, protection: ProtectionKind | undefined): PositionDto['ocoState'] {
  if (protection === 'stop-triggered' || protection === 'take-profit-filling') return protection;
  const legs = ledger.ordersOf(p.id).filter((o) => o.purpose === 'take-profit' || o.purpose === 'stop-loss');
  if (legs.some((o) => o.state === 'open')) return 'open';
  if (legs.some((o) => o.state === 'pending')) return 'pending';
  return 'none';
}

/** A held position with its current price (undefined when none is known yet). */
export function positionView(
  p: Position,
  ledger: Ledger,
  price: number | undefined,
  protection?: ProtectionKind,
): PositionDto {
  const status = p.status === 'closed' ? 'exiting' : p.status;
  const known = price !== undefined && Number.isFinite(price) && price > 0;
  const current = known ? new Decimal(price) : undefined;
  const remaining = ledger.remainingQty(p);
  const held = p.sellQty.gt(0) && p.cost.gt(0);
  // Unrealised: what is held at the price, plus what its sells brought already, minus the cost.
  const pnl = current && held ? current.mul(remaining).add(p.proceeds).sub(p.cost) : undefined;
  return {
    id: p.id,
    symbol: p.symbol,
    status,
    entryPrice: money(p.avgPrice),
    entryTime: p.openedAt,
    quantity: money(remaining),
    soldQuantity: money(p.soldQty),
    proceeds: money(p.proceeds),
    cost: money(p.cost),
    currentPrice: current ? money(current) : null,
    unrealizedPnl: pnl ? money(pnl) : null,
    unrealizedPnlPercent: pnl ? round(pnl.div(p.cost).mul(100).toNumber()) : null,
    takeProfit: p.takeProfitPrice ? money(p.takeProfitPrice) : null,
    stopLoss: p.stopPrice ? money(p.stopPrice) : null,
    stopLimit: p.stopLimitPrice ? money(p.stopLimitPrice) : null,
    toTakeProfitPercent:
      current && p.takeProfitPrice ? round(p.takeProfitPrice.sub(current).div(current).mul(100).toNumber()) : null,
    toStopPercent: current && p.stopPrice ? round(p.stopPrice.sub(current).div(current).mul(100).toNumber()) : null,
    ocoState: ocoState(p, ledger, protection),
  };
}

export function tradeView(t: ClosedTrade): TradeDto {
  return {
    positionId: t.positionId,
    symbol: t.symbol,
    entryTime: t.entryTime,
    exitTime: t.exitTime,
    entryPrice: money(t.entryPrice),
    exitPrice: money(t.exitPrice),
    quantity: money(t.quantity),
    cost: money(t.cost),
    proceeds: money(t.proceeds),
    fees: money(t.fees),
    pnl: money(t.pnl),
    pnlPercent: round(t.pnlPercent),
    exitReason: t.exitReason,
  };
}

/**
 * Closed trades (all of them, oldest first), their totals, and the equity curve they draw: the
 * balance before the first trade (today's balance minus every realised PnL), then the balance after
 * each exit. `limit` keeps the newest trades in the list; totals and curve cover every trade.
 */
export function historyView(trades: readonly ClosedTrade[], totalBalance: Decimal, limit?: number): HistoryDto {
  let pnl = ZERO;
  let fees = ZERO;
  let wins = 0;
  for (const t of trades) {
    pnl = pnl.add(t.pnl);
    fees = fees.add(t.fees);
    if (t.pnl.gt(0)) wins++;
  }
  const equity: HistoryDto['equity'] = [];
  if (trades.length > 0) {
    let balance = totalBalance.sub(pnl);
    equity.push({ time: trades[0]!.entryTime, equity: money(balance) });
    for (const t of trades) {
      balance = balance.add(t.pnl);
      equity.push({ time: t.exitTime, equity: money(balance) });
    }
  }
  const shown = limit === undefined ? trades : trades.slice(Math.max(0, trades.length - limit));
  return {
    trades: shown.map(tradeView),
    totals: { trades: trades.length, wins, losses: trades.length - wins, pnl: money(pnl), fees: money(fees) },
    equity,
  };
}

const CSV_COLUMNS: Array<keyof TradeDto> = [
  'positionId',
  'symbol',
  'entryTime',
  'exitTime',
  'entryPrice',
  'exitPrice',
  'quantity',
  'cost',
  'proceeds',
  'fees',
  'pnl',
  'pnlPercent',
  'exitReason',
];

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Closed trades as CSV (one header row, one row per trade, oldest first). */
export function tradesCsv(trades: readonly ClosedTrade[]): string {
  const rows = trades.map(tradeView).map((t) => CSV_COLUMNS.map((c) => csvCell(t[c])).join(','));
  return [CSV_COLUMNS.join(','), ...rows].join('\n') + '\n';
}
