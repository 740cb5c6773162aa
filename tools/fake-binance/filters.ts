import { Decimal } from '../../electron/core/money/decimal';
import type { SymbolRules } from '../../electron/core/money/symbol-rules';
import {
  parseSymbolRules,
  type RawFilter,
  type RawSymbolInfo,
} from '../../electron/adapters/binance/symbol-rules-from-exchange-info';
import { BinanceError, errors } from './router';

/**
 * The exchangeInfo filters the fake enforces on orders, read from the very symbol entries it
 * serves: PRICE_FILTER (prices and stop prices), LOT_SIZE, MARKET_LOT_SIZE, and NOTIONAL (or the
 * legacy MIN_NOTIONAL). A failure is `-1013 Filter failure: NAME`, as on Binance.
 */

export interface SymbolSpec {
  info: RawSymbolInfo;
  rules: SymbolRules;
  /** Which notional filter the symbol carries (its name goes into the error). */
  notionalFilter: 'NOTIONAL' | 'MIN_NOTIONAL' | undefined;
  applyMaxToMarket: boolean;
  /** exchangeInfo `status` (TRADING unless stated). */
  status: string;
  /** exchangeInfo `quoteOrderQtyMarketAllowed` (absent: allowed). */
  quoteOrderQtyMarketAllowed: boolean;
  /** exchangeInfo `orderTypes` (absent: every type). */
  orderTypes: readonly string[] | undefined;
  /** STP mode of orders that name none (exchangeInfo defaultSelfTradePreventionMode; absent: NONE). */
  defaultStpMode: string;
  /** STP modes an order may name (absent: every mode). */
  allowedStpModes: readonly string[] | undefined;
}

export function symbolSpec(info: RawSymbolInfo): SymbolSpec {
  const filters = (info.filters ?? []) as RawFilter[];
  const notional = filters.find((f) => f.filterType === 'NOTIONAL');
  const legacy = filters.find((f) => f.filterType === 'MIN_NOTIONAL');
  const strings = (v: unknown): string[] | undefined =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
  return {
    info,
    rules: parseSymbolRules(info),
    notionalFilter: notional ? 'NOTIONAL' : legacy ? 'MIN_NOTIONAL' : undefined,
    applyMaxToMarket: notional?.applyMaxToMarket === true,
    status: typeof info.status === 'string' ? info.status : 'TRADING',
    quoteOrderQtyMarketAllowed: info.quoteOrderQtyMarketAllowed !== false,
    orderTypes: strings(info.orderTypes),
    defaultStpMode:
      typeof info.defaultSelfTradePreventionMode === 'string' ? info.defaultSelfTradePreventionMode : 'NONE',
    allowedStpModes: strings(info.allowedSelfTradePreventionModes),
  };
}

export function filterFailure(name: string): BinanceError {
  return new BinanceError(400, -1013, `Filter failure: ${name}`);
}

const DECIMAL_RANGE = '^([0-9]{1,20})(\\.[0-9]{1,20})?$';
const DECIMAL_RE = /^([0-9]{1,20})(\.[0-9]{1,20})?$/;

/** A DECIMAL parameter as Binance reads it: plain digits, no sign or exponent ("1e-7" is refused). */
export function decimalParam(params: URLSearchParams, name: string): Decimal | undefined {
  const v = params.get(name);
  if (v === null || v === '') return undefined;
  if (!DECIMAL_RE.test(v)) throw errors.illegalChars(name, DECIMAL_RANGE);
  return new Decimal(v);
}

export function requiredDecimal(params: URLSearchParams, name: string): Decimal {
  const d = decimalParam(params, name);
  if (d === undefined) throw errors.mandatory(name);
  return d;
}

/** PRICE_FILTER: within [minPrice, maxPrice] and `price % tickSize == 0` (filters.md); zero disables a bound. */
export function checkPrice(spec: SymbolSpec, price: Decimal): void {
  const r = spec.rules;
  if (price.lte(0)) throw filterFailure('PRICE_FILTER');
  if (!r.minPrice.isZero() && price.lt(r.minPrice)) throw filterFailure('PRICE_FILTER');
  if (!r.maxPrice.isZero() && price.gt(r.maxPrice)) throw filterFailure('PRICE_FILTER');
  if (!r.tickSize.isZero() && !price.mod(r.tickSize).isZero()) throw filterFailure('PRICE_FILTER');
}

/** LOT_SIZE, and MARKET_LOT_SIZE as well for market orders. */
export function checkQuantity(spec: SymbolSpec, qty: Decimal, market: boolean): void {
  const r = spec.rules;
  if (!lotOk(qty, r.minQty, r.maxQty, r.stepSize)) throw filterFailure('LOT_SIZE');
  if (market && !lotOk(qty, r.marketMinQty, r.marketMaxQty, r.marketStepSize)) throw filterFailure('MARKET_LOT_SIZE');
}

function lotOk(qty: Decimal, min: Decimal, max: Decimal, step: Decimal): boolean {
  if (qty.lte(0)) return false;
  if (!min.isZero() && qty.lt(min)) return false;
  if (!max.isZero() && qty.gt(max)) return false;
  // filters.md: `quantity % stepSize == 0` (not measured from minQty).
  return step.isZero() || qty.mod(step).isZero();
}

/** NOTIONAL / MIN_NOTIONAL on price x quantity (for market orders only where the filter applies to them). */
export function checkNotional(spec: SymbolSpec, notional: Decimal, market: boolean): void {
  const r = spec.rules;
  const name = spec.notionalFilter;
  if (!name) return;
  if ((!market || r.applyMinToMarket) && !r.minNotional.isZero() && notional.lt(r.minNotional))
    throw filterFailure(name);
  if ((!market || spec.applyMaxToMarket) && !r.maxNotional.isZero() && notional.gt(r.maxNotional))
    throw filterFailure(name);
}

/** The step a market order's quantity is floored to (MARKET_LOT_SIZE when set, else LOT_SIZE). */
export function marketStep(spec: SymbolSpec): Decimal {
  const r = spec.rules;
  return r.marketStepSize.isZero() ? r.stepSize : r.marketStepSize;
}
