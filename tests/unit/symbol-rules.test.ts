import { describe, expect, it } from 'vitest';
import { Decimal, toWire } from '../../electron/core/money/decimal';
import {
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
