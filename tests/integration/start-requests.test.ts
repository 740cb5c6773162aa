import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TradingSession } from '../../electron/app/trading-session';
import { Decimal } from '../../electron/core/money/decimal';
import { startFakeBinance, type FakeBinance } from '../../tools/fake-binance/server';
import { BTC_SET, useLiveExchange } from '../helpers/live-suite';
import { sets } from '../helpers/paper-harness';
import { tempDir } from '../helpers/temp';

/**
 * A start on a slow link (every REST request 400 ms late) asks for what each set needs at once,
 * not one set after another: in the chaos run, 1.1 s a request made a ten-symbol start take over a
 * minute before market data flowed (two warm-up requests and a commission look-up per symbol, in
 * turn). Shown by when the local exchange received them: all within a fraction of one request's delay.
 */
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'SOLUSDT'];
const LATENCY_MS = 400;

function recordRequests(fake: FakeBinance): Array<{ at: number; path: string }> {
  const seen: Array<{ at: number; path: string }> = [];
  const intercept = fake.faults.intercept.bind(fake.faults);
  fake.faults.intercept = (method, p) => {
    seen.push({ at: Date.now(), path: p });
    return intercept(method, p);
  };
  return seen;
}

function spread(seen: Array<{ at: number; path: string }>, p: string): { n: number; ms: number } {
  const at = seen.filter((s) => s.path === p).map((s) => s.at);
  return { n: at.length, ms: Math.max(...at) - Math.min(...at) };
}

describe('a start on a slow link', () => {
  const live = useLiveExchange();

  it("warms every set's signal at once (paper on live market data)", async () => {
    const tmp = tempDir();
    const fake = await startFakeBinance({ symbols: SYMBOLS });
    try {
      for (const s of SYMBOLS) fake.setPrice(s, 100);
      fake.faults.setLatency(LATENCY_MS, {});
      const seen = recordRequests(fake);
      const session = TradingSession.open({
        sets: sets(SYMBOLS.map((symbol) => ({ ...BTC_SET, symbol, allocationPercent: 20 }))),
        quoteAsset: 'USDT',
        market: { kind: 'binance', restBaseUrl: fake.restUrl, wsBaseUrl: fake.wsUrl },
        dbFile: path.join(tmp.dir, 'paper.sqlite'),
        venue: { kind: 'paper', balance: new Decimal(1000), feeRate: new Decimal('0.001'), slippageBps: 5 },
        onEvent: () => undefined,
      });
      try {
        await session.start(new AbortController().signal);
      } finally {
        await session.close();
      }
      const klines = spread(seen, '/api/v3/klines');
      expect(klines.n).toBe(SYMBOLS.length);
      expect(klines.ms).toBeLessThan(LATENCY_MS / 2);
    } finally {
      await fake.close();
      tmp.cleanup();
    }
  });

  it('asks the commission asset of every symbol at once (live)', async () => {
    let seen: Array<{ at: number; path: string }> = [];
    await live.start({
      prices: Object.fromEntries(SYMBOLS.map((s) => [s, 100])),
      sets: SYMBOLS.map((symbol) => ({ ...BTC_SET, symbol, allocationPercent: 20 })),
      beforeConnect: (fake) => {
        fake.faults.setLatency(LATENCY_MS, {});
        seen = recordRequests(fake);
      },
    });
    const commission = spread(seen, '/api/v3/account/commission');
    expect(commission.n).toBe(SYMBOLS.length);
    expect(commission.ms).toBeLessThan(LATENCY_MS / 2);
  });
});
