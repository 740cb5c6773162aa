import { describe, expect, it } from 'vitest';
import { entryId, exitId, ocoIds } from '../../electron/core/engine/client-ids';
import { ReportMailbox } from '../../electron/core/engine/report-mailbox';
import { rulesChanges } from '../../electron/core/engine/rules-changes';
import { backoff, DEFAULT_TIMINGS, sleep } from '../../electron/core/engine/timings';
import {
  isFinalState,
  NOT_FOUND_AFTER,
  orderStateOf,
  stateRank,
  takenAsUnsent,
} from '../../electron/core/ledger/order-states';
import type { OrderRecord } from '../../electron/core/ledger/records';
import { Decimal } from '../../electron/core/money/decimal';
import type { OrderReport, OrderStatus } from '../../electron/core/ports/exchange';
import { usdtRules } from '../helpers/rules';

/**
 * The engine's small helpers, each on its own: client order ids, the report mailbox, the words for
 * a change of symbol rules, back-off and sleep, order states. The flows reach them through
 * integration tests that do not look at these details; mutation testing showed which went unchecked.
 */

function report(clientOrderId: string, over: Partial<OrderReport> = {}): OrderReport {
  return {
    symbol: 'BTCUSDT',
    clientOrderId,
    orderId: '1',
    side: 'SELL',
    type: 'LIMIT_MAKER',
    status: 'NEW',
    origQty: new Decimal('0.001'),
    executedQty: new Decimal(0),
    cumQuote: new Decimal(0),
    fills: [],
    time: 0,
    ...over,
  };
}

describe('client order ids', () => {
  it('are <prefix><ledger>-<position><kind><attempt>, the first exit without a number', () => {
    expect(entryId('x-P', 'L1', 7)).toBe('x-PL1-7b');
    expect(exitId('x-P', 'L1', 7)).toBe('x-PL1-7x');
    expect(exitId('x-P', 'L1', 7, 1)).toBe('x-PL1-7x');
    expect(exitId('x-P', 'L1', 7, 2)).toBe('x-PL1-7x2');
    expect(ocoIds('x-P', 'L1', 7, 3)).toEqual({ list: 'x-PL1-7o3', takeProfit: 'x-PL1-7t3', stopLoss: 'x-PL1-7s3' });
  });

  it("refuse what breaks Binance's rule: over 36 characters, or a character outside A-Z a-z 0-9 - _", () => {
    const long = 'x'.repeat(33);
    expect(entryId(long, '', 1)).toHaveLength(36); // exactly 36 passes
    expect(() => entryId(long, 'a', 1)).toThrow(/breaks Binance's rule \(1-36 of A-Z a-z 0-9 - _\)/);
    expect(() => exitId('x.P', 'L', 1)).toThrow(/client order id x\.PL-1x breaks/);
    expect(() => ocoIds('x P', 'L', 1, 1)).toThrow(/breaks/);
    expect(entryId('A_z-9', 'Q', 0)).toBe('A_z-9Q-0b');
  });
});

describe('ReportMailbox', () => {
  const never = new AbortController().signal;

  it('hands a report that came before anyone waited to the first who waits, once', async () => {
    const box = new ReportMailbox();
    box.post(report('a', { status: 'FILLED' }));
    box.post(report('a', { status: 'PARTIALLY_FILLED' })); // the newest is kept
    expect((await box.wait('a', 10, never))?.status).toBe('PARTIALLY_FILLED');
    expect(box.take('a')).toBeUndefined();
    expect(await box.wait('a', 5, never)).toBeUndefined();
  });

  it('wakes a waiter at once; a report of one of its legs wakes whoever waits for the list', async () => {
    const box = new ReportMailbox();
    const started = Date.now();
    const waiting = box.wait('b', 5000, never);
    const forList = box.wait('list-1', 5000, never);
    box.post(report('b', { status: 'FILLED' }));
    box.post(report('leg-1', { listClientOrderId: 'list-1', status: 'FILLED' }));
    expect((await waiting)?.status).toBe('FILLED');
    expect((await forList)?.clientOrderId).toBe('leg-1');
    expect(Date.now() - started).toBeLessThan(1000);
    // Delivered to its waiter, a report is not kept as well; the leg's own report is (nobody waited for it).
    expect(box.take('b')).toBeUndefined();
    expect(box.take('leg-1')?.clientOrderId).toBe('leg-1');
  });

  it('ends a wait with nothing after its time or at abort, and forgets the waiter', async () => {
    const box = new ReportMailbox();
    expect(await box.wait('c', 20, never)).toBeUndefined();
    const stop = new AbortController();
    const waiting = box.wait('d', 60_000, stop.signal);
    stop.abort();
    expect(await waiting).toBeUndefined();
    expect(await box.wait('e', 60_000, stop.signal)).toBeUndefined(); // already aborted
    // The waiters are gone: a later report is kept for the next one.
    box.post(report('d'));
    box.post(report('c'));
    expect(box.take('d')?.clientOrderId).toBe('d');
    expect(box.take('c')?.clientOrderId).toBe('c');
  });

  it('a finished wait does not remove a newer waiter of the same id', async () => {
    const box = new ReportMailbox();
    const first = box.wait('f', 10, never);
    await first; // timed out
    const second = box.wait('f', 5000, never);
    box.post(report('f', { status: 'FILLED' }));
    expect((await second)?.status).toBe('FILLED');
  });

  it('a wait that times out while a newer one of the same id waits leaves the newer one waiting', async () => {
    const box = new ReportMailbox();
    const first = box.wait('g', 10, never);
    const second = box.wait('g', 800, never); // registered before the first times out
    expect(await first).toBeUndefined();
    box.post(report('g', { status: 'FILLED' }));
    expect((await second)?.status).toBe('FILLED');
  });

  it('keeps at most 500 unclaimed reports, dropping the oldest', () => {
    const box = new ReportMailbox();
    for (let i = 0; i < 501; i++) box.post(report(`id-${i}`));
    expect(box.take('id-0')).toBeUndefined();
    expect(box.take('id-1')?.clientOrderId).toBe('id-1');
    expect(box.take('id-500')?.clientOrderId).toBe('id-500');
  });
});

describe('rulesChanges', () => {
  const before = usdtRules('BTCUSDT');

  it('says nothing when nothing changed', () => {
    expect(rulesChanges(before, usdtRules('BTCUSDT'))).toEqual([]);
  });

  it('names each change in words: status, OCO, quote-amount orders, every filter, old -> new', () => {
    const after = {
      ...usdtRules('BTCUSDT', {
        tickSize: '0.1',
        stepSize: '0.0001',
        minQty: '0.0001',
        minNotional: '10',
        minPrice: '0.1',
        maxPrice: '2000000',
      }),
      status: 'BREAK',
      ocoAllowed: false,
      quoteOrderQtyMarketAllowed: false,
    };
    expect(rulesChanges(before, after)).toEqual([
      'BTCUSDT status changed on the exchange: TRADING -> BREAK',
      'BTCUSDT: OCO orders are no longer allowed on the exchange',
      'BTCUSDT: market orders by quote amount are no longer allowed on the exchange',
      'BTCUSDT: the tick size changed on the exchange: 0.01 -> 0.1 (new orders use it)',
      'BTCUSDT: the lot step changed on the exchange: 0.00001 -> 0.0001 (new orders use it)',
      'BTCUSDT: the minimum quantity changed on the exchange: 0.00001 -> 0.0001 (new orders use it)',
      'BTCUSDT: the minimum order value changed on the exchange: 5 -> 10 (new orders use it)',
      'BTCUSDT: the minimum price changed on the exchange: 0.01 -> 0.1 (new orders use it)',
      'BTCUSDT: the maximum price changed on the exchange: 1000000 -> 2000000 (new orders use it)',
    ]);
    expect(rulesChanges(after, before).slice(0, 3)).toEqual([
      'BTCUSDT status changed on the exchange: BREAK -> TRADING',
      'BTCUSDT: OCO orders are allowed again on the exchange',
      'BTCUSDT: market orders by quote amount are allowed again on the exchange',
    ]);
  });

  it('leaves out what it does not follow (the maximum quantity)', () => {
    expect(rulesChanges(before, usdtRules('BTCUSDT', { maxQty: '1' }))).toEqual([]);
  });
});

describe('backoff and sleep', () => {
  it('takes the n-th wait of the schedule, the last repeating, with up to 20% jitter', () => {
    const s = [100, 200, 400];
    expect(backoff(s, 0, () => 0)).toBe(100);
    expect(backoff(s, 1, () => 0)).toBe(200);
    expect(backoff(s, 2, () => 0)).toBe(400);
    expect(backoff(s, 9, () => 0)).toBe(400);
    expect(backoff(s, 0, () => 1)).toBe(120);
    expect(backoff(s, 1, () => 0.5)).toBe(220);
    expect(backoff([], 0, () => 1)).toBe(0);
    for (let i = 0; i < 50; i++) {
      const w = backoff(s, 1);
      expect(w).toBeGreaterThanOrEqual(200);
      expect(w).toBeLessThanOrEqual(240);
    }
  });

  it("Binance's defaults: look-ups for 10 minutes, an 8 s exit budget", () => {
    expect(DEFAULT_TIMINGS.unknownOutcomeWindowMs).toBe(600_000);
    expect(DEFAULT_TIMINGS.lookupDelaysMs[0]).toBe(250);
    expect(DEFAULT_TIMINGS.exitRetryBudgetMs).toBe(8000);
  });

  it('sleeps its time, returns at once for zero or an aborted signal, and wakes on abort', async () => {
    let t = Date.now();
    await sleep(60);
    expect(Date.now() - t).toBeGreaterThanOrEqual(55);
    t = Date.now();
    await sleep(0);
    await sleep(-5);
    const aborted = new AbortController();
    aborted.abort();
    await sleep(1000, aborted.signal); // a listener added to an aborted signal never fires: checked first
    expect(Date.now() - t).toBeLessThan(50);
    const later = new AbortController();
    t = Date.now();
    const s = sleep(60_000, later.signal);
    setTimeout(() => later.abort(), 20);
    await s;
    expect(Date.now() - t).toBeLessThan(5000);
  });
});

describe('order states', () => {
  it('maps every Binance status to our state', () => {
    const cases: Array<[OrderStatus, string]> = [
      ['NEW', 'open'],
      ['PARTIALLY_FILLED', 'open'],
      ['PENDING_CANCEL', 'open'],
      ['FILLED', 'filled'],
      ['CANCELED', 'canceled'],
      ['REJECTED', 'rejected'],
      ['EXPIRED', 'expired'],
      ['EXPIRED_IN_MATCH', 'expired'],
    ];
    for (const [status, state] of cases) expect(orderStateOf(status), status).toBe(state);
  });

  it('ranks pending < open < every final state; only those are final', () => {
    expect([stateRank('pending'), stateRank('open'), stateRank('filled')]).toEqual([0, 1, 2]);
    for (const s of ['filled', 'canceled', 'rejected', 'expired'] as const) {
      expect(stateRank(s)).toBe(2);
      expect(isFinalState(s)).toBe(true);
    }
    expect(isFinalState('open')).toBe(false);
    expect(isFinalState('pending')).toBe(false);
  });

  it('takes as never executed only a rejected sale whose error says it was not found after its look-ups', () => {
    const order = (state: OrderRecord['state'], error?: string) => ({ state, error }) as OrderRecord;
    expect(takenAsUnsent(order('rejected', `${NOT_FOUND_AFTER} 6 look-ups`))).toBe(true);
    expect(takenAsUnsent(order('rejected', '-2010 insufficient balance'))).toBe(false);
    expect(takenAsUnsent(order('rejected'))).toBe(false);
    expect(takenAsUnsent(order('filled', `${NOT_FOUND_AFTER} 6 look-ups`))).toBe(false);
    expect(takenAsUnsent(order('canceled', `${NOT_FOUND_AFTER} 6 look-ups`))).toBe(false);
  });
});
