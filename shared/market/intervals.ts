/** Binance kline intervals and their length in milliseconds (1M is a calendar month; we use 31 days as an upper bound). */
export const KLINE_INTERVALS = {
  '1s': 1_000,
  '1m': 60_000,
  '3m': 180_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '2h': 7_200_000,
  '4h': 14_400_000,
  '6h': 21_600_000,
  '8h': 28_800_000,
  '12h': 43_200_000,
  '1d': 86_400_000,
  '3d': 259_200_000,
  '1w': 604_800_000,
  '1M': 2_678_400_000,
} as const;

export type KlineInterval = keyof typeof KLINE_INTERVALS;

export const KLINE_INTERVAL_NAMES = Object.keys(KLINE_INTERVALS) as KlineInterval[];

export function intervalMs(interval: KlineInterval): number {
  return KLINE_INTERVALS[interval];
}
