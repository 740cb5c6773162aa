/**
 * Quote assets we recognise at the end of a Binance spot symbol, longest first so that
 * "FDUSD" wins over "USD" style suffixes. Used to split BTCUSDT into BTC / USDT when no
 * exchangeInfo is at hand (config validation in the renderer, replay without network).
 */
export const KNOWN_QUOTE_ASSETS = [
  'FDUSD',
  'USDT',
  'USDC',
  'TUSD',
  'BUSD',
  'USDP',
  'EURI',
  'BTC',
  'ETH',
  'BNB',
  'EUR',
  'TRY',
  'BRL',
  'JPY',
  'DAI',
] as const;

/** Quote assets shown with a dollar sign. */
export const USD_LIKE = new Set(['USDT', 'USDC', 'FDUSD', 'TUSD', 'BUSD', 'USDP', 'DAI', 'USD']);

export interface SymbolParts {
  base: string;
  quote: string;
}

/** Splits "BTCUSDT" into { base: "BTC", quote: "USDT" }; undefined when no known quote asset ends it. */
export function splitSymbol(symbol: string): SymbolParts | undefined {
  for (const quote of KNOWN_QUOTE_ASSETS) {
    if (symbol.endsWith(quote) && symbol.length > quote.length) {
      return { base: symbol.slice(0, -quote.length), quote };
    }
  }
  return undefined;
}
