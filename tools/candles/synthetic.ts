import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { intervalMs, type KlineInterval } from '../../shared/market/intervals';
import type { Candle } from '../../electron/core/ports/market-feed';

/**
 * Seeded synthetic candles: a geometric random walk with occasional jumps, written in Binance's
 * public-data CSV format. The same options (seed included) always give the same candles, so
 * tests and benchmarks can regenerate their data instead of storing it.
 */

/** mulberry32: a tiny, fast 32-bit PRNG; plenty for market noise, and identical on every platform. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of a string, to derive distinct seeds per symbol from one user seed. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Standard normal samples (Box-Muller) from a uniform source. */
export function normalSource(rand: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = 1 - rand(); // (0, 1]: log(0) must not happen
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

export interface WalkOptions {
  seed: number;
  startPrice: number;
  /** Standard deviation of one step's log return, e.g. 0.001 for 0.1 %. */
  volatility?: number;
  /** Mean log return per step (0 for no trend). */
  drift?: number;
  /** Chance per step of a jump, e.g. 0.001. */
  jumpProbability?: number;
  /** Typical size of a jump as a fraction of the price, e.g. 0.02. */
  jumpSize?: number;
}

/** A price that moves one random step at a time (used per candle here and per trade by the fake exchange). */
export class RandomWalk {
  readonly rand: () => number;
  readonly normal: () => number;
  price: number;
  private readonly volatility: number;
  private readonly drift: number;
  private readonly jumpProbability: number;
  private readonly jumpSize: number;

  constructor(options: WalkOptions) {
    this.rand = mulberry32(options.seed);
    this.normal = normalSource(this.rand);
    this.price = roundPrice(options.startPrice);
    this.volatility = options.volatility ?? 0.001;
    this.drift = options.drift ?? 0;
    this.jumpProbability = options.jumpProbability ?? 0.001;
    this.jumpSize = options.jumpSize ?? 0.02;
  }

  /** Moves the price one step (rounded like an exchange price) and returns it. */
  step(volatilityScale = 1): number {
    const vol = this.volatility * volatilityScale;
    let r = this.drift - 0.5 * vol * vol + vol * this.normal();
    if (this.jumpProbability > 0 && this.rand() < this.jumpProbability) {
      const size = this.jumpSize * (0.5 + this.rand());
      r += this.rand() < 0.5 ? -size : size;
    }
    const next = roundPrice(this.price * Math.exp(r));
    // A walk that rounds to zero would stay there forever: keep the smallest representable price.
    this.price = next > 0 ? next : 10 ** -priceDecimals(this.price);
    return this.price;
  }
}

/** Decimals a synthetic price keeps: 2 above 10, more for smaller prices (like Binance's tick sizes). */
export function priceDecimals(price: number): number {
  if (price >= 10) return 2;
  if (price >= 1) return 4;
  if (price >= 0.01) return 6;
  return 8;
}

export function roundPrice(price: number): number {
  const f = 10 ** priceDecimals(price);
  return Math.round(price * f) / f;
}

/** Decimals of a synthetic volume: about one unit of quote per step, like Binance's lot steps. */
function volumeDecimals(price: number): number {
  return Math.max(0, Math.min(8, Math.floor(Math.log10(price)) + 1));
}

export interface SyntheticCandleOptions extends WalkOptions {
  symbol: string;
  interval: KlineInterval;
  /** Open time of the first candle, epoch ms (aligned to the interval by the caller). */
  startTime: number;
  count: number;
  /** Typical traded value per candle in quote currency (sets the volume scale). */
  quoteVolume?: number;
}

/**
 * Candles of a geometric random walk: open = previous close, close one step away, high and low a
 * small random wick beyond them. The symbol and interval are mixed into the seed, so two symbols
 * generated with the same seed do not move in lockstep.
 */
export function generateCandles(options: SyntheticCandleOptions): Candle[] {
  const { symbol, interval, count } = options;
  const walk = new RandomWalk({ ...options, seed: (options.seed ^ hashString(`${symbol}-${interval}`)) >>> 0 });
  const normal = walk.normal;
  const volatility = options.volatility ?? 0.001;
  const quoteVolume = options.quoteVolume ?? 250_000;
  const out = new Array<Candle>(count);
  let openTime = options.startTime;
  for (let i = 0; i < count; i++) {
    const open = walk.price;
    const close = walk.step();
    const decimals = priceDecimals(Math.min(open, close));
    const f = 10 ** decimals;
    const top = Math.max(open, close);
    const bottom = Math.min(open, close);
    const high = Math.max(top, Math.round(top * (1 + Math.abs(normal()) * volatility * 0.5) * f) / f);
    let low = Math.min(bottom, Math.round(bottom * (1 - Math.abs(normal()) * volatility * 0.5) * f) / f);
    if (low <= 0) low = bottom;
    const move = Math.abs(Math.log(close / open)) / (volatility || 1);
    const vf = 10 ** volumeDecimals(close);
    const volume = Math.max(
      1 / vf,
      Math.round((quoteVolume / close) * Math.exp(0.4 * normal()) * (0.6 + 0.4 * move) * vf) / vf,
    );
    const next = nextOpenTime(openTime, interval);
    out[i] = { symbol, interval, openTime, closeTime: next - 1, open, high, low, close, volume };
    openTime = next;
  }
  return out;
}

/** The open time of the candle after the one opening at t (calendar months for 1M). */
export function nextOpenTime(t: number, interval: KlineInterval): number {
  if (interval === '1M') {
    const d = new Date(t);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }
  return t + intervalMs(interval);
}

/** Floors a time to the start of its interval (UTC; weeks start on Monday as on Binance). */
export function alignToInterval(t: number, interval: KlineInterval): number {
  if (interval === '1M') {
    const d = new Date(t);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  const ms = intervalMs(interval);
  // 1970-01-01 was a Thursday; Binance weeks open on Monday 00:00 UTC.
  const offset = interval === '1w' ? 4 * 86_400_000 : 0;
  return Math.floor((t - offset) / ms) * ms + offset;
}

/** The columns of a Binance kline row that a Candle does not carry, derived deterministically from it. */
export interface KlineExtras {
  quoteVolume: number;
  trades: number;
  takerBuyBase: number;
  takerBuyQuote: number;
}

export function klineExtras(c: Candle): KlineExtras {
  const typical = (c.high + c.low + c.close) / 3;
  const quoteVolume = c.volume * typical;
  // Roughly one trade per few hundred quote units, at least one when anything traded.
  const trades = c.volume > 0 ? Math.max(1, Math.round(quoteVolume / 400)) : 0;
  return { quoteVolume, trades, takerBuyBase: c.volume * 0.5, takerBuyQuote: quoteVolume * 0.5 };
}

/** A decimal string with 8 decimals, as Binance writes prices and volumes ("42000.12000000"). */
export function fixed8(x: number): string {
  // Exact for every price and volume below ~1e7 (doubles hold 15+ significant digits).
  return x.toFixed(8);
}

/** One CSV line in Binance's 12-column format (timestamps in ms, or µs as in files from 2025 on). */
export function klineCsvLine(c: Candle, microseconds = false): string {
  const e = klineExtras(c);
  const ot = microseconds ? c.openTime * 1000 : c.openTime;
  const ct = microseconds ? c.closeTime * 1000 + 999 : c.closeTime;
  return `${ot},${fixed8(c.open)},${fixed8(c.high)},${fixed8(c.low)},${fixed8(c.close)},${fixed8(c.volume)},${ct},${fixed8(e.quoteVolume)},${e.trades},${fixed8(e.takerBuyBase)},${fixed8(e.takerBuyQuote)},0`;
}

const CSV_HEADER =
  'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';

export interface WriteKlineCsvOptions {
  /** Timestamps in microseconds, as Binance's spot files from 2025 on. */
  microseconds?: boolean;
  /** Start each file with a header row (Binance's spot files have none; some others do). */
  header?: boolean;
  /** One file per UTC month, `<SYMBOL>-<interval>-YYYY-MM.csv` like Binance (default true). */
  splitByMonth?: boolean;
  /** Name part of the single file when not split by month (default "synthetic"). */
  label?: string;
}

export interface WrittenFile {
  path: string;
  symbol: string;
  interval: KlineInterval;
  candles: number;
  firstOpenTime: number;
  lastOpenTime: number;
}

/** Writes candles (any mix of symbols and intervals, each in time order) as Binance kline CSV files. */
export function writeKlineCsv(
  dir: string,
  candles: readonly Candle[],
  options: WriteKlineCsvOptions = {},
): WrittenFile[] {
  mkdirSync(dir, { recursive: true });
  const split = options.splitByMonth ?? true;
  const micro = options.microseconds ?? false;
  const groups = new Map<string, Candle[]>();
  for (const c of candles) {
    const key = `${c.symbol}-${c.interval}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(c);
  }
  const written: WrittenFile[] = [];
  for (const [key, group] of groups) {
    let lines: string[] = [];
    let first = group[0]!;
    let label = split ? monthLabel(first.openTime) : (options.label ?? 'synthetic');
    let monthEnd = split ? nextMonthStart(first.openTime) : Infinity;
    const flush = (last: Candle): void => {
      const path = join(dir, `${key}-${label}.csv`);
      const body = (options.header ? CSV_HEADER + '\n' : '') + lines.join('\n') + '\n';
      writeFileSync(path, body);
      written.push({
        path,
        symbol: first.symbol,
        interval: first.interval,
        candles: lines.length,
        firstOpenTime: first.openTime,
        lastOpenTime: last.openTime,
      });
    };
    let prev = first;
    for (const c of group) {
      if (c.openTime >= monthEnd) {
        flush(prev);
        lines = [];
        first = c;
        label = monthLabel(c.openTime);
        monthEnd = nextMonthStart(c.openTime);
      }
      lines.push(klineCsvLine(c, micro));
      prev = c;
    }
    flush(prev);
  }
  return written;
}

function monthLabel(t: number): string {
  return new Date(t).toISOString().slice(0, 7);
}

function nextMonthStart(t: number): number {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** Rough recent prices, so synthetic markets look familiar; unknown symbols start at 100. */
export function typicalPrice(symbol: string): number {
  const base = symbol.replace(/(USDT|FDUSD|USDC|BUSD|TUSD)$/, '');
  const prices: Record<string, number> = {
    BTC: 42_000,
    ETH: 2_300,
    BNB: 310,
    SOL: 100,
    XRP: 0.6,
    ADA: 0.5,
    DOGE: 0.08,
    LTC: 70,
  };
  return prices[base] ?? 100;
}
