import { describe, expect, it } from 'vitest';
import { planOco } from '../../electron/core/engine/oco-plan';
import type { Position } from '../../electron/core/ledger/records';
import { Decimal, ZERO } from '../../electron/core/money/decimal';
import { sets } from '../helpers/paper-harness';
import { usdtRules } from '../helpers/rules';

/**
 * The OCO's prices from the average entry price, where they do NOT land on a tick: the take-profit
 * rounds up, the stop and its limit round down (a target never tighter, a stop never looser than
 * asked, by at most one tick). Prices that land on a tick cannot tell rounding directions apart.
 */
function position(avg: string, params: Parameters<typeof sets>[0][number]): Position {
  return {
    id: 7,
    symbol: params.symbol,
    status: 'open',
    params: sets([params])[0]!,
    entryClientOrderId: 'b7',
    boughtQty: new Decimal('0.01'),
    sellQty: new Decimal('0.00999'),
    cost: new Decimal(avg).mul('0.01'),
    avgPrice: new Decimal(avg),
    entryFeeQuote: ZERO,
    soldQty: ZERO,
    soldQuote: ZERO,
    proceeds: ZERO,
    exitFeeQuote: ZERO,
    otherFeeQuote: ZERO,
    ocoAttempts: 0,
    openedAt: '2026-12-01T00:00:00.000Z',
  };
}

const SET = { symbol: 'BTCUSDT', allocationPercent: 10, zScoreThreshold: 2, profitPercent: 3, stopLossPercent: 2 };

describe('planOco rounding', () => {
  it('take-profit up, stop and stop-limit down, each to the tick, when the exact prices fall between ticks', () => {
    // 40123.45 x 1.03 = 41327.1535 -> 41327.16 (up); x 0.98 = 39320.981 -> 39320.98 (down);
    // 39320.98 x 0.999 = 39281.65902 -> 39281.65 (down).
    const planned = planOco(position('40123.45', SET), new Decimal('0.00999'), usdtRules('BTCUSDT'), 'x-', 'L1');
    expect(planned.ok).toBe(true);
    if (!planned.ok) return;
    expect(planned.plan.takeProfitPrice.toFixed()).toBe('41327.16');
    expect(planned.plan.stopPrice.toFixed()).toBe('39320.98');
    expect(planned.plan.stopLimitPrice!.toFixed()).toBe('39281.65');
    expect(planned.plan.stopType).toBe('STOP_LOSS_LIMIT');
    expect(planned.plan.quantity.toFixed()).toBe('0.00999');
  });

  it('on a coarse tick (1.00) the distance from the exact price is less than one tick, on the safe side', () => {
    const rules = usdtRules('BTCUSDT', { tickSize: '1', minPrice: '1' });
    const avg = new Decimal('40123.45');
    const planned = planOco(position(avg.toFixed(), SET), new Decimal('0.00999'), rules, 'x-', 'L1');
    if (!planned.ok) throw new Error(planned.problem);
    const exactTp = avg.mul('1.03');
    const exactStop = avg.mul('0.98');
    expect(planned.plan.takeProfitPrice.toFixed()).toBe('41328');
    expect(planned.plan.stopPrice.toFixed()).toBe('39320');
    expect(planned.plan.takeProfitPrice.gte(exactTp) && planned.plan.takeProfitPrice.sub(exactTp).lt(1)).toBe(true);
    expect(planned.plan.stopPrice.lte(exactStop) && exactStop.sub(planned.plan.stopPrice).lt(1)).toBe(true);
  });

  it('the quantity is floored to the lot step; a stop-market leg has no limit price', () => {
    const planned = planOco(
      position('40123.45', { ...SET, stopOrderType: 'market' }),
      new Decimal('0.0099987'),
      usdtRules('BTCUSDT'),
      'x-',
      'L1',
    );
    if (!planned.ok) throw new Error(planned.problem);
    expect(planned.plan.quantity.toFixed()).toBe('0.00999');
    expect(planned.plan.stopType).toBe('STOP_LOSS');
    expect(planned.plan.stopLimitPrice).toBeUndefined();
  });

  it('prices far below 1e-6 keep their digits (decimal strings, never exponents)', () => {
    const rules = usdtRules('PEPEUSDT', {
      tickSize: '0.00000001',
      minPrice: '0.00000001',
      stepSize: '1',
      minQty: '1',
      maxQty: '90000000000',
    });
    const p = position('0.00000094', { ...SET, symbol: 'PEPEUSDT' });
    const planned = planOco(p, new Decimal('20000000'), rules, 'x-', 'L1');
    if (!planned.ok) throw new Error(planned.problem);
    // 0.00000094 x 1.03 = 0.0000009682 -> 0.00000097 (up); x 0.98 = 0.0000009212 -> 0.00000092 (down).
    expect(planned.plan.takeProfitPrice.toFixed()).toBe('0.00000097');
    expect(planned.plan.stopPrice.toFixed()).toBe('0.00000092');
    expect(String(planned.plan.stopPrice)).not.toMatch(/e/);
  });
});

describe('planOco refusals and ids', () => {
  const avg40k = (over: Partial<Position> = {}, params: Parameters<typeof sets>[0][number] = SET) => ({
    ...position('40000', params),
    ...over,
  });
  const fine = usdtRules('BTCUSDT', { stepSize: '0.0000001', minQty: '0.0000001' });

  it('the worst leg (the stop-limit, else the stop) must reach the minimum order value', () => {
    // stop 39200, stop-limit 39160.8: at 0.0001276 the stop-limit leg is worth 4.99691808, the stop 5.00192
    const limit = planOco(avg40k(), new Decimal('0.0001276'), fine, 'x-', 'L1');
    expect(limit).toEqual({ ok: false, problem: 'order value 4.99691808 USDT is below the minimum 5 USDT' });
    const market = planOco(avg40k({}, { ...SET, stopOrderType: 'market' }), new Decimal('0.0001276'), fine, 'x-', 'L1');
    expect(market.ok).toBe(true);
  });

  it('the take-profit leg must reach the minimum order value and stay under the maximum', () => {
    // take-profit 41200: 0.000121 of it is 4.9852
    expect(planOco(avg40k(), new Decimal('0.000121'), fine, 'x-', 'L1')).toEqual({
      ok: false,
      problem: 'order value 4.9852 USDT is below the minimum 5 USDT',
    });
    const capped = usdtRules('BTCUSDT', { maxNotional: '400' });
    expect(planOco(avg40k(), new Decimal('0.00999'), capped, 'x-', 'L1')).toEqual({
      ok: false,
      problem: 'order value 411.588 USDT is above the maximum 400 USDT',
    });
  });

  it('each price must pass PRICE_FILTER: a take-profit above the maximum, a stop-limit below the minimum', () => {
    const tpCap = usdtRules('BTCUSDT', { maxPrice: '41000' });
    expect(planOco(avg40k(), new Decimal('0.00999'), tpCap, 'x-', 'L1')).toEqual({
      ok: false,
      problem: 'price 41200 is above the maximum 41000',
    });
    const floor = usdtRules('BTCUSDT', { minPrice: '39180' }); // stop 39200 passes, its limit 39160.8 does not
    expect(planOco(avg40k(), new Decimal('0.00999'), floor, 'x-', 'L1')).toEqual({
      ok: false,
      problem: 'price 39160.8 is below the minimum 39180',
    });
    const stopFloor = usdtRules('BTCUSDT', { minPrice: '39250' });
    expect(planOco(avg40k(), new Decimal('0.00999'), stopFloor, 'x-', 'L1')).toEqual({
      ok: false,
      problem: 'price 39200 is below the minimum 39250',
    });
  });

  it('the quantity must pass LOT_SIZE after flooring', () => {
    expect(planOco(avg40k(), new Decimal('0.000009'), usdtRules('BTCUSDT'), 'x-', 'L1')).toEqual({
      ok: false,
      problem: 'quantity 0 is not positive',
    });
  });

  it("the ids carry the ledger, the position and the attempt after the position's OCO attempts so far", () => {
    const planned = planOco(avg40k({ ocoAttempts: 2 }), new Decimal('0.00999'), usdtRules('BTCUSDT'), 'x-', 'L1');
    if (!planned.ok) throw new Error(planned.problem);
    expect(planned.plan).toMatchObject({
      listClientOrderId: 'x-L1-7o3',
      takeProfitClientOrderId: 'x-L1-7t3',
      stopLossClientOrderId: 'x-L1-7s3',
    });
    expect(Object.keys(planned.plan).sort()).toEqual([
      'listClientOrderId',
      'quantity',
      'stopLimitPrice',
      'stopLossClientOrderId',
      'stopPrice',
      'stopType',
      'takeProfitClientOrderId',
      'takeProfitPrice',
    ]);
  });
});
