import { MainClient } from 'binance';
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
  const client = new MainClient(
    { ...(opts.restBaseUrl ? { baseUrl: opts.restBaseUrl } : {}), beautifyResponses: false, disableTimeSync: true },
    { timeout: opts.timeoutMs ?? 10_000 },
  );
  const info = await client.getExchangeInfo({ symbols: [...symbols] });
  return parseExchangeInfoRules(info);
}
