import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EntryFlow } from '../../electron/core/engine/entry-flow';
import { Decimal } from '../../electron/core/money/decimal';
import { ExchangeError, type MarketBuyRequest, type OrderReport } from '../../electron/core/ports/exchange';
import type { ParameterSet } from '../../shared/params/schema';
import { FlowKit } from '../helpers/flow-kit';
import { sets } from '../helpers/paper-harness';
import { usdtRules } from '../helpers/rules';

/**
 * Entering a position (EntryFlow) on a real ledger (FlowKit; protecting, exiting and telling the
 * release are recorded): reserve the share, buy for exactly that, book the final report, look up a
 * buy whose answer was lost, adopt a buy that executed after it was given up on.
 */
let k: FlowKit;
let entry: EntryFlow;
let buys: MarketBuyRequest[];
let set: ParameterSet;
const rules = usdtRules('BTCUSDT');
const d = (v: string | number) => new Decimal(v);

beforeEach(() => {
  k = new FlowKit({ lookupDelaysMs: [5], unknownOutcomeWindowMs: 30 });
  entry = new EntryFlow(k.state, k.flows);
  buys = [];
  [set] = sets([
    { symbol: 'BTCUSDT', allocationPercent: 40, zScoreThreshold: 2, profitPercent: 5, stopLossPercent: 2 },
  ]) as [ParameterSet];
});
afterEach(() => k.close());

function filled(req: MarketBuyRequest, status: OrderReport['status'] = 'FILLED', part = 1): OrderReport {
  const quote = req.quoteAmount.mul(part);
  const qty = quote.div(40000);
  return k.report(req.clientOrderId, {
    side: 'BUY',
    status,
    executedQty: qty,
    cumQuote: quote,
    fills: qty.isZero()
      ? []
      : [
          {
            price: d(40000),
            qty,
            commission: qty.mul('0.001'),
            commissionAsset: 'BTC',
            tradeId: `${req.clientOrderId}-1`,
          },
        ],
  });
}
function buysWith(answer: (req: MarketBuyRequest) => OrderReport | Error | Promise<OrderReport>): void {
  k.exchange.marketBuyByQuote = async (req) => {
    buys.push(req);
    const r = await answer(req);
    if (r instanceof Error) throw r;
    return r;
  };
}
const steps = () => k.calls.map((c) => c.step);
const types = () => k.told.map((e) => e.type);

describe('enterLocked', () => {
  it("reserves the set's share and buys for exactly that amount; the bought coins go to be protected", async () => {
    buysWith((req) => filled(req));
    await entry.enterLocked(set, rules, 3.2);
    expect(buys).toEqual([{ symbol: 'BTCUSDT', quoteAmount: d(400), clientOrderId: k.id('1b') }]);
    const p = k.ledger.position('BTCUSDT')!;
    expect(p.status).toBe('open');
    expect(p.boughtQty.toFixed()).toBe('0.01');
    expect(p.sellQty.toFixed()).toBe('0.00999');
    expect(steps()).toEqual(['protectLocked']);
    expect(types()).toEqual(['reserved', 'buy-filled']);
    expect(k.told[0]).toEqual({
      type: 'reserved',
      symbol: 'BTCUSDT',
      amount: '400',
      percent: 40,
      totalReserved: '400',
      totalBalance: '1000',
      quoteAsset: 'USDT',
    });
    expect(k.told[1]).toMatchObject({
      quantity: '0.01',
      avgPrice: '40000',
      spent: '400',
      allocated: '400',
      partial: false,
    });
  });

  it('a position or reservation already there, or the engine halted: skipped, nothing sent', async () => {
    buysWith((req) => filled(req));
    await entry.enterLocked(set, rules, 3);
    k.told.length = 0;
    await entry.enterLocked(set, rules, 3);
    expect(k.told).toEqual([{ type: 'skip', symbol: 'BTCUSDT', reason: 'has-position' }]);
    k.state.x.halted = () => true;
    const [eth] = sets([
      { symbol: 'ETHUSDT', allocationPercent: 10, zScoreThreshold: 2, profitPercent: 5, stopLossPercent: 2 },
    ]);
    await entry.enterLocked(eth!, usdtRules('ETHUSDT'), 3);
    expect(k.told.at(-1)).toEqual({ type: 'skip', symbol: 'ETHUSDT', reason: 'halted' });
    expect(buys).toHaveLength(1);
  });

  it('not enough available: refused with the figures, journalled, nothing sent', async () => {
    buysWith((req) => filled(req));
    const big = { ...set, allocationPercent: 100 };
    k.ledger.setQuoteBalance(d(1000), k.t);
    const [eth] = sets([
      { symbol: 'ETHUSDT', allocationPercent: 70, zScoreThreshold: 2, profitPercent: 5, stopLossPercent: 2 },
    ]);
    await entry.enterLocked(eth!, usdtRules('ETHUSDT'), 3);
    k.told.length = 0;
    await entry.enterLocked(big, rules, 3);
    expect(k.told).toEqual([
      expect.objectContaining({
        type: 'reserve-failed',
        symbol: 'BTCUSDT',
        reason: 'Insufficient funds',
        needed: '1000',
        available: '300',
        totalBalance: '1000',
        percent: 100,
        quoteAsset: 'USDT',
      }),
    ]);
    expect(buys).toHaveLength(1);
    expect(k.store.events().at(-1)).toMatchObject({ kind: 'reserve-failed', symbol: 'BTCUSDT' });
  });

  it('below the minimum order, or no balance at all: refused with its own reason, journalled, nothing sent', async () => {
    buysWith((req) => filled(req));
    k.ledger.setQuoteBalance(d(1000), k.t);
    await entry.enterLocked({ ...set, allocationPercent: 0.1 }, rules, 3);
    k.ledger.setQuoteBalance(d(0), k.t);
    await entry.enterLocked(set, rules, 3);
    expect(k.told.map((e) => (e as { reason?: string }).reason)).toEqual(['Below minimum order size', 'No balance']);
    const journal = k.store
      .events()
      .filter((e) => e.kind === 'reserve-failed')
      .map((e) => e.message);
    expect(journal[0]).toMatch(/^Failed to reserve funds for BTCUSDT: Below minimum order size \(.+\)$/);
    expect(journal[1]).toBe('Failed to reserve funds for BTCUSDT: No balance (no USDT balance)');
    expect(buys).toEqual([]);
  });

  it("an entry above the symbol's maximum quantity per order: refused before anything is sent, the funds released", async () => {
    buysWith((req) => filled(req));
    k.state.x.lastPrice = () => 40000;
    await entry.enterLocked(set, usdtRules('BTCUSDT', { maxQty: '0.005' }), 3);
    expect(buys).toEqual([]);
    expect(k.ledger.reservation('BTCUSDT')).toBeUndefined();
    expect(k.told.find((e) => e.type === 'error')).toMatchObject({
      message: "buy failed: the entry would buy about 0.01 BTC, above BTCUSDT's maximum of 0.005 per order",
    });
    expect(steps()).toEqual(['tellReleased']);
  });

  it('the buy refused: the funds released, said', async () => {
    buysWith(() => new ExchangeError('insufficient-balance', 'Account has insufficient balance for requested action.'));
    await entry.enterLocked(set, rules, 3);
    expect(k.ledger.reservation('BTCUSDT')).toBeUndefined();
    expect(k.ledger.position('BTCUSDT')).toBeUndefined();
    expect(k.told.find((e) => e.type === 'error')).toMatchObject({
      message: 'buy failed: Account has insufficient balance for requested action.',
    });
    expect(k.calls).toEqual([{ step: 'tellReleased', args: ['BTCUSDT', d(400), 'entry-failed'] }]);
  });

  it('the market order expired with nothing filled: the funds released', async () => {
    buysWith((req) => filled(req, 'EXPIRED', 0));
    await entry.enterLocked(set, rules, 3);
    expect(k.ledger.reservation('BTCUSDT')).toBeUndefined();
    expect(k.told.find((e) => e.type === 'error')).toMatchObject({
      message: 'buy failed: order expired with nothing filled',
    });
  });

  it('filled in part (EXPIRED on a thin book): what was bought is protected, the reservation shrunk to it', async () => {
    buysWith((req) => filled(req, 'EXPIRED', 0.5));
    await entry.enterLocked(set, rules, 3);
    expect(k.ledger.reservation('BTCUSDT')?.amount.toFixed()).toBe('200');
    expect(k.told.find((e) => e.type === 'buy-filled')).toMatchObject({
      partial: true,
      spent: '200',
      allocated: '200',
    });
    expect(steps()).toEqual(['protectLocked']);
  });

  it('a fill without its details: the commission assumed, said; a buy below the minimums: dust, its funds released', async () => {
    buysWith((req) => ({ ...filled(req), fills: [] }));
    await entry.enterLocked(set, rules, 3);
    expect(k.told.find((e) => e.type === 'warning')).toMatchObject({
      message: expect.stringMatching(
        /^the exchange did not detail every fill of the buy: commission assumed at 0\.25%, so [0-9.]+ is protected and a little may stay as dust$/,
      ),
    });
    k.close();
    k = new FlowKit({ lookupDelaysMs: [5], unknownOutcomeWindowMs: 30 });
    entry = new EntryFlow(k.state, k.flows);
    buysWith((req) => filled(req, 'EXPIRED', 0.00001));
    await entry.enterLocked(set, rules, 3);
    expect(k.told.find((e) => e.type === 'warning')).toMatchObject({
      message: expect.stringMatching(/^bought [0-9.]+ BTCUSDT is below the exchange's minimums and stays as dust$/),
    });
    expect(steps()).toContain('tellReleased');
    expect(steps()).not.toContain('protectLocked');
  });

  it('the stream tells of the fill before the answer comes: protected from the stream at once', async () => {
    let answer: (r: OrderReport) => void = () => undefined;
    buysWith((req) => {
      setTimeout(() => k.state.x.mailbox.post(filled(req)), 5);
      return new Promise((resolve) => (answer = resolve));
    });
    await entry.enterLocked(set, rules, 3);
    expect(steps()).toEqual(['protectLocked']);
    answer(filled(buys[0]!));
  });

  it('an emergency stop pending when the buy fills: the coins are sold, not protected', async () => {
    buysWith((req) => filled(req));
    const go = entry.enterLocked(set, rules, 3);
    k.ledger.setEmergencyStop(true, k.t);
    await go;
    expect(steps()).toEqual(['exitLocked']);
    expect(k.calls[0]!.args[1]).toBe('emergency');
  });
});

describe('a buy whose answer was lost', () => {
  it('looked up and found filled: booked and protected', async () => {
    let lost: OrderReport | undefined;
    buysWith((req) => {
      lost = filled(req);
      return new ExchangeError('unknown-outcome', 'HTTP 503');
    });
    let asked = 0;
    k.exchange.getOrder = async () => (++asked < 2 ? undefined : lost);
    await entry.enterLocked(set, rules, 3);
    expect(k.ledger.position('BTCUSDT')?.status).toBe('opening');
    await k.settle();
    expect(k.ledger.position('BTCUSDT')?.status).toBe('open');
    expect(steps()).toEqual(['protectLocked']);
    expect(k.told.find((e) => e.type === 'error')).toMatchObject({
      message:
        "the buy's outcome is unknown (HTTP 503); it is looked up until known, and its reservation stays meanwhile",
    });
  });

  it('never shown in the window (counted from when it was sent): taken as never executed, the funds released', async () => {
    buysWith(() => new ExchangeError('unknown-outcome', 'HTTP 503'));
    k.exchange.getOrder = async () => undefined;
    await entry.enterLocked(set, rules, 3);
    await k.settle();
    expect(k.ledger.reservation('BTCUSDT')).toBeUndefined();
    expect(k.told.filter((e) => e.type === 'error').at(-1)).toMatchObject({
      message:
        'buy failed: HTTP 503; the exchange never showed the order in the 0 s since it was sent, so it was not executed',
    });
  });

  it('the exchange cannot be asked: the reservation stays, said', async () => {
    buysWith(() => new ExchangeError('unknown-outcome', 'HTTP 503'));
    k.exchange.getOrder = async () => Promise.reject(new Error('unreachable'));
    await entry.enterLocked(set, rules, 3);
    await k.settle();
    expect(k.ledger.reservation('BTCUSDT')?.amount.toFixed()).toBe('400');
    expect(k.told.at(-1)).toMatchObject({
      type: 'error',
      message:
        "the buy's outcome is still unknown (the exchange cannot be asked); its reservation stays and it is looked up again at the next check",
    });
  });

  it('one look-up at a time per position', async () => {
    buysWith(() => new ExchangeError('unknown-outcome', 'HTTP 503'));
    let asked = 0;
    k.exchange.getOrder = async () => {
      asked++;
      return undefined;
    };
    await entry.enterLocked(set, rules, 3);
    const p = k.ledger.position('BTCUSDT')!;
    entry.resolveEntrySoon(p, 'again');
    await k.settle();
    expect(
      k.told.filter((e) => e.type === 'error' && /outcome is unknown/.test((e as { message: string }).message)),
    ).toHaveLength(1);
    expect(asked).toBeGreaterThan(0);
  });
});

describe('bookEntryLocked and adoptLateEntryLocked', () => {
  it('a report that is not final books nothing', async () => {
    buysWith(() => new ExchangeError('unknown-outcome', 'HTTP 503'));
    k.exchange.getOrder = async () => Promise.reject(new Error('unreachable'));
    await entry.enterLocked(set, rules, 3);
    await k.settle();
    const p = k.ledger.position('BTCUSDT')!;
    await entry.bookEntryLocked(
      p,
      k.report(p.entryClientOrderId, { side: 'BUY', status: 'PARTIALLY_FILLED', executedQty: d('0.001') }),
    );
    expect(k.ledger.position('BTCUSDT')?.status).toBe('opening');
  });

  it('a buy that executed after it was given up on: a position again, protected', async () => {
    k.state.x.setFor = () => set;
    const late = filled({ symbol: 'BTCUSDT', quoteAmount: d(300), clientOrderId: k.id('9b') });
    await entry.adoptLateEntryLocked(late);
    expect(k.ledger.position('BTCUSDT')?.status).toBe('open');
    expect(k.ledger.reservation('BTCUSDT')?.amount.toFixed()).toBe('300');
    expect(steps()).toEqual(['protectLocked']);
  });

  it('... while another position of the symbol is open, or the symbol no longer traded: said, nothing adopted', async () => {
    const late = filled({ symbol: 'BTCUSDT', quoteAmount: d(300), clientOrderId: k.id('9b') });
    await entry.adoptLateEntryLocked(late);
    expect(k.told.at(-1)).toMatchObject({ message: expect.stringContaining('BTCUSDT is no longer traded') });
    k.position();
    k.state.x.setFor = () => set;
    await entry.adoptLateEntryLocked(late);
    expect(k.told.at(-1)).toMatchObject({
      message: expect.stringContaining('while another position of BTCUSDT is open'),
    });
    expect(steps()).toEqual([]);
  });
});
