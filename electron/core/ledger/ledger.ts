import type { ParameterSet } from '../../../shared/params/schema';
import { Decimal, ZERO } from '../money/decimal';
import { floorToDecimals, floorToStep, lotProblem, notionalProblem, type SymbolRules } from '../money/symbol-rules';
import type { Fill, OcoReport, OrderReport } from '../ports/exchange';
import type { LedgerSnapshot, LedgerStore } from '../ports/ledger-store';
import type { AllocationStatus } from './allocation-status';
import type { ClosedTrade, ExitReason, OrderRecord, Position, Reservation } from './records';

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

export interface OcoPlan {
  quantity: Decimal;
  takeProfitPrice: Decimal;
  stopPrice: Decimal;
  stopLimitPrice: Decimal;
  listClientOrderId: string;
  takeProfitClientOrderId: string;
  stopLossClientOrderId: string;
}

const iso = (t: number) => new Date(t).toISOString();

/** Commission assumed for fills of an entry the exchange did not detail. */
const FEE_ALLOWANCE = new Decimal('0.0025');

/**
 * The allocation ledger: the account's quote balance, every reservation, every position not yet
 * closed. Each method is one synchronous store transaction that checks and records together, then
 * updates the in-memory mirror; nothing awaits inside, so concurrent signals cannot interleave and
 * can never over-allocate. The in-memory state is authoritative for this process because the store
 * is exclusively locked by it.
 *
 * totalBalance   = quote balance (free + locked) + quote spent on positions still open
 * totalReserved  = sum of reservations
 * available      = totalBalance - totalReserved
 */
export class Ledger {
  readonly ledgerId: string;
  quoteAsset: string;
  private quoteBalance: Decimal;
  private readonly reservations = new Map<string, Reservation>();
  private readonly positions = new Map<string, Position>();
  private readonly orders = new Map<string, OrderRecord>();
  private nextPositionId: number;
  private cursorValue: number | undefined;
  private cursorSymbolValue: string | undefined;
  /**
   * The symbol of the candle being processed (set by a replay before each candle): stored with the
   * cursor so that a resumed replay knows which of several candles closing at once were done.
   */
  candleSymbol: string | undefined;
  private emergency: boolean;

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
    for (const o of snapshot.openOrders) this.orders.set(o.clientOrderId, o);
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

  /** Quote spent on positions that hold coins (bought, not yet sold). */
  investedInPositions(): Decimal {
    let s = ZERO;
    for (const p of this.positions.values()) if (p.status !== 'closed') s = s.add(p.cost);
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

  openPositions(): Position[] {
    return [...this.positions.values()];
  }

  allReservations(): Reservation[] {
    return [...this.reservations.values()];
  }

  order(clientOrderId: string): OrderRecord | undefined {
    return this.orders.get(clientOrderId);
  }

  /** Orders of a position that are not final. */
  ordersOf(positionId: number): OrderRecord[] {
    return [...this.orders.values()].filter((o) => o.positionId === positionId);
  }

  /** The position an order belongs to, by our client order id or OCO list id. */
  positionForOrder(clientOrderId: string | undefined, listClientOrderId: string | undefined): Position | undefined {
    for (const p of this.positions.values()) {
      if (listClientOrderId && p.ocoListClientOrderId === listClientOrderId) return p;
      if (clientOrderId) {
        const o = this.orders.get(clientOrderId);
        if (o && o.positionId === p.id) return p;
        if (p.entryClientOrderId === clientOrderId || p.exitClientOrderId === clientOrderId) return p;
      }
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

  /** Sets the quote balance as the exchange reports it (free + locked). Returns true when it changed. */
  setQuoteBalance(balance: Decimal, now: number): boolean {
    if (balance.eq(this.quoteBalance)) return false;
    this.write(now, () => {
      this.store.setQuote(this.quoteAsset, balance);
      this.store.addEvent({
        time: iso(now),
        kind: 'balance',
        message: `quote balance ${this.quoteBalance.toFixed()} -> ${balance.toFixed()} ${this.quoteAsset}`,
      });
    });
    this.quoteBalance = balance;
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
    const minProblem = this.entryTooSmall(amount, set, rules);
    if (minProblem) return { ok: false, reason: 'below-minimum', detail: minProblem };

    const positionId = this.nextPositionId;
    const clientOrderId = clientOrderIdFor(positionId);
    const createdAt = iso(now);
    const reservation: Reservation = { symbol, amount, createdAt, positionId, orderRef: clientOrderId };
    const position: Position = {
      id: positionId,
      symbol,
      status: 'opening',
      params: set,
      entryClientOrderId: clientOrderId,
      boughtQty: ZERO,
      sellQty: ZERO,
      cost: ZERO,
      avgPrice: ZERO,
      entryFeeQuote: ZERO,
      ocoAttempts: 0,
      openedAt: createdAt,
    };
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
      updatedAt: createdAt,
    };
    this.write(now, () => {
      this.store.putPosition(position);
      this.store.putReservation(reservation);
      this.store.putOrder(order);
      this.store.addEvent({
        time: createdAt,
        kind: 'reserve',
        symbol,
        message: `reserved ${amount.toFixed()} ${this.quoteAsset} (${set.allocationPercent}%) of ${total.toFixed()}`,
        data: {
          amount: amount.toFixed(),
          percent: set.allocationPercent,
          totalBalance: total.toFixed(),
          clientOrderId,
        },
      });
    });
    this.nextPositionId++;
    this.reservations.set(symbol, reservation);
    this.positions.set(symbol, position);
    this.orders.set(clientOrderId, order);
    return { ok: true, reservation, position, order };
  }

  /** Why a reservation of this size could not become a protected position, or undefined. */
  private entryTooSmall(amount: Decimal, set: ParameterSet, rules: SymbolRules): string | undefined {
    if (rules.minNotional.isZero()) return undefined;
    // The smallest leg is the stop-limit: what we hold after fees, valued at the stop-limit price.
    const worstLeg = amount
      .mul(1 - set.stopLossPercent / 100)
      .mul(1 - set.stopLimitOffsetPercent / 100)
      .mul(0.99);
    if (worstLeg.lt(rules.minNotional)) {
      return `${amount.toFixed()} ${this.quoteAsset} is too small: the stop-loss leg would be worth about ${worstLeg.toFixed(2)}, below ${rules.symbol}'s minimum order of ${rules.minNotional.toFixed()} ${this.quoteAsset}`;
    }
    return undefined;
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
    if (order) this.orders.delete(order.clientOrderId);
    this.positions.delete(p.symbol);
    this.reservations.delete(p.symbol);
    return released;
  }

  /**
   * Records the entry fill: average price, quantity net of base-asset commission floored to the
   * lot step, quote spent. A partial fill (EXPIRED with some quantity) shrinks the reservation to
   * what was spent. What cannot be sold (below the filters' minimums) is dust: the position is
   * closed at once and the funds released.
   */
  entryFilled(positionId: number, report: OrderReport, rules: SymbolRules, now: number): EntryFillOutcome {
    const p = this.byId(positionId);
    const at = iso(now);
    const order = this.orders.get(p.entryClientOrderId);
    const bought = report.executedQty;
    const spent = report.cumQuote;
    const avg = bought.isZero() ? ZERO : spent.div(bought);
    let baseFee = ZERO;
    let quoteFee = ZERO;
    let filledQty = ZERO;
    for (const f of report.fills) {
      filledQty = filledQty.add(f.qty);
      if (f.commissionAsset === rules.baseAsset) baseFee = baseFee.add(f.commission);
      else if (f.commissionAsset === rules.quoteAsset) quoteFee = quoteFee.add(f.commission);
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
      entryFeeQuote: baseFee.mul(avg).add(quoteFee),
    };
    const newBalance = this.quoteBalance.sub(spent).sub(quoteFee);
    let released: Decimal | undefined;
    this.write(now, () => {
      if (order) {
        this.store.putOrder({
          ...order,
          state: 'filled',
          exchangeOrderId: report.orderId,
          executedQty: bought,
          cumQuote: spent,
          updatedAt: at,
        });
      }
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
    if (order) this.orders.delete(order.clientOrderId);
    if (dustReason) {
      this.positions.delete(p.symbol);
      this.reservations.delete(p.symbol);
      return {
        position: { ...updated, status: 'closed' },
        partial,
        dust: true,
        feesEstimated,
        released: released ?? ZERO,
      };
    }
    this.positions.set(p.symbol, updated);
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
      stopLimitPrice: plan.stopLimitPrice,
      ocoListClientOrderId: plan.listClientOrderId,
      ocoAttempts: p.ocoAttempts + 1,
    };
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
        type: 'STOP_LOSS_LIMIT',
        state: 'pending',
        listClientOrderId: plan.listClientOrderId,
        requestedQty: plan.quantity,
        price: plan.stopLimitPrice,
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
        message: `OCO sell ${plan.quantity.toFixed()}: take-profit ${plan.takeProfitPrice.toFixed()}, stop ${plan.stopPrice.toFixed()} limit ${plan.stopLimitPrice.toFixed()}`,
        data: { listClientOrderId: plan.listClientOrderId, attempt: updated.ocoAttempts },
      });
    });
    this.positions.set(p.symbol, updated);
    for (const o of legs) this.orders.set(o.clientOrderId, o);
    return updated;
  }

  /** The exchange accepted the OCO: the position is protected. */
  ocoPlaced(positionId: number, report: OcoReport, now: number): Position {
    const p = this.byId(positionId);
    const at = iso(now);
    const updated: Position = { ...p, status: 'protected', ocoListId: report.orderListId };
    const legUpdates = [report.takeProfit, report.stopLoss].flatMap((leg) => {
      const o = this.orders.get(leg.clientOrderId);
      return o ? [{ ...o, state: 'open' as const, exchangeOrderId: leg.orderId, updatedAt: at }] : [];
    });
    this.write(now, () => {
      this.store.putPosition(updated);
      for (const o of legUpdates) this.store.putOrder(o);
      this.store.addEvent({
        time: at,
        kind: 'order',
        symbol: p.symbol,
        message: `OCO placed (list ${report.orderListId})`,
      });
    });
    this.positions.set(p.symbol, updated);
    for (const o of legUpdates) this.orders.set(o.clientOrderId, o);
    return updated;
  }

  /** The OCO was rejected (or cancelled without a fill): its legs are final, the position is open again. */
  ocoEnded(positionId: number, state: 'rejected' | 'canceled', why: string, now: number): Position {
    const p = this.byId(positionId);
    const at = iso(now);
    const legs = [...this.orders.values()].filter(
      (o) => o.positionId === positionId && (o.purpose === 'take-profit' || o.purpose === 'stop-loss'),
    );
    const updated: Position = { ...p, status: p.status === 'exiting' ? 'exiting' : 'open' };
    this.write(now, () => {
      for (const o of legs) this.store.putOrder({ ...o, state, updatedAt: at, error: why });
      this.store.putPosition(updated);
      this.store.addEvent({ time: at, kind: 'order', symbol: p.symbol, message: `OCO ${state}: ${why}` });
    });
    for (const o of legs) this.orders.delete(o.clientOrderId);
    this.positions.set(p.symbol, updated);
    return updated;
  }

  /** Records that we are leaving a position at market (the sell order is pending). */
  exitStarted(positionId: number, reason: ExitReason, clientOrderId: string, now: number): Position {
    const p = this.byId(positionId);
    const at = iso(now);
    const updated: Position = { ...p, status: 'exiting', exitReason: reason, exitClientOrderId: clientOrderId };
    const order: OrderRecord = {
      clientOrderId,
      positionId,
      symbol: p.symbol,
      purpose: 'exit',
      side: 'SELL',
      type: 'MARKET',
      state: 'pending',
      requestedQty: p.sellQty,
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

  /**
   * The position is sold (an OCO leg or a market exit filled): the closed trade is written with its
   * PnL, the quote balance credited, the reservation released.
   */
  positionClosed(
    positionId: number,
    sell: OrderReport,
    reason: ExitReason,
    rules: SymbolRules,
    now: number,
  ): CloseOutcome {
    const p = this.byId(positionId);
    const at = iso(now);
    let quoteFee = ZERO;
    let baseFee = ZERO;
    const fills: Fill[] = sell.fills;
    for (const f of fills) {
      if (f.commissionAsset === rules.quoteAsset) quoteFee = quoteFee.add(f.commission);
      else if (f.commissionAsset === rules.baseAsset) baseFee = baseFee.add(f.commission);
    }
    const gross = sell.cumQuote;
    const exitPrice = sell.executedQty.isZero() ? ZERO : gross.div(sell.executedQty);
    const proceeds = gross.sub(quoteFee);
    // Cost of what was sold: the whole entry cost (the unsold remainder is commission dust).
    const cost = p.cost;
    const pnl = proceeds.sub(cost);
    const pnlPercent = cost.isZero() ? 0 : pnl.div(cost).mul(100).toDecimalPlaces(4).toNumber();
    const trade: ClosedTrade = {
      positionId,
      symbol: p.symbol,
      entryTime: p.openedAt,
      exitTime: at,
      entryPrice: p.avgPrice,
      exitPrice,
      quantity: sell.executedQty,
      cost,
      proceeds,
      fees: p.entryFeeQuote.add(quoteFee).add(baseFee.mul(exitPrice)),
      pnl,
      pnlPercent,
      exitReason: reason,
    };
    const released = this.reservations.get(p.symbol)?.amount ?? ZERO;
    const closed: Position = { ...p, status: 'closed', exitReason: reason, closedAt: at };
    const newBalance = this.quoteBalance.add(proceeds);
    const touched = [...this.orders.values()].filter((o) => o.positionId === positionId);
    this.write(now, () => {
      for (const o of touched) {
        const filled = o.clientOrderId === sell.clientOrderId;
        this.store.putOrder({
          ...o,
          state: filled
            ? 'filled'
            : o.state === 'pending' || o.state === 'open'
              ? o.purpose === 'exit'
                ? 'rejected'
                : 'expired'
              : o.state,
          ...(filled ? { exchangeOrderId: sell.orderId, executedQty: sell.executedQty, cumQuote: sell.cumQuote } : {}),
          updatedAt: at,
        });
      }
      if (!touched.some((o) => o.clientOrderId === sell.clientOrderId)) {
        // A sell we did not record (e.g. found on the exchange during reconciliation).
        this.store.putOrder({
          clientOrderId: sell.clientOrderId,
          positionId,
          symbol: p.symbol,
          purpose: 'exit',
          side: 'SELL',
          type: sell.type,
          state: 'filled',
          exchangeOrderId: sell.orderId,
          executedQty: sell.executedQty,
          cumQuote: sell.cumQuote,
          createdAt: at,
          updatedAt: at,
        });
      }
      this.store.addFills(fills.map((f) => ({ ...f, clientOrderId: sell.clientOrderId, time: at })));
      this.store.addTrade(trade);
      this.store.putPosition(closed);
      this.store.deleteReservation(p.symbol);
      this.store.setQuote(this.quoteAsset, newBalance);
      this.store.addEvent({
        time: at,
        kind: 'close',
        symbol: p.symbol,
        message: `${reason}: sold ${sell.executedQty.toFixed()} at ${exitPrice.toFixed()}, PnL ${pnl.toFixed()} ${this.quoteAsset}`,
        data: { pnl: pnl.toFixed(), pnlPercent, proceeds: proceeds.toFixed() },
      });
      this.store.addEvent({
        time: at,
        kind: 'release',
        symbol: p.symbol,
        message: `released ${released.toFixed()} ${this.quoteAsset}`,
      });
    });
    for (const o of touched) this.orders.delete(o.clientOrderId);
    this.positions.delete(p.symbol);
    this.reservations.delete(p.symbol);
    this.quoteBalance = newBalance;
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

  private byId(positionId: number): Position {
    for (const p of this.positions.values()) if (p.id === positionId) return p;
    throw new Error(`no open position #${positionId} in the ledger`);
  }
}
