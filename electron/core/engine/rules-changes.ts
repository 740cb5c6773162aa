import type { SymbolRules } from '../money/symbol-rules';

const FILTERS: ReadonlyArray<[keyof SymbolRules, string]> = [
  ['tickSize', 'tick size'],
  ['stepSize', 'lot step'],
  ['minQty', 'minimum quantity'],
  ['minNotional', 'minimum order value'],
  ['minPrice', 'minimum price'],
  ['maxPrice', 'maximum price'],
];

/** What changed between two readings of a symbol's rules, in a trader's words (empty when nothing did). */
export function rulesChanges(before: SymbolRules, after: SymbolRules): string[] {
  const out: string[] = [];
  const s = after.symbol;
  if (before.status !== after.status)
    out.push(`${s} status changed on the exchange: ${before.status} -> ${after.status}`);
  if (before.ocoAllowed !== after.ocoAllowed)
    out.push(`${s}: OCO orders are ${after.ocoAllowed ? 'allowed again' : 'no longer allowed'} on the exchange`);
  if (before.quoteOrderQtyMarketAllowed !== after.quoteOrderQtyMarketAllowed)
    out.push(
      `${s}: market orders by quote amount are ${after.quoteOrderQtyMarketAllowed ? 'allowed again' : 'no longer allowed'} on the exchange`,
    );
  for (const [field, words] of FILTERS) {
    const a = before[field];
    const b = after[field];
    if (typeof a === 'object' && typeof b === 'object' && 'eq' in a && 'eq' in b && !a.eq(b))
      out.push(`${s}: the ${words} changed on the exchange: ${a.toFixed()} -> ${b.toFixed()} (new orders use it)`);
  }
  return out;
}
