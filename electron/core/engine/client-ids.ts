/**
 * Our client order ids: `<prefix><ledgerId>-<positionId><kind><attempt>`, at most 36 characters of
 * [A-Za-z0-9-_] as Binance requires. They are deterministic, so an order whose outcome is unknown
 * (timeout, HTTP 5xx, a crash) can always be looked up before anything is sent again, and the
 * ledger id keeps two ledgers on one account from ever colliding.
 */
export function entryId(prefix: string, ledgerId: string, positionId: number): string {
  return check(`${prefix}${ledgerId}-${positionId}b`);
}

/** The market sell of an exit; a second or third attempt (what a thin book left) gets its number. */
export function exitId(prefix: string, ledgerId: string, positionId: number, attempt = 1): string {
  return check(`${prefix}${ledgerId}-${positionId}x${attempt > 1 ? attempt : ''}`);
}

export function ocoIds(prefix: string, ledgerId: string, positionId: number, attempt: number) {
  const base = `${prefix}${ledgerId}-${positionId}`;
  return {
    list: check(`${base}o${attempt}`),
    takeProfit: check(`${base}t${attempt}`),
    stopLoss: check(`${base}s${attempt}`),
  };
}

function check(id: string): string {
  if (id.length > 36 || !/^[A-Za-z0-9_-]+$/.test(id))
    throw new Error(`client order id ${id} breaks Binance's rule (1-36 of A-Z a-z 0-9 - _)`);
  return id;
}
