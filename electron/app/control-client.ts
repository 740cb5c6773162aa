import net from 'node:net';
import {
  encodeLine,
  LineReader,
  LineTooLong,
  MAX_LINE_BYTES,
  type ControlOp,
  type EmergencyStopDone,
  type StatusDone,
} from './control-protocol';

/** The owner could not be asked, or did not answer: nothing can be assumed about what it did. */
export class OwnerUnreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OwnerUnreachable';
  }
}

/** The owner refused the request with a named error (see ControlErrorCode). */
export class ControlRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ControlRefused';
  }
}

export interface AskOptions {
  /** The owner must accept (or answer) within this long after the request was sent. */
  answerMs?: number;
  /** An accepted emergency stop must finish within this long. */
  doneMs?: number;
  /** The owner's console lines while it works. */
  onProgress?: (line: string) => void;
}

type DoneFor<O extends ControlOp> = O extends 'status' ? StatusDone : EmergencyStopDone;

const ANSWER_MS = 5000;
const DONE_MS = 120_000;

/**
 * Sends one request to a ledger owner's control channel and resolves with its final message.
 * Rejects with OwnerUnreachable when there is nobody to connect to, or no answer in time (a hung
 * or an old process), and with ControlRefused when the owner names what was wrong.
 */
export function askOwner<O extends ControlOp>(channel: string, op: O, opts: AskOptions = {}): Promise<DoneFor<O>> {
  const answerMs = opts.answerMs ?? ANSWER_MS;
  const doneMs = opts.doneMs ?? DONE_MS;
  return new Promise((resolve, reject) => {
    const socket = net.connect(channel);
    const reader = new LineReader(MAX_LINE_BYTES);
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (error: Error | undefined, value?: DoneFor<O>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(value!);
    };
    const wait = (ms: number, what: string) => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(new OwnerUnreachable(`${what} within ${ms / 1000} s`)), ms);
    };
    wait(answerMs, 'no connection to its control channel');
    socket.on('connect', () => {
      wait(answerMs, `no answer to "${op}"`);
      socket.write(encodeLine({ op }));
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      const why =
        e.code === 'ENOENT'
          ? 'its control channel does not exist'
          : e.code === 'ECONNREFUSED'
            ? 'nobody listens on its control channel'
            : e.code === 'EACCES'
              ? 'its control channel belongs to another user'
              : `cannot reach its control channel (${e.message})`;
      finish(new OwnerUnreachable(why));
    });
    socket.on('close', () => finish(new OwnerUnreachable(`it closed the control channel before "${op}" was done`)));
    socket.on('data', (chunk: Buffer) => {
      let lines: string[];
      try {
        lines = reader.push(chunk);
      } catch (e) {
        finish(
          new OwnerUnreachable(
            e instanceof LineTooLong
              ? `it sent a line over ${MAX_LINE_BYTES} bytes`
              : `unreadable answer (${String(e)})`,
          ),
        );
        return;
      }
      for (const line of lines) {
        let m: Record<string, unknown>;
        try {
          m = JSON.parse(line) as Record<string, unknown>;
        } catch {
          finish(new OwnerUnreachable(`it answered something that is not JSON: ${JSON.stringify(line.slice(0, 80))}`));
          return;
        }
        if (typeof m.progress === 'string') opts.onProgress?.(m.progress);
        else if (typeof m.accepted === 'string') wait(doneMs, `"${op}" was accepted but not done`);
        else if (m.done === true && m.op === op) finish(undefined, m as unknown as DoneFor<O>);
        else if (m.error && typeof m.error === 'object') {
          const err = m.error as { code?: unknown; message?: unknown };
          finish(new ControlRefused(String(err.code), String(err.message)));
        }
        if (settled) return;
      }
    });
  });
}
