import { Decimal, ZERO } from './decimal';

/**
 * What an exchange allows for one symbol: Binance's exchangeInfo filters, parsed into decimals.
 * A zero bound means "no bound", as in Binance's filters.
 */
export interface SymbolRules {
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
  status: string;
  /** Decimals of the quote asset (Binance quoteAssetPrecision); reservations are floored to it. */
  quotePrecision: number;
  /** Decimals of the base asset (Binance baseAssetPrecision). */
  basePrecision: number;
  tickSize: Decimal;
  minPrice: Decimal;
  maxPrice: Decimal;
  stepSize: Decimal;
  minQty: Decimal;
  maxQty: Decimal;
  marketStepSize: Decimal;
  marketMinQty: Decimal;
  marketMaxQty: Decimal;
  minNotional: Decimal;
  maxNotional: Decimal;
  applyMinToMarket: boolean;
  ocoAllowed: boolean;
  /** MARKET orders by quote amount (quoteOrderQty), how every entry buys. */
  quoteOrderQtyMarketAllowed: boolean;
  /** Order types the symbol accepts (exchangeInfo orderTypes); empty when unknown (then not checked). */
  orderTypes: readonly string[];
}

/**
 * Why no new position may be opened on this symbol now, or undefined when one may: it must be
 * TRADING, take OCOs and market orders by quote amount (and the order types an entry and its OCO use).
 */
export function entryBlocked(rules: SymbolRules, stopType: 'STOP_LOSS_LIMIT' | 'STOP_LOSS'): string | undefined {
  if (rules.status !== 'TRADING') return `${rules.symbol} is ${rules.status} on the exchange, not TRADING`;
  if (!rules.ocoAllowed) return `${rules.symbol} does not accept OCO orders now (ocoAllowed is false)`;
  if (!rules.quoteOrderQtyMarketAllowed)
    return `${rules.symbol} does not accept market orders by quote amount now (quoteOrderQtyMarketAllowed is false)`;
  const missing = ['MARKET', 'LIMIT_MAKER', stopType].filter(
    (t) => rules.orderTypes.length > 0 && !rules.orderTypes.includes(t),
  );
  if (missing.length > 0) return `${rules.symbol} does not accept ${missing.join(', ')} orders now`;
  return undefined;
}

/** Truncates a quantity down to a multiple of the step (a zero step leaves it as is). */
export function floorToStep(qty: Decimal, step: Decimal): Decimal {
  if (step.isZero()) return qty;
  return qty.div(step).floor().mul(step);
}

export type TickRounding = 'up' | 'down' | 'nearest';

/** Rounds a price to a multiple of the tick size. */
export function roundToTick(price: Decimal, tick: Decimal, mode: TickRounding): Decimal {
  if (tick.isZero()) return price;
  const n = price.div(tick);
  const whole = mode === 'up' ? n.ceil() : mode === 'down' ? n.floor() : n.toDecimalPlaces(0, Decimal.ROUND_HALF_UP);
  return whole.mul(tick);
}

/** Floors an amount to a number of decimals (reservations to the quote precision). */
export function floorToDecimals(amount: Decimal, decimals: number): Decimal {
  return amount.toDecimalPlaces(decimals, Decimal.ROUND_DOWN);
}

/** Describes why a quantity breaks LOT_SIZE (or MARKET_LOT_SIZE when market is true), or undefined. */
export function lotProblem(qty: Decimal, rules: SymbolRules, market = false): string | undefined {
  const step = market && !rules.marketStepSize.isZero() ? rules.marketStepSize : rules.stepSize;
  const minQty = market && !rules.marketMinQty.isZero() ? rules.marketMinQty : rules.minQty;
  const maxQty = market && !rules.marketMaxQty.isZero() ? rules.marketMaxQty : rules.maxQty;
  if (qty.lte(ZERO)) return `quantity ${qty.toFixed()} is not positive`;
  if (!minQty.isZero() && qty.lt(minQty))
    return `quantity ${qty.toFixed()} is below the minimum ${minQty.toFixed()} ${rules.baseAsset}`;
  if (!maxQty.isZero() && qty.gt(maxQty))
    return `quantity ${qty.toFixed()} is above the maximum ${maxQty.toFixed()} ${rules.baseAsset}`;
  if (!step.isZero() && !qty.mod(step).isZero())
    return `quantity ${qty.toFixed()} is not a multiple of the step ${step.toFixed()}`;
  return undefined;
}

/** Describes why a price breaks PRICE_FILTER, or undefined. */
export function priceProblem(price: Decimal, rules: SymbolRules): string | undefined {
  if (price.lte(ZERO)) return `price ${price.toFixed()} is not positive`;
  if (!rules.minPrice.isZero() && price.lt(rules.minPrice))
    return `price ${price.toFixed()} is below the minimum ${rules.minPrice.toFixed()}`;
  if (!rules.maxPrice.isZero() && price.gt(rules.maxPrice))
    return `price ${price.toFixed()} is above the maximum ${rules.maxPrice.toFixed()}`;
  if (!rules.tickSize.isZero() && !price.mod(rules.tickSize).isZero())
    return `price ${price.toFixed()} is not a multiple of the tick ${rules.tickSize.toFixed()}`;
  return undefined;
}

/** Describes why price x qty breaks NOTIONAL / MIN_NOTIONAL, or undefined. */
export function notionalProblem(price: Decimal, qty: Decimal, rules: SymbolRules): string | undefined {
  const notional = price.mul(qty);
  if (!rules.minNotional.isZero() && notional.lt(rules.minNotional)) {
    return `order value ${notional.toFixed()} ${rules.quoteAsset} is below the minimum ${rules.minNotional.toFixed()} ${rules.quoteAsset}`;
  }
  if (!rules.maxNotional.isZero() && notional.gt(rules.maxNotional)) {
    return `order value ${notional.toFixed()} ${rules.quoteAsset} is above the maximum ${rules.maxNotional.toFixed()} ${rules.quoteAsset}`;
  }
  return undefined;
}

/** Number of decimals a step or tick implies ("0.00001000" -> 5). */
export function decimalsOf(step: Decimal): number {
  return step.isZero() ? 8 : step.decimalPlaces();
}
