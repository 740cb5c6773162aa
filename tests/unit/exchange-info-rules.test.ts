import { describe, expect, it } from 'vitest';
import {
  parseExchangeInfoRules,
  parseSymbolRules,
} from '../../electron/adapters/binance/symbol-rules-from-exchange-info';
import { Decimal } from '../../electron/core/money/decimal';

/**
 * A symbol's rules read from exchangeInfo (symbol-rules-from-exchange-info.ts), with the field names
 * of binance-spot-api-docs (filters.md, rest-api.md): every filter the engine uses, NOTIONAL over the
 * legacy MIN_NOTIONAL, defaults for what is absent, and a clear error naming what is wrong.
 */
const d = (v: string) => new Decimal(v);
const BTC = {
  symbol: 'BTCUSDT',
  status: 'TRADING',
  baseAsset: 'BTC',
  baseAssetPrecision: 8,
  quoteAsset: 'USDT',
  quotePrecision: 8,
  quoteAssetPrecision: 8,
  orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'],
  ocoAllowed: true,
  quoteOrderQtyMarketAllowed: true,
  filters: [
    { filterType: 'PRICE_FILTER', minPrice: '0.01000000', maxPrice: '1000000.00000000', tickSize: '0.01000000' },
    { filterType: 'LOT_SIZE', minQty: '0.00001000', maxQty: '9000.00000000', stepSize: '0.00001000' },
    { filterType: 'MARKET_LOT_SIZE', minQty: '0.00000000', maxQty: '84.51000000', stepSize: '0.00000000' },
    {
      filterType: 'NOTIONAL',
      minNotional: '5.00000000',
      applyMinToMarket: true,
      maxNotional: '9000000.00000000',
      applyMaxToMarket: false,
      avgPriceMins: 5,
    },
    { filterType: 'ICEBERG_PARTS', limit: 10 },
  ],
};

describe('parseSymbolRules', () => {
  it('every filter the engine uses, as exact decimals', () => {
    expect(parseSymbolRules(BTC)).toEqual({
      symbol: 'BTCUSDT',
      baseAsset: 'BTC',
      quoteAsset: 'USDT',
      status: 'TRADING',
      quotePrecision: 8,
      basePrecision: 8,
      tickSize: d('0.01'),
      minPrice: d('0.01'),
      maxPrice: d('1000000'),
      stepSize: d('0.00001'),
      minQty: d('0.00001'),
      maxQty: d('9000'),
      marketStepSize: d('0'),
      marketMinQty: d('0'),
      marketMaxQty: d('84.51'),
      minNotional: d('5'),
      maxNotional: d('9000000'),
      applyMinToMarket: true,
      ocoAllowed: true,
      quoteOrderQtyMarketAllowed: true,
      orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'],
    });
  });

  it('the legacy MIN_NOTIONAL when NOTIONAL is absent (applyToMarket); NOTIONAL wins when both are there', () => {
    const legacy = {
      ...BTC,
      filters: [{ filterType: 'MIN_NOTIONAL', minNotional: '10.00000000', applyToMarket: true, avgPriceMins: 5 }],
    };
    const r = parseSymbolRules(legacy);
    expect(r.minNotional).toEqual(d('10'));
    expect(r.maxNotional).toEqual(d('0'));
    expect(r.applyMinToMarket).toBe(true);
    const both = {
      ...BTC,
      filters: [...legacy.filters, { filterType: 'NOTIONAL', minNotional: '5', applyMinToMarket: false }],
    };
    expect(parseSymbolRules(both)).toMatchObject({ minNotional: d('5'), applyMinToMarket: false });
  });

  it('absent fields: TRADING, precision 8 (quotePrecision when quoteAssetPrecision is missing), zero bounds, no OCOs, quote orders allowed', () => {
    const r = parseSymbolRules({ symbol: 'XUSDT', baseAsset: 'X', quoteAsset: 'USDT', quotePrecision: 6 });
    expect(r).toMatchObject({
      status: 'TRADING',
      quotePrecision: 6,
      basePrecision: 8,
      tickSize: d('0'),
      minNotional: d('0'),
      applyMinToMarket: false,
      ocoAllowed: false,
      quoteOrderQtyMarketAllowed: true,
      orderTypes: [],
    });
    expect(parseSymbolRules({ symbol: 'X', baseAsset: 'X', quoteAsset: 'U' }).quotePrecision).toBe(8);
    expect(parseSymbolRules({ ...BTC, quoteOrderQtyMarketAllowed: false }).quoteOrderQtyMarketAllowed).toBe(false);
    expect(parseSymbolRules({ ...BTC, ocoAllowed: 'yes' }).ocoAllowed).toBe(false);
    expect(parseSymbolRules({ ...BTC, orderTypes: ['MARKET', 7] }).orderTypes).toEqual(['MARKET']);
    expect(parseSymbolRules({ ...BTC, filters: [{ filterType: 'PRICE_FILTER', tickSize: null }] }).tickSize).toEqual(
      d('0'),
    );
  });

  it('a broken symbol: an error that names the symbol and what is wrong', () => {
    const bad: [unknown, string][] = [
      ['BTCUSDT', 'exchangeInfo symbol: expected an object'],
      [{ ...BTC, symbol: '' }, 'exchangeInfo symbol: symbol is missing'],
      [{ ...BTC, baseAsset: undefined }, 'exchangeInfo BTCUSDT: baseAsset is missing'],
      [{ ...BTC, status: 3 }, 'exchangeInfo BTCUSDT: status is not a string'],
      [{ ...BTC, quoteAssetPrecision: 31 }, 'exchangeInfo BTCUSDT: quoteAssetPrecision is not a precision: 31'],
      [{ ...BTC, baseAssetPrecision: 2.5 }, 'exchangeInfo BTCUSDT: baseAssetPrecision is not a precision: 2.5'],
      [{ ...BTC, baseAssetPrecision: -1 }, 'exchangeInfo BTCUSDT: baseAssetPrecision is not a precision: -1'],
      [{ ...BTC, filters: {} }, 'exchangeInfo BTCUSDT: filters is not an array'],
      [{ ...BTC, filters: [{ tickSize: '1' }] }, 'exchangeInfo BTCUSDT: a filter has no filterType'],
      [{ ...BTC, filters: [null] }, 'exchangeInfo BTCUSDT: a filter has no filterType'],
      [
        { ...BTC, filters: [{ filterType: 'PRICE_FILTER', tickSize: true }] },
        'exchangeInfo BTCUSDT: PRICE_FILTER.tickSize is not a number',
      ],
      [
        { ...BTC, filters: [{ filterType: 'PRICE_FILTER', tickSize: 'abc' }] },
        'exchangeInfo BTCUSDT: PRICE_FILTER.tickSize is not a number: "abc"',
      ],
      [
        { ...BTC, filters: [{ filterType: 'LOT_SIZE', stepSize: '-0.1' }] },
        'exchangeInfo BTCUSDT: LOT_SIZE.stepSize is not a usable bound: "-0.1"',
      ],
      [
        { ...BTC, filters: [{ filterType: 'LOT_SIZE', maxQty: 'Infinity' }] },
        'exchangeInfo BTCUSDT: LOT_SIZE.maxQty is not a usable bound: "Infinity"',
      ],
      [
        { ...BTC, filters: [{ filterType: 'NOTIONAL', minNotional: '5', applyMinToMarket: 'true' }] },
        'exchangeInfo BTCUSDT: NOTIONAL.applyMinToMarket is not a boolean',
      ],
    ];
    for (const [raw, message] of bad) expect(() => parseSymbolRules(raw), message).toThrow(new Error(message));
  });
});

describe('parseExchangeInfoRules', () => {
  it('every symbol by name; a response without a symbols array is refused', () => {
    const rules = parseExchangeInfoRules({
      timezone: 'UTC',
      symbols: [BTC, { ...BTC, symbol: 'ETHUSDT', baseAsset: 'ETH' }],
    });
    expect([...rules.keys()]).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(rules.get('ETHUSDT')?.baseAsset).toBe('ETH');
    expect(() => parseExchangeInfoRules({})).toThrow('exchangeInfo: expected an object with a symbols array');
    expect(() => parseExchangeInfoRules(null)).toThrow('exchangeInfo: expected an object with a symbols array');
  });
});
