import type { ParameterSet } from '../../../shared/params/schema';
import { Decimal, ZERO } from '../money/decimal';
import { floorToDecimals, floorToStep, lotProblem, notionalProblem, type SymbolRules } from '../money/symbol-rules';
import type { Fill, OcoReport, OrderReport } from '../ports/exchange';
import type { LedgerSnapshot, LedgerStore } from '../ports/ledger-store';
import type { AllocationStatus } from './allocation-status';
import { ClosedSales, type LateSaleBooking } from './closed-sales';
import { entryTooSmall } from './entry-size';
import { orderStateOf, stateRank } from './order-states';
import type { ClosedTrade, ExitReason, OrderRecord, Position, Reservation, StoredFill } from './records';
import { fillKey, NO_VALUER, type OtherAssetValuer, valueSellFills } from './sell-fills';

export type { OtherAssetValuer } from './sell-fills';

export type ReserveOutcome =
  | { ok: true; reservation: Reservation; position: Position; order: OrderRecord }
  | {
      ok: false;
      reason: 'has-position' | 'insufficient-funds' | 'below-minimum' | 'no-balance';
      detail: string;
      needed?: Decimal;
      available?: Decimal;
      totalBalance?: Decimal;
    };

export interface EntryFillOutcome {
  position: Position;
  /** True when the buy ended with less than asked (EXPIRED on a thin book). */
  partial: boolean;
  /** True when what was bought is below the lot or notional minimums and cannot be sold. */
  dust: boolean;
  /** True when some fills were not detailed and their commission was assumed (0.25%). */
  feesEstimated: boolean;
  released?: Decimal;
}

export interface CloseOutcome {
  trade: ClosedTrade;
  released: Decimal;
}

/** What booking a sell order's report changed. */
export interface SellBooking {
  /** Fills booked now (those already booked, by trade id, are skipped). */
  booked: Fill[];
  /** Base sold by them. */
  qty: Decimal;
  /** Quote credited to the balance for them (net of quote-asset commission). */
  credited: Decimal;
  /** True when the report says more filled than its fills detail (ask the exchange for the fills). */
  undetailed: boolean;
}

export interface OcoPlan {
  quantity: Decimal;
  takeProfitPrice: Decimal;
  stopPrice: Decimal;
  stopType: 'STOP_LOSS_LIMIT' | 'STOP_LOSS';
  /** The stop-limit's limit (STOP_LOSS_LIMIT only). */
  stopLimitPrice?: Decimal;
  listClientOrderId: string;
  takeProfitClientOrderId: string;
  stopLossClientOrderId: string;
}

const iso = (t: number) => new Date(t).toISOString();

/** Commission assumed for fills of an entry the exchange did not detail. */
const FEE_ALLOWANCE = new Decimal('0.0025');

/**
 * The allocation ledger: the account's quote balance, every reservation, every position not yet
 * closed and their orders. Each method is one synchronous store transaction that checks and
 * records together, then updates the in-memory mirror; nothing awaits inside, so concurrent signals
 * cannot interleave and can never over-allocate. The in-memory state is authoritative for this
 * process because the store is exclusively locked by it.
 *
 * totalBalance   = quote balance (free + locked) + what open positions still stand for
 *                  (their cost minus what their sells have brought back so far)
 * totalReserved  = sum of reservations
 * available      = totalBalance - totalReserved
 *
 * The quote balance moves only by booked fills (a buy's cost, each sell fill's proceeds) and by an
 * explicit adoption of the exchange's figure (reconciliation), never by a balance event: a fill is
 * booked once, by its trade id, whatever order the exchange's reports arrive in.
 */
export class Ledger {
  readonly ledgerId: string;
  quoteAsset: string;
  private quoteBalance: Decimal;
  private readonly reservations = new Map<string, Reservation>();
  private readonly positions = new Map<string, Position>();
  /** Every order of every live position (final ones included, for late reports). */
  private readonly orders = new Map<string, OrderRecord>();
  /** Fills already booked, by order and trade id. */
  private readonly booked = new Set<string>();
  /** Exit sales of closed positions whose outcome is still unknown (see ClosedSales). */
  private readonly closed: ClosedSales;
  /** Entry buys booked by positions closed since this ledger was opened (their records are forgotten). */
  private readonly closedEntries = new Set<string>();
  private nextPositionId: number;
  private cursorValue: number | undefined;
  private cursorSymbolValue: string | undefined;
  /**
   * The symbol of the candle being processed (set by a replay before each candle): stored with the
   * cursor so that a resumed replay knows which of several candles closing at once were done.
   */
  candleSymbol: string | undefined;
  private emergency: boolean;
  /** Counts every booking (fills, adoption): lets a balance check see whether anything moved meanwhile. */
  private bookings = 0;

  constructor(
    private readonly store: LedgerStore,
    quoteAsset: string,
    snapshot: LedgerSnapshot = store.load(),
  ) {
    this.ledgerId = snapshot.ledgerId;
    if (snapshot.quoteAsset && snapshot.quoteAsset !== quoteAsset) {
      throw new Error(
        `this ledger trades ${snapshot.quoteAsset} but the parameter sets use ${quoteAsset}; use another ledger file (--db) for ${quoteAsset} pairs`,
      );
    }
    this.quoteAsset = quoteAsset;
    this.quoteBalance = snapshot.quoteBalance ?? ZERO;
    for (const r of snapshot.reservations) this.reservations.set(r.symbol, r);
    for (const p of snapshot.positions) this.positions.set(p.symbol, p);
    const live = new Set(snapshot.positions.map((p) => p.id));
    const unsettled = snapshot.openOrders.filter((o) => !live.has(o.positionId) && o.purpose === 'exit');
    for (const o of snapshot.openOrders) if (!unsettled.includes(o)) this.orders.set(o.clientOrderId, o);
    for (const f of snapshot.bookedFills ?? []) this.booked.add(fillKey(f.clientOrderId, f));
    this.closed = new ClosedSales(store, unsettled, snapshot.unsettledTrades, snapshot.bookedFills);
    this.nextPositionId = snapshot.nextPositionId;
    this.cursorValue = snapshot.cursor;
    this.cursorSymbolValue = snapshot.cursorSymbol;
    this.emergency = snapshot.emergencyStop;
  }

  // ---- reads -------------------------------------------------------------------------------

  get balance(): Decimal {
    return this.quoteBalance;
  }

  get cursor(): number | undefined {
    return this.cursorValue;
  }

  get cursorSymbol(): string | undefined {
    return this.cursorSymbolValue;
  }

  get emergencyStopPending(): boolean {
    return this.emergency;
  }

  /** Increases with every booking that moved the balance. */
  get bookingCount(): number {
    return this.bookings;
  }

  /**
   * What open positions stand for in the total: each one's cost minus what its sells have already
   * brought back (credited to the balance fill by fill), never below zero. So a partial sale neither
   * inflates the total (the proceeds are counted once) nor realises its PnL before the close.
   */
  investedInPositions(): Decimal {
    let s = ZERO;
    for (const p of this.positions.values()) if (p.status !== 'closed') s = s.add(openCost(p));
    return s;
  }

  totalBalance(): Decimal {
    return this.quoteBalance.add(this.investedInPositions());
  }

  totalReserved(): Decimal {
    let s = ZERO;
    for (const r of this.reservations.values()) s = s.add(r.amount);
    return s;
  }

  availableBalance(): Decimal {
    return this.totalBalance().sub(this.totalReserved());
  }

  reservation(symbol: string): Reservation | undefined {
    return this.reservations.get(symbol);
  }

  position(symbol: string): Position | undefined {
    return this.positions.get(symbol);
  }

  positionById(id: number): Position | undefined {
    for (const p of this.positions.values()) if (p.id === id) return p;
    return undefined;
  }

  openPositions(): Position[] {
    return [...this.positions.values()];
  }

  allReservations(): Reservation[] {
    return [...this.reservations.values()];
  }

  order(clientOrderId: string): OrderRecord | undefined {
    return this.orders.get(clientOrderId);
  }

  /**
   * Whether this buy was booked by a position that has closed since (in this process): a report of
   * it arriving now is late or repeated, not a buy that executed after it was taken as never executed.
   */
  entryBookedByClosedPosition(clientOrderId: string): boolean {
    return this.closedEntries.has(clientOrderId);
  }

  /** Every order of a live position, any state. */
  ordersOf(positionId: number): OrderRecord[] {
    return [...this.orders.values()].filter((o) => o.positionId === positionId);
  }

  /** Orders of a position that are not final (sent and working, or recorded and maybe sent). */
  workingOrders(positionId: number): OrderRecord[] {
    return this.ordersOf(positionId).filter((o) => o.state === 'pending' || o.state === 'open');
  }

  /** Base the position still holds: what was bought (net of base commission, floored) minus what was sold. */
  remainingQty(p: Position): Decimal {
    const r = p.sellQty.sub(p.soldQty);
    return r.isNegative() ? ZERO : r;
  }

  /** The position an order belongs to, by our client order id or OCO list id. */
  positionForOrder(clientOrderId: string | undefined, listClientOrderId: string | undefined): Position | undefined {
    if (clientOrderId) {
      const o = this.orders.get(clientOrderId);
      if (o) return this.positionById(o.positionId);
    }
    for (const p of this.positions.values()) {
      if (listClientOrderId && p.ocoListClientOrderId === listClientOrderId) return p;
      if (listClientOrderId && this.ordersOf(p.id).some((o) => o.listClientOrderId === listClientOrderId)) return p;
      if (clientOrderId && (p.entryClientOrderId === clientOrderId || p.exitClientOrderId === clientOrderId)) return p;
    }
    return undefined;
  }

  getAllocationStatus(): AllocationStatus {
    const total = this.totalBalance();
    const reserved = this.totalReserved();
    const pct = total.isZero() ? 0 : reserved.div(total).mul(100).toDecimalPlaces(4).toNumber();
    return {
      totalBalance: total.toNumber(),
      totalReserved: reserved.toNumber(),
      availableBalance: total.sub(reserved).toNumber(),
      allocationPercentage: pct,
      reservations: [...this.reservations.values()]
        .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.positionId - b.positionId))
        .map((r) => ({
          symbol: r.symbol,
          reservedAmount: r.amount.toNumber(),
          timestamp: r.createdAt,
          orderId: r.orderRef,
        })),
    };
  }

  // ---- writes: each is one transaction ----------------------------------------------------

  /**
   * Adopts the exchange's quote balance (free + locked), e.g. at start or when a balance check found
   * that the account moved outside Tranche. Returns true when it changed. Never called for a balance
   * event: fills move the balance when they are booked.
   */
  setQuoteBalance(balance: Decimal, now: number, why = 'read from the exchange'): boolean {
    if (balance.eq(this.quoteBalance)) return false;
    this.write(now, () => {
      this.store.setQuote(this.quoteAsset, balance);
      this.store.addEvent({
        time: iso(now),
        kind: 'balance',
        message: `quote balance ${this.quoteBalance.toFixed()} -> ${balance.toFixed()} ${this.quoteAsset} (${why})`,
      });
    });
    this.quoteBalance = balance;
    this.bookings++;
    return true;
  }

  /** Remembers the close time of the last candle processed (for resuming a replay). */
  setCursor(closeTime: number, symbol?: string): void {
    this.store.setCursor(closeTime, symbol);
    this.cursorValue = closeTime;
    this.cursorSymbolValue = symbol;
  }

  setEmergencyStop(on: boolean, now: number): void {
    this.write(now, () => {
      this.store.setEmergencyStop(on);
      this.store.addEvent({
        time: iso(now),
        kind: on ? 'emergency-stop' : 'emergency-stop-done',
        message: on ? 'emergency stop started' : 'emergency stop finished',
      });
    });
    this.emergency = on;
  }

  /** Appends a free-form event (signals, skips, warnings) to the ledger's journal. */
  note(kind: string, symbol: string | undefined, message: string, now: number, data?: unknown): void {
    this.store.addEvent({
      time: iso(now),
      kind,
      ...(symbol ? { symbol } : {}),
      message,
      ...(data === undefined ? {} : { data }),
    });
  }

  /**
   * Checks and records a reservation for a signal, with the opening position and its pending entry
   * order, in one transaction. The reservation is allocationPercent of totalBalance, floored to
   * the quote precision.
   */
  reserve(
    set: ParameterSet,
    rules: SymbolRules,
    clientOrderIdFor: (positionId: number) => string,
    now: number,
  ): ReserveOutcome {
    const symbol = set.symbol;
    if (this.reservations.has(symbol) || this.positions.has(symbol)) {
      return { ok: false, reason: 'has-position', detail: `Already have position in ${symbol}` };
    }
    const total = this.totalBalance();
    if (total.lte(ZERO)) return { ok: false, reason: 'no-balance', detail: `no ${this.quoteAsset} balance` };
    const amount = floorToDecimals(total.mul(set.allocationPercent).div(100), rules.quotePrecision);
    const available = this.availableBalance();
    if (amount.gt(available)) {
      return {
        ok: false,
        reason: 'insufficient-funds',
        detail: `needs ${amount.toFixed()} ${this.quoteAsset}, ${available.toFixed()} available`,
        needed: amount,
        available,
        totalBalance: total,
      };
    }
    const minProblem = entryTooSmall(amount, set, rules, this.quoteAsset);
    if (minProblem) return { ok: false, reason: 'below-minimum', detail: minProblem };

    const clientOrderId = clientOrderIdFor(this.nextPositionId);
    const opened = this.openPosition(set, clientOrderId, amount, clientOrderId, now, (id) => ({
      message: `reserved ${amount.toFixed()} ${this.quoteAsset} (${set.allocationPercent}%) of ${total.toFixed()}`,
      data: {
        amount: amount.toFixed(),
        percent: set.allocationPercent,
        totalBalance: total.toFixed(),
        clientOrderId,
        positionId: id,
      },
    }));
    return { ok: true, ...opened };
  }

  /**
   * Writes a new position (opening), its reservation and its entry order in one transaction, with
   * the 'reserve' event `describe` gives, and takes them into memory.
   */
  private openPosition(
    set: ParameterSet,
    clientOrderId: string,
    amount: Decimal,
    orderRef: string,
    now: number,
    describe: (positionId: number) => { message: string; data?: Record<string, unknown> },
  ): { reservation: Reservation; position: Position; order: OrderRecord } {
    const positionId = this.nextPositionId;
    const symbol = set.symbol;
    const at = iso(now);
    const createdAt = this.orders.get(clientOrderId)?.createdAt ?? at;
    const reservation: Reservation = { symbol, amount, createdAt: at, positionId, orderRef };
    const position = openingPosition(positionId, set, clientOrderId, at);
    const order: OrderRecord = {
      clientOrderId,
      positionId,
      symbol,
      purpose: 'entry',
      side: 'BUY',
      type: 'MARKET',
      state: 'pending',
      requestedQuote: amount,
      executedQty: ZERO,
      cumQuote: ZERO,
      createdAt,
      updatedAt: at,
    };
    const event = describe(positionId);
    this.write(now, () => {
      this.store.putPosition(position);
      this.store.putReservation(reservation);
      this.store.putOrder(order);
      this.store.addEvent({ time: at, kind: 'reserve', symbol, ...event });
    });
    this.nextPositionId++;
    this.reservations.set(symbol, reservation);
    this.positions.set(symbol, position);
    this.orders.set(clientOrderId, order);
    return { reservation, position, order };
  }

  /** The entry order failed or filled nothing: the reservation is released and the position closed. */
  entryFailed(positionId: number, error: string, now: number, report?: OrderReport): Decimal {
    const p = this.byId(positionId);
    const at = iso(now);
    const order = this.orders.get(p.entryClientOrderId);
    const released = this.reservations.get(p.symbol)?.amount ?? ZERO;
    const closed: Position = { ...p, status: 'closed', exitReason: 'entry-failed', closedAt: at };
    this.write(now, () => {
      if (order) {
        this.store.putOrder({
          ...order,
          state: report?.status === 'EXPIRED' ? 'expired' : 'rejected',
          ...(report ? { exchangeOrderId: report.orderId } : {}),
          updatedAt: at,
          error,
        });
      }
      this.store.putPosition(closed);
      this.store.deleteReservation(p.symbol);
      this.store.addEvent({
        time: at,
        kind: 'release',
        symbol: p.symbol,
        message: `entry failed: ${error}; released ${released.toFixed()}`,
      });
    });
    this.forget(p);
    return released;
  }

  /**
   * Records the entry fill: average price, quantity net of base-asset commission floored to the
   * lot step, quote spent. A partial fill (EXPIRED with some quantity) shrinks the reservation to
   * what was spent. What cannot be sold (below the filters' minimums) is dust: the position is
   * closed at once and the funds released.
   */
  entryFilled(
    positionId: number,
    report: OrderReport,
    rules: SymbolRules,
    now: number,
    valueOther: OtherAssetValuer = NO_VALUER,
  ): EntryFillOutcome {
    const p = this.byId(positionId);
    const at = iso(now);
    const order = this.orders.get(p.entryClientOrderId);
    const bought = report.executedQty;
    const spent = report.cumQuote;
    const avg = bought.isZero() ? ZERO : spent.div(bought);
    let baseFee = ZERO;
    let quoteFee = ZERO;
    let otherFee = ZERO;
    let filledQty = ZERO;
    for (const f of report.fills) {
      filledQty = filledQty.add(f.qty);
      if (f.commissionAsset === rules.baseAsset) baseFee = baseFee.add(f.commission);
      else if (f.commissionAsset === rules.quoteAsset) quoteFee = quoteFee.add(f.commission);
      else if (!f.commission.isZero()) otherFee = otherFee.add(valueOther(f.commissionAsset, f.commission));
    }
    // Fills we were not told about may have paid commission in the bought coin: assume the worst
    // (0.25%, above any Binance tier) for them, so the OCO never asks to sell coins we do not have.
    const feesEstimated = filledQty.lt(bought);
    if (feesEstimated)
      baseFee = baseFee.add(bought.sub(filledQty).mul(FEE_ALLOWANCE).toDecimalPlaces(8, Decimal.ROUND_UP));
    const sellQty = floorToStep(bought.sub(baseFee), rules.stepSize);
    const partial = report.status !== 'FILLED';
    const reservation = this.reservations.get(p.symbol);
    const newReservation =
      reservation && partial
        ? { ...reservation, amount: floorToDecimals(spent, rules.quotePrecision), orderRef: report.orderId }
        : reservation && { ...reservation, orderRef: report.orderId };
    const dustReason = lotProblem(sellQty, rules) ?? notionalProblem(avg, sellQty, rules);
    const updated: Position = {
      ...p,
      status: 'open',
      entryOrderId: report.orderId,
      boughtQty: bought,
      sellQty,
      cost: spent,
      avgPrice: avg,
      entryFeeQuote: baseFee.mul(avg).add(quoteFee).add(otherFee),
      otherFeeQuote: p.otherFeeQuote.add(otherFee),
    };
    const newBalance = this.quoteBalance.sub(spent).sub(quoteFee);
    const filledOrder: OrderRecord | undefined = order && {
      ...order,
      state: 'filled',
      exchangeOrderId: report.orderId,
      executedQty: bought,
      cumQuote: spent,
      updatedAt: at,
    };
    let released: Decimal | undefined;
    this.write(now, () => {
      if (filledOrder) this.store.putOrder(filledOrder);
      this.store.addFills(report.fills.map((f) => ({ ...f, clientOrderId: p.entryClientOrderId, time: at })));
      this.store.setQuote(this.quoteAsset, newBalance);
      this.store.addEvent({
        time: at,
        kind: 'fill',
        symbol: p.symbol,
        message: `bought ${bought.toFixed()} at ${avg.toFixed()} for ${spent.toFixed()} ${this.quoteAsset}${partial ? ` (partial: ${report.status})` : ''}`,
        data: { orderId: report.orderId, qty: bought.toFixed(), spent: spent.toFixed(), sellQty: sellQty.toFixed() },
      });
      if (dustReason) {
        // Nothing sellable: the coins stay in the account as dust; the tranche is free again.
        const closed: Position = { ...updated, status: 'closed', exitReason: 'dust', closedAt: at, cost: ZERO };
        this.store.putPosition(closed);
        this.store.deleteReservation(p.symbol);
        released = reservation?.amount ?? ZERO;
        this.store.addEvent({
          time: at,
          kind: 'release',
          symbol: p.symbol,
          message: `dust: ${dustReason}; released ${released.toFixed()}`,
        });
      } else {
        this.store.putPosition(updated);
        if (newReservation) this.store.putReservation(newReservation);
      }
    });
    this.quoteBalance = newBalance;
    this.bookings++;
    for (const f of report.fills) this.booked.add(fillKey(p.entryClientOrderId, f));
    if (dustReason) {
      this.forget(p);
      return {
        position: { ...updated, status: 'closed' },
        partial,
        dust: true,
        feesEstimated,
        released: released ?? ZERO,
      };
    }
    this.positions.set(p.symbol, updated);
    if (filledOrder) this.orders.set(filledOrder.clientOrderId, filledOrder);
    if (newReservation) this.reservations.set(p.symbol, newReservation);
    return { position: updated, partial, dust: false, feesEstimated };
  }

  /** Records the OCO we are about to send (legs pending), before sending it. */
  ocoPending(positionId: number, plan: OcoPlan, now: number): Position {
    const p = this.byId(positionId);
    const at = iso(now);
    const updated: Position = {
      ...p,
      takeProfitPrice: plan.takeProfitPrice,
      stopPrice: plan.stopPrice,
      ...(plan.stopLimitPrice ? { stopLimitPrice: plan.stopLimitPrice } : {}),
      ocoListClientOrderId: plan.listClientOrderId,
      ocoAttempts: p.ocoAttempts + 1,
    };
    if (!plan.stopLimitPrice) delete updated.stopLimitPrice;
    const legs: OrderRecord[] = [
      {
        clientOrderId: plan.takeProfitClientOrderId,
        positionId,
        symbol: p.symbol,
        purpose: 'take-profit',
        side: 'SELL',
        type: 'LIMIT_MAKER',
        state: 'pending',
        listClientOrderId: plan.listClientOrderId,
        requestedQty: plan.quantity,
        price: plan.takeProfitPrice,
        executedQty: ZERO,
        cumQuote: ZERO,
        createdAt: at,
        updatedAt: at,
      },
      {
        clientOrderId: plan.stopLossClientOrderId,
        positionId,
        symbol: p.symbol,
        purpose: 'stop-loss',
        side: 'SELL',
        type: plan.stopType,
        state: 'pending',
        listClientOrderId: plan.listClientOrderId,
        requestedQty: plan.quantity,
        ...(plan.stopLimitPrice ? { price: plan.stopLimitPrice } : {}),
        stopPrice: plan.stopPrice,
        executedQty: ZERO,
        cumQuote: ZERO,
        createdAt: at,
        updatedAt: at,
      },
    ];
    this.write(now, () => {
      this.store.putPosition(updated);
      for (const o of legs) this.store.putOrder(o);
      this.store.addEvent({
        time: at,
        kind: 'order',
        symbol: p.symbol,
        message: `OCO sell ${plan.quantity.toFixed()}: take-profit ${plan.takeProfitPrice.toFixed()}, stop ${plan.stopPrice.toFixed()}${plan.stopLimitPrice ? ` limit ${plan.stopLimitPrice.toFixed()}` : ' (market)'}`,
        data: { listClientOrderId: plan.listClientOrderId, attempt: updated.ocoAttempts },
      });
    });
    this.positions.set(p.symbol, updated);
    for (const o of legs) this.orders.set(o.clientOrderId, o);
    return updated;
  }

  /**
   * An earlier OCO of this position turned out to rest on the exchange (its answer was lost, or it
   * was written off): it becomes the position's protection again, its legs as the exchange reports.
   */
  ocoAdopted(positionId: number, report: OcoReport, now: number): Position {
    return this.protectedBy(
      positionId,
      report,
      now,
      true,
      `OCO ${report.listClientOrderId} found resting on the exchange: it protects the position`,
    );
  }

  /**
   * A buy of ours executed after it was taken as never executed: its coins become a position again
   * (opening, with the buy's client order id), reserved at what they cost, so that the caller books
   * the fill and protects it. The reservation is not checked against what is available: the money is
   * spent already; the ledger says so.
   */
  adoptLateEntry(set: ParameterSet, report: OrderReport, now: number): Position {
    const amount = report.cumQuote;
    return this.openPosition(set, report.clientOrderId, amount, report.orderId, now, (id) => ({
      message: `a buy taken as never executed executed late (${report.clientOrderId}): position #${id} reserved at its cost ${amount.toFixed()} ${this.quoteAsset}`,
    })).position;
  }

  /** The exchange accepted the OCO: the position is protected. */
  ocoPlaced(positionId: number, report: OcoReport, now: number): Position {
    return this.protectedBy(positionId, report, now, false, `OCO placed (list ${report.orderListId})`);
  }

  /**
   * `report`'s OCO protects the position (placed now, or found resting): the position records the
   * list, its legs take the exchange's order ids and states (an adopted list's states as reported;
   * a placed one's only from 'pending', a report that came first may have moved them on).
   */
  private protectedBy(positionId: number, report: OcoReport, now: number, adopted: boolean, message: string): Position {
    const p = this.byId(positionId);
    const at = iso(now);
    const updated: Position = {
      ...p,
      status: p.status === 'exiting' ? 'exiting' : 'protected',
      ...(adopted ? { ocoListClientOrderId: report.listClientOrderId } : {}),
      ocoListId: report.orderListId,
    };
    const legUpdates = [report.takeProfit, report.stopLoss].flatMap((leg) => {
      const o = this.orders.get(leg.clientOrderId);
      if (!o) return [];
      const state = adopted || o.state === 'pending' ? orderStateOf(leg.status) : o.state;
      return [{ ...o, state, exchangeOrderId: leg.orderId, updatedAt: at }];
    });
    this.write(now, () => {
      this.store.putPosition(updated);
      for (const o of legUpdates) this.store.putOrder(o);
      this.store.addEvent({ time: at, kind: 'order', symbol: p.symbol, message });
    });
    this.positions.set(p.symbol, updated);
    for (const o of legUpdates) this.orders.set(o.clientOrderId, o);
    return updated;
  }

  /**
   * New targets for a position (the trader moved its take-profit or stop-loss): the percents its
   * next OCO is planned with, recorded with a journal line saying what moved.
   */
  retarget(positionId: number, params: Position['params'], why: string, now: number): Position {
    const p = this.byId(positionId);
    const updated: Position = { ...p, params };
    this.write(now, () => {
      this.store.putPosition(updated);
      this.store.addEvent({ time: iso(now), kind: 'manual', symbol: p.symbol, message: why });
    });
    this.positions.set(p.symbol, updated);
    return updated;
  }

  /**
   * The position's OCO is over without selling everything (rejected, cancelled by us or by
   * somebody else, expired by the exchange): its legs that were still pending or working become
   * final, and a position that is not being exited is 'open' again (it holds coins without an order).
   */
  ocoEnded(positionId: number, state: 'rejected' | 'canceled' | 'expired', why: string, now: number): Position {
    const p = this.byId(positionId);
    const at = iso(now);
    const legs = this.ordersOf(positionId).filter(
      (o) =>
        (o.purpose === 'take-profit' || o.purpose === 'stop-loss') && (o.state === 'pending' || o.state === 'open'),
    );
    const ended = legs.map((o) => ({ ...o, state, updatedAt: at, error: why }));
    const updated: Position = { ...p, status: p.status === 'exiting' ? 'exiting' : 'open' };
    this.write(now, () => {
      for (const o of ended) this.store.putOrder(o);
      this.store.putPosition(updated);
      this.store.addEvent({ time: at, kind: 'order', symbol: p.symbol, message: `OCO ${state}: ${why}` });
    });
    for (const o of ended) this.orders.set(o.clientOrderId, o);
    this.positions.set(p.symbol, updated);
    return updated;
  }

  /**
   * Records what the exchange says of one of our orders (state, executed quantity): states only move
   * forward (a late NEW after FILLED changes nothing), quantities only grow. Fills are booked by
   * sellFilled / entryFilled. An order we have no record of is left alone (returns undefined).
   */
  orderReported(report: OrderReport, now: number): OrderRecord | undefined {
    const o = this.orders.get(report.clientOrderId);
    if (!o) return undefined;
    const next = orderStateOf(report.status);
    const state = stateRank(next) >= stateRank(o.state) ? next : o.state;
    const executedQty = report.executedQty.gt(o.executedQty) ? report.executedQty : o.executedQty;
    const cumQuote = report.cumQuote.gt(o.cumQuote) ? report.cumQuote : o.cumQuote;
    if (
      state === o.state &&
      executedQty.eq(o.executedQty) &&
      cumQuote.eq(o.cumQuote) &&
      (o.exchangeOrderId === report.orderId || !report.orderId)
    )
      return o;
    const updated: OrderRecord = {
      ...o,
      state,
      executedQty,
      cumQuote,
      ...(report.orderId ? { exchangeOrderId: report.orderId } : {}),
      updatedAt: iso(now),
    };
    this.store.putOrder(updated);
    this.orders.set(updated.clientOrderId, updated);
    return updated;
  }

  /**
   * Books the fills of a sell of this position (an OCO leg or a market exit) that are not booked
   * yet: each credits the balance with its quote net of quote commission, adds to what the position
   * has sold, and is stored, in one transaction. Fills already booked (same order, same trade id)
   * are skipped, so duplicated, late or reordered reports never count a fill twice. A sell we have
   * no order record of (found on the exchange) gets one.
   */
  sellFilled(
    positionId: number,
    report: OrderReport,
    rules: SymbolRules,
    now: number,
    valueOther: OtherAssetValuer = NO_VALUER,
  ): SellBooking {
    const p = this.byId(positionId);
    const at = iso(now);
    const fresh = report.fills.filter((f) => !this.booked.has(fillKey(report.clientOrderId, f)));
    const detailed = report.fills.reduce((a, f) => a.add(f.qty), ZERO);
    const undetailed = report.executedQty.gt(detailed);
    const { qty, gross, credited, feeQuote, otherFee } = valueSellFills(fresh, rules, valueOther);
    const existing = this.orders.get(report.clientOrderId);
    const recorded: OrderRecord = existing ?? {
      // A sell we did not record (e.g. found on the exchange during reconciliation).
      clientOrderId: report.clientOrderId,
      positionId,
      symbol: p.symbol,
      purpose: 'exit',
      side: 'SELL',
      type: report.type,
      state: 'pending',
      ...(report.listClientOrderId ? { listClientOrderId: report.listClientOrderId } : {}),
      executedQty: ZERO,
      cumQuote: ZERO,
      createdAt: at,
      updatedAt: at,
    };
    if (fresh.length === 0 && existing) {
      this.orderReported(report, now);
      return { booked: [], qty, credited, undetailed };
    }
    const next = orderStateOf(report.status);
    const order: OrderRecord = {
      ...recorded,
      state: stateRank(next) >= stateRank(recorded.state) ? next : recorded.state,
      executedQty: report.executedQty.gt(recorded.executedQty) ? report.executedQty : recorded.executedQty,
      cumQuote: report.cumQuote.gt(recorded.cumQuote) ? report.cumQuote : recorded.cumQuote,
      ...(report.orderId ? { exchangeOrderId: report.orderId } : {}),
      updatedAt: at,
    };
    const updated: Position = {
      ...p,
      soldQty: p.soldQty.add(qty),
      soldQuote: p.soldQuote.add(gross),
      proceeds: p.proceeds.add(credited),
      exitFeeQuote: p.exitFeeQuote.add(feeQuote),
      otherFeeQuote: p.otherFeeQuote.add(otherFee),
    };
    const newBalance = this.quoteBalance.add(credited);
    this.write(now, () => {
      this.store.putOrder(order);
      this.store.addFills(fresh.map((f): StoredFill => ({ ...f, clientOrderId: report.clientOrderId, time: at })));
      this.store.putPosition(updated);
      if (fresh.length > 0) {
        this.store.setQuote(this.quoteAsset, newBalance);
        this.store.addEvent({
          time: at,
          kind: 'fill',
          symbol: p.symbol,
          message: `sold ${qty.toFixed()} for ${gross.toFixed()} ${this.quoteAsset} (${order.purpose} ${report.status}); ${this.remainingQty(updated).toFixed()} left`,
          data: { clientOrderId: report.clientOrderId, qty: qty.toFixed(), credited: credited.toFixed() },
        });
      }
    });
    for (const f of fresh) this.booked.add(fillKey(report.clientOrderId, f));
    this.orders.set(order.clientOrderId, order);
    this.positions.set(p.symbol, updated);
    this.quoteBalance = newBalance;
    if (fresh.length > 0) this.bookings++;
    return { booked: fresh, qty, credited, undetailed };
  }

  /**
   * The account holds less of the position's coins than the ledger says (sold or moved outside
   * Tranche): what the position may sell becomes `sellQty` (what it sold already plus what is there).
   */
  positionShrunk(positionId: number, sellQty: Decimal, why: string, now: number): Position {
    const p = this.byId(positionId);
    // The cost of the coins that are gone leaves the position with them (their proceeds, if any,
    // reach the quote balance by the balance check), so the total is not counted twice.
    const gone = p.sellQty.sub(sellQty);
    const cost = p.sellQty.isZero() || gone.lte(0) ? p.cost : p.cost.sub(p.cost.mul(gone).div(p.sellQty));
    const updated: Position = { ...p, sellQty, cost: cost.toDecimalPlaces(8, Decimal.ROUND_DOWN) };
    this.write(now, () => {
      this.store.putPosition(updated);
      this.store.addEvent({
        time: iso(now),
        kind: 'adjust',
        symbol: p.symbol,
        message: `holds less than recorded (${why}): sellable ${p.sellQty.toFixed()} -> ${sellQty.toFixed()}`,
      });
    });
    this.positions.set(p.symbol, updated);
    return updated;
  }

  /** Records that we are leaving a position at market: the sell order (pending) for `quantity`. */
  exitStarted(
    positionId: number,
    reason: ExitReason,
    clientOrderId: string,
    now: number,
    quantity?: Decimal,
  ): Position {
    const p = this.byId(positionId);
    const at = iso(now);
    const updated: Position = { ...p, status: 'exiting', exitReason: reason, exitClientOrderId: clientOrderId };
    const known = this.orders.get(clientOrderId);
    const order: OrderRecord = known ?? {
      clientOrderId,
      positionId,
      symbol: p.symbol,
      purpose: 'exit',
      side: 'SELL',
      type: 'MARKET',
      state: 'pending',
      requestedQty: quantity ?? this.remainingQty(p),
      executedQty: ZERO,
      cumQuote: ZERO,
      createdAt: at,
      updatedAt: at,
    };
    this.write(now, () => {
      this.store.putPosition(updated);
      this.store.putOrder(order);
      this.store.addEvent({ time: at, kind: 'exit', symbol: p.symbol, message: `exit at market started: ${reason}` });
    });
    this.positions.set(p.symbol, updated);
    this.orders.set(clientOrderId, order);
    return updated;
  }

  /** An order we recorded was refused by the exchange (never executed): it is final. */
  orderRefused(clientOrderId: string, why: string, now: number): void {
    const o = this.orders.get(clientOrderId);
    if (!o || (o.state !== 'pending' && o.state !== 'open')) return;
    const updated: OrderRecord = { ...o, state: 'rejected', updatedAt: iso(now), error: why };
    this.store.putOrder(updated);
    this.orders.set(clientOrderId, updated);
  }

  /**
   * An exit could not complete (its sale kept failing): the position is no longer being exited; the
   * caller protects it again at once.
   */
  exitAbandoned(positionId: number, why: string, now: number): Position {
    const p = this.byId(positionId);
    const at = iso(now);
    const working = this.workingOrders(positionId).some(
      (o) => o.purpose === 'take-profit' || o.purpose === 'stop-loss',
    );
    const updated: Position = { ...p, status: working ? 'protected' : 'open' };
    this.write(now, () => {
      this.store.putPosition(updated);
      this.store.addEvent({ time: at, kind: 'exit', symbol: p.symbol, message: `exit deferred: ${why}` });
    });
    this.positions.set(p.symbol, updated);
    return updated;
  }

  /** An exit sale of a closed position whose outcome is still unknown (see ClosedSales). */
  closedSale(clientOrderId: string): OrderRecord | undefined {
    return this.closed.get(clientOrderId);
  }

  /** Every such sale (looked up at start and after each close that kept one). */
  closedSales(): OrderRecord[] {
    return this.closed.list();
  }

  /**
   * A closed position's sale executed after all: its fills go into the order record and the trade.
   * The quote balance is left to the next balance check (which may already have taken it in).
   */
  lateSaleBooked(
    report: OrderReport,
    assets: Pick<SymbolRules, 'baseAsset' | 'quoteAsset'>,
    now: number,
    valueOther: OtherAssetValuer = NO_VALUER,
  ): LateSaleBooking | undefined {
    return this.closed.book(report, assets, now, valueOther);
  }

  /** Whether this was such a sale, settled since: a report of it again books nothing. */
  closedSaleSettled(clientOrderId: string): boolean {
    return this.closed.wasSettled(clientOrderId);
  }

  /** A closed position's sale was not found on the exchange: it never executed. */
  closedSaleAbsent(clientOrderId: string, why: string, now: number): void {
    this.closed.absent(clientOrderId, why, now);
  }

  /**
   * The position is done: everything sellable is sold (or gone). The closed trade is written from
   * every sell booked for it (PnL = proceeds - cost - commission paid in other assets), the
   * reservation released, in one transaction. The balance already holds the proceeds. `unsettled`
   * names exit sales that may have executed unseen (sent, their answer lost): they are kept as the
   * closed position's unsettled sales (see ClosedSales) instead of being taken as never executed.
   */
  positionClosed(
    positionId: number,
    reason: ExitReason,
    now: number,
    unsettled: ReadonlySet<string> = new Set(),
  ): CloseOutcome {
    const p = this.byId(positionId);
    const at = iso(now);
    const exitPrice = p.soldQty.isZero() ? ZERO : p.soldQuote.div(p.soldQty);
    const pnl = p.proceeds.sub(p.cost).sub(p.otherFeeQuote);
    const pnlPercent = p.cost.isZero() ? 0 : pnl.div(p.cost).mul(100).toDecimalPlaces(4).toNumber();
    const trade: ClosedTrade = {
      positionId,
      symbol: p.symbol,
      entryTime: p.openedAt,
      exitTime: at,
      entryPrice: p.avgPrice,
      exitPrice,
      quantity: p.soldQty,
      cost: p.cost,
      proceeds: p.proceeds,
      fees: p.entryFeeQuote.add(p.exitFeeQuote),
      pnl,
      pnlPercent,
      exitReason: reason,
    };
    const released = this.reservations.get(p.symbol)?.amount ?? ZERO;
    const closed: Position = { ...p, status: 'closed', exitReason: reason, closedAt: at };
    const orders = this.ordersOf(positionId);
    const kept = orders.filter(
      (o) => o.purpose === 'exit' && o.state !== 'filled' && o.executedQty.isZero() && unsettled.has(o.clientOrderId),
    );
    const dangling = orders.filter((o) => (o.state === 'pending' || o.state === 'open') && !kept.includes(o));
    const keptRecords = kept.map((o) => ClosedSales.kept(o, 'sent, its outcome unknown when the position closed', at));
    this.write(now, () => {
      for (const o of dangling) {
        // Left pending or working at the close: an exit never sent, or a leg the exchange ended.
        this.store.putOrder({ ...o, state: o.purpose === 'exit' ? 'rejected' : 'expired', updatedAt: at });
      }
      for (const o of keptRecords) this.store.putOrder(o);
      this.store.addTrade(trade);
      this.store.putPosition(closed);
      this.store.deleteReservation(p.symbol);
      this.store.addEvent({
        time: at,
        kind: 'close',
        symbol: p.symbol,
        message: `${reason}: sold ${p.soldQty.toFixed()} at ${exitPrice.toFixed()}, PnL ${pnl.toFixed()} ${this.quoteAsset}`,
        data: { pnl: pnl.toFixed(), pnlPercent, proceeds: p.proceeds.toFixed() },
      });
      this.store.addEvent({
        time: at,
        kind: 'release',
        symbol: p.symbol,
        message: `released ${released.toFixed()} ${this.quoteAsset}`,
      });
    });
    this.forget(p);
    this.closed.remember(keptRecords, trade);
    return { trade, released };
  }

  /**
   * The seed's emergency reset: every reservation is cleared (each logged). Positions are left as
   * they are; the caller warns about symbols that still hold one.
   */
  clearAllAllocations(now: number): { cleared: Reservation[]; withPositions: string[] } {
    const cleared = [...this.reservations.values()];
    const withPositions = [...this.positions.values()].filter((p) => p.status !== 'opening').map((p) => p.symbol);
    const at = iso(now);
    this.write(now, () => {
      for (const r of cleared) {
        this.store.deleteReservation(r.symbol);
        this.store.addEvent({
          time: at,
          kind: 'release',
          symbol: r.symbol,
          message: `cleared reservation of ${r.amount.toFixed()} ${this.quoteAsset}`,
        });
      }
    });
    for (const r of cleared) this.reservations.delete(r.symbol);
    return { cleared, withPositions };
  }

  /** Drops a reservation that no live position stands behind (found during reconciliation). */
  releaseOrphan(symbol: string, why: string, now: number): Decimal {
    const r = this.reservations.get(symbol);
    if (!r) return ZERO;
    this.write(now, () => {
      this.store.deleteReservation(symbol);
      this.store.addEvent({
        time: iso(now),
        kind: 'release',
        symbol,
        message: `released orphan reservation ${r.amount.toFixed()}: ${why}`,
      });
    });
    this.reservations.delete(symbol);
    return r.amount;
  }

  /**
   * One transaction that also moves the cursor to the time of the change: a resumed replay never
   * re-trades a candle whose effects are already in the ledger.
   */
  private write(now: number, fn: () => void): void {
    const cur = this.cursorValue ?? -Infinity;
    const advance = now > cur || (now === cur && this.candleSymbol !== this.cursorSymbolValue);
    this.store.transaction(() => {
      fn();
      if (advance) this.store.setCursor(now, this.candleSymbol);
    });
    if (advance) {
      this.cursorValue = now;
      this.cursorSymbolValue = this.candleSymbol;
    }
  }

  /** Drops a closed position and everything about it from memory (the store keeps the history). */
  private forget(p: Position): void {
    if (p.boughtQty.gt(0)) this.closedEntries.add(p.entryClientOrderId);
    for (const o of this.ordersOf(p.id)) {
      this.orders.delete(o.clientOrderId);
      for (const key of [...this.booked]) if (key.startsWith(`${o.clientOrderId}\u0000`)) this.booked.delete(key);
    }
    if (this.positions.get(p.symbol)?.id === p.id) this.positions.delete(p.symbol);
    if (this.reservations.get(p.symbol)?.positionId === p.id) this.reservations.delete(p.symbol);
  }

  private byId(positionId: number): Position {
    const p = this.positionById(positionId);
    if (!p) throw new Error(`no open position #${positionId} in the ledger`);
    return p;
  }
}

function openCost(p: Position): Decimal {
  const left = p.cost.sub(p.proceeds);
  return left.isNegative() ? ZERO : left;
}

/** A position whose buy is on its way: nothing bought, nothing sold yet. */
function openingPosition(id: number, set: ParameterSet, entryClientOrderId: string, openedAt: string): Position {
  return {
    id,
    symbol: set.symbol,
    status: 'opening',
    params: set,
    entryClientOrderId,
    boughtQty: ZERO,
    sellQty: ZERO,
    cost: ZERO,
    avgPrice: ZERO,
    entryFeeQuote: ZERO,
    soldQty: ZERO,
    soldQuote: ZERO,
    proceeds: ZERO,
    exitFeeQuote: ZERO,
    otherFeeQuote: ZERO,
    ocoAttempts: 0,
    openedAt,
  };
}
