import { createHmac } from 'node:crypto';
import { MainClient, WebsocketAPIClient, WS_KEY_MAP, getOrderIdPrefix, type DefaultLogger } from 'binance';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { generateCandles, writeKlineCsv } from '../../tools/candles/synthetic';
import { startFakeBinance, type FakeBinance } from '../../tools/fake-binance/server';
import { tempDir } from '../helpers/temp';

/**
 * The fake Binance spot exchange driven by the real `binance` package over real sockets on
 * 127.0.0.1: signed REST (MainClient) and the user data stream over the WebSocket API
 * (WebsocketAPIClient), order flows with their events in Binance's order, and every scriptable fault.
 */

const KEY = 'tranche-test-key-0001';
const SECRET = 'tranche-test-secret-0001';
/** The package warns about client order ids without its prefix ("x-U5D79M5B"). */
const PREFIX = `x-${getOrderIdPrefix('spot', 'v1')}`;
const BTC = 'BTCUSDT';
/** The package types amounts as numbers; we send decimal strings, as the live adapter will. */
const n = (s: string): number => s as unknown as number;

const quiet: DefaultLogger = { trace: () => {}, info: () => {}, error: () => {} };

let fake: FakeBinance;
let closers: (() => Promise<void>)[] = [];

beforeEach(async () => {
  fake = await startFakeBinance({
    symbols: [BTC, 'ETHUSDT'],
    accounts: [{ apiKey: KEY, apiSecret: SECRET, balances: { USDT: '1000' } }],
  });
  fake.setPrice(BTC, 40_000);
  closers = [];
});

afterEach(async () => {
  for (const close of closers.reverse()) await close();
  await fake.close();
});

function rest(extra: Record<string, unknown> = {}, requestOptions: Record<string, unknown> = {}): MainClient {
  return new MainClient({ api_key: KEY, api_secret: SECRET, baseUrl: fake.restUrl, ...extra }, requestOptions);
}

type UserEvent = Record<string, unknown> & { e?: string };

/** A WebsocketAPIClient subscribed to the user data stream, recording raw events. */
async function userStream(): Promise<{ client: WebsocketAPIClient; events: UserEvent[]; reconnected: () => number }> {
  const client = new WebsocketAPIClient(
    {
      api_key: KEY,
      api_secret: SECRET,
      wsUrl: fake.wsUrl,
      attachEventListeners: false,
      reconnectTimeout: 50,
      resubscribeUserDataStreamDelaySeconds: 0.05,
    },
    quiet,
  );
  const events: UserEvent[] = [];
  let reconnects = 0;
  const ws = client.getWSClient();
  ws.on('message', (e) => events.push(e as unknown as UserEvent));
  ws.on('reconnected', () => reconnects++);
  closers.push(async () => {
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    await client.disconnectAll();
    await Promise.race([closed, new Promise((r) => setTimeout(r, 500))]);
  });
  const res = await client.subscribeUserDataStream(WS_KEY_MAP.mainWSAPI);
  expect(res).toMatchObject({ status: 200, result: { subscriptionId: 0 } });
  return { client, events, reconnected: () => reconnects };
}

/** GET api/v3/time on the configured base URL (MainClient.getServerTime() would go to api.binance.com). */
async function serverTime(client: MainClient): Promise<number> {
  return ((await client.get('api/v3/time')) as { serverTime: number }).serverTime;
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** [event type, execution type, order status, client id] of each event, for order assertions. */
const summary = (events: UserEvent[]): unknown[][] =>
  events.map((e) =>
    e.e === 'executionReport'
      ? ['executionReport', e.x, e.X, e.c]
      : e.e === 'listStatus'
        ? ['listStatus', e.l, e.L]
        : [e.e],
  );

async function marketBuy(client: MainClient, quote: string, id: string) {
  return client.submitNewOrder({
    symbol: BTC,
    side: 'BUY',
    type: 'MARKET',
    quoteOrderQty: n(quote),
    newClientOrderId: `${PREFIX}${id}`,
  });
}

describe('request security', () => {
  it('rejects bad signatures, unknown or malformed keys, stale or future timestamps and big recvWindows', async () => {
    await expect(
      new MainClient({ api_key: KEY, api_secret: 'wrong', baseUrl: fake.restUrl }).getAccountInformation(),
    ).rejects.toMatchObject({ code: -1022, message: 'Signature for this request is not valid.' });
    await expect(
      new MainClient({ api_key: 'nobody', api_secret: SECRET, baseUrl: fake.restUrl }).getAccountInformation(),
    ).rejects.toMatchObject({ code: -2015, message: 'Invalid API-key, IP, or permissions for action.' });
    const noKey = await fetch(`${fake.restUrl}/api/v3/account?timestamp=${Date.now()}&signature=00`);
    expect([noKey.status, await noKey.json()]).toEqual([401, { code: -2014, msg: 'API-key format invalid.' }]);
    await expect(rest({ recvWindow: 70_000 }).getAccountInformation()).rejects.toMatchObject({ code: -1102 });

    const client = rest();
    fake.faults.setClockSkew(10_000); // the server runs 10 s ahead: our timestamps look stale
    await expect(client.getAccountInformation()).rejects.toMatchObject({
      code: -1021,
      message: 'Timestamp for this request is outside of the recvWindow.',
    });
    // The remedy: measure the offset and sign with it. Not with client.getServerTime(): it ignores
    // baseUrl and asks api.binance.com. Ask the configured server instead.
    client.setTimeOffset((await serverTime(client)) - Date.now());
    expect((await client.getAccountInformation()).canTrade).toBe(true);

    fake.faults.setClockSkew(-3000); // the server runs behind: our timestamps are "in the future"
    await expect(rest().getAccountInformation()).rejects.toMatchObject({
      code: -1021,
      message: "Timestamp for this request was 1000ms ahead of the server's time.",
    });
  });

  it('reports and enforces API key restrictions per key', async () => {
    fake.addAccount({
      apiKey: 'read-only-key',
      apiSecret: 'read-only-secret',
      balances: { USDT: '100' },
      restrictions: { enableSpotAndMarginTrading: false, ipRestrict: true, enableWithdrawals: true },
    });
    const readOnly = new MainClient({
      api_key: 'read-only-key',
      api_secret: 'read-only-secret',
      baseUrl: fake.restUrl,
    });
    expect(await readOnly.getApiKeyPermissions()).toMatchObject({
      enableReading: true,
      enableSpotAndMarginTrading: false,
      enableWithdrawals: true,
      ipRestrict: true,
    });
    await expect(marketBuy(readOnly, '20', 'ro')).rejects.toMatchObject({ code: -2015 });
    expect((await readOnly.getAccountInformation()).balances).toEqual([
      { asset: 'USDT', free: '100.00000000', locked: '0.00000000' },
    ]);
  });

  it('accepts parameters in a signed form body, and refuses exponent notation', async () => {
    const body = `symbol=${BTC}&side=BUY&type=MARKET&quoteOrderQty=50&newClientOrderId=${PREFIX}form&timestamp=${Date.now()}`;
    const signature = createHmac('sha256', SECRET).update(body).digest('hex');
    const res = await fetch(`${fake.restUrl}/api/v3/order`, {
      method: 'POST',
      headers: { 'X-MBX-APIKEY': KEY, 'content-type': 'application/x-www-form-urlencoded' },
      body: `${body}&signature=${signature}`,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-mbx-used-weight-1m')).toMatch(/^\d+$/);
    expect(await res.json()).toMatchObject({ status: 'FILLED', executedQty: '0.00125000' });

    // The package serialises numbers with String(): 1e-7 goes out as "1e-7", which Binance refuses.
    await expect(
      rest().submitNewOrder({ symbol: BTC, side: 'BUY', type: 'MARKET', quantity: 1e-7 }),
    ).rejects.toMatchObject({ code: -1100 });
  });
});

describe('orders', () => {
  it('fills a market buy by quote amount with a FULL response, base commission and events', async () => {
    const client = rest();
    const { events } = await userStream();
    const res = await marketBuy(client, '100', 'buy1');
    expect(res).toMatchObject({
      symbol: BTC,
      orderListId: -1,
      clientOrderId: `${PREFIX}buy1`,
      status: 'FILLED',
      type: 'MARKET',
      side: 'BUY',
      origQty: '0.00250000',
      executedQty: '0.00250000',
      origQuoteOrderQty: '100.00000000',
      cummulativeQuoteQty: '100.00000000',
    });
    expect((res as { fills: unknown[] }).fills).toEqual([
      {
        price: '40000.00000000',
        qty: '0.00250000',
        commission: '0.00000250',
        commissionAsset: 'BTC',
        tradeId: expect.any(Number),
      },
    ]);
    expect(fake.account(KEY).balances).toEqual({
      USDT: { free: '900.00000000', locked: '0.00000000' },
      BTC: { free: '0.00249750', locked: '0.00000000' },
    });
    await waitFor('3 events', () => events.length === 3);
    expect(summary(events)).toEqual([
      ['executionReport', 'NEW', 'NEW', `${PREFIX}buy1`],
      ['executionReport', 'TRADE', 'FILLED', `${PREFIX}buy1`],
      ['outboundAccountPosition'],
    ]);
    expect(events[1]).toMatchObject({
      s: BTC,
      S: 'BUY',
      o: 'MARKET',
      l: '0.00250000',
      L: '40000.00000000',
      n: '0.00000250',
      N: 'BTC',
      Z: '100.00000000',
    });
    expect(events[2]).toMatchObject({
      B: [
        { a: 'BTC', f: '0.00249750', l: '0.00000000' },
        { a: 'USDT', f: '900.00000000', l: '0.00000000' },
      ],
    });

    const account = await client.getAccountInformation();
    expect(account).toMatchObject({ canTrade: true, commissionRates: { maker: '0.00100000', taker: '0.00100000' } });
    expect(account.balances).toEqual([
      { asset: 'USDT', free: '900.00000000', locked: '0.00000000' },
      { asset: 'BTC', free: '0.00249750', locked: '0.00000000' },
    ]);
    const trades = await client.getAccountTradeList({ symbol: BTC });
    expect(trades).toMatchObject([
      { symbol: BTC, qty: '0.00250000', quoteQty: '100.00000000', isBuyer: true, isMaker: false },
    ]);
  });

  it('enforces filters, balance and unique client ids among open orders; cancels and queries', async () => {
    const client = rest();
    const order = (extra: Record<string, unknown>) =>
      client.submitNewOrder({ symbol: BTC, side: 'BUY', type: 'MARKET', ...extra } as never);
    await expect(order({ quantity: n('0.000015') })).rejects.toMatchObject({
      code: -1013,
      message: 'Filter failure: LOT_SIZE',
    });
    await expect(order({ quoteOrderQty: n('1') })).rejects.toMatchObject({
      code: -1013,
      message: 'Filter failure: NOTIONAL',
    });
    await expect(order({ quoteOrderQty: n('5000') })).rejects.toMatchObject({
      code: -2010,
      message: 'Account has insufficient balance for requested action.',
    });
    const maker = (price: string, id: string) =>
      client.submitNewOrder({
        symbol: BTC,
        side: 'BUY',
        type: 'LIMIT_MAKER',
        quantity: n('0.001'),
        price: n(price),
        newClientOrderId: `${PREFIX}${id}`,
      });
    await expect(maker('30000.001', 'px')).rejects.toMatchObject({
      code: -1013,
      message: 'Filter failure: PRICE_FILTER',
    });
    await expect(maker('40000.00', 'take')).rejects.toMatchObject({
      code: -2010,
      message: 'Order would immediately match and take.',
    });
    const resting = await maker('30000.00', 'rest');
    expect(resting).toEqual({
      symbol: BTC,
      orderId: expect.any(Number),
      orderListId: -1,
      clientOrderId: `${PREFIX}rest`,
      transactTime: expect.any(Number),
    });
    await expect(maker('30000.00', 'rest')).rejects.toMatchObject({ code: -2010, message: 'Duplicate order sent.' });
    expect(fake.account(KEY).balances.USDT).toEqual({ free: '970.00000000', locked: '30.00000000' });

    expect(await client.getOrder({ symbol: BTC, origClientOrderId: `${PREFIX}rest` })).toMatchObject({
      orderId: resting.orderId,
      status: 'NEW',
      type: 'LIMIT_MAKER',
      price: '30000.00000000',
      isWorking: true,
    });
    expect(await client.getOpenOrders({ symbol: BTC })).toMatchObject([{ clientOrderId: `${PREFIX}rest` }]);
    expect(await client.cancelOrder({ symbol: BTC, orderId: resting.orderId })).toMatchObject({
      origClientOrderId: `${PREFIX}rest`,
      status: 'CANCELED',
    });
    expect(fake.account(KEY).balances.USDT).toEqual({ free: '1000.00000000', locked: '0.00000000' });
    await expect(client.cancelOrder({ symbol: BTC, orderId: resting.orderId })).rejects.toMatchObject({ code: -2011 });
    await expect(client.getOrder({ symbol: BTC, origClientOrderId: `${PREFIX}nope` })).rejects.toMatchObject({
      code: -2013,
      message: 'Order does not exist.',
    });
    // Once the first one is closed, its client id may be used again.
    await maker('30000.00', 'rest');
    expect(
      fake
        .orders(KEY)
        .filter((o) => o.clientOrderId === `${PREFIX}rest`)
        .map((o) => o.status),
    ).toEqual(['CANCELED', 'NEW']);
    expect(await client.getApiKeyPermissions()).toMatchObject({
      enableReading: true,
      enableSpotAndMarginTrading: true,
      enableWithdrawals: false,
      ipRestrict: false,
    });
  });
});

describe('OCO', () => {
  const SELL_QTY = '0.00249'; // 0.0025 bought minus 0.0000025 commission, floored to the 0.00001 step

  async function placeOco(client: MainClient, tag: string) {
    return client.submitNewOrderList({
      symbol: BTC,
      side: 'SELL',
      quantity: n(SELL_QTY),
      aboveType: 'LIMIT_MAKER',
      abovePrice: n('41000.00'),
      belowType: 'STOP_LOSS_LIMIT',
      belowStopPrice: n('39000.00'),
      belowPrice: n('38960.00'),
      belowTimeInForce: 'GTC',
      listClientOrderId: `${PREFIX}${tag}L`,
      aboveClientOrderId: `${PREFIX}${tag}TP`,
      belowClientOrderId: `${PREFIX}${tag}SL`,
    });
  }

  it('protects a position and takes profit: LIMIT_MAKER fills, the stop leg expires (OCO_TRIGGER)', async () => {
    const client = rest();
    await marketBuy(client, '100', 'e1');
    const { events } = await userStream();
    const list = await placeOco(client, 'a');
    expect(list).toMatchObject({
      contingencyType: 'OCO',
      listStatusType: 'EXEC_STARTED',
      listOrderStatus: 'EXECUTING',
      listClientOrderId: `${PREFIX}aL`,
      orders: [{ clientOrderId: `${PREFIX}aSL` }, { clientOrderId: `${PREFIX}aTP` }],
      orderReports: [
        {
          type: 'STOP_LOSS_LIMIT',
          status: 'NEW',
          price: '38960.00000000',
          stopPrice: '39000.00000000',
          workingTime: -1,
        },
        { type: 'LIMIT_MAKER', status: 'NEW', price: '41000.00000000', origQty: '0.00249000' },
      ],
    });
    await waitFor('placement events', () => events.length === 4);
    expect(summary(events)).toEqual([
      ['executionReport', 'NEW', 'NEW', `${PREFIX}aSL`],
      ['executionReport', 'NEW', 'NEW', `${PREFIX}aTP`],
      ['listStatus', 'EXEC_STARTED', 'EXECUTING'],
      ['outboundAccountPosition'],
    ]);
    expect(events[0]).toMatchObject({ g: list.orderListId, P: '39000.00000000' });
    expect(events[2]).toMatchObject({
      c: 'OCO',
      g: list.orderListId,
      O: [
        { s: BTC, c: `${PREFIX}aSL` },
        { s: BTC, c: `${PREFIX}aTP` },
      ],
    });
    expect(fake.account(KEY).balances.BTC).toEqual({ free: '0.00000750', locked: '0.00249000' });
    expect(await client.getAllOpenOCO()).toMatchObject([{ orderListId: list.orderListId }]);

    fake.setPrice(BTC, 40_999.99); // not yet
    fake.setPrice(BTC, 41_000.5);
    await waitFor('exit events', () => events.length === 8);
    expect(summary(events.slice(4))).toEqual([
      ['executionReport', 'TRADE', 'FILLED', `${PREFIX}aTP`],
      ['executionReport', 'EXPIRED', 'EXPIRED', `${PREFIX}aSL`],
      ['listStatus', 'ALL_DONE', 'ALL_DONE'],
      ['outboundAccountPosition'],
    ]);
    expect(events[4]).toMatchObject({ L: '41000.00000000', m: true, n: '0.10209000', N: 'USDT' });
    expect(events[5]).toMatchObject({ eR: 'OCO_TRIGGER' });
    expect(fake.account(KEY).balances).toEqual({
      USDT: { free: '1001.98791000', locked: '0.00000000' },
      BTC: { free: '0.00000750', locked: '0.00000000' },
    });
    expect(await client.getOCO({ orderListId: list.orderListId })).toMatchObject({ listOrderStatus: 'ALL_DONE' });
    expect(await client.getAllOpenOCO()).toEqual([]);
    expect(await client.getAccountTradeList({ symbol: BTC })).toHaveLength(2);
  });

  it('stops out: the stop triggers, its limit fills, the take-profit leg expires; a gap leaves the limit resting', async () => {
    const client = rest();
    await marketBuy(client, '100', 'e2');
    const { events } = await userStream();
    await placeOco(client, 'b');
    await waitFor('placement events', () => events.length === 4);
    fake.setPrice(BTC, 38_990);
    await waitFor('stop events', () => events.length === 8);
    expect(summary(events.slice(4))).toEqual([
      ['executionReport', 'TRADE', 'FILLED', `${PREFIX}bSL`],
      ['executionReport', 'EXPIRED', 'EXPIRED', `${PREFIX}bTP`],
      ['listStatus', 'ALL_DONE', 'ALL_DONE'],
      ['outboundAccountPosition'],
    ]);
    expect(events[4]).toMatchObject({ L: '38990.00000000', m: false, n: '0.09708510' });
    expect(fake.account(KEY).balances.USDT?.free).toBe('996.98801490');

    // Second position, and the price gaps below the stop-limit price: triggered but not filled.
    fake.setPrice(BTC, 40_000);
    await marketBuy(client, '100', 'e3');
    await placeOco(client, 'c');
    const from = 8 + 3 + 4; // the stop-out, the buy, the placement
    await waitFor('the new position', () => events.length === from);
    fake.setPrice(BTC, 38_900);
    await waitFor('the take-profit leg to expire', () => events.length === from + 1);
    expect(summary(events.slice(from))).toEqual([['executionReport', 'EXPIRED', 'EXPIRED', `${PREFIX}cTP`]]);
    expect(await client.getOrder({ symbol: BTC, origClientOrderId: `${PREFIX}cSL` })).toMatchObject({ status: 'NEW' });
    fake.setPrice(BTC, 38_970);
    await waitFor('the stop-limit fill', () =>
      summary(events).some((s) => s[1] === 'TRADE' && s[3] === `${PREFIX}cSL`),
    );
    expect(summary(events.slice(from + 1))).toEqual([
      ['executionReport', 'TRADE', 'FILLED', `${PREFIX}cSL`],
      ['listStatus', 'ALL_DONE', 'ALL_DONE'],
      ['outboundAccountPosition'],
    ]);
  });

  it('rejects bad price relations and unknown lists; cancels a list with its events', async () => {
    const client = rest();
    await marketBuy(client, '100', 'e4');
    const { events } = await userStream();
    const bad = client.submitNewOrderList({
      symbol: BTC,
      side: 'SELL',
      quantity: n(SELL_QTY),
      aboveType: 'LIMIT_MAKER',
      abovePrice: n('39500.00'),
      belowType: 'STOP_LOSS_LIMIT',
      belowStopPrice: n('39000.00'),
      belowPrice: n('38960.00'),
      belowTimeInForce: 'GTC',
    });
    await expect(bad).rejects.toMatchObject({
      code: -2010,
      message: 'The relationship of the prices for the orders is not correct.',
    });
    const list = await placeOco(client, 'd');
    await expect(client.cancelOCO({ symbol: BTC, orderListId: 999 })).rejects.toMatchObject({ code: -2011 });
    await expect(client.getOCO({ orderListId: 999 })).rejects.toMatchObject({ code: -2013 });
    // GET orderList takes the list's client id as origClientOrderId; a misnamed parameter is refused.
    await expect(client.getOCO({ listClientOrderId: `${PREFIX}dL` } as never)).rejects.toMatchObject({ code: -1104 });
    expect(await client.getOCO({ origClientOrderId: `${PREFIX}dL` })).toMatchObject({ orderListId: list.orderListId });
    const cancelled = await client.cancelOCO({ symbol: BTC, listClientOrderId: `${PREFIX}dL` });
    expect(cancelled).toMatchObject({
      orderListId: list.orderListId,
      listStatusType: 'ALL_DONE',
      orderReports: [{ status: 'CANCELED', origClientOrderId: `${PREFIX}dSL` }, { status: 'CANCELED' }],
    });
    await waitFor('cancel events', () => events.length === 8);
    expect(summary(events.slice(4)).map((s) => s.slice(0, 3))).toEqual([
      ['executionReport', 'CANCELED', 'CANCELED'],
      ['executionReport', 'CANCELED', 'CANCELED'],
      ['listStatus', 'ALL_DONE', 'ALL_DONE'],
      ['outboundAccountPosition'],
    ]);
    // The package generates the cancel's own client id; the order's id travels in C.
    expect(events[4]).toMatchObject({ C: `${PREFIX}dSL` });
    expect(fake.account(KEY).balances.BTC).toEqual({ free: '0.00249750', locked: '0.00000000' });
  });
});

describe('price sources', () => {
  it('a seeded synthetic walk streams history and trades, and fills resting orders as it crosses them', async () => {
    const start = async () =>
      startFakeBinance({
        symbols: [BTC],
        accounts: [{ apiKey: KEY, apiSecret: SECRET, balances: { USDT: '1000' } }],
        market: {
          kind: 'synthetic',
          seed: 7,
          volatility: 0.01,
          historyCandles: 50,
          speed: 6, // ten trades per 1m candle
          startPrices: { [BTC]: 40_000 },
          autoStart: false,
        },
      });
    const local = await start();
    const twin = await start();
    closers.push(
      () => local.close(),
      () => twin.close(),
    );
    const client = new MainClient({ api_key: KEY, api_secret: SECRET, baseUrl: local.restUrl });
    expect(await client.getKlines({ symbol: BTC, interval: '1m', limit: 1000 })).toHaveLength(50);

    local.driver!.advance(25);
    twin.driver!.advance(25);
    const price = local.market.lastPrice(BTC)!;
    expect(twin.market.lastPrice(BTC)).toBe(price); // same seed, same path
    expect(await client.getSymbolPriceTicker({ symbol: BTC })).toEqual({ symbol: BTC, price: price.toFixed(8) });
    expect((await client.getKlines({ symbol: BTC, interval: '1m', limit: 1000 })).length).toBeGreaterThan(50);

    const limit = Math.floor(price * 0.998 * 100) / 100;
    const placed = await client.submitNewOrder({
      symbol: BTC,
      side: 'BUY',
      type: 'LIMIT_MAKER',
      quantity: n('0.001'),
      price: n(limit.toFixed(2)),
    });
    let ticks = 0;
    while (local.market.lastPrice(BTC)! > limit && ticks < 2000) {
      expect(local.orders()[0]!.status).toBe('NEW');
      local.driver!.advance(1);
      ticks++;
    }
    expect(local.market.lastPrice(BTC)!).toBeLessThanOrEqual(limit);
    expect(await client.getOrder({ symbol: BTC, orderId: placed.orderId })).toMatchObject({
      status: 'FILLED',
      cummulativeQuoteQty: (limit * 0.001).toFixed(8),
    });
  });

  it("a replay of kline CSV files: history, then candle by candle, matching each candle's range", async () => {
    const T0 = Date.UTC(2024, 0, 1);
    const candles = generateCandles({
      symbol: BTC,
      interval: '1m',
      startTime: T0,
      count: 30,
      seed: 3,
      startPrice: 40_000,
      volatility: 0.003,
    });
    const { dir, cleanup } = tempDir();
    closers.push(async () => cleanup());
    writeKlineCsv(dir, candles);
    const local = await startFakeBinance({
      symbols: [BTC],
      accounts: [{ apiKey: KEY, apiSecret: SECRET, balances: { USDT: '1000' } }],
      market: { kind: 'replay', dir, interval: '1m', historyCandles: 10, autoStart: false },
    });
    closers.push(() => local.close());
    const client = new MainClient({ api_key: KEY, api_secret: SECRET, baseUrl: local.restUrl });
    expect(await client.getKlines({ symbol: BTC, interval: '1m', limit: 1000 })).toHaveLength(10);
    expect(local.market.lastPrice(BTC)).toBe(candles[9]!.close);

    // A buy resting at the lowest low still to come fills on that very candle, not before.
    const rest = candles.slice(10);
    const lowest = rest.reduce((a, c) => (c.low < a.low ? c : a));
    expect(lowest.low).toBeLessThan(candles[9]!.close);
    const placed = await client.submitNewOrder({
      symbol: BTC,
      side: 'BUY',
      type: 'LIMIT_MAKER',
      quantity: n('0.001'),
      price: n(lowest.low.toFixed(2)),
    });
    for (const c of rest) {
      local.driver!.advance(1);
      expect(local.market.lastPrice(BTC)).toBe(c.close);
      const status = (await client.getOrder({ symbol: BTC, orderId: placed.orderId })).status;
      expect(status).toBe(c.openTime >= lowest.openTime ? 'FILLED' : 'NEW');
    }
    expect(await client.getKlines({ symbol: BTC, interval: '1m', limit: 1000 })).toHaveLength(30);
    expect(local.driver!.running).toBe(false);
  });
});

describe('faults', () => {
  const order = { method: 'POST', path: '/api/v3/order' } as const;

  it('drops every socket: the WS API client reconnects, resubscribes, and events flow again', async () => {
    const client = rest();
    const stream = await userStream();
    fake.dropAllSockets();
    await waitFor('a reconnect', () => stream.reconnected() === 1);
    await fake.waitForUserStream(KEY, 3000);
    await marketBuy(client, '20', 'afterdrop');
    await waitFor('events after the drop', () => stream.events.some((e) => e.c === `${PREFIX}afterdrop`));
  });

  it('HTTP 5xx before the order reaches the engine: nothing happened', async () => {
    fake.faults.failNext(order, 1, { status: 503 });
    await expect(marketBuy(rest(), '20', 'busy')).rejects.toMatchObject({
      code: -1008,
      message: 'Server is currently overloaded with other requests. Please try again in a few minutes.',
    });
    expect(fake.orderRequests()).toEqual([]);
    expect(fake.orders()).toEqual([]);
  });

  it('HTTP 5xx after the order was accepted: unknown outcome, found by client order id', async () => {
    const client = rest();
    fake.faults.failNext(order, 1, { afterAccept: true });
    await expect(marketBuy(client, '20', 'unknown')).rejects.toMatchObject({
      code: -1007,
      message: 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.',
    });
    expect(await client.getOrder({ symbol: BTC, origClientOrderId: `${PREFIX}unknown` })).toMatchObject({
      status: 'FILLED',
    });
    expect(fake.orderRequests().map((r) => [r.clientOrderIds, r.accepted])).toEqual([[[`${PREFIX}unknown`], true]]);
  });

  it('a timeout after accepting: the client gives up, the order exists', async () => {
    fake.faults.timeoutNext(order);
    const impatient = rest({}, { timeout: 300 });
    await expect(marketBuy(impatient, '20', 'slow')).rejects.toMatchObject({
      code: 'ECONNABORTED',
      message: 'timeout of 300ms exceeded',
    });
    expect(await rest().getOrder({ symbol: BTC, origClientOrderId: `${PREFIX}slow` })).toMatchObject({
      status: 'FILLED',
    });
  });

  it('429 and 418 with Retry-After (the package drops the HTTP status unless parseExceptions is false)', async () => {
    fake.faults.rateLimitNext(1, { status: 429, retryAfterSeconds: 7 });
    await expect(rest().getAccountInformation()).rejects.toMatchObject({
      code: -1003,
      headers: { 'retry-after': '7' },
    });
    fake.faults.rateLimitNext(1, { status: 418, retryAfterSeconds: 120 });
    type RawError = { response: { status: number; headers: Record<string, string>; data: { code: number } } };
    const raw = await rest({ parseExceptions: false })
      .getAccountInformation()
      .then(
        () => Promise.reject(new Error('expected HTTP 418')),
        (e: RawError) => e.response,
      );
    expect([raw.status, raw.headers['retry-after'], raw.data.code]).toEqual([418, '120', -1003]);
    expect((await rest().getAccountInformation()).canTrade).toBe(true); // the next request goes through
  });

  it('a partial fill: the next MARKET buy ends EXPIRED with half filled', async () => {
    const { events } = await userStream();
    fake.faults.partialFillNextMarket(0.5);
    const res = await marketBuy(rest(), '100', 'thin');
    expect(res).toMatchObject({
      status: 'EXPIRED',
      origQty: '0.00250000',
      executedQty: '0.00125000',
      cummulativeQuoteQty: '50.00000000',
      expiryReason: 'INSUFFICIENT_LIQUIDITY',
    });
    await waitFor('4 events', () => events.length === 4);
    expect(summary(events)).toEqual([
      ['executionReport', 'NEW', 'NEW', `${PREFIX}thin`],
      ['executionReport', 'TRADE', 'PARTIALLY_FILLED', `${PREFIX}thin`],
      ['executionReport', 'EXPIRED', 'EXPIRED', `${PREFIX}thin`],
      ['outboundAccountPosition'],
    ]);
    expect(events[2]).toMatchObject({ eR: 'INSUFFICIENT_LIQUIDITY', z: '0.00125000' });
    expect(fake.account(KEY).balances.USDT?.free).toBe('950.00000000');
  });

  it('OCO rejections for the next N OCO requests (-2010, then -1013), then acceptance', async () => {
    const client = rest();
    await marketBuy(client, '100', 'e5');
    fake.faults.rejectNextOco(2);
    fake.faults.rejectNextOco(1, { code: -1013 });
    const oco = () =>
      client.submitNewOrderList({
        symbol: BTC,
        side: 'SELL',
        quantity: n('0.00249'),
        aboveType: 'LIMIT_MAKER',
        abovePrice: n('41000.00'),
        belowType: 'STOP_LOSS_LIMIT',
        belowStopPrice: n('39000.00'),
        belowPrice: n('38960.00'),
        belowTimeInForce: 'GTC',
      });
    await expect(oco()).rejects.toMatchObject({ code: -2010 });
    await expect(oco()).rejects.toMatchObject({ code: -2010 });
    await expect(oco()).rejects.toMatchObject({ code: -1013, message: 'Filter failure: PRICE_FILTER' });
    expect(await oco()).toMatchObject({ listStatusType: 'EXEC_STARTED' });
    expect(fake.orderRequests().map((r) => [r.path, r.accepted])).toEqual([
      ['/api/v3/order', true],
      ['/api/v3/orderList/oco', false],
      ['/api/v3/orderList/oco', false],
      ['/api/v3/orderList/oco', false],
      ['/api/v3/orderList/oco', true],
    ]);
  });

  it('clock skew also refuses the WS API subscription (the package signs it with Date.now(), no offset)', async () => {
    fake.faults.setClockSkew(10_000);
    const client = new WebsocketAPIClient(
      { api_key: KEY, api_secret: SECRET, wsUrl: fake.wsUrl, attachEventListeners: false },
      quiet,
    );
    closers.push(() => client.disconnectAll());
    client.setTimeOffsetMs(10_000); // does not help: subscribeUserDataStream() ignores it
    await expect(client.subscribeUserDataStream(WS_KEY_MAP.mainWSAPI)).rejects.toMatchObject({
      status: 400,
      error: { code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' },
    });
  });

  it('latency per request, and serverShutdown pushed on the WS API', async () => {
    fake.faults.setLatency(250, { path: '/api/v3/time' });
    const started = Date.now();
    await serverTime(rest());
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);

    const { events } = await userStream();
    fake.sendServerShutdown();
    await waitFor('serverShutdown', () => events.some((e) => e.e === 'serverShutdown'));
  });
});

describe('deprecated OCO and shutdown', () => {
  const old = {
    symbol: BTC,
    side: 'SELL',
    quantity: n('0.001'),
    price: n('41000'),
    stopPrice: n('39000'),
    stopLimitPrice: n('38900'),
    stopLimitTimeInForce: 'GTC',
  } as const;

  it('serves the deprecated POST order/oco like orderList/oco by default', async () => {
    fake.setBalance(KEY, 'BTC', '0.01');
    expect(await rest().submitNewOCO(old)).toMatchObject({
      listStatusType: 'EXEC_STARTED',
      orderReports: [{ type: 'STOP_LOSS_LIMIT' }, { type: 'LIMIT_MAKER' }],
    });
  });

  it('refuses it when configured; unsubscribing ends the stream; no handle is left open', async () => {
    const baseline = handleCounts();
    const local = await startFakeBinance({
      symbols: [BTC],
      accounts: [{ apiKey: KEY, apiSecret: SECRET, balances: { BTC: '0.01' } }],
      deprecatedOrderOco: 'reject',
    });
    local.setPrice(BTC, 40_000);
    const client = new MainClient({ api_key: KEY, api_secret: SECRET, baseUrl: local.restUrl });
    const ws = new WebsocketAPIClient(
      { api_key: KEY, api_secret: SECRET, wsUrl: local.wsUrl, attachEventListeners: false },
      quiet,
    );
    const events: UserEvent[] = [];
    ws.getWSClient().on('message', (e) => events.push(e as unknown as UserEvent));
    await ws.subscribeUserDataStream(WS_KEY_MAP.mainWSAPI);
    await expect(client.submitNewOCO(old)).rejects.toMatchObject({ code: -1000 });
    const oco = await client.submitNewOrderList({
      symbol: BTC,
      side: 'SELL',
      quantity: n('0.001'),
      aboveType: 'LIMIT_MAKER',
      abovePrice: n('41000'),
      belowType: 'STOP_LOSS_LIMIT',
      belowStopPrice: n('39000'),
      belowPrice: n('38900'),
      belowTimeInForce: 'GTC',
    });
    expect(oco).toMatchObject({ listStatusType: 'EXEC_STARTED' });
    await waitFor('placement events', () => events.length === 4);

    // Binance confirms an unsubscription with eventStreamTerminated; the package, having already
    // forgotten the subscription, logs a console.warn about it.
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect(await ws.unsubscribeUserDataStream(WS_KEY_MAP.mainWSAPI)).toMatchObject({ status: 200, result: {} });
      await waitFor('the warning', () => warn.mock.calls.length === 1);
      expect(String(warn.mock.calls[0]![0])).toContain('eventStreamTerminated');
    } finally {
      warn.mockRestore();
    }
    await client.cancelOCO({ symbol: BTC, orderListId: oco.orderListId });
    await new Promise((r) => setTimeout(r, 50));
    // Only the termination itself arrives after the unsubscription; the cancel's events do not.
    expect(summary(events.slice(4))).toEqual([['eventStreamTerminated']]);

    const closed = new Promise<void>((resolve) => ws.getWSClient().once('close', () => resolve()));
    await ws.disconnectAll();
    await closed;
    await local.close();
    await expectHandlesBackTo(baseline);
  });
});

/** Expects no socket, server or timer beyond the baseline once things have settled. */
async function expectHandlesBackTo(baseline: HandleCounts): Promise<void> {
  const extra = (): string[] => {
    const now = handleCounts();
    return (Object.keys(now) as (keyof HandleCounts)[])
      .filter((k) => now[k] > baseline[k])
      .map((k) => `${k}: ${now[k]}`);
  };
  await waitFor(`handles back to the baseline (${extra().join(', ')})`, () => extra().length === 0, 2000).catch(
    () => undefined,
  );
  expect(extra()).toEqual([]);
}

interface HandleCounts {
  sockets: number;
  servers: number;
  timers: number;
}

function handleCounts(): HandleCounts {
  const info = process.getActiveResourcesInfo();
  const count = (type: string): number => info.filter((r) => r === type).length;
  return { sockets: count('TCPSocketWrap'), servers: count('TCPServerWrap'), timers: count('Timeout') };
}
