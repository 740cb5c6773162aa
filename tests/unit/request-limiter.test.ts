import { describe, expect, it } from 'vitest';
import { RequestLimiter } from '../../electron/adapters/binance/request-limiter';
import { ExchangeError } from '../../electron/core/ports/exchange';

/** The one limiter every Binance request passes (weight per minute, orders per 10 s), on a fake clock. */
describe('RequestLimiter', () => {
  const limits = [
    { rateLimitType: 'REQUEST_WEIGHT' as const, interval: 'MINUTE' as const, intervalNum: 1, limit: 100 },
    { rateLimitType: 'ORDERS' as const, interval: 'SECOND' as const, intervalNum: 10, limit: 10 },
  ];

  function limiter(now: { t: number }, waits: string[] = []) {
    const l = new RequestLimiter({ budget: 0.8, now: () => now.t, onWait: (why) => waits.push(why) });
    l.setLimits(limits);
    return l;
  }

  it('holds a read back past its budget (80 of 100) but lets a protective order use the reserve', async () => {
    const now = { t: 60_000 * 1000 + 10 };
    const waits: string[] = [];
    const l = limiter(now, waits);
    for (let i = 0; i < 4; i++) await l.acquire('account', 20);
    expect(l.weightUsed).toBe(80);
    // A read would pass the budget: it waits for the minute to roll (we stop it instead of waiting).
    const stop = new AbortController();
    const read = l.acquire('myTrades', 20, 0, { signal: stop.signal });
    await new Promise((r) => setTimeout(r, 20));
    expect(waits).toEqual(['request weight at 80/100 per 1 minute']);
    stop.abort();
    await expect(read).rejects.toThrow(/not sent \(stopping\)/);
    // An OCO (weight 1, 2 orders) goes out at once from the reserve; so do a cancel and a sale.
    await l.acquire('OCO', 1, 2, { protective: true });
    await l.acquire('cancel', 1, 0, { protective: true });
    await l.acquire('sale', 1, 1, { protective: true });
    expect(l.weightUsed).toBe(83);
    // Even a protective request stops at the real limit.
    for (let i = 0; i < 17; i++) await l.acquire('sale', 1, 0, { protective: true });
    expect(l.weightUsed).toBe(100);
    const over = new AbortController();
    const beyond = l.acquire('sale', 1, 0, { protective: true, signal: over.signal });
    await new Promise((r) => setTimeout(r, 20));
    over.abort();
    await expect(beyond).rejects.toBeInstanceOf(ExchangeError);
  });

  it('orders per 10 s: entries stop at 8 of 10, protective orders may take the last 2', async () => {
    const now = { t: 10_000 * 5000 + 1 };
    const l = limiter(now);
    for (let i = 0; i < 8; i++) await l.acquire('buy', 1, 1);
    const stop = new AbortController();
    const ninth = l.acquire('buy', 1, 1, { signal: stop.signal });
    await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    await expect(ninth).rejects.toThrow(/not sent/);
    await l.acquire('OCO', 1, 2, { protective: true });
    // The window rolls: entries go again.
    now.t += 10_000;
    await l.acquire('buy', 1, 1);
  });

  it('after a 429 nothing is sent, protective or not, until Retry-After', async () => {
    const now = { t: 1_000_000 };
    const l = limiter(now);
    l.pause('rate-limited', 5000, 'HTTP 429');
    await expect(l.acquire('OCO', 1, 2, { protective: true })).rejects.toMatchObject({
      kind: 'rate-limited',
      retryAfterMs: 5000,
    });
    now.t += 5000;
    await l.acquire('OCO', 1, 2, { protective: true });
  });
});
