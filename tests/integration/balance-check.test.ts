import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BalanceCheck, type BalanceCheckContext } from '../../electron/core/engine/balance-check';
import type { EngineEvent } from '../../electron/core/engine/engine-events';
import { Ledger } from '../../electron/core/ledger/ledger';
import { Decimal } from '../../electron/core/money/decimal';
import type { Exchange } from '../../electron/core/ports/exchange';
import { openLedgerDatabase, type LedgerDatabase } from '../../electron/store/database';
import { SqliteLedgerStore } from '../../electron/store/sqlite-ledger-store';
import { tempDir } from '../helpers/temp';

/**
 * The balance check on a real ledger (SQLite), its exchange answering what each test scripts: it
 * never runs after the engine stopped, never reads while an operation is in flight, never compares
 * a figure read while a fill was being booked, and reads the working orders again before it adopts
 * a difference. (The paths the mutation run found untested: docs/mutation.md.)
 */
let tmp: ReturnType<typeof tempDir>;
let db: LedgerDatabase;
let ledger: Ledger;
let told: EngineEvent[];
let reads: number;
let rereads: number;
let idle: boolean;
let answer: () => Decimal;
let onReread: () => void;

function check(): BalanceCheck {
  const exchange = {
    getBalance: async () => {
      reads++;
      await new Promise((r) => setTimeout(r, 5));
      return answer();
    },
  } as unknown as Exchange;
  const ctx: BalanceCheckContext = {
    ledger,
    exchange,
    now: () => Date.now(),
    tell: (e) => told.push(e),
    idle: () => idle,
    rereadWorkingOrders: async () => {
      rereads++;
      onReread();
    },
    tellBalance: () => undefined,
  };
  return new BalanceCheck(ctx);
}
const divergences = () => told.filter((e) => e.type === 'balance-divergence');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeEach(() => {
  tmp = tempDir();
  db = openLedgerDatabase(path.join(tmp.dir, 'l.sqlite'), { mode: 'paper', environment: 'binance' });
  ledger = new Ledger(new SqliteLedgerStore(db), 'USDT');
  ledger.setQuoteBalance(new Decimal(900), Date.now());
  told = [];
  reads = 0;
  rereads = 0;
  idle = true;
  answer = () => new Decimal(900);
  onReread = () => undefined;
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

describe('balance check', () => {
  it('a check scheduled before stop() never runs; run() after stop() reads nothing', async () => {
    const c = check();
    c.schedule(20);
    c.stop();
    await sleep(80);
    await c.run();
    c.schedule(0);
    await sleep(30);
    expect(reads).toBe(0);
  });

  it('while an operation is in flight it does not read, and looks again a second later', async () => {
    const c = check();
    idle = false;
    await c.run();
    expect(reads).toBe(0);
    idle = true;
    await sleep(1300);
    expect(reads).toBe(1);
    c.stop();
  });

  it('a figure read while a fill was booked is not compared: read again, and the ledger agrees', async () => {
    const c = check();
    let n = 0;
    answer = () => {
      n++;
      if (n === 1) return new Decimal(1000); // differs: the working orders are read again first
      if (n === 2) {
        // The fill's proceeds are booked while this read is in flight; the exchange's figure is older.
        ledger.setQuoteBalance(new Decimal(1000), Date.now(), 'a fill booked meanwhile');
        return new Decimal(950);
      }
      return new Decimal(1000);
    };
    await c.run();
    expect(divergences()).toEqual([]);
    expect(ledger.balance.toFixed()).toBe('1000');
    expect(reads).toBe(3);
  });

  it('a difference is adopted only after the working orders were read again (which may book the missing fill)', async () => {
    const c = check();
    answer = () => new Decimal(1000);
    onReread = () => ledger.setQuoteBalance(new Decimal(1000), Date.now(), 'the fill whose report never came');
    await c.run();
    expect(rereads).toBe(1);
    expect(divergences()).toEqual([]);
    // Without the fill, the difference survives the re-read and is adopted, told once.
    onReread = () => undefined;
    answer = () => new Decimal(1234.5);
    await c.run();
    expect(rereads).toBe(2);
    expect(divergences()).toHaveLength(1);
    expect(divergences()[0]).toMatchObject({ ledger: '1000', exchange: '1234.5' });
    expect(ledger.balance.toFixed()).toBe('1234.5');
  });
});
