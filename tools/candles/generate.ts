import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { KLINE_INTERVALS, intervalMs, type KlineInterval } from '../../shared/market/intervals';
import { alignToInterval, generateCandles, typicalPrice, writeKlineCsv } from './synthetic';

/**
 * npm run generate-candles -- --out DIR --symbols BTCUSDT,ETHUSDT --interval 1m --days 30 --seed 1
 *
 * Writes seeded synthetic candles as Binance kline CSV files, ready for the replay feed.
 * The default start is a fixed date so that the same command always writes the same files.
 */

const USAGE = `Usage: npm run generate-candles -- --out DIR [options]

  --out DIR             folder to write <SYMBOL>-<interval>-YYYY-MM.csv files into (created if missing)
  --symbols A,B         symbols (default BTCUSDT)
  --interval 1m         kline interval (default 1m)
  --days 30             days of candles (default 30)
  --start 2024-01-01    first open time, UTC (default 2024-01-01)
  --seed 1              random seed (default 1)
  --volatility 0.001    per-candle volatility (default 0.001)
  --drift 0             per-candle log drift (default 0)
  --jump-probability    chance of a jump per candle (default 0.001)
  --jump-size           typical jump size (default 0.02)
  --microseconds        write timestamps in microseconds (like Binance files from 2025 on)
  --header              write a header row
  --single-file LABEL   one file <SYMBOL>-<interval>-LABEL.csv instead of one per month`;

function main(): void {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      symbols: { type: 'string', default: 'BTCUSDT' },
      interval: { type: 'string', default: '1m' },
      days: { type: 'string', default: '30' },
      start: { type: 'string', default: '2024-01-01' },
      seed: { type: 'string', default: '1' },
      volatility: { type: 'string', default: '0.001' },
      drift: { type: 'string', default: '0' },
      'jump-probability': { type: 'string', default: '0.001' },
      'jump-size': { type: 'string', default: '0.02' },
      microseconds: { type: 'boolean', default: false },
      header: { type: 'boolean', default: false },
      'single-file': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.out) throw new UsageError('--out DIR is required');
  const interval = values.interval as KlineInterval;
  if (!(interval in KLINE_INTERVALS))
    throw new UsageError(
      `unknown interval "${values.interval}"; use one of ${Object.keys(KLINE_INTERVALS).join(', ')}`,
    );
  const days = positiveNumber('--days', values.days);
  const seed = Math.trunc(finiteNumber('--seed', values.seed));
  const startMs = Date.parse(values.start.includes('T') ? values.start : `${values.start}T00:00:00Z`);
  if (Number.isNaN(startMs)) throw new UsageError(`--start "${values.start}" is not a date (use YYYY-MM-DD)`);
  const startTime = alignToInterval(startMs, interval);
  const count = Math.max(1, Math.floor((days * 86_400_000) / intervalMs(interval)));
  const symbols = values.symbols
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s !== '');
  if (symbols.length === 0) throw new UsageError('--symbols lists no symbol');

  const out = resolve(values.out);
  const began = performance.now();
  let total = 0;
  for (const symbol of symbols) {
    const candles = generateCandles({
      symbol,
      interval,
      startTime,
      count,
      seed,
      startPrice: typicalPrice(symbol),
      volatility: finiteNumber('--volatility', values.volatility),
      drift: finiteNumber('--drift', values.drift),
      jumpProbability: finiteNumber('--jump-probability', values['jump-probability']),
      jumpSize: finiteNumber('--jump-size', values['jump-size']),
    });
    const files = writeKlineCsv(out, candles, {
      microseconds: values.microseconds,
      header: values.header,
      splitByMonth: values['single-file'] === undefined,
      label: values['single-file'],
    });
    for (const f of files) {
      console.log(
        `${f.path}  ${f.candles} candles  ${new Date(f.firstOpenTime).toISOString()} .. ${new Date(f.lastOpenTime).toISOString()}`,
      );
    }
    total += candles.length;
  }
  const seconds = (performance.now() - began) / 1000;
  console.log(
    `Wrote ${total} ${interval} candles for ${symbols.join(', ')} (seed ${seed}) to ${out} in ${seconds.toFixed(1)} s.`,
  );
}

class UsageError extends Error {}

function finiteNumber(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n)) throw new UsageError(`${flag} "${text}" is not a number`);
  return n;
}

function positiveNumber(flag: string, text: string): number {
  const n = finiteNumber(flag, text);
  if (n <= 0) throw new UsageError(`${flag} must be above zero`);
  return n;
}

try {
  main();
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  console.error(`generate-candles: ${message}`);
  if (
    err instanceof UsageError ||
    (err instanceof Error && 'code' in err && err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
  ) {
    console.error(USAGE);
  }
  process.exitCode = 1;
}
