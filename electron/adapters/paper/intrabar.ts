/**
 * The one intrabar rule of Tranche's two simulators, the paper exchange (paper-exchange.ts) and the
 * local Binance exchange (tools/fake-binance/matching.ts): how a candle is walked, and what each
 * price of the walk does to a resting order. docs/trading-rules.md ("Simulated fills") says the same.
 *
 * - A candle is the discrete trade prices open -> low -> high -> close (a price equal to the one
 *   before is left out). A candle that touches both legs of a sell OCO therefore reaches the stop
 *   first: the conservative reading for a long-only bot, which never overstates a backtest.
 * - A real-time trade is a path of one price.
 * - An order reacts to the first price of the path that reaches it:
 *   - a limit (the take-profit LIMIT_MAKER, a triggered stop-limit resting) fills at its own price
 *     when a price is at or above it (sell) / at or below it (buy);
 *   - a stop triggers at the first price at or below its stop price (sell) / at or above (buy), and
 *     at that very price a stop-market fills (less the slippage), a stop-limit whose limit that
 *     price reaches takes at that price (a marketable limit takes at the market), and a stop-limit
 *     whose limit it does not reach rests at its limit for later prices.
 *
 * Prices here are floats: trigger checks only. The fill amounts are decimals (market-fills.ts).
 */

export type Side = 'BUY' | 'SELL';

/** The prices a candle passes through, in the order the simulators walk them. */
export function intrabarPath(c: { open: number; high: number; low: number; close: number }): number[] {
  const path: number[] = [];
  for (const p of [c.open, c.low, c.high, c.close]) if (path[path.length - 1] !== p) path.push(p);
  return path;
}

/** Whether a price reaches a limit order: at or above it for a sell, at or below it for a buy. */
export function reachesLimit(side: Side, limit: number, price: number): boolean {
  return side === 'SELL' ? price >= limit : price <= limit;
}

/** Whether a price triggers a stop: at or below the stop price for a sell, at or above it for a buy. */
export function triggersStop(side: Side, stop: number, price: number): boolean {
  return side === 'SELL' ? price <= stop : price >= stop;
}

/**
 * What a stop does at the price that triggered it: 'market' (a stop-market: fills now at the price,
 * less the slippage), 'take' (a stop-limit whose limit the price reaches: fills now at the price),
 * 'rest' (a stop-limit whose limit the price does not reach: rests at its limit).
 */
export function onTrigger(side: Side, limit: number | undefined, price: number): 'market' | 'take' | 'rest' {
  if (limit === undefined || Number.isNaN(limit)) return 'market';
  return reachesLimit(side, limit, price) ? 'take' : 'rest';
}
