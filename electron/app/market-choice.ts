import { BinancePublicFeed } from '../adapters/binance/public-feed';
import { fetchSymbolRules } from '../adapters/binance/exchange-info-rules';
import { defaultRules, fallbackRules } from '../adapters/paper/default-rules';
import { ReplayFeed } from '../adapters/replay/replay-feed';
import type { SymbolRules } from '../core/money/symbol-rules';
import type { FeedHealth, MarketFeed } from '../core/ports/market-feed';
import type { KlineInterval } from '../../shared/market/intervals';

/** Where market data comes from. */
export type MarketChoice =
  { kind: 'binance'; restBaseUrl?: string; wsBaseUrl?: string } | { kind: 'replay'; dir: string };

export function createFeed(market: MarketChoice, onHealth?: (h: FeedHealth) => void): MarketFeed {
  return market.kind === 'replay'
    ? new ReplayFeed(market.dir)
    : new BinancePublicFeed({
        ...(market.restBaseUrl ? { restBaseUrl: market.restBaseUrl } : {}),
        ...(market.wsBaseUrl ? { wsBaseUrl: market.wsBaseUrl } : {}),
        ...(onHealth ? { onHealth } : {}),
      });
}

export interface RulesSourceOptions {
  market: MarketChoice;
  /** The feed, for replays: an unknown symbol's rules are derived from its first price. */
  feed?: MarketFeed;
  intervalOf?: (symbol: string) => KlineInterval | undefined;
  /** Every symbol that will be asked for (fetched from Binance in one request). */
  symbols?: readonly string[];
  /** Told when Binance's exchangeInfo cannot be had and the built-in rules are used instead. */
  onWarning?: (message: string) => void;
}

/**
 * Symbol filters for the paper exchange. Live market data: Binance's own exchangeInfo (public), or
 * the built-in copy of common pairs' filters when Binance cannot be reached. Replays: the built-in
 * rules, or rules derived from the symbol's first price for pairs we do not ship.
 */
export function createRulesSource(opts: RulesSourceOptions): (symbol: string) => Promise<SymbolRules> {
  const { market } = opts;
  if (market.kind === 'replay') {
    return async (symbol) => {
      const known = defaultRules(symbol);
      if (known) return known;
      const interval = opts.intervalOf?.(symbol);
      if (opts.feed instanceof ReplayFeed && interval) {
        const series = opts.feed.series({ symbol, interval });
        if (series.length > 0) return fallbackRules(symbol, series.candle(0).close);
      }
      throw new Error(
        `no symbol rules for ${symbol}: it is not one of the built-in pairs and no price is available to derive them`,
      );
    };
  }
  let fetched: Promise<Map<string, SymbolRules> | undefined> | undefined;
  return async (symbol) => {
    const wanted = new Set([...(opts.symbols ?? []), symbol]);
    fetched ??= fetchSymbolRules([...wanted], market.restBaseUrl ? { restBaseUrl: market.restBaseUrl } : {}).catch(
      (e: unknown) => {
        opts.onWarning?.(
          `Binance exchangeInfo is unreachable (${e instanceof Error ? e.message : String((e as { message?: string })?.message ?? e)}); using the built-in symbol filters`,
        );
        return undefined;
      },
    );
    const rules = (await fetched)?.get(symbol) ?? defaultRules(symbol);
    if (!rules)
      throw new Error(
        `no symbol rules for ${symbol}: Binance's exchangeInfo is unreachable and ${symbol} is not one of the built-in pairs`,
      );
    return rules;
  };
}
