import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Candle, FeedSink, FeedSubscription, MarketFeed } from '../../core/ports/market-feed';
import { KlineSeries, readKlineCsv } from './kline-csv';

export interface ReplayFeedOptions {
  /**
   * A replay runs synchronously for as long as the sink does; to let timers, IPC and an abort from
   * the UI through, it yields to the event loop once this many milliseconds have passed
   * (checked every 1024 candles). 0 disables yielding.
   */
  yieldEveryMs?: number;
}

/** How many candles pass between checks of the abort signal and the clock. */
const CHECK_EVERY = 1024;

/**
 * Replays Binance kline CSV files from a folder as fast as the sink takes them.
 *
 * For each subscription it reads `<SYMBOL>-<interval>-*.csv` (sorted by name, which for Binance's
 * files is by date), orders the rows by open time and drops repeated ones. Subscriptions are merged
 * by close time, ties going to the subscription listed first, so a replay is deterministic.
 */
export class ReplayFeed implements MarketFeed {
  readonly name: string;
  readonly realtime = false;
  readonly dir: string;
  private readonly yieldEveryMs: number;
  /** Parsed series by "SYMBOL|interval": optimisation runs replay the same data many times. */
  private readonly cache = new Map<string, KlineSeries>();

  constructor(dir: string, options: ReplayFeedOptions = {}) {
    this.dir = resolve(dir);
    this.name = `replay:${dir}`;
    this.yieldEveryMs = options.yieldEveryMs ?? 100;
  }

  /** A replay warms its signals with its own first candles. */
  async warmup(): Promise<Candle[]> {
    return [];
  }

  /** The candles of one subscription, read once and then kept. Throws when the files are missing. */
  series(sub: FeedSubscription): KlineSeries {
    const key = `${sub.symbol}|${sub.interval}`;
    let s = this.cache.get(key);
    if (!s) {
      const files = this.filesFor(sub);
      const parts = files.map((f) => readKlineCsv(join(this.dir, f), sub.symbol, sub.interval));
      s = KlineSeries.concat(parts, sub.symbol, sub.interval);
      this.cache.set(key, s);
    }
    return s;
  }

  /** The series for the subscriptions, each subscription once, in the order given. */
  load(subs: readonly FeedSubscription[]): KlineSeries[] {
    return uniqueSubs(subs).map((sub) => this.series(sub));
  }

  /** Total number of candles a run over these subscriptions delivers. */
  count(subs: readonly FeedSubscription[]): number {
    return this.load(subs).reduce((n, s) => n + s.length, 0);
  }

  /** Every candle a run delivers, in delivery order (for benchmarks and tests; a year of 1m candles is ~100 MB of objects). */
  loadAll(subs: readonly FeedSubscription[]): Candle[] {
    const out: Candle[] = [];
    const merge = new Merge(this.load(subs));
    for (let s = merge.next(); s >= 0; s = merge.next()) out.push(merge.take(s));
    return out;
  }

  async run(subs: readonly FeedSubscription[], sink: FeedSink, signal: AbortSignal): Promise<void> {
    const merge = new Merge(this.load(subs));
    if (signal.aborted) return;
    const yieldEvery = this.yieldEveryMs;
    let lastYield = performance.now();
    let sinceCheck = 0;
    for (let s = merge.next(); s >= 0; s = merge.next()) {
      if (++sinceCheck === CHECK_EVERY) {
        sinceCheck = 0;
        if (signal.aborted) return;
        if (yieldEvery > 0 && performance.now() - lastYield >= yieldEvery) {
          await new Promise<void>((done) => setImmediate(done));
          lastYield = performance.now();
          if (signal.aborted) return;
        }
      }
      const pending = sink.onCandle(merge.take(s));
      // Only a handler that returned a promise costs an await; the common path stays synchronous.
      if (pending !== undefined && typeof pending.then === 'function') {
        await pending;
        if (signal.aborted) return;
      }
    }
    sink.onHealth?.({ state: 'ended' });
  }

  /** The file names for one subscription, sorted; throws a helpful Error when there are none. */
  private filesFor(sub: FeedSubscription): string[] {
    const found = replayFiles(this.dir, sub);
    if (typeof found === 'string') throw new Error(found);
    return found;
  }
}

/**
 * What is wrong with `dir` as replay data for these subscriptions (the first problem, in words a
 * trader can act on), or undefined when every subscription has its CSV files. Checked before a
 * session opens anything.
 */
export function replayDataProblem(dir: string, subs: readonly FeedSubscription[]): string | undefined {
  for (const sub of subs) {
    const found = replayFiles(resolve(dir), sub);
    if (typeof found === 'string') return found;
  }
  return undefined;
}

/** The sorted CSV file names of one subscription, or why there are none. */
function replayFiles(dir: string, sub: FeedSubscription): string[] | string {
  const prefix = `${sub.symbol}-${sub.interval}-`;
  const pattern = `${prefix}*.csv`;
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    return `Replay folder ${dir} does not exist; it should hold files named ${pattern}. ${howToGetFiles(dir, sub, pattern)}`;
  const names = readdirSync(dir);
  const csv = names.filter((n) => n.startsWith(prefix) && n.endsWith('.csv')).sort();
  if (csv.length === 0) {
    const zips = names.filter((n) => n.startsWith(prefix) && n.endsWith('.zip')).length;
    const zipHint = zips > 0 ? ` The folder has ${zips} matching .zip file(s): unzip them first.` : '';
    return `No replay data for ${sub.symbol} ${sub.interval}: no file matching ${pattern} in ${dir}.${zipHint} ${howToGetFiles(dir, sub, pattern)}`;
  }
  return csv;
}

function howToGetFiles(dir: string, sub: FeedSubscription, pattern: string): string {
  return (
    `Download monthly klines (${pattern.replace('*', 'YYYY-MM').replace('.csv', '.zip')}) from ` +
    `https://data.binance.vision/?prefix=data/spot/monthly/klines/${sub.symbol}/${sub.interval}/ and unzip them into ${dir}, ` +
    `or write synthetic ones with: npm run generate-candles -- --out ${dir} --symbols ${sub.symbol} --interval ${sub.interval}`
  );
}

function uniqueSubs(subs: readonly FeedSubscription[]): FeedSubscription[] {
  const seen = new Set<string>();
  return subs.filter((s) => {
    const key = `${s.symbol}|${s.interval}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * k-way merge of series by close time. k is the number of subscriptions (a handful), so a linear
 * scan over the heads beats a heap; strict "<" gives ties to the earlier subscription.
 */
class Merge {
  private readonly pos: Int32Array;
  private readonly lengths: Int32Array;
  private readonly closes: Float64Array[];

  constructor(private readonly series: readonly KlineSeries[]) {
    this.pos = new Int32Array(series.length);
    this.lengths = Int32Array.from(series, (s) => s.length);
    this.closes = series.map((s) => s.closeTime);
  }

  /** Index of the series holding the next candle, or -1 at the end. */
  next(): number {
    let best = -1;
    let bestTime = Infinity;
    const { pos, lengths, closes } = this;
    for (let s = 0; s < lengths.length; s++) {
      const p = pos[s]!;
      if (p < lengths[s]!) {
        const t = closes[s]![p]!;
        if (t < bestTime) {
          bestTime = t;
          best = s;
        }
      }
    }
    return best;
  }

  /** The head candle of series s, advancing it. */
  take(s: number): Candle {
    const p = this.pos[s]!;
    this.pos[s] = p + 1;
    return this.series[s]!.candle(p);
  }
}
