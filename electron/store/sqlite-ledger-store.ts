import type { Statement } from 'better-sqlite3';
import type { ParameterSet } from '../../shared/params/schema';
import type {
  ClosedTrade,
  ExitReason,
  LedgerEventRecord,
  OrderPurpose,
  OrderRecord,
  OrderState,
  Position,
  PositionStatus,
  Reservation,
  StoredFill,
} from '../core/ledger/records';
import type { Decimal } from '../core/money/decimal';
import type { OrderSide, OrderType } from '../core/ports/exchange';
import type { LedgerReader, LedgerSnapshot, LedgerStore } from '../core/ports/ledger-store';
import type { LedgerDatabase } from './database';
import {
  decText,
  defined,
  opt,
  optDecText,
  optTextDec,
  orNull,
  safeJson,
  sqlLimit,
  textDec,
  upsertSql,
  type SqlText,
} from './sql-values';

interface ReservationRow {
  symbol: string;
  amount: string;
  created_at: string;
  position_id: number;
  order_ref: string;
}

interface PositionRow {
  id: number;
  symbol: string;
  status: string;
  params: string;
  entry_client_order_id: string;
  entry_order_id: SqlText;
  bought_qty: string;
  sell_qty: string;
  cost: string;
  avg_price: string;
  entry_fee_quote: string;
  sold_qty: string;
  sold_quote: string;
  proceeds: string;
  exit_fee_quote: string;
  other_fee_quote: string;
  take_profit_price: SqlText;
  stop_price: SqlText;
  stop_limit_price: SqlText;
  oco_list_client_order_id: SqlText;
  oco_list_id: SqlText;
  oco_attempts: number;
  exit_reason: SqlText;
  exit_client_order_id: SqlText;
  opened_at: string;
  closed_at: SqlText;
}

interface OrderRow {
  client_order_id: string;
  position_id: number;
  symbol: string;
  purpose: string;
  side: string;
  type: string;
  state: string;
  exchange_order_id: SqlText;
  list_client_order_id: SqlText;
  requested_quote: SqlText;
  requested_qty: SqlText;
  price: SqlText;
  stop_price: SqlText;
  executed_qty: string;
  cum_quote: string;
  created_at: string;
  updated_at: string;
  error: SqlText;
}

interface FillRow {
  client_order_id: string;
  trade_id: string;
  price: string;
  qty: string;
  commission: string;
  commission_asset: string;
  time: string;
}

interface TradeRow {
  position_id: number;
  symbol: string;
  entry_time: string;
  exit_time: string;
  entry_price: string;
  exit_price: string;
  quantity: string;
  cost: string;
  proceeds: string;
  fees: string;
  pnl: string;
  pnl_percent: number;
  exit_reason: string;
}

interface EventRow {
  time: string;
  kind: string;
  symbol: SqlText;
  message: string;
  data: SqlText;
}

const POSITION_COLUMNS = [
  'id',
  'symbol',
  'status',
  'params',
  'entry_client_order_id',
  'entry_order_id',
  'bought_qty',
  'sell_qty',
  'cost',
  'avg_price',
  'entry_fee_quote',
  'sold_qty',
  'sold_quote',
  'proceeds',
  'exit_fee_quote',
  'other_fee_quote',
  'take_profit_price',
  'stop_price',
  'stop_limit_price',
  'oco_list_client_order_id',
  'oco_list_id',
  'oco_attempts',
  'exit_reason',
  'exit_client_order_id',
  'opened_at',
  'closed_at',
] as const satisfies readonly (keyof PositionRow)[];

const ORDER_COLUMNS = [
  'client_order_id',
  'position_id',
  'symbol',
  'purpose',
  'side',
  'type',
  'state',
  'exchange_order_id',
  'list_client_order_id',
  'requested_quote',
  'requested_qty',
  'price',
  'stop_price',
  'executed_qty',
  'cum_quote',
  'created_at',
  'updated_at',
  'error',
] as const satisfies readonly (keyof OrderRow)[];

const TRADE_COLUMNS = [
  'position_id',
  'symbol',
  'entry_time',
  'exit_time',
  'entry_price',
  'exit_price',
  'quantity',
  'cost',
  'proceeds',
  'fees',
  'pnl',
  'pnl_percent',
  'exit_reason',
] as const satisfies readonly (keyof TradeRow)[];

const RESERVATION_COLUMNS = [
  'symbol',
  'amount',
  'created_at',
  'position_id',
  'order_ref',
] as const satisfies readonly (keyof ReservationRow)[];

function positionRow(p: Position): PositionRow {
  return {
    id: p.id,
    symbol: p.symbol,
    status: p.status,
    params: JSON.stringify(p.params),
    entry_client_order_id: p.entryClientOrderId,
    entry_order_id: orNull(p.entryOrderId),
    bought_qty: decText(p.boughtQty),
    sell_qty: decText(p.sellQty),
    cost: decText(p.cost),
    avg_price: decText(p.avgPrice),
    entry_fee_quote: decText(p.entryFeeQuote),
    sold_qty: decText(p.soldQty),
    sold_quote: decText(p.soldQuote),
    proceeds: decText(p.proceeds),
    exit_fee_quote: decText(p.exitFeeQuote),
    other_fee_quote: decText(p.otherFeeQuote),
    take_profit_price: optDecText(p.takeProfitPrice),
    stop_price: optDecText(p.stopPrice),
    stop_limit_price: optDecText(p.stopLimitPrice),
    oco_list_client_order_id: orNull(p.ocoListClientOrderId),
    oco_list_id: orNull(p.ocoListId),
    oco_attempts: p.ocoAttempts,
    exit_reason: orNull(p.exitReason),
    exit_client_order_id: orNull(p.exitClientOrderId),
    opened_at: p.openedAt,
    closed_at: orNull(p.closedAt),
  };
}

function rowPosition(r: PositionRow): Position {
  return defined<Position>({
    id: r.id,
    symbol: r.symbol,
    status: r.status as PositionStatus,
    params: { stopOrderType: 'limit', ...(JSON.parse(r.params) as Partial<ParameterSet>) } as ParameterSet,
    entryClientOrderId: r.entry_client_order_id,
    entryOrderId: opt(r.entry_order_id),
    boughtQty: textDec(r.bought_qty),
    sellQty: textDec(r.sell_qty),
    cost: textDec(r.cost),
    avgPrice: textDec(r.avg_price),
    entryFeeQuote: textDec(r.entry_fee_quote),
    soldQty: textDec(r.sold_qty),
    soldQuote: textDec(r.sold_quote),
    proceeds: textDec(r.proceeds),
    exitFeeQuote: textDec(r.exit_fee_quote),
    otherFeeQuote: textDec(r.other_fee_quote),
    takeProfitPrice: optTextDec(r.take_profit_price),
    stopPrice: optTextDec(r.stop_price),
    stopLimitPrice: optTextDec(r.stop_limit_price),
    ocoListClientOrderId: opt(r.oco_list_client_order_id),
    ocoListId: opt(r.oco_list_id),
    ocoAttempts: r.oco_attempts,
    exitReason: opt(r.exit_reason) as ExitReason | undefined,
    exitClientOrderId: opt(r.exit_client_order_id),
    openedAt: r.opened_at,
    closedAt: opt(r.closed_at),
  });
}

function orderRow(o: OrderRecord): OrderRow {
  return {
    client_order_id: o.clientOrderId,
    position_id: o.positionId,
    symbol: o.symbol,
    purpose: o.purpose,
    side: o.side,
    type: o.type,
    state: o.state,
    exchange_order_id: orNull(o.exchangeOrderId),
    list_client_order_id: orNull(o.listClientOrderId),
    requested_quote: optDecText(o.requestedQuote),
    requested_qty: optDecText(o.requestedQty),
    price: optDecText(o.price),
    stop_price: optDecText(o.stopPrice),
    executed_qty: decText(o.executedQty),
    cum_quote: decText(o.cumQuote),
    created_at: o.createdAt,
    updated_at: o.updatedAt,
    error: orNull(o.error),
  };
}

function rowOrder(r: OrderRow): OrderRecord {
  return defined<OrderRecord>({
    clientOrderId: r.client_order_id,
    positionId: r.position_id,
    symbol: r.symbol,
    purpose: r.purpose as OrderPurpose,
    side: r.side as OrderSide,
    type: r.type as OrderType,
    state: r.state as OrderState,
    exchangeOrderId: opt(r.exchange_order_id),
    listClientOrderId: opt(r.list_client_order_id),
    requestedQuote: optTextDec(r.requested_quote),
    requestedQty: optTextDec(r.requested_qty),
    price: optTextDec(r.price),
    stopPrice: optTextDec(r.stop_price),
    executedQty: textDec(r.executed_qty),
    cumQuote: textDec(r.cum_quote),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    error: opt(r.error),
  });
}

function tradeRow(t: ClosedTrade): TradeRow {
  return {
    position_id: t.positionId,
    symbol: t.symbol,
    entry_time: t.entryTime,
    exit_time: t.exitTime,
    entry_price: decText(t.entryPrice),
    exit_price: decText(t.exitPrice),
    quantity: decText(t.quantity),
    cost: decText(t.cost),
    proceeds: decText(t.proceeds),
    fees: decText(t.fees),
    pnl: decText(t.pnl),
    pnl_percent: t.pnlPercent,
    exit_reason: t.exitReason,
  };
}

function rowTrade(r: TradeRow): ClosedTrade {
  return {
    positionId: r.position_id,
    symbol: r.symbol,
    entryTime: r.entry_time,
    exitTime: r.exit_time,
    entryPrice: textDec(r.entry_price),
    exitPrice: textDec(r.exit_price),
    quantity: textDec(r.quantity),
    cost: textDec(r.cost),
    proceeds: textDec(r.proceeds),
    fees: textDec(r.fees),
    pnl: textDec(r.pnl),
    pnlPercent: r.pnl_percent,
    exitReason: r.exit_reason as ExitReason,
  };
}

function rowFill(r: FillRow): StoredFill {
  return {
    clientOrderId: r.client_order_id,
    tradeId: r.trade_id,
    price: textDec(r.price),
    qty: textDec(r.qty),
    commission: textDec(r.commission),
    commissionAsset: r.commission_asset,
    time: r.time,
  };
}

function rowEvent(r: EventRow): LedgerEventRecord {
  return defined<LedgerEventRecord>({
    time: r.time,
    kind: r.kind,
    symbol: opt(r.symbol),
    message: r.message,
    data: r.data === null ? undefined : (JSON.parse(r.data) as unknown),
  });
}

/**
 * The engine's ledger in SQLite. Every statement is prepared once, here; each write is one
 * statement, so a write outside `transaction` is atomic on its own and a group inside it lands
 * together or not at all.
 *
 * It shares its LedgerDatabase (one connection) with the paper store; `close()` closes that
 * database, and with it the lock, so the owner of the ledger store is the one that shuts down.
 * On a read-only database the reads work and every write throws SQLITE_READONLY.
 */
export class SqliteLedgerStore implements LedgerStore, LedgerReader {
  private readonly tx: (fn: () => unknown) => unknown;
  private readonly s: {
    metaAll: Statement<[], { key: string; value: string }>;
    metaPut: Statement<[string, string]>;
    reservationsAll: Statement<[], ReservationRow>;
    reservationPut: Statement<[ReservationRow]>;
    reservationDelete: Statement<[string]>;
    positionsLive: Statement<[], PositionRow>;
    positionsAll: Statement<[], PositionRow>;
    positionPut: Statement<[PositionRow]>;
    maxPositionId: Statement<[], number>;
    ordersLive: Statement<[], OrderRow>;
    fillsLive: Statement<[], FillRow>;
    tradesUnsettled: Statement<[], TradeRow>;
    ordersForPosition: Statement<[number], OrderRow>;
    orderPut: Statement<[OrderRow]>;
    fillAdd: Statement<[FillRow]>;
    fillsForOrder: Statement<[string], FillRow>;
    tradePut: Statement<[TradeRow]>;
    tradesNewest: Statement<[number], TradeRow>;
    eventAdd: Statement<[EventRow]>;
    eventsNewest: Statement<[number], EventRow>;
    paramsAll: Statement<[], { json: string }>;
    paramsPut: Statement<[{ symbol: string; position: number; json: string; updated_at: string }]>;
    paramsDeleteOne: Statement<[string]>;
  };

  constructor(private readonly ledger: LedgerDatabase) {
    const db = ledger.db;
    // One generic transaction wrapper: better-sqlite3 turns a call made while a transaction is
    // already open into a SAVEPOINT, so transaction() nests (an inner throw undoes only the inner
    // part if the outer fn catches it; an outer throw undoes everything).
    this.tx = db.transaction((fn: () => unknown) => {
      const result = fn();
      if (result instanceof Promise) {
        // Committing here would commit before the async work ran: refuse (this rolls back).
        throw new TypeError('LedgerStore.transaction(fn): fn must be synchronous, it returned a Promise');
      }
      return result;
    });
    this.s = {
      metaAll: db.prepare('SELECT key, value FROM meta'),
      metaPut: db.prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
      reservationsAll: db.prepare('SELECT * FROM reservations ORDER BY created_at, symbol'),
      reservationPut: db.prepare(upsertSql('reservations', RESERVATION_COLUMNS, ['symbol'])),
      reservationDelete: db.prepare('DELETE FROM reservations WHERE symbol = ?'),
      positionsLive: db.prepare("SELECT * FROM positions WHERE status != 'closed' ORDER BY id"),
      positionsAll: db.prepare('SELECT * FROM positions ORDER BY id'),
      positionPut: db.prepare(upsertSql('positions', POSITION_COLUMNS, ['id'])),
      // Every id seen anywhere, so a crash between writing a reservation or an order and its
      // position can never lead to an id being handed out twice.
      maxPositionId: db
        .prepare(
          `SELECT max(
             (SELECT coalesce(max(id), 0) FROM positions),
             (SELECT coalesce(max(position_id), 0) FROM reservations),
             (SELECT coalesce(max(position_id), 0) FROM orders),
             (SELECT coalesce(max(position_id), 0) FROM trades))`,
        )
        .pluck() as Statement<[], number>,
      ordersLive: db.prepare(
        `SELECT * FROM orders
         WHERE state IN ('pending', 'open')
            OR position_id IN (SELECT id FROM positions WHERE status != 'closed')
         ORDER BY created_at, client_order_id`,
      ),
      fillsLive: db.prepare(
        `SELECT * FROM fills WHERE client_order_id IN (
           SELECT client_order_id FROM orders
           WHERE state IN ('pending', 'open')
              OR position_id IN (SELECT id FROM positions WHERE status != 'closed'))
         ORDER BY rowid`,
      ),
      // Trades of closed positions whose sale's outcome is still unknown (see ClosedSales).
      tradesUnsettled: db.prepare(
        `SELECT * FROM trades WHERE position_id IN (
           SELECT position_id FROM orders WHERE state IN ('pending', 'open') AND purpose = 'exit')
         ORDER BY position_id`,
      ),
      ordersForPosition: db.prepare('SELECT * FROM orders WHERE position_id = ? ORDER BY created_at, client_order_id'),
      orderPut: db.prepare(upsertSql('orders', ORDER_COLUMNS, ['client_order_id'])),
      fillAdd: db.prepare(
        `INSERT OR IGNORE INTO fills (client_order_id, trade_id, price, qty, commission, commission_asset, time)
         VALUES (@client_order_id, @trade_id, @price, @qty, @commission, @commission_asset, @time)`,
      ),
      fillsForOrder: db.prepare('SELECT * FROM fills WHERE client_order_id = ? ORDER BY rowid'),
      tradePut: db.prepare(upsertSql('trades', TRADE_COLUMNS, ['position_id'])),
      tradesNewest: db.prepare('SELECT * FROM trades ORDER BY exit_time DESC, position_id DESC LIMIT ?'),
      eventAdd: db.prepare(
        'INSERT INTO events (time, kind, symbol, message, data) VALUES (@time, @kind, @symbol, @message, @data)',
      ),
      eventsNewest: db.prepare('SELECT time, kind, symbol, message, data FROM events ORDER BY id DESC LIMIT ?'),
      paramsAll: db.prepare('SELECT json FROM parameter_sets ORDER BY position, symbol'),
      paramsPut: db.prepare(
        `INSERT INTO parameter_sets (symbol, position, json, updated_at) VALUES (@symbol, @position, @json, @updated_at)
         ON CONFLICT (symbol) DO UPDATE SET
           position = excluded.position,
           updated_at = CASE WHEN json = excluded.json THEN updated_at ELSE excluded.updated_at END,
           json = excluded.json`,
      ),
      paramsDeleteOne: db.prepare('DELETE FROM parameter_sets WHERE symbol = ?'),
    };
  }

  get ledgerId(): string {
    return this.ledger.ledgerId;
  }

  transaction<T>(fn: () => T): T {
    const result = this.tx(fn) as T;
    if (!this.ledger.db.inTransaction) this.ledger.committed();
    return result;
  }

  load(): LedgerSnapshot {
    // One read transaction, so the snapshot is consistent even if another connection writes.
    return this.transaction(() => {
      const meta = new Map(this.s.metaAll.all().map((r) => [r.key, r.value]));
      const balance = meta.get('quote_balance');
      const cursor = meta.get('cursor');
      return {
        ledgerId: meta.get('ledger_id') ?? this.ledger.ledgerId,
        quoteAsset: meta.get('quote_asset'),
        quoteBalance: balance === undefined ? undefined : textDec(balance),
        reservations: this.s.reservationsAll.all().map((r): Reservation => ({
          symbol: r.symbol,
          amount: textDec(r.amount),
          createdAt: r.created_at,
          positionId: r.position_id,
          orderRef: r.order_ref,
        })),
        positions: this.s.positionsLive.all().map(rowPosition),
        openOrders: this.s.ordersLive.all().map(rowOrder),
        bookedFills: this.s.fillsLive.all().map(rowFill),
        unsettledTrades: this.s.tradesUnsettled.all().map(rowTrade),
        nextPositionId: (this.s.maxPositionId.get() ?? 0) + 1,
        cursor: cursor === undefined ? undefined : Number(cursor),
        cursorSymbol: meta.get('cursor_symbol') || undefined,
        emergencyStop: meta.get('emergency_stop') === '1',
      };
    });
  }

  setQuote(asset: string, balance: Decimal): void {
    this.transaction(() => {
      this.s.metaPut.run('quote_asset', asset);
      this.s.metaPut.run('quote_balance', decText(balance));
    });
  }

  putReservation(r: Reservation): void {
    this.s.reservationPut.run({
      symbol: r.symbol,
      amount: decText(r.amount),
      created_at: r.createdAt,
      position_id: r.positionId,
      order_ref: r.orderRef,
    });
  }

  deleteReservation(symbol: string): void {
    this.s.reservationDelete.run(symbol);
  }

  /** Insert or update by id. A second live position for a symbol throws (UNIQUE constraint). */
  putPosition(p: Position): void {
    this.s.positionPut.run(positionRow(p));
  }

  putOrder(o: OrderRecord): void {
    this.s.orderPut.run(orderRow(o));
  }

  /** A fill already recorded (same client order id and trade id) is ignored. */
  addFills(fills: readonly StoredFill[]): void {
    if (fills.length === 0) return;
    this.transaction(() => {
      for (const f of fills) {
        this.s.fillAdd.run({
          client_order_id: f.clientOrderId,
          trade_id: f.tradeId,
          price: decText(f.price),
          qty: decText(f.qty),
          commission: decText(f.commission),
          commission_asset: f.commissionAsset,
          time: f.time,
        });
      }
    });
  }

  /** One trade per position: recording it again replaces the earlier row. */
  addTrade(t: ClosedTrade): void {
    this.s.tradePut.run(tradeRow(t));
  }

  addEvent(e: LedgerEventRecord): void {
    this.s.eventAdd.run({
      time: e.time,
      kind: e.kind,
      symbol: orNull(e.symbol),
      message: e.message,
      data: safeJson(e.data),
    });
  }

  setCursor(closeTime: number, symbol?: string): void {
    this.s.metaPut.run('cursor', String(closeTime));
    this.s.metaPut.run('cursor_symbol', symbol ?? '');
  }

  setEmergencyStop(on: boolean): void {
    this.s.metaPut.run('emergency_stop', on ? '1' : '0');
  }

  /** Replaces the stored sets with these, in this order; an unchanged set keeps its updated_at. */
  saveParameterSets(sets: readonly ParameterSet[]): void {
    const now = new Date().toISOString();
    this.transaction(() => {
      const keep = new Set(sets.map((s) => s.symbol));
      for (const stored of this.parameterSets()) {
        if (!keep.has(stored.symbol)) this.s.paramsDeleteOne.run(stored.symbol);
      }
      sets.forEach((set, position) =>
        this.s.paramsPut.run({ symbol: set.symbol, position, json: JSON.stringify(set), updated_at: now }),
      );
    });
  }

  /** Closes the shared database (and releases the ledger lock). Idempotent. */
  close(): void {
    this.ledger.close();
  }

  // ---- reads for reports ----

  /** Closed trades, newest last; `limit` keeps the newest ones (all when omitted). */
  trades(limit?: number): ClosedTrade[] {
    return this.s.tradesNewest.all(sqlLimit(limit)).map(rowTrade).reverse();
  }

  /** Events in the order they were written, newest last; `limit` keeps the newest ones. */
  events(limit?: number): LedgerEventRecord[] {
    return this.s.eventsNewest.all(sqlLimit(limit)).map(rowEvent).reverse();
  }

  parameterSets(): ParameterSet[] {
    return this.s.paramsAll.all().map((r) => JSON.parse(r.json) as ParameterSet);
  }

  /** Every position, closed ones included, by id. */
  positionsAll(): Position[] {
    return this.s.positionsAll.all().map(rowPosition);
  }

  /** Every order of one position, in creation order. */
  ordersForPosition(positionId: number): OrderRecord[] {
    return this.s.ordersForPosition.all(positionId).map(rowOrder);
  }

  /** Every fill recorded for one order, in the order recorded. */
  fillsForOrder(clientOrderId: string): StoredFill[] {
    return this.s.fillsForOrder.all(clientOrderId).map(rowFill);
  }
}
