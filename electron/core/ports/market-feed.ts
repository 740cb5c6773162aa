import type { KlineInterval } from '../../../shared/market/intervals';

/**
 * One closed candle. Prices are floats: they feed signal statistics and trigger checks only;
 * every amount sent to an exchange is derived from them as a decimal, rounded to the symbol's filters.
 */
export interface Candle {
  symbol: string;
  interval: KlineInterval;
  /** Open time, epoch milliseconds. */
  openTime: number;
  /** Close time, epoch milliseconds (Binance: openTime + interval - 1). */
  closeTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface FeedSubscription {
  symbol: string;
  interval: KlineInterval;
}

export type FeedHealth =
  | { state: 'connecting'; detail?: string }
  | { state: 'live' }
  | { state: 'reconnecting'; detail: string; attempt: number; retryInMs: number }
  | { state: 'backfilled'; symbol: string; candles: number }
  | { state: 'ended' };

/**
 * Where the engine's market data goes. A handler may return a promise (when the candle started
 * an order); the feed waits for it before delivering the next event, so every run is ordered and a
 * replay is deterministic. Returning nothing keeps the hot path synchronous.
 */
export interface FeedSink {
  onCandle(candle: Candle): void | Promise<void>;
  /** A real-time trade price (live market data only). */
  onTrade?(symbol: string, price: number, time: number): void | Promise<void>;
  onHealth?(health: FeedHealth): void;
}

export interface MarketFeed {
  /** A short name for logs ("binance", "replay:/data"). */
  readonly name: string;
  /** Whether candles come from stored history as fast as possible (replay) or in real time. */
  readonly realtime: boolean;
  /**
   * Closed candles before the feed starts, oldest first, to warm a signal window. A replay returns
   * nothing: its own first candles warm the window.
   */
  warmup(sub: FeedSubscription, count: number, signal?: AbortSignal): Promise<Candle[]>;
  /** Delivers closed candles (and trades when real time) until the signal aborts or the data ends. */
  run(subs: readonly FeedSubscription[], sink: FeedSink, signal: AbortSignal): Promise<void>;
}
