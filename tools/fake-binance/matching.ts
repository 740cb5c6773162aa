import { randomBytes } from 'node:crypto';
import { Decimal, ZERO } from '../../electron/core/money/decimal';
import { floorToStep, roundToTick } from '../../electron/core/money/symbol-rules';
import type { Account, AccountBook } from './accounts';
import { cannotTrade } from './accounts';
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
 * moves. It keeps every order, list and trade, moves balances (locked while resting), and reports
 * each change to the account's user data stream in Binance's order: executionReport(s), then
 * listStatus, then one outboundAccountPosition for the assets that changed.
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
}

/** A SELL OCO: LIMIT_MAKER above the price, STOP_LOSS_LIMIT below. */
export interface NewOco {
  symbol: string;
  side: Side;
  quantity: Decimal;
  abovePrice: Decimal;
  belowStopPrice: Decimal;
  belowPrice: Decimal;
  belowTimeInForce: string;
  listClientOrderId?: string;
  aboveClientOrderId?: string;
  belowClientOrderId?: string;
}

export interface EngineOptions {
  market: FakeMarket;
  accounts: AccountBook;
  faults: FaultPlan;
  clock: () => number;
  /** Fraction of the price between bid and ask (a MARKET buy pays half of it above the price). */
  spread: number;
  /** Extra fraction a MARKET order pays beyond the spread. */
  slippage: number;
  /** Sends a user data event to the account's subscribers. */
  emit: (apiKey: string, event: Record<string, unknown>) => void;
}

export const insufficientBalance = (): BinanceError =>
  new BinanceError(400, -2010, 'Account has insufficient balance for requested action.');
const duplicateOrder = (): BinanceError => new BinanceError(400, -2010, 'Duplicate order sent.');
const badOcoPrices = (): BinanceError =>
  new BinanceError(400, -2010, 'The relationship of the prices for the orders is not correct.');

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
    const order = this.newOrder(account, req, qty, ZERO, -1);
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
    const r = spec.rules;
    const last = this.price(req.symbol);
    if (!last) throw new BinanceError(400, -2010, 'Order book liquidity is less than symbol minimum quantity.');
    const buy = req.side === 'BUY';
    const away = new Decimal(this.o.spread).div(2).add(this.o.slippage);
    const fillPrice = buy
      ? roundToTick(last.mul(away.add(1)), r.tickSize, 'up')
      : roundToTick(last.mul(new Decimal(1).sub(away)), r.tickSize, 'down');
    let qty: Decimal;
    if (req.quoteOrderQty && req.quantity)
      throw new BinanceError(400, -1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but not both.");
    if (req.quoteOrderQty) {
      checkNotional(spec, req.quoteOrderQty, true);
      qty = floorToStep(req.quoteOrderQty.div(fillPrice), marketStep(spec));
      checkQuantity(spec, qty, true);
    } else if (req.quantity) {
      qty = req.quantity;
      checkQuantity(spec, qty, true);
      checkNotional(spec, qty.mul(last), true);
    } else {
      throw errors.eitherParam('quantity', 'quoteOrderQty');
    }
    this.checkClientIds(account, req.symbol, [req.newClientOrderId]);
    const need = buy ? (req.quoteOrderQty ?? qty.mul(fillPrice)) : qty;
    if (account.free(buy ? r.quoteAsset : r.baseAsset).lt(need)) throw insufficientBalance();

    const fraction = this.o.faults.takePartialFill(req.side);
    const filled = fraction === undefined ? qty : floorToStep(qty.mul(fraction), marketStep(spec));
    const batch = new Batch();
    const order = this.newOrder(account, req, qty, req.quoteOrderQty ?? ZERO, -1);
    this.report(order, 'NEW', batch);
    if (filled.gt(0)) this.fill(order, filled, fillPrice, false, batch);
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
        'fake-binance supports SELL OCOs (LIMIT_MAKER above, STOP_LOSS_LIMIT below) only',
      );
    checkPrice(spec, req.abovePrice);
    checkPrice(spec, req.belowStopPrice);
    checkPrice(spec, req.belowPrice);
    checkQuantity(spec, req.quantity, false);
    checkNotional(spec, req.abovePrice.mul(req.quantity), false);
    checkNotional(spec, req.belowPrice.mul(req.quantity), false);
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
    for (const l of this.lists.values())
      if (l.apiKey === account.apiKey && l.listClientOrderId === listId && l.listOrderStatus === 'EXECUTING')
        throw duplicateOrder();
    const base = spec.rules.baseAsset;
    if (account.free(base).lt(req.quantity)) throw insufficientBalance();

    const batch = new Batch();
    const orderListId = this.nextListId++;
    const below = this.newOrder(
      account,
      { symbol: req.symbol, side: 'SELL', type: 'STOP_LOSS_LIMIT', newClientOrderId: belowId },
      req.quantity,
      ZERO,
      orderListId,
    );
    below.price = req.belowPrice;
    below.stopPrice = req.belowStopPrice;
    below.timeInForce = req.belowTimeInForce;
    below.workingTime = -1;
    const above = this.newOrder(
      account,
      { symbol: req.symbol, side: 'SELL', type: 'LIMIT_MAKER', newClientOrderId: aboveId },
      req.quantity,
      ZERO,
      orderListId,
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

  // ---- cancelling ----------------------------------------------------------------------------

  /** DELETE /api/v3/order: an OCO leg cancels its whole list. */
  cancelOrder(order: Order, cancelClientOrderId: string): void {
    if (!isOpen(order)) throw new BinanceError(400, -2011, 'Unknown order sent.');
    const list = order.orderListId >= 0 ? this.lists.get(order.orderListId) : undefined;
    if (list) return this.cancelList(list, cancelClientOrderId);
    const batch = new Batch();
    order.status = 'CANCELED';
    order.updateTime = this.o.clock();
    this.release(order, order.lock, batch);
    this.report(order, 'CANCELED', batch, cancelClientOrderId);
    this.flush(batch);
  }

  cancelList(list: OrderList, cancelClientOrderId: string): void {
    if (list.listOrderStatus !== 'EXECUTING') throw new BinanceError(400, -2011, 'Unknown order list sent.');
    const batch = new Batch();
    for (const o of list.orders) {
      if (!isOpen(o)) continue;
      o.status = 'CANCELED';
      o.updateTime = this.o.clock();
      this.report(o, 'CANCELED', batch, cancelClientOrderId);
    }
    this.listDone(list, batch);
    this.flush(batch);
  }

  // ---- price moves ---------------------------------------------------------------------------

  /** Runs resting orders of the symbol against each price in turn (a candle passes open, high/low, close). */
  onPricePath(symbol: string, path: readonly number[]): void {
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
    const list = o.orderListId >= 0 ? this.lists.get(o.orderListId) : undefined;
    if (o.type === 'STOP_LOSS_LIMIT' && !o.triggered) {
      if (!(sell ? p.lte(o.stopPrice!) : p.gte(o.stopPrice!))) return;
      o.triggered = true;
      o.workingTime = this.o.clock();
      // Triggered: a limit order now; it takes at once if the price is on the right side of its limit.
      if (sell ? p.gte(o.price) : p.lte(o.price)) this.fill(o, o.origQty.sub(o.executedQty), p, false, batch);
      if (list) this.expireSibling(list, o, batch);
      if (list && o.status === 'FILLED') this.listDone(list, batch);
      return;
    }
    if (!(sell ? p.gte(o.price) : p.lte(o.price))) return;
    this.fill(o, o.origQty.sub(o.executedQty), o.price, true, batch);
    if (list) {
      this.expireSibling(list, o, batch);
      this.listDone(list, batch);
    }
  }

  private expireSibling(list: OrderList, working: Order, batch: Batch): void {
    for (const other of list.orders) {
      if (other === working || !isOpen(other)) continue;
      other.status = 'EXPIRED';
      other.expiryReason = 'OCO_TRIGGER';
      other.updateTime = this.o.clock();
      this.report(other, 'EXPIRED', batch);
    }
  }

  private listDone(list: OrderList, batch: Batch): void {
    list.listStatusType = 'ALL_DONE';
    list.listOrderStatus = 'ALL_DONE';
    list.transactionTime = this.o.clock();
    this.release(list.orders[0], list.lock, batch);
    batch.events.push([list.apiKey, listStatusEvent(list, this.o.clock())]);
  }

  // ---- fills and balances --------------------------------------------------------------------

  private fill(o: Order, qty: Decimal, price: Decimal, isMaker: boolean, batch: Batch): void {
    const account = this.o.accounts.expect(o.apiKey);
    const { baseAsset: base, quoteAsset: quote } = this.spec(o.symbol).rules;
    const list = o.orderListId >= 0 ? this.lists.get(o.orderListId) : undefined;
    const lock = o.lock ?? list?.lock;
    const quoteQty = qty.mul(price).toDecimalPlaces(8);
    const rate = isMaker ? account.commission.maker : account.commission.taker;
    const now = this.o.clock();
    let commission: Decimal;
    let commissionAsset: string;
    if (o.side === 'BUY') {
      commission = qty.mul(rate).toDecimalPlaces(8);
      commissionAsset = base;
      if (lock) {
        account.spendLocked(quote, quoteQty);
        lock.amount = lock.amount.sub(quoteQty);
      } else {
        account.spendFree(quote, quoteQty);
      }
      account.credit(base, qty.sub(commission));
    } else {
      commission = quoteQty.mul(rate).toDecimalPlaces(8);
      commissionAsset = quote;
      if (lock) {
        account.spendLocked(base, qty);
        lock.amount = lock.amount.sub(qty);
      } else {
        account.spendFree(base, qty);
      }
      account.credit(quote, quoteQty.sub(commission));
    }
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
      isBuyer: o.side === 'BUY',
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

  private flush(batch: Batch): void {
    for (const [apiKey, event] of batch.events) this.o.emit(apiKey, event);
    const now = this.o.clock();
    for (const [apiKey, assets] of batch.touched) {
      const account = this.o.accounts.expect(apiKey);
      account.updateTime = now;
      const B = [...assets].map((a) => {
        const b = account.balance(a);
        return { a, f: b.free.toFixed(8), l: b.locked.toFixed(8) };
      });
      this.o.emit(apiKey, { e: 'outboundAccountPosition', E: now, u: now, B });
    }
  }

  private newOrder(account: Account, req: NewOrder, qty: Decimal, quoteQty: Decimal, orderListId: number): Order {
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
      fills: [],
      lock: undefined,
    };
    this.orders.set(order.orderId, order);
    return order;
  }

  /** "Duplicate order sent." when a client order id is already used by an open order of the account. */
  private checkClientIds(account: Account, symbol: string, ids: readonly (string | undefined)[]): void {
    for (const o of this.orders.values()) {
      if (o.apiKey === account.apiKey && o.symbol === symbol && isOpen(o) && ids.includes(o.clientOrderId))
        throw duplicateOrder();
    }
  }

  // ---- queries -------------------------------------------------------------------------------

  /** By orderId (then checked against origClientOrderId when both are given) or by the newest with that client id. */
  findOrder(account: Account, symbol: string, orderId?: number, clientOrderId?: string): Order | undefined {
    this.spec(symbol);
    if (orderId === undefined && clientOrderId === undefined) throw errors.eitherParam('origClientOrderId', 'orderId');
    const mine = (o: Order | undefined): o is Order => !!o && o.apiKey === account.apiKey && o.symbol === symbol;
    if (orderId !== undefined) {
      const o = this.orders.get(orderId);
      if (!mine(o) || (clientOrderId !== undefined && o.clientOrderId !== clientOrderId)) return undefined;
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
