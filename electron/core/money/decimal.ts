import DecimalJs from 'decimal.js';

/**
 * The decimal type for every amount that reaches an exchange. A private clone so that no other
 * library's global Decimal configuration can change our rounding. 40 significant digits is far
 * beyond any Binance amount (at most 8 decimals and 20 integer digits).
 */
export const Decimal = DecimalJs.clone({
  precision: 40,
  rounding: DecimalJs.ROUND_HALF_UP,
  toExpNeg: -30,
  toExpPos: 40,
});
export type Decimal = InstanceType<typeof Decimal>;

export const ZERO = new Decimal(0);

/** A plain decimal string (never exponent notation), as Binance expects on the wire. */
export function toWire(d: Decimal): string {
  return d.toFixed();
}

export function maxDec(a: Decimal, b: Decimal): Decimal {
  return a.gte(b) ? a : b;
}

export function minDec(a: Decimal, b: Decimal): Decimal {
  return a.lte(b) ? a : b;
}
