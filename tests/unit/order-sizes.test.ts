import { describe, expect, it } from 'vitest';
import { maxOrderQty, nextSaleQty, tooSmallToSell } from '../../electron/core/engine/sell-sizes';
import { Decimal } from '../../electron/core/money/decimal';
import { entryTooSmall } from '../../electron/core/ledger/entry-size';
import { sets } from '../helpers/paper-harness';
import { usdtRules } from '../helpers/rules';

const d = (s: string) => new Decimal(s);
const rules = usdtRules('BTCUSDT'); // step 0.00001, minQty 0.00001, maxQty 9000, minNotional 5
const marketLot = usdtRules('BTCUSDT', { marketStepSize: '0.001', marketMinQty: '0.01', marketMaxQty: '100.0005' });

describe('what is too small to sell (dust)', () => {
  it('nothing left after flooring to the step is dust', () => {
    expect(tooSmallToSell(d('0.000009'), rules, d('0'))).toBe(true);
    expect(tooSmallToSell(d('0'), rules, d('0'))).toBe(true);
    expect(tooSmallToSell(d('0.00001'), rules, d('0'))).toBe(false);
    const unbounded = usdtRules('BTCUSDT', { minQty: '0', minNotional: '0' });
    expect(tooSmallToSell(d('0.000009'), unbounded, d('50000'))).toBe(true);
  });

  it('below the lot minimum is dust; the minimum itself is not', () => {
    const lot = usdtRules('BTCUSDT', { minQty: '0.001' });
    expect(tooSmallToSell(d('0.00099'), lot, d('0'))).toBe(true);
    expect(tooSmallToSell(d('0.001'), lot, d('0'))).toBe(false);
  });

  it('below the minimum order value at the price is dust; exactly the minimum is not; no price, no value check', () => {
    expect(tooSmallToSell(d('0.00009'), rules, d('50000'))).toBe(true); // 4.5 USDT
    expect(tooSmallToSell(d('0.0001'), rules, d('50000'))).toBe(false); // 5 USDT
    expect(tooSmallToSell(d('0.00009'), rules, d('0'))).toBe(false);
    expect(tooSmallToSell(d('0.00009'), usdtRules('BTCUSDT', { minNotional: '0' }), d('50000'))).toBe(false);
  });

  it('the value is of the floored quantity', () => {
    // 0.000109 floors to 0.0001: 5 USDT at 50000, not dust; at 49999 it is
    expect(tooSmallToSell(d('0.000109'), rules, d('50000'))).toBe(false);
    expect(tooSmallToSell(d('0.000109'), rules, d('49999'))).toBe(true);
  });

  it('a market sale follows MARKET_LOT_SIZE, and the minimum value only when it applies to market orders', () => {
    expect(tooSmallToSell(d('0.0095'), marketLot, d('0'), true)).toBe(true); // floors to 0.009 < 0.01
    expect(tooSmallToSell(d('0.0095'), marketLot, d('0'))).toBe(false);
    expect(tooSmallToSell(d('0.0109'), marketLot, d('0'), true)).toBe(false);
    expect(tooSmallToSell(d('0.0005'), marketLot, d('0'), true)).toBe(true); // floors to 0 on the market step
    expect(tooSmallToSell(d('0.00009'), rules, d('50000'), true)).toBe(true);
    const notForMarket = usdtRules('BTCUSDT', { applyMinToMarket: false });
    expect(tooSmallToSell(d('0.00009'), notForMarket, d('50000'), true)).toBe(false);
    expect(tooSmallToSell(d('0.00009'), notForMarket, d('50000'))).toBe(true);
    // the value is of the quantity floored to the market step (0.0109 -> 0.01: 4.8 USDT at 480), a
    // limit sale's to the lot step (0.0109: 5.232 USDT)
    expect(tooSmallToSell(d('0.0109'), marketLot, d('480'), true)).toBe(true);
    expect(tooSmallToSell(d('0.0109'), marketLot, d('480'))).toBe(false);
    // no MARKET_LOT_SIZE bounds: the LOT_SIZE minimum applies
    expect(tooSmallToSell(d('0.00099'), usdtRules('BTCUSDT', { minQty: '0.001' }), d('0'), true)).toBe(true);
  });
});

describe('how much one sale may carry', () => {
  it('the lot maximum, the market lot maximum for market orders when it is set; none when unbounded', () => {
    expect(maxOrderQty(rules, false)?.toFixed()).toBe('9000');
    expect(maxOrderQty(rules, true)?.toFixed()).toBe('9000');
    expect(maxOrderQty(marketLot, true)?.toFixed()).toBe('100.0005');
    expect(maxOrderQty(marketLot, false)?.toFixed()).toBe('9000');
    expect(maxOrderQty(usdtRules('BTCUSDT', { maxQty: '0' }), false)).toBeUndefined();
  });

  it('the next market sale: what is held, floored to the market step, capped at the maximum (on the step)', () => {
    expect(nextSaleQty(d('0.123456'), rules).toFixed()).toBe('0.12345');
    expect(nextSaleQty(d('0.123456'), marketLot).toFixed()).toBe('0.123');
    expect(nextSaleQty(d('500'), marketLot).toFixed()).toBe('100');
    expect(nextSaleQty(d('100.0009'), marketLot).toFixed()).toBe('100');
    expect(nextSaleQty(d('99.9999'), marketLot).toFixed()).toBe('99.999');
    expect(nextSaleQty(d('9500'), rules).toFixed()).toBe('9000');
  });
});

describe('whether a reservation can become a protected position', () => {
  const [limit] = sets([
    { symbol: 'BTCUSDT', allocationPercent: 10, zScoreThreshold: 2, profitPercent: 3, stopLossPercent: 2 },
  ]);
  const market = { ...limit!, stopOrderType: 'market' as const };

  it('the stop-limit leg after fees (1%) must reach the minimum order value; the stop-market leg has no limit offset', () => {
    // 100 x 0.98 x 0.999 x 0.99 = 96.92218; without the 0.1% offset 97.02
    const min97 = usdtRules('BTCUSDT', { minNotional: '97' });
    expect(entryTooSmall(d('100'), limit!, min97, 'USDT')).toBe(
      "100 USDT is too small: the stop-loss leg would be worth about 96.92, below BTCUSDT's minimum order of 97 USDT",
    );
    expect(entryTooSmall(d('100'), market, min97, 'USDT')).toBeUndefined();
    expect(entryTooSmall(d('100'), limit!, usdtRules('BTCUSDT', { minNotional: '96.9' }), 'USDT')).toBeUndefined();
  });

  it('exactly the minimum is enough; no minimum, no check', () => {
    expect(entryTooSmall(d('100'), market, usdtRules('BTCUSDT', { minNotional: '97.02' }), 'USDT')).toBeUndefined();
    expect(entryTooSmall(d('100'), market, usdtRules('BTCUSDT', { minNotional: '97.03' }), 'USDT')).toMatch(
      /too small/,
    );
    expect(entryTooSmall(d('0.01'), limit!, usdtRules('BTCUSDT', { minNotional: '0' }), 'USDT')).toBeUndefined();
  });

  it('a wider stop-loss makes the leg smaller', () => {
    const wide = { ...market, stopLossPercent: 10 }; // 100 x 0.9 x 0.99 = 89.1
    expect(entryTooSmall(d('100'), wide, usdtRules('BTCUSDT', { minNotional: '89.1' }), 'USDT')).toBeUndefined();
    expect(entryTooSmall(d('100'), wide, usdtRules('BTCUSDT', { minNotional: '89.2' }), 'USDT')).toMatch(/about 89.10/);
  });
});
