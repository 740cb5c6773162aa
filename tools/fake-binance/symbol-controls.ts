import { Decimal } from '../../electron/core/money/decimal';
import type { RawFilter, RawSymbolInfo } from '../../electron/adapters/binance/symbol-rules-from-exchange-info';

/**
 * Changes to a listed symbol that a test makes while the fake runs, as Binance makes them over
 * time: its trading status (enums.md "Symbol status": TRADING, END_OF_DAY, HALT, BREAK, and
 * CANCEL_ONLY since 2026-07), its flags (ocoAllowed, quoteOrderQtyMarketAllowed, orderTypes, ...)
 * and its filters' numbers (BNBUSDT's tick was 0.1 in 2024). Each returns a changed copy of the
 * exchangeInfo entry; the fake then serves it at once and the matching engine enforces it.
 */

export type SymbolStatus = 'TRADING' | 'HALT' | 'BREAK' | 'END_OF_DAY' | 'CANCEL_ONLY';

const SYMBOL_STATUSES: readonly SymbolStatus[] = ['TRADING', 'HALT', 'BREAK', 'END_OF_DAY', 'CANCEL_ONLY'];

/** exchangeInfo symbol flags. Enforced: ocoAllowed, quoteOrderQtyMarketAllowed, orderTypes, the STP modes. */
export interface SymbolFlags {
  ocoAllowed?: boolean;
  otoAllowed?: boolean;
  quoteOrderQtyMarketAllowed?: boolean;
  icebergAllowed?: boolean;
  allowTrailingStop?: boolean;
  cancelReplaceAllowed?: boolean;
  amendAllowed?: boolean;
  pegInstructionsAllowed?: boolean;
  isSpotTradingAllowed?: boolean;
  isMarginTradingAllowed?: boolean;
  /** e.g. without "MARKET": "Market orders are not supported for this symbol." */
  orderTypes?: readonly string[];
  defaultSelfTradePreventionMode?: string;
  allowedSelfTradePreventionModes?: readonly string[];
}

/** New filter values (decimals as strings or numbers; written with 8 decimals as Binance does). */
export interface SymbolFilterChanges {
  /** PRICE_FILTER */
  tickSize?: string | number;
  minPrice?: string | number;
  maxPrice?: string | number;
  /** LOT_SIZE */
  stepSize?: string | number;
  minQty?: string | number;
  maxQty?: string | number;
  /** MARKET_LOT_SIZE */
  marketStepSize?: string | number;
  marketMinQty?: string | number;
  marketMaxQty?: string | number;
  /** NOTIONAL (or MIN_NOTIONAL when that is the filter the symbol carries) */
  minNotional?: string | number;
  maxNotional?: string | number;
  applyMinToMarket?: boolean;
  applyMaxToMarket?: boolean;
}

export function withStatus(info: RawSymbolInfo, status: SymbolStatus): RawSymbolInfo {
  if (!SYMBOL_STATUSES.includes(status)) throw new Error(`fake-binance: unknown symbol status ${String(status)}`);
  return { ...structuredClone(info), status };
}

export function withFlags(info: RawSymbolInfo, flags: SymbolFlags): RawSymbolInfo {
  const out = structuredClone(info);
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) out[k] = Array.isArray(v) ? [...v] : v;
  return out;
}

export function withFilters(info: RawSymbolInfo, changes: SymbolFilterChanges): RawSymbolInfo {
  const out = structuredClone(info);
  const filters: RawFilter[] = (out.filters ??= []);
  const filter = (type: string): RawFilter => {
    let f = filters.find((x) => x.filterType === type);
    if (!f) filters.push((f = { filterType: type }));
    return f;
  };
  const set = (type: string, field: string, value: string | number | undefined): void => {
    if (value !== undefined) filter(type)[field] = new Decimal(value).toFixed(8);
  };
  set('PRICE_FILTER', 'tickSize', changes.tickSize);
  set('PRICE_FILTER', 'minPrice', changes.minPrice);
  set('PRICE_FILTER', 'maxPrice', changes.maxPrice);
  set('LOT_SIZE', 'stepSize', changes.stepSize);
  set('LOT_SIZE', 'minQty', changes.minQty);
  set('LOT_SIZE', 'maxQty', changes.maxQty);
  set('MARKET_LOT_SIZE', 'stepSize', changes.marketStepSize);
  set('MARKET_LOT_SIZE', 'minQty', changes.marketMinQty);
  set('MARKET_LOT_SIZE', 'maxQty', changes.marketMaxQty);
  const legacy =
    !filters.some((f) => f.filterType === 'NOTIONAL') && filters.some((f) => f.filterType === 'MIN_NOTIONAL');
  const notional = legacy ? 'MIN_NOTIONAL' : 'NOTIONAL';
  set(notional, 'minNotional', changes.minNotional);
  if (!legacy) set(notional, 'maxNotional', changes.maxNotional);
  if (changes.applyMinToMarket !== undefined)
    filter(notional)[legacy ? 'applyToMarket' : 'applyMinToMarket'] = changes.applyMinToMarket;
  if (changes.applyMaxToMarket !== undefined && !legacy) filter(notional).applyMaxToMarket = changes.applyMaxToMarket;
  return out;
}
