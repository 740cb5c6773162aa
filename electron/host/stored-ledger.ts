import fs from 'node:fs';
import { Ledger } from '../core/ledger/ledger';
import type { ClosedTrade, LedgerEventRecord } from '../core/ledger/records';
import { openLedgerDatabase, peekLedger } from '../store/database';
import { SqliteLedgerStore } from '../store/sqlite-ledger-store';

/** A ledger file read while nothing trades on it in this host (read-only: another process may own it). */
export interface StoredLedgerView {
  ledger: Ledger;
  trades(): ClosedTrade[];
  /** The journal, newest last; `limit` keeps the newest. */
  events(limit?: number): LedgerEventRecord[];
}

/**
 * Reads a stored ledger and gives `read` a view of it, closing it afterwards. Undefined when the
 * file does not exist (nothing has been traded yet).
 */
export function readStoredLedger<T>(
  file: string,
  fallbackQuote: string,
  read: (v: StoredLedgerView) => T,
): T | undefined {
  if (!fs.existsSync(file)) return undefined;
  const meta = peekLedger(file);
  const db = openLedgerDatabase(file, { mode: meta.mode, environment: meta.environment, readonly: true });
  try {
    const store = new SqliteLedgerStore(db);
    const snapshot = store.load();
    const ledger = new Ledger(store, snapshot.quoteAsset ?? meta.quoteAsset ?? fallbackQuote, snapshot);
    return read({ ledger, trades: () => store.trades(), events: (limit) => store.events(limit) });
  } finally {
    db.close();
  }
}
