import { ExchangeError } from '../../core/ports/exchange';

/** The parts of an axios error (the binance client with parseExceptions: false) we read. Never logged whole: it holds the API key header. */
interface HttpFailure {
  code?: string;
  message?: string;
  response?: { status?: number; data?: unknown; headers?: Record<string, unknown> };
  request?: unknown;
}

const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_INVALID_URL']);

function retryAfterMs(headers: Record<string, unknown> | undefined): number | undefined {
  const raw = headers?.['retry-after'] ?? headers?.['Retry-After'];
  const secs = Number(raw);
  return Number.isFinite(secs) && secs >= 0 ? secs * 1000 : undefined;
}

/** Binance's reason, in words a trader understands, with Binance's own message kept in brackets. */
function explainBinanceCode(code: number, msg: string): string {
  const m = msg || 'no message';
  if (code === -2010) {
    if (/insufficient balance/i.test(m)) return `not enough balance for this order (${m})`;
    if (/market is closed/i.test(m)) return `the symbol does not trade now (${m})`;
    if (/immediately match/i.test(m))
      return `the take-profit price is already at or below the market, so a maker order cannot rest there (${m})`;
    if (/relationship of the prices/i.test(m)) return `the market has already moved past one of the OCO prices (${m})`;
    if (/duplicate/i.test(m)) return `an order with this client order id already exists (${m})`;
    return `Binance rejected the order (${m})`;
  }
  if (code === -1013) {
    const filter = /Filter failure: (\w+)/.exec(m)?.[1];
    const what: Record<string, string> = {
      PRICE_FILTER: 'a price is off the tick size or outside the allowed range',
      LOT_SIZE: 'the quantity is off the lot step or outside the allowed range',
      MARKET_LOT_SIZE: 'the market order quantity is outside the allowed range',
      NOTIONAL: 'the order value is below the minimum (or above the maximum) for this symbol',
      MIN_NOTIONAL: 'the order value is below the minimum for this symbol',
      PERCENT_PRICE_BY_SIDE: 'a price is too far from the current market price',
    };
    return `${(filter && what[filter]) ?? "the order breaks one of the symbol's filters"} (${m})`;
  }
  if (code === -1021) return `this computer's clock is out of step with Binance's (${m})`;
  if (code === -2014 || code === -2015 || code === -1022)
    return `Binance refused the API key: check the key, its IP whitelist and that spot trading is enabled (${m})`;
  if (code === -2011 || code === -2013) return `Binance does not know this order (${m})`;
  if (code === -1003) return `too many requests to Binance (${m})`;
  return `Binance error ${code} (${m})`;
}

/**
 * Turns whatever the binance client threw into an ExchangeError whose kind tells the engine what
 * to do: 'unknown-outcome' (HTTP 5xx, -1007, a timeout or a reset after sending) means look the
 * order up before sending anything again; 'network' means the request never left.
 */
export function toExchangeError(e: unknown, what: string): ExchangeError {
  const f = (e ?? {}) as HttpFailure;
  const status = f.response?.status;
  const data = f.response?.data as { code?: unknown; msg?: unknown } | undefined;
  const code = typeof data?.code === 'number' ? data.code : undefined;
  const msg = typeof data?.msg === 'string' ? data.msg : '';
  const retryAfter = retryAfterMs(f.response?.headers);
  if (status === 418) {
    return new ExchangeError(
      'banned',
      `${what}: Binance has banned this IP for too many requests${retryAfter ? ` for ${Math.ceil(retryAfter / 1000)} s` : ''} (HTTP 418)`,
      {
        ...(code !== undefined ? { code } : {}),
        ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
      },
    );
  }
  if (status === 429) {
    return new ExchangeError(
      'rate-limited',
      `${what}: too many requests, Binance asks to wait${retryAfter ? ` ${Math.ceil(retryAfter / 1000)} s` : ''} (HTTP 429)`,
      {
        ...(code !== undefined ? { code } : {}),
        ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
      },
    );
  }
  if ((status !== undefined && status >= 500) || code === -1007 || code === -1006) {
    return new ExchangeError(
      'unknown-outcome',
      `${what}: Binance answered ${status ?? ''} ${msg || 'with an error'}; the outcome is unknown`.replace(
        /\s+/g,
        ' ',
      ),
      code !== undefined ? { code } : {},
    );
  }
  if (code !== undefined) {
    const kind = /market is closed/i.test(msg)
      ? 'market-closed'
      : code === -1013
        ? 'filter'
        : code === -2010 && /insufficient balance/i.test(msg)
          ? 'insufficient-balance'
          : code === -2010 && /duplicate order/i.test(msg)
            ? 'duplicate'
            : code === -2011 || code === -2013
              ? 'not-found'
              : code === -2014 || code === -2015 || code === -1022
                ? 'auth'
                : code === -1003
                  ? 'rate-limited'
                  : 'rejected';
    return new ExchangeError(kind, `${what}: ${explainBinanceCode(code, msg)}`, { code });
  }
  if (status !== undefined) return new ExchangeError('rejected', `${what}: Binance answered HTTP ${status}`);
  const netCode = f.code ?? '';
  if (NOT_SENT.has(netCode)) return new ExchangeError('network', `${what}: cannot reach Binance (${netCode})`);
  // Timeouts and resets after the request left: it may have been executed.
  return new ExchangeError(
    'unknown-outcome',
    `${what}: no answer from Binance (${netCode || (typeof f.message === 'string' ? f.message.replace(/api[_-]?key\S*/gi, '') : 'connection lost')}); the outcome is unknown`,
  );
}
