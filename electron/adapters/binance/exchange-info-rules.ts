import { createRestClient } from './client-factory';
import type { SymbolRules } from '../../core/money/symbol-rules';
import { parseExchangeInfoRules } from './symbol-rules-from-exchange-info';

/**
 * Fetches the filters of some symbols from Binance's public exchangeInfo (no API key needed).
 * Raw responses (beautifyResponses off) so that every filter stays a decimal string.
 */
export async function fetchSymbolRules(
  symbols: readonly string[],
  opts: { restBaseUrl?: string; timeoutMs?: number } = {},
): Promise<Map<string, SymbolRules>> {
  const client = createRestClient({
    ...(opts.restBaseUrl ? { baseUrl: opts.restBaseUrl } : {}),
    timeoutMs: opts.timeoutMs ?? 10_000,
  });
  const info = await client.getExchangeInfo({ symbols: [...symbols] });
  return parseExchangeInfoRules(info);
}

/** Every symbol that trades on the spot market now (for the parameter-set form's symbol list). */
export async function fetchSpotSymbols(opts: { restBaseUrl?: string; timeoutMs?: number } = {}): Promise<string[]> {
  const client = createRestClient({
    ...(opts.restBaseUrl ? { baseUrl: opts.restBaseUrl } : {}),
    timeoutMs: opts.timeoutMs ?? 8000,
  });
  const info = (await client.getExchangeInfo({
    permissions: 'SPOT',
    symbolStatus: 'TRADING',
    showPermissionSets: false,
  })) as unknown as { symbols?: Array<{ symbol?: unknown; status?: unknown; isSpotTradingAllowed?: unknown }> };
  return (info.symbols ?? [])
    .filter((s) => typeof s.symbol === 'string' && (s.status === undefined || s.status === 'TRADING'))
    .filter((s) => s.isSpotTradingAllowed !== false)
    .map((s) => s.symbol as string)
    .sort();
}
