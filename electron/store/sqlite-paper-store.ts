import type { Statement } from 'better-sqlite3';
import type {
  PaperBalance,
  PaperOrder,
  PaperOrderList,
  PaperSnapshot,
  PaperStore,
} from '../adapters/paper/paper-store';
import type { Decimal } from '../core/money/decimal';
import type { Fill, OcoListStatus, OrderSide, OrderStatus, OrderType } from '../core/ports/exchange';
import type { LedgerDatabase } from './database';
import { decText, defined, opt, optDecText, optTextDec, orNull, textDec, upsertSql, type SqlText } from './sql-values';

interface PaperOrderRow {
  order_id: number;
  client_order_id: string;
  symbol: string;
  side: string;
  type: string;
  status: string;
  orig_qty: string;
  quote_order_qty: SqlText;
  price: SqlText;
  stop_price: SqlText;
  executed_qty: string;
  cum_quote: string;
  list_id: number | null;
  list_client_order_id: SqlText;
  triggered: number;
  time: number;
  fills: string;
}

interface PaperListRow {
  list_id: number;
  list_client_order_id: string;
  symbol: string;
  status: string;
  take_profit_order_id: number;
  stop_loss_order_id: number;
}

interface CountersRow {
  next_order_id: number;
  next_list_id: number;
  next_trade_id: number;
}

/** A fill inside the paper_orders.fills JSON: Decimals as plain-notation strings. */
interface FillJson {
  price: string;
  qty: string;
  commission: string;
  commissionAsset: string;
  tradeId: string;
}

const ORDER_COLUMNS = [
  'order_id',
  'client_order_id',
  'symbol',
  'side',
  'type',
  'status',
  'orig_qty',
  'quote_order_qty',
  'price',
  'stop_price',
  'executed_qty',
  'cum_quote',
  'list_id',
  'list_client_order_id',
  'triggered',
  'time',
  'fills',
] as const satisfies readonly (keyof PaperOrderRow)[];

const LIST_COLUMNS = [
  'list_id',
  'list_client_order_id',
  'symbol',
  'status',
  'take_profit_order_id',
  'stop_loss_order_id',
] as const satisfies readonly (keyof PaperListRow)[];

function fillsJson(fills: readonly Fill[]): string {
  const out: FillJson[] = fills.map((f) => ({
    price: decText(f.price),
    qty: decText(f.qty),
    commission: decText(f.commission),
    commissionAsset: f.commissionAsset,
    tradeId: f.tradeId,
  }));
  return JSON.stringify(out);
}

function jsonFills(json: string): Fill[] {
  return (JSON.parse(json) as FillJson[]).map((f) => ({
    price: textDec(f.price),
    qty: textDec(f.qty),
    commission: textDec(f.commission),
    commissionAsset: f.commissionAsset,
    tradeId: f.tradeId,
  }));
}

function orderRow(o: PaperOrder): PaperOrderRow {
  return {
    order_id: o.orderId,
    client_order_id: o.clientOrderId,
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    status: o.status,
    orig_qty: decText(o.origQty),
    quote_order_qty: optDecText(o.quoteOrderQty),
    price: optDecText(o.price),
    stop_price: optDecText(o.stopPrice),
    executed_qty: decText(o.executedQty),
    cum_quote: decText(o.cumQuote),
    list_id: orNull(o.listId),
    list_client_order_id: orNull(o.listClientOrderId),
    triggered: o.triggered ? 1 : 0,
    time: o.time,
    fills: fillsJson(o.fills),
  };
}

function rowOrder(r: PaperOrderRow): PaperOrder {
  return defined<PaperOrder>({
    orderId: r.order_id,
    clientOrderId: r.client_order_id,
    symbol: r.symbol,
    side: r.side as OrderSide,
    type: r.type as OrderType,
    status: r.status as OrderStatus,
    origQty: textDec(r.orig_qty),
    quoteOrderQty: optTextDec(r.quote_order_qty),
    price: optTextDec(r.price),
    stopPrice: optTextDec(r.stop_price),
    executedQty: textDec(r.executed_qty),
    cumQuote: textDec(r.cum_quote),
    listId: opt(r.list_id),
    listClientOrderId: opt(r.list_client_order_id),
    triggered: r.triggered !== 0,
    time: r.time,
    fills: jsonFills(r.fills),
  });
}

/**
 * The simulated exchange's books, in the ledger file but in tables of their own and written in
 * the paper exchange's own transactions (see PaperStore for why). Shares the LedgerDatabase with
 * the ledger store, which owns closing it.
 */
export class SqlitePaperStore implements PaperStore {
  private readonly tx: (fn: () => unknown) => unknown;
  private readonly s: {
    balancesAll: Statement<[], { asset: string; free: string; locked: string }>;
    balanceCount: Statement<[], number>;
    balancePut: Statement<[{ asset: string; free: string; locked: string }]>;
    ordersAll: Statement<[], PaperOrderRow>;
    orderPut: Statement<[PaperOrderRow]>;
    listsAll: Statement<[], PaperListRow>;
    listPut: Statement<[PaperListRow]>;
    pricesAll: Statement<[], { symbol: string; price: string; time: number }>;
    pricePut: Statement<[{ symbol: string; price: string; time: number }]>;
    counters: Statement<[], CountersRow>;
    countersPut: Statement<[CountersRow]>;
  };

  constructor(ledger: LedgerDatabase) {
    const db = ledger.db;
    this.tx = db.transaction((fn: () => unknown) => {
      const result = fn();
      if (result instanceof Promise) {
        throw new TypeError('PaperStore.transaction(fn): fn must be synchronous, it returned a Promise');
      }
      return result;
    });
    this.s = {
      balancesAll: db.prepare('SELECT asset, free, locked FROM paper_balances ORDER BY asset'),
      balanceCount: db.prepare('SELECT count(*) FROM paper_balances').pluck() as Statement<[], number>,
      balancePut: db.prepare(upsertSql('paper_balances', ['asset', 'free', 'locked'], ['asset'])),
      ordersAll: db.prepare('SELECT * FROM paper_orders ORDER BY order_id'),
      orderPut: db.prepare(upsertSql('paper_orders', ORDER_COLUMNS, ['order_id'])),
      listsAll: db.prepare('SELECT * FROM paper_order_lists ORDER BY list_id'),
      listPut: db.prepare(upsertSql('paper_order_lists', LIST_COLUMNS, ['list_id'])),
      pricesAll: db.prepare('SELECT symbol, price, time FROM paper_prices ORDER BY symbol'),
      pricePut: db.prepare(upsertSql('paper_prices', ['symbol', 'price', 'time'], ['symbol'])),
      counters: db.prepare('SELECT next_order_id, next_list_id, next_trade_id FROM paper_counters WHERE id = 1'),
      countersPut: db.prepare(
        `INSERT INTO paper_counters (id, next_order_id, next_list_id, next_trade_id)
         VALUES (1, @next_order_id, @next_list_id, @next_trade_id)
         ON CONFLICT (id) DO UPDATE SET next_order_id = excluded.next_order_id,
           next_list_id = excluded.next_list_id, next_trade_id = excluded.next_trade_id`,
      ),
    };
  }

  transaction<T>(fn: () => T): T {
    return this.tx(fn) as T;
  }

  /** Every order, final ones included: the simulated exchange must still answer queries for them. */
  load(): PaperSnapshot | undefined {
    return this.transaction(() => {
      if ((this.s.balanceCount.get() ?? 0) === 0) return undefined;
      const balances = new Map<string, PaperBalance>(
        this.s.balancesAll.all().map((r) => [r.asset, { free: textDec(r.free), locked: textDec(r.locked) }]),
      );
      const prices = new Map<string, { price: Decimal; time: number }>(
        this.s.pricesAll.all().map((r) => [r.symbol, { price: textDec(r.price), time: r.time }]),
      );
      const lists = this.s.listsAll.all().map((r): PaperOrderList => ({
        listId: r.list_id,
        listClientOrderId: r.list_client_order_id,
        symbol: r.symbol,
        status: r.status as OcoListStatus,
        takeProfitOrderId: r.take_profit_order_id,
        stopLossOrderId: r.stop_loss_order_id,
      }));
      const counters = this.s.counters.get();
      return {
        balances,
        orders: this.s.ordersAll.all().map(rowOrder),
        lists,
        prices,
        nextOrderId: counters?.next_order_id ?? 1,
        nextListId: counters?.next_list_id ?? 1,
        nextTradeId: counters?.next_trade_id ?? 1,
      };
    });
  }

  putBalance(asset: string, balance: PaperBalance): void {
    this.s.balancePut.run({ asset, free: decText(balance.free), locked: decText(balance.locked) });
  }

  /** Insert or update by orderId. */
  putOrder(order: PaperOrder): void {
    this.s.orderPut.run(orderRow(order));
  }

  putList(list: PaperOrderList): void {
    this.s.listPut.run({
      list_id: list.listId,
      list_client_order_id: list.listClientOrderId,
      symbol: list.symbol,
      status: list.status,
      take_profit_order_id: list.takeProfitOrderId,
      stop_loss_order_id: list.stopLossOrderId,
    });
  }

  setPrice(symbol: string, price: Decimal, time: number): void {
    this.s.pricePut.run({ symbol, price: decText(price), time });
  }

  setCounters(nextOrderId: number, nextListId: number, nextTradeId: number): void {
    this.s.countersPut.run({ next_order_id: nextOrderId, next_list_id: nextListId, next_trade_id: nextTradeId });
  }
}
