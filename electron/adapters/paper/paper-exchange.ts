import { Decimal, ZERO } from '../../core/money/decimal';
import { lotProblem, notionalProblem, priceProblem, type SymbolRules } from '../../core/money/symbol-rules';
import type { Clock } from '../../core/ports/clock';
import {
  ExchangeError,
  type AssetBalance,
  type Exchange,
  type ExchangeListener,
  type Fill,
  type MarketBuyRequest,
  type MarketSellRequest,
  type OcoReport,
  type OcoRequest,
  type OrderReport,
} from '../../core/ports/exchange';
import type { Candle } from '../../core/ports/market-feed';
import { intrabarPath, onTrigger, reachesLimit, triggersStop } from './intrabar';
import { bpsFraction, commissionOf, quantityForQuote, quoteOf, takerPrice, tradePrice } from './market-fills';
import type { PaperBalance, PaperOrder, PaperOrderList, PaperSnapshot, PaperStore } from './paper-store';

export interface PaperExchangeOptions {
  store: PaperStore;
  clock: Clock;
  /** Symbol rules (filters) by symbol. */
  rules: (symbol: string) => Promise<SymbolRules>;
  /** Quote asset and amount the account starts with when the paper ledger is new. */
  quoteAsset: string;
  startBalance: Decimal;
  /** Commission per fill (0.001 = 0.1%): in the base asset on buys, in quote on sells, as Binance without BNB. */
  feeRate: Decimal;
  /** Market orders fill this many basis points worse than the reference price. */
  slippageBps: number;
  /** Prefix for client order ids (the live adapter needs the binance package's; paper mirrors it). */
  clientOrderIdPrefix?: string;
}

/** Per-symbol state on the hot path: the last price and the OCOs resting on it. */
interface Book {
  lastPrice: number;
  lastTime: number;
  resting: Resting[];
}

/** A resting OCO with float copies of its trigger prices for fast candle checks. */
interface Resting {
  list: PaperOrderList;
  tp: PaperOrder;
  sl: PaperOrder;
  tpPrice: number;
  stopPrice: number;
  /** The stop-limit's limit; NaN for a stop-market leg (it fills at once when triggered). */
  limitPrice: number;
  /** When the OCO was placed: a candle that opened before then says nothing about it. */
  since: number;
}

/**
 * A simulated Binance spot account. Balances, orders and order lists live in SQLite (through the
 * PaperStore port), written in the exchange's own transactions. Fill rules (shared with the local
 * exchange, tools/fake-binance):
 *  - market orders fill at once at the reference price (last close or trade) plus `slippageBps`
 *    against you, rounded to the tick (market-fills.ts);
 *  - an OCO rests from the next candle on; each candle is walked open -> low -> high -> close, a
 *    real-time trade is one price, and each leg reacts to the first price that reaches it
 *    (intrabar.ts): a candle touching both legs sells at the stop.
 */
export class PaperExchange implements Exchange {
  readonly kind = 'paper' as const;
  readonly clientOrderIdPrefix: string;
  private readonly balances = new Map<string, PaperBalance>();
  private readonly orders = new Map<string, PaperOrder>();
  private readonly lists = new Map<string, PaperOrderList>();
  private readonly books = new Map<string, Book>();
  private readonly listeners = new Set<ExchangeListener>();
  private readonly rulesCache = new Map<string, SymbolRules>();
  private nextOrderId = 1;
  private nextListId = 1;
  private nextTradeId = 1;

  constructor(private readonly opts: PaperExchangeOptions) {
    this.clientOrderIdPrefix = opts.clientOrderIdPrefix ?? 'tr';
    const snap = opts.store.load();
    if (snap) this.restore(snap);
    else {
      const initial = { free: opts.startBalance, locked: ZERO };
      opts.store.transaction(() => {
        opts.store.putBalance(opts.quoteAsset, initial);
        opts.store.setCounters(1, 1, 1);
      });
      this.balances.set(opts.quoteAsset, initial);
    }
  }

  private restore(snap: PaperSnapshot): void {
    for (const [asset, b] of snap.balances) this.balances.set(asset, b);
    for (const o of snap.orders) this.orders.set(o.clientOrderId, o);
    for (const l of snap.lists) this.lists.set(l.listClientOrderId, l);
    for (const [symbol, p] of snap.prices) this.book(symbol).lastPrice = p.price.toNumber();
    this.nextOrderId = snap.nextOrderId;
    this.nextListId = snap.nextListId;
    this.nextTradeId = snap.nextTradeId;
    const byId = new Map<number, PaperOrder>();
    for (const o of snap.orders) byId.set(o.orderId, o);
    for (const l of snap.lists) {
      if (l.status !== 'EXECUTING') continue;
      const tp = byId.get(l.takeProfitOrderId);
      const sl = byId.get(l.stopLossOrderId);
      if (tp && sl) this.book(l.symbol).resting.push(toResting(l, tp, sl));
    }
  }

  // ---- market data in ---------------------------------------------------------------------

  /** A closed candle: match resting orders of its symbol, then remember its close as the last price. */
  onCandle(c: Candle): void {
    const book = this.book(c.symbol);
    if (book.resting.length > 0) this.match(c.symbol, book, intrabarPath(c), c.closeTime, c.openTime);
    if (c.closeTime >= book.lastTime) {
      book.lastPrice = c.close;
      book.lastTime = c.closeTime;
    }
  }

  /** A real-time trade. */
  onTrade(symbol: string, price: number, time: number): void {
    const book = this.book(symbol);
    if (book.resting.length > 0) this.match(symbol, book, [price], time, time);
    book.lastPrice = price;
    book.lastTime = time;
  }

  /** Sets a reference price directly (e.g. from a REST ticker before the first trade arrives). */
  setPrice(symbol: string, price: number, time: number): void {
    const book = this.book(symbol);
    book.lastPrice = price;
    book.lastTime = time;
  }

  /** Writes the last prices (so an emergency stop on a stopped paper ledger has prices). */
  flush(): void {
    this.opts.store.transaction(() => {
      for (const [symbol, b] of this.books)
        if (b.lastPrice > 0) this.opts.store.setPrice(symbol, new Decimal(b.lastPrice), b.lastTime);
    });
  }

  /**
   * Walks a price path (a candle's, or one trade's) against the resting OCOs of the symbol. `from`
   * is when the path began: an OCO placed after that says nothing about its prices.
   */
  private match(symbol: string, book: Book, path: readonly number[], time: number, from: number): void {
    for (const price of path) {
      for (let i = 0; i < book.resting.length;) {
        const r = book.resting[i]!;
        if (r.since <= from && this.matchOne(symbol, r, price, time)) book.resting.splice(i, 1);
        else i++;
      }
    }
  }

  /** What one price does to one resting OCO (intrabar.ts); true when it is done. */
  private matchOne(symbol: string, r: Resting, price: number, time: number): boolean {
    if (r.sl.triggered)
      return reachesLimit('SELL', r.limitPrice, price) && this.fillLeg(symbol, r, r.sl, r.sl.price!, time);
    if (triggersStop('SELL', r.stopPrice, price)) {
      // The stop triggers at this price: the take-profit leg expires.
      this.update(r.sl, { triggered: true, time });
      this.update(r.tp, { status: 'EXPIRED', expiryReason: 'OCO_TRIGGER', time });
      this.persist(symbol, [r.sl, r.tp], []);
      this.emit(r.tp);
      const tick = this.rulesCache.get(symbol)!.tickSize;
      switch (onTrigger('SELL', r.limitPrice, price)) {
        case 'market':
          return this.fillLeg(
            symbol,
            r,
            r.sl,
            takerPrice(new Decimal(price), 'SELL', bpsFraction(this.opts.slippageBps), tick),
            time,
          );
        case 'take':
          return this.fillLeg(symbol, r, r.sl, tradePrice(price, 'SELL', tick), time);
        case 'rest':
          return false;
      }
    }
    return reachesLimit('SELL', r.tpPrice, price) && this.fillLeg(symbol, r, r.tp, r.tp.price!, time);
  }

  private fillLeg(symbol: string, r: Resting, leg: PaperOrder, price: Decimal, time: number): boolean {
    const rules = this.rulesCache.get(symbol)!;
    const qty = leg.origQty;
    const gross = quoteOf(qty, price);
    const fee = commissionOf(gross, this.opts.feeRate);
    const fill: Fill = {
      price,
      qty,
      commission: fee,
      commissionAsset: rules.quoteAsset,
      tradeId: String(this.nextTradeId++),
    };
    this.update(leg, { status: 'FILLED', executedQty: qty, cumQuote: gross, fills: [fill], time });
    const other = leg === r.tp ? r.sl : r.tp;
    const otherExpiresNow = other.status === 'NEW';
    if (otherExpiresNow) this.update(other, { status: 'EXPIRED', expiryReason: 'OCO_TRIGGER', time });
    r.list.status = 'ALL_DONE';
    const base = this.balance(rules.baseAsset);
    const quote = this.balance(rules.quoteAsset);
    base.locked = base.locked.sub(qty);
    quote.free = quote.free.add(gross).sub(fee);
    this.persist(symbol, [leg, other], [r.list], [rules.baseAsset, rules.quoteAsset]);
    this.emit(leg);
    if (otherExpiresNow) this.emit(other);
    this.emitBalance(rules.quoteAsset);
    return true;
  }

  // ---- the Exchange port ------------------------------------------------------------------

  async getSymbolRules(symbol: string): Promise<SymbolRules> {
    let r = this.rulesCache.get(symbol);
    if (!r) {
      r = await this.opts.rules(symbol);
      this.rulesCache.set(symbol, r);
    }
    return r;
  }

  async refreshSymbolRules(symbols: readonly string[]): Promise<SymbolRules[]> {
    return Promise.all(symbols.map((s) => this.getSymbolRules(s)));
  }

  async getBalance(asset: string): Promise<Decimal> {
    const b = this.balances.get(asset);
    return b ? b.free.add(b.locked) : ZERO;
  }

  async getAssetBalance(asset: string): Promise<AssetBalance> {
    const b = this.balances.get(asset);
    return b ? { free: b.free, locked: b.locked } : { free: ZERO, locked: ZERO };
  }

  /** Free and locked amounts of every asset held. */
  allBalances(): Map<string, PaperBalance> {
    return new Map(this.balances);
  }

  async getLastPrice(symbol: string): Promise<Decimal> {
    const p = this.books.get(symbol)?.lastPrice ?? 0;
    if (!(p > 0)) throw new ExchangeError('rejected', `no price for ${symbol} yet`);
    return new Decimal(p);
  }

  async marketBuyByQuote(req: MarketBuyRequest): Promise<OrderReport> {
    const rules = await this.getSymbolRules(req.symbol);
    this.refuseDuplicate(req.clientOrderId);
    const ref = await this.getLastPrice(req.symbol);
    const price = takerPrice(ref, 'BUY', bpsFraction(this.opts.slippageBps), rules.tickSize);
    const qty = quantityForQuote(
      req.quoteAmount,
      price,
      rules.marketStepSize.isZero() ? rules.stepSize : rules.marketStepSize,
    );
    const problem =
      lotProblem(qty, rules, true) ?? (rules.applyMinToMarket ? notionalProblem(price, qty, rules) : undefined);
    if (problem) throw new ExchangeError('filter', `Filter failure: ${problem}`, { code: -1013 });
    const quote = this.balance(rules.quoteAsset);
    const cost = quoteOf(qty, price);
    if (quote.free.lt(cost)) {
      throw new ExchangeError('insufficient-balance', 'Account has insufficient balance for requested action.', {
        code: -2010,
      });
    }
    const fee = commissionOf(qty, this.opts.feeRate);
    const now = this.opts.clock.now();
    const fill: Fill = {
      price,
      qty,
      commission: fee,
      commissionAsset: rules.baseAsset,
      tradeId: String(this.nextTradeId++),
    };
    const order = this.newOrder(req.symbol, req.clientOrderId, 'BUY', 'MARKET', qty, now);
    Object.assign(order, {
      status: 'FILLED',
      executedQty: qty,
      cumQuote: cost,
      quoteOrderQty: req.quoteAmount,
      fills: [fill],
    });
    quote.free = quote.free.sub(cost);
    const base = this.balance(rules.baseAsset);
    base.free = base.free.add(qty).sub(fee);
    this.persist(req.symbol, [order], [], [rules.baseAsset, rules.quoteAsset], price, now);
    return report(order);
  }

  async marketSell(req: MarketSellRequest): Promise<OrderReport> {
    const rules = await this.getSymbolRules(req.symbol);
    this.refuseDuplicate(req.clientOrderId);
    const problem = lotProblem(req.quantity, rules, true);
    if (problem) throw new ExchangeError('filter', `Filter failure: ${problem}`, { code: -1013 });
    const base = this.balance(rules.baseAsset);
    if (base.free.lt(req.quantity)) {
      throw new ExchangeError('insufficient-balance', 'Account has insufficient balance for requested action.', {
        code: -2010,
      });
    }
    const ref = await this.getLastPrice(req.symbol);
    const price = takerPrice(ref, 'SELL', bpsFraction(this.opts.slippageBps), rules.tickSize);
    const gross = quoteOf(req.quantity, price);
    const fee = commissionOf(gross, this.opts.feeRate);
    const now = this.opts.clock.now();
    const fill: Fill = {
      price,
      qty: req.quantity,
      commission: fee,
      commissionAsset: rules.quoteAsset,
      tradeId: String(this.nextTradeId++),
    };
    const order = this.newOrder(req.symbol, req.clientOrderId, 'SELL', 'MARKET', req.quantity, now);
    Object.assign(order, { status: 'FILLED', executedQty: req.quantity, cumQuote: gross, fills: [fill] });
    base.free = base.free.sub(req.quantity);
    const quote = this.balance(rules.quoteAsset);
    quote.free = quote.free.add(gross).sub(fee);
    this.persist(req.symbol, [order], [], [rules.baseAsset, rules.quoteAsset], price, now);
    this.emitBalance(rules.quoteAsset);
    return report(order);
  }

  async placeOco(req: OcoRequest): Promise<OcoReport> {
    const rules = await this.getSymbolRules(req.symbol);
    if (this.lists.has(req.listClientOrderId))
      throw new ExchangeError('rejected', 'Duplicate order sent.', { code: -2010 });
    this.refuseDuplicate(req.takeProfitClientOrderId);
    this.refuseDuplicate(req.stopLossClientOrderId);
    const limit = req.stopType === 'STOP_LOSS_LIMIT' ? req.stopLimitPrice : undefined;
    if (req.stopType === 'STOP_LOSS_LIMIT' && !limit)
      throw new ExchangeError('rejected', "Mandatory parameter 'belowPrice' was not sent", { code: -1102 });
    const problem =
      lotProblem(req.quantity, rules) ??
      priceProblem(req.takeProfitPrice, rules) ??
      priceProblem(req.stopPrice, rules) ??
      (limit ? priceProblem(limit, rules) : undefined) ??
      notionalProblem(req.takeProfitPrice, req.quantity, rules) ??
      notionalProblem(limit ?? req.stopPrice, req.quantity, rules);
    if (problem) throw new ExchangeError('filter', `Filter failure: ${problem}`, { code: -1013 });
    const last = await this.getLastPrice(req.symbol);
    if (!(req.takeProfitPrice.gt(last) && last.gt(req.stopPrice))) {
      throw new ExchangeError('rejected', 'The relationship of the prices for the orders is not correct.', {
        code: -2010,
      });
    }
    const base = this.balance(rules.baseAsset);
    if (base.free.lt(req.quantity)) {
      throw new ExchangeError('insufficient-balance', 'Account has insufficient balance for requested action.', {
        code: -2010,
      });
    }
    const now = this.opts.clock.now();
    const listId = this.nextListId++;
    const tp = this.newOrder(req.symbol, req.takeProfitClientOrderId, 'SELL', 'LIMIT_MAKER', req.quantity, now);
    tp.price = req.takeProfitPrice;
    const sl = this.newOrder(req.symbol, req.stopLossClientOrderId, 'SELL', req.stopType, req.quantity, now);
    if (limit) sl.price = limit;
    sl.stopPrice = req.stopPrice;
    for (const o of [tp, sl]) Object.assign(o, { listId, listClientOrderId: req.listClientOrderId });
    const list: PaperOrderList = {
      listId,
      listClientOrderId: req.listClientOrderId,
      symbol: req.symbol,
      status: 'EXECUTING',
      takeProfitOrderId: tp.orderId,
      stopLossOrderId: sl.orderId,
    };
    this.lists.set(list.listClientOrderId, list);
    base.free = base.free.sub(req.quantity);
    base.locked = base.locked.add(req.quantity);
    this.persist(req.symbol, [tp, sl], [list], [rules.baseAsset]);
    this.book(req.symbol).resting.push(toResting(list, tp, sl));
    return this.ocoReport(list);
  }

  async cancelOco(symbol: string, listClientOrderId: string): Promise<OcoReport> {
    const list = this.lists.get(listClientOrderId);
    if (!list || list.symbol !== symbol || list.status !== 'EXECUTING') {
      throw new ExchangeError('not-found', 'Unknown order sent.', { code: -2011 });
    }
    const rules = await this.getSymbolRules(symbol);
    const { tp, sl } = this.legs(list);
    const now = this.opts.clock.now();
    for (const o of [tp, sl]) if (o.status === 'NEW') this.update(o, { status: 'CANCELED', time: now });
    list.status = 'ALL_DONE';
    const base = this.balance(rules.baseAsset);
    base.locked = base.locked.sub(tp.origQty);
    base.free = base.free.add(tp.origQty);
    this.persist(symbol, [tp, sl], [list], [rules.baseAsset]);
    const book = this.book(symbol);
    book.resting = book.resting.filter((r) => r.list !== list);
    return this.ocoReport(list);
  }

  /** Cancelling a leg cancels its whole list, as on Binance. */
  async cancelOrder(symbol: string, clientOrderId: string): Promise<OrderReport> {
    const o = this.orders.get(clientOrderId);
    if (!o || o.symbol !== symbol || (o.status !== 'NEW' && o.status !== 'PARTIALLY_FILLED'))
      throw new ExchangeError('not-found', 'Unknown order sent.', { code: -2011 });
    if (o.listClientOrderId) await this.cancelOco(symbol, o.listClientOrderId);
    return report(this.orders.get(clientOrderId)!);
  }

  async getOrder(symbol: string, clientOrderId: string): Promise<OrderReport | undefined> {
    const o = this.orders.get(clientOrderId);
    return o && o.symbol === symbol ? report(o) : undefined;
  }

  async getOco(symbol: string, listClientOrderId: string): Promise<OcoReport | undefined> {
    const l = this.lists.get(listClientOrderId);
    return l && l.symbol === symbol ? this.ocoReport(l) : undefined;
  }

  subscribe(listener: ExchangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- internals --------------------------------------------------------------------------

  private book(symbol: string): Book {
    let b = this.books.get(symbol);
    if (!b) {
      b = { lastPrice: 0, lastTime: 0, resting: [] };
      this.books.set(symbol, b);
    }
    return b;
  }

  private balance(asset: string): PaperBalance {
    let b = this.balances.get(asset);
    if (!b) {
      b = { free: ZERO, locked: ZERO };
      this.balances.set(asset, b);
    }
    return b;
  }

  private refuseDuplicate(clientOrderId: string): void {
    if (this.orders.has(clientOrderId)) throw new ExchangeError('rejected', 'Duplicate order sent.', { code: -2010 });
  }

  private newOrder(
    symbol: string,
    clientOrderId: string,
    side: 'BUY' | 'SELL',
    type: PaperOrder['type'],
    qty: Decimal,
    now: number,
  ): PaperOrder {
    const o: PaperOrder = {
      orderId: this.nextOrderId++,
      clientOrderId,
      symbol,
      side,
      type,
      status: 'NEW',
      origQty: qty,
      executedQty: ZERO,
      cumQuote: ZERO,
      triggered: false,
      time: now,
      fills: [],
    };
    this.orders.set(clientOrderId, o);
    return o;
  }

  private update(o: PaperOrder, change: Partial<PaperOrder>): void {
    Object.assign(o, change);
  }

  private persist(
    symbol: string,
    orders: PaperOrder[],
    lists: PaperOrderList[],
    assets: string[] = [],
    price?: Decimal,
    time?: number,
  ): void {
    const s = this.opts.store;
    s.transaction(() => {
      for (const o of orders) s.putOrder(o);
      for (const l of lists) s.putList(l);
      for (const a of assets) s.putBalance(a, this.balance(a));
      const book = this.books.get(symbol);
      if (price) s.setPrice(symbol, price, time ?? 0);
      else if (book && book.lastPrice > 0) s.setPrice(symbol, new Decimal(book.lastPrice), book.lastTime);
      s.setCounters(this.nextOrderId, this.nextListId, this.nextTradeId);
    });
  }

  private legs(list: PaperOrderList): { tp: PaperOrder; sl: PaperOrder } {
    let tp: PaperOrder | undefined;
    let sl: PaperOrder | undefined;
    for (const o of this.orders.values()) {
      if (o.orderId === list.takeProfitOrderId) tp = o;
      else if (o.orderId === list.stopLossOrderId) sl = o;
    }
    if (!tp || !sl) throw new Error(`paper order list ${list.listClientOrderId} lost a leg`);
    return { tp, sl };
  }

  private ocoReport(list: PaperOrderList): OcoReport {
    const { tp, sl } = this.legs(list);
    return {
      symbol: list.symbol,
      listClientOrderId: list.listClientOrderId,
      orderListId: String(list.listId),
      status: list.status,
      takeProfit: report(tp),
      stopLoss: report(sl),
    };
  }

  private emit(o: PaperOrder): void {
    const r = report(o);
    for (const l of this.listeners) l.onOrderUpdate(r);
  }

  private emitBalance(asset: string): void {
    const b = this.balance(asset);
    const total = b.free.add(b.locked);
    for (const l of this.listeners) l.onBalance?.(asset, total);
  }
}

function toResting(list: PaperOrderList, tp: PaperOrder, sl: PaperOrder): Resting {
  return {
    list,
    tp,
    sl,
    tpPrice: tp.price!.toNumber(),
    stopPrice: sl.stopPrice!.toNumber(),
    limitPrice: sl.price ? sl.price.toNumber() : NaN,
    since: tp.time,
  };
}

function report(o: PaperOrder): OrderReport {
  return {
    symbol: o.symbol,
    clientOrderId: o.clientOrderId,
    orderId: String(o.orderId),
    side: o.side,
    type: o.type,
    status: o.status,
    origQty: o.origQty,
    executedQty: o.executedQty,
    cumQuote: o.cumQuote,
    ...(o.price ? { price: o.price } : {}),
    ...(o.stopPrice ? { stopPrice: o.stopPrice } : {}),
    fills: o.fills,
    ...(o.listClientOrderId ? { listClientOrderId: o.listClientOrderId } : {}),
    ...(o.expiryReason ? { expiryReason: o.expiryReason } : {}),
    time: o.time,
  };
}
