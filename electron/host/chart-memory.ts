import type { Candle } from '../core/ports/market-feed';
import { Ring } from './ring';

/** How many closed candles (and signal values) are kept per symbol: the most chart.get may ask for. */
const CHART_CAPACITY = 1000;

export interface ChartCandle {
  /** Open time, seconds since the epoch. */
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
}

interface SymbolChart {
  interval: string;
  candles: Ring<ChartCandle>;
  zscores: Ring<{ time: number; value: number }>;
  lastPrice: number | undefined;
  lastPriceTime: number | undefined;
}

/**
 * The recent closed candles and signal values of each symbol, as the engine saw them (warm-up
 * included), bounded per symbol. Kept across sessions, so a chart still shows the last run after a
 * stop. Times only move forward: a candle older than the newest one is ignored, the same one again
 * replaces it.
 */
export class ChartMemory {
  private readonly symbols = new Map<string, SymbolChart>();

  constructor(private readonly capacity = CHART_CAPACITY) {}

  addCandle(c: Candle, signal: number): void {
    let s = this.symbols.get(c.symbol);
    if (!s || s.interval !== c.interval) {
      s = {
        interval: c.interval,
        candles: new Ring(this.capacity),
        zscores: new Ring(this.capacity),
        lastPrice: undefined,
        lastPriceTime: undefined,
      };
      this.symbols.set(c.symbol, s);
    }
    const time = Math.floor(c.openTime / 1000);
    const bar: ChartCandle = { time, open: c.open, high: c.high, low: c.low, close: c.close };
    const last = s.candles.last();
    if (last && time < last.time) return;
    if (last && time === last.time) s.candles.replaceLast(bar);
    else s.candles.push(bar);
    if (Number.isFinite(signal)) {
      const z = s.zscores.last();
      if (z && z.time === time) s.zscores.replaceLast({ time, value: signal });
      else if (!z || z.time < time) s.zscores.push({ time, value: signal });
    }
    if (s.lastPriceTime === undefined || c.closeTime >= s.lastPriceTime) {
      s.lastPrice = c.close;
      s.lastPriceTime = c.closeTime;
    }
  }

  setPrice(symbol: string, price: number, time: number): void {
    const s = this.symbols.get(symbol);
    if (!s) return;
    s.lastPrice = price;
    s.lastPriceTime = time;
  }

  /** The newest price seen for a symbol (a trade, else the last close), if any. */
  lastPrice(symbol: string): number | undefined {
    return this.symbols.get(symbol)?.lastPrice;
  }

  interval(symbol: string): string | undefined {
    return this.symbols.get(symbol)?.interval;
  }

  candles(symbol: string, limit: number): ChartCandle[] {
    return this.symbols.get(symbol)?.candles.newest(limit) ?? [];
  }

  /** Signal values at or after the first of the returned candles. */
  zscores(symbol: string, limit: number): Array<{ time: number; value: number }> {
    const s = this.symbols.get(symbol);
    if (!s) return [];
    const first = s.candles.newest(limit)[0]?.time ?? Infinity;
    return s.zscores.newest(limit).filter((z) => z.time >= first);
  }
}
