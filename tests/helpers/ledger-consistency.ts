import Database from 'better-sqlite3';
import { Decimal } from '../../electron/core/money/decimal';

/**
 * Reads a paper ledger file with plain SQL (independently of the engine's code) and lists every
 * way the ledger and the paper exchange disagree, or the ledger breaks its own rules.
 */
export function ledgerProblems(file: string): { problems: string[]; counts: Record<string, number> } {
  const db = new Database(file, { readonly: true });
  const problems: string[] = [];
  try {
    const all = <T>(sql: string) => db.prepare(sql).all() as T[];
    const positions = all<{
      id: number;
      symbol: string;
      status: string;
      sell_qty: string;
      cost: string;
      oco_list_client_order_id: string | null;
    }>('SELECT id, symbol, status, sell_qty, cost, oco_list_client_order_id FROM positions');
    const live = positions.filter((p) => p.status !== 'closed');
    const reservations = all<{ symbol: string; amount: string; position_id: number }>(
      'SELECT symbol, amount, position_id FROM reservations',
    );

    // One live position per symbol; a reservation exactly for each live position.
    const bySymbol = new Map<string, number>();
    for (const p of live) bySymbol.set(p.symbol, (bySymbol.get(p.symbol) ?? 0) + 1);
    for (const [s, n] of bySymbol) if (n > 1) problems.push(`${s} has ${n} live positions`);
    for (const p of live) {
      if (!reservations.some((r) => r.position_id === p.id))
        problems.push(`live position #${p.id} ${p.symbol} has no reservation`);
      if (p.status !== 'protected') problems.push(`live position #${p.id} ${p.symbol} is ${p.status}, not protected`);
    }
    for (const r of reservations) {
      if (!live.some((p) => p.id === r.position_id))
        problems.push(`reservation of ${r.symbol} (position #${r.position_id}) has no live position`);
    }

    // Every protected position has an executing OCO on the paper exchange, with its quantity locked.
    const lists = all<{ list_client_order_id: string; status: string; symbol: string }>(
      'SELECT list_client_order_id, status, symbol FROM paper_order_lists',
    );
    const locked = new Map<string, Decimal>();
    for (const p of live) {
      const list = lists.find((l) => l.list_client_order_id === p.oco_list_client_order_id);
      if (!list || list.status !== 'EXECUTING')
        problems.push(`position #${p.id} ${p.symbol} has no executing OCO on the exchange (${list?.status ?? 'none'})`);
      const base = p.symbol.replace(/USDT$/, '');
      locked.set(base, (locked.get(base) ?? new Decimal(0)).add(p.sell_qty));
    }
    for (const l of lists) {
      if (l.status === 'EXECUTING' && !live.some((p) => p.oco_list_client_order_id === l.list_client_order_id)) {
        problems.push(`OCO ${l.list_client_order_id} rests on the exchange but no live position owns it`);
      }
    }
    const balances = all<{ asset: string; free: string; locked: string }>(
      'SELECT asset, free, locked FROM paper_balances',
    );
    for (const b of balances) {
      if (new Decimal(b.free).isNegative() || new Decimal(b.locked).isNegative())
        problems.push(`negative paper balance ${b.asset}`);
      if (b.asset !== 'USDT' && !new Decimal(b.locked).eq(locked.get(b.asset) ?? 0)) {
        problems.push(
          `${b.asset} locked on the exchange is ${b.locked}, the ledger's protected positions hold ${locked.get(b.asset)?.toFixed() ?? '0'}`,
        );
      }
    }

    // The ledger's quote balance is the exchange's.
    const quote = (
      db.prepare("SELECT value FROM meta WHERE key = 'quote_balance'").get() as { value: string } | undefined
    )?.value;
    const usdt = balances.find((b) => b.asset === 'USDT');
    if (!usdt || !quote || !new Decimal(usdt.free).add(usdt.locked).eq(quote)) {
      problems.push(
        `quote balance: ledger ${quote}, exchange ${usdt ? new Decimal(usdt.free).add(usdt.locked).toFixed() : 'none'}`,
      );
    }

    // Every order on the exchange was recorded by the ledger first; every buy belongs to one position.
    const ledgerOrders = new Set(
      all<{ client_order_id: string }>('SELECT client_order_id FROM orders').map((o) => o.client_order_id),
    );
    const paperOrders = all<{ client_order_id: string; side: string; type: string; status: string }>(
      'SELECT client_order_id, side, type, status FROM paper_orders',
    );
    for (const o of paperOrders)
      if (!ledgerOrders.has(o.client_order_id))
        problems.push(`exchange order ${o.client_order_id} is unknown to the ledger`);
    const buys = paperOrders.filter((o) => o.side === 'BUY' && o.status === 'FILLED').length;
    const entered = positions.filter((p) => !new Decimal(p.cost).isZero() || p.status !== 'closed').length;
    const trades = (db.prepare('SELECT COUNT(*) AS n FROM trades').get() as { n: number }).n;
    return {
      problems,
      counts: {
        positions: positions.length,
        live: live.length,
        buys,
        entered,
        trades,
        paperOrders: paperOrders.length,
      },
    };
  } finally {
    db.close();
  }
}
