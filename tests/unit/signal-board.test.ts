import { describe, expect, it } from 'vitest';
import { SignalBoard } from '../../electron/host/signal-board';
import { sets } from '../helpers/paper-harness';

const candle = (symbol: string, closeTime: number, close = 1) => ({
  symbol,
  interval: '1m' as const,
  openTime: closeTime - 59_999,
  closeTime,
  open: close,
  high: close,
  low: close,
  close,
  volume: 1,
});

describe('the signals panel: every set, its signal, the last decision and the last refusal', () => {
  it('warming up, below threshold, a buy refused for funds, a skip, a paused set', () => {
    const b = new SignalBoard();
    b.reset(
      sets([
        { symbol: 'BTCUSDT', allocationPercent: 50, zScoreThreshold: 5, profitPercent: 1, stopLossPercent: 1 },
        {
          symbol: 'ETHUSDT',
          allocationPercent: 50,
          zScoreThreshold: 6,
          profitPercent: 1,
          stopLossPercent: 1,
          enabled: false,
        },
      ]),
    );
    b.candle(candle('BTCUSDT', 60_000), NaN);
    expect(b.list()[0]).toMatchObject({ value: null, decision: 'warming up', lastRefusal: null });
    b.candle(candle('BTCUSDT', 120_000), 1.234);
    expect(b.list()[0]).toMatchObject({
      value: 1.234,
      decision: 'below threshold (z 1.23, enters at 5)',
      history: [1.234],
    });
    b.event({ type: 'signal', symbol: 'BTCUSDT', value: 5.5, threshold: 5, side: 'buy' }, 180_000);
    b.event(
      {
        type: 'reserve-failed',
        symbol: 'BTCUSDT',
        reason: 'Insufficient funds',
        detail: '',
        needed: '325.98',
        available: '312.92',
        quoteAsset: 'USDT',
      },
      180_000,
    );
    b.candle(candle('BTCUSDT', 180_000), 5.5); // above the threshold: the refusal stands as the decision
    expect(b.list()[0]).toMatchObject({
      decision: 'refused: needs $325.98, $312.92 available',
      lastRefusal: 'refused: needs $325.98, $312.92 available',
      candleTime: new Date(180_000).toISOString(),
    });
    b.candle(candle('BTCUSDT', 240_000), 0.5);
    expect(b.list()[0]).toMatchObject({
      decision: 'below threshold (z 0.50, enters at 5)',
      lastRefusal: 'refused: needs $325.98, $312.92 available',
    });
    b.event({ type: 'skip', symbol: 'ETHUSDT', reason: 'paused' }, 240_000);
    expect(b.list()[1]).toMatchObject({ enabled: false, lastRefusal: 'skipped: set disabled' });
  });
});
