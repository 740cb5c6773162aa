import { describe, expect, it } from 'vitest';
import { API_KEY } from '../helpers/live-harness';
import { BTC_SET as BTC, useLiveExchange } from '../helpers/live-suite';

/**
 * Protection and exits where Binance's rules bite: a stop-market OCO, a market that closes under a
 * position, the maximum quantity per order, a partial buy that executes late, OCO answers that are
 * lost. Through the engine, BinanceExchange and the real `binance` client against the local exchange.
 */
describe('protection and exits against the real rules of Binance', () => {
  const live = useLiveExchange();
  const start = live.start;
  const agree = (x: Parameters<typeof live.agree>[0]) => live.agree(x);
  const working = () => live.working();
  const orderPosts = (since: number) =>
    live.fake
      .orderRequests()
      .filter((r) => r.time >= since && (r.path === '/api/v3/order' || r.path === '/api/v3/orderList/oco'));

  it('a stop-market OCO: LIMIT_MAKER above, STOP_LOSS below; a gap through the stop sells at market and closes as a stop-loss', async () => {
    const x = await start({ sets: [{ ...BTC, stopOrderType: 'market' }] });
    await x.signal('BTCUSDT', 6);
    expect(x.engine.ledger.position('BTCUSDT')?.status).toBe('protected');
    expect(working()).toEqual(['LIMIT_MAKER', 'STOP_LOSS']);
    const stop = live.fake.orders(API_KEY).find((o) => o.type === 'STOP_LOSS')!;
    expect(stop.stopPrice).toBe('39200.00000000');
    live.fake.pushTrade('BTCUSDT', 38000); // far through the stop: a stop-limit would rest unfilled here
    await x.until('the stop-loss', () => x.engine.ledger.position('BTCUSDT') === undefined);
    const t = x.store.trades()[0]!;
    expect(t.exitReason).toBe('stop-loss');
    expect(t.exitPrice.toFixed()).toBe('38000');
    expect(working()).toEqual([]);
    agree(x);
  });

  it('the market closes (HALT) before a reversal: nothing is sold or sent while halted, the OCO stays; the exit runs once it trades again', async () => {
    const x = await start();
    await x.signal('BTCUSDT', 6);
    live.fake.setSymbolStatus('BTCUSDT', 'HALT');
    await x.engine.refreshRules();
    const t = Date.now();
    await x.signal('BTCUSDT', -6);
    await new Promise((r) => setTimeout(r, 1500)); // three deferred retries (500 ms here)
    // Said once, not at each of the retries.
    expect(
      x.events.filter((e) => e.type === 'exit-deferred' && /market is closed \(HALT\)/.test(e.message)),
    ).toHaveLength(1);
    expect(orderPosts(t)).toEqual([]);
    expect(working()).toEqual(['LIMIT_MAKER', 'STOP_LOSS_LIMIT']); // the OCO rests, ready for the reopening
    live.fake.setSymbolStatus('BTCUSDT', 'TRADING');
    await x.until('the exit after the reopening', () => x.engine.ledger.position('BTCUSDT') === undefined, 4000);
    expect(x.store.trades()[0]!.exitReason).toBe('reversal');
    agree(x);
  });

  it('the market closes unannounced during a reversal: the sale is refused once, the rules are read again, nothing is sent in a loop; reopened, the exit finishes', async () => {
    const x = await start();
    await x.signal('BTCUSDT', 6);
    live.fake.setSymbolStatus('BTCUSDT', 'HALT'); // the engine still believes it trades
    const t = Date.now();
    await x.signal('BTCUSDT', -6);
    await new Promise((r) => setTimeout(r, 2000));
    // The cancel went through (cancels work on HALT), the sale was refused "Market is closed.", and
    // then nothing more: no OCO or sale retried against a closed market.
    const posts = orderPosts(t);
    expect(posts.map((r) => r.path)).toEqual(['/api/v3/order']);
    expect(x.events.some((e) => e.type === 'error' && /NOT protected: the market is closed/.test(e.message))).toBe(
      true,
    );
    expect(x.events.filter((e) => e.type === 'error' && /NOT protected/.test(e.message))).toHaveLength(1);
    live.fake.setSymbolStatus('BTCUSDT', 'TRADING');
    await x.until('the exit after the reopening', () => x.engine.ledger.position('BTCUSDT') === undefined, 4000);
    expect(x.store.trades()[0]!.exitReason).toBe('reversal');
    agree(x);
  });

  it('a market sale larger than MARKET_LOT_SIZE maxQty is split into orders of at most maxQty', async () => {
    const x = await start();
    await x.signal('BTCUSDT', 6);
    expect(x.engine.ledger.position('BTCUSDT')!.sellQty.toFixed()).toBe('0.00831');
    live.fake.setSymbolFilters('BTCUSDT', { marketMaxQty: '0.003' });
    await x.engine.refreshRules();
    live.fake.setPrice('BTCUSDT', 40500);
    await x.signal('BTCUSDT', -6);
    await x.until('the exit', () => x.engine.ledger.position('BTCUSDT') === undefined);
    const sells = live.fake.orders(API_KEY).filter((o) => o.side === 'SELL' && o.type === 'MARKET');
    expect(sells.map((o) => [o.origQty, o.status])).toEqual([
      ['0.00300000', 'FILLED'],
      ['0.00300000', 'FILLED'],
      ['0.00231000', 'FILLED'],
    ]);
    expect(x.store.trades()[0]!.quantity.toFixed()).toBe('0.00831');
    agree(x);
  });

  it('a buy answered -1007 that executes late and only in part: the part is booked and protected, the reservation kept for it', async () => {
    const x = await start({ harness: { timings: { unknownOutcomeWindowMs: 10_000 } } });
    live.fake.faults.partialFillNextMarket(0.5, 'BUY');
    live.fake.faults.failNext({ method: 'POST', path: '/api/v3/order' }, 1, { executeAfterMs: 800 });
    await x.signal('BTCUSDT', 6);
    expect(x.engine.ledger.position('BTCUSDT')?.status).toBe('opening');
    await x.until('the protected part', () => x.engine.ledger.position('BTCUSDT')?.status === 'protected', 6000);
    const p = x.engine.ledger.position('BTCUSDT')!;
    const buy = live.fake.orders(API_KEY).find((o) => o.side === 'BUY')!;
    expect(buy.status).toBe('EXPIRED');
    expect(p.boughtQty.toFixed(8)).toBe(buy.executedQty);
    expect(p.cost.toFixed(8)).toBe(buy.cummulativeQuoteQty);
    const legs = live.fake.orders(API_KEY).filter((o) => o.type === 'LIMIT_MAKER' || o.type === 'STOP_LOSS_LIMIT');
    expect(legs.map((o) => o.origQty)).toEqual([p.sellQty.toFixed(8), p.sellQty.toFixed(8)]);
    agree(x);
  });

  it('a buy whose answer is held while the user data stream tells of its fill: protected from the stream at once, not after the request timeout', async () => {
    // The request timeout is 4 s here: waiting for it (and a look-up) the coins would go 4 s and more without an OCO.
    const x = await start({ harness: { requestTimeoutMs: 4000, timings: { unknownOutcomeWindowMs: 10_000 } } });
    live.fake.faults.timeoutNext({ method: 'POST', path: '/api/v3/order' }, 1, { executeAfterMs: 300, holdMs: 6000 });
    const t = Date.now();
    const entering = x.signal('BTCUSDT', 6);
    await x.until('protected', () => x.engine.ledger.position('BTCUSDT')?.status === 'protected', 8000);
    expect(Date.now() - t).toBeLessThan(2500);
    await entering;
    const p = x.engine.ledger.position('BTCUSDT')!;
    const buy = live.fake.orders(API_KEY).find((o) => o.side === 'BUY')!;
    expect(p.boughtQty.toFixed(8)).toBe(buy.executedQty);
    expect(working()).toEqual(['LIMIT_MAKER', 'STOP_LOSS_LIMIT']);
    agree(x);
  });

  it('an OCO whose answer is lost after it was accepted is found and adopted: one OCO, never two', async () => {
    const x = await start();
    live.fake.faults.failNext({ method: 'POST', path: '/api/v3/orderList/oco' }, 1, { afterAccept: true });
    await x.signal('BTCUSDT', 6);
    await x.until('protected', () => x.engine.ledger.position('BTCUSDT')?.status === 'protected', 4000);
    expect(working()).toEqual(['LIMIT_MAKER', 'STOP_LOSS_LIMIT']);
    expect(live.fake.orderRequests().filter((r) => r.path === '/api/v3/orderList/oco')).toHaveLength(1);
    agree(x);
  });

  it('an OCO request held past the timeout and never processed: said at once, looked up for the retry budget, then the next attempt placed at once (not after a deferred retry)', async () => {
    // Look-ups of up to 4 s and a deferred retry of 4 s: waiting for the deferred retry the coins
    // would wait 2 s (the timeout) + 4 s + 4 s.
    const x = await start({
      harness: { timings: { exitRetryBudgetMs: 4000, deferredRetryMs: 4000, unknownOutcomeWindowMs: 10_000 } },
    });
    const ocoPosts = () => live.fake.orderRequests().filter((r) => r.path === '/api/v3/orderList/oco');
    live.fake.faults.timeoutNext({ method: 'POST', path: '/api/v3/orderList/oco' }, 1, {
      afterAccept: false,
      holdMs: 3000,
    });
    const entering = x.signal('BTCUSDT', 6);
    const pending = () => {
      const p = x.engine.ledger.position('BTCUSDT');
      return !!p && x.engine.ledger.ordersOf(p.id).some((o) => o.purpose === 'take-profit' && o.state === 'pending');
    };
    await x.until('the OCO sent', pending, 4000);
    const sentAt = Date.now();
    await entering;
    await x.until('protected', () => x.engine.ledger.position('BTCUSDT')?.status === 'protected', 12_000);
    // 2 s timeout + 4 s of look-ups; generous for a busy machine, below the 10 s with the deferred retry.
    expect(Date.now() - sentAt).toBeLessThan(8000);
    // Told as soon as the answer was lost, before the look-ups.
    const said = x.events.find((e) => e.type === 'error' && /the OCO's outcome is unknown/.test(e.message));
    expect(said).toBeDefined();
    // The held request never reached the matching engine (the local exchange records only those
    // that did): one accepted request, the second attempt's ids.
    expect(ocoPosts().map((r) => r.accepted)).toEqual([true]);
    expect(x.engine.ledger.position('BTCUSDT')!.ocoListClientOrderId).toMatch(/-1o2$/);
    expect(working()).toEqual(['LIMIT_MAKER', 'STOP_LOSS_LIMIT']);
    agree(x);
  });

  it('an OCO answered -1007 after it was accepted, its first look-up failing: not sent again (it may rest), looked up until found and adopted; one request', async () => {
    const x = await start();
    const ocoPosts = () => live.fake.orderRequests().filter((r) => r.path === '/api/v3/orderList/oco');
    live.fake.faults.failNext({ method: 'POST', path: '/api/v3/orderList/oco' }, 1, { afterAccept: true });
    // Four 503s: the first look-up's every attempt (READ_RETRY) fails.
    live.fake.faults.failNext({ method: 'GET', path: '/api/v3/orderList' }, 4, { status: 503 });
    await x.signal('BTCUSDT', 6);
    await x.until('protected', () => x.engine.ledger.position('BTCUSDT')?.status === 'protected', 8000);
    expect(ocoPosts().map((r) => r.accepted)).toEqual([true]);
    expect(working()).toEqual(['LIMIT_MAKER', 'STOP_LOSS_LIMIT']);
    agree(x);
  });

  it('an OCO answered -1007 before it was processed, placed 600 ms later: looked up until it shows and adopted; never sent again (a same-ids resend would pass once that list is done)', async () => {
    const x = await start({ harness: { timings: { exitRetryBudgetMs: 4000 } } });
    const ocoPosts = () => live.fake.orderRequests().filter((r) => r.path === '/api/v3/orderList/oco');
    live.fake.faults.failNext({ method: 'POST', path: '/api/v3/orderList/oco' }, 1, { executeAfterMs: 600 });
    await x.signal('BTCUSDT', 6);
    await x.until('protected', () => x.engine.ledger.position('BTCUSDT')?.status === 'protected', 4000);
    await new Promise((r) => setTimeout(r, 300));
    expect(ocoPosts().map((r) => r.accepted)).toEqual([true]);
    expect(x.engine.ledger.position('BTCUSDT')!.ocoListClientOrderId).toMatch(/-1o1$/);
    expect(working()).toEqual(['LIMIT_MAKER', 'STOP_LOSS_LIMIT']);
    agree(x);
  });

  it('an OCO whose answer is held while its stop-loss fills: found done at the first look-up, never sent again (a resend would pass the id check and be refused for the sold coins)', async () => {
    const x = await start();
    const ocoPosts = () => live.fake.orderRequests().filter((r) => r.path === '/api/v3/orderList/oco');
    live.fake.faults.timeoutNext({ method: 'POST', path: '/api/v3/orderList/oco' }, 1, {
      afterAccept: true,
      holdMs: 3000,
    });
    const entering = x.signal('BTCUSDT', 6);
    await x.until('the OCO resting', () => live.working().length === 2, 4000);
    live.fake.pushTrade('BTCUSDT', 39199); // through the stop (39200), above its limit: the stop-limit fills
    await entering;
    await x.until('the stop-loss', () => x.engine.ledger.position('BTCUSDT') === undefined, 8000);
    expect(x.store.trades()[0]!.exitReason).toBe('stop-loss');
    expect(ocoPosts().map((r) => r.accepted)).toEqual([true]);
    const refused = live.fake.orderRequests().filter((r) => r.error && /insufficient balance/i.test(r.error.msg));
    expect(refused).toEqual([]);
    agree(x);
  });

  it('an OCO answered 503 twice before it reached the matching engine: looked up within the retry budget each time (a 5xx may have executed), then placed again; one OCO in the end', async () => {
    const x = await start();
    live.fake.faults.failNext({ method: 'POST', path: '/api/v3/orderList/oco' }, 2, { status: 503 });
    const t = Date.now();
    await x.signal('BTCUSDT', 6);
    await x.until('protected', () => x.engine.ledger.position('BTCUSDT')?.status === 'protected', 6000);
    // Two look-ups of at most the retry budget (0.8 s here), then the third placement: a bound on
    // how long the coins waited without an order (generous: the machine may be busy).
    expect(Date.now() - t).toBeLessThan(6000);
    expect(x.events.filter((e) => e.type === 'oco-rejected')).toHaveLength(2);
    expect(working()).toEqual(['LIMIT_MAKER', 'STOP_LOSS_LIMIT']);
    const listIds = new Set(live.fake.orders(API_KEY).flatMap((o) => (o.orderListId >= 0 ? [o.orderListId] : [])));
    expect(listIds.size).toBe(1);
    agree(x);
  });

  it('OCO prices below 1e-6 go out as plain decimals (0.000000xx, never 9.2e-7): accepted, the position protected', async () => {
    const price = 0.00000094;
    const x = await start({
      fake: { referencePrices: { PEPEUSDT: price } },
      prices: { PEPEUSDT: price },
      balances: { USDT: '20' },
      sets: [{ ...BTC, symbol: 'PEPEUSDT', profitPercent: 3, stopLossPercent: 2 }],
    });
    await x.signal('PEPEUSDT', 6);
    const p = x.engine.ledger.position('PEPEUSDT')!;
    expect(p.status).toBe('protected');
    const legs = live.fake.orders(API_KEY).filter((o) => o.symbol === 'PEPEUSDT' && o.side === 'SELL');
    const stop = legs.find((o) => o.type === 'STOP_LOSS_LIMIT')!;
    const tp = legs.find((o) => o.type === 'LIMIT_MAKER')!;
    expect(Number(stop.stopPrice)).toBeLessThan(1e-6);
    expect(stop.stopPrice).toBe(p.stopPrice!.toFixed(8));
    expect(stop.price).toBe(p.stopLimitPrice!.toFixed(8));
    expect(tp.price).toBe(p.takeProfitPrice!.toFixed(8));
    // What went over the wire: every OCO request's prices as plain decimals.
    const wire = live.fake.orderRequests().filter((r) => r.path === '/api/v3/orderList/oco');
    expect(wire.map((r) => r.accepted)).toEqual([true]);
    expect(live.working('PEPEUSDT')).toEqual(['LIMIT_MAKER', 'STOP_LOSS_LIMIT']);
    agree(x);
  });

  it('an OCO whose answer is held and that executes late, Tranche crashing meanwhile: the restart looks it up until it shows and places no second one', async () => {
    const x = await start({ harness: { timings: { exitRetryBudgetMs: 5000, unknownOutcomeWindowMs: 10_000 } } });
    const ocoRequests = () => live.fake.orderRequests().filter((r) => r.path === '/api/v3/orderList/oco');
    // No answer (held), placed 2.5 s later: until then the exchange does not know it, and the
    // restarted engine's first look-up finds nothing.
    live.fake.faults.timeoutNext({ method: 'POST', path: '/api/v3/orderList/oco' }, 1, {
      executeAfterMs: 2500,
      holdMs: 5000,
    });
    const entering = x.signal('BTCUSDT', 6);
    // The OCO is recorded (pending) before it is sent; the crash comes once its -1007 is in.
    const legsPending = () => {
      const p = x.engine.ledger.position('BTCUSDT');
      return !!p && x.engine.ledger.ordersOf(p.id).some((o) => o.purpose === 'take-profit' && o.state === 'pending');
    };
    await x.until('the OCO sent', legsPending, 4000);
    await new Promise((r) => setTimeout(r, 100));
    const y = await live.crashRestart();
    await entering.catch(() => undefined);
    await y.until('protected', () => y.engine.ledger.position('BTCUSDT')?.status === 'protected', 8000);
    // The late OCO, looked up until it showed, is the protection; no second one was sent.
    expect(ocoRequests().map((r) => r.clientOrderIds[0]!.replace(/^.*-/, ''))).toEqual(['1o1']);
    expect(y.engine.ledger.position('BTCUSDT')!.ocoListClientOrderId).toMatch(/-1o1$/);
    expect(live.working()).toEqual(['LIMIT_MAKER', 'STOP_LOSS_LIMIT']);
    agree(y);
  });

  it('a market sale answered -1007 that executes late, Tranche crashing meanwhile: the restart looks it up until it shows and never sells twice', async () => {
    const x = await start({ harness: { timings: { exitRetryBudgetMs: 5000, unknownOutcomeWindowMs: 10_000 } } });
    await x.signal('BTCUSDT', 6);
    const sales = () =>
      live.fake.orderRequests().filter((r) => r.path === '/api/v3/order' && r.method === 'POST' && r.side === 'SELL');
    live.fake.faults.failNext({ method: 'POST', path: '/api/v3/order' }, 1, { executeAfterMs: 2500 });
    const exiting = x.signal('BTCUSDT', -6);
    const salePending = () => {
      const p = x.engine.ledger.position('BTCUSDT');
      return !!p && x.engine.ledger.ordersOf(p.id).some((o) => o.purpose === 'exit' && o.state === 'pending');
    };
    await x.until('the sale sent', salePending, 4000);
    await new Promise((r) => setTimeout(r, 100));
    const y = await live.crashRestart();
    await exiting.catch(() => undefined);
    const sentAt = Date.now();
    await y.until('the position closed', () => y.engine.ledger.position('BTCUSDT') === undefined, 8000);
    // Past the moment the first sale executes (2.5 s after it was sent): still one sale.
    await new Promise((r) => setTimeout(r, Math.max(0, sentAt + 2600 - Date.now())));
    expect(sales()).toHaveLength(1);
    expect(
      live.fake
        .orders(API_KEY)
        .filter((o) => o.side === 'SELL' && o.type === 'MARKET')
        .map((o) => o.status),
    ).toEqual(['FILLED']);
    expect(y.store.trades()[0]!.exitReason).toBe('reversal');
    agree(y);
  });

  it('a market sale taken as never executed that executes late, Tranche restarted: its fill is booked, not taken as coins sold outside Tranche', async () => {
    // The look-ups give up before the sale executes (budget 300 ms, executed after 800 ms).
    const x = await start({ harness: { timings: { exitRetryBudgetMs: 300, unknownOutcomeWindowMs: 10_000 } } });
    await x.signal('BTCUSDT', 6);
    live.fake.faults.failNext({ method: 'POST', path: '/api/v3/order' }, 1, { executeAfterMs: 800 });
    // The balance reads (before each sale) are slow: the late sale executes, and the crash comes, meanwhile.
    live.fake.faults.setLatency(2000, { method: 'GET', path: '/api/v3/account' });
    const exiting = x.signal('BTCUSDT', -6);
    const saleRefused = () => {
      const p = x.engine.ledger.position('BTCUSDT');
      return !!p && x.engine.ledger.ordersOf(p.id).some((o) => o.purpose === 'exit' && o.state === 'rejected');
    };
    await x.until('the sale taken as never executed', saleRefused, 15_000);
    // The sale executes late; the restart has forgotten that it was ever sent.
    await new Promise((r) => setTimeout(r, 1200));
    live.fake.faults.setLatency(0, { method: 'GET', path: '/api/v3/account' });
    const y = await live.crashRestart();
    await exiting.catch(() => undefined);
    await y.until('the position closed', () => y.engine.ledger.position('BTCUSDT') === undefined, 8000);
    const sale = live.fake
      .orders(API_KEY)
      .find((o) => o.side === 'SELL' && o.type === 'MARKET' && o.status === 'FILLED');
    expect(sale).toBeDefined();
    const position = y.store.positionsAll().find((p) => p.symbol === 'BTCUSDT')!;
    const recorded = y.store.ordersForPosition(position.id).find((o) => o.clientOrderId === sale!.clientOrderId);
    expect(recorded?.state).toBe('filled');
    expect(y.store.fillsForOrder(sale!.clientOrderId).length).toBeGreaterThan(0);
    expect(y.store.trades()[0]!.exitReason).toBe('reversal');
    agree(y);
  });

  it('a restart reconciles every symbol at once: one whose OCO request hangs does not keep another unprotected', async () => {
    const BNB = { ...BTC, symbol: 'BNBUSDT', profitPercent: 10, stopLossPercent: 5 };
    const x = await start({ prices: { BTCUSDT: 40000, BNBUSDT: 300 }, sets: [BTC, BNB] });
    await x.signal('BTCUSDT', 6);
    await x.signal('BNBUSDT', 6);
    const lists = ['BTCUSDT', 'BNBUSDT'].map((s) => x.engine.ledger.position(s)!.ocoListClientOrderId!);
    let restartedAt = 0;
    const y = await live.restart((fake) => {
      // Both OCOs cancelled while down; BTC's new one (reconciled first) is held past the request timeout.
      fake.cancelOrderListAsOtherClient(API_KEY, 'BTCUSDT', lists[0]!);
      fake.cancelOrderListAsOtherClient(API_KEY, 'BNBUSDT', lists[1]!);
      fake.faults.timeoutNext({ method: 'POST', path: '/api/v3/orderList/oco' }, 1, {
        afterAccept: false,
        holdMs: 3000,
      });
      restartedAt = Date.now();
    });
    const bnbOco = live.fake
      .orderRequests()
      .find((r) => r.path === '/api/v3/orderList/oco' && r.symbol === 'BNBUSDT' && r.time > restartedAt);
    expect(bnbOco?.accepted).toBe(true);
    // Sequential, BNB would have waited for BTC's held request (2 s timeout, then its look-ups).
    expect(bnbOco!.time - restartedAt).toBeLessThan(1500);
    await y.until(
      'both protected',
      () => ['BTCUSDT', 'BNBUSDT'].every((s) => y.engine.ledger.position(s)?.status === 'protected'),
      8000,
    );
    agree(y);
  });

  it('a buy whose answer was lost, the trader restarted after the look-up window: released at once, not held for a new window', async () => {
    const x = await start({ harness: { timings: { unknownOutcomeWindowMs: 3000 } } });
    // The buy request is held and never processed: its outcome stays unknown.
    live.fake.faults.timeoutNext({ method: 'POST', path: '/api/v3/order' }, 1, { afterAccept: false, holdMs: 60_000 });
    const entering = x.signal('BTCUSDT', 6);
    await x.until('the buy sent', () => x.engine.ledger.position('BTCUSDT')?.status === 'opening', 4000);
    await new Promise((r) => setTimeout(r, 3200)); // the whole window passes while it is unknown
    const y = await live.crashRestart();
    await entering.catch(() => undefined);
    const restarted = Date.now();
    await y.until('the reservation released', () => y.engine.getAllocationStatus().reservations.length === 0, 6000);
    // One look-up, not a new 3 s window: the window runs from when the buy was sent.
    expect(Date.now() - restarted).toBeLessThan(1500);
    expect(y.engine.ledger.position('BTCUSDT')).toBeUndefined();
    agree(y);
  });

  it('a protected position whose OCO vanished while Tranche was down (cancelled in the app): the restart protects it again', async () => {
    const x = await start();
    await x.signal('BTCUSDT', 6);
    const before = x.engine.ledger.position('BTCUSDT')!;
    const list = before.ocoListClientOrderId!;
    const y = await live.restart((fake) => fake.cancelOrderListAsOtherClient(API_KEY, 'BTCUSDT', list));
    // The start's reconciliation found the list gone and the coins there: a new OCO on them.
    const after = y.engine.ledger.position('BTCUSDT')!;
    expect(after.id).toBe(before.id);
    expect(after.status).toBe('protected');
    expect(after.ocoListClientOrderId).not.toBe(list);
    expect(live.working()).toEqual(['LIMIT_MAKER', 'STOP_LOSS_LIMIT']);
    const newLegs = live.fake.orders(API_KEY).filter((o) => o.orderListId >= 0 && o.status === 'NEW');
    expect(newLegs.map((o) => o.origQty)).toEqual([before.sellQty.toFixed(8), before.sellQty.toFixed(8)]);
    agree(y);
  });
});
