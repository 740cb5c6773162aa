import { afterEach, describe, expect, it } from 'vitest';
import { hmacSigner, RawWsApi, signedRest, until } from '../../tools/fake-binance/raw-client';
import { startFakeBinance, type FakeBinance } from '../../tools/fake-binance/server';

/**
 * Commission paid in BNB (faqs/commission_faq.md): with the account's BNB option on and enough free
 * BNB, each fill's standard commission is converted at the BNB price and multiplied by the discount
 * 0.75, commissionAsset "BNB"; otherwise it is taken from the received asset as before. GET
 * /api/v3/account/commission reports the discount accordingly.
 */

const KEY = 'bnb-key';
const SECRET = 'bnb-secret';
const BTC = 'BTCUSDT';
const sign = hmacSigner(SECRET);

let fake: FakeBinance;
afterEach(() => fake.close());

async function start(symbols: string[] | undefined, bnbBurn = true): Promise<void> {
  fake = await startFakeBinance({
    ...(symbols ? { symbols } : {}),
    accounts: [{ apiKey: KEY, apiSecret: SECRET, bnbBurn, balances: { USDT: '1000', BNB: '1' } }],
  });
  fake.setPrice(BTC, 40_000);
  if (!symbols || symbols.includes('BNBUSDT')) fake.setPrice('BNBUSDT', 500);
}

const api = (method: 'GET' | 'POST', path: string, params: Record<string, string | number> = {}) =>
  signedRest(fake.restUrl, KEY, sign, method, path, params);
const buy = () => api('POST', '/api/v3/order', { symbol: BTC, side: 'BUY', type: 'MARKET', quoteOrderQty: '100' });
const fillsOf = (res: { body: Record<string, unknown> }) =>
  (res.body.fills as { commission: string; commissionAsset: string }[]).map((f) => [f.commission, f.commissionAsset]);

describe('commission in BNB', () => {
  it('buy and sell pay 0.75 of the standard commission in BNB at the BNBUSDT price; the bought asset arrives whole', async () => {
    await start(undefined); // every built-in pair: BNBUSDT is among them
    const ws = await RawWsApi.connect(fake.wsApiUrl);
    await ws.signed('userDataStream.subscribe.signature', KEY, sign);
    const bought = await buy();
    // 0.0025 BTC x 0.1 % = 0.0000025 BTC = 0.1 USDT; x 0.75 / 500 = 0.00015 BNB
    expect(fillsOf(bought)).toEqual([['0.00015000', 'BNB']]);
    expect(fake.account(KEY).balances).toMatchObject({
      BTC: { free: '0.00250000', locked: '0.00000000' },
      BNB: { free: '0.99985000', locked: '0.00000000' },
      USDT: { free: '900.00000000', locked: '0.00000000' },
    });
    await until('the buy events', () => ws.events.length === 3);
    expect(ws.events[1]!.event).toMatchObject({ x: 'TRADE', n: '0.00015000', N: 'BNB' });
    expect((ws.events[2]!.event.B as { a: string }[]).map((b) => b.a).sort()).toEqual(['BNB', 'BTC', 'USDT']);

    const sold = await api('POST', '/api/v3/order', { symbol: BTC, side: 'SELL', type: 'MARKET', quantity: '0.0025' });
    expect(fillsOf(sold)).toEqual([['0.00015000', 'BNB']]);
    expect(fake.account(KEY).balances.USDT?.free).toBe('1000.00000000');

    expect((await api('GET', '/api/v3/account/commission', { symbol: BTC })).body).toMatchObject({
      symbol: BTC,
      discount: { enabledForAccount: true, enabledForSymbol: true, discountAsset: 'BNB', discount: '0.75000000' },
    });
    await ws.close();
  });

  it('a maker fill pays in BNB too; without enough free BNB, or turned off, the received asset pays in full', async () => {
    await start([BTC, 'BNBUSDT']);
    await api('POST', '/api/v3/order', {
      symbol: BTC,
      side: 'BUY',
      type: 'LIMIT_MAKER',
      quantity: '0.001',
      price: '39000',
      newClientOrderId: 'maker',
    });
    fake.pushTrade(BTC, 38_999);
    // 0.001 x 0.1 % x 39000 = 0.039 USDT; x 0.75 / 500 = 0.0000585 BNB
    expect(fake.account(KEY).balances.BNB?.free).toBe('0.99994150');
    expect(fake.account(KEY).balances.BTC?.free).toBe('0.00100000');

    fake.setPrice(BTC, 40_000);
    fake.setBalance(KEY, 'BNB', '0.0001');
    expect(fillsOf(await buy())).toEqual([['0.00000250', 'BTC']]);
    fake.setBalance(KEY, 'BNB', '1');
    fake.setBnbBurn(KEY, false);
    expect(fillsOf(await buy())).toEqual([['0.00000250', 'BTC']]);
    expect((await api('GET', '/api/v3/account/commission', { symbol: BTC })).body).toMatchObject({
      discount: { enabledForAccount: false, discount: '0.75000000' },
    });
  });

  it('without a BNB price (BNBUSDT not listed) commission stays in the received asset', async () => {
    await start([BTC]);
    expect(fillsOf(await buy())).toEqual([['0.00000250', 'BTC']]);
  });
});
