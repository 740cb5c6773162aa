import { Decimal } from '../../electron/core/money/decimal';
import type { SymbolRules } from '../../electron/core/money/symbol-rules';

/** Binance-like filters for a USDT pair (BTCUSDT's real ones by default). */
export function usdtRules(
  symbol: string,
  over: Partial<Record<keyof SymbolRules, string | number | boolean>> = {},
): SymbolRules {
  const d = (k: keyof SymbolRules, v: string) => new Decimal(String(over[k] ?? v));
  return {
    symbol,
    baseAsset: symbol.replace(/USDT$/, ''),
    quoteAsset: 'USDT',
    status: 'TRADING',
    quotePrecision: Number(over.quotePrecision ?? 8),
    basePrecision: 8,
    tickSize: d('tickSize', '0.01'),
    minPrice: d('minPrice', '0.01'),
    maxPrice: d('maxPrice', '1000000'),
    stepSize: d('stepSize', '0.00001'),
    minQty: d('minQty', '0.00001'),
    maxQty: d('maxQty', '9000'),
    marketStepSize: d('marketStepSize', '0'),
    marketMinQty: d('marketMinQty', '0'),
    marketMaxQty: d('marketMaxQty', '0'),
    minNotional: d('minNotional', '5'),
    maxNotional: d('maxNotional', '9000000'),
    applyMinToMarket: over.applyMinToMarket === undefined ? true : Boolean(over.applyMinToMarket),
    ocoAllowed: true,
    quoteOrderQtyMarketAllowed: true,
    orderTypes: [],
  };
}
