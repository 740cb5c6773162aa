import { Decimal } from '../../core/money/decimal';
import { floorToStep, roundToTick } from '../../core/money/symbol-rules';
import type { Side } from './intrabar';

/**
 * The amounts of a simulated fill, shared by the paper exchange (paper-exchange.ts) and the local
 * Binance exchange (tools/fake-binance), so that one price path gives both the same trades to the
 * last decimal. docs/trading-rules.md ("Simulated fills") says the same.
 *
 * - A taker (a market order, a triggered stop-market) trades at the reference price moved against
 *   it by `away` (the paper exchange's slippage; the local exchange's half spread plus slippage),
 *   rounded to the tick away from it: up for a buy, down for a sell.
 * - A market buy by quote amount buys the amount divided by that price, floored to the market lot
 *   step.
 * - A marketable limit (a triggered stop-limit whose limit the trigger price reaches) takes at that
 *   price, on the tick.
 * - A fill's quote amount is quantity x price to 8 decimals (Binance's quote precision).
 * - Commission is a fraction of what the fill brings in (the base asset on a buy, the quote on a
 *   sell, as Binance without BNB), rounded up to 8 decimals.
 */

const AMOUNT_DECIMALS = 8;

/** Basis points as a fraction (5 -> 0.0005), exactly. */
export function bpsFraction(bps: number): Decimal {
  return new Decimal(bps).div(10_000);
}

/** The price a taker on `side` trades at when the reference price is `ref`. */
export function takerPrice(ref: Decimal, side: Side, away: Decimal, tick: Decimal): Decimal {
  return side === 'BUY'
    ? roundToTick(ref.mul(away.add(1)), tick, 'up')
    : roundToTick(ref.mul(new Decimal(1).sub(away)), tick, 'down');
}

/**
 * A trade price of the path as the price a marketable limit order takes at (a triggered stop-limit
 * whose limit the price reaches): on the tick, rounded against the taker (a price on the tick, as
 * Binance's always are, is itself).
 */
export function tradePrice(price: number, side: Side, tick: Decimal): Decimal {
  return roundToTick(new Decimal(price), tick, side === 'BUY' ? 'up' : 'down');
}

/** The quantity a market buy of `quote` gets at `price`, floored to the market lot step. */
export function quantityForQuote(quote: Decimal, price: Decimal, step: Decimal): Decimal {
  return floorToStep(quote.div(price), step);
}

/** What a fill of `qty` at `price` is worth in the quote asset. */
export function quoteOf(qty: Decimal, price: Decimal): Decimal {
  return qty.mul(price).toDecimalPlaces(AMOUNT_DECIMALS);
}

/** The commission on a fill that brings in `received` (base on a buy, quote on a sell). */
export function commissionOf(received: Decimal, rate: Decimal): Decimal {
  return received.mul(rate).toDecimalPlaces(AMOUNT_DECIMALS, Decimal.ROUND_UP);
}
