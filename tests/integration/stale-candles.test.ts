import { describe, expect, it } from 'vitest';
import type { Candle } from '../../electron/core/ports/market-feed';
import type { LiveHarness } from '../helpers/live-harness';
import { useLiveExchange } from '../helpers/live-suite';

/**
 * A closed candle that is old when it arrives (a backfill after a reconnect, a recorded market
 * played without re-stamping) only warms the signal: a buy signal on it must not trade, since the
 * market it describes has moved on. A fresh candle with the same signal does trade.
 */
describe('stale candles', () => {
  const live = useLiveExchange();

  function candle(x: LiveHarness, closedAgoMs: number): Candle {
    const price = live.fake.market.lastPrice('BTCUSDT') ?? 40000;
    const closeTime = Date.now() - closedAgoMs;
    return {
      symbol: 'BTCUSDT',
      interval: '1m',
      openTime: closeTime - 59_999,
      closeTime,
      open: price,
      high: price,
      low: price,
      close: price,
      volume: 1,
    };
  }

  async function signalOn(x: LiveHarness, c: Candle, value: number): Promise<void> {
    x.signals.get('BTCUSDT')!.next = value;
    await x.engine.onCandle(c);
    await x.engine.settle();
  }

  it('a buy signal on a 1m candle closed 3 minutes ago does not trade and is reported; one closed 1 minute ago does', async () => {
    const x = await live.start();
    await signalOn(x, candle(x, 3 * 60_000), 6);
    expect(x.engine.getAllocationStatus().reservations).toEqual([]);
    expect(live.fake.orders()).toEqual([]);
    const warnings = () => x.events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
    expect(warnings()).toContainEqual(
      expect.stringMatching(/^BTCUSDT: a 1m candle arrived 3m 0s after it closed: stale/),
    );
    await signalOn(x, candle(x, 2 * 3_600_000), 0);
    expect(warnings().filter((m) => /stale candles warm/.test(m))).toHaveLength(1); // told once per run of stale candles
    // Within two intervals it is today's market: it trades.
    await signalOn(x, candle(x, 60_000), 6);
    expect(x.engine.ledger.position('BTCUSDT')?.status).toBe('protected');
    expect(warnings()).toContain('BTCUSDT: fresh candles again after 2 stale ones that did not trade');
    live.agree(x);
  });
});
