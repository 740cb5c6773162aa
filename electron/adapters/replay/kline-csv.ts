import { readFileSync } from 'node:fs';
import type { KlineInterval } from '../../../shared/market/intervals';
import type { Candle } from '../../core/ports/market-feed';

/**
 * Binance public-data kline CSV files (https://data.binance.vision), parsed into columns.
 *
 * A line has 12 columns: open time, open, high, low, close, volume, close time, quote volume,
 * trades, taker buy base volume, taker buy quote volume, ignore. Spot files from 2025 on carry
 * timestamps in microseconds, older ones in milliseconds; some files start with a header row.
 *
 * A year of 1m candles is 525,600 lines, so the parser works on bytes: no per-line strings,
 * regexes or splits. Numbers are read digit by digit into an integer mantissa and divided by a
 * power of ten, which gives exactly the double Number() would (both operands are exact doubles
 * and IEEE division rounds correctly); anything outside that fast path goes through Number().
 */

/** Timestamps at or above this are microseconds: in milliseconds it would be the year 5138. */
const MICROSECONDS_FROM = 1e14;
const COLUMNS = 12;
const COLUMN_NAMES = ['open time', 'open', 'high', 'low', 'close', 'volume', 'close time'] as const;

const COMMA = 44;
const DOT = 46;
const MINUS = 45;
const LF = 10;
const CR = 13;
const ZERO_CHAR = 48;
const NINE_CHAR = 57;

/** 10^0 .. 10^22: every one of them is an exact double. */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

export interface KlineSource {
  /** Shown in error messages. */
  file: string;
  symbol: string;
  interval: KlineInterval;
}

/** Candles of one symbol and interval as parallel columns (times in epoch milliseconds). */
export class KlineSeries {
  constructor(
    readonly symbol: string,
    readonly interval: KlineInterval,
    readonly length: number,
    readonly openTime: Float64Array,
    readonly closeTime: Float64Array,
    readonly open: Float64Array,
    readonly high: Float64Array,
    readonly low: Float64Array,
    readonly close: Float64Array,
    readonly volume: Float64Array,
  ) {}

  static empty(symbol: string, interval: KlineInterval): KlineSeries {
    return allocate(symbol, interval, 0).trim(0);
  }

  /** The i-th candle as a fresh object (the caller may keep it). */
  candle(i: number): Candle {
    return {
      symbol: this.symbol,
      interval: this.interval,
      openTime: this.openTime[i]!,
      closeTime: this.closeTime[i]!,
      open: this.open[i]!,
      high: this.high[i]!,
      low: this.low[i]!,
      close: this.close[i]!,
      volume: this.volume[i]!,
    };
  }

  toCandles(): Candle[] {
    const out = new Array<Candle>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.candle(i);
    return out;
  }

  /** The first n rows, sharing memory with this series. */
  trim(n: number): KlineSeries {
    return new KlineSeries(
      this.symbol,
      this.interval,
      n,
      this.openTime.subarray(0, n),
      this.closeTime.subarray(0, n),
      this.open.subarray(0, n),
      this.high.subarray(0, n),
      this.low.subarray(0, n),
      this.close.subarray(0, n),
      this.volume.subarray(0, n),
    );
  }

  /**
   * Joins series of one symbol and interval (e.g. one per monthly file) into one ordered by open
   * time. Rows repeating an open time are dropped, keeping the first one seen: Binance's daily and
   * monthly files overlap, and a download unzipped twice should not double the candles.
   */
  static concat(parts: readonly KlineSeries[], symbol: string, interval: KlineInterval): KlineSeries {
    const total = parts.reduce((sum, p) => sum + p.length, 0);
    const all = allocate(symbol, interval, total);
    let at = 0;
    for (const p of parts) {
      all.openTime.set(p.openTime.subarray(0, p.length), at);
      all.closeTime.set(p.closeTime.subarray(0, p.length), at);
      all.open.set(p.open.subarray(0, p.length), at);
      all.high.set(p.high.subarray(0, p.length), at);
      all.low.set(p.low.subarray(0, p.length), at);
      all.close.set(p.close.subarray(0, p.length), at);
      all.volume.set(p.volume.subarray(0, p.length), at);
      at += p.length;
    }
    return all.sortedUnique();
  }

  /** This series ordered by open time without repeated open times (itself when already so). */
  sortedUnique(): KlineSeries {
    const t = this.openTime;
    let ordered = true;
    for (let i = 1; i < this.length; i++) {
      if (!(t[i]! > t[i - 1]!)) {
        ordered = false;
        break;
      }
    }
    if (ordered) return this;
    // Stable order by open time; ties keep their file order so the first occurrence wins.
    const order = Array.from({ length: this.length }, (_, i) => i).sort((a, b) => t[a]! - t[b]! || a - b);
    const out = allocate(this.symbol, this.interval, this.length);
    let n = 0;
    for (const i of order) {
      if (n > 0 && out.openTime[n - 1] === t[i]) continue;
      out.openTime[n] = t[i]!;
      out.closeTime[n] = this.closeTime[i]!;
      out.open[n] = this.open[i]!;
      out.high[n] = this.high[i]!;
      out.low[n] = this.low[i]!;
      out.close[n] = this.close[i]!;
      out.volume[n] = this.volume[i]!;
      n++;
    }
    return out.trim(n);
  }
}

function allocate(symbol: string, interval: KlineInterval, n: number): KlineSeries {
  return new KlineSeries(
    symbol,
    interval,
    n,
    new Float64Array(n),
    new Float64Array(n),
    new Float64Array(n),
    new Float64Array(n),
    new Float64Array(n),
    new Float64Array(n),
    new Float64Array(n),
  );
}

/** Reads and parses one kline CSV file. */
export function readKlineCsv(path: string, symbol: string, interval: KlineInterval): KlineSeries {
  return parseKlineCsv(readFileSync(path), { file: path, symbol, interval });
}

/** Parses the contents of a kline CSV file; throws an Error naming the file and line on malformed input. */
export function parseKlineCsv(data: Uint8Array | string, source: KlineSource): KlineSeries {
  const buf =
    typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const len = buf.length;

  // Exact upper bound on the number of rows, so the columns are allocated once.
  let lines = 1;
  for (let at = buf.indexOf(LF); at !== -1; at = buf.indexOf(LF, at + 1)) lines++;
  const out = allocate(source.symbol, source.interval, lines);
  const { openTime, closeTime, open, high, low, close, volume } = out;

  let n = 0;
  let lineNo = 0;
  let pos = 0;
  let sawContent = false;
  while (pos < len) {
    lineNo++;
    let next = buf.indexOf(LF, pos);
    if (next === -1) next = len;
    let end = next;
    if (end > pos && buf[end - 1] === CR) end--;
    const start = pos;
    pos = next + 1;
    if (end === start) continue; // blank line (usually the trailing newline)

    const first = buf[start]!;
    if (!sawContent) {
      sawContent = true;
      // Only the first line may be a header ("open_time,open,..."): it starts with a letter.
      if (!(first >= ZERO_CHAR && first <= NINE_CHAR) && first !== MINUS) continue;
    }

    let at = start;
    const ot = readNumber(buf, at, end);
    if (Number.isNaN(ot) || fieldEnd >= end) fail(source, lineNo, buf, start, end, 0, at);
    at = fieldEnd + 1;
    const o = readNumber(buf, at, end);
    if (Number.isNaN(o) || fieldEnd >= end) fail(source, lineNo, buf, start, end, 1, at);
    at = fieldEnd + 1;
    const h = readNumber(buf, at, end);
    if (Number.isNaN(h) || fieldEnd >= end) fail(source, lineNo, buf, start, end, 2, at);
    at = fieldEnd + 1;
    const l = readNumber(buf, at, end);
    if (Number.isNaN(l) || fieldEnd >= end) fail(source, lineNo, buf, start, end, 3, at);
    at = fieldEnd + 1;
    const c = readNumber(buf, at, end);
    if (Number.isNaN(c) || fieldEnd >= end) fail(source, lineNo, buf, start, end, 4, at);
    at = fieldEnd + 1;
    const v = readNumber(buf, at, end);
    if (Number.isNaN(v) || fieldEnd >= end) fail(source, lineNo, buf, start, end, 5, at);
    at = fieldEnd + 1;
    const ct = readNumber(buf, at, end);
    if (Number.isNaN(ct) || fieldEnd >= end) fail(source, lineNo, buf, start, end, 6, at);

    // The remaining five columns are not used, but a line must have all twelve.
    let commas = 6;
    for (let i = fieldEnd; i < end; i++) if (buf[i] === COMMA) commas++;
    if (commas !== COLUMNS - 1) {
      throw new Error(
        `${source.file}:${lineNo}: expected ${COLUMNS} comma-separated columns, found ${commas + 1}: "${preview(buf, start, end)}"`,
      );
    }

    openTime[n] = ot >= MICROSECONDS_FROM ? Math.floor(ot / 1000) : ot;
    closeTime[n] = ct >= MICROSECONDS_FROM ? Math.floor(ct / 1000) : ct;
    open[n] = o;
    high[n] = h;
    low[n] = l;
    close[n] = c;
    volume[n] = v;
    n++;
  }
  return out.trim(n);
}

/** Where the last readNumber stopped: the comma after the field, or the end of the line. */
let fieldEnd = 0;

/** Reads a plain decimal number starting at pos, up to the next comma; NaN when it is not one. */
function readNumber(buf: Buffer, pos: number, end: number): number {
  let i = pos;
  let negative = false;
  if (i < end && buf[i] === MINUS) {
    negative = true;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let decimals = 0;
  let dot = false;
  for (; i < end; i++) {
    const ch = buf[i]!;
    if (ch >= ZERO_CHAR && ch <= NINE_CHAR) {
      mantissa = mantissa * 10 + (ch - ZERO_CHAR);
      digits++;
      if (dot) decimals++;
    } else if (ch === COMMA) {
      break;
    } else if (ch === DOT && !dot) {
      dot = true;
    } else {
      return slowNumber(buf, pos, end);
    }
  }
  fieldEnd = i;
  if (digits === 0) return NaN;
  if (mantissa > Number.MAX_SAFE_INTEGER || decimals >= POW10.length) return slowNumber(buf, pos, end);
  const value = decimals === 0 ? mantissa : mantissa / POW10[decimals]!;
  return negative ? -value : value;
}

/** Exponents, long mantissas and the like: let Number() decide (it rejects garbage with NaN). */
function slowNumber(buf: Buffer, pos: number, end: number): number {
  let i = pos;
  while (i < end && buf[i] !== COMMA) i++;
  fieldEnd = i;
  const text = buf.toString('latin1', pos, i).trim();
  return text === '' ? NaN : Number(text);
}

/** A line that failed: too few or many columns, or else a column that is not a number. */
function fail(
  source: KlineSource,
  lineNo: number,
  buf: Buffer,
  start: number,
  end: number,
  column: number,
  at: number,
): never {
  let commas = 0;
  for (let i = start; i < end; i++) if (buf[i] === COMMA) commas++;
  if (commas !== COLUMNS - 1) {
    throw new Error(
      `${source.file}:${lineNo}: expected ${COLUMNS} comma-separated columns, found ${commas + 1}: "${preview(buf, start, end)}"`,
    );
  }
  const text = buf.toString('latin1', at, Math.min(fieldEnd, end));
  throw new Error(
    `${source.file}:${lineNo}: column ${column + 1} (${COLUMN_NAMES[column]}) is not a number: "${text}" in "${preview(buf, start, end)}"`,
  );
}

function preview(buf: Buffer, start: number, end: number): string {
  const max = 160;
  const text = buf.toString('latin1', start, Math.min(end, start + max));
  return end - start > max ? `${text}...` : text;
}
