import type { Exchange, OcoReport, OrderReport, OrderStatus } from '../ports/exchange';
import type { ReportMailbox } from './report-mailbox';
import { backoff, type EngineTimings } from './timings';

/** Bounds a look-up below the unknown-outcome window; `spent` accumulates the time it waited. */
export interface LookUpLimit {
  maxWaitMs?: number;
  spent?: { ms: number };
  /** Only a final report ends the look-up (an entry is booked from its final report only). */
  finalOnly?: boolean;
}

const FINAL: ReadonlySet<OrderStatus> = new Set(['FILLED', 'CANCELED', 'REJECTED', 'EXPIRED', 'EXPIRED_IN_MATCH']);

export function isFinalStatus(status: OrderStatus): boolean {
  return FINAL.has(status);
}

export interface LookUpContext {
  exchange: Exchange;
  timings: EngineTimings;
  mailbox: ReportMailbox;
  stopping: AbortSignal;
}

/**
 * Looks an order up after a lost answer, with back-off, until it is known: its report; 'absent' when
 * the exchange, asked for the whole unknown-outcome window (or the limit given), never showed it;
 * undefined when the exchange could not be asked (or the engine stops): the outcome stays unknown.
 * A report of that client id arriving meanwhile (the user data stream) ends the wait at once.
 */
export function lookUpOrder(
  x: LookUpContext,
  symbol: string,
  clientOrderId: string,
  limit?: LookUpLimit,
): Promise<OrderReport | 'absent' | undefined> {
  const acceptable = (r: OrderReport) => !limit?.finalOnly || isFinalStatus(r.status);
  return lookUp(
    x,
    clientOrderId,
    async () => {
      const r = await x.exchange.getOrder(symbol, clientOrderId);
      // Not final yet (a market order still executing): keep looking, it is not absent.
      if (r && !acceptable(r)) throw new Error('not final yet');
      return r;
    },
    (late) => (late.clientOrderId === clientOrderId && acceptable(late) ? late : undefined),
    limit,
  );
}

/** The same for an order list: a report of one of its legs means the list exists (it is then read whole). */
export function lookUpOco(
  x: LookUpContext,
  symbol: string,
  listClientOrderId: string,
  limit?: LookUpLimit,
): Promise<OcoReport | 'absent' | undefined> {
  return lookUp(
    x,
    listClientOrderId,
    () => x.exchange.getOco(symbol, listClientOrderId),
    () => undefined,
    limit,
  );
}

async function lookUp<T>(
  x: LookUpContext,
  key: string,
  ask: () => Promise<T | undefined>,
  fromLate: (r: OrderReport) => T | undefined,
  limit?: LookUpLimit,
): Promise<T | 'absent' | undefined> {
  const { lookupDelaysMs } = x.timings;
  const windowMs = Math.min(x.timings.unknownOutcomeWindowMs, limit?.maxWaitMs ?? Infinity);
  let slept = 0;
  for (let n = 0; ; n++) {
    let absent = false;
    try {
      const found = await ask();
      if (found !== undefined) return found;
      absent = true;
    } catch {
      absent = false;
    }
    // Done once the window has passed (an exchange that answers at once: once through the schedule).
    if (slept >= windowMs && (windowMs > 0 || n + 1 >= (limit?.maxWaitMs !== undefined ? 1 : lookupDelaysMs.length)))
      return absent ? 'absent' : undefined;
    if (x.stopping.aborted) return undefined;
    const wait = Math.min(backoff(lookupDelaysMs, n), Math.max(0, windowMs - slept));
    const late = await x.mailbox.wait(key, wait, x.stopping);
    slept += wait;
    if (limit?.spent) limit.spent.ms += wait;
    const known = late && fromLate(late);
    if (known !== undefined) return known;
  }
}

/** One look-up, its failure taken as "not known" (for reads that a later check repeats anyway). */
export async function lookUpQuiet(
  exchange: Exchange,
  symbol: string,
  clientOrderId: string,
): Promise<OrderReport | undefined> {
  try {
    return await exchange.getOrder(symbol, clientOrderId);
  } catch {
    return undefined;
  }
}
