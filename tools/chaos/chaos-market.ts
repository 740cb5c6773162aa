import { mulberry32 } from '../fake-binance/prng';
import type { ParameterSetInput } from '../../shared/params/schema';

/**
 * The symbols and parameter sets of a chaos run: the exchange's built-in pairs first, then made-up
 * ones (rules derived from a price of 100), and busy sets (low z-score thresholds, take-profits and
 * stops a few tenths of a percent away) so that a few minutes of market hold many entries and exits.
 */

const KNOWN = ['BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'SOLUSDT', 'XRPUSDT', 'ADAUSDT', 'DOGEUSDT', 'LTCUSDT'];

export function chaosSymbols(n: number): string[] {
  const out = KNOWN.slice(0, n);
  for (let i = 0; out.length < n; i++)
    out.push(`X${String.fromCharCode(65 + Math.floor(i / 26))}${String.fromCharCode(65 + (i % 26))}USDT`);
  return out;
}

export function chaosParameterSets(symbols: readonly string[], seed: number): ParameterSetInput[] {
  const random = mulberry32(seed ^ 0x5eed);
  const share = Math.floor(990 / symbols.length) / 10; // the sets sum to at most 99 %
  const between = (lo: number, hi: number) => Math.round((lo + (hi - lo) * random()) * 100) / 100;
  return symbols.map((symbol) => ({
    symbol,
    allocationPercent: share,
    zScoreThreshold: between(0.7, 1.2),
    profitPercent: between(0.3, 0.9),
    stopLossPercent: between(0.3, 0.9),
    interval: '1m',
    lookback: 10,
    ...(random() < 0.25 ? { stopOrderType: 'market' as const } : {}),
  }));
}
