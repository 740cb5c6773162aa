import { describe, expect, it } from 'vitest';
import { Decimal, maxDec, minDec, toWire } from '../../electron/core/money/decimal';
import {
  decimalsOf,
  entryBlocked,
  floorToDecimals,
  floorToStep,
  lotProblem,
  notionalProblem,
  priceProblem,
  roundToTick,
} from '../../electron/core/money/symbol-rules';
import { usdtRules } from '../helpers/rules';

const d = (s: string) => new Decimal(s);

describe('filter rounding with decimals', () => {
  it('floors quantities to the lot step, exactly', () => {
    expect(floorToStep(d('0.12345678'), d('0.001')).toFixed()).toBe('0.123');
    expect(floorToStep(d('0.00832999'), d('0.00001')).toFixed()).toBe('0.00832');
    expect(floorToStep(d('1.3'), d('0.1')).toFixed()).toBe('1.3'); // 1.3 / 0.1 is 12.999... in floats
    expect(floorToStep(d('5'), d('0')).toFixed()).toBe('5'); // a zero step disables the bound
  });

  it('rounds prices to the tick up, down or to the nearest', () => {
    expect(roundToTick(d('46023.0001'), d('0.01'), 'up').toFixed()).toBe('46023.01');
    expect(roundToTick(d('39219.6099'), d('0.01'), 'down').toFixed()).toBe('39219.6');
    expect(roundToTick(d('0.123456'), d('0.0001'), 'nearest').toFixed()).toBe('0.1235');
    expect(roundToTick(d('0.30000000000000004'), d('0.1'), 'down').toFixed()).toBe('0.3');
  });

  it('floors quote amounts to the quote precision', () => {
    expect(floorToDecimals(d('333.041111048'), 8).toFixed()).toBe('333.04111104');
    expect(floorToDecimals(d('333.049'), 2).toFixed()).toBe('333.04');
  });

  it('sends plain decimal strings, never exponent notation', () => {
    expect(toWire(d('1e-7'))).toBe('0.0000001');
    expect(toWire(d('0.1').add(d('0.2')))).toBe('0.3');
    expect(toWire(d('123456789012.12345678'))).toBe('123456789012.12345678');
  });

  it('names the broken filter', () => {
    const rules = usdtRules('BTCUSDT');
    expect(lotProblem(d('0.000001'), rules)).toMatch(/below the minimum 0.00001 BTC/);
    expect(lotProblem(d('0.000015'), rules)).toMatch(/not a multiple of the step 0.00001/);
    expect(priceProblem(d('100.005'), rules)).toMatch(/not a multiple of the tick 0.01/);
    expect(notionalProblem(d('40000'), d('0.0001'), rules)).toMatch(/order value 4 USDT is below the minimum 5 USDT/);
    expect(lotProblem(d('0.00832'), rules) ?? notionalProblem(d('40020'), d('0.00832'), rules)).toBeUndefined();
  });
});

describe('the exchange filters, bound by bound', () => {
  const rules = usdtRules('BTCUSDT');

  it('a zero tick or step leaves the amount as it is; the nearest tick rounds a half up', () => {
    expect(roundToTick(d('1.234'), d('0'), 'up').toFixed()).toBe('1.234');
    expect(roundToTick(d('0.125'), d('0.01'), 'nearest').toFixed()).toBe('0.13');
    expect(roundToTick(d('0.1249'), d('0.01'), 'nearest').toFixed()).toBe('0.12');
    expect(roundToTick(d('0.121'), d('0.01'), 'up').toFixed()).toBe('0.13');
    expect(roundToTick(d('0.129'), d('0.01'), 'down').toFixed()).toBe('0.12');
  });

  it('a quantity must be positive, within LOT_SIZE and on its step', () => {
    expect(lotProblem(d('0'), rules)).toBe('quantity 0 is not positive');
    expect(lotProblem(d('-1'), rules)).toMatch(/not positive/);
    expect(lotProblem(d('0.00001'), rules)).toBeUndefined(); // the minimum itself
    expect(lotProblem(d('9000'), rules)).toBeUndefined(); // the maximum itself
    expect(lotProblem(d('9000.00001'), rules)).toBe('quantity 9000.00001 is above the maximum 9000 BTC');
    const unbounded = usdtRules('BTCUSDT', { minQty: '0', maxQty: '0', stepSize: '0' });
    expect(lotProblem(d('0.000000001'), unbounded)).toBeUndefined();
    expect(lotProblem(d('123456789.123'), unbounded)).toBeUndefined();
  });

  it('a market quantity follows MARKET_LOT_SIZE where it sets a bound, LOT_SIZE where it is zero', () => {
    const market = usdtRules('BTCUSDT', { marketStepSize: '0.001', marketMinQty: '0.01', marketMaxQty: '100' });
    expect(lotProblem(d('0.005'), market, true)).toMatch(/below the minimum 0.01 BTC/);
    expect(lotProblem(d('0.005'), market)).toBeUndefined(); // the limit-order lot allows it
    expect(lotProblem(d('101'), market, true)).toMatch(/above the maximum 100 BTC/);
    expect(lotProblem(d('101'), market)).toBeUndefined();
    expect(lotProblem(d('0.0105'), market, true)).toMatch(/not a multiple of the step 0.001/);
    expect(lotProblem(d('0.011'), market, true)).toBeUndefined();
    // no MARKET_LOT_SIZE bounds: the LOT_SIZE ones apply to market orders too
    expect(lotProblem(d('0.000001'), rules, true)).toMatch(/below the minimum 0.00001 BTC/);
    expect(lotProblem(d('9001'), rules, true)).toMatch(/above the maximum 9000 BTC/);
    expect(lotProblem(d('0.000015'), rules, true)).toMatch(/not a multiple of the step 0.00001/);
  });

  it('a price must be positive, within PRICE_FILTER and on the tick; zero bounds are no bounds', () => {
    expect(priceProblem(d('0'), rules)).toBe('price 0 is not positive');
    expect(priceProblem(d('0.01'), rules)).toBeUndefined(); // the minimum itself
    expect(priceProblem(d('0.001'), usdtRules('BTCUSDT', { tickSize: '0.001' }))).toBe(
      'price 0.001 is below the minimum 0.01',
    );
    expect(priceProblem(d('1000000'), rules)).toBeUndefined(); // the maximum itself
    expect(priceProblem(d('1000000.01'), rules)).toBe('price 1000000.01 is above the maximum 1000000');
    const unbounded = usdtRules('BTCUSDT', { minPrice: '0', maxPrice: '0', tickSize: '0' });
    expect(priceProblem(d('0.0000001'), unbounded)).toBeUndefined();
    expect(priceProblem(d('99999999.123'), unbounded)).toBeUndefined();
  });

  it('the order value must lie within NOTIONAL; a zero bound is no bound', () => {
    expect(notionalProblem(d('50000'), d('0.0001'), rules)).toBeUndefined(); // exactly the minimum 5
    expect(notionalProblem(d('90000'), d('100'), rules)).toBeUndefined(); // exactly the maximum
    expect(notionalProblem(d('90000'), d('100.001'), rules)).toBe(
      'order value 9000090 USDT is above the maximum 9000000 USDT',
    );
    const unbounded = usdtRules('BTCUSDT', { minNotional: '0', maxNotional: '0' });
    expect(notionalProblem(d('1'), d('0.00001'), unbounded)).toBeUndefined();
    expect(notionalProblem(d('1000000'), d('9000'), unbounded)).toBeUndefined();
  });

  it('the decimals of a step or tick; a zero step counts as 8', () => {
    expect(decimalsOf(d('0.00001000'))).toBe(5);
    expect(decimalsOf(d('1'))).toBe(0);
    expect(decimalsOf(d('0'))).toBe(8);
  });

  it('the larger and the smaller of two amounts', () => {
    expect(maxDec(d('1.5'), d('2')).toFixed()).toBe('2');
    expect(maxDec(d('2'), d('1.5')).toFixed()).toBe('2');
    expect(minDec(d('1.5'), d('2')).toFixed()).toBe('1.5');
    expect(minDec(d('2'), d('1.5')).toFixed()).toBe('1.5');
  });
});

describe('when a symbol may take a new position', () => {
  const rules = usdtRules('BTCUSDT');

  it('a TRADING symbol with OCOs and quote-amount market orders may, whatever its listed order types lack when none are listed', () => {
    expect(entryBlocked(rules, 'STOP_LOSS_LIMIT')).toBeUndefined();
    expect(entryBlocked({ ...rules, orderTypes: ['LIMIT', 'MARKET', 'LIMIT_MAKER', 'STOP_LOSS'] }, 'STOP_LOSS')).toBe(
      undefined,
    );
  });

  it('names what blocks it: the status, OCOs, quote-amount market orders, or the missing order types', () => {
    expect(entryBlocked({ ...rules, status: 'BREAK' }, 'STOP_LOSS_LIMIT')).toBe(
      'BTCUSDT is BREAK on the exchange, not TRADING',
    );
    expect(entryBlocked({ ...rules, ocoAllowed: false }, 'STOP_LOSS_LIMIT')).toBe(
      'BTCUSDT does not accept OCO orders now (ocoAllowed is false)',
    );
    expect(entryBlocked({ ...rules, quoteOrderQtyMarketAllowed: false }, 'STOP_LOSS_LIMIT')).toBe(
      'BTCUSDT does not accept market orders by quote amount now (quoteOrderQtyMarketAllowed is false)',
    );
    const listed = { ...rules, orderTypes: ['LIMIT', 'MARKET', 'LIMIT_MAKER', 'STOP_LOSS'] };
    expect(entryBlocked(listed, 'STOP_LOSS_LIMIT')).toBe('BTCUSDT does not accept STOP_LOSS_LIMIT orders now');
    expect(entryBlocked({ ...rules, orderTypes: ['LIMIT', 'STOP_LOSS_LIMIT'] }, 'STOP_LOSS_LIMIT')).toBe(
      'BTCUSDT does not accept MARKET, LIMIT_MAKER orders now',
    );
  });
});
