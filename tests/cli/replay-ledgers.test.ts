import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCandles, writeKlineCsv } from '../../tools/candles/synthetic';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/temp';

/**
 * A replay ledger belongs to one folder: two folders of the same name (/x/a/seed, /x/b/seed) get
 * a ledger each. They once shared replay-seed.sqlite, and the second replay "resumed" into the
 * first one's trades.
 */
describe('replay ledgers', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => {
    tmp = tempDir();
  });
  afterAll(() => tmp.cleanup());

  it('two replay folders of one name keep separate ledgers; the second starts fresh, not resumed', () => {
    const start = Date.parse('2024-02-01T00:00:00Z');
    for (const [sub, seed] of [
      ['a', 1],
      ['b', 2],
    ] as const) {
      const candles = generateCandles({
        symbol: 'BTCUSDT',
        interval: '5m',
        startTime: start,
        count: 300,
        seed,
        startPrice: 42000,
      });
      writeKlineCsv(path.join(tmp.dir, sub, 'seed'), candles);
    }
    const params = path.join(tmp.dir, 'params.json');
    writeFileSync(
      params,
      JSON.stringify({
        parameterSets: [
          { symbol: 'BTCUSDT', allocationPercent: 50, zScoreThreshold: 2, profitPercent: 1, stopLossPercent: 1 },
        ],
      }),
    );
    const dataDir = path.join(tmp.dir, 'data');
    const run = (sub: string) =>
      runCli([
        'trade',
        '--paper',
        `--parameterSets=${params}`,
        `--market=replay:${path.join(tmp.dir, sub, 'seed')}`,
        `--data-dir=${dataDir}`,
        '--quiet',
      ]);
    const a = run('a');
    expect(a.code, a.stderr).toBe(0);
    const b = run('b');
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).not.toMatch(/resumed after/);
    const ledgers = readdirSync(dataDir).filter((f) => /^replay-seed-[0-9a-f]{8}\.sqlite$/.test(f));
    expect(ledgers).toHaveLength(2);
    // The same folder again resumes its own ledger.
    const again = run('a');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/resumed after/);
    // The ledger records its folder: b's replay pointed at a's ledger (--db) is refused, nothing traded.
    const aLedger = path.join(
      dataDir,
      ledgers.find((f) => f === path.basename(/Ledger: (\S+)/.exec(a.stdout)![1]!))!,
    );
    const crossed = runCli([
      'trade',
      '--paper',
      `--parameterSets=${params}`,
      `--market=replay:${path.join(tmp.dir, 'b', 'seed')}`,
      `--db=${aLedger}`,
      '--quiet',
    ]);
    expect(crossed.code).toBe(2);
    expect(crossed.stderr).toContain(
      `belongs to the replay of ${path.join(tmp.dir, 'a', 'seed')}, not the replay of ${path.join(tmp.dir, 'b', 'seed')}`,
    );
    expect(crossed.stdout).not.toMatch(/BUY/);
  }, 120_000);
});
