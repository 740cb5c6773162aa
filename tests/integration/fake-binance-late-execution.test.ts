import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hmacSigner, RawWsApi, signedRest, until } from '../../tools/fake-binance/raw-client';
import { startFakeBinance, type FakeBinance } from '../../tools/fake-binance/server';

/**
 * Late execution after an error answer (rest-api.md: -1007 "does not always mean that the request
 * failed in the Matching Engine"): the error is answered at once (or the answer held), the order is
 * placed only `executeAfterMs` later with its events; until then it does not exist (-2013).
 */

const KEY = 'late-key';
const SECRET = 'late-secret';
const BTC = 'BTCUSDT';
const sign = hmacSigner(SECRET);
const ORDER = { method: 'POST', path: '/api/v3/order' } as const;
const TIMEOUT_MSG = 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.';

let fake: FakeBinance;

beforeEach(async () => {
  fake = await startFakeBinance({
    symbols: [BTC],
    accounts: [{ apiKey: KEY, apiSecret: SECRET, balances: { USDT: '1000' } }],
  });
  fake.setPrice(BTC, 40_000);
});
afterEach(() => fake.close());

const api = (method: 'GET' | 'POST', path: string, params: Record<string, string | number>) =>
  signedRest(fake.restUrl, KEY, sign, method, path, params);
const buy = (id: string, extra: Record<string, string | number> = {}) =>
  api('POST', '/api/v3/order', {
    symbol: BTC,
    side: 'BUY',
    type: 'MARKET',
    quoteOrderQty: '100',
    newClientOrderId: id,
    ...extra,
  });
const query = (id: string) => api('GET', '/api/v3/order', { symbol: BTC, origClientOrderId: id });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('failNext with executeAfterMs', () => {
  it('answers 503 -1007 at once; the order does not exist (-2013) until it executes, then its events arrive', async () => {
    const ws = await RawWsApi.connect(fake.wsApiUrl);
    await ws.signed('userDataStream.subscribe.signature', KEY, sign);
    fake.faults.failNext(ORDER, 1, { executeAfterMs: 600 });
    const started = Date.now();
    // recvWindow is checked when the request arrives, not when the backend gets to it.
    const res = await buy('late1', { recvWindow: 100 });
    expect(Date.now() - started).toBeLessThan(500);
    expect([res.status, res.body]).toEqual([503, { code: -1007, msg: TIMEOUT_MSG }]);
    const before = await query('late1');
    expect([before.status, before.body]).toEqual([400, { code: -2013, msg: 'Order does not exist.' }]);
    expect(fake.orders()).toEqual([]);
    expect(ws.events).toEqual([]);

    await until('the late execution', () => fake.orders().length === 1, 10_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(590);
    expect((await query('late1')).body).toMatchObject({ status: 'FILLED', executedQty: '0.00250000' });
    await until('its events', () => ws.events.length === 3);
    expect(ws.events.map((e) => [e.event.e, e.event.x])).toEqual([
      ['executionReport', 'NEW'],
      ['executionReport', 'TRADE'],
      ['outboundAccountPosition', undefined],
    ]);
    expect(fake.orderRequests()).toMatchObject([{ clientOrderIds: ['late1'], accepted: true }]);
    await ws.close();
  });

  it('takes the status given (e.g. 500), and a request whose late execution is rejected leaves nothing', async () => {
    fake.faults.failNext(ORDER, 2, { executeAfterMs: 100, status: 500 });
    const ok = await buy('late2');
    const tooBig = await buy('late3', { quoteOrderQty: '5000' });
    expect([ok.status, tooBig.status]).toEqual([500, 500]);
    await sleep(250);
    expect((await query('late2')).body).toMatchObject({ status: 'FILLED' });
    expect((await query('late3')).body).toEqual({ code: -2013, msg: 'Order does not exist.' });
    expect(fake.orderRequests().map((r) => [r.clientOrderIds[0], r.accepted, r.error?.code])).toEqual([
      ['late2', true, undefined],
      ['late3', false, -2010],
    ]);
  });
});

describe('timeoutNext with executeAfterMs', () => {
  it('holds the answer; the order appears later; a held answer sent after holdMs is the real result', async () => {
    fake.faults.timeoutNext(ORDER, 1, { executeAfterMs: 150, holdMs: 400 });
    const started = Date.now();
    const held = buy('slow1');
    await sleep(50);
    expect((await query('slow1')).body).toMatchObject({ code: -2013 });
    await until('the late execution', () => fake.orders().length === 1, 10_000);
    const res = await held;
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect([res.status, res.body.status]).toEqual([200, 'FILLED']);
  });

  it('a held answer due before the execution is 503 -1007; the order still executes later', async () => {
    fake.faults.timeoutNext(ORDER, 1, { executeAfterMs: 300, holdMs: 100 });
    const res = await buy('slow2');
    expect([res.status, res.body]).toEqual([503, { code: -1007, msg: TIMEOUT_MSG }]);
    expect(fake.orders()).toEqual([]);
    await until('the late execution', () => fake.orders().length === 1, 10_000);
    expect((await query('slow2')).body).toMatchObject({ status: 'FILLED' });
  });

  it('close() cancels executions still pending', async () => {
    fake.faults.failNext(ORDER, 1, { executeAfterMs: 200 });
    expect((await buy('never')).status).toBe(503);
    await fake.close();
    await sleep(300);
    expect(fake.orders()).toEqual([]);
    expect(fake.orderRequests()).toEqual([]);
  });
});
