/**
 * Where each Binance environment lives. `custom` points every base URL somewhere else (the local
 * exchange in tests, a proxy), with the protocol unchanged.
 */
export interface BinanceEndpoints {
  /** The environment's name: 'live', 'testnet' or a custom lower-case name (keys are stored per name). */
  name: string;
  /** REST base without trailing slash (MainClient baseUrl). */
  restBaseUrl: string;
  /** Market streams base; the client appends /stream. */
  streamBaseUrl: string;
  /** WebSocket API base; the client appends /ws-api/v3. */
  wsApiBaseUrl: string;
  testnet: boolean;
}

const BINANCE_ENVIRONMENTS: Record<'live' | 'testnet', BinanceEndpoints> = {
  live: {
    name: 'live',
    restBaseUrl: 'https://api.binance.com',
    streamBaseUrl: 'wss://stream.binance.com:9443',
    wsApiBaseUrl: 'wss://ws-api.binance.com:443',
    testnet: false,
  },
  testnet: {
    name: 'testnet',
    restBaseUrl: 'https://testnet.binance.vision',
    streamBaseUrl: 'wss://stream.testnet.binance.vision',
    wsApiBaseUrl: 'wss://ws-api.testnet.binance.vision',
    testnet: true,
  },
};

/**
 * The endpoints of a named environment. A name other than live/testnet needs all three URLs
 * (they say where that environment is); live and testnet accept overrides.
 */
export function endpointsFor(
  name: string,
  overrides: { restBaseUrl?: string; streamBaseUrl?: string; wsApiBaseUrl?: string } = {},
): BinanceEndpoints {
  if (!/^[a-z0-9-]{1,32}$/.test(name))
    throw new Error(`environment "${name}" must be lower-case letters, digits and dashes`);
  const known = name === 'live' || name === 'testnet' ? BINANCE_ENVIRONMENTS[name] : undefined;
  const rest = overrides.restBaseUrl ?? known?.restBaseUrl;
  const stream = overrides.streamBaseUrl ?? known?.streamBaseUrl;
  const wsApi = overrides.wsApiBaseUrl ?? known?.wsApiBaseUrl;
  if (!rest || !stream || !wsApi) {
    throw new Error(
      `environment "${name}" is not live or testnet: give its --binance-rest-url, --binance-ws-url and --binance-ws-api-url`,
    );
  }
  return {
    name,
    restBaseUrl: baseUrl(rest, ['http:', 'https:'], '--binance-rest-url', []),
    streamBaseUrl: baseUrl(stream, ['ws:', 'wss:'], '--binance-ws-url', ['/stream', '/ws']),
    wsApiBaseUrl: baseUrl(wsApi, ['ws:', 'wss:'], '--binance-ws-api-url', ['/ws-api/v3']),
    testnet: known?.testnet ?? false,
  };
}

/** The full WebSocket API endpoint of an environment (its base + /ws-api/v3). */
export function wsApiUrlOf(e: BinanceEndpoints): string {
  return `${e.wsApiBaseUrl}/ws-api/v3`;
}

/**
 * A base URL as the clients want it: the right scheme, no trailing slash, and without the path the
 * clients append themselves (a URL copied with it, e.g. ws://127.0.0.1:PORT/ws-api/v3 from the local
 * exchange's banner, would otherwise be asked for .../ws-api/v3/ws-api/v3 and answer 404).
 */
function baseUrl(raw: string, schemes: readonly string[], option: string, suffixes: readonly string[]): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${option} "${raw}" is not a URL (expected e.g. ${schemes[1]}//host:port)`);
  }
  if (!schemes.includes(url.protocol))
    throw new Error(`${option} "${raw}" must start with ${schemes.map((s) => `${s}//`).join(' or ')}`);
  let out = raw.replace(/\/+$/, '');
  for (const suffix of suffixes) if (out.endsWith(suffix)) out = out.slice(0, -suffix.length);
  return out.replace(/\/+$/, '');
}
