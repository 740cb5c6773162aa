import type { Decimal } from '../money/decimal';
import { floorToStep, type SymbolRules } from '../money/symbol-rules';

/**
 * Whether a quantity is too small to sell: not positive, below the lot minimum, or (at `price`)
 * below the minimum order value. Only "too small" counts: a quantity above the maximum is sold in
 * parts, never taken as dust.
 */
export function tooSmallToSell(qty: Decimal, rules: SymbolRules, price: Decimal, market = false): boolean {
  const step = market && !rules.marketStepSize.isZero() ? rules.marketStepSize : rules.stepSize;
  const floored = floorToStep(qty, step);
  if (floored.lte(0)) return true;
  const minQty = market && !rules.marketMinQty.isZero() ? rules.marketMinQty : rules.minQty;
  if (!minQty.isZero() && floored.lt(minQty)) return true;
  if (price.gt(0) && (!market || rules.applyMinToMarket) && !rules.minNotional.isZero())
    return price.mul(floored).lt(rules.minNotional);
  return false;
}

/** The largest quantity one order may carry (LOT_SIZE, or MARKET_LOT_SIZE for market orders); undefined when unbounded. */
export function maxOrderQty(rules: SymbolRules, market: boolean): Decimal | undefined {
  const max = market && !rules.marketMaxQty.isZero() ? rules.marketMaxQty : rules.maxQty;
  return max.isZero() ? undefined : max;
}

/** The quantity of the next market sale: what is held, floored to the step, capped at the maximum per order. */
export function nextSaleQty(held: Decimal, rules: SymbolRules): Decimal {
  const step = rules.marketStepSize.isZero() ? rules.stepSize : rules.marketStepSize;
  const qty = floorToStep(held, step);
  const max = maxOrderQty(rules, true);
  return max && qty.gt(max) ? floorToStep(max, step) : qty;
}
