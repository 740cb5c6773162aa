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
  cursorSymbol?: string,
): FeedSink {
  const ledger = engine.ledger;
  // Resuming: candles up to the cursor's candle (in merge order) were traded before.
  let resuming = cursor !== undefined;
  const done = (c: Candle): boolean => {
    if (c.closeTime < cursor!) return true;
    if (c.closeTime > cursor!) return false;
    if (cursorSymbol === undefined) return true; // older ledgers: all candles at the cursor time
    if (c.symbol === cursorSymbol) {
      resuming = false; // the next candle at this time is new
      return true;
    }
    return resuming;
  };
  return {
    onCandle: (c: Candle) => {
      if (resuming && done(c)) {
        stats.warmupCandles++;
        engine.warm(c);
        exchange.setPrice(c.symbol, c.close, c.closeTime);
        return;
      }
      resuming = false;
      stats.candles++;
      if (stats.firstTime === undefined) stats.firstTime = c.openTime;
      stats.lastTime = c.closeTime;
      clock.set(c.closeTime);
      ledger.candleSymbol = c.symbol;
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
  paper?: PaperExchange,
  onHealth?: (h: FeedHealth) => void,
): FeedSink {
  return {
    onCandle: (c: Candle) => {
      stats.candles++;
      if (stats.firstTime === undefined) stats.firstTime = c.openTime;
      stats.lastTime = c.closeTime;
      // Candles matter to paper fills too: one backfilled after a disconnect holds the trades we
      // missed. The paper exchange only matches a candle against orders placed before it opened.
      paper?.onCandle(c);
      // In real time, symbols do not wait for each other: an entry in flight for one symbol must not
      // delay another's candle. The engine keeps one operation per symbol and tracks them all.
      void engine.onCandle(c);
    },
    onTrade: (symbol: string, price: number, time: number) => {
      paper?.onTrade(symbol, price, time);
      engine.onPrice(symbol, price);
    },
    ...(onHealth ? { onHealth } : {}),
  };
}

/** Who watches the market data a session trades on (the desktop host's charts, prices and signals). */
export interface MarketObserver {
  /** A closed candle the engine has seen (warm-up included), and the symbol's signal after it (NaN while warming up). */
  candle(c: Candle, signal: number): void;
  /** A real-time trade price (live market data only). */
  price?(symbol: string, price: number, time: number): void;
}

/** Tells an observer, without letting it disturb trading: what it throws is dropped. */
export function tellObserver(observer: MarketObserver, engine: TradingEngine, c: Candle): void {
  try {
    observer.candle(c, engine.symbolState(c.symbol)?.signal ?? NaN);
  } catch {
    // an observer's failure must never stop the engine
  }
}

/** A sink that passes everything on to `sink` first, then shows it to `observer`. */
export function observedSink(sink: FeedSink, engine: TradingEngine, observer: MarketObserver): FeedSink {
  const onTrade = sink.onTrade?.bind(sink);
  return {
    onCandle: (c: Candle) => {
      const result = sink.onCandle(c);
      tellObserver(observer, engine, c);
      return result;
    },
    ...(onTrade
      ? {
          onTrade: (symbol: string, price: number, time: number) => {
            const result = onTrade(symbol, price, time);
            try {
              observer.price?.(symbol, price, time);
            } catch {
              // as above
            }
            return result;
          },
        }
      : {}),
    ...(sink.onHealth ? { onHealth: sink.onHealth.bind(sink) } : {}),
  };
}
