import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloseFlow } from '../../electron/core/engine/close-flow';
import { Decimal } from '../../electron/core/money/decimal';
import { FlowKit } from '../helpers/flow-kit';
import { sets } from '../helpers/paper-harness';
import { usdtRules } from '../helpers/rules';

/**
 * Closing a position (CloseFlow): when it is done (nothing sellable left, nothing of it working),
 * why it closed (the leg that sold last, else the exit's reason), what the close tells, and the
 * sales whose outcome is unknown that a close keeps. On a real ledger (FlowKit).
 */
let k: FlowKit;
let close: CloseFlow;

beforeEach(() => {
  k = new FlowKit();
  close = new CloseFlow(k.state, k.flows);
});
afterEach(() => k.close());

const closed = () => k.ledger.position('BTCUSDT') === undefined;
const later = () => (k.t += 1000);

describe('closeIfDone', () => {
  it('the take-profit filled everything: closed as a take-profit though its sibling is still open in the ledger', () => {
    k.protect(k.position());
    const p = k.sold('tr-1t1', '0.01', 42000);
    expect(k.ledger.order('tr-1s1')?.state).toBe('open');
    expect(close.closeIfDone(p)).toBe(true);
    expect(closed()).toBe(true);
    expect(k.store.trades()[0]).toMatchObject({ exitReason: 'take-profit' });
    expect(k.told.map((e) => e.type)).toEqual(['position-closed', 'released', 'balance']);
    expect(k.told[0]).toEqual({
      type: 'position-closed',
      symbol: 'BTCUSDT',
      reason: 'take-profit',
      quantity: '0.01',
      exitPrice: '42000',
      pnl: '20',
      pnlPercent: 5,
      quoteAsset: 'USDT',
    });
    expect(k.told[1]).toEqual({
      type: 'released',
      symbol: 'BTCUSDT',
      amount: '400',
      reason: 'take-profit',
      totalReserved: '0',
      totalBalance: '1020',
      quoteAsset: 'USDT',
    });
    expect(k.told[2]).toEqual({ type: 'balance', quoteAsset: 'USDT', quoteBalance: '1020', totalBalance: '1020' });
  });

  it('a part still held: not closed', () => {
    k.protect(k.position());
    const p = k.sold('tr-1t1', '0.005', 42000, 'PARTIALLY_FILLED');
    expect(close.closeIfDone(p)).toBe(false);
    expect(closed()).toBe(false);
    expect(k.told).toEqual([]);
  });

  it('an order of it still working (a market sale partly filled) keeps it open, even with nothing left to sell', () => {
    const p = k.position();
    k.ledger.exitStarted(p.id, 'reversal', 'tr-1x', k.t, new Decimal('0.01'));
    const after = k.sold('tr-1x', '0.01', 41000, 'PARTIALLY_FILLED');
    expect(k.ledger.order('tr-1x')?.state).toBe('open');
    expect(close.closeIfDone(after)).toBe(false);
    k.sold('tr-1x', '0.01', 41000, 'FILLED');
    expect(close.closeIfDone(after)).toBe(true);
    expect(k.store.trades()[0]).toMatchObject({ exitReason: 'reversal' });
  });

  it('an exit sale recorded but never sent does not keep a sold position open', () => {
    const p = k.protect(k.position());
    k.sold('tr-1s1', '0.01', 39100);
    k.ledger.exitStarted(p.id, 'reversal', 'tr-1x', k.t, new Decimal('0.01'));
    expect(k.ledger.order('tr-1x')?.state).toBe('pending');
    expect(close.closeIfDone(p)).toBe(true);
    expect(k.store.trades()[0]).toMatchObject({ exitReason: 'stop-loss' });
  });

  it('a working leg of a list none of whose legs filled keeps it open', () => {
    const p = k.protect(k.position());
    // Everything was sold by a market sale, yet the OCO's legs still work: not done.
    k.ledger.exitStarted(p.id, 'reversal', 'tr-1x', k.t, new Decimal('0.01'));
    k.sold('tr-1x', '0.01', 41000);
    expect(close.closeIfDone(p)).toBe(false);
  });

  it('a list recorded but its answer not known yet (legs pending) keeps it open, everything sold by a market sale', () => {
    const p = k.position();
    k.ledger.ocoPending(
      p.id,
      {
        quantity: p.sellQty,
        takeProfitPrice: new Decimal(42000),
        stopPrice: new Decimal(39200),
        stopType: 'STOP_LOSS_LIMIT',
        stopLimitPrice: new Decimal(39100),
        listClientOrderId: 'tr-1o1',
        takeProfitClientOrderId: 'tr-1t1',
        stopLossClientOrderId: 'tr-1s1',
      },
      k.t,
    );
    expect(k.ledger.order('tr-1t1')?.state).toBe('pending');
    k.ledger.exitStarted(p.id, 'reversal', 'tr-1x', k.t, new Decimal('0.01'));
    const after = k.sold('tr-1x', '0.01', 41000);
    expect(close.closeIfDone(after)).toBe(false);
    expect(closed()).toBe(false);
  });

  it('still buying (opening): never closed', () => {
    const [set] = sets([
      { symbol: 'BTCUSDT', allocationPercent: 40, zScoreThreshold: 2, profitPercent: 5, stopLossPercent: 2 },
    ]);
    const r = k.ledger.reserve(set!, usdtRules('BTCUSDT'), (id) => `tr-${id}b`, k.t);
    if (!r.ok) throw new Error(r.detail);
    expect(close.closeIfDone(r.position)).toBe(false);
    expect(k.ledger.position('BTCUSDT')?.status).toBe('opening');
  });

  it('nothing left to sell but nothing sold either: never closed silently', () => {
    const p = k.position();
    k.ledger.positionShrunk(p.id, new Decimal(0), 'test', k.t);
    expect(close.closeIfDone(p)).toBe(false);
    expect(closed()).toBe(false);
  });

  it('a position already gone: true, nothing said', () => {
    const p = k.position();
    k.ledger.positionClosed(p.id, 'external', k.t);
    expect(close.closeIfDone(p)).toBe(true);
    expect(k.told).toEqual([]);
  });
});

describe('closingReason', () => {
  it('the leg that sold last: a stop-loss after a partial take-profit, and the other way round', () => {
    const p = k.protect(k.position());
    k.sold('tr-1t1', '0.004', 42000, 'PARTIALLY_FILLED');
    later();
    k.sold('tr-1s1', '0.006', 39100);
    expect(close.closingReason(k.ledger.position('BTCUSDT')!)).toBe('stop-loss');
    k.ledger.positionClosed(p.id, 'stop-loss', k.t);

    const q = k.protect(k.position(), 1);
    const ids = { tp: `tr-${q.id}t1`, sl: `tr-${q.id}s1` };
    k.sold(ids.sl, '0.004', 39100, 'PARTIALLY_FILLED');
    later();
    k.sold(ids.tp, '0.006', 42000);
    expect(close.closingReason(k.ledger.position('BTCUSDT')!)).toBe('take-profit');
  });

  it('two legs that sold within one millisecond, the take-profit first: the stop-loss sold last', () => {
    k.protect(k.position());
    k.sold('tr-1t1', '0.004', 42000, 'PARTIALLY_FILLED');
    k.sold('tr-1s1', '0.006', 39100);
    expect(close.closingReason(k.ledger.position('BTCUSDT')!)).toBe('stop-loss');
  });

  it('the entry never decides it, even when its record was updated after the sells', () => {
    const [set] = sets([
      { symbol: 'BTCUSDT', allocationPercent: 40, zScoreThreshold: 2, profitPercent: 5, stopLossPercent: 2 },
    ]);
    const r = k.ledger.reserve(set!, usdtRules('BTCUSDT'), (id) => `tr-${id}b`, k.t);
    if (!r.ok) throw new Error(r.detail);
    const entry = {
      ...k.report(r.position.entryClientOrderId, {
        side: 'BUY',
        executedQty: new Decimal('0.01'),
        cumQuote: new Decimal(400),
        fills: [
          {
            price: new Decimal(40000),
            qty: new Decimal('0.01'),
            commission: new Decimal(0),
            commissionAsset: 'BNB',
            tradeId: '1',
          },
        ],
      }),
      orderId: '',
    };
    const p = k.ledger.entryFilled(r.position.id, entry, usdtRules('BTCUSDT'), k.t).position;
    k.protect(p);
    k.sold('tr-1t1', '0.01', 42000);
    later();
    // The stream's copy of the entry's report comes last, with the exchange's order id.
    k.ledger.orderReported({ ...entry, orderId: '1' }, k.t);
    expect(k.ledger.order(r.position.entryClientOrderId)?.updatedAt).toBe(new Date(k.t).toISOString());
    expect(close.closingReason(k.ledger.position('BTCUSDT')!)).toBe('take-profit');
  });

  it("a market sale last: the reason given, else the exit's, else 'external'", () => {
    const p = k.protect(k.position());
    expect(close.closingReason(p)).toBe('external');
    expect(close.closingReason(p, 'emergency')).toBe('emergency');
    k.sold('tr-1t1', '0.004', 42000, 'PARTIALLY_FILLED');
    later();
    k.ledger.exitStarted(p.id, 'manual', 'tr-1x', k.t, new Decimal('0.006'));
    k.sold('tr-1x', '0.006', 41000);
    const cur = k.ledger.position('BTCUSDT')!;
    expect(close.closingReason(cur)).toBe('manual');
    expect(close.closingReason(cur, 'emergency')).toBe('emergency');
  });
});

describe('closeLocked', () => {
  it('clears what was kept for the symbol (protection, due work)', () => {
    const p = k.position();
    k.state.protection.set('BTCUSDT', { kind: 'working' });
    k.state.due.set('BTCUSDT', [{ kind: 'protect', at: k.t }]);
    close.closeLocked(p, 'external');
    expect(k.state.protection.has('BTCUSDT')).toBe(false);
    expect(k.state.due.has('BTCUSDT')).toBe(false);
  });

  it('a sale that may have executed unseen is kept and looked up; one never sent is not', () => {
    const p = k.position();
    k.ledger.exitStarted(p.id, 'reversal', 'tr-1x', k.t, new Decimal('0.01'));
    k.state.maybeSent.add('tr-1x');
    close.closeLocked(p, 'external');
    expect(k.ledger.closedSales().map((o) => o.clientOrderId)).toEqual(['tr-1x']);
    expect(k.steps()).toEqual(['followClosedSales']);
    expect(k.state.maybeSent.has('tr-1x')).toBe(false);

    const q = k.position();
    const id = `tr-${q.id}x`;
    k.ledger.exitStarted(q.id, 'reversal', id, k.t, new Decimal('0.01'));
    close.closeLocked(q, 'external');
    expect(k.ledger.closedSale(id)).toBeUndefined();
    expect(k.steps()).toEqual(['followClosedSales']);
  });

  it("a close that keeps a sale looks it up, while another position's kept sale is still looked up too", () => {
    const p = k.position();
    k.ledger.exitStarted(p.id, 'reversal', 'tr-1x', k.t, new Decimal('0.01'));
    k.state.maybeSent.add('tr-1x');
    close.closeLocked(p, 'external');
    const q = k.position();
    const id = `tr-${q.id}x`;
    k.ledger.exitStarted(q.id, 'reversal', id, k.t, new Decimal('0.01'));
    k.state.maybeSent.add(id);
    close.closeLocked(q, 'external');
    expect(k.ledger.closedSales().map((o) => o.clientOrderId)).toEqual(['tr-1x', id]);
    expect(k.steps()).toEqual(['followClosedSales', 'followClosedSales']);
  });

  it('a sale taken as never executed after its look-ups is kept too; a sale refused outright is not', () => {
    const p = k.position();
    k.ledger.exitStarted(p.id, 'reversal', 'tr-1x', k.t, new Decimal('0.01'));
    k.ledger.orderRefused('tr-1x', 'not found after a lost answer', k.t);
    k.state.maybeSent.add('tr-1x');
    close.closeLocked(p, 'external');
    expect(k.ledger.closedSale('tr-1x')?.state).toBe('pending');

    const q = k.position();
    const id = `tr-${q.id}x`;
    k.ledger.exitStarted(q.id, 'reversal', id, k.t, new Decimal('0.01'));
    k.ledger.orderRefused(id, 'insufficient balance', k.t);
    k.state.maybeSent.add(id);
    close.closeLocked(q, 'external');
    expect(k.ledger.closedSale(id)).toBeUndefined();
  });
});

describe('tellBalance', () => {
  it('says the balance when it changed, or when asked to always', () => {
    close.tellBalance();
    close.tellBalance();
    expect(k.told).toHaveLength(1);
    close.tellBalance(true);
    expect(k.told).toHaveLength(2);
    k.ledger.setQuoteBalance(new Decimal(1100), k.t);
    close.tellBalance();
    expect(k.told.at(-1)).toEqual({ type: 'balance', quoteAsset: 'USDT', quoteBalance: '1100', totalBalance: '1100' });
  });
});
