/**
 * The state the parts of a position's flows share (one object, given to each part), and FlowPart,
 * the base of every part: the context, the other parts (through Flows) and the small steps they
 * all take (the position now, scheduling work for tick(), telling a warning once, the retry budget).
 */
import type { Ledger } from '../ledger/ledger';
import type { ExitReason, Position } from '../ledger/records';
import type { Decimal } from '../money/decimal';
import type { Exchange } from '../ports/exchange';
import type { EngineEvent } from './engine-events';
import type { Due, FlowContext, Flows, ProtectionState } from './flow-context';
import type { LookUpContext } from './look-ups';

/** What the parts of the flows keep between calls, shared by all of them. */
export class FlowState {
  readonly due = new Map<string, Due[]>();
  readonly protection = new Map<string, ProtectionState>();
  /** Warnings already said, so a repeating condition is told once (until it clears). */
  readonly told = new Set<string>();
  /**
   * Client ids of sells that may have reached the exchange (sent by this process, or pending in the
   * ledger at start): before a next attempt, such an id is looked up, never assumed unsent.
   */
  readonly maybeSent = new Set<string>();
  /** Symbols whose exit is running: protection it puts back never starts another exit (deferred instead). */
  readonly exiting = new Set<string>();
  /** Why an order of ours expired, when the exchange said (OCO_TRIGGER: its sibling leg activated). */
  readonly expiry = new Map<string, string>();
  readonly lookups: LookUpContext;

  constructor(readonly x: FlowContext) {
    this.lookups = { exchange: x.exchange, timings: x.timings, mailbox: x.mailbox, stopping: x.stopping };
    for (const p of x.ledger.openPositions())
      for (const o of x.ledger.workingOrders(p.id)) if (o.state === 'pending') this.maybeSent.add(o.clientOrderId);
  }

  /** A position closed: what was kept about it and its orders goes (so nothing grows for the life of the process). */
  forget(p: Position, clientOrderIds: readonly string[]): void {
    for (const id of clientOrderIds) {
      this.maybeSent.delete(id);
      this.expiry.delete(id);
    }
    this.told.delete(`locked:${p.symbol}`);
    this.told.delete(`closed:${p.id}`);
    this.told.delete(`exit-closed:${p.id}`);
  }
}

/** What each part of the flows is built on: the shared state, the context, the other parts, the common steps. */
export abstract class FlowPart {
  constructor(
    protected readonly s: FlowState,
    protected readonly f: Flows,
  ) {}

  protected get x(): FlowContext {
    return this.s.x;
  }

  protected get ledger(): Ledger {
    return this.x.ledger;
  }

  protected get exchange(): Exchange {
    return this.x.exchange;
  }

  protected now(): number {
    return this.x.clock.now();
  }

  /** The position as the ledger holds it now, if it is still the same one. */
  protected current(p: Position): Position | undefined {
    const cur = this.ledger.position(p.symbol);
    return cur && cur.id === p.id ? cur : undefined;
  }

  protected ocoEnded(p: Position, state: 'rejected' | 'canceled' | 'expired', why: string): Position {
    return this.ledger.ocoEnded(p.id, state, why, this.now());
  }

  /** A price to value what is left: the last sell's, else the entry's. */
  protected lastFillPrice(p: Position): Decimal {
    return p.soldQty.gt(0) ? p.soldQuote.div(p.soldQty) : p.avgPrice;
  }

  protected tellOnce(key: string, e: EngineEvent): void {
    if (this.s.told.has(key)) return;
    this.s.told.add(key);
    this.x.tell(e);
  }

  protected schedule(symbol: string, kind: Due['kind'], inMs: number, reason?: ExitReason): void {
    const list = (this.s.due.get(symbol) ?? []).filter((d) => d.kind !== kind);
    list.push({ kind, at: this.now() + inMs, ...(reason ? { reason } : {}) });
    this.s.due.set(symbol, list);
  }

  protected cancelDue(symbol: string, kind: Due['kind']): void {
    const list = this.s.due.get(symbol);
    if (list)
      this.s.due.set(
        symbol,
        list.filter((d) => d.kind !== kind),
      );
  }

  /**
   * Whether a retry loop should give up now: the next wait would pass the retry budget, the schedule
   * has been gone through with nothing to wait (exchanges that answer at once), or the engine stops.
   */
  protected retriesSpent(slept: number, wait: number, attempt: number): boolean {
    const t = this.x.timings;
    if (this.x.stopping.aborted) return true;
    if (slept + wait > t.exitRetryBudgetMs) return true;
    return wait === 0 && attempt + 1 >= t.retryDelaysMs.length;
  }
}
