import type { ParameterSet } from '../../../shared/params/schema';
import type { Decimal } from '../money/decimal';
import type { SymbolRules } from '../money/symbol-rules';

/**
 * Why a reservation of this size could not become a protected position, or undefined. The smallest
 * OCO leg is the stop-limit: what we hold after fees, valued at the stop-limit price.
 */
export function entryTooSmall(
  amount: Decimal,
  set: ParameterSet,
  rules: SymbolRules,
  quoteAsset: string,
): string | undefined {
  if (rules.minNotional.isZero()) return undefined;
  const offset = set.stopOrderType === 'market' ? 0 : set.stopLimitOffsetPercent;
  const worstLeg = amount
    .mul(1 - set.stopLossPercent / 100)
    .mul(1 - offset / 100)
    .mul(0.99);
  if (worstLeg.lt(rules.minNotional)) {
    return `${amount.toFixed()} ${quoteAsset} is too small: the stop-loss leg would be worth about ${worstLeg.toFixed(2)}, below ${rules.symbol}'s minimum order of ${rules.minNotional.toFixed()} ${quoteAsset}`;
  }
  return undefined;
}
