import { intervalMs } from '../../../shared/market/intervals';
import type { ParameterSet } from '../../../shared/params/schema';
import type { AllocationStatus } from '../ledger/allocation-status';
import { Ledger } from '../ledger/ledger';
import type { Position } from '../ledger/records';
import { entryBlocked, type SymbolRules } from '../money/symbol-rules';
import type { Clock } from '../ports/clock';
import type { Exchange } from '../ports/exchange';
import type { Candle } from '../ports/market-feed';
import type { LedgerStore } from '../ports/ledger-store';
import type { SignalModel } from '../signal/signal-model';
import { ZScoreSignal } from '../signal/zscore-signal';
import { BalanceCheck } from './balance-check';
import { describe } from './describe';
import type { EngineEvent, EngineEventSink } from './engine-events';
import { FeePrices } from './fee-prices';
import { ManualRequestError, type NewTargets } from './manual-flow';
import { PositionFlows, type ProtectionState } from './position-flows';
import { Reconciler } from './reconciler';
import { ReportMailbox } from './report-mailbox';
import { rulesChanges } from './rules-changes';
import { SymbolLocks } from './symbol-locks';
import { DEFAULT_TIMINGS, type EngineTimings } from './timings';

export interface EngineOptions {
  exchange: Exchange;
  store: LedgerStore;
  clock: Clock;
  sets: readonly ParameterSet[];
  quoteAsset: string;
  events: EngineEventSink;
  /** Waits and retries (default: DEFAULT_TIMINGS, for Binance). */
  timings?: Partial<EngineTimings>;
  /** Shorthand for timings.lookupDelaysMs (kept for callers that set only that). */
  lookupDelaysMs?: readonly number[];
  /** Builds the signal model of a set (default: the z-score of log returns). */
  signalFor?: (set: ParameterSet) => SignalModel;
  /**
   * Check the ledger's balance against the exchange's after operations settle (live and paper on
   * live prices; a replay's simulated account cannot differ and must not depend on timers).
   */
  auditBalance?: boolean;
}

interface Slot {
  set: ParameterSet;
  signal: SignalModel;
  rules: SymbolRules;
  lastPrice: number;
  /** A candle that closed longer ago than this (ms) only warms the signal: no trading on stale data. */
  staleMs: number;
  /** Why entries are refused now (symbol status or flags), as last told; undefined when they are allowed. */
  blocked: string | undefined;
  /** Stale candles in a row (told at the first, and when fresh ones come again). */
  staleRun: number;
}

/**
 * The orchestrator: signals in, orders out, every change through the ledger. It decides when to
 * enter and exit; the steps of a trade (PositionFlows) and the comparison with the exchange
 * (Reconciler) are in their own files and shared with reconciliation. It knows nothing of Binance,
 * paper fills, SQLite or Electron: those are behind the Exchange, MarketFeed and LedgerStore ports,
 * so the same code runs paper, live, the CLI, the desktop app and the tests.
 *
 * Hot path: onCandle() is synchronous and allocation-free unless a signal fires or something is
 * due; it returns a promise only when operations are in flight, so a replay can await exactly those.
 */
export class TradingEngine {
  readonly ledger: Ledger;
  private readonly slots = new Map<string, Slot>();
  private readonly extraRules = new Map<string, SymbolRules>();
  private readonly exchange: Exchange;
  private readonly clock: Clock;
  private readonly emit: EngineEventSink;
  private readonly timings: EngineTimings;
  private readonly locks = new SymbolLocks();
  private readonly mailbox = new ReportMailbox();
  private readonly stopping = new AbortController();
  private readonly flows: PositionFlows;
  private readonly fees: FeePrices;
  private readonly balanceCheck: BalanceCheck | undefined;
  private halted = false;
  private started = false;
  private unsubscribe: (() => void) | undefined;
  /** Operations settle() waits for. */
  private readonly inflight = new Set<Promise<void>>();
  /** Look-ups that may take minutes (an entry whose answer was lost): not waited for by settle(). */
  private readonly background = new Set<Promise<void>>();

  constructor(private readonly opts: EngineOptions) {
    this.exchange = opts.exchange;
    this.clock = opts.clock;
    this.emit = opts.events;
    this.timings = {
      ...DEFAULT_TIMINGS,
      ...opts.timings,
      ...(opts.lookupDelaysMs ? { lookupDelaysMs: opts.lookupDelaysMs } : {}),
    };
    this.ledger = new Ledger(opts.store, opts.quoteAsset);
    this.fees = new FeePrices(opts.exchange, opts.quoteAsset, (message) => this.tell({ type: 'warning', message }));
    this.flows = new PositionFlows({
      ledger: this.ledger,
      exchange: this.exchange,
      clock: this.clock,
      timings: this.timings,
      locks: this.locks,
      mailbox: this.mailbox,
      stopping: this.stopping.signal,
      tell: (e) => this.tell(e),
      rulesFor: (symbol) => this.rulesFor(symbol),
      valueOther: this.fees.value,
      track: (symbol, work) => this.track(symbol, work),
      background: (symbol, work) => this.runInBackground(symbol, work),
      checkBalanceSoon: () => this.balanceCheck?.schedule(0),
      recheckLocked: (symbol) => this.recheckLocked(symbol),
      halted: () => this.halted,
      setFor: (symbol) => this.slots.get(symbol)?.set,
      lastPrice: (symbol) => this.slots.get(symbol)?.lastPrice ?? NaN,
      marketOpen: (symbol, reread) => this.marketOpen(symbol, reread),
    });
    this.balanceCheck = opts.auditBalance
      ? new BalanceCheck({
          ledger: this.ledger,
          exchange: this.exchange,
          now: () => this.clock.now(),
          tell: (e) => this.tell(e),
          idle: () => this.inflight.size === 0 && this.background.size === 0 && !this.anyOrderPending(),
          rereadWorkingOrders: () => this.rereadWorkingOrders(),
          tellBalance: () => this.flows.tellBalance(),
        })
      : undefined;
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
  ): { set: ParameterSet; rules: SymbolRules; signal: number; lastPrice: number; blocked?: string } | undefined {
    const s = this.slots.get(symbol);
    return (
      s && {
        set: s.set,
        rules: s.rules,
        signal: s.signal.value,
        lastPrice: s.lastPrice,
        ...(s.blocked ? { blocked: s.blocked } : {}),
      }
    );
  }

  /** What the position's protective OCO is doing (stop triggered and not filled, ...), for reports. */
  protectionOf(symbol: string): ProtectionState {
    return this.flows.protectionOf(symbol);
  }

  /**
   * Loads symbol rules, subscribes to order events and reconciles the stored ledger with the
   * exchange, then reads the balance. No entry happens before this resolves.
   */
  async start(): Promise<string[]> {
    const makeSignal = this.opts.signalFor ?? ((set: ParameterSet) => new ZScoreSignal(set));
    for (const set of this.opts.sets) {
      if (!set.enabled) continue;
      const rules = await this.exchange.getSymbolRules(set.symbol);
      if (rules.quoteAsset !== this.opts.quoteAsset) {
        throw new Error(`${set.symbol} is quoted in ${rules.quoteAsset}, not ${this.opts.quoteAsset}`);
      }
      const slot: Slot = {
        set,
        signal: makeSignal(set),
        rules,
        lastPrice: NaN,
        staleMs: 2 * intervalMs(set.interval),
        blocked: undefined,
        staleRun: 0,
      };
      this.slots.set(set.symbol, slot);
      this.checkEntryAllowed(slot);
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
    await this.watchCommissionAssets();
    this.unsubscribe = this.exchange.subscribe({
      onOrderUpdate: (r) => this.flows.onReport(r),
      onBalance: () => this.balanceCheck?.schedule(),
      onResync: () => {
        void this.recheck().then(() => this.balanceCheck?.schedule(0));
      },
    });
    const report = await this.hold(async () => {
      // Reconcile first, then read the balance: booking a fill that happened while we were down
      // must not be applied on top of a balance that already includes it.
      const lines = await this.reconciler().run();
      await this.adoptBalance('at start');
      return lines;
    });
    this.flows.tellBalance(true);
    if (this.ledger.emergencyStopPending) {
      this.tell({ type: 'warning', message: 'an emergency stop was interrupted; finishing it now' });
      await this.emergencyStop();
    }
    this.started = true;
    return report;
  }

  /**
   * Saved parameter sets reach the running engine. For every symbol it trades, the next entries use
   * the new set at once: allocation, entry and exit thresholds, take-profit and stop-loss percents,
   * the stop's type; a set disabled (or removed) never enters again, while its open position is
   * still followed (its reversal exit included). Open positions keep the take-profit and stop-loss
   * their OCO was placed with. What the running signal cannot follow (a symbol not traded since the
   * start, another interval, lookback or movingAverages) waits for the next start: said in `later`.
   */
  updateSets(sets: readonly ParameterSet[]): { applied: string[]; paused: string[]; later: string[] } {
    const applied: string[] = [];
    const paused: string[] = [];
    const later: string[] = [];
    const bySymbol = new Map(sets.map((s) => [s.symbol, s]));
    for (const [symbol, slot] of this.slots) {
      const next = bySymbol.get(symbol) ?? { ...slot.set, enabled: false };
      const old = slot.set;
      if (
        next.interval !== old.interval ||
        next.lookback !== old.lookback ||
        next.movingAverages !== old.movingAverages
      ) {
        later.push(
          `${symbol}: interval, lookback and movingAverages change at the next start (the running signal keeps ${old.interval}, ${old.lookback}, ${old.movingAverages})`,
        );
        slot.set = { ...next, interval: old.interval, lookback: old.lookback, movingAverages: old.movingAverages };
      } else {
        slot.set = next;
      }
      if (!next.enabled) {
        if (old.enabled) paused.push(symbol);
      } else applied.push(symbol);
      if (next.stopOrderType !== old.stopOrderType) this.checkEntryAllowed(slot);
    }
    for (const set of sets)
      if (set.enabled && !this.slots.has(set.symbol))
        later.push(`${set.symbol}: not traded by this session; it starts trading at the next start`);
    const note = `parameter sets updated: new entries use them (${applied.join(', ') || 'none'})${paused.length ? `; no new entries in ${paused.join(', ')}` : ''}; open positions keep their take-profit and stop-loss`;
    this.ledger.note('params', undefined, note, this.clock.now());
    // What the session trades, recorded in its ledger (status and the UI show it).
    this.opts.store.saveParameterSets(sets);
    return { applied, paused, later };
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
    if (this.flows.hasDue()) this.flows.tick(this.clock.now());
    const slot = this.slots.get(c.symbol);
    if (slot === undefined || slot.set.interval !== c.interval) return this.pending();
    slot.lastPrice = c.close;
    const s = slot.signal.update(c.close);
    if (!this.started || !(s === s)) return this.pending(); // NaN: still warming up
    // A candle delivered late (backfilled after a disconnect) warms the signal but does not trade:
    // its signal is about a market that has moved on.
    const now = this.clock.now();
    if (c.closeTime + slot.staleMs < now) {
      if (slot.staleRun++ === 0) this.tellStale(c, now);
      return this.pending();
    }
    if (slot.staleRun > 0) this.tellFresh(slot, c.symbol);
    const set = slot.set;
    if (s >= set.zScoreThreshold) this.onBuySignal(slot, s);
    else if (s <= set.exitZScore) this.onExitSignal(slot, s);
    return this.pending();
  }

  private tellStale(c: Candle, now: number): void {
    const late = Math.round((now - c.closeTime) / 1000);
    this.tell({
      type: 'warning',
      symbol: c.symbol,
      message:
        `${c.symbol}: a ${c.interval} candle arrived ${formatAge(late)} after it closed: stale candles warm the signal ` +
        'but never trade (a backfill after a reconnect, or a recorded market that was not re-stamped to now)',
    });
  }

  private tellFresh(slot: Slot, symbol: string): void {
    this.tell({
      type: 'warning',
      symbol,
      message: `${symbol}: fresh candles again after ${slot.staleRun} stale one${slot.staleRun === 1 ? '' : 's'} that did not trade`,
    });
    slot.staleRun = 0;
  }

  /** A real-time price (paper fills are the paper exchange's business; this is for reports). */
  onPrice(symbol: string, price: number): void {
    const slot = this.slots.get(symbol);
    if (slot) slot.lastPrice = price;
  }

  /**
   * Time passes (live sessions call this every second): a triggered stop's grace period, deferred
   * exits and OCOs, an emergency stop that has finished.
   */
  tick(now = this.clock.now()): void {
    this.flows.tick(now);
    if (
      this.started &&
      this.ledger.emergencyStopPending &&
      this.ledger.openPositions().length === 0 &&
      this.inflight.size === 0
    ) {
      this.ledger.setEmergencyStop(false, now);
      this.tell({ type: 'emergency-stop', phase: 'finished', positions: 0 });
    }
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

  /**
   * Stops new entries and waits for every operation in flight (positions stay protected). Look-ups
   * that wait for a lost answer end at once: the next start resumes them from the ledger.
   */
  async stop(): Promise<void> {
    this.halted = true;
    this.stopping.abort();
    this.balanceCheck?.stop();
    await this.settle();
    await Promise.allSettled([...this.background]);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Waits until no operation is in flight (look-ups of lost answers excepted). */
  async settle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /**
   * Emergency stop: no new entries, cancel every OCO, sell every position at market, clear every
   * reservation. Recorded before it starts, so a crash in the middle finishes it on restart. A sale
   * that keeps failing puts the OCO back on the coins and is retried every few seconds until done.
   */
  async emergencyStop(): Promise<void> {
    this.halted = true;
    this.ledger.setEmergencyStop(true, this.clock.now());
    await this.hold(async () => {
      const positions = this.ledger.openPositions();
      this.tell({ type: 'emergency-stop', phase: 'started', positions: positions.length });
      await Promise.allSettled(
        positions.map((p) =>
          this.track(p.symbol, () =>
            this.locks.run(p.symbol, async () => {
              const current = this.ledger.position(p.symbol);
              if (!current || current.id !== p.id) return;
              if (current.status === 'opening') return; // its buy is being looked up: a fill is sold at once
              await this.flows.exitLocked(current, 'emergency');
            }),
          ),
        ),
      );
    });
    const left = this.ledger.openPositions();
    // Reservations of closed positions are gone already; what remains belongs to positions that could
    // not be closed (they still hold coins, or their buy is still unknown) or to nothing (released).
    for (const r of this.ledger.allReservations()) {
      if (!left.some((p) => p.id === r.positionId))
        this.flows.tellReleased(
          r.symbol,
          this.ledger.releaseOrphan(r.symbol, 'emergency stop', this.clock.now()),
          'orphan',
        );
    }
    if (left.length === 0) {
      this.ledger.setEmergencyStop(false, this.clock.now());
    } else {
      this.tell({
        type: 'error',
        message: `emergency stop incomplete: ${left.map((p) => `${p.symbol} (${p.status})`).join(', ')} could not be closed yet; it is retried every ${Math.round(this.timings.deferredRetryMs / 1000)} s and at the next start`,
      });
    }
    this.tell({ type: 'emergency-stop', phase: 'finished', positions: left.length });
  }

  // ---- by hand: one position --------------------------------------------------------------------

  /**
   * Closes one position at market (cancel its OCO, sell what it holds): an exit like any other,
   * reason 'manual'. Returns when it is done (or deferred: the market closed, the sale kept failing).
   */
  async closePosition(symbol: string): Promise<string> {
    const p = this.manualTarget(symbol);
    this.ledger.note('manual', symbol, `close at market requested for position #${p.id}`, this.clock.now());
    await this.tracked(() =>
      this.locks.run(symbol, async () => {
        const cur = this.ledger.position(symbol);
        if (!cur || cur.id !== p.id || cur.status === 'opening') return;
        await this.flows.exitLocked(cur, 'manual', 'closed by hand');
      }),
    );
    const left = this.ledger.position(symbol);
    return left && left.id === p.id
      ? `${symbol}: the sale is not finished yet (${left.status}); it goes on by itself`
      : `${symbol}: closed at market`;
  }

  /** Moves a protected position's take-profit and/or stop (decimal prices); see ManualFlow.retargetLocked. */
  async moveTargets(symbol: string, targets: NewTargets): Promise<string> {
    const p = this.manualTarget(symbol);
    return this.tracked(() =>
      this.locks.run(symbol, () => this.flows.retargetLocked(p, targets, this.slots.get(symbol)?.lastPrice ?? NaN)),
    );
  }

  /** Forgets a position whose coins were sold outside Tranche; see ManualFlow.forgetLocked. */
  async forgetPosition(symbol: string): Promise<string> {
    const p = this.manualTarget(symbol);
    return this.tracked(() => this.locks.run(symbol, () => this.flows.forgetLocked(p)));
  }

  private manualTarget(symbol: string): Position {
    if (!this.started) throw new ManualRequestError('the engine is not trading yet: try again once it is running');
    if (this.ledger.emergencyStopPending) throw new ManualRequestError('an emergency stop is selling every position');
    const p = this.ledger.position(symbol);
    if (!p) throw new ManualRequestError(`there is no open position in ${symbol}`);
    if (p.status === 'opening')
      throw new ManualRequestError(`${symbol}'s buy is still being looked up: act on it once its fill is known`);
    return p;
  }

  /** Compares every position with the exchange again (live sessions call this every minute). */
  async recheck(): Promise<string[]> {
    const lines = await this.hold(() => this.reconciler().run({ quietWhenClean: true }));
    await this.fees.refresh();
    this.balanceCheck?.schedule(500);
    return lines;
  }

  /**
   * Reads the symbols' rules again (status, OCO and quote-order flags, filters change over time):
   * entries stop while a symbol is not TRADING (or lacks what an entry needs) and resume when it is;
   * positions stay as they are. Live sessions call this periodically.
   */
  async refreshRules(only?: readonly string[]): Promise<void> {
    const symbols = only ?? [...new Set([...this.slots.keys(), ...this.extraRules.keys()])];
    if (symbols.length === 0) return;
    const fresh = await this.exchange.refreshSymbolRules(symbols);
    for (const r of fresh) {
      const old = this.slots.get(r.symbol)?.rules ?? this.extraRules.get(r.symbol);
      if (old)
        for (const change of rulesChanges(old, r)) this.tell({ type: 'warning', symbol: r.symbol, message: change });
      const slot = this.slots.get(r.symbol);
      if (slot) {
        slot.rules = r;
        this.checkEntryAllowed(slot);
      } else this.extraRules.set(r.symbol, r);
      if (r.status !== 'TRADING' && this.ledger.position(r.symbol))
        this.tell({
          type: 'warning',
          symbol: r.symbol,
          message: `${r.symbol} is ${r.status} on the exchange: its open position stays as it is (its OCO rests; orders cannot change until it trades again)`,
        });
    }
  }

  /** Checks the ledger's balance against the exchange's now (after operations settle). */
  async checkBalance(): Promise<void> {
    await this.balanceCheck?.run();
  }

  // ---- signal handling ------------------------------------------------------------------------

  private onBuySignal(slot: Slot, s: number): void {
    const symbol = slot.set.symbol;
    this.tell({ type: 'signal', symbol, value: s, threshold: slot.set.zScoreThreshold, side: 'buy' });
    if (this.ledger.reservation(symbol) || this.ledger.position(symbol)) {
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
    if (!slot.set.enabled) {
      // Disabled while running: no new entry; its position, if any, is still followed.
      this.tell({ type: 'skip', symbol, reason: 'paused' });
      return;
    }
    if (slot.blocked) {
      this.tell({ type: 'skip', symbol, reason: 'symbol-blocked', detail: slot.blocked });
      this.ledger.note('skip', symbol, `No entry in ${symbol}: ${slot.blocked}`, this.clock.now(), { signal: s });
      return;
    }
    const { set, rules } = slot;
    void this.track(symbol, () => this.locks.run(symbol, () => this.flows.enterLocked(set, rules, s)));
  }

  private onExitSignal(slot: Slot, s: number): void {
    const p = this.ledger.position(slot.set.symbol);
    if (!p || p.status === 'opening' || p.status === 'exiting') return;
    if (this.ledger.emergencyStopPending) return; // the emergency stop is selling it
    this.tell({ type: 'signal', symbol: p.symbol, value: s, threshold: slot.set.exitZScore, side: 'exit' });
    void this.track(p.symbol, () =>
      this.locks.run(p.symbol, async () => {
        const cur = this.ledger.position(p.symbol);
        // Queued behind another operation: act only if the signal still says so.
        if (!cur || cur.id !== p.id || cur.status === 'exiting' || cur.status === 'opening') return;
        if (slot.signal.value > slot.set.exitZScore) return;
        await this.flows.exitLocked(cur, 'reversal');
      }),
    );
  }

  /** Says once whether the symbol takes new entries now (status, flags), and remembers it. */
  private checkEntryAllowed(slot: Slot): void {
    const stopType = slot.set.stopOrderType === 'market' ? 'STOP_LOSS' : 'STOP_LOSS_LIMIT';
    const blocked = entryBlocked(slot.rules, stopType);
    if (blocked === slot.blocked) return;
    slot.blocked = blocked;
    this.tell(
      blocked
        ? { type: 'warning', symbol: slot.set.symbol, message: `no new entries in ${slot.set.symbol}: ${blocked}` }
        : { type: 'warning', symbol: slot.set.symbol, message: `${slot.set.symbol} trades again: entries resume` },
    );
  }

  /** Learns which assets may pay commission (BNB), follows their prices, and warns where that bites. */
  private async watchCommissionAssets(): Promise<void> {
    const commissionAsset = this.exchange.commissionAsset?.bind(this.exchange);
    if (!commissionAsset) return;
    // Asked for every symbol at once (a slow link made one after the other cost a request's time
    // per symbol at every start); told in slot order.
    const slots = [...this.slots.values()];
    const assets = await Promise.all(
      slots.map((slot) => commissionAsset(slot.set.symbol).catch((): string | undefined => undefined)),
    );
    for (const [i, slot] of slots.entries()) {
      const asset = assets[i];
      if (!asset) continue;
      this.fees.follow(asset);
      if (asset === slot.rules.baseAsset) {
        this.tell({
          type: 'warning',
          symbol: slot.set.symbol,
          message: `paying commission in ${asset} is on while ${slot.set.symbol} trades: the fees come out of the ${asset} this set buys, so a position may hold less than it bought; Tranche sells what the account holds. Turn "use BNB for fees" off in Binance to avoid it`,
        });
      }
    }
    await this.fees.refresh();
  }

  // ---- helpers ------------------------------------------------------------------------------

  /**
   * Whether the symbol trades now, as far as its rules say. `reread` (or rules that said it did not)
   * reads them from the exchange first; a read that fails keeps what we knew.
   */
  private async marketOpen(symbol: string, reread: boolean): Promise<boolean> {
    if (reread || this.rulesFor(symbol).status !== 'TRADING') {
      try {
        await this.refreshRules([symbol]);
      } catch {
        // unreachable: what we knew stands
      }
    }
    return this.rulesFor(symbol).status === 'TRADING';
  }

  rulesFor(symbol: string): SymbolRules {
    const slot = this.slots.get(symbol);
    if (slot) return slot.rules;
    const cached = this.extraRules.get(symbol);
    if (cached) return cached;
    throw new Error(`no symbol rules for ${symbol}: it is not in the parameter sets (load them with loadRules)`);
  }

  /** Rules for symbols the ledger holds but the current parameter sets no longer trade. */
  async loadRules(symbol: string): Promise<void> {
    if (!this.slots.has(symbol) && !this.extraRules.has(symbol))
      this.extraRules.set(symbol, await this.exchange.getSymbolRules(symbol));
  }

  private reconciler(): Reconciler {
    return new Reconciler({
      ledger: this.ledger,
      exchange: this.exchange,
      flows: this.flows,
      locks: this.locks,
      now: () => this.clock.now(),
      tell: (e) => this.tell(e),
      loadRules: (symbol) => this.loadRules(symbol),
    });
  }

  /** One position compared with the exchange again, under its lock (a deferred re-check). */
  private async recheckLocked(symbol: string): Promise<void> {
    const p = this.ledger.position(symbol);
    if (p) await this.reconciler().positionLocked(p);
  }

  /** Whether an order may have reached the exchange without its outcome known (the balance may move any moment). */
  private anyOrderPending(): boolean {
    return this.ledger.openPositions().some((p) => this.ledger.workingOrders(p.id).some((o) => o.state === 'pending'));
  }

  /** Reads every working order of the open positions again and books what the exchange says. */
  private async rereadWorkingOrders(): Promise<void> {
    for (const p of this.ledger.openPositions()) {
      for (const o of this.ledger.workingOrders(p.id)) {
        try {
          const r = await this.exchange.getOrder(p.symbol, o.clientOrderId);
          if (r) this.flows.onReport(r);
        } catch {
          // the next check reads it again
        }
      }
    }
    await this.settle();
  }

  /** Adopts the exchange's quote balance (at start: the account may have moved while we were down). */
  private async adoptBalance(when: string): Promise<void> {
    const balance = await this.exchange.getBalance(this.opts.quoteAsset);
    this.ledger.setQuoteBalance(balance, this.clock.now(), when);
  }

  private async hold<T>(work: () => Promise<T>): Promise<T> {
    let done!: () => void;
    const marker = new Promise<void>((r) => (done = r));
    this.inflight.add(marker);
    try {
      return await work();
    } finally {
      this.inflight.delete(marker);
      done();
    }
  }

  /** An operation asked for by hand: in flight like any other (stop waits for it), its answer or refusal to the caller. */
  private tracked<T>(work: () => Promise<T>): Promise<T> {
    const run = work();
    const settled: Promise<void> = run
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => this.inflight.delete(settled));
    this.inflight.add(settled);
    return run;
  }

  private track(symbol: string, work: () => Promise<void>): Promise<void> {
    const run: Promise<void> = work()
      .catch((e: unknown) => {
        this.tell({ type: 'error', symbol, message: `unexpected: ${describe(e)}` });
      })
      .finally(() => {
        this.inflight.delete(run);
      });
    this.inflight.add(run);
    return run;
  }

  private runInBackground(symbol: string, work: () => Promise<void>): void {
    const run: Promise<void> = work()
      .catch((e: unknown) => {
        this.tell({ type: 'error', symbol, message: `unexpected: ${describe(e)}` });
      })
      .finally(() => {
        this.background.delete(run);
      });
    this.background.add(run);
  }

  private pending(): Promise<void> | undefined {
    return this.inflight.size > 0 ? this.settle() : undefined;
  }

  tell(e: EngineEvent): void {
    const now = this.clock.now();
    if (e.type === 'warning' || e.type === 'error') {
      // Journaled, so the log view and `tranche log` show them after a restart. A journal that
      // cannot be written never stops the order path: the event still goes out.
      try {
        this.ledger.note(e.type, e.symbol, e.message, now);
      } catch {
        /* the ledger is closing */
      }
    }
    this.emit(e, now);
  }
}

export type { Position };

/** 75 -> "1m 15s", 7300 -> "2h 1m". */
function formatAge(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
}
