import { describe, expect, it } from 'vitest';
import { KlineSeries, parseKlineCsv } from '../../electron/adapters/replay/kline-csv';
import { generateCandles, klineCsvLine } from '../../tools/candles/synthetic';

const src = { file: 'BTCUSDT-1m-2024-01.csv', symbol: 'BTCUSDT', interval: '1m' as const };

// Two real-looking rows from Binance's public data (2024: milliseconds).
const MS_ROWS = [
  '1704067200000,42283.58000000,42298.62000000,42261.02000000,42298.61000000,35.92724000,1704067259999,1519032.73435410,1327,19.81213000,837692.39946280,0',
  '1704067260000,42298.62000000,42320.00000000,42298.61000000,42310.00000000,21.07000000,1704067319999,891335.38110800,920,11.50000000,486577.12000000,0',
];
// The same candles as Binance writes them since 2025: microseconds.
const US_ROWS = [
  '1704067200000000,42283.58000000,42298.62000000,42261.02000000,42298.61000000,35.92724000,1704067259999999,1519032.73435410,1327,19.81213000,837692.39946280,0',
  '1704067260000000,42298.62000000,42320.00000000,42298.61000000,42310.00000000,21.07000000,1704067319999999,891335.38110800,920,11.50000000,486577.12000000,0',
];
const HEADER =
  'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';

describe('parseKlineCsv', () => {
  it('parses a millisecond file into columns and candles', () => {
    const s = parseKlineCsv(MS_ROWS.join('\n') + '\n', src);
    expect(s.length).toBe(2);
    expect(s.openTime).toBeInstanceOf(Float64Array);
    expect(s.candle(0)).toEqual({
      symbol: 'BTCUSDT',
      interval: '1m',
      openTime: 1704067200000,
      closeTime: 1704067259999,
      open: 42283.58,
      high: 42298.62,
      low: 42261.02,
      close: 42298.61,
      volume: 35.92724,
    });
    expect(s.toCandles()[1]!.close).toBe(42310);
  });

  it('converts microsecond timestamps to milliseconds and skips a header row', () => {
    const ms = parseKlineCsv(MS_ROWS.join('\n'), src);
    const us = parseKlineCsv([HEADER, ...US_ROWS].join('\n') + '\n', src);
    expect(us.toCandles()).toEqual(ms.toCandles());
  });

  it('decides the unit per value, so a file mixing both still reads right', () => {
    const s = parseKlineCsv([MS_ROWS[0], US_ROWS[1]].join('\n'), src);
    expect([...s.openTime]).toEqual([1704067200000, 1704067260000]);
    expect([...s.closeTime]).toEqual([1704067259999, 1704067319999]);
  });

  it('accepts CRLF line endings and blank lines', () => {
    const s = parseKlineCsv(`\r\n${MS_ROWS[0]}\r\n\r\n${MS_ROWS[1]}\r\n`, src);
    expect(s.length).toBe(2);
    expect(s.volume[1]).toBe(21.07);
  });

  it('reads every number exactly as Number() does, including long mantissas and exponents', () => {
    const values = ['0.00000001', '123456789.12345678', '98765432109876543.21', '1e-7', '0.1', '69000.01000000'];
    for (const v of values) {
      const line = `1704067200000,${v},${v},${v},${v},${v},1704067259999,0,0,0,0,0`;
      const s = parseKlineCsv(line, src);
      expect(s.open[0]).toBe(Number(v));
      expect(s.volume[0]).toBe(Number(v));
    }
  });

  it('round-trips synthetic candles written in Binance format', () => {
    const candles = generateCandles({
      symbol: 'BTCUSDT',
      interval: '1m',
      startTime: Date.UTC(2024, 0, 1),
      count: 500,
      seed: 7,
      startPrice: 42_000,
    });
    for (const micro of [false, true]) {
      const text = candles.map((c) => klineCsvLine(c, micro)).join('\n');
      expect(parseKlineCsv(text, src).toCandles()).toEqual(candles);
    }
  });

  it('names the file and line of a row with too few columns', () => {
    const text = [MS_ROWS[0], MS_ROWS[1], '1704067320000,42310.00000000,42311.00000000'].join('\n');
    expect(() => parseKlineCsv(text, src)).toThrowError(
      /^BTCUSDT-1m-2024-01\.csv:3: expected 12 comma-separated columns, found 3: "1704067320000,42310/,
    );
  });

  it('names the file, line and column of a value that is not a number', () => {
    const bad = MS_ROWS[1]!.replace('42320.00000000', '42x20.5');
    const text = [HEADER, MS_ROWS[0], bad].join('\n');
    expect(() => parseKlineCsv(text, src)).toThrowError(
      'BTCUSDT-1m-2024-01.csv:3: column 3 (high) is not a number: "42x20.5"',
    );
  });

  it('rejects a second header-like line', () => {
    expect(() => parseKlineCsv([HEADER, MS_ROWS[0], HEADER].join('\n'), src)).toThrowError(
      /:3: column 1 \(open time\) is not a number/,
    );
  });

  it('rejects an empty field', () => {
    const text = MS_ROWS[0]!.replace('35.92724000', '');
    expect(() => parseKlineCsv(text, src)).toThrowError(
      'BTCUSDT-1m-2024-01.csv:1: column 6 (volume) is not a number: ""',
    );
  });
});

describe('KlineSeries.concat', () => {
  it('orders by open time and keeps the first of repeated open times', () => {
    const a = parseKlineCsv([MS_ROWS[1], MS_ROWS[0]].join('\n'), src);
    const dup = parseKlineCsv(MS_ROWS[0]!.replace('42283.58000000', '1.00000000'), src);
    const joined = KlineSeries.concat([a, dup], 'BTCUSDT', '1m');
    expect(joined.length).toBe(2);
    expect([...joined.openTime]).toEqual([1704067200000, 1704067260000]);
    expect(joined.open[0]).toBe(42283.58);
  });

  it('returns an empty series for no input', () => {
    expect(KlineSeries.concat([], 'BTCUSDT', '1m').length).toBe(0);
    expect(KlineSeries.empty('BTCUSDT', '1m').toCandles()).toEqual([]);
  });
});
