import type { KlineInterval } from '../../shared/market/intervals';
import type { Candle } from '../../electron/core/ports/market-feed';
import type { RawSymbolInfo } from '../../electron/adapters/binance/symbol-rules-from-exchange-info';

/**
 * The fake exchange's market state: closed candles per symbol and interval, the candle still
 * open, the last trade, and the exchange clock. It knows nothing about HTTP or sockets; the REST
 * routes read it and the stream hub publishes what changes. The matching engine (matching.ts)
 * reads its prices from here.
 */

export interface FakeTrade {
  id: number;
  symbol: string;
  price: number;
  qty: number;
  time: number;
  buyerIsMaker: boolean;
}

export interface KlineQuery {
  startTime?: number;
  endTime?: number;
  limit: number;
}

interface Series {
  /** Closed candles, ascending by open time, unique open times. */
  closed: Candle[];
  /** The candle still forming, if one was pushed. */
  open?: Candle;
}

export class FakeMarket {
  private readonly infos = new Map<string, RawSymbolInfo>();
  private readonly series = new Map<string, Series>();
  /** The price orders match against: the last trade or pushed candle close, whichever came last. */
  private readonly currentPrices = new Map<string, number>();
  private manualTime: number | undefined;
  private nextTradeId = 1;

  constructor(symbols: readonly RawSymbolInfo[], startTime?: number) {
    for (const s of symbols) this.infos.set(s.symbol, s);
    this.manualTime = startTime;
  }

  /**
   * Exchange time. Real time unless set: tests set it so that "closed" means what they pushed,
   * and it then moves forward by itself past every candle pushed as closed.
   */
  now(): number {
    return this.manualTime ?? Date.now();
  }

  setTime(ms: number | undefined): void {
    this.manualTime = ms;
  }

  hasSymbol(symbol: string): boolean {
    return this.infos.has(symbol);
  }

  symbolInfos(): RawSymbolInfo[] {
    return [...this.infos.values()];
  }

  symbolInfo(symbol: string): RawSymbolInfo | undefined {
    return this.infos.get(symbol);
  }

  /** Serves a changed exchangeInfo entry for a listed symbol (status, flags, filters). */
  replaceSymbolInfo(info: RawSymbolInfo): void {
    if (!this.infos.has(info.symbol)) throw new Error(`fake-binance: ${info.symbol} is not listed`);
    this.infos.set(info.symbol, info);
  }

  /** Adds closed candles (any order); a candle with an open time already held replaces it. */
  addHistory(symbol: string, interval: KlineInterval, candles: readonly Candle[]): void {
    const s = this.seriesFor(symbol, interval);
    const sorted = [...candles].sort((a, b) => a.openTime - b.openTime);
    const last = s.closed[s.closed.length - 1];
    const first = sorted[0];
    if (!first) return;
    if (!last || first.openTime > last.openTime) {
      appendUnique(s.closed, sorted);
    } else {
      const byOpen = new Map<number, Candle>();
      for (const c of s.closed) byOpen.set(c.openTime, c);
      for (const c of sorted) byOpen.set(c.openTime, c);
      s.closed = [...byOpen.values()].sort((a, b) => a.openTime - b.openTime);
    }
    const newest = sorted[sorted.length - 1]!;
    if (s.open && s.open.openTime <= newest.openTime) s.open = undefined;
    this.advanceClock(newest.closeTime + 1);
  }

  /** Records a candle update: closed ones join the history, an open one becomes the forming candle. */
  updateCandle(symbol: string, interval: KlineInterval, candle: Candle, closed: boolean): void {
    this.currentPrices.set(symbol, candle.close);
    if (closed) {
      this.addHistory(symbol, interval, [candle]);
    } else {
      this.seriesFor(symbol, interval).open = candle;
      this.advanceClock(candle.openTime);
    }
  }

  closedCandles(symbol: string, interval: KlineInterval): readonly Candle[] {
    return this.series.get(key(symbol, interval))?.closed ?? [];
  }

  openCandle(symbol: string, interval: KlineInterval): Candle | undefined {
    return this.series.get(key(symbol, interval))?.open;
  }

  /**
   * Candles as GET /api/v3/klines selects them: open time within [startTime, endTime]; with a start
   * time the oldest `limit` from there, otherwise the newest `limit`. The forming candle comes last,
   * as on Binance.
   */
  klines(symbol: string, interval: KlineInterval, q: KlineQuery): Candle[] {
    const s = this.series.get(key(symbol, interval));
    if (!s) return [];
    const all = s.open ? [...s.closed, s.open] : s.closed;
    const from = q.startTime === undefined ? 0 : lowerBound(all, q.startTime);
    const to = q.endTime === undefined ? all.length : upperBound(all, q.endTime);
    if (from >= to) return [];
    return q.startTime !== undefined
      ? all.slice(from, Math.min(to, from + q.limit))
      : all.slice(Math.max(from, to - q.limit), to);
  }

  recordTrade(symbol: string, price: number, qty: number, time: number, buyerIsMaker: boolean): FakeTrade {
    const trade: FakeTrade = { id: this.nextTradeId++, symbol, price, qty, time, buyerIsMaker };
    this.currentPrices.set(symbol, price);
    return trade;
  }

  /** Trade ids for a candle's f/L fields: a fresh block per candle keeps them increasing. */
  reserveTradeIds(count: number): { first: number; last: number } {
    if (count <= 0) return { first: -1, last: -1 };
    const first = this.nextTradeId;
    this.nextTradeId += count;
    return { first, last: first + count - 1 };
  }

  /**
   * The current price: the last trade or pushed candle's close (whichever came last), else the close
   * of the newest candle of any interval in the history.
   */
  lastPrice(symbol: string): number | undefined {
    const current = this.currentPrices.get(symbol);
    if (current !== undefined) return current;
    let best: Candle | undefined;
    for (const [k, s] of this.series) {
      if (!k.startsWith(`${symbol}|`)) continue;
      const c = s.open ?? s.closed[s.closed.length - 1];
      if (c && (!best || c.closeTime > best.closeTime)) best = c;
    }
    return best?.close;
  }

  private seriesFor(symbol: string, interval: KlineInterval): Series {
    const k = key(symbol, interval);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { closed: [] }));
    return s;
  }

  private advanceClock(atLeast: number): void {
    if (this.manualTime !== undefined && this.manualTime < atLeast) this.manualTime = atLeast;
  }
}

function key(symbol: string, interval: KlineInterval): string {
  return `${symbol}|${interval}`;
}

function appendUnique(target: Candle[], sorted: readonly Candle[]): void {
  for (const c of sorted) {
    const last = target[target.length - 1];
    if (last && last.openTime === c.openTime) target[target.length - 1] = c;
    else target.push(c);
  }
}

/** First index with openTime >= t. */
function lowerBound(list: readonly Candle[], t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.openTime < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with openTime > t. */
function upperBound(list: readonly Candle[], t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.openTime <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
