import Database from 'better-sqlite3';
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appliedMigrationIds, LATEST_MIGRATION_ID, runMigrations } from './migrations';

type LedgerMode = 'paper' | 'live';

/** A ledger that cannot be opened as asked; the message says why and what to do. */
export class LedgerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LedgerError';
  }
}

/**
 * How commits reach the disk:
 * - 'full': fsync before a commit returns (synchronous=FULL): survives a power cut, costs an fsync
 *   on the trading path;
 * - 'background': a commit returns once in the WAL (synchronous=NORMAL: survives kill -9), and the
 *   WAL is fsynced right after, off the trading path: a power cut can lose only the last moment;
 * - 'process': no fsync at all (survives kill -9): replays and benchmarks, which can be re-run.
 */
type Durability = 'full' | 'background' | 'process';

export interface OpenLedgerOptions {
  mode: LedgerMode;
  /** Which exchange the ledger belongs to, e.g. 'paper', 'live' (mainnet) or 'testnet'. */
  environment: string;
  /**
   * Open for reading only: no lock, no migrations, no pid file. For the status command and the
   * UI reading a ledger that a running process owns. The file must already exist.
   */
  readonly?: boolean;
  /**
   * 'full' (default): every commit is on disk before the call returns, surviving an OS crash or
   * power cut. 'process': commits survive the process being killed (kill -9) but an OS crash may
   * lose the last ones; for replays and benchmarks, whose "exchange" is simulated and can be re-run.
   */
  durability?: Durability;
  /**
   * The market a ledger belongs to, recorded when it is first opened with one and checked at every
   * later open: a replay ledger belongs to one folder (`replay:/abs/dir`), so two folders of the same
   * name never resume into each other's trades.
   */
  market?: string;
}

/** An open ledger file, owned by this process unless opened read-only. */
export interface LedgerDatabase {
  /** Absolute path of the ledger file. */
  readonly file: string;
  readonly db: Database.Database;
  readonly readonly: boolean;
  readonly ledgerId: string;
  readonly mode: LedgerMode;
  readonly environment: string;
  readonly isOpen: boolean;
  /** Releases the lock, removes the pid file and closes the connections. Idempotent. */
  close(): void;
  /** Called after each outermost commit: schedules the background fsync when durability is 'background'. */
  committed(): void;
  /**
   * Records in the pid file where this owner's control channel listens (see app/control-server.ts),
   * so that another process can reach it. Owned ledgers only; ignored once closed.
   */
  advertiseControl(control: string): void;
}

/** The companion file whose write lock says "this ledger is owned". */
export function ledgerLockFile(file: string): string {
  return `${file}-lock`;
}

/** Who owns the ledger, for the message a second process gets. Informative only: the lock decides. */
export function ledgerPidFile(file: string): string {
  return `${file}.pid`;
}

/** The pid file's content: who owns the ledger, and where its control channel listens (once it does). */
export interface PidInfo {
  pid: number;
  hostname: string;
  startedAt: string;
  /** The owner's control channel: a Unix domain socket path, or a named pipe on Windows. */
  control?: string;
}

const LEDGER_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** 6 random lower-case alphanumerics: 36^6 ≈ 2.2e9 ids, short enough for Binance's 36-char client ids. */
function mintLedgerId(): string {
  let id = '';
  for (let i = 0; i < 6; i++) id += LEDGER_ID_ALPHABET[randomInt(LEDGER_ID_ALPHABET.length)];
  return id;
}

function describe(mode: string, environment: string): string {
  return mode === environment ? `${mode}` : `${mode} (environment ${environment})`;
}

function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function readPidInfo(file: string): PidInfo | undefined {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(ledgerPidFile(file), 'utf8'));
    const p = parsed as Partial<PidInfo>;
    if (typeof p.pid !== 'number') return undefined;
    return {
      pid: p.pid,
      hostname: String(p.hostname ?? ''),
      startedAt: String(p.startedAt ?? ''),
      ...(typeof p.control === 'string' && p.control ? { control: p.control } : {}),
    };
  } catch {
    return undefined;
  }
}

function inUseMessage(file: string): string {
  const info = readPidInfo(file);
  let who: string;
  if (info) {
    const host = info.hostname && info.hostname !== os.hostname() ? ` on host ${info.hostname}` : '';
    who = `pid ${info.pid}${host}, started ${info.startedAt || 'at an unknown time'}`;
  } else {
    who = `pid unknown: ${ledgerPidFile(file)} is missing or unreadable`;
  }
  return `ledger ${file} is in use by another Tranche process (${who}); stop it first, or use another --db`;
}

/**
 * Takes exclusive ownership of a ledger. The lock is a write transaction (BEGIN IMMEDIATE, i.e. an
 * SQLite RESERVED lock) on a separate rollback-journal database `<file>-lock`, held for the life of
 * the LedgerDatabase. Why this shape:
 * - it is an OS file lock (fcntl on POSIX, LockFileEx on Windows), so the kernel drops it when the
 *   process dies, even by kill -9 or a power cut: no stale lock to clear by hand, unlike a pid file;
 * - it cannot live on the ledger itself: in WAL mode a held write transaction would also block our
 *   own connection's writes, and WAL readers (the status command) must stay free to read;
 * - busy_timeout 0: a second process must fail at once, not queue behind a holder that runs for days.
 * SQLite also sees this lock between two connections of the same process, so opening a ledger
 * twice in one process fails the same way. (As with any SQLite lock, network file systems may not
 * honour it: keep ledgers on a local disk.)
 */
function acquireLock(file: string): Database.Database {
  const lockFile = ledgerLockFile(file);
  let lock: Database.Database | undefined;
  try {
    lock = new Database(lockFile, { timeout: 0 });
    lock.pragma('journal_mode = DELETE');
    lock.exec('BEGIN IMMEDIATE');
    return lock;
  } catch (err) {
    lock?.close();
    if (sqliteCode(err) === 'SQLITE_BUSY' || sqliteCode(err) === 'SQLITE_LOCKED') {
      throw new LedgerError(inUseMessage(file), { cause: err });
    }
    throw new LedgerError(`cannot lock ledger ${file} through ${lockFile}: ${errorText(err)}`, { cause: err });
  }
}

function writePidFile(file: string, info: PidInfo): void {
  const target = ledgerPidFile(file);
  // Write then rename, so a reader never sees half a file.
  const tmp = `${target}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(info)}\n`);
  fs.renameSync(tmp, target);
}

function readMeta(db: Database.Database): Map<string, string> | undefined {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  if (!table) return undefined;
  const rows = db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[];
  return new Map(rows.map((r) => [r.key, r.value]));
}

/** Refuses a file that is not a Tranche ledger, or one written by a newer Tranche. */
function checkSchema(db: Database.Database, file: string, readonly: boolean): void {
  let objects: number;
  try {
    objects = db.prepare("SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").pluck().get() as number;
  } catch (err) {
    if (sqliteCode(err) === 'SQLITE_NOTADB') {
      throw new LedgerError(`${file} is not a Tranche ledger (not an SQLite database); check --db`, { cause: err });
    }
    throw err;
  }
  const applied = appliedMigrationIds(db);
  if (readonly && objects === 0) {
    throw new LedgerError(
      `ledger ${file} is empty: it is still being created, or it is not a ledger; try again, or check --db`,
    );
  }
  if (applied.length === 0 && objects > 0) {
    throw new LedgerError(`${file} is not a Tranche ledger (it has no schema_migrations table); check --db`);
  }
  const newest = applied.length > 0 ? Math.max(...applied) : 0;
  if (newest > LATEST_MIGRATION_ID) {
    throw new LedgerError(
      `ledger ${file} was written by a newer Tranche (schema ${newest}, this build knows ${LATEST_MIGRATION_ID}); upgrade Tranche to open it`,
    );
  }
  if (readonly && newest < LATEST_MIGRATION_ID) {
    throw new LedgerError(
      `ledger ${file} has an older schema (${newest}, this build needs ${LATEST_MIGRATION_ID}) and cannot be upgraded read-only; open it once for trading (which upgrades it), then read it`,
    );
  }
}

/** Throws when the file holds another mode's or environment's ledger. */
function checkOwner(meta: Map<string, string> | undefined, file: string, mode: LedgerMode, environment: string): void {
  const heldMode = meta?.get('mode');
  const heldEnv = meta?.get('environment');
  if (heldMode === undefined || heldEnv === undefined) return;
  if (heldMode === mode && heldEnv === environment) return;
  throw new LedgerError(
    `ledger ${file} holds a ${describe(heldMode, heldEnv)} ledger, but it was asked to open as ${describe(mode, environment)}. ` +
      `Paper and live ledgers, and ledgers of different exchange environments, never share a file: ` +
      `pass another --db for ${describe(mode, environment)}, or leave --db out to use its default file`,
  );
}

/** A ledger recorded for one market (a replay folder) is never opened for another. */
function checkMarket(meta: Map<string, string> | undefined, file: string, market: string | undefined): void {
  const held = meta?.get('market');
  if (market === undefined || held === undefined || held === market) return;
  throw new LedgerError(
    `ledger ${file} belongs to the ${held.startsWith('replay:') ? `replay of ${held.slice(7)}` : held}, not ${market.startsWith('replay:') ? `the replay of ${market.slice(7)}` : market}; ` +
      `leave --db out to use that folder's own replay ledger, or pass another --db`,
  );
}

/** Writes mode, environment and a fresh ledger id into a new ledger; returns the meta. */
function stampNewLedger(db: Database.Database, mode: LedgerMode, environment: string): Map<string, string> {
  const put = db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)');
  db.transaction(() => {
    put.run('ledger_id', mintLedgerId());
    put.run('mode', mode);
    put.run('environment', environment);
    put.run('created_at', new Date().toISOString());
    put.run('emergency_stop', '0');
  })();
  return readMeta(db) ?? new Map();
}

class OpenLedgerDatabase implements LedgerDatabase {
  private open = true;
  private walFd: number | undefined;
  private syncing = false;
  private dirty = false;

  constructor(
    readonly file: string,
    readonly db: Database.Database,
    private readonly lock: Database.Database | undefined,
    readonly ledgerId: string,
    readonly mode: LedgerMode,
    readonly environment: string,
    private readonly durability: Durability = 'full',
    private readonly owner?: PidInfo,
  ) {}

  advertiseControl(control: string): void {
    if (!this.open || !this.lock || !this.owner) return;
    writePidFile(this.file, { ...this.owner, control });
  }

  committed(): void {
    if (this.durability !== 'background' || !this.open) return;
    if (this.syncing) {
      this.dirty = true; // one more fsync after the one under way covers this commit
      return;
    }
    try {
      this.walFd ??= fs.openSync(`${this.file}-wal`, 'r');
    } catch {
      return; // no WAL file yet: nothing to sync
    }
    this.syncing = true;
    fs.fsync(this.walFd, () => {
      this.syncing = false;
      if (this.dirty) {
        this.dirty = false;
        this.committed();
      }
    });
  }

  get readonly(): boolean {
    return this.lock === undefined;
  }

  get isOpen(): boolean {
    return this.open;
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    if (this.walFd !== undefined) {
      try {
        fs.closeSync(this.walFd);
      } catch {
        // already closed
      }
      this.walFd = undefined;
    }
    try {
      // First the ledger: closing its last connection checkpoints the WAL, a write that must
      // happen while we still own the file.
      this.db.close();
    } finally {
      if (this.lock) {
        // The pid file goes before the lock, so we never delete the next owner's pid file.
        try {
          fs.rmSync(ledgerPidFile(this.file), { force: true });
        } catch {
          // best effort: a stale pid file is only informative
        }
        try {
          if (this.lock.inTransaction) this.lock.exec('ROLLBACK');
        } finally {
          this.lock.close();
        }
      }
    }
  }
}

/**
 * Opens (creating if needed) the ledger at `file` for `mode` / `environment`.
 *
 * Durability: see Durability above. Live ledgers use 'background': a commit is in the WAL (so in
 * the OS) before the order it records is sent, which is what kill -9 recovery needs, and the WAL
 * is fsynced right after, off the trading path, so a power cut can lose only the last moment
 * (the bench measured the fsync before each order at up to several ms on a busy disk).
 */
export function openLedgerDatabase(file: string, opts: OpenLedgerOptions): LedgerDatabase {
  const abs = path.resolve(file);
  const { mode, environment } = opts;
  if (!environment) throw new LedgerError(`cannot open ledger ${abs}: no environment given`);
  return opts.readonly
    ? openReadonly(abs, mode, environment)
    : openOwned(abs, mode, environment, opts.durability ?? 'full', opts.market);
}

function openReadonly(file: string, mode: LedgerMode, environment: string): LedgerDatabase {
  if (!fs.existsSync(file)) {
    throw new LedgerError(
      `ledger ${file} does not exist, so there is nothing to read; check --db (a ledger is created when trading starts)`,
    );
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: 5000 });
    db.pragma('busy_timeout = 5000');
    checkSchema(db, file, true);
    const meta = readMeta(db);
    checkOwner(meta, file, mode, environment);
    const ledgerId = meta?.get('ledger_id');
    if (!ledgerId) throw new LedgerError(`ledger ${file} has no ledger id yet (it is still being created); try again`);
    return new OpenLedgerDatabase(file, db, undefined, ledgerId, mode, environment);
  } catch (err) {
    db?.close();
    if (err instanceof LedgerError) throw err;
    throw new LedgerError(`cannot read ledger ${file}: ${errorText(err)}`, { cause: err });
  }
}

function openOwned(
  file: string,
  mode: LedgerMode,
  environment: string,
  durability: Durability,
  market: string | undefined,
): LedgerDatabase {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  } catch (err) {
    throw new LedgerError(`cannot create the folder for ledger ${file}: ${errorText(err)}`, { cause: err });
  }
  // Lock before the first write to the ledger (even setting WAL mode is one), so two processes
  // never race the migrations or the stamping.
  const lock = acquireLock(file);
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { timeout: 5000 });
    checkSchema(db, file, false);
    // Before any change to the file: never migrate or touch another mode's ledger.
    checkOwner(readMeta(db), file, mode, environment);
    checkMarket(readMeta(db), file, market);
    db.pragma('journal_mode = WAL');
    // 'process': no fsync at all, not even at checkpoints (OFF); the WAL still reaches the OS
    // before a commit returns, so kill -9 loses nothing.
    db.pragma(
      durability === 'full'
        ? 'synchronous = FULL'
        : durability === 'background'
          ? 'synchronous = NORMAL'
          : 'synchronous = OFF',
    );
    // No foreign keys are declared today (see migrations.ts); on so that any added later hold.
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    runMigrations(db);
    let meta = readMeta(db) ?? new Map<string, string>();
    if (!meta.has('ledger_id')) meta = stampNewLedger(db, mode, environment);
    checkOwner(meta, file, mode, environment);
    if (market !== undefined && !meta.has('market'))
      db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run('market', market);
    const owner: PidInfo = { pid: process.pid, hostname: os.hostname(), startedAt: new Date().toISOString() };
    writePidFile(file, owner);
    return new OpenLedgerDatabase(file, db, lock, meta.get('ledger_id')!, mode, environment, durability, owner);
  } catch (err) {
    db?.close();
    lock.close(); // closing the connection ends its transaction and drops the lock
    if (err instanceof LedgerError) throw err;
    throw new LedgerError(`cannot open ledger ${file}: ${errorText(err)}`, { cause: err });
  }
}

export interface LedgerIdentity {
  mode: LedgerMode;
  environment: string;
  quoteAsset: string | undefined;
}

/**
 * What a ledger file is (mode, environment, quote asset) without locking or changing it, so that
 * commands given only --db can open it the right way. Throws a LedgerError naming the file when it
 * does not exist or is not a Tranche ledger.
 */
export function peekLedger(file: string): LedgerIdentity {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) {
    throw new LedgerError(
      `ledger ${abs} does not exist; check --db or --market (a ledger is created when trading starts)`,
    );
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(abs, { readonly: true, fileMustExist: true, timeout: 5000 });
    const meta = readMeta(db);
    const mode = meta?.get('mode');
    const environment = meta?.get('environment');
    if ((mode !== 'paper' && mode !== 'live') || !environment)
      throw new LedgerError(`${abs} is not a Tranche ledger (no mode in its meta table)`);
    return { mode, environment, quoteAsset: meta?.get('quote_asset') || undefined };
  } catch (err) {
    if (err instanceof LedgerError) throw err;
    throw new LedgerError(`cannot read ledger ${abs}: ${errorText(err)}`, { cause: err });
  } finally {
    db?.close();
  }
}

/** The pid of the process that owns a ledger right now, or undefined when nobody holds its lock. */
export function ledgerOwnerPid(file: string): number | undefined {
  return ledgerOwner(file)?.pid;
}

/**
 * Who owns a ledger right now (its pid file: pid, host, start, control channel), or undefined when
 * nobody holds its lock. The pid is -1 when the lock is held but the pid file is missing or unreadable.
 */
export function ledgerOwner(file: string): PidInfo | undefined {
  const abs = path.resolve(file);
  if (!fs.existsSync(ledgerLockFile(abs))) return undefined;
  let lock: Database.Database | undefined;
  try {
    lock = new Database(ledgerLockFile(abs), { timeout: 0 });
    lock.exec('BEGIN IMMEDIATE');
    lock.exec('ROLLBACK');
    return undefined;
  } catch (err) {
    if (sqliteCode(err) === 'SQLITE_BUSY' || sqliteCode(err) === 'SQLITE_LOCKED')
      return readPidInfo(abs) ?? { pid: -1, hostname: '', startedAt: '' };
    return undefined;
  } finally {
    lock?.close();
  }
}
