import { WebsocketAPIClient, WS_KEY_MAP, type DefaultLogger } from 'binance';
import type { BinanceEndpoints } from './environments';

export type UserStreamState =
  'connecting' | 'connected' | 'reconnecting' | 'reconnected' | 'resynced' | 'closed' | 'error';

export interface UserDataStreamOptions {
  endpoints: BinanceEndpoints;
  credentials: { apiKey: string; apiSecret: string };
  /** A raw user-data event: executionReport, listStatus, outboundAccountPosition, ... */
  onEvent(event: Record<string, unknown>): void;
  onState(state: UserStreamState, detail?: string): void;
}

/**
 * Order and balance events over Binance's WebSocket API (`userDataStream.subscribe.signature`;
 * the listenKey stream is gone). The package reconnects and resubscribes by itself; after a
 * reconnect we report 'reconnected' so the exchange adapter re-reads what events may have been
 * missed. Events are passed on raw (strings for every amount).
 */
export class UserDataStream {
  private client: WebsocketAPIClient | undefined;

  constructor(private readonly opts: UserDataStreamOptions) {}

  async start(): Promise<void> {
    const { endpoints, credentials } = this.opts;
    const logger: DefaultLogger = {
      trace: () => undefined,
      info: () => undefined,
      // The package logs request objects on errors; keep only a short text, never parameters.
      error: (...params: unknown[]) => {
        const text = typeof params[0] === 'string' ? params[0] : 'websocket error';
        // The package reports its routine resubscription after a reconnect as an error: not one.
        if (/resubscrib/i.test(text)) return;
        this.opts.onState('error', text.slice(0, 200));
      },
    };
    const client = new WebsocketAPIClient(
      {
        api_key: credentials.apiKey,
        api_secret: credentials.apiSecret,
        wsUrl: endpoints.wsApiBaseUrl,
        testnet: endpoints.testnet,
        attachEventListeners: false,
        beautify: false,
        // Resubscribe at once after a reconnect (default 2 s, during which events would be lost).
        resubscribeUserDataStreamDelaySeconds: 0,
      },
      logger,
    );
    this.client = client;
    const ws = client.getWSClient();
    ws.on('message', (data: unknown) => {
      if (data && typeof data === 'object' && typeof (data as { e?: unknown }).e === 'string')
        this.opts.onEvent(data as Record<string, unknown>);
    });
    ws.on('reconnecting', () => this.opts.onState('reconnecting'));
    ws.on('reconnected', () => this.opts.onState('reconnected'));
    ws.on('close', () => this.opts.onState('closed'));
    this.opts.onState('connecting');
    await client.subscribeUserDataStream(endpoints.testnet ? WS_KEY_MAP.mainWSAPITestnet : WS_KEY_MAP.mainWSAPI);
    this.opts.onState('connected');
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (!c) return;
    try {
      c.getWSClient().closeAll(true);
    } catch {
      // already closed
    }
  }
}
