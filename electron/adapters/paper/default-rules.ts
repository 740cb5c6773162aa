import { Decimal } from '../../core/money/decimal';
import type { SymbolRules } from '../../core/money/symbol-rules';
import { splitSymbol, USD_LIKE } from '../../../shared/market/symbols';
import { parseSymbolRules, type RawFilter, type RawSymbolInfo } from '../binance/symbol-rules-from-exchange-info';

/**
 * Symbol rules for paper trading and replay without a network: exchangeInfo-shaped objects as
 * Binance sends them (numbers as 8-decimal strings), parsed by the same parser as live data.
 *
 * Values follow Binance spot exchangeInfo for these pairs as of 2025 (tick, step, minimum
 * notional 5 of the quote asset); Binance changes them now and then, so a live session must use
 * the exchange's own answer, never these.
 */

interface PairFilters {
  tick: string;
  step: string;
  maxPrice: string;
  maxQty: string;
  /** MARKET_LOT_SIZE maxQty (Binance derives it from recent volume). */
  marketMaxQty: string;
}

/** Per base asset, against USD-like quotes. */
const PAIRS: Record<string, PairFilters> = {
  BTC: { tick: '0.01', step: '0.00001', maxPrice: '1000000', maxQty: '9000', marketMaxQty: '60' },
  ETH: { tick: '0.01', step: '0.0001', maxPrice: '1000000', maxQty: '9000', marketMaxQty: '2500' },
  BNB: { tick: '0.01', step: '0.001', maxPrice: '100000', maxQty: '9000', marketMaxQty: '2000' },
  SOL: { tick: '0.01', step: '0.001', maxPrice: '10000', maxQty: '9000', marketMaxQty: '12000' },
  XRP: { tick: '0.0001', step: '0.1', maxPrice: '1000', maxQty: '9222449', marketMaxQty: '1500000' },
  ADA: { tick: '0.0001', step: '0.1', maxPrice: '1000', maxQty: '900000', marketMaxQty: '900000' },
  DOGE: { tick: '0.00001', step: '1', maxPrice: '1000', maxQty: '9000000', marketMaxQty: '9000000' },
  LTC: { tick: '0.01', step: '0.001', maxPrice: '100000', maxQty: '90000', marketMaxQty: '9000' },
};

const QUOTES = ['USDT', 'FDUSD', 'USDC'] as const;

/** Binance writes filter numbers with 8 decimals ("0.01000000"). */
function wire(value: string | number): string {
  return new Decimal(value).toFixed(8);
}

/** A complete exchangeInfo symbol entry, shaped like Binance's (including filters we do not read). */
function exchangeInfoSymbol(base: string, quote: string, f: PairFilters, minNotional = '5'): RawSymbolInfo {
  const filters: RawFilter[] = [
    { filterType: 'PRICE_FILTER', minPrice: wire(f.tick), maxPrice: wire(f.maxPrice), tickSize: wire(f.tick) },
    { filterType: 'LOT_SIZE', minQty: wire(f.step), maxQty: wire(f.maxQty), stepSize: wire(f.step) },
    { filterType: 'ICEBERG_PARTS', limit: 10 },
    { filterType: 'MARKET_LOT_SIZE', minQty: wire(0), maxQty: wire(f.marketMaxQty), stepSize: wire(0) },
    {
      filterType: 'TRAILING_DELTA',
      minTrailingAboveDelta: 10,
      maxTrailingAboveDelta: 2000,
      minTrailingBelowDelta: 10,
      maxTrailingBelowDelta: 2000,
    },
    {
      filterType: 'PERCENT_PRICE_BY_SIDE',
      bidMultiplierUp: '5',
      bidMultiplierDown: '0.2',
      askMultiplierUp: '5',
      askMultiplierDown: '0.2',
      avgPriceMins: 5,
    },
    {
      filterType: 'NOTIONAL',
      minNotional: wire(minNotional),
      applyMinToMarket: true,
      maxNotional: wire(9_000_000),
      applyMaxToMarket: false,
      avgPriceMins: 5,
    },
    { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
    { filterType: 'MAX_NUM_ALGO_ORDERS', maxNumAlgoOrders: 5 },
  ];
  return {
    symbol: `${base}${quote}`,
    status: 'TRADING',
    baseAsset: base,
    baseAssetPrecision: 8,
    quoteAsset: quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT'],
    icebergAllowed: true,
    ocoAllowed: true,
    otoAllowed: true,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: true,
    cancelReplaceAllowed: true,
    amendAllowed: true,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters,
    permissions: [],
    permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH', 'DECREMENT'],
  };
}

/** The built-in symbols, exchangeInfo-shaped (the fake exchange serves these). */
export const DEFAULT_SYMBOL_INFOS: readonly RawSymbolInfo[] = Object.entries(PAIRS).flatMap(([base, f]) =>
  QUOTES.map((quote) => exchangeInfoSymbol(base, quote, f)),
);

const DEFAULT_RULES: ReadonlyMap<string, SymbolRules> = new Map(
  DEFAULT_SYMBOL_INFOS.map((info) => [info.symbol, parseSymbolRules(info)] as const),
);

/** Built-in rules for a symbol, or undefined when it is not one of the built-in pairs. */
export function defaultRules(symbol: string): SymbolRules | undefined {
  return DEFAULT_RULES.get(symbol);
}

export function defaultRuleSymbols(): string[] {
  return [...DEFAULT_RULES.keys()];
}

/** Minimum order value by quote asset for symbols we know nothing about (Binance's usual values). */
const FALLBACK_MIN_NOTIONAL: Record<string, string> = {
  BTC: '0.0001',
  ETH: '0.001',
  BNB: '0.01',
  EUR: '5',
  TRY: '100',
  BRL: '10',
  JPY: '1000',
};

/**
 * exchangeInfo-shaped rules derived from a price, for symbols without built-in rules: a tick of
 * about 1/10,000 of the price (at most 0.01) and a step worth roughly 0.1 to 1 quote unit (at most
 * 1), which is how Binance sizes most pairs. Throws when the quote asset cannot be recognised.
 */
export function fallbackSymbolInfo(symbol: string, referencePrice: number): RawSymbolInfo {
  const parts = splitSymbol(symbol);
  if (!parts) throw new Error(`Cannot derive rules for ${symbol}: its quote asset is not one we recognise`);
  if (!(referencePrice > 0) || !Number.isFinite(referencePrice)) {
    throw new Error(`Cannot derive rules for ${symbol}: reference price ${referencePrice} is not a positive number`);
  }
  const magnitude = Math.floor(Math.log10(referencePrice));
  const tickExp = Math.min(-2, Math.max(-8, magnitude - 4));
  const stepExp = Math.min(0, Math.max(-8, -(magnitude + 1)));
  const tick = new Decimal(10).pow(tickExp).toFixed();
  const step = new Decimal(10).pow(stepExp).toFixed();
  const minNotional = USD_LIKE.has(parts.quote) ? '5' : (FALLBACK_MIN_NOTIONAL[parts.quote] ?? '5');
  const maxPrice = new Decimal(10).pow(Math.max(3, magnitude + 3)).toFixed();
  return exchangeInfoSymbol(
    parts.base,
    parts.quote,
    { tick, step, maxPrice, maxQty: '9000000', marketMaxQty: '9000000' },
    minNotional,
  );
}

/** Rules for any symbol: the built-in ones when known, otherwise derived from the price. */
export function fallbackRules(symbol: string, referencePrice: number): SymbolRules {
  return defaultRules(symbol) ?? parseSymbolRules(fallbackSymbolInfo(symbol, referencePrice));
}
