/**
 * What the parts of a position's flows share without holding state: the engine they run in
 * (FlowContext), the steps they call in one another (Flows), and the small types and predicates
 * they all use. Imports none of the parts, so that none of them imports another.
 */
import type { ParameterSet } from '../../../shared/params/schema';
import type { Ledger } from '../ledger/ledger';
import type { ExitReason, OrderRecord, Position } from '../ledger/records';
import type { Decimal } from '../money/decimal';
import type { SymbolRules } from '../money/symbol-rules';
import type { Clock } from '../ports/clock';
import { ExchangeError, type Exchange, type OcoReport, type OrderReport } from '../ports/exchange';
import type { EngineEvent } from './engine-events';
import type { ReportMailbox } from './report-mailbox';
import type { SymbolLocks } from './symbol-locks';
import type { EngineTimings } from './timings';

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
  /** Asks for a balance check soon (the ledger's quote balance is to follow the exchange's). */
  checkBalanceSoon(): void;
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
export interface Due {
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
export type Holding =
  | { kind: 'ok'; position: Position }
  /** The coins are there but locked by an order Tranche did not place. */
  | { kind: 'locked'; position: Position }
  /** The coins are gone: the position was closed as sold outside Tranche. */
  | { kind: 'gone' };

/**
 * The steps the parts of the flows take in one another (entering protects, protecting may exit,
 * exiting puts the OCO back, reports protect, exit and close): PositionFlows wires each to the part
 * that holds it, so that a part never imports another.
 */
export interface Flows {
  // entering (entry-flow.ts)
  bookEntryLocked(position: Position, report: OrderReport): Promise<void>;
  adoptLateEntryLocked(report: OrderReport): Promise<void>;
  // protecting (protect-flow.ts)
  protectLocked(position: Position): Promise<void>;
  // following the exchange (report-flow.ts)
  bookReport(position: Position, report: OrderReport): void;
  assessSoon(symbol: string): void;
  matchHoldings(p: Position, why: string): Promise<Holding>;
  // exiting (exit-flow.ts)
  exitLocked(position: Position, reason: ExitReason, detail?: string): Promise<void>;
  cancelProtection(position: Position): Promise<'closed' | 'clear' | 'live'>;
  // closing (close-flow.ts)
  closeIfDone(p: Position): boolean;
  closingReason(p: Position, fallback?: ExitReason): ExitReason;
  closeLocked(p: Position, reason: ExitReason): void;
  tellReleased(symbol: string, amount: Decimal, reason: ExitReason | 'orphan'): void;
  tellBalance(always?: boolean): void;
  // sales that report after their position closed (late-sale-flow.ts)
  bookLateSale(report: OrderReport): boolean;
  followClosedSales(): void;
}

export const isSellLeg = (o: OrderRecord) => o.purpose === 'take-profit' || o.purpose === 'stop-loss';
export const isWorking = (o: OrderRecord) => o.state === 'pending' || o.state === 'open';
export const workingLegs = (o: OcoReport) =>
  [o.takeProfit, o.stopLoss].filter((l) => l.status === 'NEW' || l.status === 'PARTIALLY_FILLED');

/** The answer may have been lost after the request reached Binance (5xx, -1007, a timeout): look it up. */
export function isUnknownOutcome(e: unknown): boolean {
  return e instanceof ExchangeError && e.kind === 'unknown-outcome';
}

export function retryAfterOf(e: unknown): number | undefined {
  return e instanceof ExchangeError ? e.retryAfterMs : undefined;
}

export function kindOf(e: unknown): string {
  return e instanceof ExchangeError ? e.kind : 'unexpected';
}
