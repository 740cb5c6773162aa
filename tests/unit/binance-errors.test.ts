import { describe, expect, it } from 'vitest';
import { toExchangeError } from '../../electron/adapters/binance/errors';

/**
 * What the engine is told of each kind of failure of the binance client (errors.ts): the kind
 * decides what it does (look the order up, wait, give up), the words tell the trader why.
 */
const http = (status: number, data?: unknown, headers?: Record<string, unknown>) => ({
  response: { status, data, headers },
});
const binance = (code: number, msg: string, status = 400) => http(status, { code, msg });
const of = (e: unknown) => {
  const x = toExchangeError(e, 'place OCO BTCUSDT');
  return { kind: x.kind, message: x.message, code: x.code, retryAfterMs: x.retryAfterMs };
};

describe('toExchangeError', () => {
  it('418: banned, with how long when Binance says', () => {
    expect(of(http(418, { code: -1003, msg: 'banned' }, { 'retry-after': '120' }))).toEqual({
      kind: 'banned',
      message: 'place OCO BTCUSDT: Binance has banned this IP for too many requests for 120 s (HTTP 418)',
      code: -1003,
      retryAfterMs: 120_000,
    });
    expect(of(http(418)).message).toBe(
      'place OCO BTCUSDT: Binance has banned this IP for too many requests (HTTP 418)',
    );
  });

  it('429: rate-limited, with Retry-After in either spelling; a bad header is no wait', () => {
    expect(of(http(429, undefined, { 'Retry-After': '3' }))).toMatchObject({
      kind: 'rate-limited',
      message: 'place OCO BTCUSDT: too many requests, Binance asks to wait 3 s (HTTP 429)',
      retryAfterMs: 3000,
    });
    expect(of(http(429, undefined, { 'retry-after': 'soon' })).retryAfterMs).toBeUndefined();
    expect(of(http(429, undefined, { 'retry-after': '-1' })).retryAfterMs).toBeUndefined();
    expect(of(http(429)).message).toBe('place OCO BTCUSDT: too many requests, Binance asks to wait (HTTP 429)');
  });

  it('5xx, -1007 and -1006: the outcome is unknown (the order may have executed)', () => {
    expect(of(http(503, 'busy'))).toEqual({
      kind: 'unknown-outcome',
      message: 'place OCO BTCUSDT: Binance answered 503 with an error; the outcome is unknown',
      code: undefined,
      retryAfterMs: undefined,
    });
    expect(of(binance(-1007, 'Timeout waiting for response from backend server.', 400))).toMatchObject({
      kind: 'unknown-outcome',
      code: -1007,
      message:
        'place OCO BTCUSDT: Binance answered 400 Timeout waiting for response from backend server.; the outcome is unknown',
    });
    expect(of(binance(-1006, 'An unexpected response was received.', 400)).kind).toBe('unknown-outcome');
  });

  it("Binance's codes: each kind, explained, Binance's message kept", () => {
    const cases: [number, string, string, string][] = [
      [
        -2010,
        'Account has insufficient balance for requested action.',
        'insufficient-balance',
        'not enough balance for this order',
      ],
      [-2010, 'Market is closed.', 'market-closed', 'the symbol does not trade now'],
      [
        -2010,
        'Order would immediately match and take.',
        'rejected',
        'the take-profit price is already at or below the market, so a maker order cannot rest there',
      ],
      [
        -2010,
        'The relationship of the prices for the orders is not correct.',
        'rejected',
        'the market has already moved past one of the OCO prices',
      ],
      [-2010, 'Duplicate order sent.', 'duplicate', 'an order with this client order id already exists'],
      [-2010, 'Something else.', 'rejected', 'Binance rejected the order'],
      [-1013, 'Filter failure: PRICE_FILTER', 'filter', 'a price is off the tick size or outside the allowed range'],
      [-1013, 'Filter failure: LOT_SIZE', 'filter', 'the quantity is off the lot step or outside the allowed range'],
      [-1013, 'Filter failure: MARKET_LOT_SIZE', 'filter', 'the market order quantity is outside the allowed range'],
      [
        -1013,
        'Filter failure: NOTIONAL',
        'filter',
        'the order value is below the minimum (or above the maximum) for this symbol',
      ],
      [-1013, 'Filter failure: MIN_NOTIONAL', 'filter', 'the order value is below the minimum for this symbol'],
      [-1013, 'Filter failure: PERCENT_PRICE_BY_SIDE', 'filter', 'a price is too far from the current market price'],
      [-1013, 'Filter failure: NEW_ONE', 'filter', "the order breaks one of the symbol's filters"],
      [
        -1021,
        'Timestamp for this request is outside of the recvWindow.',
        'rejected',
        "this computer's clock is out of step with Binance's",
      ],
      [
        -2014,
        'API-key format invalid.',
        'auth',
        'Binance refused the API key: check the key, its IP whitelist and that spot trading is enabled',
      ],
      [
        -2015,
        'Invalid API-key, IP, or permissions for action.',
        'auth',
        'Binance refused the API key: check the key, its IP whitelist and that spot trading is enabled',
      ],
      [
        -1022,
        'Signature for this request is not valid.',
        'auth',
        'Binance refused the API key: check the key, its IP whitelist and that spot trading is enabled',
      ],
      [-2011, 'Unknown order sent.', 'not-found', 'Binance does not know this order'],
      [-2013, 'Order does not exist.', 'not-found', 'Binance does not know this order'],
      [-1003, 'Too many requests.', 'rate-limited', 'too many requests to Binance'],
      [-1100, 'Illegal characters found in a parameter.', 'rejected', 'Binance error -1100'],
    ];
    for (const [code, msg, kind, words] of cases) {
      const e = of(binance(code, msg));
      expect(e.kind, `${code} ${msg}`).toBe(kind);
      expect(e.code).toBe(code);
      expect(e.message).toBe(`place OCO BTCUSDT: ${words} (${msg})`);
    }
    expect(of(binance(-2010, '')).message).toBe('place OCO BTCUSDT: Binance rejected the order (no message)');
  });

  it('an HTTP error without a Binance code: rejected, with the status', () => {
    expect(of(http(404, '<html>'))).toMatchObject({
      kind: 'rejected',
      message: 'place OCO BTCUSDT: Binance answered HTTP 404',
    });
  });

  it('never sent (refused, unknown host): network; anything else without an answer: the outcome is unknown', () => {
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_INVALID_URL'])
      expect(of({ code })).toMatchObject({
        kind: 'network',
        message: `place OCO BTCUSDT: cannot reach Binance (${code})`,
      });
    expect(of({ code: 'ECONNRESET' })).toMatchObject({
      kind: 'unknown-outcome',
      message: 'place OCO BTCUSDT: no answer from Binance (ECONNRESET); the outcome is unknown',
    });
    expect(of({ message: 'socket hang up apikey=abc123' }).message).toBe(
      'place OCO BTCUSDT: no answer from Binance (socket hang up ); the outcome is unknown',
    );
    expect(of(undefined).message).toBe(
      'place OCO BTCUSDT: no answer from Binance (connection lost); the outcome is unknown',
    );
  });
});
