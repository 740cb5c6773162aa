import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCandles, writeKlineCsv } from '../../tools/candles/synthetic';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/temp';

/**
 * Machine-readable output a supervisor or a script can rely on: `trade --log-format=json` says
 * "ready" as an event of its own, and `status --log-format=json` carries everything the pretty form
 * shows (quote balance apart from the total, each open position with its OCO state, closed trades,
 * the sets the ledger trades).
 */
describe('status and trade in JSON', () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: string;
  let trade: ReturnType<typeof runCli>;
  const set = { symbol: 'BTCUSDT', allocationPercent: 50, zScoreThreshold: 2, profitPercent: 3, stopLossPercent: 3 };
  beforeAll(() => {
    tmp = tempDir();
    const klines = path.join(tmp.dir, 'klines');
    writeKlineCsv(
      klines,
      generateCandles({
        symbol: 'BTCUSDT',
        interval: '5m',
        startTime: Date.parse('2024-02-01T00:00:00Z'),
        count: 3000,
        seed: 3,
        startPrice: 42000,
        volatility: 0.004,
      }),
    );
    const params = path.join(tmp.dir, 'params.json');
    writeFileSync(params, JSON.stringify({ parameterSets: [set] }));
    db = path.join(tmp.dir, 'replay.sqlite');
    trade = runCli([
      'trade',
      '--paper',
      `--parameterSets=${params}`,
      `--market=replay:${klines}`,
      `--db=${db}`,
      '--log-format=json',
    ]);
  });
  afterAll(() => tmp.cleanup());

  it('trade --log-format=json: one JSON object per line, "ready" among them before the first trade', () => {
    expect(trade.code, trade.stderr).toBe(0);
    const events = trade.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; ledger?: string; corrections?: number });
    const ready = events.findIndex((e) => e.type === 'ready');
    expect(ready).toBeGreaterThanOrEqual(0);
    expect(events[ready]).toMatchObject({ ledger: db, corrections: 0, openPositions: 0 });
    const firstBuy = events.findIndex((e) => e.type === 'buy-filled');
    expect(firstBuy).toBeGreaterThan(ready);
  });

  it('status --log-format=json: balances, positions with their OCO, trades, the sets it trades', () => {
    const r = runCli(['status', `--db=${db}`, '--log-format=json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as {
      quoteBalance: string;
      totalBalance: string;
      positions: Array<Record<string, unknown>>;
      trades: Array<Record<string, unknown>>;
      parameterSets: Array<Record<string, unknown>>;
      status: { totalBalance: number };
    };
    expect(Number(s.totalBalance)).toBeCloseTo(s.status.totalBalance, 6);
    expect(Number(s.quoteBalance)).toBeLessThanOrEqual(Number(s.totalBalance));
    expect(s.trades.length).toBeGreaterThan(0);
    expect(s.trades[0]).toEqual({
      symbol: 'BTCUSDT',
      exitReason: expect.any(String),
      entryPrice: expect.stringMatching(/^\d+(\.\d+)?$/),
      exitPrice: expect.stringMatching(/^\d+(\.\d+)?$/),
      quantity: expect.stringMatching(/^\d+(\.\d+)?$/),
      pnl: expect.stringMatching(/^-?\d+(\.\d+)?$/),
      pnlPercent: expect.any(Number),
      exitTime: expect.any(String),
    });
    for (const p of s.positions)
      expect(p).toMatchObject({
        symbol: 'BTCUSDT',
        oco: 'open',
        takeProfit: expect.any(String),
        stop: expect.any(String),
      });
    expect(s.parameterSets).toHaveLength(1);
    expect(s.parameterSets[0]).toMatchObject(set);
    const pretty = runCli(['status', `--db=${db}`]);
    expect(pretty.stdout).toContain('Parameter sets it trades (1):');
    expect(pretty.stdout).toMatch(/Balance: \$[\d,.]+ free in USDT, \$[\d,.]+ in all/);
  });
});
