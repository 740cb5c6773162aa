import { formatMoney } from '../../../shared/money/format';
import { Ledger } from '../../core/ledger/ledger';
import { openLedgerDatabase, peekLedger } from '../../store/database';
import { SqliteLedgerStore } from '../../store/sqlite-ledger-store';
import { ledgerFileFor, parseMarket, type parseCommandLine } from '../options';
import { statusJson } from '../summary';

type Values = ReturnType<typeof parseCommandLine>['values'];

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
      w(JSON.stringify({ file, mode: meta.mode, environment: meta.environment, status: ledger.getAllocationStatus() }));
      return 0;
    }
    w(`Ledger ${file} (${meta.mode}, ${meta.environment})`);
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
