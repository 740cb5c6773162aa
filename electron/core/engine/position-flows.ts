import type { ParameterSet } from '../../../shared/params/schema';
import type { Ledger, OcoPlan } from '../ledger/ledger';
import { isFinalState } from '../ledger/order-states';
import type { ExitReason, OrderRecord, Position } from '../ledger/records';
import { Decimal } from '../money/decimal';
import { floorToStep, type SymbolRules } from '../money/symbol-rules';
import type { Clock } from '../ports/clock';
import { ExchangeError, type Exchange, type OcoReport, type OrderReport } from '../ports/exchange';
import { entryId, exitId } from './client-ids';
import { describe } from './describe';
import type { EngineEvent } from './engine-events';
import { isFinalStatus, lookUpOco, lookUpOrder, lookUpQuiet, type LookUpContext, type LookUpLimit } from './look-ups';
import { planOco } from './oco-plan';
import type { ReportMailbox } from './report-mailbox';
import { maxOrderQty, nextSaleQty, tooSmallToSell } from './sell-sizes';
import type { SymbolLocks } from './symbol-locks';
import { backoff, sleep, type EngineTimings } from './timings';

/** What the flows need from the engine that hosts them. */
export interface FlowContext {
  ledger: Ledger;
  exchange: Exchange;
  clock: Clock;
  timings: EngineTimings;
  locks: SymbolLocks;
  mailbox: ReportMailbox;
  /** Aborted when the engine stops: waits end at once (what they waited for is resumed by the next start). */
  stopping: AbortSignal;
  tell(e: EngineEvent): void;
  rulesFor(symbol: string): SymbolRules;
  /** Values a commission paid in another asset (BNB) in the quote asset, from recent prices. */
  valueOther(asset: string, amount: Decimal): Decimal;
  /** Runs `work` as an operation of the engine (settle() waits for it). */
  track(symbol: string, work: () => Promise<void>): Promise<void>;
  /** Runs `work` that may take minutes (a look-up of a lost answer): stop() ends it, settle() does not wait. */
  background(symbol: string, work: () => Promise<void>): void;
  /** Compares one position with the exchange again (the reconciler), under the symbol's lock. */
  recheckLocked(symbol: string): Promise<void>;
  /** True once no new entry may start (the engine stops, or an emergency stop runs). */
  halted(): boolean;
  /** The parameter set trading a symbol now, if any (to adopt a buy that executed late). */
  setFor(symbol: string): ParameterSet | undefined;
  /** The last price seen for a symbol (NaN when none). */
  lastPrice(symbol: string): number;
  /**
   * Whether the symbol trades now (status TRADING). Rules that said it did not are read again
   * first; `reread` reads them again in any case (an order was just refused with "Market is closed.").
   */
  marketOpen(symbol: string, reread: boolean): Promise<boolean>;
}

/** Something that must happen later for a symbol (driven by tick()). */
interface Due {
  kind: 'protect' | 'exit' | 'gap-check' | 'tp-check' | 'recheck';
  at: number;
  reason?: ExitReason;
}

/** What a position's protective OCO is doing now. */
export type ProtectionState =
  | { kind: 'none' }
  | { kind: 'pending' }
  | { kind: 'working' }
  /** The stop triggered: the take-profit expired and the stop works alone (a stop-limit may rest unfilled below the market). */
  | { kind: 'stop-triggered'; since: number; stopPrice?: Decimal; limitPrice?: Decimal }
  /** The take-profit started filling: the stop expired, the take-profit's rest works alone. */
  | { kind: 'take-profit-filling'; since: number; price?: Decimal };

/** What the account holds of a position's coins, against what the ledger says it holds. */
type Holding =
  | { kind: 'ok'; position: Position }
  /** The coins are there but locked by an order Tranche did not place. */
  | { kind: 'locked'; position: Position }
  /** The coins are gone: the position was closed as sold outside Tranche. */
  | { kind: 'gone' };

const isSellLeg = (o: OrderRecord) => o.purpose === 'take-profit' || o.purpose === 'stop-loss';
const isWorking = (o: OrderRecord) => o.state === 'pending' || o.state === 'open';
const workingLegs = (o: OcoReport) =>
  [o.takeProfit, o.stopLoss].filter((l) => l.status === 'NEW' || l.status === 'PARTIALLY_FILLED');

/** The answer may have been lost after the request reached Binance (5xx, -1007, a timeout): look it up. */
function isUnknownOutcome(e: unknown): boolean {
  return e instanceof ExchangeError && e.kind === 'unknown-outcome';
}

function retryAfterOf(e: unknown): number | undefined {
  return e instanceof ExchangeError ? e.retryAfterMs : undefined;
}

function kindOf(e: unknown): string {
  return e instanceof ExchangeError ? e.kind : 'unexpected';
}

/** Longest a sale waits out Binance's pauses (429) before the OCO is put back and the exit deferred. */
const MAX_PAUSE_WAIT_MS = 60_000;

/**
 * The steps of a trade, in one place: entering (reserve, buy, book the fill), protecting (the
 * OCO, placed again whenever it ends with coins left), following the legs fill by fill, and
 * exiting (cancel what rests, sell what the account holds), with the unknown outcomes, retries
 * and outside changes real exchanges produce. The engine calls these on signals and order events;
 * the reconciler calls the same ones after a restart; nothing here knows which adapter is behind
 * the Exchange port.
 *
 * Every public step takes the symbol's lock (one operation per symbol at a time); the `...Locked`
 * variants are for callers that hold it. Protection and exits never call each other without end:
 * an exit that puts the OCO back does not start another exit when that fails (it is deferred), and
 * every retry loop is bounded by the retry budget; what is left is retried later by tick().
 */
export class PositionFlows {
  private readonly due = new Map<string, Due[]>();
  private readonly protection = new Map<string, ProtectionState>();
  /** Warnings already said, so a repeating condition is told once (until it clears). */
  private readonly told = new Set<string>();
  /** Why an order of ours expired, when the exchange said (OCO_TRIGGER: its sibling leg activated). */
  private readonly expiry = new Map<string, string>();
  /**
   * Client ids of sells that may have reached the exchange (sent by this process, or pending in the
   * ledger at start): before a next attempt, such an id is looked up, never assumed unsent.
   */
  private readonly maybeSent = new Set<string>();
  /** Symbols whose exit is running: protection it puts back never starts another exit (deferred instead). */
  private readonly exiting = new Set<string>();
  /** Entries being looked up after a lost answer (one look-up each). */
  private readonly resolving = new Set<number>();
  private readonly lookups: LookUpContext;

  constructor(private readonly x: FlowContext) {
    this.lookups = { exchange: x.exchange, timings: x.timings, mailbox: x.mailbox, stopping: x.stopping };
    for (const p of x.ledger.openPositions())
      for (const o of x.ledger.workingOrders(p.id)) if (o.state === 'pending') this.maybeSent.add(o.clientOrderId);
  }

  private get ledger(): Ledger {
    return this.x.ledger;
  }

  private get exchange(): Exchange {
    return this.x.exchange;
  }

  private now(): number {
    return this.x.clock.now();
  }

  /** What the position's protection is doing (for reports and the UI). */
  protectionOf(symbol: string): ProtectionState {
    const p = this.ledger.position(symbol);
    if (!p) return { kind: 'none' };
    const watched = this.protection.get(symbol);
    if (watched) return watched;
    const legs = this.ledger.workingOrders(p.id).filter(isSellLeg);
    if (legs.length === 0) return { kind: 'none' };
    return legs.some((o) => o.state === 'pending') ? { kind: 'pending' } : { kind: 'working' };
  }

  // ---- entering ------------------------------------------------------------------------------

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
    try {
      report = await this.exchange.marketBuyByQuote({
        symbol: set.symbol,
        quoteAmount: reservation.amount,
        clientOrderId: position.entryClientOrderId,
      });
    } catch (e) {
      if (isUnknownOutcome(e)) {
        // Not under the lock: the look-ups may take minutes; nothing else can enter this symbol
        // meanwhile (the reservation and the opening position stand), and a late report books it.
        this.resolveEntrySoon(position, describe(e));
        return;
      }
      this.failEntry(position, describe(e));
      return;
    }
    await this.bookEntryLocked(position, report);
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
    const found = await lookUpOrder(this.lookups, position.symbol, position.entryClientOrderId, { finalOnly: true });
    if (this.x.stopping.aborted) return;
    await this.x.locks.run(position.symbol, async () => {
      const p = this.current(position);
      if (!p || p.status !== 'opening') return; // booked meanwhile (a late report)
      if (found === 'absent') {
        this.failEntry(
          p,
          `${cause}; the exchange never showed the order in ${Math.round(this.x.timings.unknownOutcomeWindowMs / 1000)} s of look-ups, so it was not executed`,
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
      this.tellReleased(p.symbol, filled.released ?? p.cost, 'dust');
      this.tellBalance();
      return;
    }
    if (this.ledger.emergencyStopPending) {
      await this.exitLocked(p, 'emergency');
      return;
    }
    await this.protectLocked(p);
  }

  private failEntry(position: Position, why: string, report?: OrderReport): void {
    const released = this.ledger.entryFailed(position.id, why, this.now(), report);
    this.x.tell({ type: 'error', symbol: position.symbol, message: `buy failed: ${why}` });
    this.tellReleased(position.symbol, released, 'entry-failed');
  }

  /**
   * A buy of ours that executed after it was taken as never executed (no upper bound is documented):
   * its coins become a position again, reserved at what they cost, and protected at once.
   */
  private async adoptLateEntryLocked(report: OrderReport): Promise<void> {
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

  // ---- protecting ----------------------------------------------------------------------------

  /**
   * Places the protective OCO on what the position holds. A rejection is retried once with a fresh
   * price check; if the price is already beyond a leg, or the retry fails too, the position is sold
   * at market (deferred when an exit is what called this). When the exchange cannot take orders now
   * (rate limit, ban, unreachable, market closed) the placement is retried with back-off and then
   * every few seconds, saying loudly that the coins are unprotected.
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
        this.closeLocked(p, this.closingReason(p));
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
      let report: OcoReport | undefined;
      let failure: unknown;
      try {
        report = await this.exchange.placeOco({ symbol: p.symbol, ...plan });
        if (report.status === 'REJECT') throw new ExchangeError('rejected', 'the OCO was rejected by the exchange');
      } catch (e) {
        report = undefined;
        failure = e;
      }
      if (!report && isUnknownOutcome(failure)) {
        // Looked up within the retry budget only: past it another OCO is placed. That is safe:
        // if the first one rests after all, the second is refused for insufficient balance and the
        // first is found and adopted (adoptOwnOco).
        const spent = { ms: 0 };
        const found = await lookUpOco(this.lookups, p.symbol, plan.listClientOrderId, {
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
      if (kind === 'insufficient-balance') {
        if (await this.adoptOwnOco(p, plan.listClientOrderId)) return;
        const held = await this.matchHoldings(p, 'the OCO was refused for insufficient balance');
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
      // The exchange cannot take it now (rate limit, ban, unreachable, market closed, an answer we
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

  /** Sells at market, unless an exit is what is running (then the exit is retried later, never nested). */
  private async exitOrDefer(p: Position, reason: ExitReason, detail: string): Promise<void> {
    if (this.exiting.has(p.symbol)) {
      this.schedule(p.symbol, 'exit', this.x.timings.deferredRetryMs, reason);
      this.x.tell({
        type: 'error',
        symbol: p.symbol,
        message: `${p.symbol} could not be protected again (${detail}); its ${reason} exit is tried again in ${Math.round(this.x.timings.deferredRetryMs / 1000)} s`,
      });
      return;
    }
    await this.exitLocked(p, reason, detail);
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
      for (const leg of [oco.takeProfit, oco.stopLoss]) this.bookReport(adopted, leg);
      this.assessSoon(cur.symbol);
      return true;
    }
    return false;
  }

  private recordOcoPlaced(position: Position, plan: OcoPlan, report: OcoReport): void {
    const p = this.ledger.ocoPlaced(position.id, report, this.now());
    this.told.delete(`closed:${p.id}`);
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
    for (const leg of [report.takeProfit, report.stopLoss]) this.bookReport(p, leg);
    this.assessSoon(p.symbol);
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

  // ---- following the exchange ------------------------------------------------------------------

  /**
   * An order of ours changed on the exchange. Fills are booked at once (the balance and what the
   * position has sold), whatever order reports arrive in; what follows (closing, placing the OCO
   * again, watching a triggered stop) runs as an operation of the symbol.
   */
  onReport(report: OrderReport): void {
    this.x.mailbox.post(report);
    if (report.expiryReason) this.expiry.set(report.clientOrderId, report.expiryReason);
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
        void this.x.track(p.symbol, () => this.x.locks.run(p.symbol, () => this.bookEntryLocked(p, report)));
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
    if (
      report.side === 'BUY' &&
      isFinalStatus(report.status) &&
      report.executedQty.gt(0) &&
      /b$/.test(report.clientOrderId)
    ) {
      void this.x.track(report.symbol, () => this.x.locks.run(report.symbol, () => this.adoptLateEntryLocked(report)));
    } else if (report.side === 'SELL' && report.executedQty.gt(0)) {
      this.tellOnce(`late-sell:${report.clientOrderId}`, {
        type: 'warning',
        symbol: report.symbol,
        message: `a sale of ${report.symbol} (${report.clientOrderId}) reported after its position closed: its proceeds reach the balance at the next balance check`,
      });
    }
  }

  /** Books what a report of one of the position's sells says (fills, state). Synchronous. */
  private bookReport(position: Position, report: OrderReport): void {
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
      this.tellBalance();
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
    if (cur && cur.id === p.id && cur.status !== 'exiting') this.closeIfDone(cur);
  }

  private assessSoon(symbol: string): void {
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
    if (this.closeIfDone(p)) return;
    if (p.status === 'exiting') return; // the exit flow owns it
    const legs = this.ledger
      .ordersOf(p.id)
      .filter((o) => isSellLeg(o) && o.listClientOrderId === p.ocoListClientOrderId);
    const working = legs.filter(isWorking);
    if (p.status === 'open') {
      if (working.length === 0) await this.protectLocked(p);
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
      leg !== undefined && this.expiry.get(leg.clientOrderId) === 'OCO_TRIGGER';
    if (tp && tpWorking) {
      // The take-profit activated (it filled part): the stop leg expires by the OCO rule and the rest
      // works alone, unprotected below. Its expiry event may still be on its way.
      if (tp.executedQty.gt(0) || (!slWorking && byTrigger(sl))) return this.watchTakeProfit(p, tp);
      if (slWorking) {
        this.protection.delete(symbol); // both legs work: protected
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
        (tpEnded && tp.state === 'expired' && !this.expiry.has(tp.clientOrderId))
      )
        return this.watchStop(p, sl);
      return this.protectionLost(p, legs, exchangeSaid); // the take-profit was cancelled or expired otherwise
    }
    return this.protectionLost(p, legs, exchangeSaid);
  }

  private watchTakeProfit(p: Position, tp: OrderRecord): void {
    const symbol = p.symbol;
    if (this.protection.get(symbol)?.kind === 'take-profit-filling') return;
    this.protection.set(symbol, {
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
    if (this.protection.get(symbol)?.kind === 'stop-triggered') return;
    this.protection.set(symbol, {
      kind: 'stop-triggered',
      since: this.now(),
      ...(sl.stopPrice ? { stopPrice: sl.stopPrice } : {}),
      ...(sl.price ? { limitPrice: sl.price } : {}),
    });
    this.x.tell({
      type: 'protection',
      symbol,
      state: 'stop-triggered',
      message: `${symbol}: the stop triggered and has not filled yet${sl.price ? ` (limit ${sl.price.toFixed()})` : ''}; if the price stays below its limit the rest is sold at market in ${Math.round(this.x.timings.gapGraceMs / 1000)} s`,
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
    this.protection.delete(p.symbol);
    if (this.closeIfDone(p)) return;
    let open: Position;
    if (legs.some(isWorking)) {
      // The list is over for us but a leg still works on the exchange: cancel it before protecting again.
      const cancelled = await this.cancelProtection(p);
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
    if (held.kind === 'ok') await this.protectLocked(held.position);
    else if (held.kind === 'locked') this.schedule(open.symbol, 'protect', this.x.timings.deferredRetryMs);
  }

  /**
   * Compares what the position holds with what the account holds of its base asset. When the
   * account holds less, the missing coins were sold (or moved) outside Tranche: a position left with
   * nothing sellable is closed as 'external' (its reservation released); otherwise it continues with
   * what is there. Coins that are there but locked (an order Tranche did not place holds them) are
   * not taken as gone. When the exchange cannot be asked, the position is taken as it is.
   */
  private async matchHoldings(p: Position, why: string): Promise<Holding> {
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
      await this.recheckOwnSells(cur);
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
    this.told.delete(`locked:${cur.symbol}`);
    const there = total.lt(remaining) ? total : held.free;
    const sellable = floorToStep(there, rules.stepSize);
    if (tooSmallToSell(sellable, rules, this.lastFillPrice(cur))) {
      this.x.tell({
        type: 'warning',
        symbol: cur.symbol,
        message: `${cur.symbol}: the account holds ${total.toFixed()} ${rules.baseAsset} of the ${remaining.toFixed()} this position held (${why}): the coins were sold outside Tranche; the position is closed and its reservation released`,
      });
      this.closeLocked(cur, 'external');
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
  private async recheckOwnSells(p: Position): Promise<void> {
    for (const o of this.ledger.ordersOf(p.id)) {
      if (o.purpose !== 'exit' || o.state === 'filled' || !this.maybeSent.has(o.clientOrderId)) continue;
      const r = await lookUpQuiet(this.exchange, p.symbol, o.clientOrderId);
      if (r && (r.executedQty.gt(0) || r.fills.length > 0)) this.bookReport(p, r);
    }
  }

  private tellOnce(key: string, e: EngineEvent): void {
    if (this.told.has(key)) return;
    this.told.add(key);
    this.x.tell(e);
  }

  // ---- exiting -------------------------------------------------------------------------------

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
      this.x.tell({
        type: 'exit-deferred',
        symbol: cur.symbol,
        reason,
        message: `${cur.symbol}: the ${reason} exit waits, the market is closed (${this.x.rulesFor(cur.symbol).status}); its OCO stays in place; tried again in ${Math.round(this.x.timings.deferredRetryMs / 1000)} s`,
      });
      this.schedule(cur.symbol, 'exit', this.x.timings.deferredRetryMs, reason);
      return;
    }
    this.exiting.add(p.symbol);
    try {
      this.protection.delete(p.symbol);
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
      if (back && back.status === 'open') await this.protectLocked(back);
    } finally {
      this.exiting.delete(position.symbol);
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
  private async cancelProtection(position: Position): Promise<'closed' | 'clear' | 'live'> {
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
              this.bookReport(p, await this.exchange.cancelOrder(p.symbol, leg.clientOrderId));
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
        if (after) for (const leg of [after.takeProfit, after.stopLoss]) this.bookReport(p, leg);
      } else if (found) for (const leg of [found.takeProfit, found.stopLoss]) this.bookReport(p, leg);
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
    for (const leg of [oco.takeProfit, oco.stopLoss]) this.bookReport(p, leg);
    const cur = this.current(p);
    if (!cur) return;
    if (oco.status !== 'EXECUTING' || workingLegs(oco).length === 0) {
      // Over: the position holds coins without this OCO (unless a leg sold everything).
      if (had || cur.status === 'protected') this.ocoEnded(cur, 'canceled', why);
      this.closeIfDone(this.current(cur) ?? cur);
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
        this.closeLocked(p, this.closingReason(p, reason));
        return 'done';
      }
      // A sale recorded and maybe sent (a lost answer, a restart): look it up before anything else.
      const id = this.exitOrderId(p);
      const recorded = this.ledger.order(id);
      if (recorded && recorded.state === 'pending' && this.maybeSent.has(id)) {
        const known = await lookUpQuiet(this.exchange, p.symbol, id);
        if (known) {
          this.bookReport(p, known);
          // A market order does not rest: whatever it did not fill is over.
          if (!isFinalState(this.ledger.order(id)?.state ?? 'open'))
            this.ledger.orderRefused(id, `${known.status.toLowerCase()} when looked up`, this.now());
          continue;
        }
      }
      // Never sell more than the account holds of it (a partial fill or an outside sale took some).
      const held = await this.matchHoldings(p, 'before the market sale');
      if (held.kind === 'gone') return 'done';
      p = held.position;
      const qty = nextSaleQty(this.ledger.remainingQty(p), rules);
      if (tooSmallToSell(qty, rules, this.lastFillPrice(p), true)) continue;
      p = this.ledger.exitStarted(p.id, reason, id, this.now(), qty);
      let failure: unknown;
      this.maybeSent.add(id);
      try {
        const report = await this.exchange.marketSell({ symbol: p.symbol, quantity: qty, clientOrderId: id });
        this.bookReport(p, report);
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
        const found = await lookUpOrder(this.lookups, p.symbol, id, {
          maxWaitMs: Math.max(0, this.x.timings.exitRetryBudgetMs - slept),
          spent,
        });
        slept += spent.ms;
        if (found === 'absent')
          this.ledger.orderRefused(id, `not found after an unknown answer: ${lastWhy}`, this.now());
        else if (found) this.bookReport(p, found);
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
          this.closeLocked(cur, this.closingReason(cur, reason));
        }
        return 'done';
      }
      // Any other refusal (a filter, insufficient balance although the coins are there, the market
      // closed, unreachable): the next try is sized by the holdings check again, after the back-off.
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

  /**
   * Whether a retry loop should give up now: the next wait would pass the retry budget, the schedule
   * has been gone through with nothing to wait (exchanges that answer at once), or the engine stops.
   */
  private retriesSpent(slept: number, wait: number, attempt: number): boolean {
    const t = this.x.timings;
    if (this.x.stopping.aborted) return true;
    if (slept + wait > t.exitRetryBudgetMs) return true;
    return wait === 0 && attempt + 1 >= t.retryDelaysMs.length;
  }

  // ---- closing -------------------------------------------------------------------------------

  /**
   * Closes the position when it is done: nothing sellable left and no order of it working. Returns
   * true when it closed (or was already gone).
   */
  closeIfDone(p: Position): boolean {
    const cur = this.current(p);
    if (!cur) return true;
    if (cur.status === 'opening') return false;
    const orders = this.ledger.ordersOf(cur.id);
    const filledLists = new Set(
      orders.filter((o) => isSellLeg(o) && o.state === 'filled').map((o) => o.listClientOrderId),
    );
    const blocking = orders.filter(
      (o) =>
        isWorking(o) &&
        // an exit recorded but never sent does not block; a leg whose sibling filled is expired by the OCO rule
        (o.purpose !== 'exit' || o.state === 'open') &&
        !(isSellLeg(o) && filledLists.has(o.listClientOrderId)),
    );
    if (blocking.length > 0) return false;
    const rules = this.x.rulesFor(cur.symbol);
    if (!tooSmallToSell(this.ledger.remainingQty(cur), rules, this.lastFillPrice(cur))) return false;
    if (cur.soldQty.isZero()) return false; // nothing sold: something else is wrong, never close silently
    this.closeLocked(cur, this.closingReason(cur));
    return true;
  }

  /** Why a position whose sells are complete closed: the leg that sold last, or the exit's reason. */
  private closingReason(p: Position, fallback?: ExitReason): ExitReason {
    const sells = this.ledger
      .ordersOf(p.id)
      .filter((o) => o.purpose !== 'entry' && o.executedQty.gt(0))
      .sort((a, b) => (a.updatedAt < b.updatedAt ? -1 : a.updatedAt > b.updatedAt ? 1 : 0));
    const last = sells.at(-1);
    if (last?.purpose === 'take-profit') return 'take-profit';
    if (last?.purpose === 'stop-loss') return 'stop-loss';
    return fallback ?? p.exitReason ?? 'external';
  }

  private closeLocked(p: Position, reason: ExitReason): void {
    const cur = this.current(p);
    if (!cur) return;
    this.protection.delete(cur.symbol);
    this.due.delete(cur.symbol);
    const { trade, released } = this.ledger.positionClosed(cur.id, reason, this.now());
    this.x.tell({
      type: 'position-closed',
      symbol: cur.symbol,
      reason,
      quantity: trade.quantity.toFixed(),
      exitPrice: trade.exitPrice.toFixed(),
      pnl: trade.pnl.toFixed(),
      pnlPercent: trade.pnlPercent,
      quoteAsset: this.ledger.quoteAsset,
    });
    this.tellReleased(cur.symbol, released, reason);
    this.tellBalance();
  }

  // ---- time ----------------------------------------------------------------------------------

  /** Runs what is due: gap checks, re-protection of a take-profit's rest, deferred exits and OCOs. */
  tick(now: number): void {
    if (this.x.stopping.aborted) return;
    for (const [symbol, list] of this.due) {
      const ready = list.filter((d) => d.at <= now);
      if (ready.length === 0) continue;
      this.due.set(
        symbol,
        list.filter((d) => d.at > now),
      );
      for (const d of ready) void this.x.track(symbol, () => this.x.locks.run(symbol, () => this.runDue(symbol, d)));
    }
  }

  /** Whether anything is scheduled (a replay keeps ticking while so). */
  hasDue(): boolean {
    for (const list of this.due.values()) if (list.length > 0) return true;
    return false;
  }

  private async runDue(symbol: string, d: Due): Promise<void> {
    const p = this.ledger.position(symbol);
    if (!p || p.status === 'closed') return;
    switch (d.kind) {
      case 'protect':
        if (p.status === 'open') await this.protectLocked(p);
        return;
      case 'exit':
        await this.exitLocked(p, d.reason ?? p.exitReason ?? 'reversal');
        return;
      case 'recheck':
        await this.x.recheckLocked(symbol);
        return;
      case 'gap-check':
        return this.gapCheck(p);
      case 'tp-check':
        return this.takeProfitCheck(p);
    }
  }

  /** A triggered stop still unfilled after the grace period, the price below its limit: sell the rest at market. */
  private async gapCheck(p: Position): Promise<void> {
    const state = this.protection.get(p.symbol);
    if (state?.kind !== 'stop-triggered') return;
    let last: Decimal | undefined;
    try {
      last = await this.exchange.getLastPrice(p.symbol);
    } catch {
      last = undefined;
    }
    const limit = state.limitPrice;
    if (last !== undefined && (limit === undefined || last.lt(limit))) {
      await this.exitLocked(
        p,
        'gapped-stop',
        `the stop triggered ${Math.round((this.now() - state.since) / 1000)} s ago and did not fill: the price ${last.toFixed()} is below its limit ${limit?.toFixed() ?? '-'}`,
      );
      return;
    }
    this.schedule(p.symbol, 'gap-check', this.x.timings.gapGraceMs);
  }

  /** A take-profit that started filling, its rest unfilled after the grace period and the price back below it: protect the rest again. */
  private async takeProfitCheck(p: Position): Promise<void> {
    const state = this.protection.get(p.symbol);
    if (state?.kind !== 'take-profit-filling') return;
    let last: Decimal | undefined;
    try {
      last = await this.exchange.getLastPrice(p.symbol);
    } catch {
      last = undefined;
    }
    if (last === undefined || (state.price && last.gte(state.price))) {
      this.schedule(p.symbol, 'tp-check', this.x.timings.gapGraceMs);
      return;
    }
    this.x.tell({
      type: 'protection',
      symbol: p.symbol,
      state: 'restored',
      message: `${p.symbol}: the take-profit's rest did not fill and the price fell back to ${last.toFixed()}: cancelling it and protecting the rest with a new OCO`,
    });
    const cancelled = await this.cancelProtection(p);
    this.protection.delete(p.symbol);
    if (cancelled === 'live') {
      this.schedule(p.symbol, 'tp-check', this.x.timings.gapGraceMs);
      return;
    }
    const cur = this.current(p);
    if (cur) await this.protectLocked(cur);
  }

  private schedule(symbol: string, kind: Due['kind'], inMs: number, reason?: ExitReason): void {
    const list = (this.due.get(symbol) ?? []).filter((d) => d.kind !== kind);
    list.push({ kind, at: this.now() + inMs, ...(reason ? { reason } : {}) });
    this.due.set(symbol, list);
  }

  private cancelDue(symbol: string, kind: Due['kind']): void {
    const list = this.due.get(symbol);
    if (list)
      this.due.set(
        symbol,
        list.filter((d) => d.kind !== kind),
      );
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** The position as the ledger holds it now, if it is still the same one. */
  private current(p: Position): Position | undefined {
    const cur = this.ledger.position(p.symbol);
    return cur && cur.id === p.id ? cur : undefined;
  }

  private ocoEnded(p: Position, state: 'rejected' | 'canceled' | 'expired', why: string): Position {
    return this.ledger.ocoEnded(p.id, state, why, this.now());
  }

  /** A price to value what is left: the last sell's, else the entry's. */
  private lastFillPrice(p: Position): Decimal {
    return p.soldQty.gt(0) ? p.soldQuote.div(p.soldQty) : p.avgPrice;
  }

  tellReleased(symbol: string, amount: Decimal, reason: ExitReason | 'orphan'): void {
    this.x.tell({
      type: 'released',
      symbol,
      amount: amount.toFixed(),
      reason,
      totalReserved: this.ledger.totalReserved().toFixed(),
      totalBalance: this.ledger.totalBalance().toFixed(),
      quoteAsset: this.ledger.quoteAsset,
    });
  }

  private lastToldTotal: string | undefined;

  tellBalance(always = false): void {
    const total = this.ledger.totalBalance().toFixed();
    if (total === this.lastToldTotal && !always) return; // said already
    this.lastToldTotal = total;
    this.x.tell({
      type: 'balance',
      quoteAsset: this.ledger.quoteAsset,
      quoteBalance: this.ledger.balance.toFixed(),
      totalBalance: total,
    });
  }
}

export type { LookUpLimit };
