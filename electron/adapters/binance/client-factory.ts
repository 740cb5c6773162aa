import { MainClient } from 'binance';
import type { BinanceEndpoints } from './environments';
import type { RequestSigner } from './signer';

export interface RestClientOptions {
  endpoints: BinanceEndpoints;
  /** Omitted for public data (no key, nothing signed). */
  credentials?: { apiKey: string; signer: RequestSigner };
  /** Timeout of one request (past it, an order's outcome is unknown). */
  timeoutMs: number;
}

/**
 * The one place a `binance` REST client is made: raw answers (every amount a decimal string),
 * Binance's errors with their HTTP status (parseExceptions off), no time-sync interval (the
 * adapter measures the offset itself), and our signer (HMAC, RSA or Ed25519, synchronous: the
 * package's WebCrypto path costs two thread-pool round trips before every order).
 */
export function createRestClient(o: RestClientOptions): MainClient {
  return new MainClient(
    {
      ...(o.credentials ? { api_key: o.credentials.apiKey, api_secret: 'signed-by-tranche' } : {}),
      baseUrl: o.endpoints.restBaseUrl,
      beautifyResponses: false,
      disableTimeSync: true,
      parseExceptions: false,
      ...(o.credentials
        ? {
            customSignMessageFn: async (message: string) => o.credentials!.signer.signForQuery(message),
          }
        : {}),
    },
    { timeout: o.timeoutMs },
  );
}
