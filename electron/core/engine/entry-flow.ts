/**
 * Entering a position: reserve the set's share, buy at market for exactly that, book the final
 * report (a fill becomes a position to protect; nothing filled releases the funds), look up a buy
 * whose answer was lost, and take back a buy that executed after it was given up on.
 */
import type { ParameterSet } from '../../../shared/params/schema';
import type { Position } from '../ledger/records';
import { Decimal } from '../money/decimal';
import type { SymbolRules } from '../money/symbol-rules';
import type { OrderReport } from '../ports/exchange';
import { entryId } from './client-ids';
import { describe } from './describe';
import { isUnknownOutcome } from './flow-context';
import { FlowPart } from './flow-state';
import { isFinalStatus, lookUpOrder } from './look-ups';
import { maxOrderQty } from './sell-sizes';

export class EntryFlow extends FlowPart {
  /** Entries being looked up after a lost answer (one look-up each). */
  private readonly resolving = new Set<number>();

  /**
   * Reserves the set's share and buys at market for exactly that amount. Called under the symbol's
   * lock. A lost answer (timeout, 5xx, -1007) leaves the outcome unknown: the order is looked up
   * (and a late report books it) while the reservation stays.
   */
  async enterLocked(set: ParameterSet, rules: SymbolRules, signal: number): Promise<void> {
    const now = this.now();
    if (this.x.halted() || this.ledger.emergencyStopPending) {
      this.x.tell({ type: 'skip', symbol: set.symbol, reason: 'halted' });
      return;
    }
    if (this.ledger.reservation(set.symbol) || this.ledger.position(set.symbol)) {
      // A position opened while this signal waited for the symbol's previous operation.
      this.x.tell({ type: 'skip', symbol: set.symbol, reason: 'has-position' });
      return;
    }
    const outcome = this.ledger.reserve(
      set,
      rules,
      (id) => entryId(this.exchange.clientOrderIdPrefix, this.ledger.ledgerId, id),
      now,
    );
    if (!outcome.ok) {
      const reason =
        outcome.reason === 'insufficient-funds'
          ? 'Insufficient funds'
          : outcome.reason === 'below-minimum'
            ? 'Below minimum order size'
            : outcome.reason === 'has-position'
              ? 'Already have a position'
              : 'No balance';
      this.x.tell({
        type: 'reserve-failed',
        symbol: set.symbol,
        reason,
        detail: outcome.detail,
        ...(outcome.needed && outcome.available && outcome.totalBalance
          ? {
              needed: outcome.needed.toFixed(),
              available: outcome.available.toFixed(),
              totalBalance: outcome.totalBalance.toFixed(),
              percent: set.allocationPercent,
              quoteAsset: this.ledger.quoteAsset,
            }
          : {}),
      });
      this.ledger.note(
        'reserve-failed',
        set.symbol,
        `Failed to reserve funds for ${set.symbol}: ${reason} (${outcome.detail})`,
        now,
        { signal },
      );
      return;
    }
    const { reservation, position } = outcome;
    this.x.tell({
      type: 'reserved',
      symbol: set.symbol,
      amount: reservation.amount.toFixed(),
      percent: set.allocationPercent,
      totalReserved: this.ledger.totalReserved().toFixed(),
      totalBalance: this.ledger.totalBalance().toFixed(),
      quoteAsset: this.ledger.quoteAsset,
    });
    // One order must carry the whole entry, and one OCO protect it: an entry above the symbol's
    // maximum quantity per order is refused before anything is sent.
    const price = this.x.lastPrice(set.symbol);
    const max = maxOrderQty(rules, false);
    const maxMarket = maxOrderQty(rules, true);
    if (price > 0) {
      const expected = reservation.amount.div(new Decimal(price));
      const cap = max && maxMarket ? (max.lt(maxMarket) ? max : maxMarket) : (max ?? maxMarket);
      if (cap && expected.gt(cap)) {
        this.failEntry(
          position,
          `the entry would buy about ${expected.toDecimalPlaces(8).toFixed()} ${rules.baseAsset}, above ${set.symbol}'s maximum of ${cap.toFixed()} per order`,
        );
        return;
      }
    }
    let report: OrderReport;
    // The user data stream may tell of the fill before the REST answer comes (or instead of it: an
    // answer held until the request times out): the first final word is taken, so the coins get
    // their OCO without waiting for a late answer. The answer that comes after changes nothing.
    const heard = new AbortController();
    const sent = this.exchange.marketBuyByQuote({
      symbol: set.symbol,
      quoteAmount: reservation.amount,
      clientOrderId: position.entryClientOrderId,
    });
    try {
      const first = await Promise.race([
        sent.then((r) => ({ from: 'rest' as const, r })),
        this.finalReportOf(position.entryClientOrderId, heard.signal).then((r) =>
          r ? { from: 'stream' as const, r } : new Promise<never>(() => undefined),
        ),
      ]);
      if (first.from === 'stream') sent.catch(() => undefined); // its failure, if any, no longer matters
      report = first.r;
    } catch (e) {
      if (isUnknownOutcome(e)) {
        // Not under the lock: the look-ups may take minutes; nothing else can enter this symbol
        // meanwhile (the reservation and the opening position stand), and a late report books it.
        this.resolveEntrySoon(position, describe(e));
        return;
      }
      this.failEntry(position, describe(e));
      return;
    } finally {
      heard.abort();
    }
    await this.bookEntryLocked(position, report);
  }

  /** The first final report of this order that the user data stream brings (undefined once aborted). */
  private async finalReportOf(clientOrderId: string, signal: AbortSignal): Promise<OrderReport | undefined> {
    while (!signal.aborted) {
      const r = await this.x.mailbox.wait(clientOrderId, 60_000, signal);
      if (r && isFinalStatus(r.status)) return r;
    }
    return undefined;
  }

  /** Starts looking up an entry whose outcome is unknown, unless that already runs. */
  resolveEntrySoon(position: Position, cause: string): void {
    if (this.resolving.has(position.id)) return;
    this.resolving.add(position.id);
    this.x.background(position.symbol, () =>
      this.resolveEntry(position, cause).finally(() => this.resolving.delete(position.id)),
    );
  }

  /**
   * An entry whose answer was lost: looked up with back-off for the unknown-outcome window, woken at
   * once by a late report. Found final: booked and protected. Absent at every look-up for the whole
   * window: taken as never executed, the reservation released. The exchange unreachable throughout:
   * left as it is (reservation kept) for the next check.
   */
  private async resolveEntry(position: Position, cause: string): Promise<void> {
    this.x.tell({
      type: 'error',
      symbol: position.symbol,
      message: `the buy's outcome is unknown (${cause}); it is looked up until known, and its reservation stays meanwhile`,
    });
    // The window runs from when the buy was recorded (sent just after), not from each restart: a
    // trader restarted every few minutes would otherwise hold the reservation for ever.
    const sent = Date.parse(this.ledger.order(position.entryClientOrderId)?.createdAt ?? position.openedAt);
    const elapsed = Number.isFinite(sent) ? Math.max(0, this.now() - sent) : 0;
    const found = await lookUpOrder(this.s.lookups, position.symbol, position.entryClientOrderId, {
      finalOnly: true,
      ...(elapsed > 0 ? { maxWaitMs: Math.max(0, this.x.timings.unknownOutcomeWindowMs - elapsed) } : {}),
    });
    if (this.x.stopping.aborted) return;
    await this.x.locks.run(position.symbol, async () => {
      const p = this.current(position);
      if (!p || p.status !== 'opening') return; // booked meanwhile (a late report)
      if (found === 'absent') {
        this.failEntry(
          p,
          `${cause}; the exchange never showed the order in the ${Math.round(this.x.timings.unknownOutcomeWindowMs / 1000)} s since it was sent, so it was not executed`,
        );
      } else if (found) {
        await this.bookEntryLocked(p, found);
      } else {
        this.x.tell({
          type: 'error',
          symbol: p.symbol,
          message: `the buy's outcome is still unknown (the exchange cannot be asked); its reservation stays and it is looked up again at the next check`,
        });
      }
    });
  }

  /**
   * Books an entry's final report: a fill becomes a position to protect; nothing filled releases the
   * funds. A report that is not final (NEW, PARTIALLY_FILLED) is not booked: the final one is.
   */
  async bookEntryLocked(position: Position, report: OrderReport): Promise<void> {
    const p0 = this.current(position);
    if (!p0 || p0.status !== 'opening') return;
    if (!isFinalStatus(report.status)) return; // still executing: its final report books it
    const rules = this.x.rulesFor(p0.symbol);
    if (report.executedQty.isZero()) {
      this.failEntry(p0, `order ${report.status.toLowerCase()} with nothing filled`, report);
      return;
    }
    const filled = this.ledger.entryFilled(p0.id, report, rules, this.now(), this.x.valueOther);
    const p = filled.position;
    if (filled.feesEstimated) {
      this.x.tell({
        type: 'warning',
        symbol: p.symbol,
        message: `the exchange did not detail every fill of the buy: commission assumed at 0.25%, so ${p.sellQty.toFixed()} is protected and a little may stay as dust`,
      });
    }
    const reservation = this.ledger.reservation(p.symbol);
    this.x.tell({
      type: 'buy-filled',
      symbol: p.symbol,
      mode: this.exchange.kind,
      quantity: p.boughtQty.toFixed(),
      avgPrice: p.avgPrice.toFixed(),
      spent: p.cost.toFixed(),
      allocated: (reservation?.amount ?? filled.released ?? p.cost).toFixed(),
      percent: p.params.allocationPercent,
      partial: filled.partial,
      quoteAsset: this.ledger.quoteAsset,
    });
    if (filled.dust) {
      this.x.tell({
        type: 'warning',
        symbol: p.symbol,
        message: `bought ${p.boughtQty.toFixed()} ${p.symbol} is below the exchange's minimums and stays as dust`,
      });
      this.f.tellReleased(p.symbol, filled.released ?? p.cost, 'dust');
      this.f.tellBalance();
      return;
    }
    if (this.ledger.emergencyStopPending) {
      await this.f.exitLocked(p, 'emergency');
      return;
    }
    await this.f.protectLocked(p);
  }

  private failEntry(position: Position, why: string, report?: OrderReport): void {
    const released = this.ledger.entryFailed(position.id, why, this.now(), report);
    this.x.tell({ type: 'error', symbol: position.symbol, message: `buy failed: ${why}` });
    this.f.tellReleased(position.symbol, released, 'entry-failed');
  }

  /**
   * A buy of ours that executed after it was taken as never executed (no upper bound is documented):
   * its coins become a position again, reserved at what they cost, and protected at once.
   */
  async adoptLateEntryLocked(report: OrderReport): Promise<void> {
    if (this.ledger.position(report.symbol) || this.ledger.reservation(report.symbol)) {
      this.x.tell({
        type: 'error',
        symbol: report.symbol,
        message: `a buy of ${report.executedQty.toFixed()} ${report.symbol} (${report.clientOrderId}) executed after it was taken as never executed, while another position of ${report.symbol} is open: those coins have no protective order - sell or protect them by hand`,
      });
      return;
    }
    const set = this.x.setFor(report.symbol);
    if (!set) {
      this.x.tell({
        type: 'error',
        symbol: report.symbol,
        message: `a buy of ${report.executedQty.toFixed()} ${report.symbol} (${report.clientOrderId}) executed after it was taken as never executed, and ${report.symbol} is no longer traded: those coins have no protective order - sell or protect them by hand`,
      });
      return;
    }
    this.x.tell({
      type: 'error',
      symbol: report.symbol,
      message: `a buy of ${report.symbol} executed after it was taken as never executed: its coins become a position again and are protected now`,
    });
    const position = this.ledger.adoptLateEntry(set, report, this.now());
    await this.bookEntryLocked(position, report);
  }
}
