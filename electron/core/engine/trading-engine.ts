import type { ParameterSet } from '../../../shared/params/schema';
import type { AllocationStatus } from '../ledger/allocation-status';
import { Ledger } from '../ledger/ledger';
import type { ExitReason, Position } from '../ledger/records';
import type { Decimal } from '../money/decimal';
import type { SymbolRules } from '../money/symbol-rules';
import type { Clock } from '../ports/clock';
import { ExchangeError, type Exchange, type OrderReport } from '../ports/exchange';
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
      });
    }
    this.unsubscribe = this.exchange.subscribe({
      onOrderUpdate: (r) => this.onOrderUpdate(r),
      onBalance: (asset, total) => {
        if (asset === this.opts.quoteAsset && this.inflight.size === 0) this.syncBalanceTo(total);
      },
    });
    await this.syncBalance(true);
    const report = await new Reconciler(this, this.exchange).run();
    await this.syncBalance(false);
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
    await this.settle();
    const positions = this.ledger.openPositions();
    this.tell({ type: 'emergency-stop', phase: 'started', positions: positions.length });
    for (const p of positions) {
      const slot = this.slots.get(p.symbol);
      const run = async () => {
        if (p.status === 'opening') return; // nothing bought (reconciliation resolved it already)
        await this.exitPosition(p, 'emergency');
      };
      await (slot ? this.track(slot, run()) : run());
    }
    if (this.ledger.allReservations().length > 0) this.clearAllAllocations();
    this.ledger.setEmergencyStop(false, this.clock.now());
    this.tell({ type: 'emergency-stop', phase: 'finished', positions: this.ledger.openPositions().length });
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
        report = await this.lookUp(set.symbol, position.entryClientOrderId);
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
        p = this.ledger.ocoPlaced(p.id, report, this.clock.now());
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
        return;
      } catch (e) {
        if (isUnknownOutcome(e)) {
          const found = await this.lookUpOco(p.symbol, plan.listClientOrderId);
          if (found && found.status !== 'REJECT') {
            if (!this.stillOpen(p)) return;
            p = this.ledger.ocoPlaced(p.id, found, this.clock.now());
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
    // Sell what we hold: if the exit order was already sent before (restart), look it up first.
    let report = await this.lookUpQuiet(p.symbol, clientOrderId);
    if (!report) {
      try {
        report = await this.exchange.marketSell({ symbol: p.symbol, quantity: p.sellQty, clientOrderId });
      } catch (e) {
        if (isUnknownOutcome(e)) report = await this.lookUp(p.symbol, clientOrderId);
        if (!report) {
          this.tell({
            type: 'error',
            symbol: p.symbol,
            message: `market sell failed: ${describe(e)}; the position is NOT protected - sell ${p.sellQty.toFixed()} ${rules.baseAsset} by hand or restart to retry`,
          });
          return;
        }
      }
    }
    if (report.executedQty.isZero()) {
      this.tell({
        type: 'error',
        symbol: p.symbol,
        message: `market sell ${report.status.toLowerCase()} with nothing filled; the position is NOT protected`,
      });
      return;
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
      const oco = await this.lookUpOco(p.symbol, listId);
      const leg = oco && [oco.takeProfit, oco.stopLoss].find((l) => l.status === 'FILLED');
      if (leg) {
        const purpose = leg === oco.takeProfit ? 'take-profit' : 'stop-loss';
        this.closeWith(p, leg, purpose);
        return 'closed';
      }
      if (oco && oco.status === 'EXECUTING') throw e; // still resting and we could not cancel it: do not sell twice
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

  private async lookUp(symbol: string, clientOrderId: string): Promise<OrderReport | undefined> {
    for (const delay of [0, ...this.lookupDelays]) {
      if (delay > 0) await sleep(delay);
      try {
        return await this.exchange.getOrder(symbol, clientOrderId);
      } catch {
        // keep trying
      }
    }
    return undefined;
  }

  private async lookUpQuiet(symbol: string, clientOrderId: string): Promise<OrderReport | undefined> {
    try {
      return await this.exchange.getOrder(symbol, clientOrderId);
    } catch {
      return undefined;
    }
  }

  private async lookUpOco(symbol: string, listClientOrderId: string) {
    for (const delay of [0, ...this.lookupDelays]) {
      if (delay > 0) await sleep(delay);
      try {
        return await this.exchange.getOco(symbol, listClientOrderId);
      } catch {
        // keep trying
      }
    }
    return undefined;
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

  private tellBalance(): void {
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
