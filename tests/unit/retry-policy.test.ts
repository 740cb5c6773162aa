import { describe, expect, it } from 'vitest';
import { NO_RETRY, READ_RETRY, withRetry } from '../../electron/adapters/binance/retry-policy';
import { ExchangeError } from '../../electron/core/ports/exchange';

/**
 * The Binance access layer's one retry policy (retry-policy.ts): which errors are sent again, how
 * long it waits (back-off with jitter, or Binance's Retry-After when longer), and when it gives up.
 */
function script(errors: unknown[]) {
  let n = 0;
  const waits: number[] = [];
  const send = async () => {
    const e = errors[n++];
    if (e) throw e;
    return 'ok';
  };
  const sleep = async (ms: number) => {
    waits.push(ms);
  };
  return { send, sleep, waits, sent: () => n };
}
const network = () => new ExchangeError('network', 'socket hang up');

describe('withRetry', () => {
  it('a read: network, unknown-outcome and rate-limited errors are sent again, up to 4 attempts', async () => {
    const s = script([
      network(),
      new ExchangeError('unknown-outcome', '503'),
      new ExchangeError('rate-limited', '429'),
    ]);
    expect(await withRetry(READ_RETRY, s.send, { sleep: s.sleep })).toBe('ok');
    expect(s.sent()).toBe(4);
    // Back-off 250, 500, 1000 ms with jitter in [50 %, 100 %].
    expect(s.waits).toHaveLength(3);
    [250, 500, 1000].forEach((base, i) => {
      expect(s.waits[i]).toBeGreaterThanOrEqual(base / 2);
      expect(s.waits[i]).toBeLessThanOrEqual(base);
    });
  });

  it('gives up after the last attempt with the last error', async () => {
    const last = network();
    const s = script([network(), network(), network(), last, undefined]);
    await expect(withRetry(READ_RETRY, s.send, { sleep: s.sleep })).rejects.toBe(last);
    expect(s.sent()).toBe(4);
  });

  it('never retries a refusal, a ban, or anything that is not an exchange error', async () => {
    for (const e of [
      new ExchangeError('rejected', 'no'),
      new ExchangeError('banned', '418'),
      new ExchangeError('insufficient-balance', 'no'),
      new Error('bug'),
    ]) {
      const s = script([e]);
      await expect(withRetry(READ_RETRY, s.send, { sleep: s.sleep })).rejects.toBe(e);
      expect(s.sent()).toBe(1);
    }
  });

  it('an order is never sent twice by this layer', async () => {
    const s = script([network()]);
    await expect(withRetry(NO_RETRY, s.send, { sleep: s.sleep })).rejects.toBeInstanceOf(ExchangeError);
    expect(s.sent()).toBe(1);
  });

  it("waits Binance's Retry-After when longer than the back-off; gives up when it is longer than 10 s", async () => {
    const s = script([new ExchangeError('rate-limited', '429', { retryAfterMs: 3000 })]);
    expect(await withRetry(READ_RETRY, s.send, { sleep: s.sleep })).toBe('ok');
    expect(s.waits).toEqual([3000]);
    const long = new ExchangeError('rate-limited', '429', { retryAfterMs: 10_001 });
    const t = script([long]);
    await expect(withRetry(READ_RETRY, t.send, { sleep: t.sleep })).rejects.toBe(long);
    expect(t.waits).toEqual([]);
  });

  it('the back-off is capped at 4 s', async () => {
    const policy = { ...READ_RETRY, attempts: 8 };
    const s = script([network(), network(), network(), network(), network(), network(), network()]);
    expect(await withRetry(policy, s.send, { sleep: s.sleep })).toBe('ok');
    expect(Math.max(...s.waits)).toBeLessThanOrEqual(4000);
    expect(s.waits.at(-1)).toBeGreaterThanOrEqual(2000);
  });

  it('an aborted signal: no further attempt', async () => {
    const ac = new AbortController();
    ac.abort();
    const s = script([network()]);
    await expect(withRetry(READ_RETRY, s.send, { sleep: s.sleep, signal: ac.signal })).rejects.toBeInstanceOf(
      ExchangeError,
    );
    expect(s.sent()).toBe(1);
  });
});
