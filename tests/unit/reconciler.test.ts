import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PositionFlows } from '../../electron/core/engine/position-flows';
import { Reconciler } from '../../electron/core/engine/reconciler';
import { Ledger } from '../../electron/core/ledger/ledger';
import { Decimal } from '../../electron/core/money/decimal';
import { FlowKit } from '../helpers/flow-kit';
import { ocoPending, ocoReport } from '../helpers/flow-fixtures';
import { sets } from '../helpers/paper-harness';
import { usdtRules } from '../helpers/rules';

/**
 * Reconciliation (Reconciler) on a real ledger, the exchange scripted and the flows recorded: what
 * each state of a position is compared with, what is said, and what is handed to the flows.
 */
let k: FlowKit;
let calls: { step: string; args: unknown[] }[];
let answers: Record<string, (...args: unknown[]) => unknown>;
const d = (v: string | number) => new Decimal(v);

beforeEach(() => {
  k = new FlowKit();
  calls = [];
  answers = {};
});
afterEach(() => k.close());

function reconciler(ledger: Ledger = k.ledger): Reconciler {
  const flows = new Proxy({} as PositionFlows, {
    get:
      (_t, step: string) =>
      (...args: unknown[]) => {
        calls.push({ step, args });
        return answers[step]?.(...args);
      },
  });
  return new Reconciler({
    ledger,
    exchange: k.state.x.exchange,
    flows,
    locks: k.state.x.locks,
    now: () => k.t,
    tell: (e) => k.told.push(e),
    loadRules: async () => undefined,
  });
}
const steps = () => calls.map((c) => c.step);
function opening(): void {
  const [set] = sets([
    { symbol: 'BTCUSDT', allocationPercent: 40, zScoreThreshold: 2, profitPercent: 5, stopLossPercent: 2 },
  ]);
  const r = k.ledger.reserve(set!, usdtRules('BTCUSDT'), (id) => k.id(`${id}b`), k.t);
  if (!r.ok) throw new Error(r.detail);
}

describe('run', () => {
  it('nothing to reconcile: said, unless quiet; the closed sales are followed every time', async () => {
    const r = reconciler();
    expect(await r.run()).toEqual(['ledger and exchange agree: nothing to reconcile']);
    expect(await reconciler().run({ quietWhenClean: true })).toEqual([]);
    expect(steps()).toEqual(['followClosedSales', 'followClosedSales']);
  });

  it('a reservation with no position behind it: released and said', async () => {
    k.store.putReservation({
      symbol: 'ETHUSDT',
      amount: d(250),
      createdAt: '2026-12-02T09:00:00.000Z',
      positionId: 9,
      orderRef: 'x',
    });
    const ledger = new Ledger(k.store, 'USDT');
    const lines = await reconciler(ledger).run();
    expect(lines).toEqual(['ETHUSDT: released a reservation of 250 with no position behind it']);
    expect(ledger.reservation('ETHUSDT')).toBeUndefined();
    expect(calls.find((c) => c.step === 'tellReleased')?.args).toEqual(['ETHUSDT', d(250), 'orphan']);
  });

  it('a position that cannot be reconciled: said, left as it was', async () => {
    k.protect(k.position());
    k.exchange.getOco = async () => Promise.reject(new Error('socket hang up'));
    expect(await reconciler().run()).toEqual([
      'BTCUSDT: could not reconcile position #1: socket hang up; it is left as it was and checked again at the next check',
    ]);
    expect(k.ledger.position('BTCUSDT')?.status).toBe('protected');
  });
});

describe('an entry (opening)', () => {
  beforeEach(opening);

  it('not on the exchange (yet): looked up in the background, its reservation kept', async () => {
    k.exchange.getOrder = async () => undefined;
    expect(await reconciler().run()).toEqual([
      `BTCUSDT: entry order ${k.id('1b')} is not on the exchange (yet): it is looked up until known, its reservation kept`,
    ]);
    expect(steps()).toEqual(['resolveEntrySoon', 'followClosedSales']);
    expect(calls[0]!.args[1]).toBe('not found at the check');
    expect(k.ledger.reservation('BTCUSDT')).toBeDefined();
  });

  it('still working: followed', async () => {
    k.exchange.getOrder = async (_s, id) => k.report(id, { side: 'BUY', status: 'NEW' });
    expect(await reconciler().run()).toEqual([
      `BTCUSDT: entry order ${k.id('1b')} is still working on the exchange; it is followed`,
    ]);
    expect(steps()).toEqual(['followClosedSales']);
  });

  it('filled while we were down: booked and protected; ended with nothing: released', async () => {
    k.exchange.getOrder = async (_s, id) => k.report(id, { side: 'BUY', executedQty: d('0.01'), cumQuote: d(400) });
    expect(await reconciler().run()).toEqual([
      `BTCUSDT: entry order ${k.id('1b')} filled while we were down (0.01 for 400): booked and protected`,
    ]);
    expect(steps()).toEqual(['bookEntryLocked', 'followClosedSales']);
    calls.length = 0;
    k.exchange.getOrder = async (_s, id) => k.report(id, { side: 'BUY', status: 'EXPIRED' });
    expect(await reconciler().run()).toEqual([
      `BTCUSDT: entry order ${k.id('1b')} ended EXPIRED with nothing bought: reservation released`,
    ]);
    expect(steps()).toEqual(['bookEntryLocked', 'followClosedSales']);
  });
});

describe('bought, no confirmed OCO (open)', () => {
  it('no OCO sent: one placed', async () => {
    k.position();
    expect(await reconciler().run()).toEqual(['BTCUSDT: position #1 had no protective OCO: placing one now']);
    expect(steps()).toEqual(['protectLocked', 'followClosedSales']);
  });

  function pendingOco(): void {
    ocoPending(k, k.position(), { list: 'tr-1o1', tp: 'tr-1t1', sl: 'tr-1s1' });
  }

  it('an OCO sent before the restart and accepted: adopted, the position protected', async () => {
    pendingOco();
    answers.lookUpSentOco = async () => ocoReport(k, {}, {});
    expect(await reconciler().run()).toEqual([
      'BTCUSDT: the OCO of position #1 was accepted before the restart: position protected',
    ]);
    expect(k.ledger.position('BTCUSDT')?.status).toBe('protected');
    expect(steps()).toEqual(['lookUpSentOco', 'onReport', 'onReport', 'assessLocked', 'followClosedSales']);
  });

  it('an OCO sent before the restart that never reached the exchange: written off, another placed', async () => {
    pendingOco();
    answers.lookUpSentOco = async () => 'absent';
    expect(await reconciler().run()).toEqual(['BTCUSDT: position #1 had no protective OCO: placing one now']);
    expect(k.ledger.order('tr-1t1')?.state).toBe('rejected');
    expect(steps()).toEqual(['lookUpSentOco', 'protectLocked', 'followClosedSales']);
  });

  it('... that cannot be looked up now: nothing placed (it may rest), said', async () => {
    pendingOco();
    answers.lookUpSentOco = async () => undefined;
    expect(await reconciler().run()).toEqual([
      'BTCUSDT: the OCO sent before the restart cannot be looked up now; it is looked up again at the next check',
    ]);
    expect(steps()).toEqual(['lookUpSentOco', 'followClosedSales']);
  });
});

describe('protected', () => {
  it('its OCO gone from the exchange: protected again', async () => {
    k.protect(k.position());
    k.exchange.getOco = async () => undefined;
    expect(await reconciler().run()).toEqual([
      'BTCUSDT: the OCO of position #1 is gone from the exchange: protecting it again',
    ]);
    expect(k.ledger.position('BTCUSDT')?.status).toBe('open');
    expect(steps()).toEqual(['protectLocked', 'followClosedSales']);
  });

  it('its take-profit filled while we were down: the legs handed to the flows, said', async () => {
    k.protect(k.position());
    k.exchange.getOco = async () =>
      ocoReport(k, { status: 'FILLED', executedQty: d('0.01'), cumQuote: d(420) }, { status: 'EXPIRED' }, 'ALL_DONE');
    expect(await reconciler().run()).toEqual([
      "BTCUSDT: the OCO's take-profit filled while we were down at 42000; the rest is protected again",
    ]);
    expect(steps()).toEqual(['onReport', 'onReport', 'assessLocked', 'followClosedSales']);
  });

  it('both legs still working: nothing said', async () => {
    k.protect(k.position());
    k.exchange.getOco = async () => ocoReport(k, {}, {});
    expect(await reconciler().run({ quietWhenClean: true })).toEqual([]);
  });
});

describe('an exit in progress (exiting)', () => {
  it('its sale sent before the restart and filled: booked, said; then the exit finished', async () => {
    const p = k.position();
    k.ledger.exitStarted(p.id, 'reversal', k.id('1x'), k.t, d('0.01'));
    answers.lookUpSentOrder = async () => k.report(k.id('1x'), { executedQty: d('0.01') });
    expect(await reconciler().run()).toEqual([
      'BTCUSDT: the market sell of position #1 filled while we were down: closed',
      'BTCUSDT: finishing the interrupted reversal of position #1',
    ]);
    expect(steps()).toEqual(['lookUpSentOrder', 'onReport', 'exitLocked', 'followClosedSales']);
  });

  it('its sale never shown: recorded as taken as never executed, and the exit finished', async () => {
    const p = k.position();
    k.ledger.exitStarted(p.id, 'reversal', k.id('1x'), k.t, d('0.01'));
    answers.lookUpSentOrder = async () => 'absent';
    await reconciler().run();
    expect(k.ledger.order(k.id('1x'))).toMatchObject({ state: 'rejected', error: 'not found after the restart' });
    expect(steps()).toEqual(['lookUpSentOrder', 'exitLocked', 'followClosedSales']);
  });

  it('its sale cannot be looked up: nothing more now', async () => {
    const p = k.position();
    k.ledger.exitStarted(p.id, 'reversal', k.id('1x'), k.t, d('0.01'));
    answers.lookUpSentOrder = async () => undefined;
    expect(await reconciler().run()).toEqual([
      'BTCUSDT: the sale sent before the restart cannot be looked up now; it is looked up again at the next check',
    ]);
    expect(steps()).toEqual(['lookUpSentOrder', 'followClosedSales']);
  });
});
