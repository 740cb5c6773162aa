import { intervalMs } from '../../../shared/market/intervals';
import type { ParameterSet } from '../../../shared/params/schema';
import type { AllocationStatus } from '../ledger/allocation-status';
import { Ledger, type OcoPlan } from '../ledger/ledger';
import type { ExitReason, Position } from '../ledger/records';
import { ZERO, type Decimal } from '../money/decimal';
import { floorToStep, lotProblem, type SymbolRules } from '../money/symbol-rules';
import type { Clock } from '../ports/clock';
import { ExchangeError, type Exchange, type OcoReport, type OrderReport } from '../ports/exchange';
import type { Candle } from '../ports/market-feed';
import type { LedgerStore } from '../ports/ledger-store';
import type { SignalModel } from '../signal/signal-model';
import { ZScoreSignal } from '../signal/zscore-signal';
import { entryId, exitId } from './client-ids';
import type { EngineEvent, EngineEventSink } from './engine-events';
import { planOco } from './oco-plan';
import { Reconciler } from './reconciler';

export interface EngineOptions {
  exchange: Exchange;
  store: LedgerStore;
  clock: Clock;
  sets: readonly ParameterSet[];
  quoteAsset: string;
  events: EngineEventSink;
  /** Waits between look-ups of an order whose outcome is unknown (ms). */
  lookupDelaysMs?: readonly number[];
  /** Builds the signal model of a set (default: the z-score of log returns). */
  signalFor?: (set: ParameterSet) => SignalModel;
}

interface Slot {
  set: ParameterSet;
  signal: SignalModel;
  rules: SymbolRules;
  /** The operation in flight for this symbol (entry, protection, exit), if any. */
  busy: Promise<void> | undefined;
  /** An exit signal that came while busy; acted on when the operation ends. */
  exitWanted: boolean;
  lastPrice: number;
  /** A candle that closed longer ago than this (ms) only warms the signal: no trading on stale data. */
  staleMs: number;
}

const EXIT_REASON_BY_PURPOSE = { 'take-profit': 'take-profit', 'stop-loss': 'stop-loss' } as const;

/**
 * The orchestrator: signals in, orders out, every change through the ledger. It knows nothing of
 * Binance, paper fills, SQLite or Electron: those are behind the Exchange, MarketFeed and
 * LedgerStore ports, so the same code runs paper, live, the CLI, the desktop app and the tests.
 *
 * Hot path: onCandle() is synchronous and allocation-free unless a signal fires; it returns a
 * promise only when it started an order, so a replay can await exactly those.
 */
export class TradingEngine {
  readonly ledger: Ledger;
  private readonly slots = new Map<string, Slot>();
  private readonly exchange: Exchange;
  private readonly clock: Clock;
  private readonly emit: EngineEventSink;
  private readonly lookupDelays: readonly number[];
  private halted = false;
  private started = false;
  private unsubscribe: (() => void) | undefined;
  private readonly inflight = new Set<Promise<void>>();
  /** Work outside the per-symbol flows (reconciliation, emergency stop) during which balance events wait. */
  private holds = 0;

  constructor(private readonly opts: EngineOptions) {
    this.exchange = opts.exchange;
    this.clock = opts.clock;
    this.emit = opts.events;
    this.lookupDelays = opts.lookupDelaysMs ?? [250, 1000, 3000];
    this.ledger = new Ledger(opts.store, opts.quoteAsset);
  }

  now(): number {
    return this.clock.now();
  }

  get isHalted(): boolean {
    return this.halted;
  }

  get sets(): ParameterSet[] {
    return [...this.slots.values()].map((s) => s.set);
  }

  /**
   * What the market feed must deliver: every traded set, plus the symbols of open positions whose
   * set is disabled or gone (their OCO still needs prices in paper, and their exit must be seen).
   */
  subscriptions(): Array<{ symbol: string; interval: ParameterSet['interval'] }> {
    const subs = this.sets.map((s) => ({ symbol: s.symbol, interval: s.interval }));
    for (const p of this.ledger.openPositions()) {
      if (!subs.some((x) => x.symbol === p.symbol)) subs.push({ symbol: p.symbol, interval: p.params.interval });
    }
    return subs;
  }

  /** The symbol rules, signal and last price of a traded symbol (for reports). */
  symbolState(
    symbol: string,
  ): { set: ParameterSet; rules: SymbolRules; signal: number; lastPrice: number } | undefined {
    const s = this.slots.get(symbol);
    return s && { set: s.set, rules: s.rules, signal: s.signal.value, lastPrice: s.lastPrice };
  }

  /**
   * Loads symbol rules, syncs the balance, subscribes to order events and reconciles the stored
   * ledger with the exchange. No entry happens before this resolves.
   */
  async start(): Promise<string[]> {
    const makeSignal = this.opts.signalFor ?? ((set: ParameterSet) => new ZScoreSignal(set));
    for (const set of this.opts.sets) {
      if (!set.enabled) continue;
      const rules = await this.exchange.getSymbolRules(set.symbol);
      if (rules.quoteAsset !== this.opts.quoteAsset) {
        throw new Error(`${set.symbol} is quoted in ${rules.quoteAsset}, not ${this.opts.quoteAsset}`);
      }
      this.slots.set(set.symbol, {
        set,
        signal: makeSignal(set),
        rules,
        busy: undefined,
        exitWanted: false,
        lastPrice: NaN,
        staleMs: 2 * intervalMs(set.interval),
      });
    }
    for (const p of this.ledger.openPositions()) {
      if (this.slots.has(p.symbol)) continue;
      await this.loadRules(p.symbol);
      this.tell({
        type: 'warning',
        symbol: p.symbol,
        message: `${p.symbol} holds a position but its parameter set is disabled or gone: it stays protected by its OCO and is followed until it closes, with no z-score reversal exit`,
      });
    }
    this.unsubscribe = this.exchange.subscribe({
      onOrderUpdate: (r) => this.onOrderUpdate(r),
      onBalance: (asset, total) => {
        // Mid-flow, our own arithmetic and the exchange's figure may be one fill apart: only adopt
        // the exchange's balance when nothing is in flight.
        if (asset === this.opts.quoteAsset && this.inflight.size === 0 && this.holds === 0) this.syncBalanceTo(total);
      },
    });
    const report = await this.hold(async () => {
      // Reconcile first, then read the balance: booking a fill that happened while we were down
      // must not be applied on top of a balance that already includes it.
      const lines = await new Reconciler(this, this.exchange).run();
      await this.syncBalance(true);
      return lines;
    });
    if (this.ledger.emergencyStopPending) {
      this.tell({ type: 'warning', message: 'an emergency stop was interrupted; finishing it now' });
      await this.emergencyStop();
    }
    this.started = true;
    return report;
  }

  /** Feeds a closed candle of a history warm-up: the signal only, no trading. */
  warm(c: Candle): void {
    const slot = this.slots.get(c.symbol);
    if (slot && slot.set.interval === c.interval) {
      slot.signal.update(c.close);
      slot.lastPrice = c.close;
    }
  }

  /** A closed candle: update the signal; act when it crosses a threshold. */
  onCandle(c: Candle): void | Promise<void> {
    const slot = this.slots.get(c.symbol);
    if (slot === undefined || slot.set.interval !== c.interval) return;
    slot.lastPrice = c.close;
    const s = slot.signal.update(c.close);
    if (!this.started || !(s === s)) return; // NaN: still warming up
    // A candle delivered late (backfilled after a disconnect) warms the signal but does not trade:
    // its signal is about a market that has moved on.
    if (c.closeTime + slot.staleMs < this.clock.now()) return;
    const set = slot.set;
    if (s >= set.zScoreThreshold) return this.onBuySignal(slot, s);
    if (s <= set.exitZScore) return this.onExitSignal(slot, s);
    return undefined;
  }

  /** A real-time price (paper fills are the paper exchange's business; this is for reports). */
  onPrice(symbol: string, price: number): void {
    const slot = this.slots.get(symbol);
    if (slot) slot.lastPrice = price;
  }

  getAllocationStatus(): AllocationStatus {
    return this.ledger.getAllocationStatus();
  }

  /** The seed's emergency reset: clears every reservation, warns about positions still held. */
  clearAllAllocations(): { cleared: number; withPositions: string[] } {
    const { cleared, withPositions } = this.ledger.clearAllAllocations(this.clock.now());
    this.tell({
      type: 'allocations-cleared',
      cleared: cleared.map((r) => ({ symbol: r.symbol, amount: r.amount.toFixed() })),
      withPositions,
      quoteAsset: this.opts.quoteAsset,
    });
    return { cleared: cleared.length, withPositions };
  }

  /** Stops new entries and waits for every operation in flight (positions stay protected). */
  async stop(): Promise<void> {
    this.halted = true;
    await this.settle();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Waits until no operation is in flight. */
  async settle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /**
   * Emergency stop: no new entries, cancel every OCO, sell every position at market, clear every
   * reservation. Recorded before it starts, so a crash in the middle finishes it on restart.
   */
  async emergencyStop(): Promise<void> {
    this.halted = true;
    this.ledger.setEmergencyStop(true, this.clock.now());
    await this.hold(async () => {
      await this.settle();
      const positions = this.ledger.openPositions();
      this.tell({ type: 'emergency-stop', phase: 'started', positions: positions.length });
      for (const p of positions) {
        const slot = this.slots.get(p.symbol);
        if (slot?.busy) await slot.busy.catch(() => undefined);
        const current = this.ledger.position(p.symbol);
        if (!current || current.id !== p.id) continue;
        try {
          if (current.status === 'opening') {
            // The buy's outcome was unknown: find it; a fill is sold at once (afterEntry sees the stop).
            const report = await this.lookUp(current.symbol, current.entryClientOrderId);
            if (report === 'absent') this.failEntry(current, 'the buy never reached the exchange');
            else if (report) await this.afterEntry(current, report);
          } else {
            await this.exitPosition(current, 'emergency');
          }
        } catch (e) {
          this.tell({ type: 'error', symbol: p.symbol, message: `emergency exit failed: ${describe(e)}` });
        }
      }
    });
    const left = this.ledger.openPositions();
    // Reservations of closed positions are gone already; what remains belongs to positions that could
    // not be closed (they still hold coins) or to nothing (released).
    for (const r of this.ledger.allReservations()) {
      if (!left.some((p) => p.id === r.positionId))
        this.tellReleased(r.symbol, this.ledger.releaseOrphan(r.symbol, 'emergency stop', this.clock.now()), 'orphan');
    }
    if (left.length === 0) {
      this.ledger.setEmergencyStop(false, this.clock.now());
    } else {
      this.tell({
        type: 'error',
        message: `emergency stop incomplete: ${left.map((p) => `${p.symbol} (${p.status})`).join(', ')} could not be closed; it is retried at the next start (npm run emergencyStop)`,
      });
    }
    this.tell({ type: 'emergency-stop', phase: 'finished', positions: left.length });
  }

  // ---- signal handling ------------------------------------------------------------------------

  private onBuySignal(slot: Slot, s: number): void | Promise<void> {
    const symbol = slot.set.symbol;
    this.tell({ type: 'signal', symbol, value: s, threshold: slot.set.zScoreThreshold, side: 'buy' });
    if (slot.busy || this.ledger.reservation(symbol) || this.ledger.position(symbol)) {
      this.tell({ type: 'skip', symbol, reason: 'has-position' });
      this.ledger.note('skip', symbol, `Already have position in ${symbol}, skipping buy signal`, this.clock.now(), {
        signal: s,
      });
      return;
    }
    if (this.halted) {
      this.tell({ type: 'skip', symbol, reason: 'halted' });
      return;
    }
    return this.track(slot, this.enter(slot, s));
  }

  private onExitSignal(slot: Slot, s: number): void | Promise<void> {
    const p = this.ledger.position(slot.set.symbol);
    if (!p || p.status === 'opening' || p.status === 'exiting') return;
    if (this.ledger.emergencyStopPending) return; // the emergency stop is selling it
    this.tell({ type: 'signal', symbol: p.symbol, value: s, threshold: slot.set.exitZScore, side: 'exit' });
    if (slot.busy) {
      slot.exitWanted = true;
      return;
    }
    return this.track(slot, this.exitPosition(p, 'reversal'));
  }

  // ---- order events -------------------------------------------------------------------------

  /** An order changed on the exchange. A filled OCO leg closes its position. */
  onOrderUpdate(report: OrderReport): void {
    if (report.status !== 'FILLED') return;
    const p = this.ledger.positionForOrder(report.clientOrderId, report.listClientOrderId);
    if (!p || p.status === 'opening') return;
    const order = this.ledger.order(report.clientOrderId);
    const purpose = order?.purpose;
    if (purpose !== 'take-profit' && purpose !== 'stop-loss') return; // entries and market exits are handled where they are sent
    this.closeWith(p, report, EXIT_REASON_BY_PURPOSE[purpose]);
  }

  // ---- flows --------------------------------------------------------------------------------

  private async enter(slot: Slot, s: number): Promise<void> {
    const { set, rules } = slot;
    const now = this.clock.now();
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
            : 'No balance';
      this.tell({
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
              quoteAsset: this.opts.quoteAsset,
            }
          : {}),
      });
      this.ledger.note(
        'reserve-failed',
        set.symbol,
        `Failed to reserve funds for ${set.symbol}: ${reason} (${outcome.detail})`,
        now,
        { signal: s },
      );
      return;
    }
    const { reservation, position } = outcome;
    this.tell({
      type: 'reserved',
      symbol: set.symbol,
      amount: reservation.amount.toFixed(),
      percent: set.allocationPercent,
      totalReserved: this.ledger.totalReserved().toFixed(),
      totalBalance: this.ledger.totalBalance().toFixed(),
      quoteAsset: this.opts.quoteAsset,
    });

    let report: OrderReport | undefined;
    try {
      report = await this.exchange.marketBuyByQuote({
        symbol: set.symbol,
        quoteAmount: reservation.amount,
        clientOrderId: position.entryClientOrderId,
      });
    } catch (e) {
      if (isUnknownOutcome(e)) {
        const found = await this.lookUp(set.symbol, position.entryClientOrderId);
        if (found === 'absent') {
          this.failEntry(position, `${describe(e)}; the exchange has no such order, so it was not executed`);
          return;
        }
        report = found;
        if (report === undefined) {
          this.tell({
            type: 'error',
            symbol: set.symbol,
            message: `the buy's outcome is unknown (${describe(e)}); the reservation stays until the order can be looked up`,
          });
          return;
        }
      } else {
        this.failEntry(position, describe(e));
        return;
      }
    }
    await this.afterEntry(position, report);
  }

  /** Books an entry report: a fill becomes a position to protect; nothing filled releases the funds. */
  async afterEntry(position: Position, report: OrderReport): Promise<void> {
    const rules = this.rulesFor(position.symbol);
    if (report.executedQty.isZero()) {
      if (report.status === 'NEW' || report.status === 'PARTIALLY_FILLED') return; // still working; reconciliation follows it
      this.failEntry(position, `order ${report.status.toLowerCase()} with nothing filled`, report);
      return;
    }
    const filled = this.ledger.entryFilled(position.id, report, rules, this.clock.now());
    const p = filled.position;
    if (filled.feesEstimated) {
      this.tell({
        type: 'warning',
        symbol: p.symbol,
        message: `the exchange did not detail every fill of the buy: commission assumed at 0.25%, so ${p.sellQty.toFixed()} is protected and a little may stay as dust`,
      });
    }
    const reservation = this.ledger.reservation(p.symbol);
    this.tell({
      type: 'buy-filled',
      symbol: p.symbol,
      mode: this.exchange.kind,
      quantity: p.boughtQty.toFixed(),
      avgPrice: p.avgPrice.toFixed(),
      spent: p.cost.toFixed(),
      allocated: (reservation?.amount ?? filled.released ?? p.cost).toFixed(),
      percent: p.params.allocationPercent,
      partial: filled.partial,
      quoteAsset: this.opts.quoteAsset,
    });
    if (filled.dust) {
      this.tell({
        type: 'warning',
        symbol: p.symbol,
        message: `bought ${p.boughtQty.toFixed()} ${p.symbol} is below the exchange's minimums and stays as dust`,
      });
      this.tellReleased(p.symbol, filled.released ?? p.cost, 'dust');
      return;
    }
    if (this.halted && this.ledger.emergencyStopPending) {
      await this.exitPosition(p, 'emergency');
      return;
    }
    await this.protect(p);
  }

  private failEntry(position: Position, why: string, report?: OrderReport): void {
    const released = this.ledger.entryFailed(position.id, why, this.clock.now(), report);
    this.tell({ type: 'error', symbol: position.symbol, message: `buy failed: ${why}` });
    this.tellReleased(position.symbol, released, 'entry-failed');
  }

  /**
   * Places the protective OCO. A rejection is retried once with a fresh price check; if the price is
   * already beyond a leg, or the retry fails too, the position is sold at market. A filled buy is
   * never left silently unprotected.
   */
  async protect(position: Position): Promise<void> {
    const rules = this.rulesFor(position.symbol);
    let p = position;
    for (let attempt = 1; attempt <= 2; attempt++) {
      if (attempt === 2) {
        const beyond = await this.priceBeyondLegs(p);
        if (beyond) {
          await this.exitPosition(p, beyond.reason, beyond.detail);
          return;
        }
      }
      const planned = planOco(p, rules, this.exchange.clientOrderIdPrefix, this.ledger.ledgerId);
      if (!planned.ok) {
        this.tell({ type: 'oco-rejected', symbol: p.symbol, attempt, reason: planned.problem });
        await this.exitPosition(p, 'unprotectable', planned.problem);
        return;
      }
      const plan = planned.plan;
      p = this.ledger.ocoPending(p.id, plan, this.clock.now());
      try {
        const report = await this.exchange.placeOco({ symbol: p.symbol, ...plan });
        if (!this.stillOpen(p)) return; // a leg filled (and closed it) before the answer came back
        if (report.status === 'REJECT') throw new ExchangeError('rejected', 'the OCO was rejected by the exchange');
        this.recordOcoPlaced(p, plan, report);
        return;
      } catch (e) {
        if (isUnknownOutcome(e)) {
          const found = await this.lookUpOco(p.symbol, plan.listClientOrderId);
          if (found === undefined) {
            // It may rest on the exchange: a second OCO would be refused (coins locked) and a market
            // exit could sell coins the OCO holds. Keep its legs pending; reconciliation resolves it.
            this.tell({
              type: 'error',
              symbol: p.symbol,
              message: `the OCO's outcome is unknown (${describe(e)}); it is looked up again at the next check - do not trade ${p.symbol} by hand meanwhile`,
            });
            return;
          }
          if (found !== 'absent' && found.status !== 'REJECT') {
            if (!this.stillOpen(p)) return;
            this.recordOcoPlaced(p, plan, found);
            return;
          }
        }
        if (!this.stillOpen(p)) return;
        const why = describe(e);
        p = this.ledger.ocoEnded(p.id, 'rejected', why, this.clock.now());
        this.tell({ type: 'oco-rejected', symbol: p.symbol, attempt, reason: why });
      }
    }
    await this.exitPosition(p, 'unprotectable', 'the OCO was rejected twice');
  }

  /** Books an OCO the exchange accepted (answered, or found after an unknown outcome) and tells. */
  private recordOcoPlaced(position: Position, plan: OcoPlan, report: OcoReport): void {
    const p = this.ledger.ocoPlaced(position.id, report, this.clock.now());
    this.tell({
      type: 'oco-placed',
      symbol: p.symbol,
      quantity: plan.quantity.toFixed(),
      takeProfit: plan.takeProfitPrice.toFixed(),
      stop: plan.stopPrice.toFixed(),
      stopLimit: plan.stopLimitPrice.toFixed(),
      profitPercent: p.params.profitPercent,
      stopLossPercent: p.params.stopLossPercent,
    });
  }

  /** Whether the market has already passed a leg of the position's OCO (so no OCO can be placed). */
  private async priceBeyondLegs(p: Position): Promise<{ reason: ExitReason; detail: string } | undefined> {
    let last: Decimal;
    try {
      last = await this.exchange.getLastPrice(p.symbol);
    } catch {
      return undefined;
    }
    const planned = planOco(p, this.rulesFor(p.symbol), this.exchange.clientOrderIdPrefix, this.ledger.ledgerId);
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

  /**
   * Leaves a position at market: records the intent, cancels the OCO if one rests, sells what we
   * hold. If an OCO leg filled in the meantime, that fill closes the position instead.
   */
  async exitPosition(position: Position, reason: ExitReason, detail?: string): Promise<void> {
    if (this.exiting.has(position.id)) return; // an exit of this position is already under way
    this.exiting.add(position.id);
    try {
      await this.exitOnce(position, reason, detail);
    } finally {
      this.exiting.delete(position.id);
    }
  }

  private readonly exiting = new Set<number>();

  private async exitOnce(position: Position, reason: ExitReason, detail?: string): Promise<void> {
    let p = this.ledger.position(position.symbol);
    if (!p || p.id !== position.id || p.status === 'closed') return;
    const rules = this.rulesFor(p.symbol);
    const clientOrderId = p.exitClientOrderId ?? exitId(this.exchange.clientOrderIdPrefix, this.ledger.ledgerId, p.id);
    const ocoLive = this.hasLiveOco(p);
    p = this.ledger.exitStarted(
      p.id,
      p.exitReason && p.status === 'exiting' ? p.exitReason : reason,
      clientOrderId,
      this.clock.now(),
    );
    this.tell({
      type: 'exit-started',
      symbol: p.symbol,
      reason: p.exitReason ?? reason,
      ...(detail ? { detail } : {}),
    });

    if (ocoLive) {
      const ended = await this.cancelOco(p);
      if (ended === 'closed') return;
    }
    const current = this.ledger.position(p.symbol);
    if (!current || current.id !== p.id) return;
    // Sell what we hold, in up to three market orders when a thin book leaves some unsold (EXPIRED).
    // Each attempt has its own client id, recorded before it is sent; an attempt already sent
    // (found by a restart) is looked up, never sent again.
    const sells: OrderReport[] = [];
    let remaining = p.sellQty;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const id =
        attempt === 1 ? clientOrderId : exitId(this.exchange.clientOrderIdPrefix, this.ledger.ledgerId, p.id, attempt);
      if (attempt > 1) this.ledger.exitStarted(p.id, p.exitReason ?? reason, id, this.clock.now());
      let report = await this.lookUpQuiet(p.symbol, id);
      if (!report) {
        try {
          report = await this.exchange.marketSell({ symbol: p.symbol, quantity: remaining, clientOrderId: id });
        } catch (e) {
          if (isUnknownOutcome(e)) {
            const found = await this.lookUp(p.symbol, id);
            report = found === 'absent' ? undefined : found;
          }
          if (!report) {
            this.tell({
              type: 'error',
              symbol: p.symbol,
              message: `market sell failed: ${describe(e)}; ${remaining.toFixed()} ${rules.baseAsset} is NOT protected - sell it by hand or restart to retry`,
            });
            if (sells.length === 0) return;
            break;
          }
        }
      }
      sells.push(report);
      remaining = remaining.sub(report.executedQty);
      if (report.status === 'FILLED' || remaining.lte(0)) break;
      if (lotProblem(floorToStep(remaining, rules.stepSize), rules, true)) break; // what is left is dust
      this.tell({
        type: 'warning',
        symbol: p.symbol,
        message: `market sell ${report.status.toLowerCase()} with ${remaining.toFixed()} ${rules.baseAsset} unsold; selling the rest`,
      });
    }
    const report = combineSells(sells);
    if (!report || report.executedQty.isZero()) {
      this.tell({
        type: 'error',
        symbol: p.symbol,
        message: `market sell ended with nothing filled; the position is NOT protected`,
      });
      return;
    }
    if (remaining.gt(0) && !lotProblem(floorToStep(remaining, rules.stepSize), rules, true)) {
      this.tell({
        type: 'error',
        symbol: p.symbol,
        message: `${remaining.toFixed()} ${rules.baseAsset} could not be sold after 3 market orders: sell it by hand`,
      });
    }
    this.closeWith(p, report, p.exitReason ?? reason);
  }

  /** Cancels the position's OCO. Returns 'closed' when a leg had filled and closed the position. */
  private async cancelOco(p: Position): Promise<'closed' | 'canceled'> {
    const listId = p.ocoListClientOrderId!;
    try {
      await this.exchange.cancelOco(p.symbol, listId);
      this.ledger.ocoEnded(p.id, 'canceled', `cancelled for ${p.exitReason ?? 'exit'}`, this.clock.now());
      return 'canceled';
    } catch (e) {
      // Unknown list, or already done: find out what happened to it.
      const found = await this.lookUpOco(p.symbol, listId);
      if (found === 'absent') {
        // The exchange has no such list: nothing of ours rests there, selling is safe.
        this.ledger.ocoEnded(p.id, 'canceled', `not on the exchange (${describe(e)})`, this.clock.now());
        return 'canceled';
      }
      const oco = found;
      const leg = oco && [oco.takeProfit, oco.stopLoss].find((l) => l.status === 'FILLED');
      if (leg) {
        const purpose = leg === oco.takeProfit ? 'take-profit' : 'stop-loss';
        this.closeWith(p, leg, purpose);
        return 'closed';
      }
      // Still resting, or we cannot tell: selling now could sell twice. The exit stays recorded;
      // a later fill of a leg still closes the position, and reconciliation retries the exit.
      if (!oco)
        throw new Error(
          `could not cancel the OCO and cannot look it up (${describe(e)}); not selling, the OCO may still be live`,
        );
      if (oco.status === 'EXECUTING')
        throw new Error(`the OCO is still live and could not be cancelled (${describe(e)}); not selling`);
      if (this.ledger.position(p.symbol)?.id === p.id)
        this.ledger.ocoEnded(p.id, 'canceled', `not on the exchange any more (${describe(e)})`, this.clock.now());
      return 'canceled';
    }
  }

  /** Closes a position with its selling order, and tells. Idempotent. */
  closeWith(position: Position, sell: OrderReport, reason: ExitReason): void {
    const p = this.ledger.position(position.symbol);
    if (!p || p.id !== position.id) return;
    const { trade, released } = this.ledger.positionClosed(
      p.id,
      sell,
      reason,
      this.rulesFor(p.symbol),
      this.clock.now(),
    );
    this.tell({
      type: 'position-closed',
      symbol: p.symbol,
      reason,
      quantity: trade.quantity.toFixed(),
      exitPrice: trade.exitPrice.toFixed(),
      pnl: trade.pnl.toFixed(),
      pnlPercent: trade.pnlPercent,
      quoteAsset: this.opts.quoteAsset,
    });
    this.tellReleased(p.symbol, released, reason);
    this.tellBalance();
  }

  // ---- helpers ------------------------------------------------------------------------------

  rulesFor(symbol: string): SymbolRules {
    const slot = this.slots.get(symbol);
    if (slot) return slot.rules;
    const cached = this.extraRules.get(symbol);
    if (cached) return cached;
    throw new Error(`no symbol rules for ${symbol}: it is not in the parameter sets (load them with loadRules)`);
  }

  private readonly extraRules = new Map<string, SymbolRules>();

  /** Rules for symbols the ledger holds but the current parameter sets no longer trade. */
  async loadRules(symbol: string): Promise<void> {
    if (!this.slots.has(symbol) && !this.extraRules.has(symbol))
      this.extraRules.set(symbol, await this.exchange.getSymbolRules(symbol));
  }

  /** Whether an OCO of this position may still rest on the exchange (legs sent, not known final). */
  hasLiveOco(p: Position): boolean {
    return this.ledger
      .ordersOf(p.id)
      .some(
        (o) =>
          (o.purpose === 'take-profit' || o.purpose === 'stop-loss') && (o.state === 'open' || o.state === 'pending'),
      );
  }

  private async hold<T>(work: () => Promise<T>): Promise<T> {
    this.holds++;
    try {
      return await work();
    } finally {
      this.holds--;
    }
  }

  /** Runs the reconciler now (live sessions call this periodically): resolves unknown outcomes. */
  async recheck(): Promise<string[]> {
    if (this.inflight.size > 0 || this.holds > 0) return [];
    const lines = await this.hold(() => new Reconciler(this, this.exchange).run({ quietWhenClean: true }));
    return lines;
  }

  private stillOpen(p: Position): boolean {
    const cur = this.ledger.position(p.symbol);
    return cur !== undefined && cur.id === p.id;
  }

  private track(slot: Slot, work: Promise<void>): Promise<void> {
    const run = work
      .catch((e: unknown) => {
        this.tell({ type: 'error', symbol: slot.set.symbol, message: `unexpected: ${describe(e)}` });
      })
      .finally(() => {
        this.inflight.delete(run);
        if (slot.busy === run) slot.busy = undefined;
      })
      .then(() => {
        if (slot.exitWanted) {
          slot.exitWanted = false;
          const p = this.ledger.position(slot.set.symbol);
          if (p && p.status === 'protected' && slot.signal.value <= slot.set.exitZScore)
            return this.track(slot, this.exitPosition(p, 'reversal'));
        }
        return undefined;
      });
    slot.busy = run;
    this.inflight.add(run);
    return run;
  }

  /**
   * Looks an order up after an unknown outcome, asking again after each delay (an order accepted a
   * moment ago may not show at once): its report; 'absent' when the exchange, asked to the end,
   * says it has no such order (it was never executed); undefined when the exchange could not be
   * asked (the outcome stays unknown).
   */
  private async lookUp(symbol: string, clientOrderId: string): Promise<OrderReport | 'absent' | undefined> {
    return this.lookUpWith(() => this.exchange.getOrder(symbol, clientOrderId));
  }

  private async lookUpWith<T>(ask: () => Promise<T | undefined>): Promise<T | 'absent' | undefined> {
    let last: 'absent' | undefined;
    for (const delay of [0, ...this.lookupDelays]) {
      if (delay > 0) await sleep(delay);
      try {
        const found = await ask();
        if (found !== undefined) return found;
        last = 'absent';
      } catch {
        last = undefined;
      }
    }
    return last;
  }

  private async lookUpQuiet(symbol: string, clientOrderId: string): Promise<OrderReport | undefined> {
    try {
      return await this.exchange.getOrder(symbol, clientOrderId);
    } catch {
      return undefined;
    }
  }

  private async lookUpOco(symbol: string, listClientOrderId: string) {
    return this.lookUpWith(() => this.exchange.getOco(symbol, listClientOrderId));
  }

  /** Reads the quote balance from the exchange; tells it when it changed (or always). */
  async syncBalance(always = false): Promise<void> {
    const balance = await this.exchange.getBalance(this.opts.quoteAsset);
    this.syncBalanceTo(balance, always);
  }

  private syncBalanceTo(balance: Decimal, always = false): void {
    const changed = this.ledger.setQuoteBalance(balance, this.clock.now());
    if (changed || always) this.tellBalance();
  }

  private lastToldTotal: string | undefined;

  private tellBalance(): void {
    const total = this.ledger.totalBalance().toFixed();
    if (total === this.lastToldTotal) return; // said already
    this.lastToldTotal = total;
    this.tell({
      type: 'balance',
      quoteAsset: this.opts.quoteAsset,
      quoteBalance: this.ledger.balance.toFixed(),
      totalBalance: this.ledger.totalBalance().toFixed(),
    });
  }

  tellReleased(symbol: string, amount: Decimal, reason: ExitReason | 'orphan'): void {
    this.tell({
      type: 'released',
      symbol,
      amount: amount.toFixed(),
      reason,
      totalReserved: this.ledger.totalReserved().toFixed(),
      totalBalance: this.ledger.totalBalance().toFixed(),
      quoteAsset: this.opts.quoteAsset,
    });
  }

  tell(e: EngineEvent): void {
    this.emit(e, this.clock.now());
  }
}

/** Several market sells of one exit as one report (quantities, quote and fills added up). */
function combineSells(sells: readonly OrderReport[]): OrderReport | undefined {
  const last = sells.at(-1);
  if (!last) return undefined;
  if (sells.length === 1) return last;
  return {
    ...last,
    executedQty: sells.reduce((a, r) => a.add(r.executedQty), ZERO),
    cumQuote: sells.reduce((a, r) => a.add(r.cumQuote), ZERO),
    fills: sells.flatMap((r) => r.fills),
    status: 'FILLED',
  };
}

function isUnknownOutcome(e: unknown): boolean {
  return e instanceof ExchangeError && (e.kind === 'unknown-outcome' || e.kind === 'network');
}

export function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
