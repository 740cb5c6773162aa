import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../electron/core/ledger/ledger';
import { Decimal } from '../../electron/core/money/decimal';
import type { OrderReport } from '../../electron/core/ports/exchange';
import { openLedgerDatabase, type LedgerDatabase } from '../../electron/store/database';
import { SqliteLedgerStore } from '../../electron/store/sqlite-ledger-store';
import { sets } from '../helpers/paper-harness';
import { usdtRules } from '../helpers/rules';
import { tempDir } from '../helpers/temp';

const d = (v: string | number) => new Decimal(v);
const SET = sets([
  {
    symbol: 'BTCUSDT',
    allocationPercent: 50,
    zScoreThreshold: 2,
    profitPercent: 5,
    stopLossPercent: 2,
    interval: '1m',
  },
])[0]!;
const rules = usdtRules('BTCUSDT');

function report(clientOrderId: string, over: Partial<OrderReport>): OrderReport {
  return {
    symbol: 'BTCUSDT',
    clientOrderId,
    orderId: '7',
    side: 'SELL',
    type: 'MARKET',
    status: 'FILLED',
    origQty: d('0.01'),
    executedQty: d(0),
    cumQuote: d(0),
    fills: [],
    time: 0,
    ...over,
  };
}

/**
 * The ledger's part of a sale that executes after its position closed (ClosedSales): kept pending at
 * the close, loaded again by a restart, booked once into the trade and the order record (never into
 * the quote balance, which the balance check takes from the exchange), or rejected when absent.
 */
describe('sales of closed positions whose outcome was unknown', () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: LedgerDatabase;
  let store: SqliteLedgerStore;
  const t0 = Date.parse('2026-12-02T10:00:00Z');
  const file = () => path.join(tmp.dir, 'ledger.sqlite');
  const open = () => {
    db = openLedgerDatabase(file(), { mode: 'live', environment: 'testnet' });
    store = new SqliteLedgerStore(db);
    return new Ledger(store, 'USDT');
  };
  const reopen = () => {
    db.close();
    return open();
  };

  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => {
    if (db.isOpen) db.close();
    tmp.cleanup();
  });

  /** Bought 0.01 at 40000 (commission in BNB), its exit sale sent, then closed as sold outside. */
  function closedWithSalePending(ledger: Ledger, unsettled: boolean): string {
    ledger.setQuoteBalance(d(1000), t0);
    const r = ledger.reserve(SET, rules, (id) => `t-${id}b`, t0);
    if (!r.ok) throw new Error(r.detail);
    const p = r.position;
    ledger.entryFilled(
      p.id,
      report(p.entryClientOrderId, {
        side: 'BUY',
        executedQty: d('0.01'),
        cumQuote: d(400),
        fills: [{ price: d(40000), qty: d('0.01'), commission: d(0), commissionAsset: 'BNB', tradeId: '1' }],
      }),
      rules,
      t0,
    );
    const sale = `t-${p.id}x`;
    ledger.exitStarted(p.id, 'reversal', sale, t0 + 1000, d('0.01'));
    ledger.positionClosed(p.id, 'external', t0 + 2000, unsettled ? new Set([sale]) : new Set());
    return sale;
  }

  const saleReport = (id: string) =>
    report(id, {
      executedQty: d('0.01'),
      cumQuote: d(410),
      fills: [
        { price: d(41000), qty: d('0.006'), commission: d('0.246'), commissionAsset: 'USDT', tradeId: '8' },
        { price: d(41000), qty: d('0.004'), commission: d('0.164'), commissionAsset: 'USDT', tradeId: '9' },
      ],
    });

  it('a sale that may have executed is kept pending at the close, and a restart loads it again', () => {
    const ledger = open();
    const sale = closedWithSalePending(ledger, true);
    expect(ledger.closedSale(sale)?.state).toBe('pending');
    expect(ledger.order(sale)).toBeUndefined();
    const again = reopen();
    expect(again.closedSales().map((o) => o.clientOrderId)).toEqual([sale]);
    expect(again.openPositions()).toEqual([]);
    expect(again.totalReserved().toFixed()).toBe('0');
  });

  it('a sale never sent is rejected at the close, as before: nothing is kept', () => {
    const ledger = open();
    const sale = closedWithSalePending(ledger, false);
    expect(ledger.closedSales()).toEqual([]);
    const position = store.positionsAll()[0]!;
    expect(store.ordersForPosition(position.id).find((o) => o.clientOrderId === sale)?.state).toBe('rejected');
    expect(reopen().closedSales()).toEqual([]);
  });

  it('its late fills go into the trade and the order record once, after a restart too; the quote balance is left to the balance check', () => {
    const ledger = open();
    const sale = closedWithSalePending(ledger, true);
    const before = store.trades()[0]!;
    expect(before.proceeds.toFixed()).toBe('0');
    const balance = ledger.balance.toFixed();
    const after = reopen();
    const booked = after.lateSaleBooked(saleReport(sale), rules, t0 + 5000);
    expect(booked?.fills).toBe(2);
    expect(booked?.qty.toFixed()).toBe('0.01');
    expect(booked?.credited.toFixed()).toBe('409.59');
    const trade = store.trades()[0]!;
    expect(trade.quantity.toFixed()).toBe('0.01');
    expect(trade.exitPrice.toFixed()).toBe('41000');
    expect(trade.proceeds.toFixed()).toBe('409.59');
    expect(trade.fees.toFixed()).toBe(before.fees.add('0.41').toFixed());
    expect(trade.pnl.toFixed()).toBe('9.59');
    expect(trade.pnlPercent).toBe(2.3975);
    expect(trade.exitReason).toBe('external');
    const position = store.positionsAll()[0]!;
    const order = store.ordersForPosition(position.id).find((o) => o.clientOrderId === sale)!;
    expect(order).toMatchObject({ state: 'filled', exchangeOrderId: '7' });
    expect(order.executedQty.toFixed()).toBe('0.01');
    expect(store.fillsForOrder(sale)).toHaveLength(2);
    expect(after.balance.toFixed()).toBe(balance);
    // Final: no longer kept; the same report again books nothing.
    expect(after.closedSales()).toEqual([]);
    expect(after.lateSaleBooked(saleReport(sale), rules, t0 + 6000)).toBeUndefined();
    expect(store.trades()[0]!.proceeds.toFixed()).toBe('409.59');
    expect(reopen().closedSales()).toEqual([]);
  });

  it('a partial report first, then the final one: each fill is counted once, across a restart', () => {
    const ledger = open();
    const sale = closedWithSalePending(ledger, true);
    const full = saleReport(sale);
    const partial = {
      ...full,
      status: 'PARTIALLY_FILLED' as const,
      executedQty: d('0.006'),
      fills: full.fills.slice(0, 1),
    };
    expect(ledger.lateSaleBooked(partial, rules, t0 + 3000)?.fills).toBe(1);
    expect(ledger.closedSale(sale)?.state).toBe('open');
    expect(store.trades()[0]!.quantity.toFixed()).toBe('0.006');
    const after = reopen();
    expect(after.closedSale(sale)?.state).toBe('open');
    expect(after.lateSaleBooked(full, rules, t0 + 4000)?.fills).toBe(1);
    expect(store.trades()[0]!.quantity.toFixed()).toBe('0.01');
    expect(store.trades()[0]!.proceeds.toFixed()).toBe('409.59');
    expect(store.fillsForOrder(sale)).toHaveLength(2);
  });

  it('two kept sales of one position: both go into its one trade, in either order, across a restart', () => {
    const ledger = open();
    ledger.setQuoteBalance(d(1000), t0);
    const r = ledger.reserve(SET, rules, (id) => `t-${id}b`, t0);
    if (!r.ok) throw new Error(r.detail);
    ledger.entryFilled(
      r.position.id,
      report(r.position.entryClientOrderId, {
        side: 'BUY',
        executedQty: d('0.01'),
        cumQuote: d(400),
        fills: [{ price: d(40000), qty: d('0.01'), commission: d(0), commissionAsset: 'BNB', tradeId: '1' }],
      }),
      rules,
      t0,
    );
    ledger.exitStarted(r.position.id, 'reversal', 't-1x', t0, d('0.006'));
    ledger.exitStarted(r.position.id, 'reversal', 't-1x2', t0, d('0.004'));
    ledger.positionClosed(r.position.id, 'external', t0, new Set(['t-1x', 't-1x2']));
    const sale = (id: string, qty: string, tradeId: string) =>
      report(id, {
        executedQty: d(qty),
        cumQuote: d(qty).mul(41000),
        fills: [{ price: d(41000), qty: d(qty), commission: d(0), commissionAsset: 'USDT', tradeId }],
      });
    ledger.lateSaleBooked(sale('t-1x2', '0.004', '20'), rules, t0 + 1000);
    const after = reopen();
    expect(after.closedSales().map((o) => o.clientOrderId)).toEqual(['t-1x']);
    after.lateSaleBooked(sale('t-1x', '0.006', '21'), rules, t0 + 2000);
    const trade = store.trades()[0]!;
    expect(trade.quantity.toFixed()).toBe('0.01');
    expect(trade.proceeds.toFixed()).toBe('410');
    expect(trade.pnl.toFixed()).toBe('10');
  });

  it('a final report that details less than it executed: booked as far as it goes, kept (working) until the rest', () => {
    const ledger = open();
    const sale = closedWithSalePending(ledger, true);
    const full = saleReport(sale);
    const short = { ...full, fills: full.fills.slice(0, 1) };
    expect(ledger.lateSaleBooked(short, rules, t0 + 3000)).toMatchObject({ fills: 1, undetailed: true });
    expect(ledger.closedSale(sale)?.state).toBe('open');
    expect(reopen().closedSale(sale)?.state).toBe('open');
  });

  it('absent on the exchange: rejected, no longer kept, the trade as it was', () => {
    const ledger = open();
    const sale = closedWithSalePending(ledger, true);
    ledger.closedSaleAbsent(sale, 'not found', t0 + 9000);
    expect(ledger.closedSales()).toEqual([]);
    const position = store.positionsAll()[0]!;
    expect(store.ordersForPosition(position.id).find((o) => o.clientOrderId === sale)).toMatchObject({
      state: 'rejected',
      error: 'not found',
    });
    expect(store.trades()[0]!.proceeds.toFixed()).toBe('0');
    expect(reopen().closedSales()).toEqual([]);
  });
});
