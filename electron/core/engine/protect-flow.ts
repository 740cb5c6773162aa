/**
 * Protecting a position: place the OCO on what it holds (retried, or the position sold at market
 * when no OCO can be placed), adopt an earlier OCO of ours found resting on the coins, and say what
 * the protection is doing.
 */
import type { OcoPlan } from '../ledger/ledger';
import type { ExitReason, Position } from '../ledger/records';
import type { Decimal } from '../money/decimal';
import { ExchangeError, type OcoReport } from '../ports/exchange';
import { describe } from './describe';
import { isSellLeg, isUnknownOutcome, kindOf, retryAfterOf, workingLegs, type ProtectionState } from './flow-context';
import { FlowPart } from './flow-state';
import { lookUpOco } from './look-ups';
import { planOco } from './oco-plan';
import { tooSmallToSell } from './sell-sizes';
import { backoff, sleep } from './timings';

export class ProtectFlow extends FlowPart {
  /** What the position's protection is doing (for reports and the UI). */
  protectionOf(symbol: string): ProtectionState {
    const p = this.ledger.position(symbol);
    if (!p) return { kind: 'none' };
    const watched = this.s.protection.get(symbol);
    if (watched) return watched;
    const legs = this.ledger.workingOrders(p.id).filter(isSellLeg);
    if (legs.length === 0) return { kind: 'none' };
    return legs.some((o) => o.state === 'pending') ? { kind: 'pending' } : { kind: 'working' };
  }

  /**
   * Places the protective OCO on what the position holds. A rejection is retried once with a fresh
   * price check; if the price is already beyond a leg, or the retry fails too, the position is sold
   * at market (deferred when an exit is what called this). When the exchange cannot take orders now
   * (rate limit, ban, unreachable) the placement is retried with back-off and then every few
   * seconds, saying loudly that the coins are unprotected. While the market is closed nothing is
   * sent: the placement waits (checked every few seconds) until the symbol trades again.
   */
  async protectLocked(position: Position): Promise<void> {
    let p = this.current(position);
    if (!p || p.status === 'closed' || p.status === 'opening') return;
    if (this.ledger.workingOrders(p.id).some(isSellLeg)) return; // an OCO is working or may be
    if (!(await this.x.marketOpen(p.symbol, false))) {
      // No order is taken while the symbol does not trade: tried again later (its rules read again then).
      this.tellOnce(`closed:${p.id}`, {
        type: 'error',
        symbol: p.symbol,
        message: `${p.symbol} is NOT protected: the market is closed (${this.x.rulesFor(p.symbol).status}); the OCO is placed as soon as it trades again (checked every ${Math.round(this.x.timings.deferredRetryMs / 1000)} s)`,
      });
      this.schedule(p.symbol, 'protect', this.x.timings.deferredRetryMs);
      return;
    }
    let rejections = 0;
    let transient = 0;
    let slept = 0;
    for (let round = 0; round < 8 && !this.x.stopping.aborted; round++) {
      p = this.current(p);
      if (!p) return;
      const rules = this.x.rulesFor(p.symbol);
      const remaining = this.ledger.remainingQty(p);
      if (tooSmallToSell(remaining, rules, this.lastFillPrice(p))) {
        this.f.closeLocked(p, this.f.closingReason(p));
        return;
      }
      if (rejections > 0) {
        const beyond = await this.priceBeyondLegs(p, remaining);
        if (beyond) return this.exitOrDefer(p, beyond.reason, beyond.detail);
      }
      const planned = planOco(p, remaining, rules, this.exchange.clientOrderIdPrefix, this.ledger.ledgerId);
      if (!planned.ok) {
        this.x.tell({ type: 'oco-rejected', symbol: p.symbol, attempt: round + 1, reason: planned.problem });
        return this.exitOrDefer(p, 'unprotectable', planned.problem);
      }
      const plan = planned.plan;
      p = this.ledger.ocoPending(p.id, plan, this.now());
      const sent = await this.sendOco(p.symbol, plan);
      let report = sent.report;
      const failure = sent.failure;
      const unknown = !report && isUnknownOutcome(failure);
      if (unknown) {
        // Said at once: the coins may be unprotected while it is looked up.
        this.x.tell({
          type: 'error',
          symbol: p.symbol,
          message: `the OCO's outcome is unknown (${describe(failure)}); it is looked up for up to ${Math.round(this.x.timings.exitRetryBudgetMs / 1000)} s before another is placed, and the coins may be NOT protected meanwhile`,
        });
        // Looked up within the retry budget only: past it another OCO (new ids) is placed at once.
        // Not the same ids again: Binance takes a list id again once its list is filled or expired,
        // so a first request executed late (after -1007, with no upper bound in the docs) would then
        // pass and rest on whatever coins the account holds by then. If the first one rests after
        // all, the next is refused for insufficient balance and the first is found and adopted
        // (adoptOwnOco).
        const spent = { ms: 0 };
        const found = await lookUpOco(this.s.lookups, p.symbol, plan.listClientOrderId, {
          maxWaitMs: Math.max(0, this.x.timings.exitRetryBudgetMs - slept),
          spent,
        });
        slept += spent.ms;
        if (found && found !== 'absent' && found.status !== 'REJECT') report = found;
      }
      if (!this.current(p)) return; // a leg filled and closed it while we waited
      if (report) {
        this.recordOcoPlaced(p, plan, report);
        return;
      }
      const why = describe(failure);
      p = this.ocoEnded(p, 'rejected', why);
      this.x.tell({ type: 'oco-rejected', symbol: p.symbol, attempt: round + 1, reason: why });
      const kind = kindOf(failure);
      if (unknown && !this.x.stopping.aborted && transient < 2) {
        // Absent at every look-up: taken as never executed, and the next attempt placed at once
        // (twice at most; then the back-off below and the deferred retry).
        transient++;
        round--;
        continue;
      }
      if (kind === 'insufficient-balance') {
        if (await this.adoptOwnOco(p, plan.listClientOrderId)) return;
        const held = await this.f.matchHoldings(p, 'the OCO was refused for insufficient balance');
        if (held.kind === 'gone') return;
        if (held.kind === 'locked') {
          this.schedule(p.symbol, 'protect', this.x.timings.deferredRetryMs);
          return;
        }
        p = held.position;
        rejections++;
        if (rejections >= 3) return this.exitOrDefer(p, 'unprotectable', 'the OCO was refused three times');
        continue;
      }
      if (kind === 'market-closed') {
        // The symbol stopped trading (its rules said otherwise): read them again; the scheduled
        // placement waits for it to trade again without sending anything meanwhile.
        await this.x.marketOpen(p.symbol, true);
        this.tellOnce(`closed:${p.id}`, {
          type: 'error',
          symbol: p.symbol,
          message: `${p.symbol} is NOT protected: the market is closed (${why}); the OCO is placed as soon as it trades again`,
        });
        this.schedule(p.symbol, 'protect', this.x.timings.deferredRetryMs);
        return;
      }
      if (kind === 'rejected' || kind === 'filter') {
        rejections++;
        if (rejections >= 2) return this.exitOrDefer(p, 'unprotectable', 'the OCO was rejected twice');
        continue;
      }
      // The exchange cannot take it now (rate limit, ban, unreachable, an answer we
      // could not read): the coins are unprotected until it can. Try again after the back-off
      // (Retry-After if longer); past the retry budget, again every few seconds, saying so loudly.
      const wait = Math.max(backoff(this.x.timings.retryDelaysMs, transient), retryAfterOf(failure) ?? 0);
      if (this.retriesSpent(slept, wait, transient)) {
        const later = Math.max(wait, this.x.timings.deferredRetryMs);
        this.x.tell({
          type: 'error',
          symbol: p.symbol,
          message: `${p.symbol} is NOT protected: the OCO cannot be placed now (${why}); tried again in ${Math.ceil(later / 1000)} s`,
        });
        this.schedule(p.symbol, 'protect', later);
        return;
      }
      transient++;
      round--; // not a rejection: does not count towards giving up on the OCO
      await sleep(wait, this.x.stopping);
      slept += wait;
    }
    const cur = this.current(p);
    if (cur && !this.ledger.workingOrders(cur.id).some(isSellLeg))
      this.schedule(cur.symbol, 'protect', this.x.timings.deferredRetryMs);
  }

  /** One OCO request: the exchange's report, or why it failed (a REJECT report counts as a rejection). */
  private async sendOco(symbol: string, plan: OcoPlan): Promise<{ report?: OcoReport; failure?: unknown }> {
    try {
      const report = await this.exchange.placeOco({ symbol, ...plan });
      if (report.status === 'REJECT') throw new ExchangeError('rejected', 'the OCO was rejected by the exchange');
      return { report };
    } catch (e) {
      return { failure: e };
    }
  }

  /** Sells at market, unless an exit is what is running (then the exit is retried later, never nested). */
  private async exitOrDefer(p: Position, reason: ExitReason, detail: string): Promise<void> {
    if (this.s.exiting.has(p.symbol)) {
      this.schedule(p.symbol, 'exit', this.x.timings.deferredRetryMs, reason);
      this.x.tell({
        type: 'error',
        symbol: p.symbol,
        message: `${p.symbol} could not be protected again (${detail}); its ${reason} exit is tried again in ${Math.round(this.x.timings.deferredRetryMs / 1000)} s`,
      });
      return;
    }
    await this.f.exitLocked(p, reason, detail);
  }

  /**
   * An OCO refused for insufficient balance may mean one of our own earlier OCOs rests on the coins
   * (its answer was lost, or written off): find it and adopt it as the position's protection.
   */
  private async adoptOwnOco(p: Position, except: string): Promise<boolean> {
    const lists = [
      ...new Set(
        this.ledger
          .ordersOf(p.id)
          .filter((o) => isSellLeg(o) && o.listClientOrderId && o.listClientOrderId !== except && o.state !== 'filled')
          .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))
          .map((o) => o.listClientOrderId!),
      ),
    ].slice(0, 3);
    for (const listId of lists) {
      let oco: OcoReport | undefined;
      try {
        oco = await this.exchange.getOco(p.symbol, listId);
      } catch {
        continue;
      }
      if (!oco || workingLegs(oco).length === 0) continue;
      const cur = this.current(p);
      if (!cur) return true;
      const adopted = this.ledger.ocoAdopted(cur.id, oco, this.now());
      this.x.tell({
        type: 'warning',
        symbol: cur.symbol,
        message: `${cur.symbol}: an earlier OCO of this position (${listId}) rests on the coins after all: it protects them`,
      });
      for (const leg of [oco.takeProfit, oco.stopLoss]) this.f.bookReport(adopted, leg);
      this.f.assessSoon(cur.symbol);
      return true;
    }
    return false;
  }

  private recordOcoPlaced(position: Position, plan: OcoPlan, report: OcoReport): void {
    const p = this.ledger.ocoPlaced(position.id, report, this.now());
    this.s.told.delete(`closed:${p.id}`);
    this.x.tell({
      type: 'oco-placed',
      symbol: p.symbol,
      quantity: plan.quantity.toFixed(),
      takeProfit: plan.takeProfitPrice.toFixed(),
      stop: plan.stopPrice.toFixed(),
      stopLimit: (plan.stopLimitPrice ?? plan.stopPrice).toFixed(),
      stopType: plan.stopType,
      profitPercent: p.params.profitPercent,
      stopLossPercent: p.params.stopLossPercent,
    });
    // The legs' reports (fills that came with the answer, or before it) are what they are.
    for (const leg of [report.takeProfit, report.stopLoss]) this.f.bookReport(p, leg);
    this.f.assessSoon(p.symbol);
  }

  /** Whether the market has already passed a leg of the position's OCO (so no OCO can be placed). */
  private async priceBeyondLegs(
    p: Position,
    remaining: Decimal,
  ): Promise<{ reason: ExitReason; detail: string } | undefined> {
    let last: Decimal;
    try {
      last = await this.exchange.getLastPrice(p.symbol);
    } catch {
      return undefined;
    }
    const planned = planOco(
      p,
      remaining,
      this.x.rulesFor(p.symbol),
      this.exchange.clientOrderIdPrefix,
      this.ledger.ledgerId,
    );
    if (!planned.ok) return undefined;
    if (last.gte(planned.plan.takeProfitPrice)) {
      return {
        reason: 'take-profit',
        detail: `price ${last.toFixed()} is already above the take-profit ${planned.plan.takeProfitPrice.toFixed()}`,
      };
    }
    if (last.lte(planned.plan.stopPrice)) {
      return {
        reason: 'stop-loss',
        detail: `price ${last.toFixed()} is already below the stop ${planned.plan.stopPrice.toFixed()}`,
      };
    }
    return undefined;
  }
}
