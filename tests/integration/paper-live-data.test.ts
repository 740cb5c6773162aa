import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TradingSession } from '../../electron/app/trading-session';
import type { EngineEvent } from '../../electron/core/engine/engine-events';
import { Decimal } from '../../electron/core/money/decimal';
import type { Candle } from '../../electron/core/ports/market-feed';
import { startFakeBinance, type FakeBinance } from '../../tools/fake-binance/server';
import { sets } from '../helpers/paper-harness';
import { tempDir } from '../helpers/temp';

/**
 * Paper trading on live market data, end to end: the real `binance` client (REST warm-up, kline and
 * trade streams) against a local Binance-compatible server, the paper exchange filling on trade
 * prices, the ledger in SQLite.
 */
async function until(what: string, cond: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('paper trading on live (local) Binance market data', () => {
  let tmp: ReturnType<typeof tempDir>;
  let fake: FakeBinance;
  beforeEach(async () => {
    tmp = tempDir();
    fake = await startFakeBinance({ symbols: ['BTCUSDT'] });
  });
  afterEach(async () => {
    await fake.close();
    tmp.cleanup();
  });

  it('warms up from REST, buys on a closed-candle signal at the trade price, and takes profit on a trade', async () => {
    const minute = 60_000;
    // 30 closed candles up to the current minute; candle #30 is the one forming now.
    const start = Math.floor(Date.now() / minute) * minute - 30 * minute;
    let price = 40000;
    const candle = (i: number, close: number): Candle => ({
      symbol: 'BTCUSDT',
      interval: '1m',
      openTime: start + i * minute,
      closeTime: start + (i + 1) * minute - 1,
      open: price,
      high: Math.max(price, close),
      low: Math.min(price, close),
      close,
      volume: 1,
    });
    const history: Candle[] = [];
    for (let i = 0; i < 30; i++) {
      const close = +(price * (1 + (i % 2 === 0 ? 0.0007 : -0.0006) + ((i * 7) % 5) * 0.0001)).toFixed(2);
      history.push(candle(i, close));
      price = close;
    }
    fake.addHistory('BTCUSDT', '1m', history);

    const events: EngineEvent[] = [];
    const session = TradingSession.open({
      sets: sets([
        {
          symbol: 'BTCUSDT',
          allocationPercent: 50,
          zScoreThreshold: 5,
          profitPercent: 2,
          stopLossPercent: 2,
          interval: '1m',
        },
      ]),
      quoteAsset: 'USDT',
      market: { kind: 'binance', restBaseUrl: fake.restUrl, wsBaseUrl: fake.wsUrl },
      dbFile: path.join(tmp.dir, 'paper.sqlite'),
      venue: { kind: 'paper', balance: new Decimal(1000), feeRate: new Decimal('0.001'), slippageBps: 5 },
      onEvent: (e) => {
        events.push(e);
        if (process.env.DBG) console.log('EV', JSON.stringify(e));
      },
      onHealth: (h) => {
        if (process.env.DBG) console.log('HEALTH', JSON.stringify(h));
      },
    });
    const abort = new AbortController();
    try {
      await session.start(abort.signal);

      expect(Number.isNaN(session.engine.symbolState('BTCUSDT')!.signal)).toBe(false);
      const running = session.run(abort.signal);
      await fake.waitForSubscriber('btcusdt@kline_1m');
      await fake.waitForSubscriber('btcusdt@trade');

      // An open (unfinished) kline with a huge move must not trade.
      const jump = +(price * 1.03).toFixed(2);
      fake.pushTrade('BTCUSDT', jump);
      fake.pushCandle('BTCUSDT', '1m', candle(30, jump), { closed: false });
      await new Promise((r) => setTimeout(r, 300));
      expect(events.some((e) => e.type === 'reserved')).toBe(false);

      // The same candle, closed: buy at the last trade price plus slippage.
      fake.pushCandle('BTCUSDT', '1m', candle(30, jump), { closed: true });
      await until('a protected position', () => session.engine.ledger.position('BTCUSDT')?.status === 'protected');
      const p = session.engine.ledger.position('BTCUSDT')!;
      expect(p.avgPrice.toFixed()).toBe(new Decimal(jump).mul('1.0005').toDecimalPlaces(2, Decimal.ROUND_UP).toFixed());
      expect(session.engine.getAllocationStatus().totalReserved).toBe(500);

      // A trade at the take-profit fills it.
      fake.pushTrade('BTCUSDT', p.takeProfitPrice!.add(1).toNumber());
      await until('the take-profit', () => session.engine.ledger.position('BTCUSDT') === undefined);
      expect(session.store.trades()[0]!.exitReason).toBe('take-profit');
      expect(session.engine.getAllocationStatus().reservations).toEqual([]);
      abort.abort();
      await running;
    } finally {
      abort.abort();
      await session.close();
    }
  });
});
