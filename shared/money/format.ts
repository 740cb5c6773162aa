import { USD_LIKE } from '../market/symbols';

/**
 * Formats an amount of a quote asset for a trader: "$1,000.00" style for dollar-like assets
 * (without thousands separators, as in the seed's console lines: "$1000.00"), otherwise
 * "0.01234567 BTC". Accepts a decimal string or anything with toFixed.
 */
export function formatMoney(amount: string | number | { toFixed(dp: number): string }, quoteAsset: string): string {
  const fixed = (dp: number) =>
    typeof amount === 'string'
      ? Number(amount).toFixed(dp)
      : typeof amount === 'number'
        ? amount.toFixed(dp)
        : amount.toFixed(dp);
  if (USD_LIKE.has(quoteAsset)) {
    const s = fixed(2);
    return s.startsWith('-') ? `-$${s.slice(1)}` : `$${s}`;
  }
  return `${fixed(8)} ${quoteAsset}`;
}

/** "+$12.34" / "-$5.00": a signed money amount for PnL lines. */
export function formatSignedMoney(amount: number, quoteAsset: string): string {
  const body = formatMoney(Math.abs(amount), quoteAsset);
  return amount < 0 ? `-${body}` : `+${body}`;
}

/** Percentages as a trader writes them: 33.3 -> "33.3%", 99.9 -> "99.9%", 1/3 -> "0.33%". */
export function formatPercent(p: number, maxDecimals = 2): string {
  return `${+p.toFixed(maxDecimals)}%`;
}
