import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Decimal } from '../../electron/core/money/decimal';
import type { FakeBinance } from '../../tools/fake-binance/server';
import { API_KEY, liveHarness, startFake, type LiveHarness } from '../helpers/live-harness';
import { ledgerProblems } from '../helpers/ledger-consistency';
import { BTC_SET as BTC } from '../helpers/live-suite';
import { sets } from '../helpers/paper-harness';
import { tempDir } from '../helpers/temp';

/**
 * Contract tests of the live adapter: the engine trades through BinanceExchange and the real
 * `binance` client (REST + WebSocket API user data stream) against the local Binance-compatible
 * exchange over real sockets. No test reaches Binance.
 */
const ETH = {
  symbol: 'ETHUSDT',
  allocationPercent: 33.3,
  zScoreThreshold: 6,
  profitPercent: 22,
  stopLossPercent: 6,
  interval: '1m' as const,
};

describe('BinanceExchange against the local exchange', () => {
  let tmp: ReturnType<typeof tempDir>;
  let fake: FakeBinance;
  let h: LiveHarness | undefined;

  beforeEach(async () => {
    tmp = tempDir();
    fake = await startFake({ BTCUSDT: 40000, ETHUSDT: 2500 });
  });
  afterEach(async () => {
    await h?.close();
    h = undefined;
    await fake.close();
    tmp.cleanup();
  });

  /** The ledger and the exchange agree: quote balance, nothing bought twice, every order known. */
  function agree(x: LiveHarness) {
    const usdt = fake.account(API_KEY).balances.USDT!;
    expect(x.engine.ledger.balance.toFixed()).toBe(new Decimal(usdt.free).add(usdt.locked).toFixed());
    const ids = fake.orders(API_KEY).map((o) => o.clientOrderId);
    expect(new Set(ids).size).toBe(ids.length); // no duplicate order, ever
  }

  it('reads exchangeInfo filters, buys by quote with fills and base commission, and protects the net quantity with an OCO', async () => {
    h = await liveHarness(tmp.dir, fake, sets([BTC]));
    const rules = await h.exchange.getSymbolRules('BTCUSDT');
    expect([rules.tickSize.toFixed(), rules.stepSize.toFixed(), rules.minNotional.toFixed()]).toEqual([
      '0.01',
      '0.00001',
      '5',
    ]);
    await h.signal('BTCUSDT', 6);
    const p = h.engine.ledger.position('BTCUSDT')!;
    expect(p.status).toBe('protected');
    expect(p.avgPrice.toFixed()).toBe('40000');
    expect(p.boughtQty.toFixed()).toBe('0.00832'); // floor(333 / 40000, 0.00001)
    expect(p.sellQty.toFixed()).toBe('0.00831'); // minus 0.1% commission in BTC, floored to the step
    const orders = fake.orders(API_KEY);
    expect(orders.map((o) => `${o.side} ${o.type} ${o.status}`).sort()).toEqual([
      'BUY MARKET FILLED',
      'SELL LIMIT_MAKER NEW',
      'SELL STOP_LOSS_LIMIT NEW',
    ]);
    expect(orders.find((o) => o.type === 'LIMIT_MAKER')!.price).toBe('46000.00000000'); // 40000 x 1.15
    const stop = orders.find((o) => o.type === 'STOP_LOSS_LIMIT')!;
    expect([stop.stopPrice, stop.price]).toEqual(['39200.00000000', '39160.80000000']); // x 0.98, then 0.1% below
    expect(orders.every((o) => o.clientOrderId.startsWith(h!.exchange.clientOrderIdPrefix))).toBe(true);
    agree(h);
  });

  it('tracks the request weight Binance reports against the limit exchangeInfo announces', async () => {
    h = await liveHarness(tmp.dir, fake, sets([BTC]));
    await h.signal('BTCUSDT', 6);
    const weights = h.health.filter((x) => x.kind === 'weight');
    expect(weights.length).toBeGreaterThan(0);
    const last = weights.at(-1) as { used: number; limit: number };
    expect(last.limit).toBe(6000);
    expect(last.used).toBeGreaterThan(0);
  });

  it('closes on the take-profit from the user data stream, with the real fill', async () => {
    h = await liveHarness(tmp.dir, fake, sets([BTC]));
    await h.signal('BTCUSDT', 6);
    fake.pushTrade('BTCUSDT', 46100);
    await h.until('the take-profit', () => h!.engine.ledger.position('BTCUSDT') === undefined);
    const t = h.store.trades()[0]!;
    expect([t.exitReason, t.exitPrice.toFixed(), t.quantity.toFixed()]).toEqual(['take-profit', '46000', '0.00831']);
    expect(h.engine.getAllocationStatus().reservations).toEqual([]);
    await h.until('the balance event', () =>
      h!.engine.ledger.balance.eq(new Decimal(fake.account(API_KEY).balances.USDT!.free)),
    );
    agree(h);
  });

  it('closes on the stop-loss when price falls through the stop and fills its limit', async () => {
    h = await liveHarness(tmp.dir, fake, sets([BTC]));
    await h.signal('BTCUSDT', 6);
    fake.pushTrade('BTCUSDT', 39150); // triggers the stop (39200); the limit 39160.8 is above: rests
    fake.pushTrade('BTCUSDT', 39170); // reaches the limit
    await h.until('the stop-loss', () => h!.engine.ledger.position('BTCUSDT') === undefined);
    expect(h.store.trades()[0]!.exitReason).toBe('stop-loss');
    agree(h);
  });

  it('a z-score reversal cancels the OCO and sells at market', async () => {
    h = await liveHarness(tmp.dir, fake, sets([BTC]));
    await h.signal('BTCUSDT', 6);
    fake.setPrice('BTCUSDT', 40500);
    await h.signal('BTCUSDT', -6);
    expect(h.engine.ledger.position('BTCUSDT')).toBeUndefined();
    const orders = fake.orders(API_KEY);
    expect(orders.filter((o) => o.type !== 'MARKET').map((o) => o.status)).toEqual(['CANCELED', 'CANCELED']);
    expect(h.store.trades()[0]).toMatchObject({ exitReason: 'reversal' });
    expect(h.store.trades()[0]!.exitPrice.toFixed()).toBe('40500');
    agree(h);
  });

  it('an emergency stop cancels every OCO, sells every position, clears every reservation', async () => {
    h = await liveHarness(tmp.dir, fake, sets([BTC, ETH]));
    await h.signal('BTCUSDT', 6);
    await h.signal('ETHUSDT', 7);
    await h.engine.emergencyStop();
    expect(h.engine.ledger.openPositions()).toEqual([]);
    expect(h.engine.getAllocationStatus().totalReserved).toBe(0);
    expect(h.store.trades().map((t) => t.exitReason)).toEqual(['emergency', 'emergency']);
    expect(fake.orders(API_KEY).filter((o) => o.status === 'NEW')).toEqual([]);
    agree(h);
  });

  it('a partial fill shrinks the reservation to what was spent and protects what was bought', async () => {
    h = await liveHarness(tmp.dir, fake, sets([BTC]));
    fake.faults.partialFillNextMarket(0.5, 'BUY');
    await h.signal('BTCUSDT', 6);
    const p = h.engine.ledger.position('BTCUSDT')!;
    expect(p.status).toBe('protected');
    expect(p.boughtQty.toNumber()).toBeCloseTo(0.00416, 5);
    expect(h.engine.ledger.reservation('BTCUSDT')!.amount.toFixed()).toBe(p.cost.toFixed());
    expect(h.events.find((e) => e.type === 'buy-filled')).toMatchObject({ partial: true });
    agree(h);
  });

  it('HTTP 503 after the buy was accepted: looked up by client id, protected, never bought twice', async () => {
    h = await liveHarness(tmp.dir, fake, sets([BTC]));
    fake.faults.failNext({ method: 'POST', path: '/api/v3/order' }, 1, { status: 503, afterAccept: true });
    await h.signal('BTCUSDT', 6);
    expect(h.engine.ledger.position('BTCUSDT')?.status).toBe('protected');
    expect(fake.orders(API_KEY).filter((o) => o.side === 'BUY')).toHaveLength(1);
    agree(h);
  });

  it('a timeout after the buy was accepted: the same, no duplicate', async () => {
    h = await liveHarness(tmp.dir, fake, sets([BTC]), { requestTimeoutMs: 500 });
    fake.faults.timeoutNext({ method: 'POST', path: '/api/v3/order' }, 1, { afterAccept: true });
    await h.signal('BTCUSDT', 6);
    expect(h.engine.ledger.position('BTCUSDT')?.status).toBe('protected');
    expect(fake.orders(API_KEY).filter((o) => o.side === 'BUY')).toHaveLength(1);
    agree(h);
  });

  it('HTTP 503 before the buy reached the engine: the reservation stays while it is looked up, then nothing bought, released', async () => {
    h = await liveHarness(tmp.dir, fake, sets([BTC]));
    fake.faults.failNext({ method: 'POST', path: '/api/v3/order' }, 1, { status: 503, afterAccept: false });
    await h.signal('BTCUSDT', 6);
    // A 503 may still execute later: the reservation is kept while the order is looked up.
    expect(h.engine.getAllocationStatus().reservations.map((r) => r.symbol)).toEqual(['BTCUSDT']);
    await h.until('the look-ups to end', () => h!.engine.ledger.position('BTCUSDT') === undefined, 5000);
    expect(h.engine.getAllocationStatus().reservations).toEqual([]);
    expect(fake.orders(API_KEY)).toEqual([]);
    agree(h);
  });

  it('429 with Retry-After pauses every request and releases the reservation; 418 raises the ban alarm', async () => {
    h = await liveHarness(tmp.dir, fake, sets([BTC, ETH]));
    fake.faults.rateLimitNext(1, { status: 429, retryAfterSeconds: 30 }, { method: 'POST', path: '/api/v3/order' });
    await h.signal('BTCUSDT', 6);
    expect(h.engine.getAllocationStatus().reservations).toEqual([]);
    expect(h.health.some((x) => x.kind === 'paused' && x.reason === 'rate-limited')).toBe(true);
    const before = fake.orderRequests().length;
    await h.signal('ETHUSDT', 7); // refused locally while paused: nothing reaches the exchange
    expect(fake.orderRequests().length).toBe(before);
    expect(
      h.events
        .filter((e) => e.type === 'error')
        .map((e) => (e as { message: string }).message)
        .join('\n'),
    ).toMatch(/not sent, Binance asked us to wait/);

    await h.close();
    h = await liveHarness(tmp.dir, fake, sets([BTC]), { ledger: 'second.sqlite' });
    fake.faults.rateLimitNext(1, { status: 418, retryAfterSeconds: 120 }, { method: 'POST', path: '/api/v3/order' });
    await h.signal('BTCUSDT', 6);
    expect(h.health.some((x) => x.kind === 'paused' && x.reason === 'banned')).toBe(true);
  });

  it('an OCO rejected once is retried; rejected twice, the position is sold at market with the reason', async () => {
    h = await liveHarness(tmp.dir, fake, sets([BTC, ETH]));
    fake.faults.rejectNextOco(1);
    await h.signal('BTCUSDT', 6);
    expect(h.engine.ledger.position('BTCUSDT')?.status).toBe('protected');
    fake.faults.rejectNextOco(2, { code: -1013, msg: 'Filter failure: PRICE_FILTER' });
    await h.signal('ETHUSDT', 7);
    expect(h.engine.ledger.position('ETHUSDT')).toBeUndefined();
    expect(h.store.trades()[0]!.exitReason).toBe('unprotectable');
    const rejected = h.events.filter((e) => e.type === 'oco-rejected');
    expect(rejected.at(-1)).toMatchObject({ symbol: 'ETHUSDT', attempt: 2 });
    expect((rejected.at(-1) as { reason: string }).reason).toMatch(
      /price is off the tick size or outside the allowed range/,
    );
    agree(h);
  });

  it('clock skew (-1021) resyncs the offset and the order goes through once', async () => {
    h = await liveHarness(tmp.dir, fake, sets([BTC]));
    fake.faults.setClockSkew(20_000);
    await h.signal('BTCUSDT', 6);
    expect(h.engine.ledger.position('BTCUSDT')?.status).toBe('protected');
    expect(h.health.some((x) => x.kind === 'clock' && Math.abs(x.offsetMs - 20_000) < 2_000)).toBe(true);
    agree(h);
  });

  it('dropped sockets: an OCO that fills while the user stream is down is found after the reconnect', async () => {
    h = await liveHarness(tmp.dir, fake, sets([BTC]));
    await h.signal('BTCUSDT', 6);
    fake.setStreamsAccepting(false);
    fake.dropAllSockets();
    fake.pushTrade('BTCUSDT', 46100); // the take-profit fills; its events go nowhere
    await new Promise((r) => setTimeout(r, 300));
    expect(h.engine.ledger.position('BTCUSDT')?.status).toBe('protected');
    fake.setStreamsAccepting(true);
    await h.until('the resync after the reconnect', () => h!.engine.ledger.position('BTCUSDT') === undefined, 15_000);
    expect(h.store.trades()[0]!.exitReason).toBe('take-profit');
    // The position closes during the resync (its filled leg is found); the resync then re-reads balances.
    await h.until('the end of the resync', () =>
      h!.health.some((x) => x.kind === 'user-stream' && x.state === 'resynced'),
    );
    agree(h);
  });

  it('a restart reconciles: an OCO that filled while the process was gone closes with its real fill', async () => {
    h = await liveHarness(tmp.dir, fake, sets([BTC]));
    await h.signal('BTCUSDT', 6);
    await h.close();
    h = undefined;
    fake.pushTrade('BTCUSDT', 46100);
    h = await liveHarness(tmp.dir, fake, sets([BTC]));
    expect(h.engine.ledger.position('BTCUSDT')).toBeUndefined();
    expect(h.store.trades()[0]).toMatchObject({ exitReason: 'take-profit' });
    expect(h.events.some((e) => e.type === 'reconciled')).toBe(true);
    agree(h);
    expect(ledgerProblems).toBeTypeOf('function');
  });
});
