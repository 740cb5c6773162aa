import { Decimal, ZERO } from '../../core/money/decimal';
import type { SymbolRules } from '../../core/money/symbol-rules';

/**
 * One element of Binance's exchangeInfo `symbols[]`, as it arrives on the wire. Only the fields we
 * read are typed; Binance sends more (orderTypes, permissionSets, ...) and adds fields over time.
 */
export interface RawSymbolInfo {
  symbol: string;
  status?: string;
  baseAsset: string;
  baseAssetPrecision?: number;
  quoteAsset: string;
  /** Deprecated by Binance in favour of quoteAssetPrecision; read only as a fallback. */
  quotePrecision?: number;
  quoteAssetPrecision?: number;
  ocoAllowed?: boolean;
  otoAllowed?: boolean;
  quoteOrderQtyMarketAllowed?: boolean;
  orderTypes?: string[];
  filters?: RawFilter[];
  [field: string]: unknown;
}

/** A symbol filter: `filterType` plus string-valued numbers (and a few booleans). */
export interface RawFilter {
  filterType: string;
  [field: string]: unknown;
}

/**
 * Turns one exchangeInfo symbol into SymbolRules. An absent filter gives zero bounds, which
 * SymbolRules reads as "no bound", as Binance does. Throws an Error naming the symbol and field
 * when the input is not exchangeInfo-shaped.
 */
export function parseSymbolRules(symbolInfo: unknown): SymbolRules {
  if (!isRecord(symbolInfo)) throw new Error('exchangeInfo symbol: expected an object');
  const symbol = requireString(symbolInfo, 'symbol', 'exchangeInfo symbol');
  const where = `exchangeInfo ${symbol}`;
  const filters = readFilters(symbolInfo.filters, where);

  const price = filters.get('PRICE_FILTER');
  const lot = filters.get('LOT_SIZE');
  const marketLot = filters.get('MARKET_LOT_SIZE');
  // NOTIONAL replaced MIN_NOTIONAL in 2023; prefer it when both are present.
  const notional = filters.get('NOTIONAL');
  const legacyNotional = filters.get('MIN_NOTIONAL');

  let minNotional = ZERO;
  let maxNotional = ZERO;
  let applyMinToMarket = false;
  if (notional) {
    minNotional = decimalField(notional, 'minNotional', where);
    maxNotional = decimalField(notional, 'maxNotional', where);
    applyMinToMarket = booleanField(notional, 'applyMinToMarket', where);
  } else if (legacyNotional) {
    minNotional = decimalField(legacyNotional, 'minNotional', where);
    applyMinToMarket = booleanField(legacyNotional, 'applyToMarket', where);
  }

  return {
    symbol,
    baseAsset: requireString(symbolInfo, 'baseAsset', where),
    quoteAsset: requireString(symbolInfo, 'quoteAsset', where),
    status: optionalString(symbolInfo, 'status', where) ?? 'TRADING',
    quotePrecision:
      precision(symbolInfo, 'quoteAssetPrecision', where) ?? precision(symbolInfo, 'quotePrecision', where) ?? 8,
    basePrecision: precision(symbolInfo, 'baseAssetPrecision', where) ?? 8,
    tickSize: decimalField(price, 'tickSize', where),
    minPrice: decimalField(price, 'minPrice', where),
    maxPrice: decimalField(price, 'maxPrice', where),
    stepSize: decimalField(lot, 'stepSize', where),
    minQty: decimalField(lot, 'minQty', where),
    maxQty: decimalField(lot, 'maxQty', where),
    marketStepSize: decimalField(marketLot, 'stepSize', where),
    marketMinQty: decimalField(marketLot, 'minQty', where),
    marketMaxQty: decimalField(marketLot, 'maxQty', where),
    minNotional,
    maxNotional,
    applyMinToMarket,
    ocoAllowed: symbolInfo.ocoAllowed === true,
    // Binance has sent this flag since 2019; a symbol without it is taken to allow them.
    quoteOrderQtyMarketAllowed: symbolInfo.quoteOrderQtyMarketAllowed !== false,
    orderTypes: Array.isArray(symbolInfo.orderTypes)
      ? symbolInfo.orderTypes.filter((t): t is string => typeof t === 'string')
      : [],
  };
}

/** Parses every symbol of an exchangeInfo response into a map by symbol. */
export function parseExchangeInfoRules(exchangeInfo: unknown): Map<string, SymbolRules> {
  if (!isRecord(exchangeInfo) || !Array.isArray(exchangeInfo.symbols)) {
    throw new Error('exchangeInfo: expected an object with a symbols array');
  }
  const out = new Map<string, SymbolRules>();
  for (const s of exchangeInfo.symbols) {
    const rules = parseSymbolRules(s);
    out.set(rules.symbol, rules);
  }
  return out;
}

function readFilters(value: unknown, where: string): Map<string, RawFilter> {
  const out = new Map<string, RawFilter>();
  if (value === undefined) return out;
  if (!Array.isArray(value)) throw new Error(`${where}: filters is not an array`);
  for (const f of value) {
    if (!isRecord(f) || typeof f.filterType !== 'string') throw new Error(`${where}: a filter has no filterType`);
    out.set(f.filterType, f as RawFilter);
  }
  return out;
}

function decimalField(filter: RawFilter | undefined, field: string, where: string): Decimal {
  if (!filter) return ZERO;
  const v = filter[field];
  if (v === undefined || v === null) return ZERO;
  if (typeof v !== 'string' && typeof v !== 'number')
    throw new Error(`${where}: ${filter.filterType}.${field} is not a number`);
  let d: Decimal;
  try {
    d = new Decimal(v);
  } catch {
    throw new Error(`${where}: ${filter.filterType}.${field} is not a number: "${String(v)}"`);
  }
  if (!d.isFinite() || d.isNegative())
    throw new Error(`${where}: ${filter.filterType}.${field} is not a usable bound: "${String(v)}"`);
  return d;
}

function booleanField(filter: RawFilter, field: string, where: string): boolean {
  const v = filter[field];
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new Error(`${where}: ${filter.filterType}.${field} is not a boolean`);
  return v;
}

function requireString(obj: Record<string, unknown>, field: string, where: string): string {
  const v = obj[field];
  if (typeof v !== 'string' || v === '') throw new Error(`${where}: ${field} is missing`);
  return v;
}

function optionalString(obj: Record<string, unknown>, field: string, where: string): string | undefined {
  const v = obj[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new Error(`${where}: ${field} is not a string`);
  return v;
}

function precision(obj: Record<string, unknown>, field: string, where: string): number | undefined {
  const v = obj[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 30)
    throw new Error(`${where}: ${field} is not a precision: ${String(v)}`);
  return v;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
