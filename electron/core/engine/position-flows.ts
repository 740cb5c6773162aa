/**
 * The facade of a position's flows: PositionFlows, which the engine and the reconciler call. The
 * steps themselves are in the parts beside it (entry-flow, protect-flow, report-flow, exit-flow,
 * close-flow, due-work), which share one FlowState and reach one another only through the Flows
 * this facade wires.
 */
import type { ParameterSet } from '../../../shared/params/schema';
import type { ExitReason, Position } from '../ledger/records';
import type { Decimal } from '../money/decimal';
import type { SymbolRules } from '../money/symbol-rules';
import type { OcoReport, OrderReport } from '../ports/exchange';
import { CloseFlow } from './close-flow';
import { DueWork } from './due-work';
import { EntryFlow } from './entry-flow';
import { ExitFlow } from './exit-flow';
import type { FlowContext, Flows, ProtectionState } from './flow-context';
import { FlowState } from './flow-state';
import { LateSaleFlow } from './late-sale-flow';
import { lookUpOco, lookUpOrder } from './look-ups';
import { ManualFlow, type NewTargets } from './manual-flow';
import { ProtectFlow } from './protect-flow';
import { ReportFlow } from './report-flow';

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
  private readonly entry: EntryFlow;
  private readonly protect: ProtectFlow;
  private readonly report: ReportFlow;
  private readonly exit: ExitFlow;
  private readonly closing: CloseFlow;
  private readonly dueWork: DueWork;
  private readonly manual: ManualFlow;
  private readonly late: LateSaleFlow;

  private readonly state: FlowState;

  constructor(x: FlowContext) {
    const s = new FlowState(x);
    this.state = s;
    // Each step a part takes in another, handed to the part that holds it (returning its promise as is).
    const f: Flows = {
      bookEntryLocked: (position, report) => this.entry.bookEntryLocked(position, report),
      adoptLateEntryLocked: (report) => this.entry.adoptLateEntryLocked(report),
      protectLocked: (position) => this.protect.protectLocked(position),
      bookReport: (position, report) => this.report.bookReport(position, report),
      assessSoon: (symbol) => this.report.assessSoon(symbol),
      matchHoldings: (p, why) => this.report.matchHoldings(p, why),
      exitLocked: (position, reason, detail) => this.exit.exitLocked(position, reason, detail),
      cancelProtection: (position) => this.exit.cancelProtection(position),
      closeIfDone: (p) => this.closing.closeIfDone(p),
      closingReason: (p, fallback) => this.closing.closingReason(p, fallback),
      closeLocked: (p, reason) => this.closing.closeLocked(p, reason),
      tellReleased: (symbol, amount, reason) => this.closing.tellReleased(symbol, amount, reason),
      tellBalance: (always) => this.closing.tellBalance(always),
      bookLateSale: (report) => this.late.bookLateSale(report),
      followClosedSales: () => this.late.followClosedSales(),
    };
    this.entry = new EntryFlow(s, f);
    this.protect = new ProtectFlow(s, f);
    this.report = new ReportFlow(s, f);
    this.exit = new ExitFlow(s, f);
    this.closing = new CloseFlow(s, f);
    this.dueWork = new DueWork(s, f);
    this.manual = new ManualFlow(s, f);
    this.late = new LateSaleFlow(s, f);
  }

  /** Moves a protected position's take-profit and/or stop by hand (under the symbol's lock). */
  retargetLocked(position: Position, targets: NewTargets, lastPrice: number): Promise<string> {
    return this.manual.retargetLocked(position, targets, lastPrice);
  }

  /** Forgets a position whose coins are gone from the account (under the symbol's lock). */
  forgetLocked(position: Position): Promise<string> {
    return this.manual.forgetLocked(position);
  }

  /**
   * A sale or an order list sent before a restart, looked up on the look-up schedule for up to the
   * retry budget: an order whose answer was lost may show only after a first empty look-up (a late
   * execution), and selling or protecting again at once would send a second one. 'absent' when it
   * never showed, undefined when the exchange could not be asked.
   */
  lookUpSentOrder(symbol: string, clientOrderId: string): Promise<OrderReport | 'absent' | undefined> {
    return lookUpOrder(this.state.lookups, symbol, clientOrderId, {
      maxWaitMs: this.state.x.timings.exitRetryBudgetMs,
    });
  }

  lookUpSentOco(symbol: string, listClientOrderId: string): Promise<OcoReport | 'absent' | undefined> {
    return lookUpOco(this.state.lookups, symbol, listClientOrderId, {
      maxWaitMs: this.state.x.timings.exitRetryBudgetMs,
    });
  }

  /** Looks up the sales of closed positions whose outcome is still unknown (at every reconciliation). */
  followClosedSales(): void {
    this.late.followClosedSales();
  }

  /** What the position's protection is doing (for reports and the UI). */
  protectionOf(symbol: string): ProtectionState {
    return this.protect.protectionOf(symbol);
  }

  /** Reserves the set's share and buys at market for exactly that amount (under the symbol's lock). */
  enterLocked(set: ParameterSet, rules: SymbolRules, signal: number): Promise<void> {
    return this.entry.enterLocked(set, rules, signal);
  }

  /** Starts looking up an entry whose outcome is unknown, unless that already runs. */
  resolveEntrySoon(position: Position, cause: string): void {
    this.entry.resolveEntrySoon(position, cause);
  }

  /** Books an entry's final report: a fill becomes a position to protect; nothing filled releases the funds. */
  bookEntryLocked(position: Position, report: OrderReport): Promise<void> {
    return this.entry.bookEntryLocked(position, report);
  }

  /** Places the protective OCO on what the position holds. */
  protectLocked(position: Position): Promise<void> {
    return this.protect.protectLocked(position);
  }

  /** An order of ours changed on the exchange: its fills are booked at once, what follows runs as an operation of the symbol. */
  onReport(report: OrderReport): void {
    this.report.onReport(report);
  }

  /** Looks at what a position's orders say and does what it takes. */
  assessLocked(symbol: string, exchangeSaid = false): Promise<void> {
    return this.report.assessLocked(symbol, exchangeSaid);
  }

  /** Leaves a position at market. */
  exitLocked(position: Position, reason: ExitReason, detail?: string): Promise<void> {
    return this.exit.exitLocked(position, reason, detail);
  }

  /** Closes the position when it is done; true when it closed (or was already gone). */
  closeIfDone(p: Position): boolean {
    return this.closing.closeIfDone(p);
  }

  /** Runs what is due: gap checks, re-protection of a take-profit's rest, deferred exits and OCOs. */
  tick(now: number): void {
    this.dueWork.tick(now);
  }

  /** Whether anything is scheduled (a replay keeps ticking while so). */
  hasDue(): boolean {
    return this.dueWork.hasDue();
  }

  tellReleased(symbol: string, amount: Decimal, reason: ExitReason | 'orphan'): void {
    this.closing.tellReleased(symbol, amount, reason);
  }

  tellBalance(always = false): void {
    this.closing.tellBalance(always);
  }
}

export type { FlowContext, ProtectionState };
