/**
 * How the browser build finds and authenticates to the host's WebSocket (/ipc).
 *
 * The host opens the UI as http://127.0.0.1:PORT/#token=TOKEN (a per-launch token). The renderer
 * takes the token out of the address at start-up (before the router, which also uses the hash),
 * keeps it in sessionStorage so that a reload of the tab still connects, and removes it from the
 * address bar and the history.
 *
 * The token travels as a WebSocket subprotocol, as electron/host/ws-host.ts expects:
 *   new WebSocket('ws://HOST/ipc', ['tranche.v1', 'tranche.token.TOKEN'])
 * (the Sec-WebSocket-Protocol header: never in a URL, so never in a log). The other transport,
 * ws://HOST/ipc?token=TOKEN, is this one constant away.
 */
export const TOKEN_TRANSPORT: 'query' | 'subprotocol' = 'subprotocol';

const IPC_PATH = '/ipc';
const TOKEN_QUERY_PARAM = 'token';
const IPC_SUBPROTOCOL = 'tranche.v1';
const TOKEN_SUBPROTOCOL_PREFIX = 'tranche.token.';
export const TOKEN_STORAGE_KEY = 'tranche.token';

interface LocationLike {
  protocol: string;
  host: string;
  hash: string;
  pathname: string;
  search: string;
}

interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

interface HistoryLike {
  replaceState(data: unknown, unused: string, url?: string | null): void;
}

/** The token in a hash such as "#token=abc" (or "#/route?token=abc"), or null. */
export function tokenFromHash(hash: string): string | null {
  const body = hash.replace(/^#\/?/, '');
  const query = body.includes('?') ? body.slice(body.indexOf('?') + 1) : body;
  const token = new URLSearchParams(query).get(TOKEN_QUERY_PARAM);
  return token && token.trim() ? token.trim() : null;
}

/**
 * Reads the launch token: from the address (then stored and removed from the address), else from
 * sessionStorage (a reload of the same tab). Returns null when there is none.
 */
export function takeLaunchToken(location: LocationLike, storage?: StorageLike, history?: HistoryLike): string | null {
  const fromHash = tokenFromHash(location.hash);
  if (fromHash) {
    try {
      storage?.setItem(TOKEN_STORAGE_KEY, fromHash);
    } catch {
      // storage may be disabled; the token then lasts until the tab is reloaded
    }
    // Keep the route if the token came with one ("#/params?token=..." -> "#/params").
    const route = location.hash.startsWith('#/') ? location.hash.slice(1).split('?')[0]! : '/';
    history?.replaceState(null, '', `${location.pathname}${location.search}#${route}`);
    return fromHash;
  }
  try {
    return storage?.getItem(TOKEN_STORAGE_KEY) ?? null;
  } catch {
    return null;
  }
}

/** ws://HOST/ipc (wss:// on https), with ?token=TOKEN only when the token travels in the query. */
export function ipcUrl(location: Pick<LocationLike, 'protocol' | 'host'>, token: string): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const base = `${scheme}//${location.host}${IPC_PATH}`;
  return TOKEN_TRANSPORT === 'query' ? `${base}?${TOKEN_QUERY_PARAM}=${encodeURIComponent(token)}` : base;
}

/** The subprotocols to offer: the protocol's name and the token, when the token travels that way. */
export function ipcProtocols(token: string): string[] | undefined {
  return TOKEN_TRANSPORT === 'subprotocol' ? [IPC_SUBPROTOCOL, `${TOKEN_SUBPROTOCOL_PREFIX}${token}`] : undefined;
}
