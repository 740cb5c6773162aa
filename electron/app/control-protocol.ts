/**
 * The control channel's wire format: newline-delimited JSON, one message per line, UTF-8.
 *
 * Client -> owner, one request per line:
 *   {"op":"emergency-stop"}   run the owner's own emergency stop
 *   {"op":"status"}           who owns the ledger and what is open
 * Owner -> client:
 *   {"accepted":"emergency-stop","pid":123,"ledger":"/path"}   at once, before the stop starts
 *   {"progress":"🚨 EMERGENCY STOP: ..."}                      the owner's console lines meanwhile
 *   {"done":true,"op":"emergency-stop","ledger":"/path","pid":123,"open":[...],"error"?:"..."}
 *   {"done":true,"op":"status","mode":"paper","environment":"binance","ledger":"/path","pid":123,"open":[...]}
 *   {"error":{"code":"unknown-op","message":"..."}}           a request refused, named
 * `open` is read from the owner's ledger after the stop: [{"symbol","status","quantity"}].
 */

/** A line longer than this (bytes, newline excluded) is refused and the connection closed. */
export const MAX_LINE_BYTES = 64 * 1024;

export const CONTROL_OPS = ['emergency-stop', 'status'] as const;
export type ControlOp = (typeof CONTROL_OPS)[number];

export type ControlErrorCode = 'line-too-long' | 'bad-json' | 'bad-request' | 'unknown-op' | 'busy' | 'closing';

export interface OpenPositionLine {
  symbol: string;
  status: string;
  /** Base quantity held (what a sale would sell), as a decimal string. */
  quantity: string;
}

interface AcceptedMessage {
  accepted: ControlOp;
  pid: number;
  ledger: string;
}

interface ProgressMessage {
  progress: string;
}

export interface EmergencyStopDone {
  done: true;
  op: 'emergency-stop';
  ledger: string;
  pid: number;
  open: OpenPositionLine[];
  /** The stop itself failed (the ledger still says what is open). */
  error?: string;
}

export interface StatusDone {
  done: true;
  op: 'status';
  mode: string;
  environment: string;
  ledger: string;
  pid: number;
  open: OpenPositionLine[];
}

interface ErrorMessage {
  error: { code: ControlErrorCode; message: string };
}

export type OwnerMessage = AcceptedMessage | ProgressMessage | EmergencyStopDone | StatusDone | ErrorMessage;

/** A line over MAX_LINE_BYTES. */
export class LineTooLong extends Error {
  constructor(readonly limit: number) {
    super(`a line is longer than ${limit} bytes`);
    this.name = 'LineTooLong';
  }
}

/**
 * Splits a byte stream into lines, never holding more than `limit` bytes of an unfinished line:
 * push() throws LineTooLong as soon as a line grows past it.
 */
export class LineReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly limit: number = MAX_LINE_BYTES) {}

  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(0x0a, start); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl);
      if (this.pendingBytes + piece.length > this.limit) throw new LineTooLong(this.limit);
      lines.push(Buffer.concat([...this.pending, piece]).toString('utf8'));
      this.pending = [];
      this.pendingBytes = 0;
      start = nl + 1;
    }
    const rest = chunk.subarray(start);
    if (rest.length > 0) {
      if (this.pendingBytes + rest.length > this.limit) throw new LineTooLong(this.limit);
      this.pending.push(Buffer.from(rest));
      this.pendingBytes += rest.length;
    }
    return lines;
  }
}

/** One message as a line. */
export function encodeLine(message: object): string {
  return `${JSON.stringify(message)}\n`;
}
