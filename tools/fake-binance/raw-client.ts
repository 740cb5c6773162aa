import { createHmac } from 'node:crypto';
import { WebSocket } from 'ws';

/**
 * Bare clients for driving the fake (or Binance) byte by byte in tests: a signed REST request with
 * fetch, and a WebSocket API connection with `ws` that matches answers to requests by id and keeps
 * every user data event. The signature is computed by the caller's `sign` function over the exact
 * payload, so a test can check each key type's scheme independently of the fake's own code.
 */

/** Signs a payload: HMAC-SHA256 hex, or an RSA / Ed25519 signature in base64. */
export type Signer = (payload: string) => string;

export const hmacSigner =
  (secret: string): Signer =>
  (payload) =>
    createHmac('sha256', secret).update(payload).digest('hex');

export interface RawResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { code?: number; msg?: string };
}

/**
 * A SIGNED REST request: every parameter (with timestamp unless given) in the query string, then
 * `signature` URL-encoded, as rest-api.md shows for every key type.
 */
export async function signedRest(
  restUrl: string,
  apiKey: string,
  sign: Signer,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  params: Record<string, string | number> = {},
): Promise<RawResponse> {
  const all = { timestamp: Date.now(), ...params };
  const query = Object.entries(all)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join('&');
  const res = await fetch(`${restUrl}${path}?${query}&signature=${encodeURIComponent(sign(query))}`, {
    method,
    headers: { 'X-MBX-APIKEY': apiKey },
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as RawResponse['body'] };
}

/** The WebSocket API payload to sign: every parameter but `signature`, sorted by name, `key=value&...`. */
function wsApiPayload(params: Record<string, unknown>): string {
  return Object.keys(params)
    .filter((k) => k !== 'signature')
    .sort()
    .map((k) => `${k}=${String(params[k])}`)
    .join('&');
}

export interface WsApiReply {
  id: number | string | null;
  status: number;
  result?: unknown;
  error?: { code: number; msg: string; data?: { serverTime: number; retryAfter: number } };
  rateLimits?: { rateLimitType: string; interval: string; intervalNum: number; limit: number; count: number }[];
}

export interface WsApiEvent {
  subscriptionId?: number;
  event: Record<string, unknown> & { e: string };
}

/** A raw WebSocket API connection. */
export class RawWsApi {
  /** User data and connection events, in arrival order. */
  readonly events: WsApiEvent[] = [];
  /** The close code once the server or client closed the connection. */
  closeCode: number | undefined;
  private nextId = 1;
  private readonly pending = new Map<number | string, (reply: WsApiReply) => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as Partial<WsApiReply> & Partial<WsApiEvent>;
      if (msg.event) {
        this.events.push(msg as WsApiEvent);
        return;
      }
      const id = msg.id;
      const resolve = id === null || id === undefined ? undefined : this.pending.get(id);
      if (resolve && id !== null && id !== undefined) {
        this.pending.delete(id);
        resolve(msg as WsApiReply);
      }
    });
    ws.on('close', (code) => (this.closeCode = code));
  }

  /** Opens a connection; rejects with the HTTP status when the upgrade is refused. */
  static connect(url: string): Promise<RawWsApi> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.once('open', () => resolve(new RawWsApi(ws)));
      ws.once('unexpected-response', (_req, res) => {
        reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, headers: res.headers }));
        res.resume();
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  /** Sends `{id, method, params}` and resolves with the answer carrying that id. */
  request(method: string, params?: Record<string, unknown>): Promise<WsApiReply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify(params === undefined ? { id, method } : { id, method, params }));
    });
  }

  /** A signed request: apiKey and timestamp (unless given) added, signed with the payload rules of the WS API. */
  signed(method: string, apiKey: string, sign: Signer, params: Record<string, unknown> = {}): Promise<WsApiReply> {
    const all: Record<string, unknown> = { apiKey, timestamp: Date.now(), ...params };
    return this.request(method, { ...all, signature: sign(wsApiPayload(all)) });
  }

  /** Resolves once the connection is closed (at once if it is). */
  closed(): Promise<number> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve(this.closeCode ?? 1006);
    return new Promise((resolve) => this.ws.once('close', (code) => resolve(code)));
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const done = this.closed();
    this.ws.close();
    await done;
  }
}

/** Polls until cond() holds, or fails naming what it waited for. */
export async function until(what: string, cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
