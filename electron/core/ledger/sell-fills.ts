import { type Decimal, ZERO } from '../money/decimal';
import type { SymbolRules } from '../money/symbol-rules';
import type { Fill } from '../ports/exchange';

/**
 * Values a commission in the quote asset. The ledger knows the traded pair (base at the fill price,
 * quote as is); for any other asset (BNB) it asks this, which answers from recent prices.
 */
export type OtherAssetValuer = (asset: string, amount: Decimal) => Decimal;

export const NO_VALUER: OtherAssetValuer = () => ZERO;

/** The key a fill is booked under: one order's trade id, so a report seen twice is booked once. */
export function fillKey(clientOrderId: string, f: Fill): string {
  // Binance trade ids are unique per symbol; an adapter without them falls back to the fill itself.
  const id = f.tradeId || `${f.price.toFixed()}@${f.qty.toFixed()}/${f.commission.toFixed()}`;
  return `${clientOrderId}\u0000${id}`;
}

/** What a sell's fills come to. */
export interface SellFillsValue {
  /** Base sold. */
  qty: Decimal;
  /** Quote before commission (qty x price, fill by fill). */
  gross: Decimal;
  /** Quote the balance receives: gross minus commission paid in the quote asset. */
  credited: Decimal;
  /** Every commission, valued in quote at the fill. */
  feeQuote: Decimal;
  /** The part of it paid in an asset that is neither base nor quote (the quote balance does not pay it). */
  otherFee: Decimal;
}

export function valueSellFills(
  fills: readonly Fill[],
  rules: Pick<SymbolRules, 'baseAsset' | 'quoteAsset'>,
  valueOther: OtherAssetValuer,
): SellFillsValue {
  let qty = ZERO;
  let gross = ZERO;
  let quoteFee = ZERO;
  let feeQuote = ZERO;
  let otherFee = ZERO;
  for (const f of fills) {
    qty = qty.add(f.qty);
    gross = gross.add(f.qty.mul(f.price));
    if (f.commissionAsset === rules.quoteAsset) {
      quoteFee = quoteFee.add(f.commission);
      feeQuote = feeQuote.add(f.commission);
    } else if (f.commissionAsset === rules.baseAsset) {
      feeQuote = feeQuote.add(f.commission.mul(f.price));
    } else if (!f.commission.isZero()) {
      const v = valueOther(f.commissionAsset, f.commission);
      feeQuote = feeQuote.add(v);
      otherFee = otherFee.add(v);
    }
  }
  return { qty, gross, credited: gross.sub(quoteFee), feeQuote, otherFee };
}
