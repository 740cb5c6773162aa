import { Decimal, minDec, ZERO } from '../../electron/core/money/decimal';
import { takerPrice as sharedTakerPrice } from '../../electron/adapters/paper/market-fills';
import { floorToStep } from '../../electron/core/money/symbol-rules';
import type { MarketSplit } from './faults';
import { marketStep, type SymbolSpec } from './filters';
import type { Side } from './orders';

/**
 * How a MARKET order fills in the fake: at the last price moved by half the spread and the
 * slippage against the taker, in one trade, or in several (faults.splitNextMarket) each some ticks
 * worse than the one before, as an order walking up (buy) or down (sell) a book.
 */

export interface PlannedFill {
  qty: Decimal;
  price: Decimal;
}

/** The price a MARKET order (or a triggered STOP_LOSS) trades at when the last price is `last`. */
export function takerPrice(spec: SymbolSpec, last: Decimal, side: Side, spread: number, slippage: number): Decimal {
  return sharedTakerPrice(last, side, new Decimal(spread).div(2).add(slippage), spec.rules.tickSize);
}

/**
 * The trades of a MARKET order starting at `first`: by quote amount (each piece spends an equal part
 * of it, the quantity floored to the market step) or by quantity (equal parts floored to the step,
 * the last piece taking the rest). Pieces that come out empty are left out.
 */
export function planMarketFills(
  spec: SymbolSpec,
  side: Side,
  first: Decimal,
  amount: { quantity: Decimal } | { quoteOrderQty: Decimal },
  split: MarketSplit | undefined,
): PlannedFill[] {
  const pieces = split?.pieces ?? 1;
  const tick = spec.rules.tickSize.isZero() ? new Decimal('0.00000001') : spec.rules.tickSize;
  const priceAt = (i: number): Decimal => {
    const moved = tick.mul(i * (split?.ticksApart ?? 0));
    const p = side === 'BUY' ? first.add(moved) : first.sub(moved);
    return p.gt(0) ? p : tick;
  };
  const step = marketStep(spec);
  const plan: PlannedFill[] = [];
  if ('quoteOrderQty' in amount) {
    const part = amount.quoteOrderQty.div(pieces);
    for (let i = 0; i < pieces; i++) {
      const price = priceAt(i);
      plan.push({ price, qty: floorToStep(part.div(price), step) });
    }
  } else {
    const part = floorToStep(amount.quantity.div(pieces), step);
    let left = amount.quantity;
    for (let i = 0; i < pieces; i++) {
      const qty = i === pieces - 1 ? left : minDec(part, left);
      left = left.sub(qty);
      plan.push({ price: priceAt(i), qty });
    }
  }
  return plan.filter((f) => f.qty.gt(0));
}

export function totalQty(plan: readonly PlannedFill[]): Decimal {
  return plan.reduce((sum, f) => sum.add(f.qty), ZERO);
}

export function totalCost(plan: readonly PlannedFill[]): Decimal {
  return plan.reduce((sum, f) => sum.add(f.qty.mul(f.price)), ZERO);
}

/** The first trades of a plan up to `target` in quantity (the last one cut to fit). */
export function cutPlan(plan: readonly PlannedFill[], target: Decimal): PlannedFill[] {
  const out: PlannedFill[] = [];
  let left = target;
  for (const f of plan) {
    if (left.lte(0)) break;
    const qty = minDec(f.qty, left);
    out.push({ qty, price: f.price });
    left = left.sub(qty);
  }
  return out;
}
