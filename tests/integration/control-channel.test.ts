import { lstatSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { askOwner, OwnerUnreachable } from '../../electron/app/control-client';
import { TradingSession, type SessionConfig } from '../../electron/app/trading-session';
import type { EngineEvent } from '../../electron/core/engine/engine-events';
import { Decimal } from '../../electron/core/money/decimal';
import { sets } from '../helpers/paper-harness';
import { tempDir } from '../helpers/temp';

/**
 * The control channel of a TradingSession, in this process, over a real Unix domain socket: where
 * it listens, what it answers, and that it never gets in the owner's way.
 */
let tmp: ReturnType<typeof tempDir>;
const open: TradingSession[] = [];
beforeEach(() => {
  tmp = tempDir();
});
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  tmp.cleanup();
});

function session(dbFile: string, extra: Partial<SessionConfig> = {}, events: EngineEvent[] = []): TradingSession {
  const s = TradingSession.open({
    sets: sets([
      { symbol: 'BTCUSDT', allocationPercent: 50, zScoreThreshold: 5, profitPercent: 2, stopLossPercent: 2 },
    ]),
    quoteAsset: 'USDT',
    market: { kind: 'replay', dir: '' },
    dbFile,
    venue: { kind: 'paper', balance: new Decimal(1000), feeRate: new Decimal('0.001'), slippageBps: 5 },
    onEvent: (e) => events.push(e),
    offline: true,
    ...extra,
  });
  open.push(s);
  return s;
}

const pidFile = (db: string) => JSON.parse(readFileSync(`${db}.pid`, 'utf8')) as { pid: number; control?: string };

async function advertised(db: string): Promise<string> {
  const until = Date.now() + 2000;
  while (!pidFile(db).control) {
    if (Date.now() > until) throw new Error(`${db}.pid names no control channel`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return pidFile(db).control!;
}

describe('the control channel of a trading session', () => {
  it('listens beside the ledger, user-only, named in the pid file; answers status; goes away on close', async () => {
    const db = path.join(tmp.dir, 'paper.sqlite');
    const s = session(db);
    const socket = await advertised(db);
    expect(socket).toBe(`${db}.ctl`);
    expect(lstatSync(socket).mode & 0o777).toBe(0o600);
    expect(await askOwner(socket, 'status')).toEqual({
      done: true,
      op: 'status',
      mode: 'paper',
      environment: 'replay',
      ledger: db,
      pid: process.pid,
      open: [],
    });
    await s.close();
    expect(existsSync(socket)).toBe(false);
    expect(existsSync(`${db}.pid`)).toBe(false);
  });

  it('uses a hashed name in a user-only temp folder when the ledger path is too long for a socket', async () => {
    const deep = path.join(tmp.dir, 'd'.repeat(100));
    mkdirSync(deep);
    const db = path.join(deep, 'paper.sqlite');
    const s = session(db);
    const socket = await advertised(db);
    expect(path.dirname(socket)).toBe(path.join(os.tmpdir(), `tranche-${process.getuid!()}`));
    expect(lstatSync(path.dirname(socket)).mode & 0o777).toBe(0o700);
    expect(lstatSync(socket).mode & 0o777).toBe(0o600);
    expect((await askOwner(socket, 'status')).ledger).toBe(db);
    await s.close();
    expect(existsSync(socket)).toBe(false);
  });

  it('runs the owner’s emergency stop once for requests that arrive together, streaming the engine’s lines', async () => {
    const db = path.join(tmp.dir, 'paper.sqlite');
    let runs = 0;
    const s: TradingSession = session(db, {
      emergencyStop: async () => {
        runs++;
        await new Promise((r) => setTimeout(r, 50));
        await s.engine.emergencyStop();
      },
    });
    const socket = await advertised(db);
    const lines: string[] = [];
    const [a, b] = await Promise.all([
      askOwner(socket, 'emergency-stop', { onProgress: (l) => lines.push(l) }),
      askOwner(socket, 'emergency-stop'),
    ]);
    expect(runs).toBe(1);
    for (const done of [a, b])
      expect(done).toEqual({ done: true, op: 'emergency-stop', ledger: db, pid: process.pid, open: [] });
    expect(lines).toEqual([
      '🚨 EMERGENCY STOP: no new entries; cancelling OCOs and selling 0 position(s) at market',
      '🚨 Emergency stop finished: 0 position(s) left open',
    ]);
  });

  it('answers a failed stop with its error and what is open, and keeps serving', async () => {
    const db = path.join(tmp.dir, 'paper.sqlite');
    session(db, {
      emergencyStop: () => Promise.reject(new Error('the exchange is unreachable')),
    });
    const socket = await advertised(db);
    expect(await askOwner(socket, 'emergency-stop')).toMatchObject({ error: 'the exchange is unreachable', open: [] });
    expect((await askOwner(socket, 'status')).op).toBe('status');
  });

  it('still answers a stop under way when the session closes meanwhile (the host stops its session as part of it)', async () => {
    const db = path.join(tmp.dir, 'paper.sqlite');
    const s: TradingSession = session(db, {
      emergencyStop: async () => {
        await s.engine.emergencyStop();
        await s.close();
      },
    });
    const socket = await advertised(db);
    expect(await askOwner(socket, 'emergency-stop')).toMatchObject({ done: true, open: [] });
    expect(existsSync(socket)).toBe(false);
  });

  it('a file that is not a socket where the channel goes: a warning, the session trades on, the file stays', async () => {
    const db = path.join(tmp.dir, 'paper.sqlite');
    writeFileSync(`${db}.ctl`, 'my notes');
    const events: EngineEvent[] = [];
    const s = session(db, {}, events);
    expect(events).toContainEqual({
      type: 'warning',
      message: expect.stringMatching(/no control channel for ledger .*\.ctl exists and is not a socket/),
    });
    expect(readFileSync(`${db}.ctl`, 'utf8')).toBe('my notes');
    expect(pidFile(db).control).toBeUndefined();
    expect(await s.connect()).toBeDefined();
  });

  it('once closing, refuses new requests by name (nothing touches a closed ledger) and ends the connection', async () => {
    const db = path.join(tmp.dir, 'paper.sqlite');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const s = session(db, { emergencyStop: () => gate });
    const socket = await advertised(db);
    const conn = net.connect(socket);
    let text = '';
    conn.setEncoding('utf8').on('data', (d: string) => (text += d));
    const ended = new Promise<void>((r) => conn.on('close', () => r()));
    conn.write('{"op":"emergency-stop"}\n');
    while (!text.includes('accepted')) await new Promise((r) => setTimeout(r, 5));
    conn.write('{"op":"status"}\n'); // queued behind the stop
    await new Promise((r) => setTimeout(r, 50)); // read by the owner before it closes
    await s.close();
    release();
    await ended;
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toMatchObject([
      { accepted: 'emergency-stop', pid: process.pid, ledger: db },
      { done: true, op: 'emergency-stop', open: [] },
      { error: { code: 'closing', message: `the owner of ledger ${db} is closing it; no new request is taken` } },
    ]);
    await expect(askOwner(socket, 'status')).rejects.toThrow(OwnerUnreachable);
  });
});
