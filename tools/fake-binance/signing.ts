import { createHmac, timingSafeEqual, verify } from 'node:crypto';
import type { Account } from './accounts';
import { BinanceError, errors } from './router';

/**
 * Binance's request security. The signed payload is the exact query string concatenated with the
 * exact body (REST), or the parameters sorted by name as `key=value&...` (WebSocket API). The
 * signature over it depends on the key type (rest-api.md "SIGNED Endpoint Examples", web-socket-api.md
 * "SIGNED request example"): HMAC-SHA256 in hex (case-insensitive) for HMAC keys; RSASSA-PKCS1-v1_5
 * with SHA-256 for RSA keys and Ed25519 for Ed25519 keys, both base64 (case-sensitive; URL-encoded
 * in a REST query string, plain in WebSocket API params). `timestamp` must fall within `recvWindow`
 * (default 5000, at most 60000 ms) of the server's clock and not be 1 s or more ahead of it.
 */

const DEFAULT_RECV_WINDOW = 5000;
const MAX_RECV_WINDOW = 60_000;

export const authErrors = {
  badKeyFormat: () => new BinanceError(401, -2014, 'API-key format invalid.'),
  rejectedKey: () => new BinanceError(401, -2015, 'Invalid API-key, IP, or permissions for action.'),
  badSignature: () => new BinanceError(400, -1022, 'Signature for this request is not valid.'),
  outsideWindow: () => new BinanceError(400, -1021, 'Timestamp for this request is outside of the recvWindow.'),
  ahead: () => new BinanceError(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time."),
};

function hmacHex(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

/** Printable ASCII without spaces: anything else is "API-key format invalid" (-2014). */
export function checkKeyFormat(apiKey: string | undefined): string {
  if (!apiKey || !/^[\x21-\x7e]{1,128}$/.test(apiKey)) throw authErrors.badKeyFormat();
  return apiKey;
}

/** The signed REST payload: query string + body, each without its `signature=` pair. */
export function restPayload(rawQuery: string, rawBody: string): { payload: string; signature: string | undefined } {
  let signature: string | undefined;
  const strip = (text: string): string =>
    text
      .split('&')
      .filter((pair) => {
        if (!pair.startsWith('signature=')) return true;
        signature ??= decodeURIComponent(pair.slice('signature='.length));
        return false;
      })
      .join('&');
  const q = rawQuery === '' ? '' : strip(rawQuery);
  const b = rawBody === '' ? '' : strip(rawBody);
  return { payload: q + b, signature };
}

/** The WebSocket API payload: every parameter but `signature`, sorted by name. */
export function wsApiPayloads(params: Record<string, unknown>): string[] {
  const keys = Object.keys(params)
    .filter((k) => k !== 'signature' && params[k] !== undefined)
    .sort();
  const plain = keys.map((k) => `${k}=${String(params[k])}`).join('&');
  const encoded = keys.map((k) => `${k}=${encodeURIComponent(String(params[k]))}`).join('&');
  return plain === encoded ? [plain] : [plain, encoded];
}

const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

/** Whether the signature is the account's key's signature of one of the payloads. */
export function signatureMatches(payloads: readonly string[], signature: string, account: Account): boolean {
  if (account.keyType === 'hmac') {
    const given = Buffer.from(signature.toLowerCase());
    return payloads.some((p) => {
      const expected = Buffer.from(hmacHex(p, account.secret!));
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
  }
  if (!BASE64_RE.test(signature)) return false;
  const sig = Buffer.from(signature, 'base64');
  const algorithm = account.keyType === 'rsa' ? 'sha256' : null;
  return payloads.some((p) => {
    try {
      return verify(algorithm, Buffer.from(p, 'utf8'), account.publicKey!, sig);
    } catch {
      return false;
    }
  });
}

/** Checks timestamp and recvWindow against the server's clock (Binance's "timing security"). */
export function checkTimestamp(timestampText: unknown, recvWindowText: unknown, serverTime: number): void {
  if (timestampText === undefined || timestampText === null || timestampText === '')
    throw errors.mandatory('timestamp');
  let timestamp = Number(timestampText);
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw errors.invalidParam('timestamp');
  if (timestamp >= 1e15) timestamp = Math.floor(timestamp / 1000); // microseconds
  let recvWindow = DEFAULT_RECV_WINDOW;
  if (recvWindowText !== undefined && recvWindowText !== null && recvWindowText !== '') {
    recvWindow = Number(recvWindowText);
    if (!Number.isFinite(recvWindow) || recvWindow <= 0) throw errors.invalidParam('recvWindow');
    if (recvWindow > MAX_RECV_WINDOW)
      throw new BinanceError(
        400,
        -1102,
        `'recvWindow' contains unexpected value. Cannot be greater than ${MAX_RECV_WINDOW}.`,
      );
  }
  if (timestamp >= serverTime + 1000) throw authErrors.ahead();
  if (serverTime - timestamp > recvWindow) throw authErrors.outsideWindow();
}
