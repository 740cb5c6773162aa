import { describe, expect, it } from 'vitest';
import { Decimal } from '../../electron/core/money/decimal';
import { generateCandles, writeKlineCsv } from '../../tools/candles/synthetic';
import { rehearse } from '../../tools/rehearse/rehearsal';
import { sets } from '../helpers/paper-harness';
import { tempDir } from '../helpers/temp';

/**
 * One price path, three ways, through the one engine: a replay (replay feed, paper exchange),
 * paper trading on the local exchange playing that market (the `binance` client's streams), and
 * live trading on the local exchange's account (every order over real sockets). The two
 * simulators share one intrabar rule and one set of fill amounts, so the three trade lists are
 * equal to the last decimal: entry and exit prices, quantities, exit reasons and PnL.
 */
describe('rehearsal: replay, paper on the local exchange, live on the local exchange', () => {
  it('give the same trades on one price path (take-profits, stop-losses on candles touching both legs, reversals)', async () => {
    const tmp = tempDir();
    try {
      const marketDir = `${tmp.dir}/market`;
      const start = Date.parse('2024-03-04T00:00:00Z');
      const candles = [
        ...generateCandles({
          symbol: 'BTCUSDT',
          interval: '1m',
          startTime: start,
          count: 260,
          seed: 11,
          startPrice: 42000,
          volatility: 0.004,
          jumpProbability: 0.05,
          jumpSize: 0.02,
        }),
        ...generateCandles({
          symbol: 'ETHUSDT',
          interval: '1m',
          startTime: start,
          count: 260,
          seed: 12,
          startPrice: 2500,
          volatility: 0.004,
          jumpProbability: 0.05,
          jumpSize: 0.02,
        }),
      ];
      writeKlineCsv(marketDir, candles);
      const result = await rehearse({
        sets: sets([
          {
            symbol: 'BTCUSDT',
            allocationPercent: 40,
            zScoreThreshold: 1.5,
            profitPercent: 0.6,
            stopLossPercent: 0.5,
            lookback: 20,
            movingAverages: 1,
          },
          {
            symbol: 'ETHUSDT',
            allocationPercent: 40,
            zScoreThreshold: 1.5,
            profitPercent: 0.8,
            stopLossPercent: 0.4,
            lookback: 20,
            movingAverages: 1,
          },
        ]),
        quoteAsset: 'USDT',
        marketDir,
        workDir: tmp.dir,
        balance: new Decimal(1000),
        feeRate: new Decimal('0.001'),
        slippageBps: 5,
      });
      const [replay, paper, live] = result.runs;
      const reasons = new Set(replay!.trades.map((t) => t.exitReason));
      // The path exercises what the simulators could disagree on.
      expect(replay!.trades.length).toBeGreaterThanOrEqual(5);
      expect(reasons.has('take-profit') && reasons.has('stop-loss')).toBe(true);
      expect(result.differences.paper).toEqual([]);
      expect(result.differences.live).toEqual([]);
      expect(paper!.finalQuote).toBe(replay!.finalQuote);
      expect(live!.finalQuote).toBe(replay!.finalQuote);
      expect(result.shiftMs).toBeGreaterThan(0);
    } finally {
      tmp.cleanup();
    }
  }, 120_000);
});
