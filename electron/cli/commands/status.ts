import { formatMoney } from '../../../shared/money/format';
import { Ledger } from '../../core/ledger/ledger';
import { openLedgerDatabase, peekLedger } from '../../store/database';
import { SqliteLedgerStore } from '../../store/sqlite-ledger-store';
import { ledgerFileFor, parseMarket, type Values } from '../options';
import { statusJson } from '../summary';

/** `status`: prints a stored ledger without touching it (works while another process trades on it). */
export function statusCommand(values: Values): number {
  const file = ledgerFileFor(values, parseMarket(values.market, values));
  const meta = peekLedger(file);
  const db = openLedgerDatabase(file, { mode: meta.mode, environment: meta.environment, readonly: true });
  try {
    const store = new SqliteLedgerStore(db);
    const snapshot = store.load();
    const quote = snapshot.quoteAsset ?? 'USDT';
    const ledger = new Ledger(store, quote, snapshot);
    const w = (l: string) => process.stdout.write(`${l}\n`);
    if (values['log-format'] === 'json') {
      // Everything the pretty form shows, with money as decimal strings.
      const legs = (id: number) =>
        ledger.ordersOf(id).filter((o) => o.purpose === 'take-profit' || o.purpose === 'stop-loss');
      w(
        JSON.stringify({
          file,
          mode: meta.mode,
          environment: meta.environment,
          quoteAsset: quote,
          quoteBalance: ledger.balance.toFixed(),
          totalBalance: ledger.totalBalance().toFixed(),
          status: ledger.getAllocationStatus(),
          positions: ledger.openPositions().map((p) => ({
            id: p.id,
            symbol: p.symbol,
            status: p.status,
            quantity: p.sellQty.toFixed(),
            avgPrice: p.avgPrice.toFixed(),
            cost: p.cost.toFixed(),
            takeProfit: p.takeProfitPrice?.toFixed() ?? null,
            stop: p.stopPrice?.toFixed() ?? null,
            stopLimit: p.stopLimitPrice?.toFixed() ?? null,
            oco: legs(p.id).some((o) => o.state === 'open')
              ? 'open'
              : legs(p.id).some((o) => o.state === 'pending')
                ? 'pending'
                : 'none',
            openedAt: p.openedAt,
          })),
          trades: store.trades(10).map((t) => ({
            symbol: t.symbol,
            exitReason: t.exitReason,
            entryPrice: t.entryPrice.toFixed(),
            exitPrice: t.exitPrice.toFixed(),
            quantity: t.quantity.toFixed(),
            pnl: t.pnl.toFixed(),
            pnlPercent: t.pnlPercent,
            exitTime: t.exitTime,
          })),
          parameterSets: store.parameterSets(),
        }),
      );
      return 0;
    }
    w(`Ledger ${file} (${meta.mode}, ${meta.environment})`);
    w(
      `Balance: ${formatMoney(ledger.balance.toFixed(), quote)} free in ${quote}, ${formatMoney(ledger.totalBalance().toFixed(), quote)} in all`,
    );
    w(statusJson(ledger.getAllocationStatus()));
    const open = ledger.openPositions();
    w(`\nPositions (${open.length}):`);
    for (const p of open) {
      w(
        `  ${p.symbol.padEnd(10)} ${p.status.padEnd(9)} qty ${p.sellQty.toFixed()} @ ${p.avgPrice.toDecimalPlaces(8).toFixed()}  cost ${formatMoney(p.cost.toFixed(), quote)}` +
          (p.takeProfitPrice
            ? `  TP ${p.takeProfitPrice.toFixed()}  SL ${p.stopPrice?.toFixed()} (limit ${p.stopLimitPrice?.toFixed()})`
            : ''),
      );
    }
    const sets = store.parameterSets();
    w(`\nParameter sets it trades (${sets.length}):`);
    for (const p of sets)
      w(
        `  ${p.symbol.padEnd(10)} ${p.enabled ? '' : '(disabled) '}${p.allocationPercent}%  z >= ${p.zScoreThreshold}  TP +${p.profitPercent}%  SL -${p.stopLossPercent}%`,
      );
    const trades = store.trades(10);
    w(`\nLast ${trades.length} closed trade(s):`);
    for (const t of trades) {
      w(
        `  ${t.exitTime.slice(0, 16).replace('T', ' ')}  ${t.symbol.padEnd(10)} ${t.exitReason.padEnd(12)} ${t.entryPrice.toDecimalPlaces(8).toFixed()} -> ${t.exitPrice.toDecimalPlaces(8).toFixed()}  PnL ${formatMoney(t.pnl.toFixed(), quote)} (${t.pnlPercent.toFixed(2)}%)`,
      );
    }
    return 0;
  } finally {
    db.close();
  }
}
