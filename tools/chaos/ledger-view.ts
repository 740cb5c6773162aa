import Database from 'better-sqlite3';
import { Decimal } from '../../electron/core/money/decimal';

/**
 * What the chaos checks read from the trader's ledger file: plain SQL on a read-only connection
 * (WAL: a consistent snapshot of committed transactions while the trader writes), independent of
 * the engine's own code.
 */

interface LedgerPosition {
  id: number;
  symbol: string;
  status: string;
  cost: Decimal;
  proceeds: Decimal;
  ocoListClientOrderId: string | null;
  stopLimitPrice: number | undefined;
}

interface LedgerOrder {
  clientOrderId: string;
  state: string;
  executedQty: Decimal;
}

export interface LedgerView {
  quoteBalance: Decimal;
  live: LedgerPosition[];
  reservations: { symbol: string; amount: Decimal; positionId: number }[];
  orders: Map<string, LedgerOrder>;
  trades: number;
  positions: number;
}

/** Reads the ledger at `file`; undefined when it does not exist yet (the first start has not made it). */
export function readLedger(file: string): LedgerView | undefined {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch {
    return undefined;
  }
  try {
    const hasMeta = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'positions'").get();
    if (!hasMeta) return undefined;
    return db.transaction(() => {
      const quote = db.prepare("SELECT value FROM meta WHERE key = 'quote_balance'").get() as
        { value: string } | undefined;
      const live = (
        db
          .prepare(
            "SELECT id, symbol, status, cost, proceeds, oco_list_client_order_id, stop_limit_price FROM positions WHERE status != 'closed'",
          )
          .all() as {
          id: number;
          symbol: string;
          status: string;
          cost: string;
          proceeds: string;
          oco_list_client_order_id: string | null;
          stop_limit_price: string | null;
        }[]
      ).map((p) => ({
        id: p.id,
        symbol: p.symbol,
        status: p.status,
        cost: new Decimal(p.cost),
        proceeds: new Decimal(p.proceeds),
        ocoListClientOrderId: p.oco_list_client_order_id,
        stopLimitPrice: p.stop_limit_price === null ? undefined : Number(p.stop_limit_price),
      }));
      const reservations = (
        db.prepare('SELECT symbol, amount, position_id FROM reservations').all() as {
          symbol: string;
          amount: string;
          position_id: number;
        }[]
      ).map((r) => ({ symbol: r.symbol, amount: new Decimal(r.amount), positionId: r.position_id }));
      const orders = new Map<string, LedgerOrder>();
      for (const o of db.prepare('SELECT client_order_id, state, executed_qty FROM orders').all() as {
        client_order_id: string;
        state: string;
        executed_qty: string;
      }[])
        orders.set(o.client_order_id, {
          clientOrderId: o.client_order_id,
          state: o.state,
          executedQty: new Decimal(o.executed_qty),
        });
      const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      return {
        quoteBalance: new Decimal(quote?.value ?? '0'),
        live,
        reservations,
        orders,
        trades: count('SELECT COUNT(*) AS n FROM trades'),
        positions: count('SELECT COUNT(*) AS n FROM positions'),
      };
    })();
  } finally {
    db.close();
  }
}

/** The ledger's total balance: quote balance plus what open positions still cost (cost - proceeds, at least 0). */
export function totalBalance(v: LedgerView): Decimal {
  return v.live.reduce((s, p) => {
    const left = p.cost.sub(p.proceeds);
    return left.isNegative() ? s : s.add(left);
  }, v.quoteBalance);
}
