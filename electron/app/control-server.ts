import fs from 'node:fs';
import net from 'node:net';
import type { EngineEvent } from '../core/engine/engine-events';
import type { Position } from '../core/ledger/records';
import type { LedgerDatabase } from '../store/database';
import { consoleLines } from './console-lines';
import { controlPathFor } from './control-path';
import {
  CONTROL_OPS,
  encodeLine,
  LineReader,
  LineTooLong,
  MAX_LINE_BYTES,
  type ControlErrorCode,
  type ControlOp,
  type EmergencyStopDone,
  type OpenPositionLine,
  type OwnerMessage,
  type StatusDone,
} from './control-protocol';

/** What the control channel acts on: the owner's ledger and its emergency stop. */
export interface ControlledLedger {
  db: Pick<LedgerDatabase, 'file' | 'mode' | 'environment' | 'advertiseControl'>;
  /** The positions not yet closed, from the owner's ledger. */
  openPositions(): readonly Position[];
  /** The owner's own emergency stop (what its button or command runs). */
  emergencyStop(): Promise<void>;
  /** A problem of the channel itself (it never stops the owner): shown as a warning. */
  warn(message: string): void;
}

const MAX_CONNECTIONS = 16;
/** Requests queued on one connection beyond this are refused ("busy"). */
const MAX_QUEUED = 8;
/** A connection with nothing under way is closed after this long. */
const IDLE_MS = 60_000;
/** Progress lines are cut to this length (they are console lines; a Binance message can be long). */
const MAX_PROGRESS_CHARS = 2000;

interface Connection {
  socket: net.Socket;
  /** Requests received and not yet answered. */
  queued: number;
  /** Receives the owner's console lines (an emergency stop is under way for it). */
  listening: boolean;
  chain: Promise<void>;
}

/**
 * The owner side of a ledger's control channel: a Unix domain socket (a named pipe on Windows)
 * through which another process (npm run emergencyStop) asks the process that owns the ledger to
 * run its emergency stop, or for its status. Plain Node. See control-protocol.ts for the messages.
 *
 * Safety: created user-only (0600); a stale socket file (an owner killed by kill -9) is removed only
 * by the next owner, which holds the ledger's lock; a bad request is answered with a named error
 * and never reaches the engine; nothing a client sends can throw in the owner.
 */
export class ControlChannel {
  private readonly server: net.Server;
  private readonly connections = new Set<Connection>();
  private stopping: Promise<void> | undefined;
  private closing = false;
  private listening = false;

  private constructor(
    readonly path: string,
    private readonly target: ControlledLedger,
  ) {
    this.server = net.createServer((socket) => this.accept(socket));
    this.server.maxConnections = MAX_CONNECTIONS;
    this.server.on('error', (e) => this.target.warn(unavailable(this.target.db.file, e)));
  }

  /**
   * Listens for ledger `target.db.file`, whose lock the caller holds, and records the channel in the
   * ledger's pid file once it listens. Never throws: a channel that cannot listen is a warning.
   */
  static open(target: ControlledLedger): ControlChannel | undefined {
    try {
      const where = controlPathFor(target.db.file);
      if (where.privateDir) ensurePrivateDir(where.privateDir);
      if (process.platform !== 'win32') removeStaleSocket(where.path);
      const channel = new ControlChannel(where.path, target);
      channel.listen();
      return channel;
    } catch (e) {
      target.warn(unavailable(target.db.file, e));
      return undefined;
    }
  }

  private listen(): void {
    const posix = process.platform !== 'win32';
    // The socket file is created by bind(), inside listen(): user-only from its first moment.
    const umask = posix ? process.umask(0o177) : undefined;
    try {
      this.server.listen(this.path, () => {
        try {
          if (posix) fs.chmodSync(this.path, 0o600);
          this.listening = true;
          if (this.closing) return;
          this.target.db.advertiseControl(this.path);
        } catch (e) {
          this.target.warn(`control channel ${this.path}: ${errorText(e)}`);
        }
      });
    } finally {
      if (umask !== undefined) process.umask(umask);
    }
  }

  /** An engine event: its console lines go to every client waiting for an emergency stop. */
  event(e: EngineEvent, time: number): void {
    let lines: string[] | undefined;
    try {
      for (const c of this.connections) {
        if (!c.listening) continue;
        lines ??= consoleLines(e, time).map((l) =>
          l.length > MAX_PROGRESS_CHARS ? `${l.slice(0, MAX_PROGRESS_CHARS)}…` : l,
        );
        for (const progress of lines) send(c, { progress });
      }
    } catch {
      // a client's trouble never reaches the engine
    }
  }

  /**
   * Stops listening and removes the socket. A request under way is still answered (its client
   * waits for the result of the stop this close may be part of); idle connections are closed.
   */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    const wasListening = this.listening;
    this.server.close();
    for (const c of this.connections) if (c.queued === 0) c.socket.destroy();
    // libuv unlinks the socket when the server closes; make sure, while we still hold the lock.
    if (wasListening && process.platform !== 'win32') {
      try {
        removeStaleSocket(this.path);
      } catch {
        // gone already, or not ours to remove
      }
    }
  }

  private accept(socket: net.Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const c: Connection = { socket, queued: 0, listening: false, chain: Promise.resolve() };
    this.connections.add(c);
    const reader = new LineReader(MAX_LINE_BYTES);
    let broken = false;
    socket.setTimeout(IDLE_MS, () => {
      if (c.queued === 0) socket.destroy();
    });
    socket.on('error', () => undefined); // a client that went away: nothing to do
    socket.on('close', () => this.connections.delete(c));
    socket.on('data', (chunk: Buffer) => {
      if (broken) return;
      let lines: string[];
      try {
        lines = reader.push(chunk);
      } catch (e) {
        broken = true;
        if (e instanceof LineTooLong) {
          refuse(c, 'line-too-long', `a request line is longer than ${MAX_LINE_BYTES} bytes; closing the connection`);
        } else {
          refuse(c, 'bad-request', `cannot read the request: ${errorText(e)}`);
        }
        socket.end();
        return;
      }
      for (const raw of lines) {
        const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
        if (line.trim() === '') continue;
        if (c.queued >= MAX_QUEUED) {
          refuse(c, 'busy', `more than ${MAX_QUEUED} requests waiting on this connection; send one at a time`);
          continue;
        }
        c.queued++;
        c.chain = c.chain
          .then(() => this.handle(c, line))
          .catch((e: unknown) => refuse(c, 'bad-request', `the request failed: ${errorText(e)}`))
          .finally(() => {
            c.queued--;
            if (this.closing && c.queued === 0) socket.end();
          });
      }
    });
  }

  private async handle(c: Connection, line: string): Promise<void> {
    if (this.closing) {
      refuse(c, 'closing', `the owner of ledger ${this.target.db.file} is closing it; no new request is taken`);
      return;
    }
    let request: unknown;
    try {
      request = JSON.parse(line);
    } catch {
      refuse(
        c,
        'bad-json',
        `a request must be one JSON object per line, such as {"op":"status"}; got ${preview(line)}`,
      );
      return;
    }
    if (typeof request !== 'object' || request === null || Array.isArray(request)) {
      refuse(c, 'bad-request', `a request must be a JSON object with an "op", such as {"op":"status"}`);
      return;
    }
    const op = (request as { op?: unknown }).op;
    if (typeof op !== 'string') {
      refuse(c, 'bad-request', `the request has no "op" string; ops: ${CONTROL_OPS.join(', ')}`);
      return;
    }
    if (!(CONTROL_OPS as readonly string[]).includes(op)) {
      refuse(c, 'unknown-op', `unknown op ${preview(op)}; ops: ${CONTROL_OPS.join(', ')}`);
      return;
    }
    if ((op as ControlOp) === 'status') send(c, this.status());
    else await this.emergencyStop(c);
  }

  private status(): StatusDone {
    const db = this.target.db;
    return {
      done: true,
      op: 'status',
      mode: db.mode,
      environment: db.environment,
      ledger: db.file,
      pid: process.pid,
      open: this.openPositions(),
    };
  }

  private async emergencyStop(c: Connection): Promise<void> {
    const ledger = this.target.db.file;
    send(c, { accepted: 'emergency-stop', pid: process.pid, ledger });
    c.listening = true;
    let error: string | undefined;
    try {
      // Requests that arrive during a stop wait for that one: one stop at a time.
      this.stopping ??= this.target.emergencyStop().finally(() => (this.stopping = undefined));
      await this.stopping;
    } catch (e) {
      error = errorText(e);
    } finally {
      c.listening = false;
    }
    const done: EmergencyStopDone = {
      done: true,
      op: 'emergency-stop',
      ledger,
      pid: process.pid,
      open: this.openPositions(),
      ...(error !== undefined ? { error } : {}),
    };
    send(c, done);
  }

  private openPositions(): OpenPositionLine[] {
    return this.target
      .openPositions()
      .filter((p) => p.status !== 'closed')
      .map((p) => ({ symbol: p.symbol, status: p.status, quantity: p.sellQty.toFixed() }));
  }
}

function send(c: Connection, message: OwnerMessage): void {
  if (c.socket.destroyed || !c.socket.writable) return;
  c.socket.write(encodeLine(message));
}

function refuse(c: Connection, code: ControlErrorCode, message: string): void {
  send(c, { error: { code, message } });
}

/** A short, quoted excerpt of what a client sent, for an error message. */
function preview(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

function unavailable(ledger: string, e: unknown): string {
  return `no control channel for ledger ${ledger} (${errorText(e)}): npm run emergencyStop cannot reach this process; stop it here instead`;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Removes a socket file left by an owner that died; refuses to remove anything that is not a socket. */
function removeStaleSocket(socketPath: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(socketPath);
  } catch {
    return; // nothing there
  }
  if (!stat.isSocket()) {
    throw new Error(`${socketPath} exists and is not a socket: move it away so the control channel can listen there`);
  }
  fs.unlinkSync(socketPath);
}

/** Creates (or checks) a folder of the OS temp folder as ours only: owned by us, mode 0700. */
function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = fs.lstatSync(dir);
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid) || (stat.mode & 0o077) !== 0) {
    throw new Error(`${dir} is not a folder of this user only (mode 0700): remove it, or set TMPDIR to another folder`);
  }
}
