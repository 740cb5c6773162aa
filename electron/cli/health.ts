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
