import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FeePrices } from '../../electron/core/engine/fee-prices';
import { Ledger } from '../../electron/core/ledger/ledger';
import { Decimal } from '../../electron/core/money/decimal';
import type { Exchange, Fill, OrderReport } from '../../electron/core/ports/exchange';
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

  /** A position bought like the one above, its exit sales `names` (t-<id><name>) sent, then closed with all of them kept. */
  function closedWithSales(ledger: Ledger, names: readonly string[]): string[] {
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
    const ids = names.map((n) => `t-${p.id}${n}`);
    for (const id of ids) ledger.exitStarted(p.id, 'reversal', id, t0, d('0.001'));
    ledger.positionClosed(p.id, 'external', t0, new Set(ids));
    return ids;
  }
  const fill = (qty: string, tradeId: string, over: Partial<Fill> = {}): Fill => ({
    price: d(41000),
    qty: d(qty),
    commission: d(0),
    commissionAsset: 'USDT',
    tradeId,
    ...over,
  });
  const sold = (id: string, fills: Fill[], status: OrderReport['status'] = 'FILLED') => {
    const qty = fills.reduce((a, f) => a.add(f.qty), d(0));
    return report(id, { status, executedQty: qty, cumQuote: qty.mul(41000), fills });
  };

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
  it('a sale working (open) at the close is kept as working, not pending, across a restart', () => {
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
        fills: [fill('0.01', '1', { price: d(40000), commissionAsset: 'BNB' })],
      }),
      rules,
      t0,
    );
    const id = `t-${r.position.id}x`;
    ledger.exitStarted(r.position.id, 'reversal', id, t0, d('0.01'));
    ledger.orderReported(report(id, { status: 'NEW' }), t0 + 500);
    ledger.positionClosed(r.position.id, 'external', t0 + 1000, new Set([id]));
    expect(ledger.closedSale(id)).toMatchObject({
      state: 'open',
      error: 'sent, its outcome unknown when the position closed',
    });
    expect(reopen().closedSale(id)?.state).toBe('open');
  });

  it('a late booking is logged once as a fill event with its figures; a report repeating known fills logs nothing', () => {
    const ledger = open();
    const sale = closedWithSalePending(ledger, true);
    const full = saleReport(sale);
    const partial = {
      ...full,
      status: 'PARTIALLY_FILLED' as const,
      executedQty: d('0.006'),
      fills: full.fills.slice(0, 1),
    };
    const count = store.events().length;
    ledger.lateSaleBooked(partial, rules, t0 + 3000);
    expect(store.events().slice(count)).toEqual([
      {
        time: new Date(t0 + 3000).toISOString(),
        kind: 'fill',
        symbol: 'BTCUSDT',
        message:
          "sold 0.006 for 246 USDT after the position closed (exit PARTIALLY_FILLED): booked into its trade; the balance follows the exchange's at the next balance check",
        data: { clientOrderId: sale, qty: '0.006', credited: '245.754' },
      },
    ]);
    expect(ledger.lateSaleBooked(partial, rules, t0 + 4000)?.fills).toBe(0);
    expect(store.events()).toHaveLength(count + 1);
    expect(store.trades()[0]!.quantity.toFixed()).toBe('0.006');
  });

  it('absent on the exchange: logged as an order event naming the sale and its position', () => {
    const ledger = open();
    const sale = closedWithSalePending(ledger, true);
    const position = store.positionsAll()[0]!;
    ledger.closedSaleAbsent(sale, 'not found', t0 + 9000);
    expect(store.events().at(-1)).toEqual({
      time: new Date(t0 + 9000).toISOString(),
      kind: 'order',
      symbol: 'BTCUSDT',
      message: `the sale ${sale} of closed position #${position.id} never executed: not found`,
    });
  });

  it("a kept sale settling leaves the other kept sales' booked fills and trades alone (another position's sale kept too)", () => {
    const ledger = open();
    ledger.setQuoteBalance(d(1000), t0);
    const [other] = closedWithSales(ledger, ['x']);
    const [a, b] = closedWithSales(ledger, ['x', 'y']);
    const trade = () => store.trades().find((t) => t.positionId === 2)!;
    expect(ledger.lateSaleBooked(sold(b!, [fill('0.003', '30')], 'PARTIALLY_FILLED'), rules, t0 + 1000)?.fills).toBe(1);
    expect(ledger.lateSaleBooked(sold(a!, [fill('0.004', '31')]), rules, t0 + 2000)?.fills).toBe(1);
    expect(ledger.closedSales().map((o) => o.clientOrderId)).toEqual([other, b]);
    // b's report again: its fill is known still, nothing booked twice.
    expect(ledger.lateSaleBooked(sold(b!, [fill('0.003', '30')], 'PARTIALLY_FILLED'), rules, t0 + 3000)?.fills).toBe(0);
    expect(trade().quantity.toFixed()).toBe('0.007');
    const last = ledger.lateSaleBooked(sold(b!, [fill('0.003', '30'), fill('0.003', '32')]), rules, t0 + 4000);
    expect(last?.fills).toBe(1);
    expect(last?.trade?.quantity.toFixed()).toBe('0.01');
    expect(trade().quantity.toFixed()).toBe('0.01');
    expect(trade().proceeds.toFixed()).toBe('410');
    expect(
      store
        .trades()
        .find((t) => t.positionId === 1)!
        .quantity.toFixed(),
    ).toBe('0');
  });

  it('two kept sales of one position settling one after the other, without a restart: both in its trade', () => {
    const ledger = open();
    ledger.setQuoteBalance(d(1000), t0);
    const [a, b] = closedWithSales(ledger, ['x', 'y']);
    ledger.lateSaleBooked(sold(a!, [fill('0.004', '40')]), rules, t0 + 1000);
    expect(ledger.closedSales().map((o) => o.clientOrderId)).toEqual([b]);
    const booked = ledger.lateSaleBooked(sold(b!, [fill('0.006', '41')]), rules, t0 + 2000);
    expect(booked?.trade?.quantity.toFixed()).toBe('0.01');
    const trade = store.trades()[0]!;
    expect(trade.quantity.toFixed()).toBe('0.01');
    expect(trade.proceeds.toFixed()).toBe('410');
    expect(trade.pnl.toFixed()).toBe('10');
  });

  it('settled sales are recognised for the last 200 settled; older ones are forgotten', () => {
    const ledger = open();
    ledger.setQuoteBalance(d(1000), t0);
    const ids = closedWithSales(
      ledger,
      Array.from({ length: 201 }, (_, i) => `x${i}`),
    );
    for (const id of ids.slice(0, 200)) ledger.closedSaleAbsent(id, 'not found', t0 + 1000);
    expect(ledger.closedSaleSettled(ids[0]!)).toBe(true);
    ledger.closedSaleAbsent(ids[200]!, 'not found', t0 + 2000);
    expect(ledger.closedSaleSettled(ids[0]!)).toBe(false);
    expect(ledger.closedSaleSettled(ids[1]!)).toBe(true);
    expect(ledger.closedSaleSettled(ids[200]!)).toBe(true);
  });

  it('fills without trade ids are told apart by price, quantity and commission', () => {
    const ledger = open();
    const sale = closedWithSalePending(ledger, true);
    const f1 = fill('0.006', '');
    const f2 = fill('0.004', '');
    expect(ledger.lateSaleBooked(sold(sale, [f1], 'PARTIALLY_FILLED'), rules, t0 + 3000)?.fills).toBe(1);
    const booked = ledger.lateSaleBooked(sold(sale, [f1, f2]), rules, t0 + 4000);
    expect(booked?.fills).toBe(1);
    expect(store.trades()[0]!.quantity.toFixed()).toBe('0.01');
  });

  it('commission paid in the base asset counts in the fees at the fill price, not in the proceeds', () => {
    const ledger = open();
    const sale = closedWithSalePending(ledger, true);
    const before = store.trades()[0]!;
    ledger.lateSaleBooked(
      sold(sale, [fill('0.01', '50', { commission: d('0.00001'), commissionAsset: 'BTC' })]),
      rules,
      t0 + 3000,
    );
    const trade = store.trades()[0]!;
    expect(trade.fees.toFixed()).toBe(before.fees.add('0.41').toFixed());
    expect(trade.proceeds.toFixed()).toBe('410');
    expect(trade.pnl.toFixed()).toBe('10');
  });

  it('a zero commission in another asset is not valued (no "could not be valued" warning); a nonzero one is', () => {
    const ledger = open();
    const sale = closedWithSalePending(ledger, true);
    const warnings: string[] = [];
    const exchange = { getLastPrice: () => Promise.reject(new Error('no price')) } as unknown as Exchange;
    const fees = new FeePrices(exchange, 'USDT', (m) => warnings.push(m));
    const bnb = (commission: string) => ({ commission: d(commission), commissionAsset: 'BNB' });
    ledger.lateSaleBooked(
      sold(sale, [fill('0.006', '60', bnb('0')), fill('0.004', '61', bnb('0.001'))]),
      rules,
      t0 + 3000,
      fees.value,
    );
    expect(warnings).toEqual([
      "a commission of 0.001 BNB could not be valued yet (no BNBUSDT price): counted as 0 in this trade's PnL",
    ]);
  });
});
