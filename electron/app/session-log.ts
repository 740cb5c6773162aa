import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import roll from 'pino-roll';
import type { EngineEvent } from '../core/engine/engine-events';

/**
 * Keys whose values never reach the log file, wherever they appear in a logged object (pino's
 * redaction, by path). The engine's events carry no secret; this is the guard should one ever be
 * logged with its object.
 */
const LOG_REDACT_PATHS = [
  'apiKey',
  'apiSecret',
  'secret',
  'privateKey',
  'token',
  'password',
  '*.apiKey',
  '*.apiSecret',
  '*.secret',
  '*.privateKey',
  '*.token',
  '*.password',
  'headers["x-mbx-apikey"]',
  '*.headers["x-mbx-apikey"]',
];

export interface SessionLogOptions {
  /** The folder of the log files (created when missing): `logs/` in the data folder. */
  dir: string;
  /** Size at which the file rolls over to the next number (pino-roll: '10m', '512k'). */
  size?: string;
  /** How many rolled files are kept besides the current one. */
  keep?: number;
}

type Level = 'info' | 'warn' | 'error';

/** The level of an engine event in the log file. */
function levelOf(e: EngineEvent): Level {
  if (e.type === 'error') return 'error';
  if (e.type === 'warning') return 'warn';
  return 'info';
}

/**
 * The log file of a data folder: one JSON object per line (pino), `tranche.N.log` rolled over at a
 * size and the oldest removed (pino-roll), `current.log` linking to the one in use. Every engine
 * event of a session on live prices goes there, with its time; writes are asynchronous (never on
 * the order path's clock). Lines given before the file is open are kept and written once it is.
 */
export class SessionLog {
  private logger: Logger | undefined;
  private stream: (NodeJS.EventEmitter & { end(): void }) | undefined;
  private pending: Array<[Level, Record<string, unknown>, string]> = [];
  private failed: string | undefined;
  private readonly opened: Promise<void>;

  private constructor(
    readonly file: string,
    opts: SessionLogOptions,
    onProblem: (message: string) => void,
  ) {
    const fail = (e: unknown) => {
      if (this.failed) return;
      this.failed = (e as Error).message;
      this.pending = [];
      this.logger = undefined;
      onProblem(
        `the log file in ${opts.dir} cannot be written (${this.failed}); the ledger's journal still keeps every event`,
      );
    };
    this.opened = Promise.resolve()
      .then(() => mkdirSync(opts.dir, { recursive: true }))
      .then(() =>
        roll({
          file: path.join(opts.dir, 'tranche'),
          extension: '.log',
          size: opts.size ?? '10m',
          limit: { count: opts.keep ?? 5 },
          symlink: true,
        }),
      )
      .then((stream) => {
        stream.on('error', fail);
        this.stream = stream;
        this.logger = pino(
          {
            base: undefined,
            redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' },
            timestamp: pino.stdTimeFunctions.isoTime,
          },
          stream,
        );
        for (const [level, obj, msg] of this.pending.splice(0)) this.logger[level](obj, msg);
      }, fail);
  }

  static open(opts: SessionLogOptions, onProblem: (message: string) => void = () => undefined): SessionLog {
    return new SessionLog(path.join(opts.dir, 'current.log'), opts, onProblem);
  }

  /** An engine event, at its level, with what it says. */
  event(e: EngineEvent, time: number): void {
    const message = 'message' in e && typeof e.message === 'string' ? e.message : e.type;
    this.write(levelOf(e), { event: e, at: new Date(time).toISOString() }, message);
  }

  line(level: Level, message: string, obj: Record<string, unknown> = {}): void {
    this.write(level, obj, message);
  }

  private write(level: Level, obj: Record<string, unknown>, message: string): void {
    if (this.failed) return;
    if (this.logger) this.logger[level](obj, message);
    else this.pending.push([level, obj, message]);
  }

  /** Writes what is queued and closes the file (waits for it at most a second). */
  async close(): Promise<void> {
    await this.opened;
    const stream = this.stream;
    if (!stream) return;
    this.stream = undefined;
    this.logger = undefined;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 1000);
      stream.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      stream.end();
    });
  }
}
