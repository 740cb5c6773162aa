import { describe, expect, it } from 'vitest';
import { intrabarPath, onTrigger, reachesLimit, triggersStop } from '../../electron/adapters/paper/intrabar';
import {
  bpsFraction,
  commissionOf,
  quantityForQuote,
  quoteOf,
  takerPrice,
  tradePrice,
} from '../../electron/adapters/paper/market-fills';
import { Decimal } from '../../electron/core/money/decimal';

/**
 * The one intrabar rule and the fill amounts both simulators share (docs/trading-rules.md,
 * "Simulated fills"), each rule on its own: the walk of a candle, when a price reaches a limit or
 * triggers a stop, what a triggered stop does, and the decimals of a fill.
 */
const d = (v: string | number) => new Decimal(v);

describe('intrabar rule', () => {
  it('a candle is walked open -> low -> high -> close, repeated prices left out', () => {
    expect(intrabarPath({ open: 10, high: 12, low: 9, close: 11 })).toEqual([10, 9, 12, 11]);
    expect(intrabarPath({ open: 10, high: 10, low: 9, close: 9 })).toEqual([10, 9, 10, 9]);
    expect(intrabarPath({ open: 10, high: 12, low: 10, close: 12 })).toEqual([10, 12]);
    expect(intrabarPath({ open: 5, high: 5, low: 5, close: 5 })).toEqual([5]);
  });

  it('a limit is reached at or beyond its price: at or above for a sell, at or below for a buy', () => {
    expect(reachesLimit('SELL', 100, 100)).toBe(true);
    expect(reachesLimit('SELL', 100, 100.01)).toBe(true);
    expect(reachesLimit('SELL', 100, 99.99)).toBe(false);
    expect(reachesLimit('BUY', 100, 100)).toBe(true);
    expect(reachesLimit('BUY', 100, 99.99)).toBe(true);
    expect(reachesLimit('BUY', 100, 100.01)).toBe(false);
  });

  it('a stop triggers at or beyond its price: at or below for a sell, at or above for a buy', () => {
    expect(triggersStop('SELL', 100, 100)).toBe(true);
    expect(triggersStop('SELL', 100, 99)).toBe(true);
    expect(triggersStop('SELL', 100, 100.01)).toBe(false);
    expect(triggersStop('BUY', 100, 100)).toBe(true);
    expect(triggersStop('BUY', 100, 101)).toBe(true);
    expect(triggersStop('BUY', 100, 99.99)).toBe(false);
  });

  it('a triggered stop: market without a limit; takes when the price reaches its limit; else rests', () => {
    expect(onTrigger('SELL', undefined, 95)).toBe('market');
    expect(onTrigger('SELL', NaN, 95)).toBe('market');
    expect(onTrigger('SELL', 95, 95)).toBe('take');
    expect(onTrigger('SELL', 95, 96)).toBe('take');
    expect(onTrigger('SELL', 95, 94.99)).toBe('rest');
    expect(onTrigger('BUY', 105, 105)).toBe('take');
    expect(onTrigger('BUY', 105, 105.01)).toBe('rest');
  });
});

describe('fill amounts', () => {
  it('basis points as an exact fraction', () => {
    expect(bpsFraction(5).toFixed()).toBe('0.0005');
    expect(bpsFraction(0).toFixed()).toBe('0');
    expect(bpsFraction(12.5).toFixed()).toBe('0.00125');
  });

  it('a taker trades away from the reference, rounded to the tick away from it', () => {
    expect(takerPrice(d(100), 'BUY', d('0.0005'), d('0.01')).toFixed()).toBe('100.05');
    expect(takerPrice(d(100), 'SELL', d('0.0005'), d('0.01')).toFixed()).toBe('99.95');
    expect(takerPrice(d('100.001'), 'BUY', d(0), d('0.01')).toFixed()).toBe('100.01');
    expect(takerPrice(d('100.009'), 'SELL', d(0), d('0.01')).toFixed()).toBe('100');
  });

  it('a marketable limit takes on the tick, against the taker', () => {
    expect(tradePrice(100.004, 'BUY', d('0.01')).toFixed()).toBe('100.01');
    expect(tradePrice(100.006, 'SELL', d('0.01')).toFixed()).toBe('100');
    expect(tradePrice(100.01, 'SELL', d('0.01')).toFixed()).toBe('100.01');
  });

  it('a market buy by quote floors to the step; quote amounts to 8 decimals; commission rounded up', () => {
    expect(quantityForQuote(d(100), d(30000), d('0.00001')).toFixed()).toBe('0.00333');
    expect(quoteOf(d('0.123456789'), d('1.1')).toFixed()).toBe('0.13580247');
    expect(commissionOf(d('0.003333'), d('0.001')).toFixed()).toBe('0.00000334');
    expect(commissionOf(d('0.00333'), d('0.001')).toFixed()).toBe('0.00000333');
    expect(commissionOf(d('1000'), d('0.001')).toFixed()).toBe('1');
  });
});
