import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReportFlow } from '../../electron/core/engine/report-flow';
import { Decimal } from '../../electron/core/money/decimal';
import type { AssetBalance, OrderReport } from '../../electron/core/ports/exchange';
import { FlowKit } from '../helpers/flow-kit';
import { ocoPending, ocoReport } from '../helpers/flow-fixtures';
import { sets } from '../helpers/paper-harness';
import { usdtRules } from '../helpers/rules';

/**
 * Following the exchange (ReportFlow) on a real ledger (FlowKit): where each report goes, what the
 * position's OCO legs say and what that makes the engine do, and matching a position with what the
 * account holds of its coins.
 */
let k: FlowKit;
let flow: ReportFlow;

beforeEach(() => {
  k = new FlowKit({ lookupDelaysMs: [5], unknownOutcomeWindowMs: 20, exitRetryBudgetMs: 20, gapGraceMs: 10_000 });
  flow = new ReportFlow(k.state, k.flows);
});
afterEach(() => k.close());

const d = (v: string | number) => new Decimal(v);
const holds = (free: string, locked = '0') => {
  k.exchange.getAssetBalance = async (): Promise<AssetBalance> => ({ free: d(free), locked: d(locked) });
};
const warnings = () => k.told.filter((e) => e.type === 'warning').map((e) => (e as { message: string }).message);
/** The cancel ends what is left of the list (as ExitFlow.cancelProtection does). */
const cancelEndsTheList = () => {
  k.answers.cancelProtection = () => {
    k.ledger.ocoEnded(1, 'canceled', 'cancelled by us', k.t);
    return Promise.resolve('clear');
  };
};

describe('matchHoldings', () => {
  it('the account holds the coins: the position as it is', async () => {
    const p = k.position();
    holds('0.01');
    expect(await flow.matchHoldings(p, 'test')).toEqual({ kind: 'ok', position: p });
    expect(k.told).toEqual([]);
  });

  it('the account cannot be read: the position taken as it is', async () => {
    const p = k.position();
    k.exchange.getAssetBalance = async () => Promise.reject(new Error('unreachable'));
    expect(await flow.matchHoldings(p, 'test')).toEqual({ kind: 'ok', position: p });
  });

  it('the coins are gone: closed as sold outside Tranche, said with the figures', async () => {
    const p = k.position();
    holds('0');
    expect(await flow.matchHoldings(p, 'before the market sale')).toEqual({ kind: 'gone' });
    expect(k.calls).toEqual([{ step: 'closeLocked', args: [p, 'external'] }]);
    expect(warnings()).toEqual([
      'BTCUSDT: the account holds 0 BTC of the 0.01 this position held (before the market sale): the coins were sold outside Tranche; the position is closed and its reservation released',
    ]);
  });

  it('some of them gone: the position continues with what is there, floored to the step', async () => {
    const p = k.position();
    holds('0.0061234');
    const held = await flow.matchHoldings(p, 'test');
    expect(held.kind).toBe('ok');
    if (held.kind !== 'ok') return;
    expect(k.ledger.remainingQty(held.position).toFixed()).toBe('0.00612');
    expect(warnings()).toEqual([
      'BTCUSDT: the account holds 0.0061234 BTC, less than the 0.01 this position held (test); it continues with 0.00612',
    ]);
  });

  it('there but locked by an order Tranche did not place: not taken as gone, said once', async () => {
    const p = k.position();
    holds('0', '0.01');
    expect(await flow.matchHoldings(p, 'test')).toEqual({ kind: 'locked', position: p });
    expect(await flow.matchHoldings(p, 'test')).toEqual({ kind: 'locked', position: p });
    expect(warnings()).toEqual([
      'BTCUSDT: 0.01 BTC of this position is locked by an order Tranche did not place (test); it is protected again once that order ends',
    ]);
    expect(k.calls).toEqual([]);
  });

  it('less locked than our own OCO holds (its legs work): the rest was sold outside, the position continues with it', async () => {
    const p = k.protect(k.position());
    holds('0', '0.004');
    const held = await flow.matchHoldings(p, 'test');
    expect(held.kind).toBe('ok');
    if (held.kind === 'ok') expect(k.ledger.remainingQty(held.position).toFixed()).toBe('0.004');
    expect(warnings()).toEqual([
      'BTCUSDT: the account holds 0.004 BTC, less than the 0.01 this position held (test); it continues with 0.004',
    ]);
  });

  it('before taking coins as gone, a sale of ours that may have taken them is looked up and booked', async () => {
    const p = k.position();
    k.ledger.exitStarted(p.id, 'reversal', 'tr-1x', k.t, d('0.01'));
    k.state.maybeSent.add('tr-1x');
    holds('0');
    const sale: OrderReport = k.report('tr-1x', {
      executedQty: d('0.01'),
      cumQuote: d(410),
      fills: [{ price: d(41000), qty: d('0.01'), commission: d(0), commissionAsset: 'BNB', tradeId: '3' }],
    });
    let asked = 0;
    k.exchange.getOrder = async () => (++asked < 3 ? undefined : sale);
    await flow.matchHoldings(p, 'test');
    // Nothing of the coins left: looked up on the schedule (it showed at the third look-up), not once.
    expect(asked).toBe(3);
    expect(k.ledger.order('tr-1x')?.state).toBe('filled');
    // Booked (the balance told); the exit flow that sent it closes the position.
    expect(k.calls.map((c) => c.step)).toEqual(['tellBalance']);
    expect(warnings()).toEqual([]);
  });

  it('some coins left: our sale is looked up once (the rest must not wait unprotected)', async () => {
    const p = k.position();
    k.ledger.exitStarted(p.id, 'reversal', 'tr-1x', k.t, d('0.01'));
    k.state.maybeSent.add('tr-1x');
    holds('0.005');
    let asked = 0;
    k.exchange.getOrder = async () => {
      asked++;
      return undefined;
    };
    const held = await flow.matchHoldings(p, 'test');
    expect(asked).toBe(1);
    expect(held.kind).toBe('ok');
  });

  it('a sale never sent (not maybe sent) or already filled is not looked up', async () => {
    const p = k.position();
    k.ledger.exitStarted(p.id, 'reversal', 'tr-1x', k.t, d('0.01'));
    holds('0');
    let asked = 0;
    k.exchange.getOrder = async () => {
      asked++;
      return undefined;
    };
    await flow.matchHoldings(p, 'test');
    expect(asked).toBe(0);
  });
});

describe('onReport: where each report goes', () => {
  it("a sell leg's fill is booked at once and said; the position assessed", async () => {
    k.protect(k.position());
    flow.onReport(
      k.report('tr-1t1', {
        type: 'LIMIT_MAKER',
        listClientOrderId: 'tr-1o1',
        status: 'PARTIALLY_FILLED',
        executedQty: d('0.004'),
        cumQuote: d(168),
        fills: [{ price: d(42000), qty: d('0.004'), commission: d(0), commissionAsset: 'BNB', tradeId: '4' }],
      }),
    );
    expect(k.told[0]).toEqual({
      type: 'sell-filled',
      symbol: 'BTCUSDT',
      purpose: 'take-profit',
      quantity: '0.004',
      credited: '168',
      remaining: '0.006',
      complete: false,
      quoteAsset: 'USDT',
    });
    expect(k.ledger.balance.toFixed()).toBe('768');
    await k.settle();
    expect(k.state.protection.get('BTCUSDT')?.kind).toBe('take-profit-filling');
  });

  it('a report that says more filled than it details: the fills asked of the exchange and booked', async () => {
    k.protect(k.position());
    const fill = { price: d(42000), qty: d('0.004'), commission: d(0), commissionAsset: 'BNB', tradeId: '4' };
    const leg = { type: 'LIMIT_MAKER' as const, listClientOrderId: 'tr-1o1', status: 'PARTIALLY_FILLED' as const };
    const asked: string[] = [];
    k.exchange.getOrder = async (_s, id) => {
      asked.push(id);
      return k.report(id, { ...leg, executedQty: d('0.004'), cumQuote: d(168), fills: [fill] });
    };
    flow.onReport(k.report('tr-1t1', { ...leg, executedQty: d('0.004'), cumQuote: d(168), fills: [] }));
    await k.settle();
    await k.settle();
    expect(asked).toEqual(['tr-1t1']);
    expect(k.told.filter((e) => e.type === 'sell-filled')).toMatchObject([
      { quantity: '0.004', purpose: 'take-profit' },
    ]);
    expect(k.ledger.balance.toFixed()).toBe('768');
  });

  it("the entry's final report while the position is opening: booked by the entry flow; not before it is final, not again after", async () => {
    const [set] = sets([
      { symbol: 'BTCUSDT', allocationPercent: 40, zScoreThreshold: 2, profitPercent: 5, stopLossPercent: 2 },
    ]);
    const r = k.ledger.reserve(set!, usdtRules('BTCUSDT'), (id) => k.id(`${id}b`), k.t);
    if (!r.ok) throw new Error(r.detail);
    const entry = r.position.entryClientOrderId;
    flow.onReport(k.report(entry, { side: 'BUY', status: 'NEW' }));
    await k.settle();
    expect(k.calls.map((c) => c.step)).toEqual([]);
    flow.onReport(k.report(entry, { side: 'BUY', executedQty: d('0.01') }));
    await k.settle();
    expect(k.calls.map((c) => c.step)).toEqual(['bookEntryLocked']);
    expect(k.calls[0]!.args[0]).toEqual(r.position);
  });

  it('an entry report of a position already bought: nothing more to book', async () => {
    const p = k.position();
    flow.onReport(k.report(p.entryClientOrderId, { side: 'BUY' }));
    await k.settle();
    expect(k.calls.map((c) => c.step)).toEqual([]);
  });

  it("a closed position's sale of unknown outcome: handed to the late-sale flow", () => {
    const p = k.position();
    k.ledger.exitStarted(p.id, 'reversal', k.id('1x'), k.t, d('0.01'));
    k.ledger.positionClosed(p.id, 'external', k.t, new Set([k.id('1x')]));
    k.answers.bookLateSale = () => true;
    flow.onReport(k.report(k.id('1x'), { executedQty: d('0.01') }));
    expect(k.calls.map((c) => c.step)).toEqual(['bookLateSale']);
    expect(k.told).toEqual([]);
  });

  it('a sale of ours reported after its position closed, not kept: said once', () => {
    const p = k.position();
    k.ledger.positionClosed(p.id, 'external', k.t);
    k.answers.bookLateSale = () => false;
    flow.onReport(k.report(k.id('1x'), { executedQty: d('0.01') }));
    flow.onReport(k.report(k.id('1x'), { executedQty: d('0.01') }));
    expect(warnings()).toEqual([
      `a sale of BTCUSDT (${k.id('1x')}) reported after its position closed: its proceeds reach the balance at the next balance check`,
    ]);
  });

  it('a buy of ours taken as never executed that executed late: adopted; an order of another client: ignored', async () => {
    flow.onReport(k.report(k.id('7b'), { side: 'BUY', executedQty: d('0.01') }));
    flow.onReport(k.report('other-7b', { side: 'BUY', executedQty: d('0.01') }));
    flow.onReport(k.report(k.id('8b'), { side: 'BUY', status: 'NEW', executedQty: d(0) }));
    await k.settle();
    expect(k.calls.map((c) => c.step)).toEqual(['adoptLateEntryLocked']);
    expect((k.calls[0]!.args[0] as OrderReport).clientOrderId).toBe(k.id('7b'));
  });
});

describe('onReport: a report no live position owns', () => {
  it('not adopted: a buy final with nothing filled, not final, with an id not ours for a buy, or already booked', async () => {
    const p = k.position();
    k.ledger.positionClosed(p.id, 'take-profit', k.t);
    flow.onReport(k.report(k.id('9b'), { side: 'BUY', status: 'EXPIRED', executedQty: d(0) }));
    flow.onReport(k.report(k.id('9b'), { side: 'BUY', status: 'PARTIALLY_FILLED', executedQty: d('0.01') }));
    flow.onReport(k.report(k.id('9bx'), { side: 'BUY', executedQty: d('0.01') }));
    flow.onReport(k.report(p.entryClientOrderId, { side: 'BUY', executedQty: d('0.01') }));
    await k.settle();
    expect(k.calls.map((c) => c.step)).toEqual([]);
    expect(k.told).toEqual([]);
  });

  it('sales of ours reported after their positions closed: each said once; one that sold nothing: not said', () => {
    k.answers.bookLateSale = () => false;
    flow.onReport(k.report(k.id('1x'), { executedQty: d(0), status: 'EXPIRED' }));
    expect(warnings()).toEqual([]);
    for (const id of ['1x', '1x2', '1x']) flow.onReport(k.report(k.id(id), { executedQty: d('0.01') }));
    expect(warnings()).toHaveLength(2);
  });
});

describe('assessLocked: what the OCO legs say', () => {
  it('an open position without an order: protected', async () => {
    k.position();
    await flow.assessLocked('BTCUSDT');
    expect(k.calls.map((c) => c.step)).toEqual(['closeIfDone', 'protectLocked']);
  });

  it('nothing to do: a position being bought, one its booked sells close, one whose OCO is being placed', async () => {
    const [set] = sets([
      { symbol: 'BTCUSDT', allocationPercent: 40, zScoreThreshold: 2, profitPercent: 5, stopLossPercent: 2 },
    ]);
    const r = k.ledger.reserve(set!, usdtRules('BTCUSDT'), (id) => k.id(`${id}b`), k.t);
    if (!r.ok) throw new Error(r.detail);
    await flow.assessLocked('BTCUSDT');
    expect(k.calls).toEqual([]);
    k.ledger.entryFailed(r.position.id, 'test', k.t);

    const p = k.position();
    k.answers.closeIfDone = () => true;
    await flow.assessLocked('BTCUSDT');
    expect(k.calls.map((c) => c.step)).toEqual(['closeIfDone']);
    delete k.answers.closeIfDone;

    ocoPending(k, p, { list: 'tr-1o1', tp: 'tr-1t1', sl: 'tr-1s1' });
    await flow.assessLocked('BTCUSDT');
    expect(k.calls.map((c) => c.step)).toEqual(['closeIfDone', 'closeIfDone']);
  });

  it('both legs working: protected, nothing to do', async () => {
    k.protect(k.position());
    k.state.protection.set('BTCUSDT', { kind: 'stop-triggered', since: 0 });
    await flow.assessLocked('BTCUSDT');
    expect(k.calls.map((c) => c.step)).toEqual(['closeIfDone']);
    expect(k.state.protection.has('BTCUSDT')).toBe(false);
  });

  it('the stop triggered (the take-profit expired by the OCO rule): watched, a gap check scheduled', async () => {
    k.protect(k.position());
    k.state.expiry.set('tr-1t1', 'OCO_TRIGGER');
    k.ledger.orderReported(k.report('tr-1t1', { type: 'LIMIT_MAKER', status: 'EXPIRED' }), k.t);
    await flow.assessLocked('BTCUSDT');
    expect(k.state.protection.get('BTCUSDT')).toEqual({
      kind: 'stop-triggered',
      since: k.t,
      stopPrice: d(39200),
      limitPrice: d(39100),
    });
    expect(k.state.due.get('BTCUSDT')).toEqual([{ kind: 'gap-check', at: k.t + 10_000 }]);
    expect(k.told.at(-1)).toMatchObject({
      type: 'protection',
      state: 'stop-triggered',
      message:
        'BTCUSDT: the stop triggered and has not filled yet (limit 39100); if the price stays below its limit the rest is sold at market in 10 s',
    });
    // Said once.
    await flow.assessLocked('BTCUSDT');
    expect(k.told.filter((e) => e.type === 'protection')).toHaveLength(1);
  });

  it('the take-profit cancelled by somebody else (not a trigger): the exchange is asked, the stop cancelled, the coins protected again', async () => {
    k.protect(k.position());
    k.state.expiry.set('tr-1t1', 'EXCHANGE_CANCELED');
    k.ledger.orderReported(k.report('tr-1t1', { type: 'LIMIT_MAKER', status: 'CANCELED' }), k.t);
    k.exchange.getOco = async () => ocoReport(k, { status: 'CANCELED' }, { status: 'NEW' });
    cancelEndsTheList();
    holds('0.01');
    await flow.assessLocked('BTCUSDT');
    const steps = k.calls.map((c) => c.step);
    expect(steps.filter((s) => s !== 'closeIfDone')).toEqual(['cancelProtection', 'protectLocked']);
    expect(k.told.filter((e) => e.type === 'protection')).toEqual([]);
  });

  it('every leg ended outside Tranche with the coins still there: said, and protected again', async () => {
    k.protect(k.position());
    for (const id of ['tr-1t1', 'tr-1s1'])
      k.ledger.orderReported(k.report(id, { status: 'CANCELED', type: 'LIMIT_MAKER' }), k.t);
    holds('0.01');
    await flow.assessLocked('BTCUSDT');
    expect(k.told.find((e) => e.type === 'protection')).toMatchObject({
      state: 'lost',
      message:
        'BTCUSDT: the OCO was canceled by the exchange or another client with 0.01 still held: protecting it again',
    });
    expect(k.calls.map((c) => c.step).at(-1)).toBe('protectLocked');
    expect(k.ledger.position('BTCUSDT')?.status).toBe('open');
  });

  it('the exchange cannot be asked about the list: a recheck scheduled, nothing else', async () => {
    k.protect(k.position());
    k.ledger.orderReported(k.report('tr-1t1', { status: 'CANCELED', type: 'LIMIT_MAKER' }), k.t);
    k.exchange.getOco = async () => Promise.reject(new Error('unreachable'));
    await flow.assessLocked('BTCUSDT');
    expect(k.state.due.get('BTCUSDT')).toEqual([{ kind: 'recheck', at: k.t + 10_000 }]);
    expect(k.calls.map((c) => c.step)).toEqual(['closeIfDone']);
  });

  it('an exiting position belongs to the exit flow: nothing', async () => {
    const p = k.protect(k.position());
    k.ledger.exitStarted(p.id, 'reversal', 'tr-1x', k.t, d('0.01'));
    await flow.assessLocked('BTCUSDT');
    expect(k.calls.map((c) => c.step)).toEqual(['closeIfDone']);
  });
});

describe('assessLocked: a leg that started working alone', () => {
  const steps = () => k.calls.map((c) => c.step).filter((s) => s !== 'closeIfDone' && s !== 'tellBalance');

  it('the take-profit started filling (the stop expired by the trigger): watched, a check scheduled, said once', async () => {
    k.protect(k.position());
    k.sold('tr-1t1', '0.004', 42000, 'PARTIALLY_FILLED');
    k.state.expiry.set('tr-1s1', 'OCO_TRIGGER');
    k.ledger.orderReported(k.report('tr-1s1', { type: 'STOP_LOSS_LIMIT', status: 'EXPIRED' }), k.t);
    await flow.assessLocked('BTCUSDT');
    await flow.assessLocked('BTCUSDT');
    expect(k.state.protection.get('BTCUSDT')).toEqual({ kind: 'take-profit-filling', since: k.t, price: d(42000) });
    expect(k.state.due.get('BTCUSDT')).toEqual([{ kind: 'tp-check', at: k.t + 10_000 }]);
    expect(k.told.filter((e) => e.type === 'protection')).toEqual([
      {
        type: 'protection',
        symbol: 'BTCUSDT',
        state: 'take-profit-filling',
        message:
          'BTCUSDT: the take-profit started filling (0.004 sold); the stop leg expired, so the rest is watched and protected again if the price falls back',
      },
    ]);
    expect(steps()).toEqual([]);
  });

  it('a stop without a limit (STOP_LOSS) triggered: watched, said without a limit', async () => {
    const p = ocoPending(k, k.position(), { list: 'tr-1o1', tp: 'tr-1t1', sl: 'tr-1s1' });
    k.ledger.ocoPlaced(p.id, ocoReport(k, {}, { type: 'STOP_LOSS' }), k.t);
    k.state.expiry.set('tr-1t1', 'OCO_TRIGGER');
    k.ledger.orderReported(k.report('tr-1t1', { type: 'LIMIT_MAKER', status: 'EXPIRED' }), k.t);
    await flow.assessLocked('BTCUSDT');
    expect(k.state.protection.get('BTCUSDT')).toEqual({ kind: 'stop-triggered', since: k.t, stopPrice: d(39200) });
    expect(k.told.at(-1)).toMatchObject({
      message:
        'BTCUSDT: the stop triggered and has not filled yet; if it has not filled, the rest is sold at market in 10 s',
    });
  });

  it('the stop started filling (the take-profit cancelled): watched as a triggered stop', async () => {
    k.protect(k.position());
    k.ledger.orderReported(k.report('tr-1t1', { type: 'LIMIT_MAKER', status: 'CANCELED' }), k.t);
    k.sold('tr-1s1', '0.003', 39100, 'PARTIALLY_FILLED');
    await flow.assessLocked('BTCUSDT');
    expect(k.state.protection.get('BTCUSDT')?.kind).toBe('stop-triggered');
    expect(k.state.due.get('BTCUSDT')).toEqual([{ kind: 'gap-check', at: k.t + 10_000 }]);
  });

  it('the take-profit expired without a reason given: taken as the trigger (watched); with another reason: protected again', async () => {
    k.protect(k.position());
    k.ledger.orderReported(k.report('tr-1t1', { type: 'LIMIT_MAKER', status: 'EXPIRED' }), k.t);
    await flow.assessLocked('BTCUSDT');
    expect(k.state.protection.get('BTCUSDT')?.kind).toBe('stop-triggered');
    expect(steps()).toEqual([]);

    k.state.protection.delete('BTCUSDT');
    k.state.due.clear();
    k.state.expiry.set('tr-1t1', 'EXCHANGE_CANCELED');
    k.exchange.getOco = async () => ocoReport(k, { status: 'EXPIRED' }, { status: 'NEW' });
    cancelEndsTheList();
    holds('0.01');
    await flow.assessLocked('BTCUSDT');
    expect(k.state.protection.has('BTCUSDT')).toBe(false);
    expect(steps()).toEqual(['cancelProtection', 'protectLocked']);
  });

  it('the stop ended without a trigger while the take-profit works: the exchange asked, the take-profit cancelled, protected again', async () => {
    k.protect(k.position());
    k.ledger.orderReported(k.report('tr-1s1', { type: 'STOP_LOSS_LIMIT', status: 'CANCELED' }), k.t);
    let asked = 0;
    k.exchange.getOco = async () => {
      asked++;
      return ocoReport(k, { status: 'NEW' }, { status: 'CANCELED' });
    };
    cancelEndsTheList();
    holds('0.01');
    await flow.assessLocked('BTCUSDT');
    expect(asked).toBe(1);
    expect(k.state.protection.has('BTCUSDT')).toBe(false);
    expect(steps()).toEqual(['cancelProtection', 'protectLocked']);
  });
});

describe('protecting again what an OCO ended elsewhere left', () => {
  const steps = () => k.calls.map((c) => c.step).filter((s) => s !== 'closeIfDone' && s !== 'tellBalance');
  const takeProfitCancelled = () => {
    k.protect(k.position());
    k.ledger.orderReported(k.report('tr-1t1', { status: 'CANCELED', type: 'LIMIT_MAKER' }), k.t);
  };

  it('the exchange says the whole list is over: its legs booked, nothing to cancel, said, protected again', async () => {
    takeProfitCancelled();
    k.exchange.getOco = async () => ocoReport(k, { status: 'CANCELED' }, { status: 'CANCELED' }, 'ALL_DONE');
    holds('0.01');
    await flow.assessLocked('BTCUSDT');
    expect(k.ledger.ordersOf(1).find((o) => o.clientOrderId === 'tr-1s1')?.state).toBe('canceled');
    expect(steps()).toEqual(['protectLocked']);
    expect(k.told.find((e) => e.type === 'protection')).toMatchObject({ state: 'lost' });
  });

  it('the leg still working cannot be cancelled now: a recheck scheduled, not protected over it; closed meanwhile: nothing', async () => {
    takeProfitCancelled();
    k.exchange.getOco = async () => ocoReport(k, { status: 'CANCELED' }, { status: 'NEW' });
    k.answers.cancelProtection = () => Promise.resolve('live');
    await flow.assessLocked('BTCUSDT');
    expect(steps()).toEqual(['cancelProtection']);
    expect(k.state.due.get('BTCUSDT')).toEqual([{ kind: 'recheck', at: k.t + 10_000 }]);
    k.state.due.clear();
    k.answers.cancelProtection = () => Promise.resolve('closed');
    await flow.assessLocked('BTCUSDT');
    expect(steps()).toEqual(['cancelProtection', 'cancelProtection']);
    expect(k.state.due.get('BTCUSDT') ?? []).toEqual([]);
  });

  it('one leg cancelled and the other expired: both said; the coins locked by another order: protected once it ends', async () => {
    k.protect(k.position());
    k.ledger.orderReported(k.report('tr-1t1', { status: 'CANCELED', type: 'LIMIT_MAKER' }), k.t);
    k.ledger.orderReported(k.report('tr-1s1', { status: 'EXPIRED', type: 'STOP_LOSS_LIMIT' }), k.t);
    holds('0', '0.01');
    await flow.assessLocked('BTCUSDT');
    expect(k.told.find((e) => e.type === 'protection')).toMatchObject({
      message:
        'BTCUSDT: the OCO was canceled/expired by the exchange or another client with 0.01 still held: protecting it again',
    });
    expect(k.calls.map((c) => c.step)).not.toContain('protectLocked');
    expect(k.state.due.get('BTCUSDT')).toEqual([{ kind: 'protect', at: k.t + 10_000 }]);
    expect(k.ledger.position('BTCUSDT')?.status).toBe('open');
  });
});
