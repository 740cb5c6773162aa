import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ParameterSetInput } from '../../shared/params/schema';
import { generateCandles, writeKlineCsv } from '../../tools/candles/synthetic';
import { runCliAsync } from '../helpers/cli';
import { hostHarness } from '../helpers/host';
import { tempDir } from '../helpers/temp';
import { describeWithKeychain } from '../secrets/keychain';

/**
 * One home for the parameter sets: what the desktop host saves in a data folder is what
 * `params show` lists, what the next `trade` without --parameterSets trades, what `status` shows
 * the ledger traded, and what a new host reads back. A file comes in with `params import`.
 */
describeWithKeychain('parameter sets: one home for the desktop and the command line', () => {
  let tmp: ReturnType<typeof tempDir>;
  let klines: string;
  beforeAll(() => {
    tmp = tempDir();
    klines = path.join(tmp.dir, 'klines');
    writeKlineCsv(
      klines,
      generateCandles({
        symbol: 'BTCUSDT',
        interval: '5m',
        startTime: Date.parse('2024-02-01T00:00:00Z'),
        count: 600,
        seed: 5,
        startPrice: 42000,
        volatility: 0.004,
      }),
    );
  });
  afterAll(() => tmp.cleanup());

  it('saved in the UI -> params show, trade, status and a new host all see the same sets', async () => {
    const dataDir = path.join(tmp.dir, 'data');
    const ui: ParameterSetInput[] = [
      { symbol: 'BTCUSDT', allocationPercent: 42, zScoreThreshold: 2.5, profitPercent: 3, stopLossPercent: 2 },
    ];
    const host = hostHarness(dataDir);
    expect(await host.ok('params.save', { sets: ui })).toMatchObject({ saved: true });
    await host.close();

    const cli = (args: string[]) => runCliAsync([...args, `--data-dir=${dataDir}`]);
    const show = await cli(['params', 'show']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('BTCUSDT    42%  z >= 2.5');
    const trade = await cli(['trade', '--paper', `--market=replay:${klines}`, '--quiet']);
    expect(trade.code, trade.stderr).toBe(0);
    expect(trade.stdout).toContain('Tranche paper trading on replay of');
    expect(trade.stdout).toContain('BTCUSDT 42%');
    expect(trade.stdout).toContain(`Parameter sets: the ones saved in ${path.join(dataDir, 'tranche.sqlite')}`);
    const status = await cli(['status', `--market=replay:${klines}`, '--log-format=json']);
    expect(status.code, status.stderr).toBe(0);
    const recorded = (JSON.parse(status.stdout) as { parameterSets: ParameterSetInput[] }).parameterSets;
    expect(recorded).toEqual([expect.objectContaining(ui[0]!)]);

    // A file imported on the command line is what the desktop shows next.
    const file = path.join(tmp.dir, 'imported.json');
    writeFileSync(file, JSON.stringify({ parameterSets: [{ ...ui[0], allocationPercent: 25, symbol: 'ETHUSDT' }] }));
    const imported = await cli(['params', 'import', file]);
    expect(imported.code, imported.stderr).toBe(0);
    const again = hostHarness(dataDir);
    const seen = await again.ok<{ sets: ParameterSetInput[] }>('params.get');
    expect(seen.sets).toEqual([expect.objectContaining({ symbol: 'ETHUSDT', allocationPercent: 25 })]);
    await again.close();
    const exported = await cli(['params', 'export']);
    expect(JSON.parse(exported.stdout)).toEqual({ parameterSets: [expect.objectContaining({ symbol: 'ETHUSDT' })] });
    // A broken file changes nothing.
    writeFileSync(file, '{"parameterSets": [{"symbol": "ETHUSDT"}]}');
    const broken = await cli(['params', 'import', file]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('is rejected');
    expect((await cli(['params', 'show'])).stdout).toContain('ETHUSDT    25%');
  }, 120_000);
});
