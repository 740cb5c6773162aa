import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KeytarSecretStore } from '../../electron/adapters/secrets/keytar-secret-store';
import { Decimal } from '../../electron/core/money/decimal';
import { startFakeBinance, type FakeBinance } from '../../tools/fake-binance/server';
import { inOrder, ROOT, runCliAsync } from '../helpers/cli';
import { FakeMarket5m } from '../helpers/fake-market';
import { tempDir } from '../helpers/temp';
import { clearService, describeWithKeychain, testServiceName } from '../secrets/keychain';

/**
 * startTrading in LIVE mode, as a child process, against the local Binance-compatible exchange,
 * with the API key taken from the OS keychain (a throwaway gnome-keyring under npm test). It
 * replays the seed's "all three signals trigger" scenario, exits through a take-profit and a
 * stop-loss, and is SIGKILLed at the three moments reconciliation must mend.
 */
const KEY = 'liveSessionTestKey00000000000000000000000000000000000000000000001';
const SECRET = 'liveSessionTestSecret000000000000000000000000000000000000000001';
const START: Record<string, number> = { BTCUSDT: 42000, ETHUSDT: 2500, BNBUSDT: 300 };

class Child {
  out = '';
  err = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  constructor(readonly proc: ChildProcess) {
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => (this.err += d));
    this.exited = new Promise((r) => proc.on('close', (code, signal) => r({ code, signal })));
  }
  save(name: string): void {
    if (process.env.TRANCHE_TEST_SAVE_OUTPUT)
      writeFileSync(`${process.env.TRANCHE_TEST_SAVE_OUTPUT}/${name}.txt`, this.out + this.err);
  }
  lines(): string[] {
    return this.out.split('\n');
  }
  async waitFor(what: RegExp, ms = 15_000): Promise<void> {
    const end = Date.now() + ms;
    while (!what.test(this.out)) {
      if (Date.now() > end || this.proc.exitCode !== null)
        throw new Error(`no ${what} in the output:\n${this.out}\n${this.err}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

describeWithKeychain('startTrading live against the local exchange (keys from the keychain)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let fake: FakeBinance;
  let service: string;
  let market: FakeMarket5m;
  const db = () => path.join(tmp.dir, 'live-local.sqlite');

  beforeAll(async () => {
    tmp = tempDir();
    service = testServiceName();
    await new KeytarSecretStore({ service }).set('local', { apiKey: KEY, apiSecret: SECRET });
    fake = await startFakeBinance({
      symbols: Object.keys(START),
      accounts: [{ apiKey: KEY, apiSecret: SECRET, balances: { USDT: '1000' } }],
    });
    market = new FakeMarket5m(fake, START);
  });
  afterAll(async () => {
    await fake?.close();
    await clearService(service);
    tmp.cleanup();
  });

  function start(extra: string[] = []): Child {
    const args = [
      '--import',
      'tsx',
      path.join(ROOT, 'electron/cli/main.ts'),
      'trade',
      '--parameterSets=config/live-params.json',
      '--env=local',
      `--binance-rest-url=${fake.restUrl}`,
      `--binance-ws-url=${fake.wsUrl}`,
      `--binance-ws-api-url=${fake.wsUrl}`,
      `--db=${db()}`,
      '--confirm-live',
      ...extra,
    ];
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', TRANCHE_KEYCHAIN_SERVICE: service };
    delete env.BINANCE_API_KEY;
    delete env.BINANCE_API_SECRET;
    return new Child(spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  const jump = (symbol: string, move: number) => market.jump(symbol, move);

  async function ready(c: Child) {
    await c.waitFor(/Binance user data stream connected/);
    await c.waitFor(/Market data connected/);
    await fake.waitForSubscriber('bnbusdt@kline_5m');
  }

  /** The ledger file and the exchange agree, and every live position is protected by a live OCO. */
  function consistent(): { positions: number } {
    const file = new Database(db(), { readonly: true });
    try {
      const quote = (file.prepare("SELECT value FROM meta WHERE key = 'quote_balance'").get() as { value: string })
        .value;
      const usdt = fake.account(KEY).balances.USDT!;
      expect(new Decimal(quote).toFixed()).toBe(new Decimal(usdt.free).add(usdt.locked).toFixed());
      const live = file
        .prepare("SELECT id, symbol, status, oco_list_client_order_id FROM positions WHERE status != 'closed'")
        .all() as Array<{ id: number; symbol: string; status: string; oco_list_client_order_id: string }>;
      const reserved = (file.prepare('SELECT position_id FROM reservations').all() as Array<{ position_id: number }>)
        .map((r) => r.position_id)
        .sort();
      expect(reserved).toEqual(live.map((p) => p.id).sort());
      const resting = fake.orders(KEY).filter((o) => o.status === 'NEW');
      for (const p of live) {
        expect(p.status, `${p.symbol} must be protected`).toBe('protected');
        expect(
          resting
            .filter((o) => o.symbol === p.symbol)
            .map((o) => o.type)
            .sort(),
        ).toEqual(['LIMIT_MAKER', 'STOP_LOSS_LIMIT']);
      }
      expect(resting.every((o) => live.some((p) => p.symbol === o.symbol))).toBe(true);
      const ids = fake.orders(KEY).map((o) => o.clientOrderId);
      expect(new Set(ids).size).toBe(ids.length);
      return { positions: live.length };
    } finally {
      file.close();
    }
  }

  it("reproduces the seed's three concurrent signals, exits by take-profit and stop-loss, and ends with ledger and exchange agreeing", async () => {
    const c = start();
    await ready(c);
    jump('BTCUSDT', 0.02);
    jump('ETHUSDT', 0.02);
    jump('BNBUSDT', 0.02);
    await c.waitFor(/Total reserved: \$999\.00 \/ \$1000\.00/);
    await c.waitFor(/OCO placed: BNBUSDT/);
    await c.waitFor(/OCO placed: ETHUSDT/);
    await c.waitFor(/OCO placed: BTCUSDT/);
    // BTC reaches its take-profit (+15%), ETH its stop (-6%) and then the stop's limit.
    fake.pushTrade('BTCUSDT', +(market.prices.BTCUSDT! * 1.16).toFixed(2));
    fake.pushTrade('ETHUSDT', +(market.prices.ETHUSDT! * 0.93).toFixed(2));
    fake.pushTrade('ETHUSDT', +(market.prices.ETHUSDT! * 0.9395).toFixed(2));
    await c.waitFor(/TAKE PROFIT: BTCUSDT/);
    await c.waitFor(/STOP LOSS: ETHUSDT/);
    c.proc.kill('SIGINT');
    const end = await c.exited;
    c.save('live-session');
    expect(end.code, c.err).toBe(0);
    // The three signals arrive together: reservations are made one after the other (each checked
    // and recorded in one transaction), and the three buys then run concurrently.
    expect(
      inOrder(c.lines(), [
        /^🔥 LIVE trading on Binance \(local: http:\/\/127\.0\.0\.1:\d+\) with API key ••••••••0001 for local from the OS keychain$/,
        '💰 Account balance updated: $1000.00',
        '💼 Reserved $333.00 (33.3%) for BTCUSDT',
        '💼 Total reserved: $333.00 / $1000.00',
        '💼 Reserved $333.00 (33.3%) for ETHUSDT',
        '💼 Total reserved: $666.00 / $1000.00',
        '💼 Reserved $333.00 (33.3%) for BNBUSDT',
        '💼 Total reserved: $999.00 / $1000.00',
      ]),
    ).toEqual({ ok: true });
    for (const s of ['BTCUSDT', 'ETHUSDT', 'BNBUSDT']) {
      expect(
        inOrder(c.lines(), [
          `💼 Reserved $333.00 (33.3%) for ${s}`,
          `🔥 LIVE BUY: ${s} - Market order executed`,
          '   Allocated: $333.00 (33.3%)',
          new RegExp(`^🛡️ OCO placed: ${s} `),
        ]),
      ).toEqual({ ok: true });
    }
    expect(c.out).toMatch(/✅ TAKE PROFIT: BTCUSDT sold 0\.0077\d @ [\d.]+ - PnL \+\$\d+\.\d\d/);
    expect(c.out).toMatch(/🛑 STOP LOSS: ETHUSDT sold [\d.]+ @ [\d.]+ - PnL -\$\d+\.\d\d/);
    expect(c.out + c.err).not.toContain(SECRET);
    expect(c.out + c.err).not.toContain(KEY);
    expect(consistent().positions).toBe(1); // BNB, still protected
  });

  it('(a) killed after the buy was accepted and before its OCO: the restart protects it', async () => {
    const c = start();
    await ready(c);
    // The OCO request is held, never processed: the process dies with a bought, unprotected position.
    fake.faults.timeoutNext({ method: 'POST', path: '/api/v3/orderList/oco' }, 1, { afterAccept: false });
    jump('BTCUSDT', 0.03);
    await c.waitFor(/LIVE BUY: BTCUSDT/);
    c.proc.kill('SIGKILL');
    await c.exited;
    fake.faults.reset();
    const r = start();
    await r.waitFor(/Reconciled BTCUSDT: position #\d+ had no protective OCO: placing one now/);
    await r.waitFor(/OCO placed: BTCUSDT/);
    r.proc.kill('SIGINT');
    expect((await r.exited).code, r.err).toBe(0);
    r.save('restart-a');
    expect(consistent().positions).toBe(2);
  });

  it('(b) killed while the OCO is open, which fills while the process is down: the restart closes it with the real fill', async () => {
    const c = start();
    await ready(c);
    c.proc.kill('SIGKILL');
    await c.exited;
    fake.pushTrade('BTCUSDT', +(fake.market.lastPrice('BTCUSDT')! * 1.2).toFixed(2)); // BTC's take-profit fills meanwhile
    const r = start();
    await r.waitFor(/Reconciled BTCUSDT: the OCO's take-profit filled while we were down/);
    await r.waitFor(/Market data connected/);
    r.proc.kill('SIGINT');
    expect((await r.exited).code, r.err).toBe(0);
    expect(consistent().positions).toBe(1);
  });

  it('(c) killed during an emergency stop asked for over its control channel: the restart finishes it', async () => {
    const c = start();
    await ready(c);
    // The market sell is held: the OCO is cancelled, then the process dies before selling.
    fake.faults.timeoutNext({ method: 'POST', path: '/api/v3/order' }, 1, { afterAccept: false });
    const asked = runCliAsync(['emergency-stop', `--db=${db()}`]);
    await c.waitFor(/EMERGENCY STOP/);
    const until = Date.now() + 10_000;
    while (!fake.orders(KEY).some((o) => o.status === 'CANCELED' && o.symbol === 'BNBUSDT') && Date.now() < until)
      await new Promise((r) => setTimeout(r, 25));
    c.proc.kill('SIGKILL');
    await c.exited;
    // The command never claims a stop it did not see finish.
    const stop = await asked;
    expect(stop.code, stop.stdout + stop.stderr).toBe(1);
    expect(stop.stdout).toMatch(/\[pid \d+\] 🚨 EMERGENCY STOP: no new entries/);
    expect(stop.stderr).toMatch(/did not answer: it closed the control channel before "emergency-stop" was done/);
    expect(stop.stderr).toMatch(/^ {3}BNBUSDT +exiting +qty /m);
    fake.faults.reset();
    const r = start();
    await r.waitFor(/Emergency stop finished: 0 position\(s\) left open/, 20_000);
    r.proc.kill('SIGINT');
    await r.exited;
    r.save('restart-c');
    expect(consistent().positions).toBe(0);
    expect(fake.orders(KEY).filter((o) => o.status === 'NEW')).toEqual([]);
  });
});
