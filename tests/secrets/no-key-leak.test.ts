import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KeytarSecretStore } from '../../electron/adapters/secrets/keytar-secret-store';
import { generateCandles, writeKlineCsv } from '../../tools/candles/synthetic';
import { ROOT } from '../helpers/cli';
import { tempDir } from '../helpers/temp';
import {
  clearService,
  describeWithKeychain,
  processesWhoseArgumentsContain,
  runCliAsync,
  testServiceName,
} from './keychain';
import { startPermissionsServer, type PermissionsServer } from './permissions-server';

/**
 * A key never reaches a log, the ledger or a process's arguments: with distinctive keys in
 * BINANCE_API_KEY / BINANCE_API_SECRET and in the keychain, a trading session's output and every
 * file of its data folder (the ledger .sqlite, -wal, -lock, .pid), caught both mid-run and after a
 * clean end, hold none of them. The keys CLI takes the secret on stdin only.
 */
const ENV_KEY = 'LEAKenvKEY7f3a9c1e5b2d8f4a6c0e9b7d3f1a5c8e2LEAK';
const ENV_SECRET = 'LEAKenvSECRETq8w2e6r4t1y9u3i7o5p0a2s4d6f8g1LEAK';
const KC_KEY = 'LEAKkcKEYz1x3c5v7b9n2m4l6k8j0h1g3f5d7s9a2LEAK';
const KC_SECRET = 'LEAKkcSECRETp0o9i8u7y6t5r4e3w2q1a2s3d4f5g6LEAK';
const NEEDLES = { ENV_KEY, ENV_SECRET, KC_KEY, KC_SECRET };

/** The needles found in a buffer, as UTF-8 or UTF-16 (SQLite can store either). */
function leaks(buf: Buffer): string[] {
  return Object.entries(NEEDLES)
    .filter(([, s]) => buf.includes(Buffer.from(s, 'utf8')) || buf.includes(Buffer.from(s, 'utf16le')))
    .map(([name]) => name);
}

/** Every regular file under dir with its content, read now. */
function snapshot(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      const stat = statSync(p);
      if (stat.isDirectory()) walk(p);
      // Files only: the ledger's control channel (.ctl, a socket) holds nothing and cannot be read.
      else if (stat.isFile()) out.set(path.relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

function leaksIn(files: Map<string, Buffer>): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  for (const [name, buf] of files) {
    const l = leaks(buf);
    if (l.length) found[name] = l;
  }
  return found;
}

describeWithKeychain('API keys never reach logs, the ledger or process arguments', () => {
  const service = testServiceName();
  let tmp: ReturnType<typeof tempDir>;
  let server: PermissionsServer;
  let args: string[];
  let market: string;
  const dataDir = () => path.join(tmp.dir, 'data');
  const env = {
    TRANCHE_KEYCHAIN_SERVICE: service,
    BINANCE_API_KEY: ENV_KEY,
    BINANCE_API_SECRET: ENV_SECRET,
    TRANCHE_DEBUG: '1',
  };

  beforeAll(async () => {
    tmp = tempDir();
    server = await startPermissionsServer();
    const klines = path.join(tmp.dir, 'klines');
    const start = Date.parse('2024-03-01T00:00:00Z');
    writeKlineCsv(
      klines,
      ['BTCUSDT', 'ETHUSDT'].flatMap((symbol, i) =>
        generateCandles({
          symbol,
          interval: '1m',
          startTime: start,
          count: 12_000,
          seed: 21 + i,
          startPrice: [42000, 2500][i]!,
          volatility: 0.0015,
          jumpProbability: 0.004,
          jumpSize: 0.01,
        }),
      ),
    );
    const params = path.join(tmp.dir, 'busy.json');
    const set = (symbol: string) => ({
      symbol,
      allocationPercent: 45,
      zScoreThreshold: 2.5,
      profitPercent: 0.6,
      stopLossPercent: 0.6,
      interval: '1m',
    });
    writeFileSync(params, JSON.stringify({ parameterSets: [set('BTCUSDT'), set('ETHUSDT')] }));
    market = `--market=replay:${klines}`;
    args = ['trade', '--paper', `--parameterSets=${params}`, market, `--data-dir=${dataDir()}`];
  });
  afterAll(async () => {
    await server?.close();
    await clearService(service);
    tmp?.cleanup();
  });

  it('the detector finds a needle in UTF-8 and UTF-16', () => {
    expect(leaks(Buffer.from(`..${ENV_SECRET}..`))).toEqual(['ENV_SECRET']);
    expect(leaks(Buffer.from(`..${KC_KEY}..`, 'utf16le'))).toEqual(['KC_KEY']);
    expect(leaks(Buffer.from('LEAK'))).toEqual([]);
  });

  it('the keys CLI stores the keychain entries with the secret never in any process arguments', async () => {
    server.setKnownKey(KC_KEY, KC_SECRET);
    server.answer({ kind: 'permissions', enableWithdrawals: false });
    const inArguments: string[] = [];
    server.beforeAnswer(() => {
      for (const s of Object.values(NEEDLES)) inArguments.push(...processesWhoseArgumentsContain(s));
    });
    for (const environment of ['live', 'testnet']) {
      const r = await runCliAsync(
        ['keys', 'set', `--env=${environment}`, '--secret-stdin', `--binance-rest-url=${server.url}`],
        { env: { ...env, BINANCE_API_KEY: '', BINANCE_API_SECRET: '' }, input: `${KC_KEY}\n${KC_SECRET}\n` },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(leaks(Buffer.from(r.stdout + r.stderr))).toEqual([]);
    }
    server.beforeAnswer(undefined);
    expect(server.requests.length).toBe(4); // per key: its account, its permissions
    expect(inArguments).toEqual([]);
    expect(await new KeytarSecretStore({ service }).environments()).toEqual(['live', 'testnet']);
  });

  it('a trading session with keys in the environment and the keychain leaves them in no file and no output', async () => {
    // Mid-run: stop the process after some trades, and read every file of the data folder while it is frozen.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'electron/cli/main.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    const midRun = await new Promise<{ files: Map<string, Buffer>; cmdline: string } | undefined>((resolve) => {
      let buys = 0;
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        output += d;
        buys += d.match(/PAPER BUY/g)?.length ?? 0;
        if (buys >= 10 && child.pid && !child.killed) {
          child.kill('SIGSTOP');
          const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
          const files = snapshot(dataDir());
          child.kill('SIGKILL');
          resolve({ files, cmdline });
        }
      });
      void exited.then(() => resolve(undefined));
    });
    await exited;
    expect(midRun, `the replay ended before 10 buys:\n${output}`).toBeDefined();
    const names = [...midRun!.files.keys()].sort();
    // The replay's ledger: replay-<folder>-<8 hex of the folder's path>.sqlite
    const ledger = names.find((n) => /^replay-klines-[0-9a-f]{8}\.sqlite$/.test(n));
    expect(ledger, names.join(', ')).toBeDefined();
    expect(names).toEqual(expect.arrayContaining([ledger, `${ledger}-wal`, `${ledger}.pid`, `${ledger}-lock`]));
    expect(midRun!.files.get(`${ledger}-wal`)!.length).toBeGreaterThan(0);
    expect(leaksIn(midRun!.files)).toEqual({});
    expect(leaks(Buffer.from(midRun!.cmdline))).toEqual([]);

    // Then resumed to a clean end, and read with the status command.
    const final = await runCliAsync(args, { env });
    expect(final.code, final.stderr).toBe(0);
    expect(final.stdout).toMatch(/resumed after 2024-03-/);
    expect(final.stdout).toMatch(/Trades: +\d+/);
    const status = await runCliAsync(['status', market, `--data-dir=${dataDir()}`], { env });
    expect(status.stdout).toContain('"totalBalance"');
    expect(status.code, status.stderr).toBe(0);
    expect(leaksIn(snapshot(dataDir()))).toEqual({});
    expect(leaks(Buffer.from(output + final.stdout + final.stderr + status.stdout + status.stderr))).toEqual([]);
  });
});
