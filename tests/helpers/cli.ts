import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
const ENTRY = path.join(ROOT, 'electron/cli/main.ts');

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
    env: { ...process.env, ...env, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stdout.split('\n') };
}

/** Starts the CLI without waiting; the caller reads its output and kills it. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, NO_COLOR: '1' },
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
