import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateParameterFile, type ParameterSet } from '../../shared/params/schema';
import { Ledger } from '../../electron/core/ledger/ledger';
import { Decimal } from '../../electron/core/money/decimal';
import { openLedgerDatabase, type LedgerDatabase } from '../../electron/store/database';
import { SqliteLedgerStore } from '../../electron/store/sqlite-ledger-store';
import { usdtRules } from '../helpers/rules';
import { tempDir } from '../helpers/temp';
import seed from '../../config/live-params.json';

function seedSets(): ParameterSet[] {
  const v = validateParameterFile(seed);
  if (!v.ok) throw new Error('seed config invalid');
  return v.sets;
}

describe('allocation ledger on SQLite (the seed example)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: LedgerDatabase;
  let store: SqliteLedgerStore;
  const t0 = Date.parse('2024-01-15T10:05:00Z');

  beforeEach(() => {
    tmp = tempDir();
    db = openLedgerDatabase(path.join(tmp.dir, 'ledger.sqlite'), { mode: 'paper', environment: 'replay' });
    store = new SqliteLedgerStore(db);
  });
  afterEach(() => {
    if (db.isOpen) db.close();
    tmp.cleanup();
  });

  it('1000 -> three reservations of 333.00, available 1.00, allocationPercentage 99.9', () => {
    const ledger = new Ledger(store, 'USDT');
    ledger.setQuoteBalance(new Decimal(1000), t0);
    const ids: string[] = [];
    seedSets().forEach((set, i) => {
      const r = ledger.reserve(set, usdtRules(set.symbol), (id) => `tr-${id}b`, t0 + i * 60_000);
      expect(r.ok).toBe(true);
      if (r.ok) ids.push(r.reservation.orderRef);
    });
    const status = ledger.getAllocationStatus();
    expect(status).toEqual({
      totalBalance: 1000,
      totalReserved: 999,
      availableBalance: 1,
      allocationPercentage: 99.9,
      reservations: [
        { symbol: 'BTCUSDT', reservedAmount: 333, timestamp: '2024-01-15T10:05:00.000Z', orderId: ids[0] },
        { symbol: 'BNBUSDT', reservedAmount: 333, timestamp: '2024-01-15T10:06:00.000Z', orderId: ids[1] },
        { symbol: 'ETHUSDT', reservedAmount: 333, timestamp: '2024-01-15T10:07:00.000Z', orderId: ids[2] },
      ],
    });
    // The same numbers come back from the file.
    db.close();
    db = openLedgerDatabase(path.join(tmp.dir, 'ledger.sqlite'), { mode: 'paper', environment: 'replay' });
    store = new SqliteLedgerStore(db);
    expect(new Ledger(store, 'USDT').getAllocationStatus()).toEqual(status);
  });

  it('refuses a second reservation for a symbol and an over-allocation', () => {
    const ledger = new Ledger(store, 'USDT');
    ledger.setQuoteBalance(new Decimal(1000), t0);
    const [btc, bnb, eth] = seedSets();
    expect(ledger.reserve(btc!, usdtRules('BTCUSDT'), (id) => `a${id}`, t0).ok).toBe(true);
    const again = ledger.reserve(btc!, usdtRules('BTCUSDT'), (id) => `b${id}`, t0);
    expect(again).toMatchObject({ ok: false, reason: 'has-position' });
    const big = { ...bnb!, allocationPercent: 70 };
    expect(ledger.reserve(big, usdtRules('BNBUSDT'), (id) => `c${id}`, t0)).toMatchObject({
      ok: false,
      reason: 'insufficient-funds',
    });
    expect(ledger.reserve(eth!, usdtRules('ETHUSDT'), (id) => `d${id}`, t0).ok).toBe(true);
    expect(ledger.totalReserved().toNumber()).toBe(666);
  });

  it('floors the reservation to the quote precision', () => {
    const ledger = new Ledger(store, 'USDT');
    ledger.setQuoteBalance(new Decimal('1000.123456789'), t0);
    const [btc] = seedSets();
    const r = ledger.reserve(btc!, usdtRules('BTCUSDT', { quotePrecision: 2 }), (id) => `a${id}`, t0);
    expect(r.ok && r.reservation.amount.toFixed()).toBe('333.04'); // 333.041111... floored
  });

  it("floors to Binance's quoteAssetPrecision of 8 for USDT: never rounds up past what is there", () => {
    const ledger = new Ledger(store, 'USDT');
    // 1000.12345678 x 33.3% = 333.04111110774: 8 decimals floored give 333.0411111 (333.04111110);
    // rounding would give 333.04111111, two decimals 333.04.
    ledger.setQuoteBalance(new Decimal('1000.12345678'), t0);
    const [btc] = seedSets();
    const r = ledger.reserve(btc!, usdtRules('BTCUSDT'), (id) => `a${id}`, t0);
    expect(r.ok && r.reservation.amount.toFixed(8)).toBe('333.04111110');
  });

  it('refuses a reservation too small to carry a stop-loss leg above the minimum notional', () => {
    const ledger = new Ledger(store, 'USDT');
    ledger.setQuoteBalance(new Decimal(12), t0);
    const [btc] = seedSets();
    const r = ledger.reserve(btc!, usdtRules('BTCUSDT'), (id) => `a${id}`, t0);
    expect(r).toMatchObject({ ok: false, reason: 'below-minimum' });
    if (!r.ok) expect(r.detail).toMatch(/minimum order of 5 USDT/);
  });
});
