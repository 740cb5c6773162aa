import { MainClient } from 'binance';
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
      const client = new MainClient(
        {
          ...(this.opts.restBaseUrl ? { baseUrl: this.opts.restBaseUrl } : {}),
          beautifyResponses: false,
          disableTimeSync: true,
        },
        { timeout: this.opts.timeoutMs ?? 8000 },
      );
      const info = (await client.getExchangeInfo({
        permissions: 'SPOT',
        symbolStatus: 'TRADING',
        showPermissionSets: false,
      })) as unknown as { symbols?: Array<{ symbol?: unknown; status?: unknown; isSpotTradingAllowed?: unknown }> };
      const symbols = (info.symbols ?? [])
        .filter((s) => typeof s.symbol === 'string' && (s.status === undefined || s.status === 'TRADING'))
        .filter((s) => s.isSpotTradingAllowed !== false)
        .map((s) => s.symbol as string)
        .sort();
      if (symbols.length === 0) throw new Error('exchangeInfo listed no symbols');
      this.cached = { at: now, symbols };
      return { symbols, source: 'exchange' };
    } catch {
      return { symbols: defaultRuleSymbols().sort(), source: 'built-in' };
    }
  }
}
