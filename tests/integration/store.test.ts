import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PaperOrder, PaperOrderList } from '../../electron/adapters/paper/paper-store';
import { defaultDataDir, defaultLedgerFile } from '../../electron/app/paths';
import type { ClosedTrade, OrderRecord, Position, Reservation, StoredFill } from '../../electron/core/ledger/records';
import { Decimal } from '../../electron/core/money/decimal';
import {
  LedgerError,
  ledgerLockFile,
  ledgerPidFile,
  openLedgerDatabase,
  type LedgerDatabase,
  type OpenLedgerOptions,
} from '../../electron/store/database';
import { LATEST_MIGRATION_ID, MIGRATIONS } from '../../electron/store/migrations';
import { SqliteLedgerStore } from '../../electron/store/sqlite-ledger-store';
import { SqlitePaperStore } from '../../electron/store/sqlite-paper-store';
import { VolatileLedgerStore, VolatilePaperStore } from '../../electron/store/volatile-ledger-store';
import type { ParameterSet } from '../../shared/params/schema';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PAPER: OpenLedgerOptions = { mode: 'paper', environment: 'paper' };

const TINY = '0.00000001';
const BIG = '123456789.12345678';
const HUGE = '99999999999999999999.99999999';
const d = (s: string) => new Decimal(s);

let tmp: string;
let counter = 0;
const opened: LedgerDatabase[] = [];
const children: ChildProcess[] = [];

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tranche-store-'));
});

afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const ledger of opened.splice(0)) ledger.close();
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A fresh ledger path in a folder that does not exist yet (open must create it). */
function freshFile(): string {
  counter += 1;
  return path.join(tmp, `case-${counter}`, 'nested', 'ledger.sqlite');
}

function open(file: string, opts: OpenLedgerOptions = PAPER): LedgerDatabase {
  const ledger = openLedgerDatabase(file, opts);
  opened.push(ledger);
  return ledger;
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

const params: ParameterSet = {
  symbol: 'BTCUSDT',
  baseAsset: 'BTC',
  quoteAsset: 'USDT',
  allocationPercent: 33.3,
  zScoreThreshold: 2.5,
  profitPercent: 1.2,
  stopLossPercent: 0.8,
  enabled: true,
  interval: '5m',
  lookback: 20,
  movingAverages: 1,
  exitZScore: -2.5,
  stopLimitOffsetPercent: 0.1,
  stopOrderType: 'limit',
};

function position(id: number, symbol: string, status: Position['status'] = 'protected'): Position {
  return {
    id,
    symbol,
    status,
    params: { ...params, symbol },
    entryClientOrderId: `tr-abc123-${id}-e`,
    entryOrderId: '9000000001',
    boughtQty: d(TINY),
    sellQty: d('0.00000000'),
    cost: d(BIG),
    avgPrice: d(HUGE),
    entryFeeQuote: d('0.0000123'),
    soldQty: d('0.00001'),
    soldQuote: d('12.5'),
    proceeds: d('12.4875'),
    exitFeeQuote: d('0.0125'),
    otherFeeQuote: d('0.001'),
    takeProfitPrice: d('70123.45'),
    stopPrice: d('65000.01'),
    stopLimitPrice: d('64935.01'),
    ocoListClientOrderId: `tr-abc123-${id}-o1`,
    ocoListId: '77',
    ocoAttempts: 1,
    openedAt: '2024-05-01T12:00:00.000Z',
  };
}

/** The same position with no optional field at all. */
function barePosition(id: number, symbol: string): Position {
  return {
    id,
    symbol,
    status: 'opening',
    params: { ...params, symbol },
    entryClientOrderId: `tr-abc123-${id}-e`,
    boughtQty: d('0'),
    sellQty: d('0'),
    cost: d('0'),
    avgPrice: d('0'),
    entryFeeQuote: d('0'),
    soldQty: d('0'),
    soldQuote: d('0'),
    proceeds: d('0'),
    exitFeeQuote: d('0'),
    otherFeeQuote: d('0'),
    ocoAttempts: 0,
    openedAt: '2024-05-01T12:00:00.000Z',
  };
}

function order(clientOrderId: string, positionId: number, state: OrderRecord['state']): OrderRecord {
  return {
    clientOrderId,
    positionId,
    symbol: 'BTCUSDT',
    purpose: 'entry',
    side: 'BUY',
    type: 'MARKET',
    state,
    exchangeOrderId: '123',
    listClientOrderId: 'tr-abc123-1-o1',
    requestedQuote: d(BIG),
    requestedQty: d(TINY),
    price: d('70000'),
    stopPrice: d('69000.5'),
    executedQty: d(TINY),
    cumQuote: d(BIG),
    createdAt: '2024-05-01T12:00:00.000Z',
    updatedAt: '2024-05-01T12:00:01.000Z',
    error: 'none',
  };
}

const trade: ClosedTrade = {
  positionId: 1,
  symbol: 'BTCUSDT',
  entryTime: '2024-05-01T12:00:00.000Z',
  exitTime: '2024-05-01T13:00:00.000Z',
  entryPrice: d(BIG),
  exitPrice: d(HUGE),
  quantity: d(TINY),
  cost: d('1.5'),
  proceeds: d('1.51'),
  fees: d('0.0015'),
  pnl: d('-0.00000001'),
  pnlPercent: -0.123456789,
  exitReason: 'take-profit',
};

describe('SqliteLedgerStore', () => {
  it('round-trips every record type exactly, and load() after reopening returns the same', () => {
    const file = freshFile();
    const ledger = open(file);
    expect(ledger.ledgerId).toMatch(/^[a-z0-9]{6}$/);
    const store = new SqliteLedgerStore(ledger);

    const fresh = store.load();
    expect(fresh).toEqual({
      ledgerId: ledger.ledgerId,
      quoteAsset: undefined,
      quoteBalance: undefined,
      reservations: [],
      positions: [],
      openOrders: [],
      bookedFills: [],
      unsettledTrades: [],
      nextPositionId: 1,
      cursor: undefined,
      emergencyStop: false,
    });

    const reservation: Reservation = {
      symbol: 'BTCUSDT',
      amount: d(BIG),
      createdAt: '2024-05-01T12:00:00.000Z',
      positionId: 1,
      orderRef: 'tr-abc123-1-e',
    };
    const fills: StoredFill[] = [
      {
        clientOrderId: 'tr-abc123-1-e',
        tradeId: '1',
        price: d(BIG),
        qty: d(TINY),
        commission: d(TINY),
        commissionAsset: 'BNB',
        time: 't1',
      },
      {
        clientOrderId: 'tr-abc123-1-e',
        tradeId: '2',
        price: d(HUGE),
        qty: d('1'),
        commission: d('0'),
        commissionAsset: 'BTC',
        time: 't2',
      },
    ];
    const openPosition = position(1, 'BTCUSDT');
    const bare = barePosition(2, 'ETHUSDT');
    const closed: Position = {
      ...position(3, 'SOLUSDT', 'closed'),
      exitReason: 'stop-loss',
      exitClientOrderId: 'x',
      closedAt: '2024-05-02T00:00:00.000Z',
    };
    const pending = order('tr-abc123-1-e', 1, 'pending');
    const resting = order('tr-abc123-1-tp', 1, 'open');
    const done = order('tr-abc123-1-sl', 1, 'filled');
    const bareOrder: OrderRecord = {
      clientOrderId: 'tr-abc123-2-e',
      positionId: 2,
      symbol: 'ETHUSDT',
      purpose: 'exit',
      side: 'SELL',
      type: 'LIMIT_MAKER',
      state: 'open',
      executedQty: d('0'),
      cumQuote: d('0'),
      createdAt: '2024-05-01T12:00:02.000Z',
      updatedAt: '2024-05-01T12:00:02.000Z',
    };
    const eth: ParameterSet = { ...params, symbol: 'ETHUSDT', baseAsset: 'ETH', allocationPercent: 50 };

    store.transaction(() => {
      store.setQuote('USDT', d(BIG));
      store.putReservation(reservation);
      store.putPosition(openPosition);
      store.putPosition(bare);
      store.putPosition(closed);
      for (const o of [pending, resting, done, bareOrder]) store.putOrder(o);
      store.addFills(fills);
      store.addTrade(trade);
      store.addEvent({
        time: '2024-05-01T12:00:00.000Z',
        kind: 'entry',
        symbol: 'BTCUSDT',
        message: 'bought',
        data: { qty: TINY, n: 1 },
      });
      store.addEvent({ time: '2024-05-01T12:00:01.000Z', kind: 'note', message: 'no symbol, no data' });
      store.addEvent({ time: '2024-05-01T12:00:02.000Z', kind: 'odd', message: 'bigint', data: { big: 10n } });
      store.setCursor(1714564800000);
      store.setEmergencyStop(true);
      store.saveParameterSets([params, eth]);
    });
    store.addFills(fills); // the same fills again: ignored

    const expected = {
      ledgerId: ledger.ledgerId,
      quoteAsset: 'USDT',
      quoteBalance: d(BIG),
      reservations: [reservation],
      positions: [openPosition, bare],
      // Every order of a live position (final ones too, for late reports), and every order not final.
      openOrders: [pending, done, resting, bareOrder],
      // The fills already booked for those orders: a report of them again is not counted twice.
      bookedFills: fills.filter((f) =>
        [pending, done, resting, bareOrder].some((o) => o.clientOrderId === f.clientOrderId),
      ),
      // Trades of closed positions whose exit sale is still pending (none here).
      unsettledTrades: [],
      nextPositionId: 4,
      cursor: 1714564800000,
      emergencyStop: true,
    };
    const loaded = store.load();
    expect(loaded).toEqual(expected);
    expect(loaded.quoteBalance?.toFixed()).toBe(BIG);
    expect(loaded.positions[0]!.boughtQty.toFixed()).toBe(TINY);
    expect(loaded.positions[0]!.avgPrice.toFixed()).toBe(HUGE);
    expect(loaded.positions[0]!.params).toEqual(openPosition.params);
    expect(Object.keys(loaded.positions[1]!)).not.toContain('takeProfitPrice');
    expect(loaded.openOrders[0]!.requestedQty!.toFixed()).toBe(TINY);

    expect(store.positionsAll()).toEqual([openPosition, bare, closed]);
    expect(store.ordersForPosition(1)).toEqual([pending, done, resting]);
    expect(store.fillsForOrder('tr-abc123-1-e')).toEqual(fills);
    expect(store.trades()).toEqual([trade]);
    expect(store.trades()[0]!.pnl.toFixed()).toBe('-0.00000001');
    expect(store.parameterSets()).toEqual([params, eth]);
    const events = store.events();
    expect(events.map((e) => e.kind)).toEqual(['entry', 'note', 'odd']);
    expect(events[0]).toEqual({
      time: '2024-05-01T12:00:00.000Z',
      kind: 'entry',
      symbol: 'BTCUSDT',
      message: 'bought',
      data: { qty: TINY, n: 1 },
    });
    expect(events[1]).toEqual({ time: '2024-05-01T12:00:01.000Z', kind: 'note', message: 'no symbol, no data' });
    expect(events[2]!.data).toEqual({ big: '10' });
    expect(store.events(2).map((e) => e.kind)).toEqual(['note', 'odd']);

    store.deleteReservation('BTCUSDT');
    store.close();
    store.close(); // idempotent
    expect(ledger.isOpen).toBe(false);

    const again = open(file);
    expect(again.ledgerId).toBe(ledger.ledgerId);
    const reopened = new SqliteLedgerStore(again);
    expect(reopened.load()).toEqual({ ...expected, reservations: [] });
    expect(reopened.events()).toHaveLength(3);
    expect(reopened.fillsForOrder('tr-abc123-1-e')).toHaveLength(2);
  });

  it('keeps trades newest last and upserts a trade recorded twice', () => {
    const store = new SqliteLedgerStore(open(freshFile()));
    store.addTrade({ ...trade, positionId: 2, exitTime: '2024-05-03T00:00:00.000Z' });
    store.addTrade({ ...trade, positionId: 1, exitTime: '2024-05-02T00:00:00.000Z' });
    store.addTrade({ ...trade, positionId: 3, exitTime: '2024-05-04T00:00:00.000Z' });
    store.addTrade({ ...trade, positionId: 3, exitTime: '2024-05-04T00:00:00.000Z', pnl: d('5') });
    expect(store.trades().map((t) => t.positionId)).toEqual([1, 2, 3]);
    expect(store.trades(1).map((t) => t.pnl.toFixed())).toEqual(['5']);
    expect(store.load().nextPositionId).toBe(4);
  });

  it('replaces parameter sets, keeping the given order', () => {
    const store = new SqliteLedgerStore(open(freshFile()));
    const a = { ...params, symbol: 'AAAUSDT' };
    const b = { ...params, symbol: 'BBBUSDT' };
    store.saveParameterSets([a, b]);
    store.saveParameterSets([{ ...b, lookback: 50 }]);
    expect(store.parameterSets()).toEqual([{ ...b, lookback: 50 }]);
    store.saveParameterSets([]);
    expect(store.parameterSets()).toEqual([]);
  });

  it('allows at most one non-closed position per symbol', () => {
    const store = new SqliteLedgerStore(open(freshFile()));
    store.putPosition(position(1, 'BTCUSDT', 'open'));
    expect(() => store.putPosition(position(2, 'BTCUSDT', 'opening'))).toThrow(/UNIQUE constraint failed/);
    // The first position is untouched (an INSERT OR REPLACE would have deleted it).
    expect(store.load().positions.map((p) => p.id)).toEqual([1]);

    store.putPosition({ ...position(1, 'BTCUSDT'), status: 'closed', closedAt: '2024-05-02T00:00:00.000Z' });
    store.putPosition(position(2, 'BTCUSDT', 'opening'));
    expect(store.load().positions.map((p) => p.id)).toEqual([2]);
    expect(store.positionsAll().map((p) => [p.id, p.status])).toEqual([
      [1, 'closed'],
      [2, 'opening'],
    ]);
  });

  it('writes nothing from a transaction that throws, and nests transactions', () => {
    const file = freshFile();
    const store = new SqliteLedgerStore(open(file));
    expect(() =>
      store.transaction(() => {
        store.putReservation({ symbol: 'BTCUSDT', amount: d('10'), createdAt: 'now', positionId: 1, orderRef: 'r' });
        store.putPosition(position(1, 'BTCUSDT', 'opening'));
        store.transaction(() => store.putOrder(order('c1', 1, 'pending')));
        store.setCursor(5);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(store.load()).toMatchObject({
      reservations: [],
      positions: [],
      openOrders: [],
      cursor: undefined,
      nextPositionId: 1,
    });

    // An inner failure the outer function catches undoes only the inner part.
    const result = store.transaction(() => {
      store.putPosition(position(1, 'BTCUSDT', 'opening'));
      try {
        store.transaction(() => {
          store.putOrder(order('c1', 1, 'pending'));
          throw new Error('inner');
        });
      } catch {
        // handled
      }
      return 42;
    });
    expect(result).toBe(42);
    expect(store.load().positions).toHaveLength(1);
    expect(store.load().openOrders).toHaveLength(0);

    // An async function would commit before its work ran: refused, and rolled back.
    expect(() =>
      store.transaction(async () => {
        store.setCursor(9);
      }),
    ).toThrow(/synchronous/);
    expect(store.load().cursor).toBeUndefined();
  });
});

describe('SqlitePaperStore', () => {
  it('reports an unfunded account as undefined, then round-trips its books', () => {
    const file = freshFile();
    const ledger = open(file);
    const paper = new SqlitePaperStore(ledger);
    expect(paper.load()).toBeUndefined();

    const orderA: PaperOrder = {
      orderId: 1,
      clientOrderId: 'tr-abc123-1-e',
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'MARKET',
      status: 'FILLED',
      origQty: d(TINY),
      quoteOrderQty: d(BIG),
      executedQty: d(TINY),
      cumQuote: d(BIG),
      triggered: false,
      time: 1714564800123,
      fills: [{ price: d(HUGE), qty: d(TINY), commission: d(TINY), commissionAsset: 'BTC', tradeId: '1' }],
    };
    const orderB: PaperOrder = {
      orderId: 2,
      clientOrderId: 'tr-abc123-1-sl',
      symbol: 'BTCUSDT',
      side: 'SELL',
      type: 'STOP_LOSS_LIMIT',
      status: 'NEW',
      origQty: d(TINY),
      price: d('64000.5'),
      stopPrice: d('64100'),
      executedQty: d('0'),
      cumQuote: d('0'),
      listId: 1,
      listClientOrderId: 'tr-abc123-1-o1',
      triggered: true,
      time: 1714564800999,
      fills: [],
    };
    const list: PaperOrderList = {
      listId: 1,
      listClientOrderId: 'tr-abc123-1-o1',
      symbol: 'BTCUSDT',
      status: 'EXECUTING',
      takeProfitOrderId: 3,
      stopLossOrderId: 2,
    };
    paper.transaction(() => {
      paper.putBalance('USDT', { free: d(BIG), locked: d(TINY) });
      paper.putBalance('BTC', { free: d('0'), locked: d(HUGE) });
      paper.putOrder(orderA);
      paper.putOrder({ ...orderB, status: 'EXPIRED' });
      paper.putOrder(orderB); // update by orderId
      paper.putList(list);
      paper.setPrice('BTCUSDT', d(BIG), 1714564800000);
      paper.setCounters(4, 2, 17);
    });

    const expected = {
      balances: new Map([
        ['BTC', { free: d('0'), locked: d(HUGE) }],
        ['USDT', { free: d(BIG), locked: d(TINY) }],
      ]),
      orders: [orderA, orderB],
      lists: [list],
      prices: new Map([['BTCUSDT', { price: d(BIG), time: 1714564800000 }]]),
      nextOrderId: 4,
      nextListId: 2,
      nextTradeId: 17,
    };
    expect(paper.load()).toEqual(expected);
    expect(paper.load()!.orders[0]!.fills[0]!.price.toFixed()).toBe(HUGE);

    // The ledger store's close closes the shared database; the paper books persist with it.
    new SqliteLedgerStore(ledger).close();
    expect(new SqlitePaperStore(open(file)).load()).toEqual(expected);
  });

  it('rolls back a paper transaction that throws', () => {
    const paper = new SqlitePaperStore(open(freshFile()));
    expect(() =>
      paper.transaction(() => {
        paper.putBalance('USDT', { free: d('100'), locked: d('0') });
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(paper.load()).toBeUndefined();
  });
});

describe('openLedgerDatabase', () => {
  it('applies migrations once; reopening leaves schema_migrations as it was', () => {
    const file = freshFile();
    const first = open(file);
    const rows = first.db.prepare('SELECT id, name, applied_at FROM schema_migrations ORDER BY id').all();
    expect(rows).toHaveLength(MIGRATIONS.length);
    expect(first.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(first.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(first.db.pragma('foreign_keys', { simple: true })).toBe(1);
    const meta = Object.fromEntries(
      (first.db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [
        r.key,
        r.value,
      ]),
    );
    expect(meta).toMatchObject({ ledger_id: first.ledgerId, mode: 'paper', environment: 'paper', emergency_stop: '0' });
    expect(Date.parse(meta.created_at!)).not.toBeNaN();
    first.close();

    const second = open(file);
    expect(second.db.prepare('SELECT id, name, applied_at FROM schema_migrations ORDER BY id').all()).toEqual(rows);
    expect(second.ledgerId).toBe(first.ledgerId);
    expect(LATEST_MIGRATION_ID).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.id);
  });

  it('refuses to open a ledger as another mode or environment, saying how to fix it', () => {
    const paperFile = freshFile();
    open(paperFile).close();
    const err = errorOf(() => open(paperFile, { mode: 'live', environment: 'live' }));
    expect(err).toBeInstanceOf(LedgerError);
    expect(err.message).toContain(paperFile);
    expect(err.message).toMatch(/holds a paper ledger/);
    expect(err.message).toMatch(/open as live/);
    expect(err.message).toContain('--db');

    const testnetFile = freshFile();
    open(testnetFile, { mode: 'live', environment: 'testnet' }).close();
    const err2 = errorOf(() => open(testnetFile, { mode: 'live', environment: 'mainnet' }));
    expect(err2).toBeInstanceOf(LedgerError);
    expect(err2.message).toContain('live (environment testnet)');
    expect(err2.message).toContain('live (environment mainnet)');
    // Read-only checks it too; and the refused opens left the file untouched and unlocked.
    expect(() => open(testnetFile, { mode: 'paper', environment: 'paper', readonly: true })).toThrow(LedgerError);
    expect(open(testnetFile, { mode: 'live', environment: 'testnet' }).mode).toBe('live');
  });

  it('refuses a file that is not a Tranche ledger', () => {
    const file = freshFile();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"parameterSets": []}\n'.repeat(20));
    const err = errorOf(() => open(file));
    expect(err).toBeInstanceOf(LedgerError);
    expect(err.message).toContain('is not a Tranche ledger');
    expect(fs.existsSync(ledgerPidFile(file))).toBe(false);
  });

  it('read-only: fails clearly on a missing file and cannot write', () => {
    const missing = path.join(tmp, 'nowhere', 'none.sqlite');
    const err = errorOf(() => open(missing, { ...PAPER, readonly: true }));
    expect(err).toBeInstanceOf(LedgerError);
    expect(err.message).toContain(missing);
    expect(err.message).toContain('does not exist');
    expect(fs.existsSync(missing)).toBe(false);

    const file = freshFile();
    open(file).close();
    const ro = open(file, { ...PAPER, readonly: true });
    expect(ro.readonly).toBe(true);
    const store = new SqliteLedgerStore(ro);
    expect(store.load().positions).toEqual([]);
    expect(() => store.setCursor(1)).toThrow(/readonly/i);
  });

  it('is owned by one LedgerDatabase at a time within a process; close() releases and is idempotent', () => {
    const file = freshFile();
    const first = open(file);
    const pid = JSON.parse(fs.readFileSync(ledgerPidFile(file), 'utf8')) as {
      pid: number;
      hostname: string;
      startedAt: string;
    };
    expect(pid.pid).toBe(process.pid);
    expect(pid.hostname).toBe(os.hostname());
    expect(Date.parse(pid.startedAt)).not.toBeNaN();

    const err = errorOf(() => open(file));
    expect(err).toBeInstanceOf(LedgerError);
    expect(err.message).toContain(`ledger ${file} is in use by another Tranche process (pid ${process.pid}`);
    expect(err.message).toContain('stop it first');

    first.close();
    first.close();
    expect(fs.existsSync(ledgerPidFile(file))).toBe(false);
    expect(fs.existsSync(ledgerLockFile(file))).toBe(true);
    open(file);
  });
});

describe('ledger lock across processes', () => {
  /** A child process (TypeScript through tsx) that opens the ledger and holds it until killed. */
  function spawnOpener(file: string, dir: string): ChildProcess {
    const script = path.join(dir, 'open-ledger.ts');
    if (!fs.existsSync(script)) {
      fs.writeFileSync(
        script,
        [
          `import { openLedgerDatabase } from ${JSON.stringify(path.join(REPO, 'electron/store/database'))};`,
          `try {`,
          // Keep a reference: a LedgerDatabase that is garbage-collected closes and drops its lock.
          `  (globalThis as { held?: unknown }).held = openLedgerDatabase(process.argv[2]!, { mode: 'paper', environment: 'paper' });`,
          `  process.stdout.write('ready\\n');`,
          `  setInterval(() => {}, 60_000);`,
          `} catch (err) {`,
          `  process.stdout.write('error ' + (err as Error).message + '\\n');`,
          `  process.exit(3);`,
          `}`,
        ].join('\n'),
      );
    }
    const child = spawn(process.execPath, ['--import', 'tsx', script, file], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    return child;
  }

  /** The first line the child prints, or a rejection with its stderr. */
  function firstLine(child: ChildProcess, timeoutMs = 15_000): Promise<string> {
    return new Promise((resolve, reject) => {
      let out = '';
      let err = '';
      const timer = setTimeout(
        () => reject(new Error(`child printed nothing in ${timeoutMs} ms; stderr: ${err}`)),
        timeoutMs,
      );
      child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const nl = out.indexOf('\n');
        if (nl >= 0) {
          clearTimeout(timer);
          resolve(out.slice(0, nl));
        }
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (!out.includes('\n')) reject(new Error(`child exited (${code ?? signal}) without output; stderr: ${err}`));
      });
    });
  }

  function exited(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => child.once('exit', () => resolve()));
  }

  it('a second process is refused with the holder pid; read-only works meanwhile; kill -9 frees the ledger', async () => {
    const file = freshFile();
    const dir = path.dirname(file);
    // Create it here with a position, so the read-only view has something to see.
    const setup = new SqliteLedgerStore(open(file));
    setup.putPosition(position(1, 'BTCUSDT'));
    const ledgerId = setup.ledgerId;
    setup.close();

    const holder = spawnOpener(file, dir);
    expect(await firstLine(holder)).toBe('ready');

    const contender = spawnOpener(file, dir);
    const refusal = await firstLine(contender);
    expect(refusal).toContain(`ledger ${file} is in use by another Tranche process (pid ${holder.pid}, started `);
    expect(refusal).toContain('stop it first');
    await exited(contender);
    expect(contender.exitCode).toBe(3);

    // This process is refused the same way.
    const err = errorOf(() => open(file));
    expect(err).toBeInstanceOf(LedgerError);
    expect(err.message).toContain(`pid ${holder.pid}`);

    // The status command's view: read-only, while the holder runs.
    const ro = open(file, { ...PAPER, readonly: true });
    expect(ro.ledgerId).toBe(ledgerId);
    expect(new SqliteLedgerStore(ro).load().positions.map((p) => p.id)).toEqual([1]);
    ro.close();

    holder.kill('SIGKILL');
    await exited(holder);
    expect(holder.signalCode).toBe('SIGKILL');
    // The holder's pid file is left behind; it is informative only, the lock went with the process.
    expect(fs.existsSync(ledgerPidFile(file))).toBe(true);

    const mine = open(file);
    expect(mine.ledgerId).toBe(ledgerId);
    expect(JSON.parse(fs.readFileSync(ledgerPidFile(file), 'utf8'))).toMatchObject({ pid: process.pid });
    expect(new SqliteLedgerStore(mine).load().positions.map((p) => p.id)).toEqual([1]);
  });
});

describe('volatile stores', () => {
  it('persist nothing', () => {
    const ledger = new VolatileLedgerStore();
    ledger.putPosition(position(1, 'BTCUSDT'));
    ledger.setEmergencyStop(true);
    expect(ledger.transaction(() => 7)).toBe(7);
    expect(ledger.load()).toMatchObject({ ledgerId: 'memory', positions: [], nextPositionId: 1, emergencyStop: false });
    ledger.close();

    const paper = new VolatilePaperStore();
    paper.putBalance('USDT', { free: d('1'), locked: d('0') });
    expect(paper.transaction(() => 'x')).toBe('x');
    expect(paper.load()).toBeUndefined();
  });
});

describe('paths', () => {
  const home = '/home/ann';

  it('defaults to the folder Electron uses as userData for an app named Tranche', () => {
    expect(defaultDataDir({}, 'linux', home)).toBe('/home/ann/.config/Tranche');
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/xdg' }, 'linux', home)).toBe('/xdg/Tranche');
    expect(defaultDataDir({ XDG_CONFIG_HOME: 'relative' }, 'linux', home)).toBe('/home/ann/.config/Tranche');
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/xdg' }, 'darwin', '/Users/ann')).toBe(
      '/Users/ann/Library/Application Support/Tranche',
    );
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, 'win32', 'C:\\Users\\ann')).toBe(
      'C:\\Users\\ann\\AppData\\Roaming\\Tranche',
    );
    expect(defaultDataDir({}, 'win32', 'C:\\Users\\ann')).toBe('C:\\Users\\ann\\AppData\\Roaming\\Tranche');
  });

  it('is overridden by TRANCHE_DATA_DIR', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      expect(
        defaultDataDir({ TRANCHE_DATA_DIR: '/data/tr', XDG_CONFIG_HOME: '/xdg', APPDATA: 'C:\\x' }, platform, home),
      ).toBe('/data/tr');
    }
  });

  it('gives paper and each live environment their own ledger file', () => {
    expect(defaultLedgerFile('paper', 'paper', '/d')).toBe(path.join('/d', 'paper.sqlite'));
    expect(defaultLedgerFile('live', 'mainnet', '/d')).toBe(path.join('/d', 'live-mainnet.sqlite'));
    expect(defaultLedgerFile('live', 'testnet', '/d')).toBe(path.join('/d', 'live-testnet.sqlite'));
    expect(() => defaultLedgerFile('live', '../x', '/d')).toThrow(/environment/);
  });
});
