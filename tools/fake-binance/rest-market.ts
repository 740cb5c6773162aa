import { KLINE_INTERVALS, type KlineInterval } from '../../shared/market/intervals';
import type { FakeMarket } from './market';
import { errors, optionalInt, optionalSymbolList, required, type Router } from './router';
import { fixed8 } from '../candles/synthetic';
import { DEFAULT_RATE_LIMITS, exchangeRateLimits } from './rate-limits';
import { klineRow } from './wire';

/**
 * Public market-data routes of /api/v3: ping, time, exchangeInfo (its symbols as they are now, and
 * the configured rate limits), klines, ticker/price.
 */
export function addMarketRoutes(
  router: Router,
  market: FakeMarket,
  clock: () => number = () => market.now(),
  rateLimits: readonly Record<string, unknown>[] = exchangeRateLimits(DEFAULT_RATE_LIMITS),
  klinesAfterServerTime: 'serve' | 'hide' = 'serve',
): void {
  router.add({ method: 'GET', path: '/api/v3/ping', weight: 1, handle: () => ({}) });

  router.add({ method: 'GET', path: '/api/v3/time', weight: 1, handle: () => ({ serverTime: clock() }) });

  router.add({
    method: 'GET',
    path: '/api/v3/exchangeInfo',
    weight: 20,
    handle: ({ params }) => {
      const one = params.get('symbol');
      const list = one ? [one] : optionalSymbolList(params, 'symbols');
      const infos = list ? list.map((s) => market.symbolInfo(s) ?? throwInvalidSymbol()) : market.symbolInfos();
      return {
        timezone: 'UTC',
        serverTime: clock(),
        rateLimits: rateLimits.map((l) => ({ ...l })),
        exchangeFilters: [],
        symbols: infos,
      };
    },
  });

  router.add({
    method: 'GET',
    path: '/api/v3/klines',
    weight: 2,
    handle: ({ params }) => {
      const symbol = required(params, 'symbol');
      const intervalText = required(params, 'interval');
      if (!market.hasSymbol(symbol)) throw errors.invalidSymbol();
      if (!(intervalText in KLINE_INTERVALS)) throw errors.invalidInterval();
      const limit = optionalInt(params, 'limit') ?? 500;
      if (limit < 1 || limit > 1000) throw errors.invalidParam('limit');
      const startTime = optionalInt(params, 'startTime');
      const asked = optionalInt(params, 'endTime');
      // 'hide': candles that open after the server's clock (a market played faster than real time)
      // are not served yet, as no exchange can serve candles from its future.
      const endTime = klinesAfterServerTime === 'hide' ? Math.min(asked ?? clock(), clock()) : asked;
      return market.klines(symbol, intervalText as KlineInterval, { startTime, endTime, limit }).map(klineRow);
    },
  });

  router.add({
    method: 'GET',
    path: '/api/v3/ticker/price',
    weight: ({ params }) => (params.get('symbol') ? 2 : 4),
    handle: ({ params }) => {
      const one = params.get('symbol');
      if (one) return priceOf(market, one);
      const list = optionalSymbolList(params, 'symbols') ?? market.symbolInfos().map((s) => s.symbol);
      return list.map((s) => priceOf(market, s));
    },
  });
}

function priceOf(market: FakeMarket, symbol: string): { symbol: string; price: string } {
  if (!market.hasSymbol(symbol)) throw errors.invalidSymbol();
  const price = market.lastPrice(symbol);
  return { symbol, price: fixed8(price ?? 0) };
}

function throwInvalidSymbol(): never {
  throw errors.invalidSymbol();
}
