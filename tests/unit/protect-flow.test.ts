import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProtectFlow } from '../../electron/core/engine/protect-flow';
import { Decimal } from '../../electron/core/money/decimal';
import { ExchangeError, type OcoReport, type OcoRequest } from '../../electron/core/ports/exchange';
import type { FlowKit } from '../helpers/flow-kit';
import { ocoPending, quickFlowKit } from '../helpers/flow-fixtures';
import { usdtRules } from '../helpers/rules';

/**
 * Protecting a position (ProtectFlow) on a real ledger (FlowKit; booking, exiting, closing and
 * matching holdings are recorded): the OCO placed on what the position holds, and what each kind
 * of refusal or silence of the exchange makes it do.
 */
let k: FlowKit;
let protect: ProtectFlow;
let placed: OcoRequest[];
const d = (v: string | number) => new Decimal(v);

beforeEach(() => {
  k = quickFlowKit({ exitRetryBudgetMs: 30, deferredRetryMs: 4000 });
  protect = new ProtectFlow(k.state, k.flows);
  placed = [];
});
afterEach(() => k.close());

function accepted(req: OcoRequest, status: OcoReport['status'] = 'EXECUTING'): OcoReport {
  return {
    symbol: req.symbol,
    listClientOrderId: req.listClientOrderId,
    orderListId: String(placed.length),
    status,
    takeProfit: k.report(req.takeProfitClientOrderId, {
      type: 'LIMIT_MAKER',
      status: 'NEW',
      listClientOrderId: req.listClientOrderId,
    }),
    stopLoss: k.report(req.stopLossClientOrderId, {
      type: 'STOP_LOSS_LIMIT',
      status: 'NEW',
      listClientOrderId: req.listClientOrderId,
    }),
  };
}
function places(answer?: (req: OcoRequest, n: number) => OcoReport | Error): void {
  k.exchange.placeOco = async (req) => {
    placed.push(req);
    const r = answer?.(req, placed.length) ?? accepted(req);
    if (r instanceof Error) throw r;
    return r;
  };
}
const steps = () => k.calls.map((c) => c.step).filter((s) => s !== 'bookReport' && s !== 'assessSoon');
const errors = () => k.told.filter((e) => e.type === 'error').map((e) => (e as { message: string }).message);

describe('protectLocked', () => {
  it('the OCO on what the position holds, at its targets: the position protected, said', async () => {
    const p = k.position();
    places();
    await protect.protectLocked(p);
    expect(placed).toHaveLength(1);
    expect(placed[0]).toMatchObject({
      symbol: 'BTCUSDT',
      quantity: d('0.01'),
      takeProfitPrice: d(42000),
      stopPrice: d(39200),
      listClientOrderId: k.id('1o1'),
      takeProfitClientOrderId: k.id('1t1'),
      stopLossClientOrderId: k.id('1s1'),
    });
    expect(k.ledger.position('BTCUSDT')?.status).toBe('protected');
    expect(k.told).toEqual([
      expect.objectContaining({
        type: 'oco-placed',
        symbol: 'BTCUSDT',
        quantity: '0.01',
        takeProfit: '42000',
        stop: '39200',
        profitPercent: 5,
        stopLossPercent: 2,
      }),
    ]);
    expect(k.calls.map((c) => c.step)).toEqual(['bookReport', 'bookReport', 'assessSoon']);
    expect(protect.protectionOf('BTCUSDT')).toEqual({ kind: 'working' });
  });

  it('an OCO already working (or maybe): nothing sent', async () => {
    const p = k.protect(k.position());
    places();
    await protect.protectLocked(p);
    expect(placed).toEqual([]);
  });

  it('the market closed: nothing sent, said once, tried again later', async () => {
    const p = k.position();
    places();
    k.state.x.marketOpen = async () => false;
    k.rulesFor = (s) => ({ ...usdtRules(s), status: 'HALT' });
    await protect.protectLocked(p);
    await protect.protectLocked(p);
    expect(placed).toEqual([]);
    expect(errors()).toEqual([
      'BTCUSDT is NOT protected: the market is closed (HALT); the OCO is placed as soon as it trades again (checked every 4 s)',
    ]);
    expect(k.state.due.get('BTCUSDT')).toEqual([{ kind: 'protect', at: k.t + 4000 }]);
  });

  it('the market closed under the placement: its rules read again, said once, placed later; said again after a placement', async () => {
    const p = k.position();
    const rereads: boolean[] = [];
    k.state.x.marketOpen = async (_s, reread) => {
      rereads.push(reread);
      return true;
    };
    let closed = true;
    places((req) => (closed ? new ExchangeError('market-closed', 'Market is closed.') : accepted(req)));
    await protect.protectLocked(p);
    await protect.protectLocked(p);
    expect(placed).toHaveLength(2);
    expect(rereads).toEqual([false, true, false, true]);
    const said =
      'BTCUSDT is NOT protected: the market is closed (Market is closed.); the OCO is placed as soon as it trades again';
    expect(errors()).toEqual([said]);
    expect(k.state.due.get('BTCUSDT')).toEqual([{ kind: 'protect', at: k.t + 4000 }]);
    expect(steps()).toEqual([]);
    closed = false;
    await protect.protectLocked(p);
    expect(k.ledger.position('BTCUSDT')?.status).toBe('protected');
    // Once placed, a later closing of the market is said again.
    const again = k.ledger.ocoEnded(p.id, 'canceled', 'test', k.t);
    closed = true;
    await protect.protectLocked(again);
    expect(errors()).toEqual([said, said]);
  });

  it('after a rejection the last price cannot be read: placed again all the same', async () => {
    const p = k.position();
    places((req, n) => (n === 1 ? new ExchangeError('rejected', 'Order would trigger immediately.') : accepted(req)));
    k.exchange.getLastPrice = () => Promise.reject(new ExchangeError('network', 'socket hang up'));
    await protect.protectLocked(p);
    expect(placed).toHaveLength(2);
    expect(k.ledger.position('BTCUSDT')?.status).toBe('protected');
    expect(steps()).toEqual([]);
  });

  it('nothing sellable left: closed, nothing sent', async () => {
    const p = k.position();
    k.ledger.positionShrunk(p.id, d(0), 'test', k.t);
    places();
    await protect.protectLocked(p);
    expect(placed).toEqual([]);
    expect(steps()).toEqual(['closingReason', 'closeLocked']);
  });

  it('rejected twice: the position sold at market as unprotectable', async () => {
    const p = k.position();
    places(() => new ExchangeError('rejected', 'Order would trigger immediately.'));
    k.exchange.getLastPrice = async () => d(40000);
    await protect.protectLocked(p);
    expect(placed.map((r) => r.listClientOrderId)).toEqual([k.id('1o1'), k.id('1o2')]);
    expect(steps()).toEqual(['exitLocked']);
    expect(k.calls.find((c) => c.step === 'exitLocked')!.args.slice(1)).toEqual([
      'unprotectable',
      'the OCO was rejected twice',
    ]);
    expect(k.told.filter((e) => e.type === 'oco-rejected')).toHaveLength(2);
  });

  it('a REJECT report counts as a rejection', async () => {
    const p = k.position();
    places((req) => accepted(req, 'REJECT'));
    k.exchange.getLastPrice = async () => d(40000);
    await protect.protectLocked(p);
    expect(placed).toHaveLength(2);
    expect(steps()).toEqual(['exitLocked']);
  });

  it('after a rejection, the price already above the take-profit or below the stop: sold at market as that leg', async () => {
    const p = k.position();
    places(() => new ExchangeError('filter', 'Filter failure: PERCENT_PRICE_BY_SIDE'));
    k.exchange.getLastPrice = async () => d(42000);
    await protect.protectLocked(p);
    expect(placed).toHaveLength(1);
    expect(k.calls.find((c) => c.step === 'exitLocked')!.args.slice(1)).toEqual([
      'take-profit',
      'price 42000 is already above the take-profit 42000',
    ]);
    k.calls.length = 0;
    placed.length = 0;
    const q = k.ledger.position('BTCUSDT')!;
    k.exchange.getLastPrice = async () => d(39200);
    await protect.protectLocked(q);
    expect(k.calls.find((c) => c.step === 'exitLocked')!.args.slice(1)).toEqual([
      'stop-loss',
      'price 39200 is already below the stop 39200',
    ]);
  });

  it('while its exit runs: the exit is tried again later, never nested', async () => {
    const p = k.position();
    k.state.exiting.add('BTCUSDT');
    places(() => new ExchangeError('rejected', 'no'));
    k.exchange.getLastPrice = async () => d(40000);
    await protect.protectLocked(p);
    expect(steps()).toEqual([]);
    expect(k.state.due.get('BTCUSDT')).toEqual([{ kind: 'exit', at: k.t + 4000, reason: 'unprotectable' }]);
    expect(errors().at(-1)).toBe(
      'BTCUSDT could not be protected again (the OCO was rejected twice); its unprotectable exit is tried again in 4 s',
    );
  });

  it('the exchange cannot take it now: retried with back-off, then every few seconds, saying the coins are NOT protected', async () => {
    const p = k.position();
    places(() => new ExchangeError('network', 'socket hang up'));
    await protect.protectLocked(p);
    expect(placed.length).toBeGreaterThan(1);
    expect(errors().at(-1)).toBe(
      'BTCUSDT is NOT protected: the OCO cannot be placed now (socket hang up); tried again in 4 s',
    );
    expect(k.state.due.get('BTCUSDT')).toEqual([{ kind: 'protect', at: k.t + 4000 }]);
    expect(steps()).toEqual([]);
  });

  it('a Retry-After longer than the back-off (within the budget): the next try waits that long', async () => {
    const p = k.position();
    places((req, n) =>
      n === 1 ? new ExchangeError('rate-limited', 'Too many requests', { retryAfterMs: 25 }) : accepted(req),
    );
    const started = Date.now();
    await protect.protectLocked(p);
    expect(Date.now() - started).toBeGreaterThanOrEqual(22);
    expect(placed).toHaveLength(2);
    expect(k.ledger.position('BTCUSDT')?.status).toBe('protected');
  });

  it('its answer lost: said at once, looked up, and adopted when found (never two OCOs)', async () => {
    const p = k.position();
    let sent: OcoRequest | undefined;
    places((req) => {
      sent = req;
      return new ExchangeError('unknown-outcome', 'HTTP 503');
    });
    k.exchange.getOco = async () => (sent ? accepted(sent) : undefined);
    await protect.protectLocked(p);
    expect(placed).toHaveLength(1);
    expect(errors()[0]).toBe(
      "the OCO's outcome is unknown (HTTP 503); it is looked up for up to 0 s before another is placed, and the coins may be NOT protected meanwhile",
    );
    expect(k.ledger.position('BTCUSDT')?.status).toBe('protected');
  });

  it('its answer lost and never found: the next attempt at once, under new ids', async () => {
    const p = k.position();
    places((req, n) => (n === 1 ? new ExchangeError('unknown-outcome', 'HTTP 503') : accepted(req)));
    k.exchange.getOco = async () => undefined;
    await protect.protectLocked(p);
    expect(placed.map((r) => r.listClientOrderId)).toEqual([k.id('1o1'), k.id('1o2')]);
    expect(k.ledger.position('BTCUSDT')?.status).toBe('protected');
  });

  it('refused for insufficient balance: an earlier OCO of ours resting on the coins is adopted', async () => {
    const p = k.position();
    let first: OcoRequest | undefined;
    places((req, n) => {
      if (n === 1) {
        first = req;
        return new ExchangeError('unknown-outcome', 'HTTP 503');
      }
      return new ExchangeError('insufficient-balance', 'Account has insufficient balance for requested action.');
    });
    // It shows only once the second attempt was refused for the coins it holds.
    k.exchange.getOco = async (_s, list) =>
      list === first?.listClientOrderId && placed.length >= 2 ? accepted(first) : undefined;
    await protect.protectLocked(p);
    expect(placed).toHaveLength(2);
    expect(k.told.find((e) => e.type === 'warning')).toMatchObject({
      message: `BTCUSDT: an earlier OCO of this position (${k.id('1o1')}) rests on the coins after all: it protects them`,
    });
    expect(k.ledger.position('BTCUSDT')?.status).toBe('protected');
  });

  it('refused for insufficient balance with no OCO of ours there: the holdings decide (gone: nothing more; locked: later)', async () => {
    const p = k.position();
    places(() => new ExchangeError('insufficient-balance', 'Account has insufficient balance for requested action.'));
    k.exchange.getOco = async () => undefined;
    k.answers.matchHoldings = () => Promise.resolve({ kind: 'gone' });
    await protect.protectLocked(p);
    expect(placed).toHaveLength(1);
    expect(steps()).toEqual(['matchHoldings']);
    k.calls.length = 0;
    k.answers.matchHoldings = (pos) => Promise.resolve({ kind: 'locked', position: pos });
    await protect.protectLocked(k.ledger.position('BTCUSDT')!);
    expect(k.state.due.get('BTCUSDT')).toEqual([{ kind: 'protect', at: k.t + 4000 }]);
  });

  it('refused for insufficient balance three times with the coins there: sold as unprotectable', async () => {
    const p = k.position();
    places(() => new ExchangeError('insufficient-balance', 'Account has insufficient balance for requested action.'));
    k.exchange.getOco = async () => undefined;
    k.exchange.getLastPrice = async () => d(40000);
    k.answers.matchHoldings = (pos) => Promise.resolve({ kind: 'ok', position: pos });
    await protect.protectLocked(p);
    expect(placed).toHaveLength(3);
    expect(k.calls.find((c) => c.step === 'exitLocked')!.args.slice(1)).toEqual([
      'unprotectable',
      'the OCO was refused three times',
    ]);
  });
});

describe('protectionOf', () => {
  it('none without a position or an order; pending while the OCO is being placed; what is watched first', () => {
    expect(protect.protectionOf('BTCUSDT')).toEqual({ kind: 'none' });
    const p = k.position();
    expect(protect.protectionOf('BTCUSDT')).toEqual({ kind: 'none' });
    ocoPending(k, p, { list: 'L', tp: 'T', sl: 'S' });
    expect(protect.protectionOf('BTCUSDT')).toEqual({ kind: 'pending' });
    k.state.protection.set('BTCUSDT', { kind: 'stop-triggered', since: 1 });
    expect(protect.protectionOf('BTCUSDT')).toEqual({ kind: 'stop-triggered', since: 1 });
  });
});
