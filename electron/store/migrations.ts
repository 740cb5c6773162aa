import type BetterSqlite3 from 'better-sqlite3';

/**
 * The ledger schema, as an ordered list of migrations. Each runs in its own transaction and is
 * recorded in `schema_migrations`, so re-opening a ledger applies only the ones it has not seen.
 *
 * Rules for adding one: append, never edit or reorder a released migration (ledgers in the field
 * already ran it), and keep ids consecutive.
 *
 * Storage conventions:
 * - every Decimal is TEXT written with `toFixed()` (never a REAL: binary floats cannot hold
 *   0.1, and exponent notation would need a parser), read back with `new Decimal(text)`;
 * - ISO 8601 times are TEXT, epoch-ms times (paper exchange) are INTEGER;
 * - optional fields are NULL;
 * - no foreign keys between tables: the engine writes a reservation, its position and its entry
 *   order in whatever order suits it, and an orphan left by a crash is reconciliation's business.
 *   A constraint failing on the trading path would be worse than an orphan row.
 */
export interface Migration {
  id: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'initial ledger and paper exchange schema',
    sql: `
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );

      CREATE TABLE parameter_sets (
        symbol     TEXT PRIMARY KEY,
        position   INTEGER NOT NULL,
        json       TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE reservations (
        symbol      TEXT PRIMARY KEY,
        amount      TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        position_id INTEGER NOT NULL,
        order_ref   TEXT NOT NULL
      );

      CREATE TABLE positions (
        id                       INTEGER PRIMARY KEY,
        symbol                   TEXT NOT NULL,
        status                   TEXT NOT NULL
                                 CHECK (status IN ('opening', 'open', 'protected', 'exiting', 'closed')),
        params                   TEXT NOT NULL,
        entry_client_order_id    TEXT NOT NULL,
        entry_order_id           TEXT,
        bought_qty               TEXT NOT NULL,
        sell_qty                 TEXT NOT NULL,
        cost                     TEXT NOT NULL,
        avg_price                TEXT NOT NULL,
        entry_fee_quote          TEXT NOT NULL,
        take_profit_price        TEXT,
        stop_price               TEXT,
        stop_limit_price         TEXT,
        oco_list_client_order_id TEXT,
        oco_list_id              TEXT,
        oco_attempts             INTEGER NOT NULL,
        exit_reason              TEXT,
        exit_client_order_id     TEXT,
        opened_at                TEXT NOT NULL,
        closed_at                TEXT
      );
      -- The allocation invariant in the schema itself: at most one live position per symbol.
      CREATE UNIQUE INDEX positions_one_live_per_symbol ON positions (symbol) WHERE status != 'closed';

      CREATE TABLE orders (
        client_order_id      TEXT PRIMARY KEY,
        position_id          INTEGER NOT NULL,
        symbol               TEXT NOT NULL,
        purpose              TEXT NOT NULL,
        side                 TEXT NOT NULL,
        type                 TEXT NOT NULL,
        state                TEXT NOT NULL,
        exchange_order_id    TEXT,
        list_client_order_id TEXT,
        requested_quote      TEXT,
        requested_qty        TEXT,
        price                TEXT,
        stop_price           TEXT,
        executed_qty         TEXT NOT NULL,
        cum_quote            TEXT NOT NULL,
        created_at           TEXT NOT NULL,
        updated_at           TEXT NOT NULL,
        error                TEXT
      );
      CREATE INDEX orders_by_state ON orders (state);
      CREATE INDEX orders_by_position ON orders (position_id);

      CREATE TABLE fills (
        client_order_id  TEXT NOT NULL,
        trade_id         TEXT NOT NULL,
        price            TEXT NOT NULL,
        qty              TEXT NOT NULL,
        commission       TEXT NOT NULL,
        commission_asset TEXT NOT NULL,
        time             TEXT NOT NULL,
        UNIQUE (client_order_id, trade_id)
      );

      -- One closed trade per position: re-recording it (after a crash, say) updates the row
      -- instead of counting the profit twice.
      CREATE TABLE trades (
        position_id INTEGER PRIMARY KEY,
        symbol      TEXT NOT NULL,
        entry_time  TEXT NOT NULL,
        exit_time   TEXT NOT NULL,
        entry_price TEXT NOT NULL,
        exit_price  TEXT NOT NULL,
        quantity    TEXT NOT NULL,
        cost        TEXT NOT NULL,
        proceeds    TEXT NOT NULL,
        fees        TEXT NOT NULL,
        pnl         TEXT NOT NULL,
        pnl_percent REAL NOT NULL,
        exit_reason TEXT NOT NULL
      );
      CREATE INDEX trades_by_exit_time ON trades (exit_time);

      CREATE TABLE events (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        time    TEXT NOT NULL,
        kind    TEXT NOT NULL,
        symbol  TEXT,
        message TEXT NOT NULL,
        data    TEXT
      );
      CREATE INDEX events_by_time ON events (time);

      CREATE TABLE paper_balances (
        asset  TEXT PRIMARY KEY,
        free   TEXT NOT NULL,
        locked TEXT NOT NULL
      );

      CREATE TABLE paper_orders (
        order_id             INTEGER PRIMARY KEY,
        client_order_id      TEXT NOT NULL UNIQUE,
        symbol               TEXT NOT NULL,
        side                 TEXT NOT NULL,
        type                 TEXT NOT NULL,
        status               TEXT NOT NULL,
        orig_qty             TEXT NOT NULL,
        quote_order_qty      TEXT,
        price                TEXT,
        stop_price           TEXT,
        executed_qty         TEXT NOT NULL,
        cum_quote            TEXT NOT NULL,
        list_id              INTEGER,
        list_client_order_id TEXT,
        triggered            INTEGER NOT NULL,
        time                 INTEGER NOT NULL,
        fills                TEXT NOT NULL
      );

      CREATE TABLE paper_order_lists (
        list_id              INTEGER PRIMARY KEY,
        list_client_order_id TEXT NOT NULL UNIQUE,
        symbol               TEXT NOT NULL,
        status               TEXT NOT NULL,
        take_profit_order_id INTEGER NOT NULL,
        stop_loss_order_id   INTEGER NOT NULL
      );

      CREATE TABLE paper_prices (
        symbol TEXT PRIMARY KEY,
        price  TEXT NOT NULL,
        time   INTEGER NOT NULL
      );

      -- A single row (id = 1) with the simulated exchange's id counters.
      CREATE TABLE paper_counters (
        id            INTEGER PRIMARY KEY CHECK (id = 1),
        next_order_id INTEGER NOT NULL,
        next_list_id  INTEGER NOT NULL,
        next_trade_id INTEGER NOT NULL
      );
    `,
  },
  {
    id: 2,
    name: 'positions book each sell fill: sold quantity, proceeds, exit and other-asset commission',
    sql: `
      ALTER TABLE positions ADD COLUMN sold_qty        TEXT NOT NULL DEFAULT '0';
      ALTER TABLE positions ADD COLUMN sold_quote      TEXT NOT NULL DEFAULT '0';
      ALTER TABLE positions ADD COLUMN proceeds        TEXT NOT NULL DEFAULT '0';
      ALTER TABLE positions ADD COLUMN exit_fee_quote  TEXT NOT NULL DEFAULT '0';
      ALTER TABLE positions ADD COLUMN other_fee_quote TEXT NOT NULL DEFAULT '0';
      CREATE INDEX fills_by_order ON fills (client_order_id);
    `,
  },
];

/** The id of the newest migration this build knows. */
export const LATEST_MIGRATION_ID = MIGRATIONS.reduce((max, m) => Math.max(max, m.id), 0);

const CREATE_TRACKING_TABLE = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`;

/** Ids of the migrations a database has run; empty when it has no tracking table yet. */
export function appliedMigrationIds(db: BetterSqlite3.Database): number[] {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!table) return [];
  return db
    .prepare('SELECT id FROM schema_migrations ORDER BY id')
    .pluck()
    .all()
    .map((id) => Number(id));
}

/**
 * Applies every migration the database has not run yet, each in its own transaction (a failure
 * leaves the database at the last migration that succeeded). Returns the ids it applied.
 */
export function runMigrations(
  db: BetterSqlite3.Database,
  migrations: readonly Migration[] = MIGRATIONS,
  now: () => Date = () => new Date(),
): number[] {
  db.exec(CREATE_TRACKING_TABLE);
  const done = new Set(appliedMigrationIds(db));
  const record = db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)');
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.id - b.id)) {
    if (done.has(m.id)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.id, m.name, now().toISOString());
    })();
    applied.push(m.id);
  }
  return applied;
}
