import { randomBytes } from 'node:crypto';
import { Decimal, ZERO } from '../../electron/core/money/decimal';
import { floorToStep } from '../../electron/core/money/symbol-rules';
import { onTrigger } from '../../electron/adapters/paper/intrabar';
import { commissionOf, quoteOf, tradePrice } from '../../electron/adapters/paper/market-fills';
import type { Account, AccountBook } from './accounts';
import { cannotTrade } from './accounts';
import { bnbCommission } from './commission';
import type { FaultPlan } from './faults';
import {
  checkNotional,
  checkPrice,
  checkQuantity,
  filterFailure,
  marketStep,
  symbolSpec,
  type SymbolSpec,
} from './filters';
import type { FakeMarket } from './market';
import { cutPlan, planMarketFills, takerPrice, totalCost, totalQty } from './market-plan';
import {
  executionReport,
  isOpen,
  listStatusEvent,
  type ExecutionType,
  type Fill,
  type Order,
  type OrderList,
  type OrderType,
  type Side,
} from './orders';
import { BinanceError, errors } from './router';

/**
 * The matching engine: one price per symbol (the market's last price), against which MARKET orders
 * fill at once and resting orders (LIMIT, LIMIT_MAKER, STOP_LOSS_LIMIT, OCO legs) fill as the price
 * moves, completely or (faults.setRestingLiquidity) trade by trade. It keeps every order, list and
 * trade, moves balances (locked while resting, released fill by fill), and reports each change to
 * the account's user data stream as one batch: executionReport(s), then listStatus, then one
 * outboundAccountPosition for the assets that changed.
 *
 * OCO (faqs/spot_glossary.md: "if one of the orders execute, the other is automatically expired";
 * rest-api.md: "activation of one order immediately cancels the other"): the first fill of the
 * LIMIT_MAKER leg, or the trigger of the stop leg, expires the other leg (EXPIRED, eR OCO_TRIGGER).
 * The working leg then holds what the list had locked. What the list's status is while that leg is
 * still working (partly filled, or a triggered stop-limit resting below the market) Binance's docs
 * do not say: `workingListStatus` (EXECUTING by default, ALL_DONE as the alternative).
 *
 * A symbol whose status is not TRADING takes no new orders (-2010 "Market is closed.") and does not
 * trade: resting orders do not fill on its price events (errors.md: "Market is closed." means "The
 * symbol is not trading"). Cancels stay possible on HALT and BREAK (CHANGELOG 2019-09-09 "Orders can
 * be canceled via the API on symbols in the BREAK or HALT status") and CANCEL_ONLY; on END_OF_DAY the
 * docs are silent: `endOfDayCancels`.
 */

export interface NewOrder {
  symbol: string;
  side: Side;
  type: OrderType;
  timeInForce?: string;
  quantity?: Decimal;
  quoteOrderQty?: Decimal;
  price?: Decimal;
  stopPrice?: Decimal;
  newClientOrderId?: string;
  selfTradePreventionMode?: string;
}

/** A SELL OCO: LIMIT_MAKER above the price, STOP_LOSS_LIMIT or STOP_LOSS below. */
export interface NewOco {
  symbol: string;
  side: Side;
  quantity: Decimal;
  abovePrice: Decimal;
  belowType: 'STOP_LOSS' | 'STOP_LOSS_LIMIT';
  belowStopPrice: Decimal;
  /** The stop-limit's limit price (STOP_LOSS_LIMIT only). */
  belowPrice?: Decimal;
  /** STOP_LOSS_LIMIT only. */
  belowTimeInForce?: string;
  listClientOrderId?: string;
  aboveClientOrderId?: string;
  belowClientOrderId?: string;
  selfTradePreventionMode?: string;
}

/** The status of an order list while its activated leg still works (Binance's docs are silent). */
export type WorkingListStatus = 'EXECUTING' | 'ALL_DONE';

/**
 * When a client order id may be used again. Binance's docs say both "A unique id among open orders"
 * and "Orders with the same newClientOrderID can be accepted only when the previous one is filled"
 * (and, for lists, "accepted only when the previous one is filled or completely expired").
 * 'whenClosed' (default): once the previous order (list) is no longer open; 'whenFilledOrExpired':
 * an order only once the previous one FILLED, a list only once each of its orders filled or expired.
 */
export type ClientIdReuse = 'whenClosed' | 'whenFilledOrExpired';

export interface EngineOptions {
  market: FakeMarket;
  accounts: AccountBook;
  faults: FaultPlan;
  clock: () => number;
  /** Fraction of the price between bid and ask (a MARKET buy pays half of it above the price). */
  spread: number;
  /** Extra fraction a MARKET order pays beyond the spread. */
  slippage: number;
  /** Sends one operation's user data events to the account's subscribers. */
  emit: (apiKey: string, events: Record<string, unknown>[]) => void;
  workingListStatus?: WorkingListStatus;
  clientIdReuse?: ClientIdReuse;
  /** Cancels on a symbol in END_OF_DAY (docs silent): refused with -2011 "Market is closed." (default) or allowed. */
  endOfDayCancels?: 'reject' | 'allow';
  /** An order traded for the first time (the unfilled order count goes down). */
  onFirstFill?: (apiKey: string, isMaker: boolean) => void;
}

/** How a test ends an order list from outside: Binance cancels it, or self-trade prevention expires it. */
export type ListExpiry = 'EXCHANGE_CANCELED' | 'EXPIRED_IN_MATCH';

/** Details of a self-trade prevention expiry (the counter order is one of the account's own, not kept here). */
export interface StpDetails {
  counterOrderId?: number;
  /** The account's trade group; -1 (the default) when none is set, as Binance reports it. */
  tradeGroupId?: number;
}

const insufficientBalance = (): BinanceError =>
  new BinanceError(400, -2010, 'Account has insufficient balance for requested action.');
const duplicateOrder = (): BinanceError => new BinanceError(400, -2010, 'Duplicate order sent.');
const badOcoPrices = (): BinanceError =>
  new BinanceError(400, -2010, 'The relationship of the prices for the orders is not correct.');
const marketClosed = (code: -2010 | -2011): BinanceError => new BinanceError(400, code, 'Market is closed.');

/** errors.md: the -2010 message when a symbol's orderTypes lack the type (documented for these types only). */
const TYPE_NOT_SUPPORTED: Partial<Record<OrderType, string>> = {
  MARKET: 'Market orders are not supported for this symbol.',
  STOP_LOSS: 'Stop loss orders are not supported for this symbol.',
  STOP_LOSS_LIMIT: 'Stop loss limit orders are not supported for this symbol.',
};

/** Events of one operation, sent together once it is complete. */
class Batch {
  readonly events: [string, Record<string, unknown>][] = [];
  readonly touched = new Map<string, Set<string>>();

  touch(apiKey: string, ...assets: string[]): void {
    let set = this.touched.get(apiKey);
    if (!set) this.touched.set(apiKey, (set = new Set()));
    for (const a of assets) set.add(a);
  }
}

export class MatchingEngine {
  private readonly specs = new Map<string, SymbolSpec>();
  private readonly orders = new Map<number, Order>();
  private readonly lists = new Map<number, OrderList>();
  private readonly fills: Fill[] = [];
  private readonly preventedMatchIds = new Map<string, number>();
  private nextOrderId = 1;
  private nextListId = 1;
  private nextExecutionId = 1;

  constructor(private readonly o: EngineOptions) {}

  spec(symbol: string): SymbolSpec {
    let s = this.specs.get(symbol);
    if (!s) {
      const info = this.o.market.symbolInfo(symbol);
      if (!info) throw errors.invalidSymbol();
      this.specs.set(symbol, (s = symbolSpec(info)));
    }
    return s;
  }

  /** Forgets the cached rules of a symbol whose exchangeInfo entry changed. */
  symbolChanged(symbol: string): void {
    this.specs.delete(symbol);
  }

  /** The matching price: the market's last trade (or newest candle close). */
  price(symbol: string): Decimal | undefined {
    const p = this.o.market.lastPrice(symbol);
    return p === undefined ? undefined : new Decimal(p);
  }

  // ---- placing -------------------------------------------------------------------------------

  placeOrder(account: Account, req: NewOrder): Order {
    const spec = this.spec(req.symbol);
    if (!account.canTrade) throw cannotTrade();
    if (req.type === 'MARKET') return this.placeMarket(account, spec, req);
    if (req.type === 'STOP_LOSS')
      throw new BinanceError(400, -1116, 'Invalid orderType. (fake-binance: STOP_LOSS only as an OCO leg)');
    const price = req.price;
    const qty = req.quantity;
    if (!price) throw errors.mandatory('price');
    if (!qty) throw errors.mandatory('quantity');
    if (req.type !== 'LIMIT_MAKER' && !req.timeInForce) throw errors.mandatory('timeInForce');
    if (req.type === 'STOP_LOSS_LIMIT' && !req.stopPrice) throw errors.mandatory('stopPrice');
    checkPrice(spec, price);
    if (req.stopPrice) checkPrice(spec, req.stopPrice);
    checkQuantity(spec, qty, false);
    checkNotional(spec, price.mul(qty), false);
    const stpMode = this.symbolChecks(spec, [req.type], req.selfTradePreventionMode);

    const last = this.price(req.symbol);
    const buy = req.side === 'BUY';
    if (req.type === 'LIMIT_MAKER' && last && (buy ? price.gte(last) : price.lte(last)))
      throw new BinanceError(400, -2010, 'Order would immediately match and take.');
    if (req.type === 'STOP_LOSS_LIMIT' && last && (buy ? req.stopPrice!.lte(last) : req.stopPrice!.gte(last)))
      throw new BinanceError(400, -2010, 'Order would trigger immediately.');
    this.checkClientIds(account, req.symbol, [req.newClientOrderId]);
    const lock = buy
      ? { asset: spec.rules.quoteAsset, amount: price.mul(qty) }
      : { asset: spec.rules.baseAsset, amount: qty };
    if (account.free(lock.asset).lt(lock.amount)) throw insufficientBalance();

    const batch = new Batch();
    const order = this.newOrder(account, req, qty, ZERO, -1, stpMode);
    order.price = price;
    order.stopPrice = req.stopPrice;
    order.timeInForce = req.timeInForce ?? 'GTC';
    order.workingTime = req.type === 'STOP_LOSS_LIMIT' ? -1 : order.time;
    order.lock = lock;
    account.lock(lock.asset, lock.amount);
    batch.touch(account.apiKey, lock.asset);
    this.report(order, 'NEW', batch);
    // A LIMIT order that crosses the price takes at once, at the price (better than its limit).
    if (req.type === 'LIMIT' && last && (buy ? last.lte(price) : last.gte(price))) {
      this.fill(order, qty, last, false, batch);
    }
    this.flush(batch);
    return order;
  }

  private placeMarket(account: Account, spec: SymbolSpec, req: NewOrder): Order {
    const last = this.price(req.symbol);
    if (!last) throw new BinanceError(400, -2010, 'Order book liquidity is less than symbol minimum quantity.');
    const buy = req.side === 'BUY';
    const first = takerPrice(spec, last, req.side, this.o.spread, this.o.slippage);
    if (req.quoteOrderQty && req.quantity)
      throw new BinanceError(400, -1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but not both.");
    const split = this.o.faults.takeMarketSplit(req.side, false);
    let plan;
    let qty: Decimal;
    if (req.quoteOrderQty) {
      checkNotional(spec, req.quoteOrderQty, true);
      plan = planMarketFills(spec, req.side, first, { quoteOrderQty: req.quoteOrderQty }, split);
      qty = totalQty(plan);
      checkQuantity(spec, qty, true);
    } else if (req.quantity) {
      qty = req.quantity;
      checkQuantity(spec, qty, true);
      checkNotional(spec, qty.mul(last), true);
      plan = planMarketFills(spec, req.side, first, { quantity: qty }, split);
    } else {
      throw errors.eitherParam('quantity', 'quoteOrderQty');
    }
    const stpMode = this.symbolChecks(spec, ['MARKET'], req.selfTradePreventionMode, req.quoteOrderQty !== undefined);
    this.checkClientIds(account, req.symbol, [req.newClientOrderId]);
    const r = spec.rules;
    const need = buy ? (req.quoteOrderQty ?? totalCost(plan)) : qty;
    if (account.free(buy ? r.quoteAsset : r.baseAsset).lt(need)) throw insufficientBalance();

    if (split) this.o.faults.takeMarketSplit(req.side);
    const fraction = this.o.faults.takePartialFill(req.side);
    if (fraction !== undefined) plan = cutPlan(plan, floorToStep(qty.mul(fraction), marketStep(spec)));
    const batch = new Batch();
    const order = this.newOrder(account, req, qty, req.quoteOrderQty ?? ZERO, -1, stpMode);
    this.report(order, 'NEW', batch);
    for (const f of plan) this.fill(order, f.qty, f.price, false, batch);
    if (order.status !== 'FILLED') {
      order.status = 'EXPIRED';
      order.expiryReason = 'INSUFFICIENT_LIQUIDITY';
      this.report(order, 'EXPIRED', batch);
    }
    this.flush(batch);
    return order;
  }

  placeOco(account: Account, req: NewOco): OrderList {
    const spec = this.spec(req.symbol);
    if (!account.canTrade) throw cannotTrade();
    if (req.side !== 'SELL')
      throw new BinanceError(
        400,
        -1013,
        'fake-binance supports SELL OCOs (LIMIT_MAKER above, STOP_LOSS_LIMIT or STOP_LOSS below) only',
      );
    const stopLimit = req.belowType === 'STOP_LOSS_LIMIT';
    if (stopLimit && !req.belowPrice) throw errors.mandatory('belowPrice');
    if (stopLimit && !req.belowTimeInForce) throw errors.mandatory('belowTimeInForce');
    checkPrice(spec, req.abovePrice);
    checkPrice(spec, req.belowStopPrice);
    if (req.belowPrice) checkPrice(spec, req.belowPrice);
    checkQuantity(spec, req.quantity, false);
    checkNotional(spec, req.abovePrice.mul(req.quantity), false);
    checkNotional(spec, (req.belowPrice ?? req.belowStopPrice).mul(req.quantity), !stopLimit);
    if (spec.info.ocoAllowed === false)
      throw new BinanceError(400, -2010, 'OCO orders are not supported for this symbol');
    const stpMode = this.symbolChecks(spec, ['LIMIT_MAKER', req.belowType], req.selfTradePreventionMode);
    const injected = this.o.faults.takeOcoRejection();
    if (injected) {
      const code = injected.code ?? -2010;
      throw code === -1013
        ? new BinanceError(400, -1013, injected.msg ?? filterFailure('PRICE_FILTER').message)
        : new BinanceError(400, -2010, injected.msg ?? badOcoPrices().message);
    }
    const last = this.price(req.symbol);
    if (!last || !req.abovePrice.gt(last) || !last.gt(req.belowStopPrice)) throw badOcoPrices();
    const aboveId = req.aboveClientOrderId ?? generatedId();
    const belowId = req.belowClientOrderId ?? generatedId();
    if (aboveId === belowId) throw duplicateOrder();
    this.checkClientIds(account, req.symbol, [aboveId, belowId]);
    const listId = req.listClientOrderId ?? generatedId();
    this.checkListClientId(account, listId);
    const base = spec.rules.baseAsset;
    if (account.free(base).lt(req.quantity)) throw insufficientBalance();

    const batch = new Batch();
    const orderListId = this.nextListId++;
    const below = this.newOrder(
      account,
      { symbol: req.symbol, side: 'SELL', type: req.belowType, newClientOrderId: belowId },
      req.quantity,
      ZERO,
      orderListId,
      stpMode,
    );
    below.price = req.belowPrice ?? ZERO;
    below.stopPrice = req.belowStopPrice;
    below.timeInForce = req.belowTimeInForce ?? 'GTC';
    below.workingTime = -1;
    const above = this.newOrder(
      account,
      { symbol: req.symbol, side: 'SELL', type: 'LIMIT_MAKER', newClientOrderId: aboveId },
      req.quantity,
      ZERO,
      orderListId,
      stpMode,
    );
    above.price = req.abovePrice;
    const list: OrderList = {
      apiKey: account.apiKey,
      symbol: req.symbol,
      orderListId,
      listClientOrderId: listId,
      contingencyType: 'OCO',
      listStatusType: 'EXEC_STARTED',
      listOrderStatus: 'EXECUTING',
      transactionTime: below.time,
      orders: [below, above],
      lock: { asset: base, amount: req.quantity },
    };
    this.lists.set(orderListId, list);
    account.lock(base, req.quantity);
    batch.touch(account.apiKey, base);
    this.report(below, 'NEW', batch);
    this.report(above, 'NEW', batch);
    batch.events.push([account.apiKey, listStatusEvent(list, this.o.clock())]);
    this.flush(batch);
    return list;
  }

  // ---- cancelling and expiring ---------------------------------------------------------------

  /** DELETE /api/v3/order: a leg of an executing OCO cancels its whole list. */
  cancelOrder(order: Order, cancelClientOrderId: string): void {
    if (!isOpen(order)) throw new BinanceError(400, -2011, 'Unknown order sent.');
    this.checkCancel(order.symbol);
    const list = this.listOf(order);
    if (list && list.listOrderStatus === 'EXECUTING') return this.cancelList(list, cancelClientOrderId);
    const batch = new Batch();
    order.status = 'CANCELED';
    order.updateTime = this.o.clock();
    this.release(order, order.lock, batch);
    this.report(order, 'CANCELED', batch, cancelClientOrderId);
    this.flush(batch);
  }

  /** DELETE /api/v3/orderList (or a cancel from the Binance app, with a cancel id of its own). */
  cancelList(list: OrderList, cancelClientOrderId: string): void {
    if (list.listOrderStatus !== 'EXECUTING') throw new BinanceError(400, -2011, 'Unknown order list sent.');
    this.checkCancel(list.symbol);
    const batch = new Batch();
    for (const o of list.orders) {
      if (!isOpen(o)) continue;
      o.status = 'CANCELED';
      o.updateTime = this.o.clock();
      this.release(o, o.lock, batch);
      this.report(o, 'CANCELED', batch, cancelClientOrderId);
    }
    this.listDone(list, batch);
    this.flush(batch);
  }

  /**
   * Ends an order list from outside. EXCHANGE_CANCELED: every open leg EXPIRED with expiry reason
   * EXCHANGE_CANCELED ("The order was canceled by Binance."). EXPIRED_IN_MATCH: self-trade
   * prevention expired the leg on the book (execution type TRADE_PREVENTION, status
   * EXPIRED_IN_MATCH, with the STP fields), and the other leg expires with OCO_TRIGGER ("the entire
   * OCO expired"). Then listStatus ALL_DONE (unless the list was done already) and the balances.
   */
  expireList(list: OrderList, reason: ListExpiry, stp: StpDetails = {}): void {
    const open = list.orders.filter(isOpen);
    if (open.length === 0) throw new Error(`fake-binance: order list ${list.listClientOrderId} has no open order`);
    const batch = new Batch();
    const now = this.o.clock();
    const expire = (o: Order, expiryReason: string): void => {
      o.status = 'EXPIRED';
      o.expiryReason = expiryReason;
      o.updateTime = now;
      this.release(o, o.lock, batch);
      this.report(o, 'EXPIRED', batch);
    };
    if (reason === 'EXCHANGE_CANCELED') {
      for (const o of open) expire(o, 'EXCHANGE_CANCELED');
    } else {
      const prevented = open.find((o) => o.workingTime !== -1) ?? open[0]!;
      const remaining = prevented.origQty.sub(prevented.executedQty);
      const matchId = this.preventedMatchIds.get(list.symbol) ?? 0;
      this.preventedMatchIds.set(list.symbol, matchId + 1);
      prevented.status = 'EXPIRED_IN_MATCH';
      prevented.updateTime = now;
      prevented.prevented = {
        matchId,
        quantity: remaining,
        lastQuantity: remaining,
        price: prevented.price.gt(0) ? prevented.price : (this.price(list.symbol) ?? ZERO),
        tradeGroupId: stp.tradeGroupId ?? -1,
        counterOrderId: stp.counterOrderId ?? this.nextOrderId++,
        counterSymbol: list.symbol,
      };
      this.release(prevented, prevented.lock, batch);
      this.report(prevented, 'TRADE_PREVENTION', batch);
      for (const o of open) if (o !== prevented) expire(o, 'OCO_TRIGGER');
    }
    if (list.listOrderStatus === 'EXECUTING') this.listDone(list, batch);
    this.flush(batch);
  }

  /** Cancels are refused on END_OF_DAY symbols unless configured (see the header). */
  private checkCancel(symbol: string): void {
    if (this.spec(symbol).status === 'END_OF_DAY' && (this.o.endOfDayCancels ?? 'reject') === 'reject')
      throw marketClosed(-2011);
  }

  // ---- price moves ---------------------------------------------------------------------------

  /** Runs resting orders of the symbol against each price in turn (a candle passes open, high/low, close). */
  onPricePath(symbol: string, path: readonly number[]): void {
    if (this.o.market.hasSymbol(symbol) && this.spec(symbol).status !== 'TRADING') return;
    for (const p of path) {
      if (!(p > 0)) continue;
      const price = new Decimal(p);
      const batch = new Batch();
      const resting = [...this.orders.values()].filter((o) => o.symbol === symbol && isOpen(o));
      for (const o of resting) if (isOpen(o)) this.evaluate(o, price, batch);
      this.flush(batch);
    }
  }

  private evaluate(o: Order, p: Decimal, batch: Batch): void {
    const sell = o.side === 'SELL';
    const list = this.listOf(o);
    const reaches = (limit: Decimal): boolean => (sell ? p.gte(limit) : p.lte(limit));
    if ((o.type === 'STOP_LOSS' || o.type === 'STOP_LOSS_LIMIT') && !o.triggered) {
      if (!(sell ? p.lte(o.stopPrice!) : p.gte(o.stopPrice!))) return;
      o.triggered = true;
      o.workingTime = this.o.clock();
      if (list) this.takeListLock(list, o);
      if (o.type === 'STOP_LOSS') {
        // A market order once triggered: all of it at once, at the trigger price moved against the taker.
        const at = takerPrice(this.spec(o.symbol), p, o.side, this.o.spread, this.o.slippage);
        this.fill(o, o.origQty.sub(o.executedQty), at, false, batch);
      } else if (onTrigger(o.side, o.price.toNumber(), p.toNumber()) === 'take') {
        // Triggered: a limit order now; it takes at once, at the trigger price, when that price reaches its limit.
        this.fillRestingQty(o, tradePrice(p.toNumber(), o.side, this.spec(o.symbol).rules.tickSize), false, batch);
      }
      if (list) this.legWorked(list, o, batch);
      return;
    }
    if (!reaches(o.price)) return;
    const qty = this.restingQty(o);
    if (qty.lte(0)) return;
    if (list) this.takeListLock(list, o);
    this.fill(o, qty, o.price, true, batch);
    if (list) this.legWorked(list, o, batch);
  }

  /** What one price event may fill of a resting order: all that is left, or the configured liquidity. */
  private restingQty(o: Order): Decimal {
    const left = o.origQty.sub(o.executedQty);
    const cap = this.o.faults.restingLiquidity(o.symbol);
    if (!cap) return left;
    const capped = floorToStep(cap, this.spec(o.symbol).rules.stepSize);
    return capped.lt(left) ? capped : left;
  }

  private fillRestingQty(o: Order, price: Decimal, isMaker: boolean, batch: Batch): void {
    const qty = this.restingQty(o);
    if (qty.gt(0)) this.fill(o, qty, price, isMaker, batch);
  }

  /** The leg that starts working holds what the list locked. */
  private takeListLock(list: OrderList, o: Order): void {
    if (list.lock && !o.lock) {
      o.lock = list.lock;
      list.lock = undefined;
    }
  }

  /** After a leg traded or triggered: the other leg expires; the list is done when it is (see workingListStatus). */
  private legWorked(list: OrderList, working: Order, batch: Batch): void {
    for (const other of list.orders) {
      if (other === working || !isOpen(other)) continue;
      other.status = 'EXPIRED';
      other.expiryReason = 'OCO_TRIGGER';
      other.updateTime = this.o.clock();
      this.report(other, 'EXPIRED', batch);
    }
    if (list.listOrderStatus !== 'EXECUTING') return;
    if (!isOpen(working) || (this.o.workingListStatus ?? 'EXECUTING') === 'ALL_DONE') this.listDone(list, batch);
  }

  private listDone(list: OrderList, batch: Batch): void {
    list.listStatusType = 'ALL_DONE';
    list.listOrderStatus = 'ALL_DONE';
    list.transactionTime = this.o.clock();
    this.release(list.orders[0], list.lock, batch);
    list.lock = undefined;
    batch.events.push([list.apiKey, listStatusEvent(list, this.o.clock())]);
  }

  // ---- fills and balances --------------------------------------------------------------------

  private fill(o: Order, qty: Decimal, price: Decimal, isMaker: boolean, batch: Batch): void {
    const account = this.o.accounts.expect(o.apiKey);
    const { baseAsset: base, quoteAsset: quote } = this.spec(o.symbol).rules;
    const list = this.listOf(o);
    const lock = o.lock ?? list?.lock;
    const firstFill = o.executedQty.isZero();
    const quoteQty = quoteOf(qty, price);
    const rate = isMaker ? account.commission.maker : account.commission.taker;
    const now = this.o.clock();
    const buy = o.side === 'BUY';
    // Commission is a fraction of what the order receives: the base asset on a buy, the quote on a sell.
    const received = buy ? qty : quoteQty;
    let commission = commissionOf(received, rate);
    let commissionAsset = buy ? base : quote;
    const inBnb = bnbCommission(account, buy ? qty.mul(rate).mul(price) : quoteQty.mul(rate), this.bnbPrice(quote));
    if (inBnb) {
      commission = inBnb;
      commissionAsset = 'BNB';
      account.spendFree('BNB', inBnb);
      batch.touch(o.apiKey, 'BNB');
    }
    const [spent, paid] = buy ? [quote, quoteQty] : [base, qty];
    if (lock) {
      account.spendLocked(spent, paid);
      lock.amount = lock.amount.sub(paid);
    } else {
      account.spendFree(spent, paid);
    }
    account.credit(buy ? base : quote, inBnb ? received : received.sub(commission));
    batch.touch(o.apiKey, base, quote);
    const fill: Fill = {
      tradeId: this.o.market.reserveTradeIds(1).first,
      orderId: o.orderId,
      orderListId: o.orderListId,
      symbol: o.symbol,
      price,
      qty,
      quoteQty,
      commission,
      commissionAsset,
      time: now,
      isBuyer: buy,
      isMaker,
    };
    this.fills.push(fill);
    o.fills.push(fill);
    o.executedQty = o.executedQty.add(qty);
    o.cummulativeQuoteQty = o.cummulativeQuoteQty.add(quoteQty);
    o.updateTime = now;
    o.status = o.executedQty.gte(o.origQty) ? 'FILLED' : 'PARTIALLY_FILLED';
    if (o.status === 'FILLED' && o.lock) this.release(o, o.lock, batch);
    this.report(o, 'TRADE', batch, undefined, fill);
    if (firstFill) this.o.onFirstFill?.(o.apiKey, isMaker);
  }

  /** BNB's price in the quote asset: BNB<quote> if listed and priced, else BNBUSDT (for USD-like quotes). */
  private bnbPrice(quote: string): Decimal | undefined {
    if (quote === 'BNB') return new Decimal(1);
    return this.price(`BNB${quote}`) ?? this.price('BNBUSDT');
  }

  /** Unlocks whatever a finished order or list still holds. */
  private release(o: Order, lock: { asset: string; amount: Decimal } | undefined, batch: Batch): void {
    if (!lock || lock.amount.lte(0)) return;
    this.o.accounts.expect(o.apiKey).unlock(lock.asset, lock.amount);
    batch.touch(o.apiKey, lock.asset);
    lock.amount = ZERO;
  }

  private report(o: Order, x: ExecutionType, batch: Batch, cancelClientOrderId?: string, fill?: Fill): void {
    batch.events.push([
      o.apiKey,
      executionReport(o, {
        x,
        eventTime: this.o.clock(),
        fill,
        cancelClientOrderId,
        executionId: this.nextExecutionId++,
      }),
    ]);
  }

  /** Sends each account's events of the operation, its outboundAccountPosition last, as one batch. */
  private flush(batch: Batch): void {
    const byKey = new Map<string, Record<string, unknown>[]>();
    const eventsOf = (apiKey: string): Record<string, unknown>[] => {
      let list = byKey.get(apiKey);
      if (!list) byKey.set(apiKey, (list = []));
      return list;
    };
    for (const [apiKey, event] of batch.events) eventsOf(apiKey).push(event);
    const now = this.o.clock();
    for (const [apiKey, assets] of batch.touched) {
      const account = this.o.accounts.expect(apiKey);
      account.updateTime = now;
      const B = [...assets].map((a) => {
        const b = account.balance(a);
        return { a, f: b.free.toFixed(8), l: b.locked.toFixed(8) };
      });
      eventsOf(apiKey).push({ e: 'outboundAccountPosition', E: now, u: now, B });
    }
    for (const [apiKey, events] of byKey) this.o.emit(apiKey, events);
  }

  private newOrder(
    account: Account,
    req: NewOrder,
    qty: Decimal,
    quoteQty: Decimal,
    orderListId: number,
    stpMode: string,
  ): Order {
    const now = this.o.clock();
    const order: Order = {
      apiKey: account.apiKey,
      symbol: req.symbol,
      orderId: this.nextOrderId++,
      orderListId,
      clientOrderId: req.newClientOrderId ?? generatedId(),
      side: req.side,
      type: req.type,
      timeInForce: req.timeInForce ?? 'GTC',
      price: ZERO,
      origQty: qty,
      origQuoteOrderQty: quoteQty,
      stopPrice: undefined,
      executedQty: ZERO,
      cummulativeQuoteQty: ZERO,
      status: 'NEW',
      time: now,
      updateTime: now,
      workingTime: now,
      triggered: false,
      expiryReason: undefined,
      stpMode,
      prevented: undefined,
      fills: [],
      lock: undefined,
    };
    this.orders.set(order.orderId, order);
    return order;
  }

  /**
   * What the symbol allows, after the filters (which the API checks before the matching engine):
   * trading status, order types, quoteOrderQty market orders, and the STP mode. Returns the order's
   * STP mode: the one requested, else the symbol's default (faqs/stp_faq.md).
   */
  private symbolChecks(spec: SymbolSpec, types: readonly OrderType[], stpMode?: string, byQuote = false): string {
    if (stpMode !== undefined && spec.allowedStpModes && !spec.allowedStpModes.includes(stpMode))
      throw new BinanceError(400, -1013, 'This symbol does not allow the specified self-trade prevention mode.');
    if (spec.status !== 'TRADING') throw marketClosed(-2010);
    for (const t of types) {
      const msg = TYPE_NOT_SUPPORTED[t];
      if (msg && spec.orderTypes && !spec.orderTypes.includes(t)) throw new BinanceError(400, -2010, msg);
    }
    if (byQuote && !spec.quoteOrderQtyMarketAllowed)
      throw new BinanceError(400, -2010, 'Quote order qty market orders are not support for this symbol.');
    return stpMode ?? spec.defaultStpMode;
  }

  /** "Duplicate order sent." when a client order id may not be used again yet (see ClientIdReuse). */
  private checkClientIds(account: Account, symbol: string, ids: readonly (string | undefined)[]): void {
    const strict = this.o.clientIdReuse === 'whenFilledOrExpired';
    for (const o of this.orders.values()) {
      if (o.apiKey !== account.apiKey || o.symbol !== symbol || !ids.includes(o.clientOrderId)) continue;
      if (isOpen(o) || (strict && o.status !== 'FILLED')) throw duplicateOrder();
    }
  }

  /**
   * "Duplicate order sent." for a listClientOrderId still in use: "A new order list with the same
   * listClientOrderId is accepted only when the previous one is filled or completely expired" (a
   * list whose status is ALL_DONE while a leg still works is neither).
   */
  private checkListClientId(account: Account, listClientOrderId: string): void {
    const strict = this.o.clientIdReuse === 'whenFilledOrExpired';
    for (const l of this.lists.values()) {
      if (l.apiKey !== account.apiKey || l.listClientOrderId !== listClientOrderId) continue;
      if (l.listOrderStatus === 'EXECUTING' || l.orders.some(isOpen)) throw duplicateOrder();
      if (strict && !l.orders.every((o) => ['FILLED', 'EXPIRED', 'EXPIRED_IN_MATCH'].includes(o.status)))
        throw duplicateOrder();
    }
  }

  private listOf(o: Order): OrderList | undefined {
    return o.orderListId >= 0 ? this.lists.get(o.orderListId) : undefined;
  }

  // ---- queries -------------------------------------------------------------------------------

  /**
   * By orderId, or the newest with that client id. With both, "the orderId is searched first, then
   * the origClientOrderId from that result is checked against that order" (rest-api.md "Query
   * order"): -2039 "Client order ID is not correct for this order ID." when it does not match.
   */
  findOrder(account: Account, symbol: string, orderId?: number, clientOrderId?: string): Order | undefined {
    this.spec(symbol);
    if (orderId === undefined && clientOrderId === undefined) throw errors.eitherParam('origClientOrderId', 'orderId');
    const mine = (o: Order | undefined): o is Order => !!o && o.apiKey === account.apiKey && o.symbol === symbol;
    if (orderId !== undefined) {
      const o = this.orders.get(orderId);
      if (!mine(o)) return undefined;
      if (clientOrderId !== undefined && o.clientOrderId !== clientOrderId)
        throw new BinanceError(400, -2039, 'Client order ID is not correct for this order ID.');
      return o;
    }
    let found: Order | undefined;
    for (const o of this.orders.values()) if (mine(o) && o.clientOrderId === clientOrderId) found = o;
    return found;
  }

  findList(account: Account, orderListId?: number, listClientOrderId?: string): OrderList | undefined {
    if (orderListId !== undefined) {
      const l = this.lists.get(orderListId);
      if (!l || l.apiKey !== account.apiKey) return undefined;
      if (listClientOrderId !== undefined && l.listClientOrderId !== listClientOrderId) return undefined;
      return l;
    }
    let found: OrderList | undefined;
    for (const l of this.lists.values())
      if (l.apiKey === account.apiKey && l.listClientOrderId === listClientOrderId) found = l;
    return found;
  }

  openOrders(account: Account, symbol?: string): Order[] {
    return [...this.orders.values()].filter(
      (o) => o.apiKey === account.apiKey && isOpen(o) && (symbol === undefined || o.symbol === symbol),
    );
  }

  /** Lists whose status is EXECUTING (with workingListStatus ALL_DONE, a list with a working leg is not among them). */
  openLists(account: Account): OrderList[] {
    return [...this.lists.values()].filter((l) => l.apiKey === account.apiKey && l.listOrderStatus === 'EXECUTING');
  }

  allOrders(): Order[] {
    return [...this.orders.values()];
  }

  trades(account: Account, symbol: string): Fill[] {
    return this.fills.filter((f) => f.symbol === symbol && this.orders.get(f.orderId)?.apiKey === account.apiKey);
  }
}

/** A client order id like Binance generates: 22 URL-safe characters. */
export function generatedId(): string {
  return randomBytes(16).toString('base64url').slice(0, 22);
}
