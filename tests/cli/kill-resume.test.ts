import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCandles, writeKlineCsv } from '../../tools/candles/synthetic';
import { runCli, startCli } from '../helpers/cli';
import { ledgerProblems } from '../helpers/ledger-consistency';
import { tempDir } from '../helpers/temp';

/** Starts a replay and SIGKILLs it once its output has shown `lines` more lines matching `pattern`. */
function killAfter(args: string[], pattern: RegExp, count: number): Promise<{ seen: number; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = startCli(args);
    let seen = 0;
    let buffer = '';
    let killed = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const l of lines) if (pattern.test(l)) seen++;
      if (!killed && seen >= count) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', () => resolve({ seen, killed }));
  });
}

describe('a paper replay killed with SIGKILL resumes with a consistent ledger', () => {
  let tmp: ReturnType<typeof tempDir>;
  let args: string[];
  let db: string;

  beforeAll(() => {
    tmp = tempDir();
    const klines = path.join(tmp.dir, 'klines');
    const start = Date.parse('2024-03-01T00:00:00Z');
    const candles = ['BTCUSDT', 'ETHUSDT', 'BNBUSDT'].flatMap((symbol, i) =>
      generateCandles({
        symbol,
        interval: '1m',
        startTime: start,
        count: 12_000,
        seed: 11 + i,
        startPrice: [42000, 2500, 300][i]!,
        volatility: 0.0015,
        jumpProbability: 0.004,
        jumpSize: 0.01,
      }),
    );
    writeKlineCsv(klines, candles);
    // Busy settings so that a few seconds of replay hold hundreds of trades.
    const params = path.join(tmp.dir, 'busy.json');
    writeFileSync(
      params,
      JSON.stringify({
        parameterSets: [
          {
            symbol: 'BTCUSDT',
            allocationPercent: 33.3,
            zScoreThreshold: 2.5,
            profitPercent: 0.6,
            stopLossPercent: 0.6,
            interval: '1m',
          },
          {
            symbol: 'ETHUSDT',
            allocationPercent: 33.3,
            zScoreThreshold: 2.5,
            profitPercent: 0.8,
            stopLossPercent: 0.5,
            interval: '1m',
          },
          {
            symbol: 'BNBUSDT',
            allocationPercent: 33.3,
            zScoreThreshold: 2.5,
            profitPercent: 0.7,
            stopLossPercent: 0.7,
            interval: '1m',
            exitZScore: -1.5,
          },
        ],
      }),
    );
    db = path.join(tmp.dir, 'ledger.sqlite');
    args = ['trade', '--paper', `--parameterSets=${params}`, `--market=replay:${klines}`, `--db=${db}`, '--quiet'];
  });
  afterAll(() => tmp.cleanup());

  it('is killed at three different points, restarts each time, and ends consistent', async () => {
    const kills = [
      { pattern: /^💼 Reserved /, count: 1 }, // right after a reservation: the buy may or may not have reached the exchange
      { pattern: /^📝 PAPER BUY/, count: 25 }, // mid-run, between a fill and its OCO perhaps
      { pattern: /^(✅|🛑|🔄)/, count: 40 }, // around exits
    ];
    for (const k of kills) {
      const r = await killAfter(args, k.pattern, k.count);
      expect(r.killed, `the replay ended before ${k.count} x ${k.pattern}`).toBe(true);
      // Whatever state the kill left, the ledger file must stay readable by the status command.
      const status = runCli(['status', `--db=${db}`, '--log-format=json']);
      expect(status.code).toBe(0);
    }
    const final = runCli(args);
    expect(final.stderr.replace(/npm warn.*\n/g, '')).toBe('');
    expect(final.code).toBe(0);
    expect(final.stdout).toMatch(/resumed after 2024-03-/);
    const { problems, counts } = ledgerProblems(db);
    expect(problems).toEqual([]);
    expect(counts.trades).toBeGreaterThan(100);
    // Every filled buy on the exchange is one position in the ledger: nothing bought twice or lost.
    expect(counts.buys).toBe(counts.entered);
  });
});
