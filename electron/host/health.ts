import type { EngineStateDto } from '../../shared/ipc/contract';
import type { ExchangeHealth } from '../adapters/binance/binance-exchange';
import type { FeedHealth } from '../core/ports/market-feed';

export type HealthDto = EngineStateDto['health'];

export function idleHealth(): HealthDto {
  return {
    marketData: 'disconnected',
    marketDetail: null,
    marketEverLive: false,
    userStream: 'none',
    weight: null,
    paused: null,
  };
}

/** The health object after a market data event. */
export function withFeedHealth(h: HealthDto, f: FeedHealth): HealthDto {
  switch (f.state) {
    case 'connecting':
      return { ...h, marketData: 'connecting', marketDetail: f.detail ?? null };
    case 'live':
      return { ...h, marketData: 'live', marketDetail: null, marketEverLive: true };
    case 'reconnecting':
      return {
        ...h,
        marketData: 'reconnecting',
        marketDetail: `${f.detail}; retry ${f.attempt} in ${Math.round(f.retryInMs / 1000)}s`,
      };
    case 'backfilled':
      return {
        ...h,
        marketData: 'live',
        marketDetail: `${f.symbol}: ${f.candles} missed candle(s) fetched`,
        marketEverLive: true,
      };
    case 'ended':
      return { ...h, marketData: 'disconnected', marketDetail: 'market data ended' };
  }
}

/** The health object after an exchange (live Binance) event. */
export function withExchangeHealth(h: HealthDto, e: ExchangeHealth): HealthDto {
  switch (e.kind) {
    case 'user-stream': {
      const userStream: HealthDto['userStream'] =
        e.state === 'connecting'
          ? 'connecting'
          : e.state === 'connected' || e.state === 'reconnected' || e.state === 'resynced'
            ? 'connected'
            : e.state === 'closed'
              ? 'none'
              : 'reconnecting';
      return { ...h, userStream };
    }
    case 'paused':
      return { ...h, paused: { reason: e.reason, until: new Date(e.until).toISOString(), detail: e.detail } };
    case 'resumed':
      return { ...h, paused: null };
    case 'weight':
      return { ...h, weight: { used: e.used, limit: e.limit } };
    case 'clock':
    case 'throttled':
      return h;
  }
}
