/**
 * Exiting a position at market: record the intent, cancel the OCO that rests (booking what it
 * filled), sell what the account holds in as many market orders as it takes, and defer the exit
 * (the OCO put back) when the sale cannot finish now.
 */
import { isFinalState, NOT_FOUND_AFTER } from '../ledger/order-states';
import type { ExitReason, Position } from '../ledger/records';
import type { Decimal } from '../money/decimal';
import type { OcoReport } from '../ports/exchange';
import { exitId } from './client-ids';
import { describe } from './describe';
import { isSellLeg, isUnknownOutcome, kindOf, retryAfterOf, workingLegs } from './flow-context';
import { FlowPart } from './flow-state';
import { lookUpOrder } from './look-ups';
import { nextSaleQty, tooSmallToSell } from './sell-sizes';
import { backoff, sleep } from './timings';

/** Longest a sale waits out Binance's pauses (429) before the OCO is put back and the exit deferred. */
const MAX_PAUSE_WAIT_MS = 60_000;

export class ExitFlow extends FlowPart {
  /**
   * Leaves a position at market: records the intent, cancels what rests (booking what it filled),
   * sells what the account holds of the position. A sale that keeps failing (rate limit, 5xx,
   * timeout) is retried with back-off honouring Retry-After; past the retry budget the OCO is put
   * back on the coins and the exit tried again later. If an OCO leg filled meanwhile, that fill
   * closes the position instead: never a double sale.
   */
  async exitLocked(position: Position, reason: ExitReason, detail?: string): Promise<void> {
    let p = this.current(position);
    if (!p || p.status === 'closed' || p.status === 'opening') return;
    if (!(await this.x.marketOpen(p.symbol, false))) {
      // The market is closed (HALT, BREAK, ...): nothing can be sold, so a resting OCO is not
      // cancelled; it works again the moment trading resumes. The exit is tried again later.
      const cur = this.current(p);
      if (!cur) return;
      const rests = this.ledger.workingOrders(cur.id).some(isSellLeg);
      // Said once per closing of the market, not at every retry.
      this.tellOnce(`exit-closed:${cur.id}`, {
        type: 'exit-deferred',
        symbol: cur.symbol,
        reason,
        message: `${cur.symbol}: the ${reason} exit waits, the market is closed (${this.x.rulesFor(cur.symbol).status}); ${rests ? 'its OCO stays in place' : 'its coins wait for the market to reopen'}; tried again every ${Math.round(this.x.timings.deferredRetryMs / 1000)} s`,
      });
      this.schedule(cur.symbol, 'exit', this.x.timings.deferredRetryMs, reason);
      return;
    }
    this.s.told.delete(`exit-closed:${p.id}`);
    this.s.exiting.add(p.symbol);
    try {
      this.s.protection.delete(p.symbol);
      this.cancelDue(p.symbol, 'exit');
      const exitReason = p.status === 'exiting' && p.exitReason ? p.exitReason : reason;
      const id = this.exitOrderId(p);
      p = this.ledger.exitStarted(p.id, exitReason, id, this.now());
      this.x.tell({ type: 'exit-started', symbol: p.symbol, reason: exitReason, ...(detail ? { detail } : {}) });

      const cancelled = await this.cancelProtection(p);
      if (cancelled === 'closed') return;
      p = this.current(p);
      if (!p) return;
      if (cancelled === 'live') {
        // The OCO may still rest: selling now could sell twice. It stays; the exit is tried again.
        this.deferExit(p, exitReason, 'its OCO could not be cancelled and may still be live', false);
        return;
      }
      const sold = await this.sellRemaining(p, exitReason);
      if (sold === 'done') return;
      p = this.current(p);
      if (!p) return;
      this.deferExit(p, exitReason, sold.why, true);
      // Put the OCO back on the coins (a failure here is retried by tick(), never by another exit).
      const back = this.current(p);
      if (back && back.status === 'open') await this.f.protectLocked(back);
    } finally {
      this.s.exiting.delete(position.symbol);
    }
  }

  private deferExit(p: Position, reason: ExitReason, why: string, abandon: boolean): void {
    const cur = abandon ? this.ledger.exitAbandoned(p.id, why, this.now()) : p;
    this.x.tell({
      type: 'exit-deferred',
      symbol: cur.symbol,
      reason,
      message: `${cur.symbol}: the ${reason} exit could not finish (${why}); ${abandon ? 'its OCO is put back on the coins and ' : ''}the exit is tried again in ${Math.round(this.x.timings.deferredRetryMs / 1000)} s`,
    });
    this.schedule(cur.symbol, 'exit', this.x.timings.deferredRetryMs, reason);
  }

  /** The client order id for the next market sell of this position (x, x2, x3, ...), never reused. */
  private exitOrderId(p: Position): string {
    const current = p.exitClientOrderId ? this.ledger.order(p.exitClientOrderId) : undefined;
    if (p.exitClientOrderId && current && current.state === 'pending') return p.exitClientOrderId; // maybe sent: looked up first
    const used = this.ledger.ordersOf(p.id).filter((o) => o.purpose === 'exit').length;
    return exitId(this.exchange.clientOrderIdPrefix, this.ledger.ledgerId, p.id, used + 1);
  }

  /**
   * Cancels the position's working OCO legs and books what they filled. 'closed' when that sold
   * everything (the position closed), 'clear' when nothing of ours rests any more, 'live' when the
   * OCO could not be cancelled and may still rest.
   */
  async cancelProtection(position: Position): Promise<'closed' | 'clear' | 'live'> {
    let slept = 0;
    for (let attempt = 0; ; attempt++) {
      const p = this.current(position);
      if (!p) return 'closed';
      const legs = this.ledger.workingOrders(p.id).filter(isSellLeg);
      const listId = legs[0]?.listClientOrderId;
      if (!listId) return 'clear';
      let failure: unknown;
      try {
        const report = await this.exchange.cancelOco(p.symbol, listId);
        this.applyOco(p, report, `cancelled for the ${p.exitReason ?? 'exit'}`);
        if (!this.current(p)) return 'closed';
        continue; // legs of another list may remain
      } catch (e) {
        failure = e;
      }
      const found = await this.readOco(p.symbol, listId);
      if (found === 'absent') {
        // The exchange has no such list: nothing of ours rests there, selling is safe.
        if (this.current(p)) this.ocoEnded(p, 'canceled', `not on the exchange (${describe(failure)})`);
        continue;
      }
      if (found && found.status !== 'EXECUTING') {
        // The list is over, but a leg may still work (a triggered stop-limit resting, a take-profit's
        // rest: Binance's docs leave open whether such a list is EXECUTING or ALL_DONE): cancel it by itself.
        let after: OcoReport | 'absent' | undefined = found;
        if (workingLegs(found).length > 0) {
          for (const leg of workingLegs(found)) {
            try {
              this.f.bookReport(p, await this.exchange.cancelOrder(p.symbol, leg.clientOrderId));
            } catch (e) {
              failure = e;
            }
          }
          after = await this.readOco(p.symbol, listId);
        }
        if (after === 'absent') {
          if (this.current(p)) this.ocoEnded(p, 'canceled', `not on the exchange (${describe(failure)})`);
          continue;
        }
        if (after && workingLegs(after).length === 0) {
          this.applyOco(p, { ...after, status: 'ALL_DONE' }, `already over (${describe(failure)})`);
          if (!this.current(p)) return 'closed';
          continue;
        }
        if (after) for (const leg of [after.takeProfit, after.stopLoss]) this.f.bookReport(p, leg);
      } else if (found) for (const leg of [found.takeProfit, found.stopLoss]) this.f.bookReport(p, leg);
      if (!this.current(p)) return 'closed';
      const wait = Math.max(backoff(this.x.timings.retryDelaysMs, attempt), retryAfterOf(failure) ?? 0);
      if (this.retriesSpent(slept, wait, attempt)) {
        this.x.tell({
          type: 'error',
          symbol: p.symbol,
          message: `could not cancel the OCO of ${p.symbol} (${describe(failure)}); not selling while it may still be live`,
        });
        return 'live';
      }
      await sleep(wait, this.x.stopping);
      slept += wait;
    }
  }

  private async readOco(symbol: string, listId: string): Promise<OcoReport | 'absent' | undefined> {
    try {
      return (await this.exchange.getOco(symbol, listId)) ?? 'absent';
    } catch {
      return undefined;
    }
  }

  /** Books an OCO's legs as the exchange reports them and, when the list is over, ends it. */
  private applyOco(p: Position, oco: OcoReport, why: string): void {
    const had = this.ledger
      .workingOrders(p.id)
      .some((o) => isSellLeg(o) && o.listClientOrderId === oco.listClientOrderId);
    for (const leg of [oco.takeProfit, oco.stopLoss]) this.f.bookReport(p, leg);
    const cur = this.current(p);
    if (!cur) return;
    if (oco.status !== 'EXECUTING' || workingLegs(oco).length === 0) {
      // Over: the position holds coins without this OCO (unless a leg sold everything).
      if (had || cur.status === 'protected') this.ocoEnded(cur, 'canceled', why);
      this.f.closeIfDone(this.current(cur) ?? cur);
    }
  }

  /**
   * Sells what the position still holds (and the account has), in as many market orders as a thin
   * book or the maximum quantity per order needs. Each sale has its own client id, recorded before
   * it is sent; one whose answer was lost is looked up (never sent again under another id while it
   * may execute).
   */
  private async sellRemaining(position: Position, reason: ExitReason): Promise<'done' | { why: string }> {
    let slept = 0;
    let paused = 0;
    let lastWhy = '';
    for (let attempt = 0; attempt < 60 && !this.x.stopping.aborted; attempt++) {
      let p = this.current(position);
      if (!p) return 'done';
      const rules = this.x.rulesFor(p.symbol);
      if (tooSmallToSell(this.ledger.remainingQty(p), rules, this.lastFillPrice(p), true)) {
        this.f.closeLocked(p, this.f.closingReason(p, reason));
        return 'done';
      }
      // A sale recorded and maybe sent (a lost answer, a restart): look it up before anything else.
      const id = this.exitOrderId(p);
      const recorded = this.ledger.order(id);
      if (recorded && recorded.state === 'pending' && this.s.maybeSent.has(id)) {
        // On the schedule, not once: a sale whose answer was lost may show late, and selling again
        // at once would sell twice (or be refused for the coins the first one took).
        const found = await lookUpOrder(this.s.lookups, p.symbol, id, { maxWaitMs: this.x.timings.exitRetryBudgetMs });
        if (found === 'absent') {
          // Taken as never executed; the next sale gets a new id (this one may still execute late).
          this.ledger.orderRefused(id, `${NOT_FOUND_AFTER} a lost answer`, this.now());
          continue;
        }
        if (found) {
          this.f.bookReport(p, found);
          // A market order does not rest: whatever it did not fill is over.
          if (!isFinalState(this.ledger.order(id)?.state ?? 'open'))
            this.ledger.orderRefused(id, `${found.status.toLowerCase()} when looked up`, this.now());
          continue;
        }
      }
      // Never sell more than the account holds of it (a partial fill or an outside sale took some).
      const held = await this.f.matchHoldings(p, 'before the market sale');
      if (held.kind === 'gone') return 'done';
      p = held.position;
      const qty = nextSaleQty(this.ledger.remainingQty(p), rules);
      if (tooSmallToSell(qty, rules, this.lastFillPrice(p), true)) continue;
      p = this.ledger.exitStarted(p.id, reason, id, this.now(), qty);
      let failure: unknown;
      this.s.maybeSent.add(id);
      try {
        const report = await this.exchange.marketSell({ symbol: p.symbol, quantity: qty, clientOrderId: id });
        this.f.bookReport(p, report);
        const after = this.current(p);
        if (after && report.executedQty.isZero()) {
          lastWhy = `market sell ${report.status.toLowerCase()} with nothing filled`;
        } else if (after && report.status !== 'FILLED') {
          const left = this.ledger.remainingQty(after);
          if (!tooSmallToSell(left, rules, this.lastFillPrice(after), true))
            this.x.tell({
              type: 'warning',
              symbol: p.symbol,
              message: `market sell ${report.status.toLowerCase()} with ${left.toFixed()} ${rules.baseAsset} unsold; selling the rest`,
            });
        }
        continue;
      } catch (e) {
        failure = e;
      }
      lastWhy = describe(failure);
      const kind = kindOf(failure);
      if (isUnknownOutcome(failure)) {
        // Looked up for what is left of the retry budget: the coins must not wait minutes without an
        // order. Putting the OCO back is safe even if the sale executes late: whichever comes first
        // takes the coins and the other is refused for insufficient balance.
        const spent = { ms: 0 };
        const found = await lookUpOrder(this.s.lookups, p.symbol, id, {
          maxWaitMs: Math.max(0, this.x.timings.exitRetryBudgetMs - slept),
          spent,
        });
        slept += spent.ms;
        if (found === 'absent')
          this.ledger.orderRefused(id, `${NOT_FOUND_AFTER} an unknown answer: ${lastWhy}`, this.now());
        else if (found) this.f.bookReport(p, found);
        if (found !== 'absent' && found) continue;
        if (this.retriesSpent(slept, 0, attempt)) return { why: `the sale's outcome is unknown (${lastWhy})` };
        continue;
      }
      this.ledger.orderRefused(id, lastWhy, this.now());
      if (kind === 'market-closed') {
        // Retrying cannot help until the symbol trades again: its rules are read again so that the
        // next exit attempt waits with the OCO in place rather than cancelling it.
        await this.x.marketOpen(p.symbol, true);
        return { why: lastWhy };
      }
      if ((kind === 'rate-limited' || kind === 'banned') && paused < MAX_PAUSE_WAIT_MS) {
        // Binance asked every request to wait: nothing else could be sent meanwhile either. Wait it
        // out (up to a minute in all: it does not count towards the retry budget) and sell first thing after.
        const wait = Math.max(retryAfterOf(failure) ?? 0, backoff(this.x.timings.retryDelaysMs, attempt));
        if (paused + wait <= MAX_PAUSE_WAIT_MS) {
          await sleep(wait, this.x.stopping);
          paused += wait;
          continue;
        }
      }
      if (kind === 'filter' && (await this.dustAtMarket(p, qty))) {
        // What is left is below the minimum order at today's price: it stays as dust.
        const cur = this.current(p);
        if (cur) {
          this.x.tell({
            type: 'warning',
            symbol: p.symbol,
            message: `${this.ledger.remainingQty(cur).toFixed()} ${rules.baseAsset} cannot be sold (${lastWhy}) and stays as dust`,
          });
          this.f.closeLocked(cur, this.f.closingReason(cur, reason));
        }
        return 'done';
      }
      // Any other refusal (a filter, insufficient balance although the coins are there,
      // unreachable): the next try is sized by the holdings check again, after the back-off.
      const wait = Math.max(backoff(this.x.timings.retryDelaysMs, attempt), retryAfterOf(failure) ?? 0);
      if (this.retriesSpent(slept, wait, attempt)) {
        this.x.tell({
          type: 'error',
          symbol: p.symbol,
          message: `market sell failed: ${lastWhy}; ${this.ledger.remainingQty(p).toFixed()} ${rules.baseAsset} is being protected by its OCO again`,
        });
        return { why: lastWhy };
      }
      await sleep(wait, this.x.stopping);
      slept += wait;
    }
    return { why: lastWhy || 'too many sales in a row' };
  }

  /** Whether `qty` is below the symbol's minimum order at the current market price. */
  private async dustAtMarket(p: Position, qty: Decimal): Promise<boolean> {
    const rules = this.x.rulesFor(p.symbol);
    let price: Decimal;
    try {
      price = await this.exchange.getLastPrice(p.symbol);
    } catch {
      return false;
    }
    return tooSmallToSell(qty, rules, price, true);
  }
}
