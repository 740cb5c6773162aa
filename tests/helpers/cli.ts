import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
const ENTRY = path.join(ROOT, 'electron/cli/main.ts');

/**
 * The data folder of CLI runs that name none (no --data-dir, no TRANCHE_DATA_DIR): a throwaway
 * one, never the developer's own (~/.config/Tranche: its saved sets and alerts).
 */
const DEFAULT_DATA_DIR = mkdtempSync(path.join(os.tmpdir(), 'tranche-cli-data-'));
const cliEnv = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
  TRANCHE_DATA_DIR: DEFAULT_DATA_DIR,
  ...process.env,
  ...env,
  NO_COLOR: '1',
});

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  lines: string[];
}

/** Runs the tranche CLI (as `npm run tranche` does) and waits for it. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
    cwd: ROOT,
    env: cliEnv(env),
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stdout.split('\n') };
}

/** Starts the CLI without waiting; the caller reads its output and kills it. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
    cwd: ROOT,
    env: cliEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Asserts that `expected` appear in `lines` in this order (each a full line or a RegExp). */
export function inOrder(
  lines: readonly string[],
  expected: ReadonlyArray<string | RegExp>,
): { ok: true } | { ok: false; missing: string; after: number } {
  let at = 0;
  for (const e of expected) {
    const i = lines.findIndex((l, k) => k >= at && (typeof e === 'string' ? l === e : e.test(l)));
    if (i < 0) return { ok: false, missing: String(e), after: at };
    at = i + 1;
  }
  return { ok: true };
}

/** Runs the CLI as runCli does, without blocking this process (whose local servers must keep answering). */
export function runCliAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const child = startCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr, lines: stdout.split('\n') })),
  );
}

/** A CLI child process whose output is kept, for tests that drive a long-running command. */
export class CliChild {
  out = '';
  err = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly proc: ChildProcess) {
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => (this.err += d));
    this.exited = new Promise((r) => proc.on('close', (code, signal) => r({ code, signal })));
  }

  static start(args: string[], env: NodeJS.ProcessEnv = {}): CliChild {
    return new CliChild(startCli(args, env));
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Waits until the output matches; returns the match. */
  async waitFor(what: RegExp, ms = 15_000): Promise<RegExpExecArray> {
    const end = Date.now() + ms;
    for (;;) {
      const m = what.exec(this.out);
      if (m) return m;
      if (Date.now() > end || !this.running) throw new Error(`no ${what} in the output:\n${this.out}\n${this.err}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Kills it if it still runs (the end of a test, passed or failed). */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.running) this.proc.kill(signal);
    await this.exited;
  }
}

/** `trade` live on a local exchange as the `local` environment: its three URLs, the ledger, no typed confirmation. */
export function liveLocalTradeArgs(
  fake: { restUrl: string; wsUrl: string },
  db: string,
  opts: { wsApiUrl?: string } = {},
): string[] {
  return [
    'trade',
    '--parameterSets=config/live-params.json',
    '--env=local',
    `--binance-rest-url=${fake.restUrl}`,
    `--binance-ws-url=${fake.wsUrl}`,
    `--binance-ws-api-url=${opts.wsApiUrl ?? fake.wsUrl}`,
    `--db=${db}`,
    '--confirm-live',
  ];
}
