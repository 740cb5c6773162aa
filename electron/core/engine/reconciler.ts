import type { Ledger } from '../ledger/ledger';
import { NOT_FOUND_AFTER } from '../ledger/order-states';
import type { Position } from '../ledger/records';
import type { Exchange, OcoReport } from '../ports/exchange';
import { describe } from './describe';
import type { EngineEvent } from './engine-events';
import type { PositionFlows } from './position-flows';
import type { SymbolLocks } from './symbol-locks';

export interface ReconcilerContext {
  ledger: Ledger;
  exchange: Exchange;
  flows: PositionFlows;
  locks: SymbolLocks;
  now(): number;
  tell(e: EngineEvent): void;
  loadRules(symbol: string): Promise<void>;
}

/**
 * Reconciliation: every position the ledger still holds is compared with what the exchange says,
 * and mended through the same flows the engine trades with:
 *  - an entry whose outcome was unknown is looked up by client order id (with back-off, in the
 *    background: its reservation stays until it is known): filled meanwhile -> booked and protected;
 *    never on the exchange -> funds released;
 *  - a bought position without a confirmed OCO: the OCO is looked up, else placed;
 *  - a protected position: its OCO's legs are read and booked (fills while we were down close it or
 *    shrink it); an OCO that is gone is replaced, or the position closed if its coins are gone;
 *  - an exit in progress (reversal, emergency) -> finished;
 *  - a reservation with no position behind it -> released.
 * Every correction is an event in the ledger and a line of the returned report. At start it runs
 * before any new entry; live sessions run it again every minute.
 */
export class Reconciler {
  private readonly lines: string[] = [];

  constructor(private readonly x: ReconcilerContext) {}

  async run(opts: { quietWhenClean?: boolean } = {}): Promise<string[]> {
    const ledger = this.x.ledger;
    // Every symbol at once, each under its own lock: one position waiting on a held answer or a
    // look-up must not keep the others (and the start) waiting. Lines are reported in ledger order.
    const positions = ledger.openPositions();
    const start = this.lines.length;
    const bySymbol = new Map<string, string[]>();
    this.sink = (symbol, line) => {
      const list = bySymbol.get(symbol);
      if (list) list.push(line);
      else bySymbol.set(symbol, [line]);
    };
    try {
      await Promise.all(
        positions.map(async (p) => {
          try {
            await this.x.loadRules(p.symbol);
            await this.x.locks.run(p.symbol, () => this.positionLocked(p));
          } catch (e) {
            this.say(
              p.symbol,
              `could not reconcile position #${p.id}: ${describe(e)}; it is left as it was and checked again at the next check`,
            );
          }
        }),
      );
    } finally {
      this.sink = undefined;
      const ordered = [...new Set(positions.map((p) => p.symbol))].flatMap((s) => bySymbol.get(s) ?? []);
      this.lines.splice(start, 0, ...ordered);
    }
    for (const r of ledger.allReservations()) {
      const p = ledger.position(r.symbol);
      if (!p || p.id !== r.positionId) {
        const amount = ledger.releaseOrphan(r.symbol, 'no position stands behind it', this.x.now());
        this.say(r.symbol, `released a reservation of ${amount.toFixed()} with no position behind it`);
        this.x.flows.tellReleased(r.symbol, amount, 'orphan');
      }
    }
    this.x.flows.followClosedSales();
    if (this.lines.length === 0 && !opts.quietWhenClean)
      this.lines.push('ledger and exchange agree: nothing to reconcile');
    return this.lines;
  }

  /** One position, under its symbol's lock (also used by the flows for a deferred re-check). */
  async positionLocked(position: Position): Promise<void> {
    const p = this.current(position);
    if (!p) return;
    switch (p.status) {
      case 'opening':
        return this.opening(p);
      case 'open':
        return this.unprotected(p);
      case 'protected':
        return this.protectedPosition(p);
      case 'exiting':
        return this.exiting(p);
      case 'closed':
        return;
    }
  }

  private async opening(p: Position): Promise<void> {
    const report = await this.x.exchange.getOrder(p.symbol, p.entryClientOrderId);
    if (!report) {
      // Absent now: it may never have left (a crash between recording and sending) or its answer
      // was lost and it executes late. Looked up in the background; the reservation stays meanwhile.
      this.say(
        p.symbol,
        `entry order ${p.entryClientOrderId} is not on the exchange (yet): it is looked up until known, its reservation kept`,
      );
      this.x.flows.resolveEntrySoon(p, 'not found at the check');
      return;
    }
    if (report.executedQty.isZero() && (report.status === 'NEW' || report.status === 'PARTIALLY_FILLED')) {
      this.say(p.symbol, `entry order ${p.entryClientOrderId} is still working on the exchange; it is followed`);
      return;
    }
    this.say(
      p.symbol,
      report.executedQty.isZero()
        ? `entry order ${p.entryClientOrderId} ended ${report.status} with nothing bought: reservation released`
        : `entry order ${p.entryClientOrderId} filled while we were down (${report.executedQty.toFixed()} for ${report.cumQuote.toFixed()}): booked and protected`,
    );
    await this.x.flows.bookEntryLocked(p, report);
  }

  /** Bought, no confirmed OCO: an OCO sent before the restart is looked up first, else one is placed. */
  private async unprotected(p: Position): Promise<void> {
    const pending = this.x.ledger
      .workingOrders(p.id)
      .filter((o) => o.purpose === 'take-profit' || o.purpose === 'stop-loss');
    const listId = pending[0]?.listClientOrderId ?? p.ocoListClientOrderId;
    if (listId && pending.length > 0) {
      // Looked up on the schedule, not once: an OCO whose answer was lost may show late, and placing
      // another at once would be refused for the coins the first one holds.
      const found = this.unreachable(p.symbol, 'OCO', await this.x.flows.lookUpSentOco(p.symbol, listId));
      if (found === undefined) return;
      const oco = found === 'absent' ? undefined : found;
      if (oco && oco.status !== 'REJECT') {
        this.settleOco(p, oco, 'was accepted before the restart');
        await this.x.flows.assessLocked(p.symbol);
        return;
      }
      this.x.ledger.ocoEnded(p.id, 'rejected', 'never reached the exchange (found at the check)', this.x.now());
    }
    const cur = this.current(p);
    if (!cur) return;
    this.say(p.symbol, `position #${p.id} had no protective OCO: placing one now`);
    await this.x.flows.protectLocked(cur);
  }

  private async protectedPosition(p: Position): Promise<void> {
    const listId = p.ocoListClientOrderId;
    const oco = listId ? await this.x.exchange.getOco(p.symbol, listId) : undefined;
    if (!oco) {
      this.say(p.symbol, `the OCO of position #${p.id} is gone from the exchange: protecting it again`);
      const reopened = this.x.ledger.ocoEnded(p.id, 'canceled', 'vanished from the exchange', this.x.now());
      await this.x.flows.protectLocked(reopened);
      return;
    }
    this.settleOco(p, oco);
    await this.x.flows.assessLocked(p.symbol);
  }

  /** Books what the exchange says of an OCO's legs; says what changed. */
  private settleOco(p: Position, oco: OcoReport, acceptedNote?: string): void {
    const before = this.x.ledger.position(p.symbol);
    const soldBefore = before?.soldQty;
    const filled = [oco.takeProfit, oco.stopLoss].find((l) => l.status === 'FILLED');
    if (acceptedNote && oco.status === 'EXECUTING' && this.x.ledger.position(p.symbol)?.status === 'open') {
      this.x.ledger.ocoPlaced(p.id, oco, this.x.now());
      this.say(p.symbol, `the OCO of position #${p.id} ${acceptedNote}: position protected`);
    }
    for (const leg of [oco.takeProfit, oco.stopLoss]) this.x.flows.onReport(leg);
    const after = this.x.ledger.position(p.symbol);
    if (filled) {
      const reason = filled === oco.takeProfit ? 'take-profit' : 'stop-loss';
      const avg = filled.executedQty.isZero() ? '?' : filled.cumQuote.div(filled.executedQty).toFixed();
      this.say(
        p.symbol,
        after && after.id === p.id
          ? `the OCO's ${reason} filled while we were down at ${avg}; the rest is protected again`
          : `the OCO's ${reason} filled while we were down at ${avg}: position closed with the real fills`,
      );
    } else if (after && soldBefore && after.soldQty.gt(soldBefore)) {
      this.say(p.symbol, `the OCO sold ${after.soldQty.sub(soldBefore).toFixed()} while we were down: booked`);
    }
  }

  private async exiting(p: Position): Promise<void> {
    if (p.exitClientOrderId && this.x.ledger.order(p.exitClientOrderId)?.state === 'pending') {
      // A sale sent before the restart, its answer lost: looked up on the schedule (it may show
      // late), never sold again at once, which would sell twice.
      const found = this.unreachable(
        p.symbol,
        'sale',
        await this.x.flows.lookUpSentOrder(p.symbol, p.exitClientOrderId),
      );
      if (found === undefined) return;
      const sell = found === 'absent' ? undefined : found;
      if (sell) {
        this.x.flows.onReport(sell);
        if (sell.status === 'FILLED')
          this.say(p.symbol, `the market sell of position #${p.id} filled while we were down: closed`);
      } else this.x.ledger.orderRefused(p.exitClientOrderId, `${NOT_FOUND_AFTER} the restart`, this.x.now());
    } else if (p.exitClientOrderId) {
      const sell = await this.x.exchange.getOrder(p.symbol, p.exitClientOrderId);
      if (sell) {
        this.x.flows.onReport(sell);
        if (sell.status === 'FILLED')
          this.say(p.symbol, `the market sell of position #${p.id} filled while we were down: closed`);
      }
    }
    const cur = this.current(p);
    if (!cur) return;
    this.say(p.symbol, `finishing the interrupted ${cur.exitReason ?? 'exit'} of position #${p.id}`);
    await this.x.flows.exitLocked(cur, cur.exitReason ?? 'external');
  }

  /** A look-up's result as is; when it could not be made (undefined), says so: the next check tries again. */
  private unreachable<T>(symbol: string, what: string, found: T | 'absent' | undefined): T | 'absent' | undefined {
    if (found === undefined)
      this.say(
        symbol,
        `the ${what} sent before the restart cannot be looked up now; it is looked up again at the next check`,
      );
    return found;
  }

  private current(p: Position): Position | undefined {
    const cur = this.x.ledger.position(p.symbol);
    return cur && cur.id === p.id ? cur : undefined;
  }

  /** While positions are reconciled at once: where their lines go, to be reported in ledger order. */
  private sink: ((symbol: string, line: string) => void) | undefined;

  private say(symbol: string, message: string): void {
    const line = `${symbol}: ${message}`;
    if (this.sink) this.sink(symbol, line);
    else this.lines.push(line);
    this.x.ledger.note('reconcile', symbol, message, this.x.now());
    this.x.tell({ type: 'reconciled', symbol, message });
  }
}
