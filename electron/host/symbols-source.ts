import { fetchSpotSymbols } from '../adapters/binance/exchange-info-rules';
import { defaultRuleSymbols } from '../adapters/paper/default-rules';

export interface SymbolList {
  symbols: string[];
  source: 'exchange' | 'built-in';
}

const CACHE_MS = 60 * 60_000;

/**
 * symbols.list: the spot symbols Binance trades (its public exchangeInfo, no API key), kept for an
 * hour; the built-in list (the pairs whose filters Tranche ships) when Binance cannot be reached.
 */
export class SymbolsSource {
  private cached: { at: number; symbols: string[] } | undefined;

  constructor(private readonly opts: { restBaseUrl?: string; timeoutMs?: number } = {}) {}

  async list(now = Date.now()): Promise<SymbolList> {
    if (this.cached && now - this.cached.at < CACHE_MS) return { symbols: this.cached.symbols, source: 'exchange' };
    try {
      const symbols = await fetchSpotSymbols(this.opts);
      if (symbols.length === 0) throw new Error('exchangeInfo listed no symbols');
      this.cached = { at: now, symbols };
      return { symbols, source: 'exchange' };
    } catch {
      return { symbols: defaultRuleSymbols().sort(), source: 'built-in' };
    }
  }
}
