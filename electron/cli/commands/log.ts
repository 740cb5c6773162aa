import { openLedgerDatabase, peekLedger } from '../../store/database';
import { SqliteLedgerStore } from '../../store/sqlite-ledger-store';
import { ledgerFileFor, parseMarket, UsageError, type Values } from '../options';

const LEVELS = ['all', 'warning', 'error'] as const;

/**
 * `log`: the ledger's journal, oldest first: every reservation, order, fill, close and release it
 * recorded, and the engine's warnings and errors (so what a run said survives it). Read-only: works
 * while another process trades on the ledger.
 */
export function logCommand(values: Values): number {
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100_000)
    throw new UsageError(`--limit=${values.limit} is out of range; use 1 to 100000 lines`);
  const level = (values.level ?? 'all') as (typeof LEVELS)[number];
  if (!LEVELS.includes(level))
    throw new UsageError(`--level=${values.level} is not understood; use all, warning or error`);
  const file = ledgerFileFor(values, parseMarket(values.market, values));
  const meta = peekLedger(file);
  const db = openLedgerDatabase(file, { mode: meta.mode, environment: meta.environment, readonly: true });
  try {
    const store = new SqliteLedgerStore(db);
    const kinds = level === 'error' ? ['error'] : level === 'warning' ? ['warning', 'error'] : undefined;
    // Filtered in SQL would be faster; the journal is read rarely, and a generous window keeps it simple.
    const events = store.events(kinds ? Math.min(100_000, limit * 50) : limit);
    const shown = (kinds ? events.filter((e) => kinds.includes(e.kind)) : events).slice(-limit);
    const w = (l: string) => process.stdout.write(`${l}\n`);
    if (values['log-format'] === 'json') {
      for (const e of shown) w(JSON.stringify(e));
      return 0;
    }
    w(
      `Journal of ${file} (${meta.mode}, ${meta.environment}): the last ${shown.length} line(s)${kinds ? ` of level ${level}` : ''}`,
    );
    for (const e of shown)
      w(`${e.time.slice(0, 19).replace('T', ' ')}  ${e.kind.padEnd(9)} ${(e.symbol ?? '').padEnd(10)} ${e.message}`);
    return 0;
  } finally {
    db.close();
  }
}
