import { existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_LINE_BYTES } from '../../electron/app/control-protocol';
import { openLedgerDatabase } from '../../electron/store/database';
import { startFakeBinance, type FakeBinance } from '../../tools/fake-binance/server';
import { CliChild, runCliAsync } from '../helpers/cli';
import { FakeMarket5m } from '../helpers/fake-market';
import { connectServe } from '../helpers/serve-client';
import { tempDir } from '../helpers/temp';

/**
 * npm run emergencyStop against a ledger another process owns: the owner (npm run serve, or the CLI
 * trader) is asked over its control channel, a Unix domain socket; the command checks the ledger
 * file afterwards and says 0 only when it shows no open position. Real processes, real sockets,
 * real SQLite; market data (and, for live, the exchange) from the local Binance-compatible server.
 */
const START: Record<string, number> = { BTCUSDT: 42000, ETHUSDT: 2500, BNBUSDT: 300 };
const KEY = 'controlChannelTestKey0000000000000000000000000000000000000000001';
const SECRET = 'controlChannelTestSecret00000000000000000000000000000000000001';

let tmp: ReturnType<typeof tempDir>;
let fake: FakeBinance;
let market: FakeMarket5m;
const children: CliChild[] = [];

beforeEach(async () => {
  tmp = tempDir();
  fake = await startFakeBinance({
    symbols: Object.keys(START),
    accounts: [{ apiKey: KEY, apiSecret: SECRET, balances: { USDT: '1000' } }],
  });
  market = new FakeMarket5m(fake, START);
});
afterEach(async () => {
  for (const c of children.splice(0)) await c.stop();
  await fake.close();
  tmp.cleanup();
});

function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): CliChild {
  const c = CliChild.start(args, env);
  children.push(c);
  return c;
}

/** The CLI trader on paper, on the local market data. */
function paperTrader(db: string): CliChild {
  return spawnCli([
    'trade',
    '--paper',
    '--parameterSets=config/live-params.json',
    `--binance-rest-url=${fake.restUrl}`,
    `--binance-ws-url=${fake.wsUrl}`,
    `--db=${db}`,
  ]);
}

/** The CLI trader live against the local exchange, the key from BINANCE_API_KEY / _SECRET. */
function liveTrader(db: string): CliChild {
  return spawnCli(
    [
      'trade',
      '--parameterSets=config/live-params.json',
      '--env=local',
      `--binance-rest-url=${fake.restUrl}`,
      `--binance-ws-url=${fake.wsUrl}`,
      `--binance-ws-api-url=${fake.wsUrl}`,
      `--db=${db}`,
      '--confirm-live',
    ],
    { BINANCE_API_KEY: KEY, BINANCE_API_SECRET: SECRET },
  );
}

async function tradingPaper(c: CliChild): Promise<void> {
  await c.waitFor(/Market data connected/);
  await fake.waitForSubscriber('bnbusdt@kline_5m');
}

/** Positions not closed in the ledger file, read as any other process would. */
function openInFile(file: string): Array<{ symbol: string; status: string }> {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare("SELECT symbol, status FROM positions WHERE status != 'closed' ORDER BY symbol").all() as Array<{
      symbol: string;
      status: string;
    }>;
  } finally {
    db.close();
  }
}

function pidInfo(file: string): { pid: number; control?: string } {
  return JSON.parse(readFileSync(`${file}.pid`, 'utf8')) as { pid: number; control?: string };
}

/** One exchange of lines with a control channel: what comes back until `until` matches or it closes. */
function converse(socketPath: string, send: string | Buffer, until: (lines: string[]) => boolean) {
  return new Promise<{ lines: unknown[]; closed: boolean }>((resolve, reject) => {
    const s = net.connect(socketPath);
    let buf = '';
    const lines: string[] = [];
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no answer as expected; got ${JSON.stringify(lines)}`));
    }, 5000);
    const done = (closed: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ lines: lines.map((l) => JSON.parse(l) as unknown), closed });
    };
    s.on('connect', () => s.write(send));
    s.on('error', () => undefined);
    s.on('data', (d) => {
      buf += d.toString('utf8');
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
      if (until(lines)) done(false);
    });
    s.on('close', () => done(true));
  });
}

describe('npm run emergencyStop through the owner’s control channel', () => {
  it('(a) serve owns a paper ledger with open positions: the CLI has the host sell them, the host keeps running, exit 0', async () => {
    const renderer = path.join(tmp.dir, 'renderer');
    mkdirSync(renderer);
    writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Tranche</title>');
    const data = path.join(tmp.dir, 'data');
    const host = spawnCli([
      'serve',
      '--port=0',
      `--data-dir=${data}`,
      `--renderer-dir=${renderer}`,
      '--env=local',
      `--binance-rest-url=${fake.restUrl}`,
      `--binance-ws-url=${fake.wsUrl}`,
      `--binance-ws-api-url=${fake.wsUrl}`,
    ]);
    const ui = await connectServe(host);
    try {
      await ui.ok('engine.start', { mode: 'paper' });
      await host.waitFor(/Market data connected/);
      await fake.waitForSubscriber('bnbusdt@kline_5m');
      market.jump('BTCUSDT', 0.02);
      market.jump('ETHUSDT', 0.02);
      await host.waitFor(/OCO placed: BTCUSDT/);
      await host.waitFor(/OCO placed: ETHUSDT/);
      const file = path.join(data, 'paper.sqlite');
      expect(openInFile(file).map((p) => p.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
      expect(pidInfo(file)).toMatchObject({ pid: host.proc.pid, control: `${file}.ctl` });

      const r = await runCliAsync(['emergency-stop', '--paper', `--data-dir=${data}`]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain(
        `Ledger ${file} (paper, binance) is in use by pid ${host.proc.pid}: asking it for its emergency stop`,
      );
      expect(r.stdout).toMatch(/\[pid \d+\] 🚨 EMERGENCY EXIT: BTCUSDT sold/);
      expect(r.stdout).toMatch(/\[pid \d+\] 🚨 EMERGENCY EXIT: ETHUSDT sold/);
      expect(r.stdout).toContain(`✅ Emergency stop done: ledger ${file} shows no open position.`);
      expect(openInFile(file)).toEqual([]);

      // The host is still up, stopped trading as after the button, and the page saw it all.
      expect(host.running).toBe(true);
      expect(await ui.ok('engine.status')).toMatchObject({ state: 'stopped', emergencyStopPending: false });
      const logged = ui.events.filter((e) => e.channel === 'log.line').map((e) => (e.data as { text: string }).text);
      expect(logged).toContain('🚨 Emergency stop requested by another process (npm run emergencyStop)');
      expect(logged.some((t) => t.startsWith('🚨 EMERGENCY EXIT: BTCUSDT'))).toBe(true);
      expect(await ui.ok('positions.list')).toEqual([]);
      // The channel closed with the session: no socket file left behind.
      expect(existsSync(`${file}.ctl`)).toBe(false);
    } finally {
      ui.close();
    }
    host.proc.kill('SIGINT');
    expect((await host.exited).code, host.err).toBe(0);
  });
  it('the CLI trader as owner: it sells everything, ends its run (exit 0), and the command exits 0', async () => {
    const db = path.join(tmp.dir, 'paper.sqlite');
    const trader = paperTrader(db);
    await tradingPaper(trader);
    market.jump('BNBUSDT', 0.02);
    await trader.waitFor(/OCO placed: BNBUSDT/);
    const r = await runCliAsync(['emergency-stop', '--paper', `--db=${db}`]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\[pid \d+\] 🚨 EMERGENCY EXIT: BNBUSDT sold/);
    expect(r.stdout).toContain(`✅ Emergency stop done: ledger ${db} shows no open position.`);
    const end = await trader.exited;
    expect(end.code, trader.err).toBe(0);
    expect(trader.out).toContain('🚨 Emergency stop requested by another process (npm run emergencyStop)');
    expect(openInFile(db)).toEqual([]);
    expect(existsSync(`${db}.ctl`)).toBe(false);
    expect(existsSync(`${db}.pid`)).toBe(false);
  });

  it('nobody owns the ledger: the command runs the stop itself and checks the file the same way', async () => {
    const db = path.join(tmp.dir, 'paper.sqlite');
    const trader = paperTrader(db);
    await tradingPaper(trader);
    market.jump('BTCUSDT', 0.02);
    await trader.waitFor(/OCO placed: BTCUSDT/);
    trader.proc.kill('SIGINT'); // stops; the position stays, protected by its OCO
    expect((await trader.exited).code, trader.err).toBe(0);
    expect(openInFile(db)).toEqual([{ symbol: 'BTCUSDT', status: 'protected' }]);
    const r = await runCliAsync(['emergency-stop', '--paper', `--db=${db}`]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toContain('is in use by pid');
    // Its first line names the ledger it acts on, and that ledger's mode and environment.
    expect(r.stdout.split('\n')[0]).toBe(`Ledger ${db} (paper, binance)`);
    expect(r.stdout).toMatch(/^🚨 EMERGENCY EXIT: BTCUSDT sold/m);
    expect(r.stdout).toContain(`✅ Emergency stop done: ledger ${db} shows no open position.`);
    expect(openInFile(db)).toEqual([]);
  });

  it('(c) an owner that cannot sell (the exchange refuses the sale): the OCO is put back, exit 1, naming the open position', async () => {
    const db = path.join(tmp.dir, 'live-local.sqlite');
    const trader = liveTrader(db);
    await trader.waitFor(/Binance user data stream connected/);
    await trader.waitFor(/Market data connected/);
    await fake.waitForSubscriber('bnbusdt@kline_5m');
    market.jump('BTCUSDT', 0.02);
    await trader.waitFor(/OCO placed: BTCUSDT/);
    // Every market sell is refused before it reaches the book.
    fake.faults.failNext({ method: 'POST', path: '/api/v3/order' }, 10, {
      status: 400,
      code: -2010,
      msg: 'Account has insufficient balance for requested action.',
    });
    const r = await runCliAsync(['emergency-stop', `--db=${db}`]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/\[pid \d+\] ❌ BTCUSDT: market sell failed/);
    expect(r.stderr).toContain(`✖ Emergency stop incomplete: ledger ${db} still shows 1 open position(s):`);
    // The sale kept failing past the retry budget: the coins are protected by their OCO again.
    expect(r.stderr).toMatch(/^ {3}BTCUSDT +protected +qty 0\.00\d+$/m);
    expect(r.stdout).not.toContain('Emergency stop done');
    expect(openInFile(db)).toEqual([{ symbol: 'BTCUSDT', status: 'protected' }]);
    expect(
      fake
        .orders()
        .filter((o) => o.symbol === 'BTCUSDT' && o.status === 'NEW')
        .map((o) => o.type)
        .sort(),
    ).toEqual(['LIMIT_MAKER', 'STOP_LOSS_LIMIT']);
    expect(r.stdout + r.stderr + trader.out + trader.err).not.toContain(SECRET);
    await trader.exited;
  });

  it('(d) the channel refuses garbage, unknown ops and oversized lines with named errors; the owner stays up', async () => {
    const db = path.join(tmp.dir, 'paper.sqlite');
    const trader = paperTrader(db);
    await tradingPaper(trader);
    const socket = pidInfo(db).control!;
    expect(socket).toBe(`${db}.ctl`);
    const stat = lstatSync(socket);
    expect(stat.isSocket()).toBe(true);
    expect(stat.mode & 0o777).toBe(0o600);

    const one = (lines: string[]) => lines.length >= 1;
    expect((await converse(socket, 'hello\n', one)).lines[0]).toMatchObject({ error: { code: 'bad-json' } });
    expect((await converse(socket, '[1,2]\n', one)).lines[0]).toMatchObject({ error: { code: 'bad-request' } });
    expect((await converse(socket, '{"op":42}\n', one)).lines[0]).toMatchObject({ error: { code: 'bad-request' } });
    expect((await converse(socket, '{"op":"sell-everything"}\n', one)).lines[0]).toMatchObject({
      error: { code: 'unknown-op', message: expect.stringContaining('ops: emergency-stop, status') },
    });
    // Several requests on one connection are answered in order, garbage and all.
    const mixed = await converse(socket, 'x\n{"op":"status"}\n', (l) => l.length >= 2);
    expect(mixed.lines).toMatchObject([{ error: { code: 'bad-json' } }, { done: true, op: 'status' }]);
    // A line over the limit, never finished: refused as soon as it passes the limit, and closed.
    const big = await converse(socket, Buffer.alloc(MAX_LINE_BYTES + 10, 'a'), () => false);
    expect(big.closed).toBe(true);
    expect(big.lines).toMatchObject([{ error: { code: 'line-too-long' } }]);

    // A second process on the same ledger is refused at the lock and leaves the owner's socket alone.
    const second = paperTrader(db);
    expect((await second.exited).code).toBe(2);
    expect(second.err).toContain(`ledger ${db} is in use by another Tranche process (pid ${trader.proc.pid}`);
    expect(lstatSync(socket).isSocket()).toBe(true);

    // Still up and trading, and answering.
    expect(trader.running).toBe(true);
    const status = await converse(socket, '{"op":"status"}\n', one);
    expect(status.lines[0]).toEqual({
      done: true,
      op: 'status',
      mode: 'paper',
      environment: 'binance',
      ledger: db,
      pid: trader.proc.pid,
      open: [],
    });
    market.jump('ETHUSDT', 0.02);
    await trader.waitFor(/OCO placed: ETHUSDT/);
    const after = await converse(socket, '{"op":"status"}\n', one);
    expect(after.lines[0]).toMatchObject({ open: [{ symbol: 'ETHUSDT', status: 'protected' }] });
    trader.proc.kill('SIGINT');
    expect((await trader.exited).code, trader.err).toBe(0);
  });

  it('(e) a stale socket left by kill -9 does not stop the next owner', async () => {
    const db = path.join(tmp.dir, 'paper.sqlite');
    const first = paperTrader(db);
    await tradingPaper(first);
    market.jump('BTCUSDT', 0.02);
    await first.waitFor(/OCO placed: BTCUSDT/);
    first.proc.kill('SIGKILL');
    await first.exited;
    expect(lstatSync(`${db}.ctl`).isSocket()).toBe(true); // left behind, nobody listening

    // The next owner removes the dead one's socket once it holds the ledger's lock, and listens there.
    const next = paperTrader(db);
    await tradingPaper(next);
    expect(pidInfo(db)).toMatchObject({ pid: next.proc.pid, control: `${db}.ctl` });
    const r = await runCliAsync(['emergency-stop', '--paper', `--db=${db}`]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`is in use by pid ${next.proc.pid}`);
    expect(r.stdout).toMatch(/\[pid \d+\] 🚨 EMERGENCY EXIT: BTCUSDT sold/);
    expect(openInFile(db)).toEqual([]);
    expect((await next.exited).code, next.err).toBe(0);
  });

  it('an owner that does not answer (hung: SIGSTOP): exit 1 naming its pid, never success', async () => {
    const db = path.join(tmp.dir, 'paper.sqlite');
    const trader = paperTrader(db);
    await tradingPaper(trader);
    market.jump('BTCUSDT', 0.02);
    await trader.waitFor(/OCO placed: BTCUSDT/);
    const pid = trader.proc.pid!;
    trader.proc.kill('SIGSTOP'); // its socket still accepts connections; nobody reads them
    try {
      const r = await runCliAsync(['emergency-stop', '--paper', `--db=${db}`]);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toContain(
        `✖ pid ${pid} owns ledger ${db} but did not answer: no answer to "emergency-stop" within 5 s`,
      );
      expect(r.stderr).toContain('The emergency stop is NOT confirmed');
      expect(r.stderr).toMatch(/^ {3}BTCUSDT +protected +qty /m);
      expect(r.stdout).not.toContain('Emergency stop done');
    } finally {
      trader.proc.kill('SIGCONT');
    }
    trader.proc.kill('SIGINT');
    await trader.exited;
  });

  it('an owner without a control channel (a Tranche from before it): exit 1 naming its pid', async () => {
    const db = path.join(tmp.dir, 'paper.sqlite');
    // This test process owns the ledger the old way: it holds the lock, its pid file names no channel.
    const old = openLedgerDatabase(db, { mode: 'paper', environment: 'binance' });
    try {
      const r = await runCliAsync(['emergency-stop', '--paper', `--db=${db}`]);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toContain(`✖ ledger ${db} is owned by pid ${process.pid}, which has no control channel`);
      expect(r.stderr).toContain('the emergency stop was NOT run');
    } finally {
      old.close();
    }
  });
});
