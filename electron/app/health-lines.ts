import type { ExchangeHealth } from '../adapters/binance/binance-exchange';
import type { FeedHealth } from '../core/ports/market-feed';

/** A console line for the market data connection's state, or undefined when not worth a line. */
export function describeHealth(h: FeedHealth): string | undefined {
  switch (h.state) {
    case 'connecting':
      return `🔌 Connecting to market data${h.detail ? ` (${h.detail})` : ''}...`;
    case 'live':
      return '🟢 Market data connected';
    case 'reconnecting':
      return `🟠 Market data unreachable (${h.detail}); retry ${h.attempt} in ${Math.round(h.retryInMs / 1000)}s`;
    case 'backfilled':
      return `🔁 ${h.symbol}: ${h.candles} missed candle(s) fetched after reconnecting`;
    case 'ended':
      return undefined;
  }
}

/** A console line for the exchange connection, or undefined when not worth one. */
export function describeExchangeHealth(h: ExchangeHealth): string | undefined {
  switch (h.kind) {
    case 'user-stream':
      if (h.state === 'connected') return '🟢 Binance user data stream connected (orders and balances)';
      if (h.state === 'reconnecting')
        return `🟠 Binance user data stream lost${h.detail ? ` (${h.detail})` : ''}; reconnecting`;
      if (h.state === 'resynced') return '🔁 Orders and balances re-read from Binance after the reconnect';
      if (h.state === 'error') return `🟠 Binance user data stream: ${h.detail ?? 'error'}`;
      return undefined;
    case 'paused':
      return h.reason === 'banned'
        ? `🚨 ALARM: Binance has banned this IP until ${new Date(h.until).toISOString()} (${h.detail}). Trading is paused; open positions stay protected by their OCOs on Binance.`
        : `⏸️ Binance rate limit: paused until ${new Date(h.until).toISOString()} (${h.detail})`;
    case 'resumed':
      return '▶️ Binance requests resumed';
    case 'weight':
      return h.used > h.limit * 0.8
        ? `🟠 Request weight ${h.used} of ${h.limit} per minute used; slowing down`
        : undefined;
    case 'throttled':
      return `🟠 Binance limits: ${h.detail}; waiting ${Math.ceil(h.waitMs / 1000)} s before the next request`;
    case 'clock':
      return Math.abs(h.offsetMs) > 1000
        ? `🕒 This computer's clock is ${h.offsetMs} ms off Binance's; corrected`
        : undefined;
  }
}
