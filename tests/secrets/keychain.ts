import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';
import { KeytarSecretStore } from '../../electron/adapters/secrets/keytar-secret-store';
import { ROOT } from '../helpers/cli';

/**
 * The keychain the tests in this folder use: the real OS keychain through keytar, under a service
 * name of their own (Tranche-test-...), so a developer's real "Tranche" entries are never touched.
 * `npm test` (tools/test.sh) runs them on a private D-Bus session with a throwaway gnome-keyring and
 * sets TRANCHE_REQUIRE_KEYCHAIN=1; then, or under CI, a missing keychain fails the tests loudly.
 * A developer running vitest elsewhere without a keychain sees them skipped, with the reason printed.
 */
const KEYCHAIN_REQUIRED =
  process.env.TRANCHE_REQUIRE_KEYCHAIN === '1' || (!!process.env.CI && !/^(0|false)$/i.test(process.env.CI));

export function testServiceName(): string {
  return `Tranche-test-${process.pid}-${randomBytes(4).toString('hex')}`;
}

async function probe(): Promise<{ available: true } | { available: false; reason: string }> {
  try {
    await new KeytarSecretStore({ service: testServiceName() }).probe();
    return { available: true };
  } catch (e) {
    return { available: false, reason: (e as Error).message };
  }
}

const keychain = await probe();

const HOW =
  'npm test runs these on a private D-Bus session with a throwaway gnome-keyring; or run: bash tools/test.sh tests/secrets';

/** describe() for tests that need the OS keychain: fails when it is required and absent, skips (saying why) otherwise. */
export function describeWithKeychain(name: string, body: () => void): void {
  if (keychain.available) {
    describe(name, body);
    return;
  }
  const reason = keychain.reason;
  if (KEYCHAIN_REQUIRED) {
    describe(name, () => {
      it('needs the OS keychain, which is required here (CI or npm test)', () => {
        throw new Error(`the OS keychain is not available: ${reason}. ${HOW}`);
      });
    });
    return;
  }
  process.stderr.write(`\n[skipped] ${name}: the OS keychain is not available (${reason}). ${HOW}\n`);
  describe.skip(name, body);
}

/** Removes every entry of a test service (best effort). */
export async function clearService(service: string): Promise<void> {
  if (!keychain.available) return;
  const store = new KeytarSecretStore({ service });
  for (const env of await store.environments()) await store.delete(env);
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the tranche CLI as a child process (asynchronously, so a server in this process can answer
 * it), feeding `input` on stdin. `onSpawn` sees the child's pid.
 */
export function runCliAsync(
  args: string[],
  opts: {
    input?: string;
    /** Added to this process's environment (or to baseEnv). */
    env?: NodeJS.ProcessEnv;
    /** The environment to start from instead of this process's. */
    baseEnv?: NodeJS.ProcessEnv;
    timeoutMs?: number;
    onSpawn?: (pid: number) => void;
  } = {},
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'electron/cli/main.ts'), ...args], {
      cwd: ROOT,
      env: { ...(opts.baseEnv ?? process.env), NO_COLOR: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    if (child.pid) opts.onSpawn?.(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.on('error', () => undefined); // the child may exit before reading everything
    child.stdin.end(opts.input ?? '');
  });
}

/** Every process's command line that mentions `needle` (Linux /proc; [] elsewhere). */
export function processesWhoseArgumentsContain(needle: string): string[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return [];
  }
  const hits: string[] = [];
  for (const pid of pids) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.includes(needle)) hits.push(`${pid}: ${cmdline.replace(/\0/g, ' ')}`);
    } catch {
      // the process ended meanwhile, or is not ours to read
    }
  }
  return hits;
}

/** The environment a child gets with no session bus at all: keytar then cannot reach a keychain. */
export function envWithoutSessionBus(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of [
    'DBUS_SESSION_BUS_ADDRESS',
    'DISPLAY',
    'WAYLAND_DISPLAY',
    'XDG_RUNTIME_DIR',
    'GNOME_KEYRING_CONTROL',
  ])
    delete env[k];
  return env;
}
