/**
 * Following the exchange: book every report of an order of ours as it arrives, then look at what
 * the position's orders say and act (close it, protect again what an OCO ended by somebody else
 * left, watch a triggered stop or a take-profit that started filling), and match the position with
 * what the account holds of its coins.
 */
import { isFinalState, takenAsUnsent } from '../ledger/order-states';
import type { OrderRecord, Position } from '../ledger/records';
import type { Decimal } from '../money/decimal';
import { floorToStep } from '../money/symbol-rules';
import type { OcoReport, OrderReport } from '../ports/exchange';
import { isSellLeg, isWorking, workingLegs, type Holding } from './flow-context';
import { FlowPart } from './flow-state';
import { isFinalStatus, lookUpOrder, lookUpQuiet } from './look-ups';
import { tooSmallToSell } from './sell-sizes';

export class ReportFlow extends FlowPart {
  /**
   * An order of ours changed on the exchange. Fills are booked at once (the balance and what the
   * position has sold), whatever order reports arrive in; what follows (closing, placing the OCO
   * again, watching a triggered stop) runs as an operation of the symbol.
   */
  onReport(report: OrderReport): void {
    this.x.mailbox.post(report);
    if (report.expiryReason) this.s.expiry.set(report.clientOrderId, report.expiryReason);
    const p = this.ledger.positionForOrder(report.clientOrderId, report.listClientOrderId);
    if (!p) {
      this.onReportOfNoPosition(report);
      return;
    }
    const order = this.ledger.order(report.clientOrderId);
    const purpose = order?.purpose ?? (report.side === 'BUY' ? 'entry' : 'exit');
    if (purpose === 'entry') {
      if (p.status === 'opening' && isFinalStatus(report.status)) {
        // The buy's final report (a late execution after a lost answer, or after a restart): book
        // it, unless the flow that sent it already did.
        void this.x.track(p.symbol, () => this.x.locks.run(p.symbol, () => this.f.bookEntryLocked(p, report)));
      }
      return;
    }
    this.bookReport(p, report);
    this.assessSoon(p.symbol);
  }

  /** A report of an order of ours that no live position owns: a buy that executed after we gave up on it. */
  private onReportOfNoPosition(report: OrderReport): void {
    const ours = `${this.exchange.clientOrderIdPrefix}${this.ledger.ledgerId}-`;
    if (!report.clientOrderId.startsWith(ours)) return;
    // A buy the ledger booked already (its position has closed since) is reported late or again:
    // nothing to adopt. Only a buy taken as never executed (nothing booked) comes back as a position.
    const booked =
      (this.ledger.order(report.clientOrderId)?.executedQty.gt(0) ?? false) ||
      this.ledger.entryBookedByClosedPosition(report.clientOrderId);
    if (
      report.side === 'BUY' &&
      isFinalStatus(report.status) &&
      report.executedQty.gt(0) &&
      /b$/.test(report.clientOrderId) &&
      !booked
    ) {
      void this.x.track(report.symbol, () =>
        this.x.locks.run(report.symbol, () => this.f.adoptLateEntryLocked(report)),
      );
    } else if (report.side === 'SELL' && this.f.bookLateSale(report)) {
      // A sale whose outcome was unknown when its position closed: booked into its trade.
    } else if (report.side === 'SELL' && report.executedQty.gt(0)) {
      this.tellOnce(`late-sell:${report.clientOrderId}`, {
        type: 'warning',
        symbol: report.symbol,
        message: `a sale of ${report.symbol} (${report.clientOrderId}) reported after its position closed: its proceeds reach the balance at the next balance check`,
      });
    }
  }

  /** Books what a report of one of the position's sells says (fills, state). Synchronous. */
  bookReport(position: Position, report: OrderReport): void {
    const p = this.current(position);
    if (!p) return;
    const rules = this.x.rulesFor(p.symbol);
    const booking = this.ledger.sellFilled(p.id, report, rules, this.now(), this.x.valueOther);
    if (booking.qty.gt(0)) {
      const after = this.ledger.position(p.symbol);
      this.x.tell({
        type: 'sell-filled',
        symbol: p.symbol,
        purpose: this.ledger.order(report.clientOrderId)?.purpose ?? 'exit',
        quantity: booking.qty.toFixed(),
        credited: booking.credited.toFixed(),
        remaining: after ? this.ledger.remainingQty(after).toFixed() : '0',
        complete: report.status === 'FILLED',
        quoteAsset: this.ledger.quoteAsset,
      });
      this.f.tellBalance();
    }
    if (booking.undetailed) {
      // The report says more filled than it details: ask the exchange for the fills.
      void this.x.track(p.symbol, async () => {
        const full = await lookUpQuiet(this.exchange, p.symbol, report.clientOrderId);
        if (full && full.fills.length > report.fills.length) this.onReport(full);
      });
    }
    // A position whose sells are complete closes at once (no exchange call needed): a replay sees
    // the close before its next candle.
    const cur = this.ledger.position(p.symbol);
    if (cur && cur.id === p.id && cur.status !== 'exiting') this.f.closeIfDone(cur);
  }

  assessSoon(symbol: string): void {
    void this.x.track(symbol, () => this.x.locks.run(symbol, () => this.assessLocked(symbol)));
  }

  /**
   * Looks at what a position's orders say and does what it takes: closes it when everything is
   * sold; protects again what an OCO ended by somebody else left (or closes it as sold outside
   * Tranche when the coins are gone); watches a triggered stop or a take-profit that started filling.
   */
  async assessLocked(symbol: string, exchangeSaid = false): Promise<void> {
    const p = this.ledger.position(symbol);
    if (!p || p.status === 'opening' || p.status === 'closed') return;
    if (this.f.closeIfDone(p)) return;
    if (p.status === 'exiting') return; // the exit flow owns it
    const legs = this.ledger
      .ordersOf(p.id)
      .filter((o) => isSellLeg(o) && o.listClientOrderId === p.ocoListClientOrderId);
    const working = legs.filter(isWorking);
    if (p.status === 'open') {
      if (working.length === 0) await this.f.protectLocked(p);
      return;
    }
    // protected: what the legs of its OCO say
    const tp = legs.find((o) => o.purpose === 'take-profit');
    const sl = legs.find((o) => o.purpose === 'stop-loss');
    const filledLeg = legs.find((o) => o.state === 'filled');
    if (working.length === 0 || filledLeg) {
      // Over: a leg filled (its sibling is expired by the OCO rule, whatever its report says yet)
      // and coins remain, or every leg ended without selling everything.
      await this.protectionLost(p, legs, exchangeSaid);
      return;
    }
    const tpWorking = tp !== undefined && isWorking(tp);
    const slWorking = sl !== undefined && isWorking(sl);
    const byTrigger = (leg: OrderRecord | undefined) =>
      leg !== undefined && this.s.expiry.get(leg.clientOrderId) === 'OCO_TRIGGER';
    if (tp && tpWorking) {
      // The take-profit activated (it filled part): the stop leg expires by the OCO rule and the rest
      // works alone, unprotected below. Its expiry event may still be on its way.
      if (tp.executedQty.gt(0) || (!slWorking && byTrigger(sl))) return this.watchTakeProfit(p, tp);
      if (slWorking) {
        this.s.protection.delete(symbol); // both legs work: protected
        return;
      }
      return this.protectionLost(p, legs, exchangeSaid); // the stop ended without a trigger: somebody ended the list
    }
    if (sl && slWorking) {
      // The stop triggered: the take-profit expired (OCO_TRIGGER) and the stop works alone. Binance
      // says why an order expired; an expiry without a reason is taken as the trigger (the safer
      // reading: the stop is watched, and if the list was in fact ended, the stop's own end arrives
      // and protects the coins again).
      const tpEnded = tp !== undefined && !tpWorking;
      if (
        sl.executedQty.gt(0) ||
        byTrigger(tp) ||
        (tpEnded && tp.state === 'expired' && !this.s.expiry.has(tp.clientOrderId))
      )
        return this.watchStop(p, sl);
      return this.protectionLost(p, legs, exchangeSaid); // the take-profit was cancelled or expired otherwise
    }
    return this.protectionLost(p, legs, exchangeSaid);
  }

  private watchTakeProfit(p: Position, tp: OrderRecord): void {
    const symbol = p.symbol;
    if (this.s.protection.get(symbol)?.kind === 'take-profit-filling') return;
    this.s.protection.set(symbol, {
      kind: 'take-profit-filling',
      since: this.now(),
      ...(tp.price ? { price: tp.price } : {}),
    });
    this.x.tell({
      type: 'protection',
      symbol,
      state: 'take-profit-filling',
      message: `${symbol}: the take-profit started filling (${tp.executedQty.toFixed()} sold); the stop leg expired, so the rest is watched and protected again if the price falls back`,
    });
    this.schedule(symbol, 'tp-check', this.x.timings.gapGraceMs);
  }

  private watchStop(p: Position, sl: OrderRecord): void {
    const symbol = p.symbol;
    if (this.s.protection.get(symbol)?.kind === 'stop-triggered') return;
    this.s.protection.set(symbol, {
      kind: 'stop-triggered',
      since: this.now(),
      ...(sl.stopPrice ? { stopPrice: sl.stopPrice } : {}),
      ...(sl.price ? { limitPrice: sl.price } : {}),
    });
    this.x.tell({
      type: 'protection',
      symbol,
      state: 'stop-triggered',
      message: `${symbol}: the stop triggered and has not filled yet${sl.price ? ` (limit ${sl.price.toFixed()}); if the price stays below its limit` : '; if it has not filled,'} the rest is sold at market in ${Math.round(this.x.timings.gapGraceMs / 1000)} s`,
    });
    this.schedule(symbol, 'gap-check', this.x.timings.gapGraceMs);
  }

  /**
   * The OCO is over, the position still holds coins and nobody here asked for it (cancelled in the
   * Binance app, expired by the exchange, self-trade prevention): the coins are protected again at
   * once, or, when they are gone from the account, the position is closed as sold outside Tranche.
   */
  private async protectionLost(p: Position, legs: OrderRecord[], confirmed = false): Promise<void> {
    const listId = p.ocoListClientOrderId;
    if (!confirmed && listId && legs.some(isWorking)) {
      // Our records still show a leg working: ask the exchange before acting on part of the story
      // (the other leg's end may be on its way; an OCO placed over coins it still locks would fail).
      let oco: OcoReport | undefined;
      try {
        oco = await this.exchange.getOco(p.symbol, listId);
      } catch {
        this.schedule(p.symbol, 'recheck', this.x.timings.deferredRetryMs);
        return;
      }
      if (oco) {
        for (const leg of [oco.takeProfit, oco.stopLoss]) this.bookReport(p, leg);
        if (!this.current(p)) return;
        if (workingLegs(oco).length > 0) return this.assessLocked(p.symbol, true); // classify with what the exchange says
      }
      const cur = this.current(p);
      if (!cur) return;
      return this.protectionLost(
        cur,
        this.ledger.ordersOf(cur.id).filter((o) => o.listClientOrderId === listId),
        true,
      );
    }
    this.s.protection.delete(p.symbol);
    if (this.f.closeIfDone(p)) return;
    let open: Position;
    if (legs.some(isWorking)) {
      // The list is over for us but a leg still works on the exchange: cancel it before protecting again.
      const cancelled = await this.f.cancelProtection(p);
      if (cancelled === 'closed') return;
      if (cancelled === 'live') {
        this.schedule(p.symbol, 'recheck', this.x.timings.deferredRetryMs);
        return;
      }
      const cur = this.current(p);
      if (!cur) return;
      open = cur;
    } else {
      const ended = legs.filter((o) => isFinalState(o.state) && o.state !== 'filled').map((o) => o.state);
      const how = ended.length > 0 ? [...new Set(ended)].join('/') : 'ended';
      open = this.ocoEnded(p, 'canceled', `the OCO was ${how} outside Tranche`);
      this.x.tell({
        type: 'protection',
        symbol: p.symbol,
        state: 'lost',
        message: `${p.symbol}: the OCO was ${how} by the exchange or another client with ${this.ledger.remainingQty(open).toFixed()} still held: protecting it again`,
      });
    }
    if (open.status !== 'open') return;
    const held = await this.matchHoldings(open, 'the OCO ended outside Tranche');
    if (held.kind === 'ok') await this.f.protectLocked(held.position);
    else if (held.kind === 'locked') this.schedule(open.symbol, 'protect', this.x.timings.deferredRetryMs);
  }

  /**
   * Compares what the position holds with what the account holds of its base asset. When the
   * account holds less, the missing coins were sold (or moved) outside Tranche: a position left with
   * nothing sellable is closed as 'external' (its reservation released); otherwise it continues with
   * what is there. Coins that are there but locked (an order Tranche did not place holds them) are
   * not taken as gone. When the exchange cannot be asked, the position is taken as it is.
   */
  async matchHoldings(p: Position, why: string): Promise<Holding> {
    const rules = this.x.rulesFor(p.symbol);
    let held: { free: Decimal; locked: Decimal };
    try {
      held = await this.exchange.getAssetBalance(rules.baseAsset);
    } catch {
      return { kind: 'ok', position: p };
    }
    let cur = this.current(p);
    if (!cur) return { kind: 'gone' };
    if (held.free.lt(this.ledger.remainingQty(cur))) {
      // Before taking the coins as gone: a sale of ours whose answer was lost may have taken them.
      // With nothing of them left there is nothing to protect meanwhile: such a sale is looked up on
      // the schedule (it may show only after a first empty look-up), else once.
      const none = tooSmallToSell(
        floorToStep(held.free.add(held.locked), rules.stepSize),
        rules,
        this.lastFillPrice(cur),
      );
      await this.recheckOwnSells(cur, none);
      cur = this.current(p);
      if (!cur) return { kind: 'gone' };
    }
    const remaining = this.ledger.remainingQty(cur);
    if (held.free.gte(remaining)) return { kind: 'ok', position: cur };
    const total = held.free.add(held.locked);
    if (total.gte(remaining) && !this.ledger.workingOrders(cur.id).some(isSellLeg)) {
      this.tellOnce(`locked:${cur.symbol}`, {
        type: 'warning',
        symbol: cur.symbol,
        message: `${cur.symbol}: ${held.locked.toFixed()} ${rules.baseAsset} of this position is locked by an order Tranche did not place (${why}); it is protected again once that order ends`,
      });
      return { kind: 'locked', position: cur };
    }
    this.s.told.delete(`locked:${cur.symbol}`);
    const there = total.lt(remaining) ? total : held.free;
    const sellable = floorToStep(there, rules.stepSize);
    if (tooSmallToSell(sellable, rules, this.lastFillPrice(cur))) {
      this.x.tell({
        type: 'warning',
        symbol: cur.symbol,
        message: `${cur.symbol}: the account holds ${total.toFixed()} ${rules.baseAsset} of the ${remaining.toFixed()} this position held (${why}): the coins were sold outside Tranche; the position is closed and its reservation released`,
      });
      this.f.closeLocked(cur, 'external');
      return { kind: 'gone' };
    }
    this.x.tell({
      type: 'warning',
      symbol: cur.symbol,
      message: `${cur.symbol}: the account holds ${total.toFixed()} ${rules.baseAsset}, less than the ${remaining.toFixed()} this position held (${why}); it continues with ${sellable.toFixed()}`,
    });
    return { kind: 'ok', position: this.ledger.positionShrunk(cur.id, cur.soldQty.add(sellable), why, this.now()) };
  }

  /** Looks up this position's sales that may have reached the exchange and books what they did. */
  private async recheckOwnSells(p: Position, onSchedule: boolean): Promise<void> {
    // The sales whose outcome is not known: sent and unanswered, still working, or taken as never
    // executed after their look-ups (a sale the exchange refused outright took nothing). One budget for all.
    const spent = { ms: 0 };
    const unknown = this.ledger
      .ordersOf(p.id)
      .filter(
        (o) =>
          o.purpose === 'exit' &&
          ((o.state === 'pending' && this.s.maybeSent.has(o.clientOrderId)) || o.state === 'open' || takenAsUnsent(o)),
      );
    for (const o of unknown) {
      const found = onSchedule
        ? await lookUpOrder(this.s.lookups, p.symbol, o.clientOrderId, {
            maxWaitMs: Math.max(0, this.x.timings.exitRetryBudgetMs - spent.ms),
            finalOnly: true,
            spent,
          })
        : await lookUpQuiet(this.exchange, p.symbol, o.clientOrderId);
      const r = found === 'absent' ? undefined : found;
      if (r && (r.executedQty.gt(0) || r.fills.length > 0)) this.bookReport(p, r);
    }
  }
}
