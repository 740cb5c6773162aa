import type {
  EventChannel,
  EventPayload,
  RequestChannel,
  RequestInput,
  RequestOutput,
  Result,
  TrancheApi,
} from '../../../shared/ipc/contract';
import { ipcProtocols, ipcUrl, takeLaunchToken } from './transport';
import type { ConnectedApi, ConnectionInfo } from './types';
import { checkEvent, checkResult } from './validate';
import { WsTrancheClient } from './ws-client';

export type { ConnectedApi, ConnectionInfo } from './types';

declare global {
  interface Window {
    /** Exposed by the Electron preload (contextBridge). */
    tranche?: TrancheApi;
  }
}

/** window.tranche (Electron's preload): always connected while the window lives. */
function electronClient(bridge: TrancheApi, validate: boolean): ConnectedApi {
  const info: ConnectionInfo = { status: 'connected', transport: 'electron', attempt: 0, retryAt: null, detail: null };
  return {
    async request<C extends RequestChannel>(channel: C, input: RequestInput<C>): Promise<Result<RequestOutput<C>>> {
      let result: Result<unknown>;
      try {
        result = await bridge.request(channel, input);
      } catch (err) {
        result = { ok: false, error: { code: 'failed', message: `${channel}: ${String(err)}` } };
      }
      return (validate ? checkResult(channel, result) : result) as Result<RequestOutput<C>>;
    },
    on<C extends EventChannel>(channel: C, listener: (data: EventPayload<C>) => void) {
      return bridge.on(channel, (data) => {
        if (!validate) return listener(data);
        const checked = checkEvent(channel, data);
        if (checked) listener(checked.data as EventPayload<C>);
      });
    },
    connection: () => info,
    onConnection: () => () => undefined,
    reconnectNow: () => undefined,
    close: () => undefined,
  };
}

/** Neither a preload nor a token: every request fails with the reason, and the UI says so. */
function offlineClient(detail: string): ConnectedApi {
  const info: ConnectionInfo = { status: 'no-host', transport: 'none', attempt: 0, retryAt: null, detail };
  return {
    request: async () => ({ ok: false, error: { code: 'unauthorized', message: detail } }),
    on: () => () => undefined,
    connection: () => info,
    onConnection: () => () => undefined,
    reconnectNow: () => undefined,
    close: () => undefined,
  };
}

/** Picks the transport: the Electron preload when present, else the host's WebSocket with the launch token. */
export function createApi(options: { validate: boolean }): ConnectedApi {
  if (window.tranche) return electronClient(window.tranche, options.validate);
  let storage: Storage | undefined;
  try {
    storage = window.sessionStorage;
  } catch {
    storage = undefined;
  }
  const token = takeLaunchToken(window.location, storage, window.history);
  if (location.protocol === 'file:' || !token) {
    return offlineClient(
      'No connection to a Tranche host: start Tranche and open the address it prints (http://127.0.0.1:PORT/#token=…).',
    );
  }
  return new WsTrancheClient({
    url: ipcUrl(window.location, token),
    protocols: ipcProtocols(token),
    validate: options.validate,
  }).start();
}

let current: ConnectedApi | null = null;

/** Registers the API the stores use (main.ts at start-up, tests with a double). */
export function provideApi(api: ConnectedApi): void {
  current = api;
}

export function useApi(): ConnectedApi {
  if (!current) throw new Error('provideApi() must run before the stores are used');
  return current;
}
