import type { PaperExchange } from '../adapters/paper/paper-exchange';
import type { TradingEngine } from '../core/engine/trading-engine';
import type { ManualClock } from '../core/ports/clock';
import type { Candle, FeedHealth, FeedSink } from '../core/ports/market-feed';

export interface RunStats {
  candles: number;
  warmupCandles: number;
  firstTime: number | undefined;
  lastTime: number | undefined;
  resumedFrom: number | undefined;
  elapsedMs: number;
}

export function newStats(resumedFrom: number | undefined): RunStats {
  return { candles: 0, warmupCandles: 0, firstTime: undefined, lastTime: undefined, resumedFrom, elapsedMs: 0 };
}

/**
 * The replay path: each candle moves the clock to its close, lets the paper exchange match resting
 * orders against its high and low, then updates the signal (which may start an order, filled at
 * the close). Candles up to `cursor` were traded before a restart: they only warm the signals.
 * This is the engine's hot path in a replay, and exactly what the benchmark measures.
 */
export function replaySink(
  engine: TradingEngine,
  exchange: PaperExchange,
  clock: ManualClock,
  cursor: number | undefined,
  stats: RunStats,
  onHealth?: (h: FeedHealth) => void,
): FeedSink {
  return {
    onCandle: (c: Candle) => {
      if (cursor !== undefined && c.closeTime <= cursor) {
        stats.warmupCandles++;
        engine.warm(c);
        exchange.setPrice(c.symbol, c.close, c.closeTime);
        return;
      }
      stats.candles++;
      if (stats.firstTime === undefined) stats.firstTime = c.openTime;
      stats.lastTime = c.closeTime;
      clock.set(c.closeTime);
      exchange.onCandle(c);
      return engine.onCandle(c);
    },
    ...(onHealth ? { onHealth } : {}),
  };
}

/**
 * The real-time path: closed candles drive the signals; every trade moves the paper exchange, if
 * there is one (fills happen on trade prices, never on a candle's past high or low). Live, the
 * exchange fills orders itself and trades only update prices for reports.
 */
export function realtimeSink(
  engine: TradingEngine,
  stats: RunStats,
  onTrade?: (symbol: string, price: number, time: number) => void,
  onHealth?: (h: FeedHealth) => void,
): FeedSink {
  return {
    onCandle: (c: Candle) => {
      stats.candles++;
      if (stats.firstTime === undefined) stats.firstTime = c.openTime;
      stats.lastTime = c.closeTime;
      return engine.onCandle(c);
    },
    onTrade: (symbol: string, price: number, time: number) => {
      onTrade?.(symbol, price, time);
      engine.onPrice(symbol, price);
    },
    ...(onHealth ? { onHealth } : {}),
  };
}
