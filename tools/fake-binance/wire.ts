import type { Candle } from '../../electron/core/ports/market-feed';
import { fixed8, klineExtras } from '../candles/synthetic';
import type { FakeTrade } from './market';

/**
 * Binance's wire shapes for market data: numbers that are amounts travel as decimal strings with
 * 8 decimals, ids and times as JSON numbers.
 */

/** A GET /api/v3/klines row: [openTime, "open", "high", "low", "close", "volume", closeTime, "quoteVolume", trades, "takerBase", "takerQuote", "0"]. */
export type KlineRow = [number, string, string, string, string, string, number, string, number, string, string, string];

export function klineRow(c: Candle): KlineRow {
  const e = klineExtras(c);
  return [
    c.openTime,
    fixed8(c.open),
    fixed8(c.high),
    fixed8(c.low),
    fixed8(c.close),
    fixed8(c.volume),
    c.closeTime,
    fixed8(e.quoteVolume),
    e.trades,
    fixed8(e.takerBuyBase),
    fixed8(e.takerBuyQuote),
    '0',
  ];
}

export interface KlineEvent {
  e: 'kline';
  E: number;
  s: string;
  k: {
    t: number;
    T: number;
    s: string;
    i: string;
    f: number;
    L: number;
    o: string;
    c: string;
    h: string;
    l: string;
    v: string;
    n: number;
    x: boolean;
    q: string;
    V: string;
    Q: string;
    B: string;
  };
}

export function klineEvent(
  c: Candle,
  closed: boolean,
  eventTime: number,
  tradeIds: { first: number; last: number },
): KlineEvent {
  const e = klineExtras(c);
  return {
    e: 'kline',
    E: eventTime,
    s: c.symbol,
    k: {
      t: c.openTime,
      T: c.closeTime,
      s: c.symbol,
      i: c.interval,
      f: tradeIds.first,
      L: tradeIds.last,
      o: fixed8(c.open),
      c: fixed8(c.close),
      h: fixed8(c.high),
      l: fixed8(c.low),
      v: fixed8(c.volume),
      n: e.trades,
      x: closed,
      q: fixed8(e.quoteVolume),
      V: fixed8(e.takerBuyBase),
      Q: fixed8(e.takerBuyQuote),
      B: '0',
    },
  };
}

export interface TradeEvent {
  e: 'trade';
  E: number;
  s: string;
  t: number;
  p: string;
  q: string;
  T: number;
  m: boolean;
  M: boolean;
}

export function tradeEvent(t: FakeTrade, eventTime: number): TradeEvent {
  return {
    e: 'trade',
    E: eventTime,
    s: t.symbol,
    t: t.id,
    p: fixed8(t.price),
    q: fixed8(t.qty),
    T: t.time,
    m: t.buyerIsMaker,
    M: true,
  };
}

export function klineStreamName(symbol: string, interval: string): string {
  return `${symbol.toLowerCase()}@kline_${interval}`;
}

export function tradeStreamName(symbol: string): string {
  return `${symbol.toLowerCase()}@trade`;
}
