import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The CLI trader (`tranche trade`) trading the local exchange live, as a child process: its API key
 * and secret from BINANCE_API_KEY / BINANCE_API_SECRET, as on a headless server. It keeps its output,
 * tells when it is ready (user data stream and market data connected) and can be SIGKILLed.
 */

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ENTRY = path.join(ROOT, 'electron/cli/main.ts');

export interface TraderConfig {
  restUrl: string;
  wsUrl: string;
  paramsFile: string;
  dbFile: string;
  apiKey: string;
  apiSecret: string;
  /** Seconds a triggered stop-limit may rest unfilled below the market (--stop-grace). */
  stopGraceSeconds: number;
}

export class TraderProcess {
  out = '';
  err = '';
  readonly startedAt = Date.now();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly proc: ChildProcess;
  /** Set when we killed it: its end is then expected. */
  killed = false;

  constructor(config: TraderConfig) {
    const args = [
      '--import',
      'tsx',
      ENTRY,
      'trade',
      `--parameterSets=${config.paramsFile}`,
      '--env=local',
      `--binance-rest-url=${config.restUrl}`,
      `--binance-ws-url=${config.wsUrl}`,
      `--binance-ws-api-url=${config.wsUrl}`,
      `--db=${config.dbFile}`,
      `--stop-grace=${config.stopGraceSeconds}`,
      '--confirm-live',
      '--quiet',
    ];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NO_COLOR: '1',
      BINANCE_API_KEY: config.apiKey,
      BINANCE_API_SECRET: config.apiSecret,
    };
    this.proc = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout!.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    this.proc.stderr!.setEncoding('utf8').on('data', (d: string) => (this.err += d));
    this.exited = new Promise((resolve) => this.proc.on('close', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Ready to trade: the user data stream and the market data are both connected. */
  get ready(): boolean {
    return this.out.includes('Binance user data stream connected') && this.out.includes('Market data connected');
  }

  /** Waits until ready; false when it ended or `ms` passed first. */
  async waitReady(ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    while (!this.ready) {
      if (!this.running || Date.now() > end) return false;
      await new Promise((r) => setTimeout(r, 25));
    }
    return true;
  }

  /** SIGKILL (no clean-up at all, as a crash or kill -9) and waits for the end. */
  async kill(): Promise<void> {
    this.killed = true;
    if (this.running) this.proc.kill('SIGKILL');
    await this.exited;
  }

  /** The last `n` lines of its output (for a violation's detail). */
  tail(n = 15): string {
    return (this.out + this.err).trimEnd().split('\n').slice(-n).join('\n');
  }
}
