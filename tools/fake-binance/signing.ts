import { createHmac, timingSafeEqual } from 'node:crypto';
import { BinanceError, errors } from './router';

/**
 * Binance's request security for HMAC keys: the signature is the HMAC-SHA256 (hex, case-insensitive)
 * of the exact query string concatenated with the exact body (REST), or of the parameters sorted by
 * name as `key=value&...` (WebSocket API); `timestamp` must fall within `recvWindow` (default 5000,
 * at most 60000 ms) of the server's clock and not be 1 s or more ahead of it.
 */

export const DEFAULT_RECV_WINDOW = 5000;
export const MAX_RECV_WINDOW = 60_000;

export const authErrors = {
  badKeyFormat: () => new BinanceError(401, -2014, 'API-key format invalid.'),
  rejectedKey: () => new BinanceError(401, -2015, 'Invalid API-key, IP, or permissions for action.'),
  badSignature: () => new BinanceError(400, -1022, 'Signature for this request is not valid.'),
  outsideWindow: () => new BinanceError(400, -1021, 'Timestamp for this request is outside of the recvWindow.'),
  ahead: () => new BinanceError(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time."),
};

export function hmacHex(payload: string, secret: string): string {
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

export function signatureMatches(payloads: readonly string[], signature: string, secret: string): boolean {
  const given = Buffer.from(signature.toLowerCase());
  return payloads.some((p) => {
    const expected = Buffer.from(hmacHex(p, secret));
    return expected.length === given.length && timingSafeEqual(expected, given);
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
