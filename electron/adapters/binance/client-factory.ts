import { MainClient } from 'binance';
import { RequestSigner } from './signer';

/** Binance's REST base when none is given. */
const LIVE_REST_BASE = 'https://api.binance.com';

export interface RestClientOptions {
  /** REST base without trailing slash (default: live Binance). */
  baseUrl?: string;
  /** Omitted for public data (no key, nothing signed). */
  credentials?: { apiKey: string; signer: RequestSigner };
  /** Timeout of one request (past it, an order's outcome is unknown). */
  timeoutMs: number;
  /** Aborts every request of this client (market data on Ctrl+C). */
  signal?: AbortSignal;
}

/**
 * The one place a `binance` REST client is made: raw answers (every amount a decimal string),
 * Binance's errors with their HTTP status (parseExceptions off), no time-sync interval (the
 * adapter measures the offset itself), and our signer (HMAC, RSA or Ed25519, synchronous: the
 * package's WebCrypto path costs two thread-pool round trips before every order). The secret never
 * reaches the package: it signs through our function.
 */
export function createRestClient(o: RestClientOptions): MainClient {
  return new MainClient(
    {
      ...(o.credentials ? { api_key: o.credentials.apiKey, api_secret: 'signed-by-tranche' } : {}),
      baseUrl: (o.baseUrl ?? LIVE_REST_BASE).replace(/\/+$/, ''),
      beautifyResponses: false,
      disableTimeSync: true,
      parseExceptions: false,
      ...(o.credentials
        ? { customSignMessageFn: async (message: string) => o.credentials!.signer.signForQuery(message) }
        : {}),
    },
    { timeout: o.timeoutMs, ...(o.signal ? { signal: o.signal } : {}) },
  );
}

/** A signed client for an API key and its secret (HMAC) or private key (RSA, Ed25519). */
export function createSignedRestClient(
  baseUrl: string,
  creds: { apiKey: string; apiSecret: string },
  timeoutMs: number,
): MainClient {
  return createRestClient({
    baseUrl,
    credentials: { apiKey: creds.apiKey, signer: new RequestSigner(creds.apiSecret) },
    timeoutMs,
  });
}
