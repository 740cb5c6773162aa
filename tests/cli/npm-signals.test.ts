import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli';
import { tempDir } from '../helpers/temp';

/**
 * `npm run startTrading` as a trader (or a supervisor) stops it: Ctrl+C in the terminal (SIGINT to
 * the whole process group) and `kill PID` of npm (SIGTERM to npm alone, as `docker stop` and
 * supervisors do). npm forwards both to its child; the script execs node, so that child is the
 * trader itself (no shell or tsx wrapper in between to die, orphan it or SIGKILL it). Each time,
 * during a busy replay: a "Stopping" line, the replay summary, exit 0, the trader process gone, and
 * every open position in the ledger still protected by a working OCO.
 */
let tmp: ReturnType<typeof tempDir>;
const market = () => path.join(tmp.dir, 'market');
const params = () => path.join(tmp.dir, 'busy-params.json');

beforeAll(() => {
  tmp = tempDir();
  // A year of 5m candles for three symbols and thresholds that trade often: about 8 s of replay.
  const gen = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'tools/candles/generate.ts',
      '--out',
      market(),
      '--symbols',
      'BTCUSDT,BNBUSDT,ETHUSDT',
      '--interval',
      '5m',
      '--days',
      '365',
      '--volatility',
      '0.004',
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  expect(gen.status, gen.stderr).toBe(0);
  const set = (symbol: string) => ({
    symbol,
    allocationPercent: 30,
    zScoreThreshold: 1.2,
    profitPercent: 0.8,
    stopLossPercent: 0.8,
  });
  writeFileSync(params(), JSON.stringify({ parameterSets: ['BTCUSDT', 'BNBUSDT', 'ETHUSDT'].map(set) }));
});
afterAll(() => tmp.cleanup());

interface NpmRun {
  pid: number;
  out: () => string;
  exited: Promise<number | null>;
}

function npmStartTrading(dataDir: string): NpmRun {
  const child = spawn(
    'npm',
    [
      'run',
      '--silent',
      'startTrading',
      '--',
      '--paper',
      `--parameterSets=${params()}`,
      `--market=replay:${market()}`,
      `--data-dir=${dataDir}`,
    ],
    // Its own process group, as a terminal gives a foreground job: Ctrl+C reaches all of it.
    { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  return {
    pid: child.pid!,
    out: () => out,
    exited: new Promise((resolve) => child.on('close', (code) => resolve(code))),
  };
}

async function until(what: string, cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Open positions of the ledger in `dataDir` that have no working take-profit and stop-loss leg. */
function unprotected(dataDir: string): { open: number; unprotected: string[] } {
  const file = readdirSync(dataDir).find((f) => f.endsWith('.sqlite'))!;
  const db = new Database(path.join(dataDir, file), { readonly: true });
  try {
    const open = db.prepare("SELECT id, symbol FROM positions WHERE status != 'closed'").all() as Array<{
      id: number;
      symbol: string;
    }>;
    const legs = db.prepare(
      "SELECT COUNT(*) AS n FROM orders WHERE position_id = ? AND purpose IN ('take-profit', 'stop-loss') AND state = 'open'",
    );
    return {
      open: open.length,
      unprotected: open.filter((p) => (legs.get(p.id) as { n: number }).n !== 2).map((p) => `#${p.id} ${p.symbol}`),
    };
  } finally {
    db.close();
  }
}

describe('npm run startTrading stops gracefully on the signals a terminal or a supervisor sends', () => {
  it.each([
    ['Ctrl+C (SIGINT to the process group)', (pid: number) => process.kill(-pid, 'SIGINT')],
    ['kill PID of npm (SIGTERM to npm alone)', (pid: number) => process.kill(pid, 'SIGTERM')],
  ])(
    '%s during a busy replay: "Stopping", the summary, exit 0, the trader gone, every open position protected',
    async (_name, send) => {
      const dataDir = path.join(tmp.dir, `data-${Math.random().toString(36).slice(2)}`);
      const run = npmStartTrading(dataDir);
      await until('a few trades', () => (run.out().match(/OCO placed/g) ?? []).length >= 5, 60_000);
      const trader = Number(/Ledger: .* \(pid (\d+);/.exec(run.out())?.[1]);
      expect(trader).toBeGreaterThan(0);
      send(run.pid);
      const code = await run.exited;
      const out = run.out();
      expect(code, out.slice(-2000)).toBe(0);
      expect(out).toContain('⏹️ Stopping');
      expect(out).toContain('📊 Replay summary');
      expect(out).not.toContain('Forced exit');
      // Stopped part-way through the year, not at its end.
      expect(out).not.toMatch(/Candles: +315,360 /);
      expect(alive(trader)).toBe(false);
      expect(unprotected(dataDir).unprotected).toEqual([]);
    },
    90_000,
  );
});
