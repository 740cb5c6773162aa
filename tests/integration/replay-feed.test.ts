import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplayFeed } from '../../electron/adapters/replay/replay-feed';
import type { Candle, FeedHealth, FeedSubscription } from '../../electron/core/ports/market-feed';
import { generateCandles, klineCsvLine, writeKlineCsv } from '../../tools/candles/synthetic';

const T0 = Date.UTC(2024, 0, 31, 22, 0); // two hours before a month boundary: files split
const MIN = 60_000;

let dir: string;
let btc: Candle[];
let eth: Candle[];
let sol: Candle[];

const SUBS: FeedSubscription[] = [
  { symbol: 'BTCUSDT', interval: '1m' },
  { symbol: 'ETHUSDT', interval: '3m' },
  { symbol: 'SOLUSDT', interval: '1m' },
];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tranche-replay-'));
  // Three symbols whose candles close at differing times: BTC every minute from T0, ETH every
  // 3 minutes from T0 + 5 min, SOL every minute from T0 + 2 min.
  btc = generateCandles({ symbol: 'BTCUSDT', interval: '1m', startTime: T0, count: 240, seed: 1, startPrice: 42_000 });
  eth = generateCandles({
    symbol: 'ETHUSDT',
    interval: '3m',
    startTime: T0 + 5 * MIN,
    count: 70,
    seed: 2,
    startPrice: 2_300,
  });
  sol = generateCandles({
    symbol: 'SOLUSDT',
    interval: '1m',
    startTime: T0 + 2 * MIN,
    count: 200,
    seed: 3,
    startPrice: 0.5,
  });
  writeKlineCsv(dir, btc, { splitByMonth: true });
  // ETH as Binance's 2025 files: microseconds and (unusually) a header, in one file.
  writeKlineCsv(dir, eth, { microseconds: true, header: true, splitByMonth: false, label: '2024-02' });
  // SOL: the rows of one file shuffled, plus a daily file repeating 30 of them.
  const solLines = sol.map((c) => klineCsvLine(c));
  const shuffled = [...solLines.slice(100), ...solLines.slice(0, 100)];
  writeFileSync(join(dir, 'SOLUSDT-1m-2024-01.csv'), shuffled.join('\n') + '\n');
  writeFileSync(join(dir, 'SOLUSDT-1m-2024-02-01.csv'), solLines.slice(50, 80).join('\n') + '\n');
  // Files for other symbols or intervals must be ignored.
  writeKlineCsv(
    dir,
    generateCandles({ symbol: 'BTCUSDT', interval: '5m', startTime: T0, count: 10, seed: 4, startPrice: 1 }),
  );
  mkdirSync(join(dir, 'zips'));
  writeFileSync(join(dir, 'zips', 'XRPUSDT-1m-2024-01.zip'), '');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function expectedOrder(): Candle[] {
  // Merge by close time; ties go to the subscription listed first (stable sort keeps that order).
  const rank = new Map(SUBS.map((s, i) => [s.symbol, i]));
  return [...btc, ...eth, ...sol].sort(
    (a, b) => a.closeTime - b.closeTime || rank.get(a.symbol)! - rank.get(b.symbol)!,
  );
}

describe('ReplayFeed', () => {
  it('is a non-realtime feed named after its folder, with no warm-up', async () => {
    const feed = new ReplayFeed(dir);
    expect(feed.realtime).toBe(false);
    expect(feed.name).toBe(`replay:${dir}`);
    expect(await feed.warmup()).toEqual([]);
  });

  it('merges three symbols in close-time order, ties by subscription order, without duplicates', async () => {
    const feed = new ReplayFeed(dir);
    const got: Candle[] = [];
    const health: FeedHealth[] = [];
    await feed.run(
      SUBS,
      { onCandle: (c) => void got.push(c), onHealth: (h) => health.push(h) },
      new AbortController().signal,
    );
    expect(got).toEqual(expectedOrder());
    expect(got.length).toBe(240 + 70 + 200);
    expect(health).toEqual([{ state: 'ended' }]);
    // The tie at T0 + 3 min: BTC and SOL 1m candles and nothing else close then; BTC is listed first.
    const tie = got.filter((c) => c.closeTime === T0 + 3 * MIN - 1).map((c) => c.symbol);
    expect(tie).toEqual(['BTCUSDT', 'SOLUSDT']);
    expect(feed.count(SUBS)).toBe(got.length);
    expect(feed.loadAll(SUBS)).toEqual(got);
  });

  it('reads a subscription spread over monthly files and listed twice only once', () => {
    const feed = new ReplayFeed(dir);
    const all = feed.loadAll([SUBS[0]!, SUBS[0]!]);
    expect(all).toEqual(btc);
  });

  it('awaits promises from the sink one at a time, keeping the order', async () => {
    const feed = new ReplayFeed(dir);
    const got: string[] = [];
    let busy = false;
    let overlaps = 0;
    await feed.run(
      SUBS,
      {
        onCandle(c) {
          if (busy) overlaps++;
          got.push(`${c.symbol}@${c.closeTime}`);
          // Every seventh candle "places an order": asynchronous work the feed must wait for.
          if (got.length % 7 !== 0) return;
          busy = true;
          return new Promise<void>((resolve) =>
            setTimeout(() => {
              busy = false;
              resolve();
            }, 0),
          );
        },
      },
      new AbortController().signal,
    );
    expect(overlaps).toBe(0);
    expect(got).toEqual(expectedOrder().map((c) => `${c.symbol}@${c.closeTime}`));
  });

  it('stops soon after the signal aborts', async () => {
    const feed = new ReplayFeed(dir);
    const ac = new AbortController();
    let n = 0;
    await feed.run(
      SUBS,
      {
        onCandle() {
          if (++n === 10) ac.abort();
        },
      },
      ac.signal,
    );
    // Checked every 1024 candles when the sink is synchronous: the run ends within that.
    expect(n).toBeGreaterThanOrEqual(10);
    expect(n).toBeLessThanOrEqual(1024);

    const ac2 = new AbortController();
    let m = 0;
    await feed.run(
      SUBS,
      {
        onCandle() {
          if (++m === 5) ac2.abort();
          return Promise.resolve();
        },
      },
      ac2.signal,
    );
    // After an awaited promise the signal is checked at once.
    expect(m).toBe(5);
  });

  it('explains a missing folder: where, which files, and how to get them', async () => {
    const missing = join(dir, 'nope');
    const feed = new ReplayFeed(missing);
    await expect(feed.run(SUBS, { onCandle: () => undefined }, new AbortController().signal)).rejects.toThrowError(
      new RegExp(
        `Replay folder ${escape(missing)} does not exist; it should hold files named BTCUSDT-1m-\\*\\.csv.*https://data\\.binance\\.vision.*unzip`,
      ),
    );
  });

  it('explains a symbol without files, pointing at zip files left unzipped', () => {
    const feed = new ReplayFeed(join(dir, 'zips'));
    let message = '';
    try {
      feed.loadAll([{ symbol: 'XRPUSDT', interval: '1m' }]);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(`no file matching XRPUSDT-1m-*.csv in ${join(dir, 'zips')}`);
    expect(message).toContain('1 matching .zip file(s): unzip them first');
    expect(message).toContain('https://data.binance.vision/?prefix=data/spot/monthly/klines/XRPUSDT/1m/');
    expect(message).toContain('npm run generate-candles');

    expect(() => new ReplayFeed(dir).loadAll([{ symbol: 'BTCUSDT', interval: '1h' }])).toThrowError(
      /no file matching BTCUSDT-1h-\*\.csv/,
    );
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
