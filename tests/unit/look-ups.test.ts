import { describe, expect, it } from 'vitest';
import { lookUpOco, lookUpOrder, lookUpQuiet, type LookUpContext } from '../../electron/core/engine/look-ups';
import { ReportMailbox } from '../../electron/core/engine/report-mailbox';
import { DEFAULT_TIMINGS, type EngineTimings } from '../../electron/core/engine/timings';
import { Decimal } from '../../electron/core/money/decimal';
import type { Exchange, OcoReport, OrderReport, OrderStatus } from '../../electron/core/ports/exchange';

/**
 * Looking up an order whose answer was lost (look-ups.ts): on the look-up schedule for the
 * unknown-outcome window (or a shorter limit), 'absent' only when the exchange said so at every
 * look-up, undefined when it could not be asked, a report arriving meanwhile ending the wait.
 */
const report = (clientOrderId: string, status: OrderStatus = 'FILLED'): OrderReport => ({
  symbol: 'BTCUSDT',
  clientOrderId,
  orderId: '1',
  side: 'SELL',
  type: 'MARKET',
  status,
  origQty: new Decimal(1),
  executedQty: new Decimal(status === 'FILLED' ? 1 : 0),
  cumQuote: new Decimal(0),
  fills: [],
  time: 0,
});

interface Script {
  /** What each look-up answers, in turn (the last one repeats); a function may throw. */
  answers: (() => OrderReport | undefined)[];
  timings?: Partial<EngineTimings>;
  stopping?: AbortSignal;
}

function context(s: Script): { x: LookUpContext; asked: () => number; mailbox: ReportMailbox } {
  let n = 0;
  const mailbox = new ReportMailbox();
  const exchange = {
    getOrder: async () => s.answers[Math.min(n++, s.answers.length - 1)]!(),
    getOco: async (): Promise<OcoReport | undefined> => {
      const r = s.answers[Math.min(n++, s.answers.length - 1)]!();
      return (
        r && {
          symbol: 'BTCUSDT',
          listClientOrderId: 'L',
          orderListId: '1',
          status: 'EXECUTING',
          takeProfit: r,
          stopLoss: r,
        }
      );
    },
  } as unknown as Exchange;
  return {
    x: {
      exchange,
      timings: { ...DEFAULT_TIMINGS, ...s.timings },
      mailbox,
      stopping: s.stopping ?? new AbortController().signal,
    },
    asked: () => n,
    mailbox,
  };
}
const none = () => undefined;
const fails = () => {
  throw new Error('unreachable');
};
const SCHEDULE = { lookupDelaysMs: [10, 20], unknownOutcomeWindowMs: 50 };

describe('lookUpOrder', () => {
  it('found at the first look-up: its report, nothing waited', async () => {
    const c = context({ answers: [() => report('a')] });
    const spent = { ms: 0 };
    expect(await lookUpOrder(c.x, 'BTCUSDT', 'a', { spent })).toMatchObject({ clientOrderId: 'a' });
    expect(c.asked()).toBe(1);
    expect(spent.ms).toBe(0);
  });

  it('never shown for the whole window: absent, after looking up on the schedule (0, 10, 30, 50 ms)', async () => {
    const c = context({ answers: [none], timings: SCHEDULE });
    const spent = { ms: 0 };
    expect(await lookUpOrder(c.x, 'BTCUSDT', 'a', { spent })).toBe('absent');
    expect(c.asked()).toBe(4);
    expect(spent.ms).toBe(50);
  });

  it('a limit shorter than the window ends it sooner', async () => {
    const c = context({ answers: [none], timings: SCHEDULE });
    const spent = { ms: 0 };
    expect(await lookUpOrder(c.x, 'BTCUSDT', 'a', { maxWaitMs: 10, spent })).toBe('absent');
    expect(c.asked()).toBe(2);
    expect(spent.ms).toBe(10);
  });

  it('shown only after empty look-ups (a late execution): its report', async () => {
    const c = context({ answers: [none, none, () => report('a')], timings: SCHEDULE });
    expect(await lookUpOrder(c.x, 'BTCUSDT', 'a')).toMatchObject({ status: 'FILLED' });
    expect(c.asked()).toBe(3);
  });

  it('the exchange could not be asked at the last look-up: unknown (undefined), not absent', async () => {
    const c = context({ answers: [none, none, none, fails], timings: SCHEDULE });
    expect(await lookUpOrder(c.x, 'BTCUSDT', 'a')).toBeUndefined();
    expect(c.asked()).toBe(4);
  });

  it('finalOnly: a report not final yet keeps it looking until the final one', async () => {
    const c = context({
      answers: [() => report('a', 'NEW'), () => report('a', 'PARTIALLY_FILLED'), () => report('a')],
      timings: SCHEDULE,
    });
    expect(await lookUpOrder(c.x, 'BTCUSDT', 'a', { finalOnly: true })).toMatchObject({ status: 'FILLED' });
    expect(c.asked()).toBe(3);
    const d = context({ answers: [() => report('a', 'NEW')], timings: SCHEDULE });
    expect(await lookUpOrder(d.x, 'BTCUSDT', 'a')).toMatchObject({ status: 'NEW' });
    expect(d.asked()).toBe(1);
  });

  it('finalOnly, never final for the whole window: unknown, not absent (it exists)', async () => {
    const c = context({ answers: [() => report('a', 'NEW')], timings: SCHEDULE });
    expect(await lookUpOrder(c.x, 'BTCUSDT', 'a', { finalOnly: true })).toBeUndefined();
  });

  it('an exchange that answers at once (no window): once through the schedule, or once with a limit', async () => {
    const immediate = { lookupDelaysMs: [0, 0, 0], unknownOutcomeWindowMs: 0 };
    const c = context({ answers: [none], timings: immediate });
    expect(await lookUpOrder(c.x, 'BTCUSDT', 'a')).toBe('absent');
    expect(c.asked()).toBe(3);
    const d = context({ answers: [none], timings: immediate });
    expect(await lookUpOrder(d.x, 'BTCUSDT', 'a', { maxWaitMs: 0 })).toBe('absent');
    expect(d.asked()).toBe(1);
  });

  it("a report of that order arriving meanwhile ends the wait at once; another order's does not", async () => {
    const c = context({ answers: [none], timings: { lookupDelaysMs: [1000], unknownOutcomeWindowMs: 60_000 } });
    const started = Date.now();
    const found = lookUpOrder(c.x, 'BTCUSDT', 'a');
    await new Promise((r) => setTimeout(r, 10));
    c.mailbox.post(report('b'));
    c.mailbox.post(report('a'));
    expect(await found).toMatchObject({ clientOrderId: 'a' });
    expect(Date.now() - started).toBeLessThan(900);
    expect(c.asked()).toBe(1);
  });

  it("a report of another order naming this id as its list's does not answer it", async () => {
    const c = context({
      answers: [none, () => report('a')],
      timings: { lookupDelaysMs: [30], unknownOutcomeWindowMs: 60_000 },
    });
    const found = lookUpOrder(c.x, 'BTCUSDT', 'a');
    await new Promise((r) => setTimeout(r, 5));
    c.mailbox.post({ ...report('b'), listClientOrderId: 'a' });
    expect(await found).toMatchObject({ clientOrderId: 'a' });
    expect(c.asked()).toBe(2);
  });

  it('a schedule longer than the window: ends once the window has passed, not at the end of the schedule', async () => {
    const c = context({
      answers: [none],
      timings: { lookupDelaysMs: [10, 10, 10, 10, 10, 10], unknownOutcomeWindowMs: 20 },
    });
    const spent = { ms: 0 };
    expect(await lookUpOrder(c.x, 'BTCUSDT', 'a', { spent })).toBe('absent');
    expect(spent.ms).toBe(20);
    expect(c.asked()).toBe(3);
  });

  it('finalOnly: a report not final arriving meanwhile does not end it', async () => {
    const c = context({
      answers: [none, () => report('a')],
      timings: { lookupDelaysMs: [30], unknownOutcomeWindowMs: 60_000 },
    });
    const found = lookUpOrder(c.x, 'BTCUSDT', 'a', { finalOnly: true });
    await new Promise((r) => setTimeout(r, 5));
    c.mailbox.post(report('a', 'NEW'));
    expect(await found).toMatchObject({ status: 'FILLED' });
    expect(c.asked()).toBe(2);
  });

  it('the engine stops: unknown at once', async () => {
    const stop = new AbortController();
    const c = context({
      answers: [none],
      timings: { lookupDelaysMs: [1000], unknownOutcomeWindowMs: 60_000 },
      stopping: stop.signal,
    });
    const found = lookUpOrder(c.x, 'BTCUSDT', 'a');
    await new Promise((r) => setTimeout(r, 5));
    stop.abort();
    expect(await found).toBeUndefined();
    const d = context({ answers: [none], timings: SCHEDULE, stopping: stop.signal });
    expect(await lookUpOrder(d.x, 'BTCUSDT', 'a')).toBeUndefined();
    expect(d.asked()).toBe(1);
  });
});

describe('lookUpOco', () => {
  it('the list when shown, absent when never; a leg report does not answer it (the list is read whole)', async () => {
    const c = context({ answers: [none, () => report('t')], timings: SCHEDULE });
    expect(await lookUpOco(c.x, 'BTCUSDT', 'L')).toMatchObject({ listClientOrderId: 'L' });
    const d = context({ answers: [none], timings: SCHEDULE });
    const found = lookUpOco(d.x, 'BTCUSDT', 'L');
    d.mailbox.post({ ...report('t'), listClientOrderId: 'L' });
    expect(await found).toBe('absent');
    expect(d.asked()).toBe(4);
  });
});

describe('lookUpQuiet', () => {
  it('one look-up: the report, undefined when absent or when the exchange cannot be asked', async () => {
    expect(await lookUpQuiet(context({ answers: [() => report('a')] }).x.exchange, 'BTCUSDT', 'a')).toMatchObject({
      clientOrderId: 'a',
    });
    expect(await lookUpQuiet(context({ answers: [none] }).x.exchange, 'BTCUSDT', 'a')).toBeUndefined();
    expect(await lookUpQuiet(context({ answers: [fails] }).x.exchange, 'BTCUSDT', 'a')).toBeUndefined();
  });
});
