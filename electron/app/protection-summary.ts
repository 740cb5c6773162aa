import type { Position } from '../core/ledger/records';

/**
 * What a stop line says of the open positions: "protected by their OCOs" only when each is, and
 * otherwise which are not and what they are doing.
 */
export function protectionSummary(open: readonly Position[]): string {
  if (open.length === 0) return 'No open positions.';
  const unprotected = open.filter((p) => p.status !== 'protected');
  if (unprotected.length === 0) return `${open.length} open position(s) stay protected by their OCOs.`;
  return (
    `${open.length} open position(s): ${open.length - unprotected.length} protected by their OCOs, ` +
    `${unprotected.length} NOT protected (${unprotected.map((p) => `${p.symbol} ${p.status}`).join(', ')}).`
  );
}
