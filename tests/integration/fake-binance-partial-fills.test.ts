import { afterEach, describe, expect, it } from 'vitest';
import { hmacSigner, RawWsApi, signedRest, until, type WsApiEvent } from '../../tools/fake-binance/raw-client';
import { startFakeBinance, type FakeBinance, type FakeBinanceOptions } from '../../tools/fake-binance/server';

/**
 * Fills trade by trade: resting orders with limited liquidity per price event, OCO legs that start
 * working with a partial fill (and the list's status meanwhile, an option since Binance's docs are
 * silent), MARKET orders filled in several trades, and STOP_LOSS (market) below legs. Driven over
 * raw HTTP and a raw WebSocket API connection, asserting Binance's wire shapes.
 */

const KEY = 'partial-fills-key';
const SECRET = 'partial-fills-secret';
const BTC = 'BTCUSDT';
const sign = hmacSigner(SECRET);

let fake: FakeBinance;
let ws: RawWsApi | undefined;

async function start(options: FakeBinanceOptions = {}): Promise<WsApiEvent[]> {
  fake = await startFakeBinance({
    symbols: [BTC],
    accounts: [{ apiKey: KEY, apiSecret: SECRET, balances: { USDT: '1000', BTC: '0.01' } }],
    ...options,
  });
  fake.setPrice(BTC, 40_000);
  ws = await RawWsApi.connect(fake.wsApiUrl);
  expect((await ws.signed('userDataStream.subscribe.signature', KEY, sign)).status).toBe(200);
  return ws.events;
}

afterEach(async () => {
  await ws?.close();
  ws = undefined;
  await fake.close();
});

const api = (method: 'GET' | 'POST' | 'DELETE', path: string, params: Record<string, string | number> = {}) =>
  signedRest(fake.restUrl, KEY, sign, method, path, params);

/** [event, execution type, status, client id] per event (listStatus: its two statuses). */
const summary = (events: WsApiEvent[]): unknown[][] =>
  events.map(({ event: e }) =>
    e.e === 'executionReport' ? [e.e, e.x, e.X, e.c] : e.e === 'listStatus' ? [e.e, e.l, e.L] : [e.e],
  );

const balances = () => fake.account(KEY).balances;

/** A SELL OCO of 0.003 BTC: a LIMIT_MAKER at 41000 above, a STOP_LOSS (market) at 39000 below. */
const stopLossOco = {
  symbol: BTC,
  side: 'SELL',
  quantity: '0.003',
  aboveType: 'LIMIT_MAKER',
  abovePrice: '41000',
  belowType: 'STOP_LOSS',
  belowStopPrice: '39000',
};

/** Places the OCO `${tag}L` (legs `${tag}TP` and `${tag}SL`): stopLossOco with a STOP_LOSS_LIMIT limit 38960 below. */
async function oco(tag: string, extra: Record<string, string> = {}) {
  return api('POST', '/api/v3/orderList/oco', {
    ...stopLossOco,
    belowType: 'STOP_LOSS_LIMIT',
    belowPrice: '38960',
    belowTimeInForce: 'GTC',
    listClientOrderId: `${tag}L`,
    aboveClientOrderId: `${tag}TP`,
    belowClientOrderId: `${tag}SL`,
    ...extra,
  });
}

describe('resting orders with limited liquidity', () => {
  it('fills a resting LIMIT_MAKER trade by trade: one TRADE report per price event, balances per fill', async () => {
    const events = await start();
    fake.faults.setRestingLiquidity(0.001, BTC);
    const placed = await api('POST', '/api/v3/order', {
      symbol: BTC,
      side: 'BUY',
      type: 'LIMIT_MAKER',
      quantity: '0.003',
      price: '39000',
      newClientOrderId: 'bid1',
    });
    expect(placed.status).toBe(200);
    await until('placement', () => events.length === 2);
    expect(balances().USDT).toEqual({ free: '883.00000000', locked: '117.00000000' });

    fake.pushTrade(BTC, 38_990);
    await until('first fill', () => events.length === 4);
    expect(summary(events.slice(2))).toEqual([
      ['executionReport', 'TRADE', 'PARTIALLY_FILLED', 'bid1'],
      ['outboundAccountPosition'],
    ]);
    expect(events[2]!.event).toMatchObject({
      l: '0.00100000',
      z: '0.00100000',
      L: '39000.00000000',
      n: '0.00000100',
      N: 'BTC',
      Y: '39.00000000',
      Z: '39.00000000',
      m: true,
      t: expect.any(Number),
    });
    expect(events[3]!.event).toMatchObject({
      B: [
        { a: 'BTC', f: '0.01099900', l: '0.00000000' },
        { a: 'USDT', f: '883.00000000', l: '78.00000000' },
      ],
    });
    expect((await api('GET', '/api/v3/order', { symbol: BTC, origClientOrderId: 'bid1' })).body).toMatchObject({
      status: 'PARTIALLY_FILLED',
      executedQty: '0.00100000',
      isWorking: true,
    });

    fake.pushTrade(BTC, 38_995);
    // A candle is several price events: open, low, high, close (only the low reaches the bid).
    fake.pushCandle(BTC, '1m', {
      symbol: BTC,
      interval: '1m',
      openTime: 0,
      closeTime: 59_999,
      open: 39_100,
      high: 39_200,
      low: 38_900,
      close: 39_100,
      volume: 1,
    });
    await until('the last fill', () => events.length === 8);
    expect(summary(events.slice(4))).toEqual([
      ['executionReport', 'TRADE', 'PARTIALLY_FILLED', 'bid1'],
      ['outboundAccountPosition'],
      ['executionReport', 'TRADE', 'FILLED', 'bid1'],
      ['outboundAccountPosition'],
    ]);
    const trades = events.filter((e) => e.event.x === 'TRADE').map((e) => e.event);
    expect(trades.map((t) => t.z)).toEqual(['0.00100000', '0.00200000', '0.00300000']);
    expect(new Set(trades.map((t) => t.t)).size).toBe(3);
    expect(balances().USDT).toEqual({ free: '883.00000000', locked: '0.00000000' });
    expect(balances().BTC).toEqual({ free: '0.01299700', locked: '0.00000000' });
    const myTrades = await api('GET', '/api/v3/myTrades', { symbol: BTC });
    expect(myTrades.body).toHaveLength(3);

    fake.faults.setRestingLiquidity(undefined, BTC); // back to all at once
    await api('POST', '/api/v3/order', {
      symbol: BTC,
      side: 'BUY',
      type: 'LIMIT_MAKER',
      quantity: '0.003',
      price: '38000',
      newClientOrderId: 'bid2',
    });
    fake.pushTrade(BTC, 37_999);
    await until('one complete fill', () => summary(events).some((s) => s[2] === 'FILLED' && s[3] === 'bid2'));
    expect(summary(events).filter((s) => s[3] === 'bid2')).toEqual([
      ['executionReport', 'NEW', 'NEW', 'bid2'],
      ['executionReport', 'TRADE', 'FILLED', 'bid2'],
    ]);
  });

  it.each(['EXECUTING', 'ALL_DONE'] as const)(
    'OCO: the first LIMIT_MAKER fill expires the stop leg; the list while the leg works (workingListStatus %s)',
    async (workingListStatus) => {
      const events = await start({ workingListStatus });
      fake.faults.setRestingLiquidity(0.001);
      expect((await oco('a')).body).toMatchObject({ listOrderStatus: 'EXECUTING' });
      await until('placement', () => events.length === 4);
      expect(balances().BTC).toEqual({ free: '0.00700000', locked: '0.00300000' });

      fake.setPrice(BTC, 41_000.5);
      const listDoneNow = workingListStatus === 'ALL_DONE';
      await until('the first fill', () => events.length === (listDoneNow ? 8 : 7));
      expect(summary(events.slice(4))).toEqual([
        ['executionReport', 'TRADE', 'PARTIALLY_FILLED', 'aTP'],
        ['executionReport', 'EXPIRED', 'EXPIRED', 'aSL'],
        ...(listDoneNow ? [['listStatus', 'ALL_DONE', 'ALL_DONE']] : []),
        ['outboundAccountPosition'],
      ]);
      expect(events[4]!.event).toMatchObject({ l: '0.00100000', L: '41000.00000000', n: '0.04100000', N: 'USDT' });
      expect(events[5]!.event).toMatchObject({ eR: 'OCO_TRIGGER' });
      // The working leg holds what the list locked, fill by fill.
      expect(balances().BTC).toEqual({ free: '0.00700000', locked: '0.00200000' });
      expect(balances().USDT).toEqual({ free: '1040.95900000', locked: '0.00000000' });
      const list = await api('GET', '/api/v3/orderList', { origClientOrderId: 'aL' });
      expect(list.body).toMatchObject({
        listStatusType: listDoneNow ? 'ALL_DONE' : 'EXEC_STARTED',
        listOrderStatus: workingListStatus,
      });
      expect((await api('GET', '/api/v3/openOrderList')).body).toHaveLength(listDoneNow ? 0 : 1);
      expect((await api('GET', '/api/v3/openOrders', { symbol: BTC })).body).toMatchObject([
        { clientOrderId: 'aTP', status: 'PARTIALLY_FILLED' },
      ]);
      // "accepted only when the previous one is filled or completely expired": not while a leg works.
      fake.setPrice(BTC, 40_000);
      expect((await oco('a')).body).toEqual({ code: -2010, msg: 'Duplicate order sent.' });

      if (listDoneNow) {
        // The list is over; its working leg is cancelled on its own.
        expect((await api('DELETE', '/api/v3/orderList', { symbol: BTC, listClientOrderId: 'aL' })).body).toEqual({
          code: -2011,
          msg: 'Unknown order list sent.',
        });
        const cancel = await api('DELETE', '/api/v3/order', { symbol: BTC, origClientOrderId: 'aTP' });
        expect(cancel.body).toMatchObject({ status: 'CANCELED', executedQty: '0.00100000' });
        expect(balances().BTC).toEqual({ free: '0.00900000', locked: '0.00000000' });
        return;
      }
      fake.setPrice(BTC, 41_001);
      fake.setPrice(BTC, 41_002);
      await until('the last fill', () => events.length === 12);
      expect(summary(events.slice(7))).toEqual([
        ['executionReport', 'TRADE', 'PARTIALLY_FILLED', 'aTP'],
        ['outboundAccountPosition'],
        ['executionReport', 'TRADE', 'FILLED', 'aTP'],
        ['listStatus', 'ALL_DONE', 'ALL_DONE'],
        ['outboundAccountPosition'],
      ]);
      expect(balances().BTC).toEqual({ free: '0.00700000', locked: '0.00000000' });
      expect((await api('GET', '/api/v3/orderList', { origClientOrderId: 'aL' })).body).toMatchObject({
        listOrderStatus: 'ALL_DONE',
      });
      fake.setPrice(BTC, 40_000);
      expect((await oco('a')).status).toBe(200); // filled: the id may be used again
    },
  );

  it.each(['EXECUTING', 'ALL_DONE'] as const)(
    'OCO: a gapped stop-limit rests below the market and expires the LIMIT_MAKER leg (workingListStatus %s)',
    async (workingListStatus) => {
      const events = await start({ workingListStatus });
      await oco('g');
      await until('placement', () => events.length === 4);
      fake.setPrice(BTC, 38_900);
      const listDoneNow = workingListStatus === 'ALL_DONE';
      await until('the trigger', () => events.length === (listDoneNow ? 6 : 5));
      expect(summary(events.slice(4))).toEqual([
        ['executionReport', 'EXPIRED', 'EXPIRED', 'gTP'],
        ...(listDoneNow ? [['listStatus', 'ALL_DONE', 'ALL_DONE']] : []),
      ]);
      expect((await api('GET', '/api/v3/order', { symbol: BTC, origClientOrderId: 'gSL' })).body).toMatchObject({
        status: 'NEW',
        isWorking: true,
      });
      expect((await api('GET', '/api/v3/orderList', { orderListId: 1 })).body).toMatchObject({
        listOrderStatus: workingListStatus,
      });
      expect(balances().BTC).toEqual({ free: '0.00700000', locked: '0.00300000' });
      fake.setPrice(BTC, 38_970);
      await until('the stop-limit fill', () => summary(events).some((s) => s[2] === 'FILLED'));
      expect(summary(events.slice(listDoneNow ? 6 : 5))).toEqual([
        ['executionReport', 'TRADE', 'FILLED', 'gSL'],
        ...(listDoneNow ? [] : [['listStatus', 'ALL_DONE', 'ALL_DONE']]),
        ['outboundAccountPosition'],
      ]);
      expect(balances().BTC).toEqual({ free: '0.00700000', locked: '0.00000000' });
    },
  );
});

describe('MARKET orders in several fills', () => {
  it('splitNextMarket: a quote buy walks up the book, a quantity sell down, one fills[] entry and TRADE event each', async () => {
    const events = await start();
    fake.faults.splitNextMarket(3, 'BUY');
    const buy = await api('POST', '/api/v3/order', {
      symbol: BTC,
      side: 'BUY',
      type: 'MARKET',
      quoteOrderQty: '90',
      newClientOrderId: 'walk',
    });
    expect(buy.body).toMatchObject({ status: 'FILLED', origQty: '0.00223000', executedQty: '0.00223000' });
    expect(buy.body.fills).toEqual([
      {
        price: '40000.00000000',
        qty: '0.00075000',
        commission: '0.00000075',
        commissionAsset: 'BTC',
        tradeId: expect.any(Number),
      },
      {
        price: '40000.01000000',
        qty: '0.00074000',
        commission: '0.00000074',
        commissionAsset: 'BTC',
        tradeId: expect.any(Number),
      },
      {
        price: '40000.02000000',
        qty: '0.00074000',
        commission: '0.00000074',
        commissionAsset: 'BTC',
        tradeId: expect.any(Number),
      },
    ]);
    expect(buy.body.cummulativeQuoteQty).toBe('89.20002220');
    await until('buy events', () => events.length === 5);
    expect(summary(events)).toEqual([
      ['executionReport', 'NEW', 'NEW', 'walk'],
      ['executionReport', 'TRADE', 'PARTIALLY_FILLED', 'walk'],
      ['executionReport', 'TRADE', 'PARTIALLY_FILLED', 'walk'],
      ['executionReport', 'TRADE', 'FILLED', 'walk'],
      ['outboundAccountPosition'],
    ]);

    fake.faults.splitNextMarket(3, 'SELL', 5);
    const sell = await api('POST', '/api/v3/order', { symbol: BTC, side: 'SELL', type: 'MARKET', quantity: '0.003' });
    expect((sell.body.fills as { price: string; qty: string }[]).map((f) => [f.price, f.qty])).toEqual([
      ['40000.00000000', '0.00100000'],
      ['39999.95000000', '0.00100000'],
      ['39999.90000000', '0.00100000'],
    ]);
    // Spent only once: the next MARKET order fills at one price again.
    const plain = await api('POST', '/api/v3/order', { symbol: BTC, side: 'SELL', type: 'MARKET', quantity: '0.001' });
    expect(plain.body.fills).toHaveLength(1);
  });

  it('splitNextMarket with partialFillNextMarket: some trades, then EXPIRED with INSUFFICIENT_LIQUIDITY', async () => {
    await start();
    fake.faults.splitNextMarket(2, 'SELL');
    fake.faults.partialFillNextMarket(0.75, 'SELL');
    const res = await api('POST', '/api/v3/order', { symbol: BTC, side: 'SELL', type: 'MARKET', quantity: '0.004' });
    expect(res.body).toMatchObject({
      status: 'EXPIRED',
      executedQty: '0.00300000',
      expiryReason: 'INSUFFICIENT_LIQUIDITY',
    });
    expect((res.body.fills as { qty: string }[]).map((f) => f.qty)).toEqual(['0.00200000', '0.00100000']);
  });
});

describe('OCO with a STOP_LOSS (market) below leg', () => {
  it('triggers and sells at once at the trigger price minus half the spread; the LIMIT_MAKER leg expires', async () => {
    const events = await start({ spread: 0.001 });
    // belowPrice / belowTimeInForce go with STOP_LOSS_LIMIT only.
    expect((await oco('m', { belowType: 'STOP_LOSS' })).body).toMatchObject({ code: -1106 });
    const res = await api('POST', '/api/v3/orderList/oco', {
      ...stopLossOco,
      listClientOrderId: 'mL',
      aboveClientOrderId: 'mTP',
      belowClientOrderId: 'mSL',
    });
    expect(res.body).toMatchObject({
      listOrderStatus: 'EXECUTING',
      orderReports: [
        { type: 'STOP_LOSS', stopPrice: '39000.00000000', price: '0.00000000', workingTime: -1 },
        { type: 'LIMIT_MAKER', price: '41000.00000000' },
      ],
    });
    await until('placement', () => events.length === 4);
    fake.setPrice(BTC, 38_990);
    await until('the stop', () => events.length === 8);
    expect(summary(events.slice(4))).toEqual([
      ['executionReport', 'TRADE', 'FILLED', 'mSL'],
      ['executionReport', 'EXPIRED', 'EXPIRED', 'mTP'],
      ['listStatus', 'ALL_DONE', 'ALL_DONE'],
      ['outboundAccountPosition'],
    ]);
    // 38990 x (1 - 0.0005) = 38970.505, rounded down to the tick.
    expect(events[4]!.event).toMatchObject({ o: 'STOP_LOSS', L: '38970.50000000', l: '0.00300000', m: false });
    expect(events[5]!.event).toMatchObject({ eR: 'OCO_TRIGGER' });
    expect(balances().BTC).toEqual({ free: '0.00700000', locked: '0.00000000' });
  });

  it('the deprecated POST /api/v3/order/oco without stopLimitPrice places a STOP_LOSS leg', async () => {
    await start();
    const old = (extra: Record<string, string>) =>
      api('POST', '/api/v3/order/oco', {
        symbol: BTC,
        side: 'SELL',
        quantity: '0.001',
        price: '41000',
        stopPrice: '39000',
        ...extra,
      });
    expect((await old({ stopLimitTimeInForce: 'GTC' })).body).toEqual({
      code: -1106,
      msg: "Parameter 'stopLimitTimeInForce' sent when not required.",
    });
    expect((await old({ stopLimitPrice: '38900' })).body).toMatchObject({ code: -1102 }); // its time in force missing
    expect((await old({})).body).toMatchObject({ orderReports: [{ type: 'STOP_LOSS' }, { type: 'LIMIT_MAKER' }] });
    expect((await old({ stopLimitPrice: '38900', stopLimitTimeInForce: 'GTC' })).body).toMatchObject({
      orderReports: [{ type: 'STOP_LOSS_LIMIT', price: '38900.00000000' }, { type: 'LIMIT_MAKER' }],
    });
  });

  it('checks aboveType / belowType as Binance documents them', async () => {
    await start();
    const tryOco = async (extra: Record<string, string>) =>
      (await api('POST', '/api/v3/orderList/oco', { ...stopLossOco, ...extra })).body;
    expect(await tryOco({ belowPrice: '38960' })).toEqual({
      code: -1106,
      msg: "Parameter 'belowPrice' sent when not required.",
    });
    expect(await tryOco({ belowTimeInForce: 'GTC' })).toEqual({
      code: -1106,
      msg: "Parameter 'belowTimeInForce' sent when not required.",
    });
    expect(await tryOco({ belowType: 'STOP_LOSS_LIMIT' })).toMatchObject({ code: -1102 }); // belowPrice missing
    expect(await tryOco({ aboveType: 'MARKET' })).toEqual({ code: -1158, msg: 'Order type not supported in OCO.' });
    expect(await tryOco({ aboveType: 'STOP_LOSS_LIMIT' })).toEqual({
      code: -1197,
      msg: 'A stop loss order in a sell OCO must be below.',
    });
    expect(await tryOco({ belowType: 'LIMIT_MAKER' })).toEqual({
      code: -1166,
      msg: 'A limit order in a sell OCO must be above.',
    });
    expect(await tryOco({ belowType: 'TAKE_PROFIT' })).toEqual({
      code: -1199,
      msg: 'A take profit order in a sell OCO must be above.',
    });
    expect(await tryOco({ side: 'BUY' })).toEqual({
      code: -1196,
      msg: 'A stop loss order in a buy OCO must be above.',
    });
    expect(await tryOco({ side: 'BUY', aboveType: 'LIMIT_MAKER', belowType: 'TAKE_PROFIT' })).toEqual({
      code: -1165,
      msg: 'A limit order in a buy OCO must be below.',
    });
    expect(await tryOco({})).toMatchObject({ listOrderStatus: 'EXECUTING' });
  });
});
