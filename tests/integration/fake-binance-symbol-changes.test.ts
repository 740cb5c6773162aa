import { afterEach, describe, expect, it } from 'vitest';
import { hmacSigner, signedRest } from '../../tools/fake-binance/raw-client';
import { startFakeBinance, type FakeBinance, type FakeBinanceOptions } from '../../tools/fake-binance/server';

/**
 * A symbol's status, flags and filters changing while the fake runs: exchangeInfo serves the change
 * at once and orders meet Binance's errors for it (errors.md "Market is closed.", "OCO orders are
 * not supported for this symbol", "Quote order qty market orders are not support for this symbol.",
 * -1013 "Filter failure: NAME"); cancels stay possible on HALT, BREAK and CANCEL_ONLY.
 */

const KEY = 'symbols-key';
const SECRET = 'symbols-secret';
const BTC = 'BTCUSDT';
const sign = hmacSigner(SECRET);

let fakes: FakeBinance[] = [];
let fake: FakeBinance;

async function start(options: FakeBinanceOptions = {}): Promise<FakeBinance> {
  fake = await startFakeBinance({
    symbols: [BTC, 'ETHUSDT'],
    accounts: [{ apiKey: KEY, apiSecret: SECRET, balances: { USDT: '1000', BTC: '0.01' } }],
    ...options,
  });
  fakes.push(fake);
  fake.setPrice(BTC, 40_000);
  return fake;
}
afterEach(async () => {
  for (const f of fakes) await f.close();
  fakes = [];
});

const api = (method: 'GET' | 'POST' | 'DELETE', path: string, params: Record<string, string | number> = {}) =>
  signedRest(fake.restUrl, KEY, sign, method, path, params);
const info = async (symbol = BTC) =>
  (
    (await (await fetch(`${fake.restUrl}/api/v3/exchangeInfo?symbol=${symbol}`)).json()) as {
      symbols: Record<string, unknown>[];
    }
  ).symbols[0]!;
const bid = (id: string, price = '30000', quantity = '0.001') =>
  api('POST', '/api/v3/order', {
    symbol: BTC,
    side: 'BUY',
    type: 'LIMIT_MAKER',
    quantity,
    price,
    newClientOrderId: id,
  });
const marketBuy = () => api('POST', '/api/v3/order', { symbol: BTC, side: 'BUY', type: 'MARKET', quoteOrderQty: '20' });
const oco = () =>
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
  });
const closed = { code: -2010, msg: 'Market is closed.' };

describe('symbol status', () => {
  it.each(['HALT', 'BREAK', 'CANCEL_ONLY'] as const)(
    '%s: served at once; new orders "Market is closed."; cancels work; resting orders do not trade',
    async (status) => {
      await start();
      expect((await bid('rest')).status).toBe(200);
      fake.setSymbolStatus(BTC, status);
      expect(await info()).toMatchObject({ status });
      expect((await info('ETHUSDT')).status).toBe('TRADING');
      expect((await marketBuy()).body).toEqual(closed);
      expect((await oco()).body).toEqual(closed);
      expect((await bid('another', '29000')).body).toEqual(closed);
      fake.pushTrade(BTC, 29_999); // no trading on a symbol that is not trading
      expect((await api('GET', '/api/v3/order', { symbol: BTC, origClientOrderId: 'rest' })).body).toMatchObject({
        status: 'NEW',
      });
      expect((await api('DELETE', '/api/v3/order', { symbol: BTC, origClientOrderId: 'rest' })).body).toMatchObject({
        status: 'CANCELED',
      });
      fake.setSymbolStatus(BTC, 'TRADING');
      expect((await marketBuy()).body).toMatchObject({ status: 'FILLED' });
    },
  );

  it('END_OF_DAY: cancels refused with -2011 "Market is closed." by default, allowed with endOfDayCancels', async () => {
    await start();
    await bid('eod');
    fake.setSymbolStatus(BTC, 'END_OF_DAY');
    expect((await api('DELETE', '/api/v3/order', { symbol: BTC, origClientOrderId: 'eod' })).body).toEqual({
      code: -2011,
      msg: 'Market is closed.',
    });
    await start({ endOfDayCancels: 'allow' });
    await bid('eod');
    fake.setSymbolStatus(BTC, 'END_OF_DAY');
    expect((await api('DELETE', '/api/v3/order', { symbol: BTC, origClientOrderId: 'eod' })).body).toMatchObject({
      status: 'CANCELED',
    });
  });

  it('a change on one fake leaves the built-in symbols of another alone', async () => {
    const a = await start();
    const b = await start();
    a.setSymbolStatus(BTC, 'HALT');
    a.setSymbolFilters(BTC, { tickSize: '1' });
    fake = b;
    expect(await info()).toMatchObject({ status: 'TRADING' });
    expect((await info()).filters).toContainEqual(
      expect.objectContaining({ filterType: 'PRICE_FILTER', tickSize: '0.01000000' }),
    );
  });
});

describe('symbol flags', () => {
  it("ocoAllowed, quoteOrderQtyMarketAllowed and orderTypes: served, and enforced with Binance's messages", async () => {
    await start();
    fake.setSymbolFlags(BTC, { ocoAllowed: false, quoteOrderQtyMarketAllowed: false });
    expect(await info()).toMatchObject({ ocoAllowed: false, quoteOrderQtyMarketAllowed: false });
    expect((await oco()).body).toEqual({ code: -2010, msg: 'OCO orders are not supported for this symbol' });
    expect((await marketBuy()).body).toEqual({
      code: -2010,
      msg: 'Quote order qty market orders are not support for this symbol.',
    });
    const byQty = await api('POST', '/api/v3/order', { symbol: BTC, side: 'BUY', type: 'MARKET', quantity: '0.001' });
    expect(byQty.body).toMatchObject({ status: 'FILLED' });

    fake.setSymbolFlags(BTC, { ocoAllowed: true, orderTypes: ['LIMIT', 'LIMIT_MAKER'] });
    expect((await info()).orderTypes).toEqual(['LIMIT', 'LIMIT_MAKER']);
    expect(
      (await api('POST', '/api/v3/order', { symbol: BTC, side: 'BUY', type: 'MARKET', quantity: '0.001' })).body,
    ).toEqual({
      code: -2010,
      msg: 'Market orders are not supported for this symbol.',
    });
    expect((await oco()).body).toEqual({
      code: -2010,
      msg: 'Stop loss limit orders are not supported for this symbol.',
    });
    expect((await bid('ok')).status).toBe(200);
  });
});

describe('symbol filters', () => {
  it('tick, step, minimum quantity and notional: served with 8 decimals, enforced as -1013 Filter failure: NAME', async () => {
    await start();
    fake.setSymbolFilters(BTC, {
      tickSize: '0.1',
      minPrice: '0.1',
      stepSize: '0.001',
      minQty: '0.001',
      minNotional: 50,
    });
    const filters = (await info()).filters as Record<string, unknown>[];
    expect(filters).toContainEqual(expect.objectContaining({ filterType: 'PRICE_FILTER', tickSize: '0.10000000' }));
    expect(filters).toContainEqual(
      expect.objectContaining({ filterType: 'LOT_SIZE', stepSize: '0.00100000', minQty: '0.00100000' }),
    );
    expect(filters).toContainEqual(expect.objectContaining({ filterType: 'NOTIONAL', minNotional: '50.00000000' }));
    expect((await bid('t1', '30000.05', '0.002')).body).toEqual({ code: -1013, msg: 'Filter failure: PRICE_FILTER' });
    expect((await bid('t2', '30000.1', '0.0025')).body).toEqual({ code: -1013, msg: 'Filter failure: LOT_SIZE' });
    expect((await bid('t3', '30000.1', '0.001')).body).toEqual({ code: -1013, msg: 'Filter failure: NOTIONAL' });
    expect((await bid('t4', '30000.1', '0.002')).status).toBe(200);
  });
});
