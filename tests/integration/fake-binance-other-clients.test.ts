import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hmacSigner, RawWsApi, signedRest, until, type WsApiEvent } from '../../tools/fake-binance/raw-client';
import { startFakeBinance, type FakeBinance } from '../../tools/fake-binance/server';

/**
 * Orders and lists changed by somebody else than the API client: cancelled in the Binance app,
 * expired by Binance (EXCHANGE_CANCELED) or by self-trade prevention (TRADE_PREVENTION /
 * EXPIRED_IN_MATCH with the STP fields), an order entered in the app; selfTradePreventionMode echoed
 * everywhere; and -2039 for an orderId and origClientOrderId that do not belong together.
 */

const KEY = 'others-key';
const SECRET = 'others-secret';
const BTC = 'BTCUSDT';
const sign = hmacSigner(SECRET);

let fake: FakeBinance;
let ws: RawWsApi;

beforeEach(async () => {
  fake = await startFakeBinance({
    symbols: [BTC],
    accounts: [{ apiKey: KEY, apiSecret: SECRET, balances: { USDT: '1000', BTC: '0.01' } }],
  });
  fake.setPrice(BTC, 40_000);
  ws = await RawWsApi.connect(fake.wsApiUrl);
  await ws.signed('userDataStream.subscribe.signature', KEY, sign);
});
afterEach(async () => {
  await ws.close();
  await fake.close();
});

const api = (method: 'GET' | 'POST' | 'DELETE', path: string, params: Record<string, string | number> = {}) =>
  signedRest(fake.restUrl, KEY, sign, method, path, params);
const summary = (events: WsApiEvent[]): unknown[][] =>
  events.map(({ event: e }) =>
    e.e === 'executionReport' ? [e.e, e.x, e.X, e.C || e.c] : e.e === 'listStatus' ? [e.e, e.l, e.L] : [e.e],
  );

async function placeOco(): Promise<void> {
  const res = await api('POST', '/api/v3/orderList/oco', {
    symbol: BTC,
    side: 'SELL',
    quantity: '0.003',
    aboveType: 'LIMIT_MAKER',
    abovePrice: '41000',
    belowType: 'STOP_LOSS_LIMIT',
    belowStopPrice: '39000',
    belowPrice: '38960',
    belowTimeInForce: 'GTC',
    listClientOrderId: 'L1',
    aboveClientOrderId: 'TP1',
    belowClientOrderId: 'SL1',
  });
  expect(res.status).toBe(200);
  await until('placement events', () => ws.events.length === 4);
}

describe('order lists ended by somebody else', () => {
  it('cancelOrderListAsOtherClient: CANCELED reports with a new cancel id in c and the leg id in C, ALL_DONE, balances', async () => {
    await placeOco();
    fake.cancelOrderListAsOtherClient(KEY, BTC, 'L1');
    await until('cancel events', () => ws.events.length === 8);
    expect(summary(ws.events.slice(4))).toEqual([
      ['executionReport', 'CANCELED', 'CANCELED', 'SL1'],
      ['executionReport', 'CANCELED', 'CANCELED', 'TP1'],
      ['listStatus', 'ALL_DONE', 'ALL_DONE'],
      ['outboundAccountPosition'],
    ]);
    const cancel = ws.events[4]!.event;
    expect(cancel.c).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(cancel.c).not.toBe('SL1');
    expect(ws.events[5]!.event.c).toBe(cancel.c); // one cancel request for the list
    expect(ws.events[7]!.event).toMatchObject({ B: [{ a: 'BTC', f: '0.01000000', l: '0.00000000' }] });
    expect((await api('GET', '/api/v3/orderList', { origClientOrderId: 'L1' })).body).toMatchObject({
      listOrderStatus: 'ALL_DONE',
    });
    expect((await api('GET', '/api/v3/openOrderList')).body).toEqual([]);
  });

  it('expireOrderList EXCHANGE_CANCELED: every open leg EXPIRED with eR EXCHANGE_CANCELED', async () => {
    await placeOco();
    fake.expireOrderList(KEY, BTC, 'L1', 'EXCHANGE_CANCELED');
    await until('expiry events', () => ws.events.length === 8);
    expect(summary(ws.events.slice(4))).toEqual([
      ['executionReport', 'EXPIRED', 'EXPIRED', 'SL1'],
      ['executionReport', 'EXPIRED', 'EXPIRED', 'TP1'],
      ['listStatus', 'ALL_DONE', 'ALL_DONE'],
      ['outboundAccountPosition'],
    ]);
    expect(ws.events[4]!.event.eR).toBe('EXCHANGE_CANCELED');
    expect(ws.events[5]!.event.eR).toBe('EXCHANGE_CANCELED');
    expect((await api('GET', '/api/v3/order', { symbol: BTC, origClientOrderId: 'TP1' })).body).toMatchObject({
      status: 'EXPIRED',
      expiryReason: 'EXCHANGE_CANCELED',
    });
    expect(fake.account(KEY).balances.BTC).toEqual({ free: '0.01000000', locked: '0.00000000' });
  });

  it('expireOrderList EXPIRED_IN_MATCH: TRADE_PREVENTION with the STP fields on the leg on the book, OCO_TRIGGER on the other', async () => {
    await placeOco();
    fake.expireOrderList(KEY, BTC, 'L1', 'EXPIRED_IN_MATCH', { counterOrderId: 999 });
    await until('expiry events', () => ws.events.length === 8);
    expect(summary(ws.events.slice(4))).toEqual([
      ['executionReport', 'TRADE_PREVENTION', 'EXPIRED_IN_MATCH', 'TP1'],
      ['executionReport', 'EXPIRED', 'EXPIRED', 'SL1'],
      ['listStatus', 'ALL_DONE', 'ALL_DONE'],
      ['outboundAccountPosition'],
    ]);
    expect(ws.events[4]!.event).toMatchObject({
      l: '0.00000000',
      L: '0.00000000',
      Y: '0.00000000',
      v: 0,
      A: '0.00300000',
      B: '0.00300000',
      u: -1,
      U: 999,
      Cs: BTC,
      pl: '0.00300000',
      pL: '41000.00000000',
      pY: '123.00000000',
      V: 'EXPIRE_MAKER',
    });
    expect(ws.events[4]!.event.eR).toBeUndefined();
    expect(ws.events[5]!.event).toMatchObject({ eR: 'OCO_TRIGGER' });
    expect((await api('GET', '/api/v3/order', { symbol: BTC, origClientOrderId: 'TP1' })).body).toMatchObject({
      status: 'EXPIRED_IN_MATCH',
      preventedMatchId: 0,
      preventedQuantity: '0.00300000',
      selfTradePreventionMode: 'EXPIRE_MAKER',
    });
    expect(fake.account(KEY).balances.BTC).toEqual({ free: '0.01000000', locked: '0.00000000' });
  });

  it('placeOrderAsOtherClient: a MARKET SELL from the app goes through matching and the stream', async () => {
    const sold = fake.placeOrderAsOtherClient(KEY, { symbol: BTC, side: 'SELL', type: 'MARKET', quantity: '0.002' });
    expect(sold).toMatchObject({ status: 'FILLED', executedQty: '0.00200000', clientOrderId: expect.any(String) });
    await until('its events', () => ws.events.length === 3);
    expect(summary(ws.events)).toEqual([
      ['executionReport', 'NEW', 'NEW', sold.clientOrderId],
      ['executionReport', 'TRADE', 'FILLED', sold.clientOrderId],
      ['outboundAccountPosition'],
    ]);
    expect(fake.account(KEY).balances.BTC?.free).toBe('0.00800000');
    expect(() =>
      fake.placeOrderAsOtherClient(KEY, { symbol: BTC, side: 'SELL', type: 'MARKET', quantity: '1' }),
    ).toThrow('Account has insufficient balance for requested action.');
  });
});

describe('selfTradePreventionMode and -2039', () => {
  it('echoes the mode requested (else the symbol default) in responses, queries and events; refuses modes the symbol does not allow', async () => {
    const placed = await api('POST', '/api/v3/order', {
      symbol: BTC,
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '0.001',
      price: '30000',
      newClientOrderId: 'stp1',
      selfTradePreventionMode: 'EXPIRE_BOTH',
      newOrderRespType: 'RESULT',
    });
    expect(placed.body).toMatchObject({ selfTradePreventionMode: 'EXPIRE_BOTH' });
    expect((await api('GET', '/api/v3/order', { symbol: BTC, origClientOrderId: 'stp1' })).body).toMatchObject({
      selfTradePreventionMode: 'EXPIRE_BOTH',
    });
    await until('NEW', () => ws.events.length === 2);
    expect(ws.events[0]!.event.V).toBe('EXPIRE_BOTH');
    expect((await api('DELETE', '/api/v3/order', { symbol: BTC, origClientOrderId: 'stp1' })).body).toMatchObject({
      selfTradePreventionMode: 'EXPIRE_BOTH',
    });
    const dflt = await api('POST', '/api/v3/order', { symbol: BTC, side: 'BUY', type: 'MARKET', quoteOrderQty: '20' });
    expect(dflt.body).toMatchObject({ selfTradePreventionMode: 'EXPIRE_MAKER' }); // the symbol's default

    fake.setSymbolFlags(BTC, { allowedSelfTradePreventionModes: ['NONE', 'EXPIRE_TAKER'] });
    const refused = await api('POST', '/api/v3/order', {
      symbol: BTC,
      side: 'BUY',
      type: 'MARKET',
      quoteOrderQty: '20',
      selfTradePreventionMode: 'EXPIRE_BOTH',
    });
    expect(refused.body).toEqual({
      code: -1013,
      msg: 'This symbol does not allow the specified self-trade prevention mode.',
    });
    expect(
      (
        await api('POST', '/api/v3/order', {
          symbol: BTC,
          side: 'BUY',
          type: 'MARKET',
          quoteOrderQty: '20',
          selfTradePreventionMode: 'SOMETIMES',
        })
      ).body,
    ).toMatchObject({ code: -1130 });
  });

  it('-2039 when orderId and origClientOrderId name different orders (query and cancel); -2013 / -2011 when the orderId is unknown', async () => {
    const limit = (id: string) =>
      api('POST', '/api/v3/order', {
        symbol: BTC,
        side: 'BUY',
        type: 'LIMIT_MAKER',
        quantity: '0.001',
        price: '30000',
        newClientOrderId: id,
      });
    const a = (await limit('A')).body.orderId as number;
    await limit('B');
    const both = { symbol: BTC, orderId: a, origClientOrderId: 'B' };
    const q = await api('GET', '/api/v3/order', both);
    expect([q.status, q.body]).toEqual([
      400,
      { code: -2039, msg: 'Client order ID is not correct for this order ID.' },
    ]);
    const c = await api('DELETE', '/api/v3/order', both);
    expect([c.status, c.body]).toEqual([
      400,
      { code: -2039, msg: 'Client order ID is not correct for this order ID.' },
    ]);
    expect((await api('GET', '/api/v3/order', { symbol: BTC, orderId: a, origClientOrderId: 'A' })).body).toMatchObject(
      {
        status: 'NEW',
      },
    );
    expect((await api('GET', '/api/v3/order', { symbol: BTC, orderId: 12345, origClientOrderId: 'A' })).body).toEqual({
      code: -2013,
      msg: 'Order does not exist.',
    });
    expect(
      (await api('DELETE', '/api/v3/order', { symbol: BTC, orderId: 12345, origClientOrderId: 'A' })).body,
    ).toEqual({
      code: -2011,
      msg: 'Unknown order sent.',
    });
  });
});
