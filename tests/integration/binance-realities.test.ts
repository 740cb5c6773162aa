import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Decimal } from '../../electron/core/money/decimal';
import type { FakeBinance } from '../../tools/fake-binance/server';
import { API_KEY, API_SECRET, type LiveHarness } from '../helpers/live-harness';
import { BTC_SET as BTC, useLiveExchange } from '../helpers/live-suite';

/**
 * What the real Binance does that a kind exchange does not, one behaviour per test (issue 7's
 * table), through the engine, BinanceExchange and the real `binance` client over real sockets
 * against the local exchange with that behaviour switched on. Each test ends with the two
 * promises checked: never over-allocated (reservations <= total, the ledger's balance equals the
 * exchange's), and no coin without an order for longer than a retry takes.
 */
const BNB = { ...BTC, symbol: 'BNBUSDT', profitPercent: 10, stopLossPercent: 5 };

describe('the engine against what the real Binance does', () => {
  const live = useLiveExchange();
  const start = live.start;
  const agree = (x: LiveHarness) => live.agree(x);
  const working = (symbol = 'BTCUSDT') => live.working(symbol);

  // Binance's docs do not say whether a list whose activated leg still works is EXECUTING or ALL_DONE: both.
  it.each(['EXECUTING', 'ALL_DONE'] as const)(
    'a take-profit filling trade by trade (list %s meanwhile): each part booked at once; a reversal then sells only what is held',
    async (workingListStatus) => {
      const x = await start({ fake: { workingListStatus } });
      live.fake.faults.setRestingLiquidity(0.002, 'BTCUSDT');
      await x.signal('BTCUSDT', 6);
      const p = x.engine.ledger.position('BTCUSDT')!;
      expect(p.sellQty.toFixed()).toBe('0.00831');
      live.fake.pushTrade('BTCUSDT', 46000.5); // the take-profit (46000) takes 0.002 of 0.00831
      await x.until('the first part', () => x.engine.ledger.position('BTCUSDT')!.soldQty.eq('0.002'));
      // Booked at once: the balance holds the part's proceeds; the total does not count them twice.
      const after = x.engine.ledger.position('BTCUSDT')!;
      expect(after.proceeds.toFixed()).toBe('91.908'); // 0.002 x 46000 - 0.1% commission
      expect(x.engine.ledger.totalBalance().toFixed()).toBe('1000');
      live.fake.pushTrade('BTCUSDT', 46001);
      await x.until('the second part', () => x.engine.ledger.position('BTCUSDT')!.soldQty.eq('0.004'));
      expect(x.engine.protectionOf('BTCUSDT').kind).toBe('take-profit-filling');
      live.fake.setPrice('BTCUSDT', 45000);
      await x.signal('BTCUSDT', -6); // reversal: cancel the take-profit's rest, sell the 0.00431 held
      await x.until('the exit', () => x.engine.ledger.position('BTCUSDT') === undefined);
      const sells = live.fake.orders(API_KEY).filter((o) => o.side === 'SELL' && o.type === 'MARKET');
      expect(sells.map((o) => [o.origQty, o.status])).toEqual([['0.00431000', 'FILLED']]);
      expect(x.events.some((e) => e.type === 'error')).toBe(false); // never -2010 insufficient balance
      const t = x.store.trades()[0]!;
      expect([t.quantity.toFixed(), t.exitReason]).toEqual(['0.00831', 'reversal']);
      // Left: only what the buy's fee and the lot step left over (0.00832 - 0.00000832, floored to 0.00001).
      expect(live.fake.account(API_KEY).balances.BTC!.free).toBe('0.00000168');
      agree(x);
    },
  );

  it('a buy answered -1007 that executes 1.5 s later: the reservation stays, the late report books it, its OCO follows', async () => {
    const x = await start({ harness: { timings: { unknownOutcomeWindowMs: 10_000 } } });
    live.fake.faults.failNext({ method: 'POST', path: '/api/v3/order' }, 1, { executeAfterMs: 1500 });
    const t0 = Date.now();
    await x.signal('BTCUSDT', 6);
    expect(x.engine.getAllocationStatus().reservations.map((r) => r.symbol)).toEqual(['BTCUSDT']);
    expect(x.engine.ledger.position('BTCUSDT')?.status).toBe('opening');
    // Before it executes the order does not exist (-2013) at look-ups 1, 2 and 3 (after 50, 200 and
    // 500 ms): each empty look-up leaves it unknown, the reservation held, the position opening.
    await new Promise((r) => setTimeout(r, 1000));
    expect(live.fake.orders(API_KEY).filter((o) => o.side === 'BUY')).toHaveLength(0);
    expect(x.engine.getAllocationStatus().reservations.map((r) => r.symbol)).toEqual(['BTCUSDT']);
    expect(x.engine.ledger.position('BTCUSDT')?.status).toBe('opening');
    await x.until(
      'the late fill to be booked and protected',
      () => x.engine.ledger.position('BTCUSDT')?.status === 'protected',
      8000,
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
    expect(live.fake.orders(API_KEY).filter((o) => o.side === 'BUY')).toHaveLength(1);
    expect(working()).toEqual(['LIMIT_MAKER', 'STOP_LOSS_LIMIT']);
    // Booked as the entry it was, never given up and adopted afterwards.
    expect(x.events.some((e) => e.type === 'error' && /taken as never executed/.test(e.message))).toBe(false);
    expect(x.engine.ledger.position('BTCUSDT')!.id).toBe(1);
    agree(x);
  });

  it('balance events before, after and twice around their fills: the balance is never counted twice', async () => {
    const x = await start();
    live.fake.faults.setUserStreamChaos({ seed: 7, balanceFirst: true, duplicate: 0.5, shuffle: true });
    await x.signal('BTCUSDT', 6);
    live.fake.pushTrade('BTCUSDT', 46100); // take-profit
    await x.until('the take-profit', () => x.engine.ledger.position('BTCUSDT') === undefined);
    await x.engine.checkBalance();
    expect(x.events.some((e) => e.type === 'balance-divergence')).toBe(false);
    await x.signal('BTCUSDT', 6); // the next entry is sized on the real balance
    const total = x.engine.ledger.totalBalance();
    const r = x.engine.getAllocationStatus().reservations[0]!;
    expect(r.reservedAmount).toBe(Number(total.mul(0.333).toDecimalPlaces(8, Decimal.ROUND_DOWN).toFixed()));
    expect(total.lt(1060)).toBe(true); // 1000 + one take-profit, not twice
    agree(x);
  });

  // The skew is the exchange's clock against this computer's: +3000 means this computer is 3 s behind.
  it.each([
    ['3 s behind', 3000],
    ['2 s ahead of', -2000],
    ['3 s ahead of', -3000],
    ['2 s behind', 2000],
  ])(
    "with this computer's clock %s the exchange's: connects, trades and resubscribes after a dropped connection",
    async (_what, skew) => {
      const x = await start({ beforeConnect: (f) => f.faults.setClockSkew(skew) });
      await x.signal('BTCUSDT', 6);
      expect(x.engine.ledger.position('BTCUSDT')?.status).toBe('protected');
      live.fake.dropAllSockets();
      await x.until('the resubscription', () =>
        x.health.some((e) => e.kind === 'user-stream' && e.state === 'reconnected'),
      );
      await live.fake.waitForUserStream(API_KEY);
      live.fake.pushTrade('BTCUSDT', 46100);
      await x.until('the take-profit after the reconnect', () => x.engine.ledger.position('BTCUSDT') === undefined);
      expect(x.health.some((e) => e.kind === 'clock' && Math.abs(e.offsetMs - skew) < 500)).toBe(true);
      agree(x);
    },
  );

  it('429 then 418 on the WebSocket API: at most one subscription attempt per 5 s, subscribed again after the ban', async () => {
    const h = await start({ harness: { userStream: { minAttemptGapMs: 5000 } } });
    const fake = live.fake;
    const before = fake.wsApi.requestCount('userDataStream.subscribe.signature');
    fake.faults.rateLimitWsApiNext(1, { status: 429, retryAfterMs: 1000 });
    fake.faults.rateLimitWsApiNext(1, { status: 418, retryAfterMs: 6000 });
    fake.dropAllSockets();
    await h.until(
      'subscribed again',
      () => fake.wsApi.requestCount('userDataStream.subscribe.signature') >= before + 3,
      30_000,
    );
    await fake.waitForUserStream(API_KEY, 10_000);
    const times = fake.wsApi
      .requestLog()
      .filter((r) => r.method === 'userDataStream.subscribe.signature')
      .map((r) => r.time)
      .slice(-3);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(4900);
    expect(h.health.some((e) => e.kind === 'paused' && e.reason === 'banned')).toBe(true);
    // Stopping is immediate, even mid back-off.
    const t = Date.now();
    await live.closeHarness();
    expect(Date.now() - t).toBeLessThan(1500);
  }, 40_000);

  it.each(['EXECUTING', 'ALL_DONE'] as const)(
    'a stop-limit gapped through (triggered, its limit resting above the market; list %s meanwhile): sold at market after the grace period',
    async (workingListStatus) => {
      const x = await start({ fake: { workingListStatus } });
      await x.signal('BTCUSDT', 6);
      live.fake.pushTrade('BTCUSDT', 39100); // below the stop 39200 and its limit 39160.8: triggers, cannot fill
      await x.until('the stop seen as triggered', () => x.engine.protectionOf('BTCUSDT').kind === 'stop-triggered');
      const state = x.engine.protectionOf('BTCUSDT');
      expect(state.kind === 'stop-triggered' && state.limitPrice?.toFixed()).toBe('39160.8');
      live.fake.pushTrade('BTCUSDT', 38000); // keeps falling
      await x.until('the gapped stop sold at market', () => x.engine.ledger.position('BTCUSDT') === undefined, 5000);
      const t = x.store.trades()[0]!;
      expect(t.exitReason).toBe('gapped-stop');
      expect(t.exitPrice.toFixed()).toBe('38000');
      expect(working()).toEqual([]);
      agree(x);
    },
  );

  it('eventStreamTerminated: subscribed again, and a take-profit a moment later is booked', async () => {
    const x = await start();
    await x.signal('BTCUSDT', 6);
    expect(live.fake.terminateUserStreams(API_KEY)).toBe(1);
    await x.until('the new subscription', () =>
      x.health.some((e) => e.kind === 'user-stream' && e.state === 'reconnected'),
    );
    live.fake.pushTrade('BTCUSDT', 46100);
    await x.until('the take-profit', () => x.engine.ledger.position('BTCUSDT') === undefined);
    expect(x.engine.getAllocationStatus().reservations).toEqual([]);
    agree(x);
  });

  it.each([
    [
      'cancelled in the Binance app',
      (f: FakeBinance, id: string) => f.cancelOrderListAsOtherClient(API_KEY, 'BTCUSDT', id),
    ],
    [
      'EXCHANGE_CANCELED',
      (f: FakeBinance, id: string) => f.expireOrderList(API_KEY, 'BTCUSDT', id, 'EXCHANGE_CANCELED'),
    ],
    ['EXPIRED_IN_MATCH', (f: FakeBinance, id: string) => f.expireOrderList(API_KEY, 'BTCUSDT', id, 'EXPIRED_IN_MATCH')],
  ])('an OCO ended outside Tranche (%s) is replaced within seconds, from the event', async (_how, end) => {
    const x = await start();
    await x.signal('BTCUSDT', 6);
    const first = x.engine.ledger.position('BTCUSDT')!.ocoListClientOrderId!;
    const t = Date.now();
    end(live.fake, first);
    await x.until(
      'a new OCO',
      () => {
        const p = x.engine.ledger.position('BTCUSDT');
        return p?.status === 'protected' && p.ocoListClientOrderId !== first && working().length === 2;
      },
      3000,
    );
    expect(Date.now() - t).toBeLessThan(3000);
    expect(working()).toEqual(['LIMIT_MAKER', 'STOP_LOSS_LIMIT']);
    agree(x);
  });

  it('coins sold outside Tranche: the position closes as "closed outside Tranche" and its reservation is released', async () => {
    const x = await start();
    await x.signal('BTCUSDT', 6);
    const list = x.engine.ledger.position('BTCUSDT')!.ocoListClientOrderId!;
    live.fake.cancelOrderListAsOtherClient(API_KEY, 'BTCUSDT', list);
    live.fake.placeOrderAsOtherClient(API_KEY, {
      symbol: 'BTCUSDT',
      side: 'SELL',
      type: 'MARKET',
      quantity: '0.00831',
    });
    await x.until('the position closed', () => x.engine.ledger.position('BTCUSDT') === undefined, 4000);
    expect(x.store.trades()[0]!.exitReason).toBe('external');
    expect(x.engine.getAllocationStatus().reservations).toEqual([]);
    // Reconcile the outside sale's proceeds into the balance (a trade outside Tranche).
    await x.engine.checkBalance();
    agree(x);
  });

  it('a symbol halted, without OCO or quote-quantity market orders, or with changed filters: no entry while so; positions kept', async () => {
    const x = await start({ prices: { BTCUSDT: 40000, BNBUSDT: 300 }, sets: [BTC, BNB] });
    await x.signal('BNBUSDT', 6);
    expect(x.engine.ledger.position('BNBUSDT')?.status).toBe('protected');
    live.fake.setSymbolStatus('BTCUSDT', 'HALT');
    live.fake.setSymbolStatus('BNBUSDT', 'BREAK');
    await x.engine.refreshRules();
    await x.signal('BTCUSDT', 6);
    expect(x.engine.ledger.position('BTCUSDT')).toBeUndefined();
    expect(x.events.some((e) => e.type === 'skip' && e.reason === 'symbol-blocked')).toBe(true);
    expect(x.engine.ledger.position('BNBUSDT')?.status).toBe('protected'); // kept as it is
    expect(x.events.some((e) => e.type === 'warning' && /BNBUSDT is BREAK .* position stays/.test(e.message))).toBe(
      true,
    );
    for (const flags of [{ ocoAllowed: false }, { quoteOrderQtyMarketAllowed: false }]) {
      live.fake.setSymbolStatus('BTCUSDT', 'TRADING');
      live.fake.setSymbolFlags('BTCUSDT', { ocoAllowed: true, quoteOrderQtyMarketAllowed: true, ...flags });
      await x.engine.refreshRules();
      await x.signal('BTCUSDT', 6);
      expect(x.engine.ledger.position('BTCUSDT')).toBeUndefined();
    }
    live.fake.setSymbolFlags('BTCUSDT', { ocoAllowed: true, quoteOrderQtyMarketAllowed: true });
    live.fake.setSymbolFilters('BTCUSDT', { tickSize: '1.00000000' });
    await x.engine.refreshRules();
    await x.signal('BTCUSDT', 6);
    const tp = live.fake.orders(API_KEY).find((o) => o.symbol === 'BTCUSDT' && o.type === 'LIMIT_MAKER')!;
    expect(tp.price).toBe('46000.00000000');
    const stop = live.fake.orders(API_KEY).find((o) => o.symbol === 'BTCUSDT' && o.type === 'STOP_LOSS_LIMIT')!;
    expect(stop.price).toBe('39160.00000000'); // 39160.8 floored to the new tick of 1
    expect(x.events.some((e) => e.type === 'warning' && /tick size changed/.test(e.message))).toBe(true);
    agree(x);
  });

  it('commission paid in BNB is valued at the BNBUSDT price and taken from the PnL; a BNBUSDT set is warned about', async () => {
    const x = await start({
      prices: { BTCUSDT: 40000, BNBUSDT: 300 },
      balances: { USDT: '1000', BNB: '1' },
      fake: {
        accounts: [{ apiKey: API_KEY, apiSecret: API_SECRET, balances: { USDT: '1000', BNB: '1' }, bnbBurn: true }],
      },
      sets: [BTC, { ...BNB, allocationPercent: 10 }],
    });
    expect(
      x.events.some((e) => e.type === 'warning' && /commission in BNB is on while BNBUSDT trades/.test(e.message)),
    ).toBe(true);
    await x.signal('BTCUSDT', 6);
    const p = x.engine.ledger.position('BTCUSDT')!;
    expect(p.sellQty.eq(p.boughtQty)).toBe(true); // the fee came out of BNB, not of the coins bought
    live.fake.pushTrade('BTCUSDT', 46100);
    await x.until('the take-profit', () => x.engine.ledger.position('BTCUSDT') === undefined);
    const t = x.store.trades()[0]!;
    const bnbFees = new Decimal(1).sub(live.fake.account(API_KEY).balances.BNB!.free); // BNB spent on both fills
    expect(bnbFees.gt(0)).toBe(true);
    // PnL = proceeds - cost - the BNB commission valued at 300
    expect(t.pnl.toFixed(6)).toBe(t.proceeds.sub(t.cost).sub(bnbFees.mul(300)).toFixed(6));
    agree(x);
  });

  it.each([
    ['Ed25519', 'ed25519'],
    ['RSA', 'rsa'],
  ] as const)('%s API keys: signed REST and the WebSocket API subscription both work', async (_n, type) => {
    const pair = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
    const publicKeyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const key = `${type}-test-key-0001`;
    const h = await start({
      fake: { accounts: [{ apiKey: key, publicKeyPem, balances: { USDT: '1000' } }] },
      harness: { credentials: { apiKey: key, apiSecret: privatePem } },
    });
    await h.signal('BTCUSDT', 6);
    expect(h.engine.ledger.position('BTCUSDT')?.status).toBe('protected');
    live.fake.pushTrade('BTCUSDT', 46100);
    await h.until(
      'the take-profit, from the user data stream',
      () => h.engine.ledger.position('BTCUSDT') === undefined,
    );
    expect(live.fake.account(key).balances.USDT!.free).toBe(h.engine.ledger.balance.toFixed(8));
  });

  it('an exit whose market sale keeps failing (HTTP 503) after the OCO was cancelled: retried, then the OCO is put back within the budget; the deferred exit finishes', async () => {
    const x = await start();
    await x.signal('BTCUSDT', 6);
    live.fake.setPrice('BTCUSDT', 40500);
    live.fake.faults.failNext({ method: 'POST', path: '/api/v3/order' }, 50, { status: 503 });
    const t = Date.now();
    await x.signal('BTCUSDT', -6);
    // Within the retry budget (0.8 s here) and its look-ups: protected again, the exit deferred.
    await x.until(
      'the OCO back on the coins',
      () => working().length === 2 && x.engine.ledger.position('BTCUSDT')?.status === 'protected',
      3000,
    );
    expect(Date.now() - t).toBeLessThan(2500);
    expect(x.events.some((e) => e.type === 'exit-deferred')).toBe(true);
    // The exchange heals: the deferred exit finishes.
    live.fake.faults.reset();
    await x.until('the exit', () => x.engine.ledger.position('BTCUSDT') === undefined, 5000);
    expect(x.store.trades()[0]!.exitReason).toBe('reversal');
    expect(
      live.fake.orders(API_KEY).filter((o) => o.side === 'SELL' && o.type === 'MARKET' && o.status === 'FILLED'),
    ).toHaveLength(1);
    agree(x);
  });

  it('an exit sale answered 429 with Retry-After: nothing is sent until then, and the sale goes out first thing after', async () => {
    const x = await start();
    await x.signal('BTCUSDT', 6);
    live.fake.setPrice('BTCUSDT', 40500);
    live.fake.faults.rateLimitNext(1, { status: 429, retryAfterSeconds: 1 }, { method: 'POST', path: '/api/v3/order' });
    const t = Date.now();
    await x.signal('BTCUSDT', -6);
    await x.until('the exit', () => x.engine.ledger.position('BTCUSDT') === undefined, 5000);
    expect(Date.now() - t).toBeGreaterThanOrEqual(950);
    const requests = live.fake.orderRequests().filter((r) => r.path === '/api/v3/order' && r.time > t);
    expect(requests.map((r) => r.accepted)).toEqual([true]); // the 429 was answered before the request was read
    expect(x.health.some((e) => e.kind === 'paused' && e.reason === 'rate-limited')).toBe(true);
    agree(x);
  });

  it('a timeout on the exit sale that executed: looked up, booked, never sold twice', async () => {
    const x = await start({ harness: { requestTimeoutMs: 400 } });
    await x.signal('BTCUSDT', 6);
    live.fake.setPrice('BTCUSDT', 40500);
    live.fake.faults.timeoutNext({ method: 'POST', path: '/api/v3/order' }, 1, { afterAccept: true });
    await x.signal('BTCUSDT', -6);
    await x.until('the exit', () => x.engine.ledger.position('BTCUSDT') === undefined, 5000);
    expect(live.fake.orders(API_KEY).filter((o) => o.side === 'SELL' && o.type === 'MARKET')).toHaveLength(1);
    agree(x);
  });
});
