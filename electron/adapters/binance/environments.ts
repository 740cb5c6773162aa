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

export const BINANCE_ENVIRONMENTS: Record<'live' | 'testnet', BinanceEndpoints> = {
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
    restBaseUrl: rest.replace(/\/+$/, ''),
    streamBaseUrl: stream.replace(/\/+$/, ''),
    wsApiBaseUrl: wsApi.replace(/\/+$/, ''),
    testnet: known?.testnet ?? false,
  };
}
