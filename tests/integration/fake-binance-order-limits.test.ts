import { afterEach, describe, expect, it } from 'vitest';
import { hmacSigner, signedRest } from '../../tools/fake-binance/raw-client';
import { startFakeBinance, type FakeBinance, type FakeBinanceOptions } from '../../tools/fake-binance/server';

/**
 * The unfilled order count (rest-api.md "Unfilled Order Count", faqs/order_count_decrement.md):
 * ORDERS per 10 SECOND and per DAY in exchangeInfo, counted per account in fixed intervals, an OCO
 * counting 2, an order's first fill taking it off again, X-MBX-ORDER-COUNT-10S / -1D on success and
 * 429 -1015 over the limit. And the rules for using a client order id again.
 */

const KEY = 'orders-key';
const SECRET = 'orders-secret';
const BTC = 'BTCUSDT';
const sign = hmacSigner(SECRET);
/** 12:00:30 UTC, standing still: the 10-second interval runs to 12:00:40, the day to midnight. */
const T0 = Date.UTC(2026, 0, 5, 12, 0, 30);

let fake: FakeBinance;
afterEach(() => fake.close());

async function start(options: FakeBinanceOptions = {}): Promise<void> {
  fake = await startFakeBinance({
    symbols: [BTC],
    accounts: [{ apiKey: KEY, apiSecret: SECRET, balances: { USDT: '1000', BTC: '0.01' } }],
    time: T0,
    ...options,
  });
  fake.setPrice(BTC, 40_000);
}

/** Signed with the fake's clock, which stands still at T0. */
const api = (method: 'GET' | 'POST' | 'DELETE', path: string, params: Record<string, string | number> = {}) =>
  signedRest(fake.restUrl, KEY, sign, method, path, { timestamp: fake.now(), ...params });
const bid = (id: string, price = '30000') =>
  api('POST', '/api/v3/order', {
    symbol: BTC,
    side: 'BUY',
    type: 'LIMIT_MAKER',
    quantity: '0.001',
    price,
    newClientOrderId: id,
  });
const counts = (res: { headers: Headers }) => [
  res.headers.get('x-mbx-order-count-10s'),
  res.headers.get('x-mbx-order-count-1d'),
];
const oco = (id: string) =>
  api('POST', '/api/v3/orderList/oco', {
    symbol: BTC,
    side: 'SELL',
    quantity: '0.001',
    aboveType: 'LIMIT_MAKER',
    abovePrice: '41000',
    belowType: 'STOP_LOSS_LIMIT',
    belowStopPrice: '39000',
    belowPrice: '38960',
    belowTimeInForce: 'GTC',
    listClientOrderId: id,
  });

describe('unfilled order count', () => {
  it('counts per 10-second interval and per day; 429 -1015 with Retry-After over the limit; fills take orders off', async () => {
    await start({ ordersPer10s: 3, ordersPerDay: 6 });
    const info = (await (await fetch(`${fake.restUrl}/api/v3/exchangeInfo`)).json()) as { rateLimits: unknown[] };
    expect(info.rateLimits).toContainEqual({ rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 3 });
    expect(info.rateLimits).toContainEqual({ rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 6 });

    expect(counts(await bid('a'))).toEqual(['1', '1']);
    expect(counts(await bid('b'))).toEqual(['2', '2']);
    const rejected = await api('POST', '/api/v3/order', {
      symbol: BTC,
      side: 'BUY',
      type: 'MARKET',
      quoteOrderQty: '5000',
    });
    expect(rejected.body).toMatchObject({ code: -2010 }); // not counted
    expect(counts(await bid('c'))).toEqual(['3', '3']);
    const over = await bid('d');
    expect([over.status, over.body, over.headers.get('retry-after')]).toEqual([
      429,
      { code: -1015, msg: 'Too many new orders; current limit is 3 orders per 10 SECOND.' },
      '10',
    ]);
    expect(fake.orders().map((o) => o.clientOrderId)).toEqual(['a', 'b', 'c']);

    fake.setTime(T0 + 10_000); // the next 10-second interval
    // A MARKET order counts, and its first fill takes it off again.
    const market = await api('POST', '/api/v3/order', {
      symbol: BTC,
      side: 'BUY',
      type: 'MARKET',
      quoteOrderQty: '20',
    });
    expect(counts(market)).toEqual(['0', '3']);
    // A resting order's first fill (as maker) takes one off as well.
    fake.pushTrade(BTC, 29_999);
    expect(fake.unfilledOrderCount(KEY)).toEqual({ tenSeconds: 0, day: 0 });
    expect((await api('GET', '/api/v3/rateLimit/order')).body).toEqual([
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 3, count: 0 },
      { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 6, count: 0 },
    ]);
  });

  it('an OCO counts 2; the day limit has its own message and lasts to 00:00 UTC', async () => {
    await start({ ordersPer10s: 100, ordersPerDay: 3 });
    expect(counts(await oco('L1'))).toEqual(['2', '2']);
    const over = await oco('L2');
    expect([over.status, over.body, over.headers.get('retry-after')]).toEqual([
      429,
      { code: -1015, msg: 'Too many new orders; current limit is 3 orders per 1 DAY.' },
      String(12 * 3600 - 30),
    ]);
    expect(counts(await bid('one'))).toEqual(['3', '3']);
  });

  it('makerFirstFillCredit: a first fill as maker may take more than one order off (never below zero)', async () => {
    await start({ makerFirstFillCredit: 5 });
    for (const id of ['a', 'b', 'c']) await bid(id);
    await bid('d', '31000');
    await bid('e', '32000');
    expect(fake.unfilledOrderCount(KEY)).toEqual({ tenSeconds: 5, day: 5 });
    fake.pushTrade(BTC, 31_500); // fills e only
    expect(fake.unfilledOrderCount(KEY)).toEqual({ tenSeconds: 0, day: 0 });
  });
});

describe('using a client order id again', () => {
  it('default: once the previous order or list is closed (cancelled included)', async () => {
    await start();
    await bid('x');
    expect((await bid('x')).body).toEqual({ code: -2010, msg: 'Duplicate order sent.' });
    await api('DELETE', '/api/v3/order', { symbol: BTC, origClientOrderId: 'x' });
    expect((await bid('x')).status).toBe(200);
    await oco('L');
    expect((await oco('L')).body).toEqual({ code: -2010, msg: 'Duplicate order sent.' });
    await api('DELETE', '/api/v3/orderList', { symbol: BTC, listClientOrderId: 'L' });
    expect((await oco('L')).status).toBe(200);
  });

  it('whenFilledOrExpired: an order id only after a fill, a list id only after a fill or a complete expiry', async () => {
    await start({ clientOrderIdReuse: 'whenFilledOrExpired' });
    await bid('x');
    await api('DELETE', '/api/v3/order', { symbol: BTC, origClientOrderId: 'x' });
    expect((await bid('x')).body).toEqual({ code: -2010, msg: 'Duplicate order sent.' });
    const m = () =>
      api('POST', '/api/v3/order', {
        symbol: BTC,
        side: 'BUY',
        type: 'MARKET',
        quoteOrderQty: '20',
        newClientOrderId: 'm',
      });
    expect((await m()).body).toMatchObject({ status: 'FILLED' });
    expect((await m()).status).toBe(200);

    await oco('L');
    await api('DELETE', '/api/v3/orderList', { symbol: BTC, listClientOrderId: 'L' });
    expect((await oco('L')).body).toEqual({ code: -2010, msg: 'Duplicate order sent.' });
    await oco('F');
    fake.setPrice(BTC, 41_001); // take profit: one leg FILLED, the other EXPIRED
    fake.setPrice(BTC, 40_000);
    expect((await oco('F')).status).toBe(200);
    fake.expireOrderList(KEY, BTC, 'F', 'EXCHANGE_CANCELED'); // completely expired
    expect((await oco('F')).status).toBe(200);
  });
});
