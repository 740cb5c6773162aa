import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloseFlow } from '../../electron/core/engine/close-flow';
import { ExitFlow } from '../../electron/core/engine/exit-flow';
import { ReportFlow } from '../../electron/core/engine/report-flow';
import { Decimal } from '../../electron/core/money/decimal';
import {
  ExchangeError,
  type AssetBalance,
  type MarketSellRequest,
  type OcoReport,
  type OrderReport,
} from '../../electron/core/ports/exchange';
import type { FlowKit } from '../helpers/flow-kit';
import { quickFlowKit } from '../helpers/flow-fixtures';
import { usdtRules } from '../helpers/rules';

/**
 * Leaving a position at market (ExitFlow) on a real ledger, with the real report and close parts
 * beside it (FlowKit; protecting again is recorded, not done): cancel the OCO, sell what the account
 * holds, and what each kind of failure of the sale does.
 */
let k: FlowKit;
let exit: ExitFlow;
let sales: MarketSellRequest[];

const d = (v: string | number) => new Decimal(v);

beforeEach(() => {
  k = quickFlowKit({ exitRetryBudgetMs: 40, deferredRetryMs: 1000 });
  exit = new ExitFlow(k.state, k.flows);
  const report = new ReportFlow(k.state, k.flows);
  const closing = new CloseFlow(k.state, k.flows);
  k.answers.bookReport = (p, r) => report.bookReport(p, r);
  k.answers.matchHoldings = (p, why) => report.matchHoldings(p, why);
  k.answers.closeIfDone = (p) => closing.closeIfDone(p);
  k.answers.closingReason = (p, fallback) => closing.closingReason(p, fallback);
  k.answers.closeLocked = (p, reason) => closing.closeLocked(p, reason);
  k.answers.tellBalance = (always) => closing.tellBalance(always);
  k.answers.cancelProtection = (p) => exit.cancelProtection(p);
  sales = [];
  holds('0.01');
});
afterEach(() => k.close());

function holds(free: string): void {
  k.exchange.getAssetBalance = async (): Promise<AssetBalance> => ({ free: d(free), locked: d(0) });
}
/** The exchange sells at 41000 (commission in USDT) unless `answer` says otherwise. */
function sells(answer?: (req: MarketSellRequest, n: number) => OrderReport | Error): void {
  k.exchange.marketSell = async (req) => {
    sales.push(req);
    const r = answer?.(req, sales.length) ?? filledAt(req, 41000);
    if (r instanceof Error) throw r;
    return r;
  };
}
function filledAt(req: MarketSellRequest, price: number): OrderReport {
  return k.report(req.clientOrderId, {
    executedQty: req.quantity,
    cumQuote: req.quantity.mul(price),
    fills: [
      {
        price: d(price),
        qty: req.quantity,
        commission: req.quantity.mul(price).mul('0.001'),
        commissionAsset: 'USDT',
        tradeId: `${req.clientOrderId}-1`,
      },
    ],
  });
}
/** The OCO cancelled as Binance answers a cancel: the list ALL_DONE, both legs CANCELED. */
function cancels(): void {
  k.exchange.cancelOco = async (symbol, list): Promise<OcoReport> => ({
    symbol,
    listClientOrderId: list,
    orderListId: '1',
    status: 'ALL_DONE',
    takeProfit: k.report(`tr-1t1`, { type: 'LIMIT_MAKER', status: 'CANCELED', listClientOrderId: list }),
    stopLoss: k.report(`tr-1s1`, { type: 'STOP_LOSS_LIMIT', status: 'CANCELED', listClientOrderId: list }),
  });
}
const steps = () => k.calls.map((c) => c.step).filter((s) => !['bookReport', 'closeIfDone', 'tellBalance'].includes(s));
const trade = () => k.store.trades()[0];

describe('exitLocked', () => {
  it('a protected position: the OCO cancelled, what the account holds sold at market, closed with the reason', async () => {
    const p = k.protect(k.position());
    cancels();
    sells();
    await exit.exitLocked(p, 'reversal');
    expect(sales).toEqual([{ symbol: 'BTCUSDT', quantity: d('0.01'), clientOrderId: k.id('1x') }]);
    expect(k.ledger.position('BTCUSDT')).toBeUndefined();
    expect(trade()).toMatchObject({ exitReason: 'reversal' });
    expect(trade()!.proceeds.toFixed()).toBe('409.59');
    expect(k.ledger.order(k.id('1x'))).toBeUndefined(); // forgotten with the closed position
    expect(k.told[0]).toEqual({ type: 'exit-started', symbol: 'BTCUSDT', reason: 'reversal' });
  });

  it('the account holds less than the position: only that is sold, the rest taken as sold outside', async () => {
    const p = k.position();
    holds('0.006');
    sells();
    await exit.exitLocked(p, 'reversal');
    expect(sales.map((s) => s.quantity.toFixed())).toEqual(['0.006']);
    expect(trade()!.quantity.toFixed()).toBe('0.006');
    expect(k.told.find((e) => e.type === 'warning')).toMatchObject({
      message:
        'BTCUSDT: the account holds 0.006 BTC, less than the 0.01 this position held (before the market sale); it continues with 0.006',
    });
  });

  it('the market is closed: nothing cancelled or sold, said once, tried again later', async () => {
    const p = k.protect(k.position());
    let asked = 0;
    k.exchange.cancelOco = async () => {
      asked++;
      throw new Error('no');
    };
    const open = k.state.x;
    open.marketOpen = async () => false;
    await exit.exitLocked(p, 'reversal');
    await exit.exitLocked(p, 'reversal');
    expect(asked).toBe(0);
    expect(sales).toEqual([]);
    expect(k.told.filter((e) => e.type === 'exit-deferred')).toHaveLength(1);
    expect(k.state.due.get('BTCUSDT')).toEqual([{ kind: 'exit', at: k.t + 1000, reason: 'reversal' }]);
    expect(k.ledger.position('BTCUSDT')?.status).toBe('protected');
  });

  it('the OCO cannot be cancelled and may still rest: not sold (that could sell twice), tried again later', async () => {
    const p = k.protect(k.position());
    k.exchange.cancelOco = async () => Promise.reject(new ExchangeError('network', 'socket hang up'));
    k.exchange.getOco = async () => Promise.reject(new ExchangeError('network', 'socket hang up'));
    sells();
    await exit.exitLocked(p, 'reversal');
    expect(sales).toEqual([]);
    expect(k.told.find((e) => e.type === 'exit-deferred')).toMatchObject({
      message: expect.stringContaining('its OCO could not be cancelled and may still be live'),
    });
    expect(k.ledger.position('BTCUSDT')?.status).toBe('exiting');
    expect(steps()).not.toContain('protectLocked');
  });

  it('an OCO the exchange does not have: taken as ended, and the coins sold', async () => {
    const p = k.protect(k.position());
    k.exchange.cancelOco = async () => Promise.reject(new ExchangeError('rejected', 'Unknown order list sent.'));
    k.exchange.getOco = async () => undefined;
    sells();
    await exit.exitLocked(p, 'emergency');
    expect(sales).toHaveLength(1);
    expect(trade()).toMatchObject({ exitReason: 'emergency' });
  });
});

describe('a sale that fails', () => {
  it('its answer lost and never found: taken as never executed (so recorded), the next sale under a new id', async () => {
    const p = k.position();
    sells((req, n) =>
      n === 1 ? new ExchangeError('unknown-outcome', 'Timeout waiting for response (-1007)') : filledAt(req, 41000),
    );
    k.exchange.getOrder = async () => undefined;
    await exit.exitLocked(p, 'reversal');
    expect(sales.map((s) => s.clientOrderId)).toEqual([k.id('1x'), k.id('1x2')]);
    expect(trade()).toMatchObject({ exitReason: 'reversal' });
    // It may still execute late: the close keeps it and has it looked up.
    const first = k.store.ordersForPosition(p.id).find((o) => o.clientOrderId === k.id('1x'))!;
    expect(first.state).toBe('pending');
    expect(first.error).toMatch(
      /^sent, its outcome unknown when the position closed \(not found after an unknown answer: Timeout/,
    );
    expect(k.ledger.closedSales().map((o) => o.clientOrderId)).toEqual([k.id('1x')]);
    expect(steps()).toContain('followClosedSales');
  });

  it('its answer lost and found executed: booked, never sold twice', async () => {
    const p = k.position();
    let lost: OrderReport | undefined;
    sells((req) => {
      lost = filledAt(req, 41000);
      return new ExchangeError('unknown-outcome', 'HTTP 503');
    });
    k.exchange.getOrder = async () => lost;
    await exit.exitLocked(p, 'reversal');
    expect(sales).toHaveLength(1);
    expect(trade()!.proceeds.toFixed()).toBe('409.59');
  });

  it('the market closed under the sale: its rules read again, the exit deferred and the OCO put back', async () => {
    const p = k.position();
    const rereads: boolean[] = [];
    k.state.x.marketOpen = async (_s, reread) => {
      rereads.push(reread);
      return true;
    };
    sells(() => new ExchangeError('market-closed', 'Market is closed.'));
    await exit.exitLocked(p, 'reversal');
    expect(sales).toHaveLength(1);
    expect(rereads).toEqual([false, true]);
    expect(steps()).toContain('protectLocked');
    expect(k.ledger.position('BTCUSDT')?.status).toBe('open');
    expect(k.state.due.get('BTCUSDT')).toEqual([{ kind: 'exit', at: k.t + 1000, reason: 'reversal' }]);
  });

  it('Binance asks every request to wait (429): the wait honoured, outside the retry budget, then sold', async () => {
    const p = k.position();
    sells((req, n) =>
      n === 1 ? new ExchangeError('rate-limited', 'Too many requests', { retryAfterMs: 60 }) : filledAt(req, 41000),
    );
    const started = Date.now();
    await exit.exitLocked(p, 'reversal');
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(sales.map((s) => s.clientOrderId)).toEqual([k.id('1x'), k.id('1x2')]);
    expect(trade()).toMatchObject({ exitReason: 'reversal' });
  });

  it('below the minimum order at the market price: left as dust, the position closed', async () => {
    const p = k.position();
    sells(() => new ExchangeError('filter', 'Filter failure: NOTIONAL'));
    k.exchange.getLastPrice = async () => d('0.01');
    await exit.exitLocked(p, 'reversal');
    expect(sales).toHaveLength(1);
    expect(k.told.find((e) => e.type === 'warning')).toMatchObject({
      message: '0.01 BTC cannot be sold (Filter failure: NOTIONAL) and stays as dust',
    });
    expect(k.ledger.position('BTCUSDT')).toBeUndefined();
  });

  it('refused again and again: past the retry budget the exit is deferred and the coins protected by an OCO again', async () => {
    const p = k.position();
    sells(() => new ExchangeError('rejected', 'Order would trigger immediately.'));
    k.exchange.getLastPrice = async () => d(41000);
    await exit.exitLocked(p, 'reversal');
    expect(sales.length).toBeGreaterThan(1);
    expect(k.told.find((e) => e.type === 'error')).toMatchObject({
      message: 'market sell failed: Order would trigger immediately.; 0.01 BTC is being protected by its OCO again',
    });
    expect(k.ledger.position('BTCUSDT')?.status).toBe('open');
    expect(steps().at(-1)).toBe('protectLocked');
  });

  it('more than one market order may take: sold in pieces of the maximum, each filled, nothing said', async () => {
    const p = k.position();
    k.rulesFor = (s) => ({ ...usdtRules(s), marketMaxQty: d('0.004') });
    let held = d('0.01');
    k.exchange.getAssetBalance = async () => ({ free: held, locked: d(0) });
    sells((req) => {
      held = held.sub(req.quantity);
      return filledAt(req, 41000);
    });
    await exit.exitLocked(p, 'reversal');
    expect(sales.map((s) => s.quantity.toFixed())).toEqual(['0.004', '0.004', '0.002']);
    expect(k.told.filter((e) => e.type === 'warning')).toEqual([]);
    expect(trade()!.quantity.toFixed()).toBe('0.01');
  });

  it('its outcome unknown at every try and never found: the exit deferred with that reason, the OCO put back', async () => {
    const p = k.position();
    sells(() => new ExchangeError('unknown-outcome', 'Timeout waiting for response (-1007)'));
    k.exchange.getOrder = async () => undefined;
    await exit.exitLocked(p, 'reversal');
    expect(new Set(sales.map((s) => s.clientOrderId)).size).toBe(sales.length);
    expect(k.told.find((e) => e.type === 'exit-deferred')).toMatchObject({
      message: expect.stringContaining(
        "could not finish (the sale's outcome is unknown (Timeout waiting for response (-1007)))",
      ),
    });
    expect(steps().at(-1)).toBe('protectLocked');
  });

  it('a refusal that is not a filter, or a filter refusal with no price to judge by: never taken as dust', async () => {
    const p = k.position();
    sells(() => new ExchangeError('rejected', 'Order would trigger immediately.'));
    k.exchange.getLastPrice = async () => d('0.01'); // at this price the coins would be dust
    await exit.exitLocked(p, 'reversal');
    expect(k.ledger.position('BTCUSDT')?.status).toBe('open');
    sales.length = 0;
    sells(() => new ExchangeError('filter', 'Filter failure: NOTIONAL'));
    k.exchange.getLastPrice = () => Promise.reject(new ExchangeError('network', 'socket hang up'));
    await exit.exitLocked(k.ledger.position('BTCUSDT')!, 'reversal');
    expect(sales.length).toBeGreaterThan(1);
    expect(k.ledger.position('BTCUSDT')?.status).toBe('open');
    expect(k.store.trades()).toEqual([]);
  });

  it('a partial sale that leaves only dust: nothing said, the position closed', async () => {
    const p = k.position();
    sells((req) => ({ ...filledAt({ ...req, quantity: d('0.00999') }, 41000), status: 'EXPIRED' as const }));
    await exit.exitLocked(p, 'reversal');
    expect(sales).toHaveLength(1);
    expect(k.told.filter((e) => e.type === 'warning')).toEqual([]);
    expect(k.ledger.position('BTCUSDT')).toBeUndefined();
  });

  it('a partial sale: the rest sold by the next one, said', async () => {
    const p = k.position();
    sells((req, n) =>
      n === 1
        ? { ...filledAt({ ...req, quantity: d('0.004') }, 41000), status: 'EXPIRED' as const }
        : filledAt(req, 41000),
    );
    holds('0.01');
    k.exchange.getAssetBalance = async () => ({ free: sales.length === 0 ? d('0.01') : d('0.006'), locked: d(0) });
    await exit.exitLocked(p, 'reversal');
    expect(sales.map((s) => s.quantity.toFixed())).toEqual(['0.01', '0.006']);
    expect(k.told.find((e) => e.type === 'warning')).toMatchObject({
      message: 'market sell expired with 0.006 BTC unsold; selling the rest',
    });
    expect(trade()!.quantity.toFixed()).toBe('0.01');
  });
});

describe('exitLocked: what it says, and what it leaves alone', () => {
  it('a position already closed: nothing asked, sold or said', async () => {
    const p = k.position();
    sells();
    k.ledger.positionClosed(p.id, 'take-profit', k.t);
    await exit.exitLocked(p, 'reversal');
    expect(sales).toEqual([]);
    expect(k.told).toEqual([]);
  });

  it('the market is closed: said with its status, whether the OCO stays or the coins wait, and when it is tried again', async () => {
    k.state.x.marketOpen = async () => false;
    const p = k.position();
    await exit.exitLocked(p, 'reversal');
    const status = k.rulesFor('BTCUSDT').status;
    expect(k.told).toEqual([
      {
        type: 'exit-deferred',
        symbol: 'BTCUSDT',
        reason: 'reversal',
        message: `BTCUSDT: the reversal exit waits, the market is closed (${status}); its coins wait for the market to reopen; tried again every 1 s`,
      },
    ]);
    k.protect(k.ledger.position('BTCUSDT')!);
    k.state.told.clear();
    await exit.exitLocked(k.ledger.position('BTCUSDT')!, 'stop-loss');
    expect(k.told[1]).toMatchObject({
      message: `BTCUSDT: the stop-loss exit waits, the market is closed (${status}); its OCO stays in place; tried again every 1 s`,
    });
  });

  it('said once per closing of the market: said again when it closes again after trading resumed', async () => {
    let open = false;
    k.state.x.marketOpen = async () => open;
    const p = k.protect(k.position());
    k.exchange.cancelOco = () => Promise.reject(new ExchangeError('network', 'socket hang up'));
    k.exchange.getOco = () => Promise.reject(new ExchangeError('network', 'socket hang up'));
    await exit.exitLocked(p, 'reversal');
    await exit.exitLocked(p, 'reversal');
    open = true; // trading resumes, but the OCO cannot be cancelled: the position stays
    await exit.exitLocked(k.ledger.position('BTCUSDT')!, 'reversal');
    open = false;
    await exit.exitLocked(k.ledger.position('BTCUSDT')!, 'reversal');
    const waits = k.told.filter((e) => e.type === 'exit-deferred' && e.message.includes('the market is closed'));
    expect(waits).toHaveLength(2);
  });

  it('an exit already under way keeps its first reason; a detail is passed on', async () => {
    const p = k.position();
    k.ledger.exitStarted(p.id, 'emergency', k.id('1x'), k.t);
    sells();
    await exit.exitLocked(k.ledger.position('BTCUSDT')!, 'reversal', 'by hand');
    expect(k.told[0]).toEqual({ type: 'exit-started', symbol: 'BTCUSDT', reason: 'emergency', detail: 'by hand' });
    expect(trade()).toMatchObject({ exitReason: 'emergency' });
  });
});

describe('cancelProtection: what the exchange says of the list', () => {
  const legs = (status: OcoReport['status'], tp: OrderReport['status'], sl: OrderReport['status']): OcoReport => ({
    symbol: 'BTCUSDT',
    listClientOrderId: 'tr-1o1',
    orderListId: '1',
    status,
    takeProfit: k.report('tr-1t1', { type: 'LIMIT_MAKER', status: tp, listClientOrderId: 'tr-1o1' }),
    stopLoss: k.report('tr-1s1', { type: 'STOP_LOSS_LIMIT', status: sl, listClientOrderId: 'tr-1o1' }),
  });
  const refusedCancel = () => Promise.reject(new ExchangeError('rejected', 'Unknown order list sent.'));

  it('the list is over but the triggered stop still rests: that leg cancelled by itself, then the coins sold', async () => {
    const p = k.protect(k.position());
    k.exchange.cancelOco = refusedCancel;
    const cancelled: string[] = [];
    k.exchange.getOco = async () =>
      cancelled.length > 0 ? legs('ALL_DONE', 'EXPIRED', 'CANCELED') : legs('ALL_DONE', 'EXPIRED', 'NEW');
    k.exchange.cancelOrder = async (_s, id) => {
      cancelled.push(id);
      return k.report(id, { type: 'STOP_LOSS_LIMIT', status: 'CANCELED', listClientOrderId: 'tr-1o1' });
    };
    sells();
    await exit.exitLocked(p, 'reversal');
    expect(cancelled).toEqual(['tr-1s1']);
    expect(sales).toHaveLength(1);
    expect(trade()).toMatchObject({ exitReason: 'reversal' });
    expect(k.store.events().map((e) => e.message)).toContainEqual(
      expect.stringContaining('already over (Unknown order list sent.)'),
    );
  });

  it("the resting leg's cancel fails and the list is then gone: taken as ended with the failure, and sold", async () => {
    const p = k.protect(k.position());
    k.exchange.cancelOco = refusedCancel;
    let asked = 0;
    k.exchange.getOco = async () => (asked++ === 0 ? legs('ALL_DONE', 'EXPIRED', 'NEW') : undefined);
    k.exchange.cancelOrder = () => Promise.reject(new ExchangeError('network', 'socket hang up'));
    sells();
    await exit.exitLocked(p, 'reversal');
    expect(sales).toHaveLength(1);
    expect(k.store.events().map((e) => e.message)).toContainEqual(
      expect.stringContaining('not on the exchange (socket hang up)'),
    );
  });

  it('the list still works and cannot be cancelled: its legs booked, the error said, not sold, the exit deferred', async () => {
    const p = k.protect(k.position());
    k.exchange.cancelOco = () => Promise.reject(new ExchangeError('network', 'socket hang up'));
    let reads = 0;
    k.exchange.getOco = async () => {
      reads++;
      return legs('EXECUTING', 'NEW', 'NEW');
    };
    sells();
    await exit.exitLocked(p, 'reversal');
    expect(sales).toEqual([]);
    expect(reads).toBeGreaterThan(1); // retried until the budget was spent
    expect(k.told.filter((e) => e.type !== 'exit-started')).toEqual([
      {
        type: 'error',
        symbol: 'BTCUSDT',
        message: 'could not cancel the OCO of BTCUSDT (socket hang up); not selling while it may still be live',
      },
      {
        type: 'exit-deferred',
        symbol: 'BTCUSDT',
        reason: 'reversal',
        message:
          'BTCUSDT: the reversal exit could not finish (its OCO could not be cancelled and may still be live); the exit is tried again in 1 s',
      },
    ]);
    const working = k.ledger.workingOrders(p.id).filter((o) => o.listClientOrderId === 'tr-1o1');
    expect(working.map((o) => o.clientOrderId)).toEqual(['tr-1t1', 'tr-1s1']);
  });
});

describe('a sale recorded before a restart (maybe sent)', () => {
  function recorded() {
    const p = k.position();
    k.ledger.exitStarted(p.id, 'reversal', k.id('1x'), k.t, d('0.01'));
    k.state.maybeSent.add(k.id('1x'));
    return k.ledger.position('BTCUSDT')!;
  }

  it('looked up first and found filled: booked, never sold again', async () => {
    const p = recorded();
    k.exchange.getOrder = async (_s, id) =>
      filledAt({ symbol: 'BTCUSDT', quantity: d('0.01'), clientOrderId: id }, 41000);
    sells();
    await exit.exitLocked(p, 'reversal');
    expect(sales).toEqual([]);
    expect(trade()!.proceeds.toFixed()).toBe('409.59');
  });

  it('found with part filled and not yet final: that part booked, the order ended, the rest sold under a new id', async () => {
    const p = recorded();
    k.exchange.getOrder = async (_s, id) => ({
      ...filledAt({ symbol: 'BTCUSDT', quantity: d('0.004'), clientOrderId: id }, 41000),
      status: 'PARTIALLY_FILLED' as const,
    });
    k.exchange.getAssetBalance = async () => ({ free: d('0.006'), locked: d(0) });
    sells();
    await exit.exitLocked(p, 'reversal');
    expect(sales.map((s) => [s.clientOrderId, s.quantity.toFixed()])).toEqual([[k.id('1x2'), '0.006']]);
    const first = k.store.ordersForPosition(p.id).find((o) => o.clientOrderId === k.id('1x'))!;
    expect(first.error).toBe('partially_filled when looked up');
    expect(trade()!.quantity.toFixed()).toBe('0.01');
  });

  // A bug until this test: the sale was sent again under the id of the one never found, which may
  // still execute late (two orders, one client id).
  it('never found: taken as never executed, and sold under a new id', async () => {
    const p = recorded();
    k.exchange.getOrder = async () => undefined;
    sells();
    await exit.exitLocked(p, 'reversal');
    expect(sales.map((s) => s.clientOrderId)).toEqual([k.id('1x2')]);
    const first = k.store.ordersForPosition(p.id).find((o) => o.clientOrderId === k.id('1x'))!;
    expect(first.error).toMatch(/a lost answer/);
  });
});

describe('a sale that sells nothing or must wait too long', () => {
  it('expired with nothing filled (no buyers), again and again: 60 sales, then deferred with that reason', async () => {
    const p = k.position();
    sells((req) => k.report(req.clientOrderId, { status: 'EXPIRED', origQty: req.quantity }));
    await exit.exitLocked(p, 'reversal');
    expect(sales).toHaveLength(60);
    expect(new Set(sales.map((s) => s.clientOrderId)).size).toBe(60);
    expect(k.told.find((e) => e.type === 'exit-deferred')).toMatchObject({
      message:
        'BTCUSDT: the reversal exit could not finish (market sell expired with nothing filled); its OCO is put back on the coins and the exit is tried again in 1 s',
    });
    expect(steps().at(-1)).toBe('protectLocked');
  });

  it('Binance asks to wait longer than a minute (429): not waited, the retry budget decides, the OCO put back', async () => {
    const p = k.position();
    sells(() => new ExchangeError('rate-limited', 'Too many requests', { retryAfterMs: 61_000 }));
    const started = Date.now();
    await exit.exitLocked(p, 'reversal');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(sales).toHaveLength(1);
    expect(k.told.find((e) => e.type === 'error')).toMatchObject({
      message: 'market sell failed: Too many requests; 0.01 BTC is being protected by its OCO again',
    });
    expect(k.ledger.position('BTCUSDT')?.status).toBe('open');
  });

  it('the cancel of the OCO is journalled with the reason of the exit', async () => {
    const p = k.protect(k.position());
    cancels();
    sells();
    await exit.exitLocked(p, 'stop-loss');
    expect(k.store.events().map((e) => e.message)).toContainEqual(
      expect.stringContaining('cancelled for the stop-loss'),
    );
  });
});
