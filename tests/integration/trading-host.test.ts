import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvSecretStore } from '../../electron/adapters/secrets/env-secret-store';
import { replayLedgerFile } from '../../electron/app/paths';
import { KeytarSecretStore } from '../../electron/adapters/secrets/keytar-secret-store';
import type {
  AllocationDto,
  ChartDto,
  EngineStateDto,
  HistoryDto,
  LiveConfirmationDto,
  LogLineDto,
  KeyStatusDto,
  PositionDto,
} from '../../shared/ipc/contract';
import { seedScenarioCandles } from '../../tools/candles/seed-scenario';
import { writeKlineCsv } from '../../tools/candles/synthetic';
import { hostHarness, type HostHarness } from '../helpers/host';
import { API_KEY, API_SECRET, startFake } from '../helpers/live-harness';
import { tempDir } from '../helpers/temp';
import { clearService, describeWithKeychain, testServiceName } from '../secrets/keychain';
import { startPermissionsServer, type PermissionsServer } from '../secrets/permissions-server';

const SEED = JSON.parse(readFileSync(path.join(import.meta.dirname, '../../config/live-params.json'), 'utf8')) as {
  parameterSets: Array<Record<string, unknown>>;
};

describe('TradingHost: parameter sets and settings in the data folder', () => {
  let tmp: ReturnType<typeof tempDir>;
  let h: HostHarness;
  beforeAll(() => {
    tmp = tempDir();
    h = hostHarness(tmp.dir);
  });
  afterAll(async () => {
    await h.close();
    tmp.cleanup();
  });

  it("starts with the seed's three sets (config/live-params.json)", async () => {
    const { sets } = await h.ok<{ sets: unknown[] }>('params.get');
    expect(sets).toEqual(SEED.parameterSets);
  });

  it('validates: a sum above 100% is a problem, with the sum', async () => {
    const sets = SEED.parameterSets.map((s) => ({ ...s, allocationPercent: 40 }));
    const v = await h.ok<{ ok: boolean; problems: Array<{ path: string; message: string }>; allocationSum: number }>(
      'params.validate',
      { sets },
    );
    expect(v.ok).toBe(false);
    expect(v.allocationSum).toBe(120);
    expect(v.problems).toEqual([
      expect.objectContaining({ path: 'parameterSets', message: expect.stringMatching(/above 100%/) }),
    ]);
  });

  it('refuses to save an invalid file (sum above 100%, bad field) and keeps the saved one', async () => {
    const sets = [
      ...SEED.parameterSets,
      { symbol: 'SOLUSDT', allocationPercent: 5, zScoreThreshold: 3, profitPercent: 2, stopLossPercent: 1 },
    ];
    const saved = await h.ok<{ saved: boolean; problems: unknown[]; appliesToNewEntriesOnly: boolean }>('params.save', {
      sets,
    });
    expect(saved.saved).toBe(false);
    expect(saved.problems.length).toBeGreaterThan(0);
    const bad = await h.ok<{ saved: boolean; problems: Array<{ path: string }> }>('params.save', {
      sets: [{ ...SEED.parameterSets[0], stopLossPercent: 150 }],
    });
    expect(bad.saved).toBe(false);
    expect(bad.problems.map((p) => p.path)).toContain('parameterSets[0].stopLossPercent');
    expect((await h.ok<{ sets: unknown[] }>('params.get')).sets).toEqual(SEED.parameterSets);
  });

  it('saves a valid file, keeps it across a restart of the host, and exports / imports it in the seed shape', async () => {
    const sets = [
      {
        symbol: 'BTCUSDT',
        allocationPercent: 50,
        zScoreThreshold: 4,
        profitPercent: 10,
        stopLossPercent: 3,
        interval: '1h',
      },
      {
        symbol: 'ETHUSDT',
        allocationPercent: 25,
        zScoreThreshold: 6,
        profitPercent: 22,
        stopLossPercent: 6,
        enabled: false,
      },
    ];
    const saved = await h.ok<{ saved: boolean; appliesToNewEntriesOnly: boolean }>('params.save', { sets });
    expect(saved).toMatchObject({ saved: true, appliesToNewEntriesOnly: false });

    await h.close();
    h = hostHarness(tmp.dir);
    expect((await h.ok<{ sets: unknown[] }>('params.get')).sets).toEqual(sets);

    const exported = await h.ok<{ json: string; filename: string }>('params.export');
    expect(exported.filename).toMatch(/^tranche-parameter-sets-\d{4}-\d\d-\d\d\.json$/);
    expect(JSON.parse(exported.json)).toEqual({ parameterSets: sets });
    const imported = await h.ok<{ sets: unknown[]; problems: unknown[] }>('params.import', { json: exported.json });
    expect(imported).toEqual({ sets, problems: [] });

    const broken = await h.ok<{ sets: unknown[]; problems: Array<{ path: string; message: string }> }>(
      'params.import',
      {
        json: '{"parameterSets": [',
      },
    );
    expect(broken.problems[0]!.message).toMatch(/not valid JSON/);
    const over = await h.ok<{ problems: Array<{ message: string }> }>('params.import', {
      json: JSON.stringify({ parameterSets: SEED.parameterSets.map((s) => ({ ...s, allocationPercent: 50 })) }),
    });
    expect(over.problems.map((p) => p.message).join()).toMatch(/above 100%/);

    // Back to the seed for the other tests.
    expect((await h.ok<{ saved: boolean }>('params.save', { sets: SEED.parameterSets })).saved).toBe(true);
  });

  it('keeps paper settings and says where the data folder is', async () => {
    const before = await h.ok<{ paperBalance: string; feeRate: string; slippageBps: number; dataDir: string }>(
      'settings.get',
    );
    expect(before).toEqual({
      paperBalance: '1000',
      feeRate: '0.001',
      slippageBps: 5,
      stopGraceSeconds: 10,
      dataDir: tmp.dir,
    });
    const after = await h.ok('settings.save', { paperBalance: '2500.50', slippageBps: 0, stopGraceSeconds: 30 });
    expect(after).toEqual({
      paperBalance: '2500.5',
      feeRate: '0.001',
      slippageBps: 0,
      stopGraceSeconds: 30,
      dataDir: tmp.dir,
    });
    const tooLong = await h.request('settings.save', { stopGraceSeconds: 601 });
    expect(tooLong).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    const refused = await h.request('settings.save', { feeRate: '0.5' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'failed', message: expect.stringMatching(/feeRate/) } });
    const readOnly = await h.request('settings.save', { dataDir: '/elsewhere' });
    expect(readOnly).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    await h.ok('settings.save', { paperBalance: '1000', slippageBps: 5, stopGraceSeconds: 10 });
  });

  it('lists the built-in symbols when Binance cannot be reached', async () => {
    const list = await h.ok<{ symbols: string[]; source: string }>('symbols.list');
    expect(list.source).toBe('built-in');
    expect(list.symbols).toEqual(expect.arrayContaining(['BTCUSDT', 'ETHUSDT', 'BNBUSDT']));
  });

  it('answers the views before anything was traded', async () => {
    expect(await h.ok('engine.status')).toMatchObject({ state: 'stopped', mode: null, halted: false });
    expect(await h.ok('allocations.get')).toMatchObject({ quoteAsset: 'USDT', totalBalance: '0', reservations: [] });
    expect(await h.ok('positions.list')).toEqual([]);
    expect(await h.ok('history.get', {})).toMatchObject({ trades: [], equity: [] });
    const nothing = await h.request('engine.emergencyStop', { confirm: true });
    expect(nothing).toMatchObject({
      ok: false,
      error: { code: 'failed', message: expect.stringMatching(/no ledger yet/) },
    });
  });
});

describe('TradingHost: paper trading a replay of the seed scenario', () => {
  let tmp: ReturnType<typeof tempDir>;
  let h: HostHarness;
  let klines: string;
  beforeAll(async () => {
    tmp = tempDir();
    klines = path.join(tmp.dir, 'klines');
    writeKlineCsv(klines, seedScenarioCandles());
    h = hostHarness(path.join(tmp.dir, 'data'));
    const started = await h.ok<EngineStateDto>('engine.start', { mode: 'paper', market: `replay:${klines}` });
    expect(started).toMatchObject({
      state: 'starting',
      mode: 'paper',
      environment: 'replay',
      market: `replay:${klines}`,
    });
    await h.waitFor('engine.state', (s) => s.state === 'stopped');
  });
  afterAll(async () => {
    await h.close();
    tmp.cleanup();
  });

  it('goes starting -> running -> stopped, with the replay as market data', () => {
    const states = h.seen('engine.state').map((s) => s.state);
    expect(states.indexOf('starting')).toBeLessThan(states.indexOf('running'));
    expect(states.indexOf('running')).toBeLessThan(states.lastIndexOf('stopped'));
    const running = h.seen('engine.state').find((s) => s.state === 'running')!;
    expect(running.health).toMatchObject({
      marketData: 'live',
      userStream: 'none',
      marketDetail: `replay of ${klines}`,
    });
    expect(running.ledgerFile).toBe(replayLedgerFile(klines, path.join(tmp.dir, 'data')));
    expect(path.basename(running.ledgerFile!)).toMatch(/^replay-klines-[0-9a-f]{8}\.sqlite$/);
  });

  it("pushes the seed's console lines as log lines, and keeps them for log.recent", async () => {
    const texts = h.seen('log.line').map((l) => l.text);
    for (const expected of [
      '💰 Account balance updated: $1000.00',
      '💼 Reserved $333.00 (33.3%) for BTCUSDT',
      '📝 PAPER BUY: BTCUSDT - Market order executed',
      'Already have position in ETHUSDT, skipping buy signal',
    ]) {
      expect(texts).toContain(expected);
    }
    expect(texts.some((t) => t.startsWith('✅ TAKE PROFIT: BTCUSDT'))).toBe(true);
    expect(texts.some((t) => t.startsWith('🛑 STOP LOSS: ETHUSDT'))).toBe(true);
    expect(texts.some((t) => t.startsWith('❌ Failed to reserve funds for ETHUSDT'))).toBe(true);
    const failed = h.seen('log.line').find((l) => l.text.startsWith('❌ Failed to reserve'))!;
    expect(failed).toMatchObject({ level: 'warn', symbol: 'ETHUSDT' });
    const recent = await h.ok<LogLineDto[]>('log.recent', { limit: 5000 });
    expect(recent.map((l) => l.text)).toEqual(texts);
    expect(await h.ok<LogLineDto[]>('log.recent', { limit: 3 })).toEqual(h.seen('log.line').slice(-3));
  });

  it('pushes allocation status with reservation states, and positions', () => {
    const allocations = h.seen('allocations.changed');
    expect(allocations.length).toBeGreaterThan(0);
    const fullest = allocations.reduce((a, b) => (b.reservations.length > a.reservations.length ? b : a));
    expect(fullest.reservations.length).toBeGreaterThanOrEqual(1);
    for (const r of allocations.flatMap((a) => a.reservations)) {
      expect(['reserved', 'buying', 'protected', 'exiting']).toContain(r.state);
      expect(r.allocationPercent).toBe(33.3);
    }
    const positions = h.seen('positions.changed').flat();
    expect(positions.length).toBeGreaterThan(0);
    expect(positions.some((p) => p.status === 'protected' && p.ocoState === 'open' && p.takeProfit !== null)).toBe(
      true,
    );
  });

  it('pushes closed trades, notifications on entries and exits, prices and signals', () => {
    const trades = h.seen('trade.closed');
    expect(trades.map((t) => `${t.symbol} ${t.exitReason}`)).toEqual([
      'ETHUSDT stop-loss',
      'BTCUSDT take-profit',
      'BNBUSDT reversal',
    ]);
    const notes = h.seen('notification');
    expect(notes.filter((n) => n.kind === 'entry').map((n) => n.title)).toEqual([
      'Paper buy: BTCUSDT',
      'Paper buy: ETHUSDT',
      'Paper buy: BNBUSDT',
      'Paper buy: ETHUSDT',
    ]);
    expect(notes.find((n) => n.kind === 'exit' && n.title === 'Take profit: BTCUSDT')?.body).toMatch(/PnL \+\$/);
    expect(h.seen('price').some((p) => p.symbol === 'BTCUSDT' && Number(p.price) > 0)).toBe(true);
    expect(h.seen('signal').some((s) => s.symbol === 'ETHUSDT' && Number.isFinite(s.value))).toBe(true);
  });

  it('throttles prices and signals to a few per second per symbol', () => {
    // 110 candles per symbol arrive in a few milliseconds: only a handful of events go out.
    const btcPrices = h.seen('price').filter((p) => p.symbol === 'BTCUSDT');
    expect(btcPrices.length).toBeGreaterThan(0);
    expect(btcPrices.length).toBeLessThan(20);
  });

  it('answers the views from the stored ledger after the run: history with the take-profit, positions, allocation', async () => {
    const history = await h.ok<HistoryDto>('history.get', {});
    expect(history.totals).toMatchObject({ trades: 3, wins: 1, losses: 2 });
    const tp = history.trades.find((t) => t.exitReason === 'take-profit')!;
    expect(tp).toMatchObject({ symbol: 'BTCUSDT' });
    expect(Number(tp.pnl)).toBeGreaterThan(40);
    expect(history.equity).toHaveLength(4);
    expect(history.equity[0]!.equity).toBe('1000');
    expect(Number(history.equity.at(-1)!.equity)).toBeCloseTo(1000 + Number(history.totals.pnl), 6);
    expect((await h.ok<HistoryDto>('history.get', { limit: 1 })).trades.map((t) => t.symbol)).toEqual(['BNBUSDT']);

    const csv = await h.ok<{ csv: string; filename: string }>('history.exportCsv');
    expect(csv.filename).toMatch(/^tranche-trades-.*\.csv$/);
    expect(csv.csv.split('\n')[0]).toBe(
      'positionId,symbol,entryTime,exitTime,entryPrice,exitPrice,quantity,cost,proceeds,fees,pnl,pnlPercent,exitReason',
    );
    expect(csv.csv.trim().split('\n')).toHaveLength(4);

    const positions = await h.ok<PositionDto[]>('positions.list');
    expect(positions.map((p) => `${p.symbol} ${p.status} ${p.ocoState}`)).toEqual(['ETHUSDT protected open']);
    const eth = positions[0]!;
    expect(Number(eth.currentPrice)).toBeGreaterThan(0);
    expect(eth.unrealizedPnl).not.toBeNull();
    expect(eth.toTakeProfitPercent!).toBeGreaterThan(0);
    expect(eth.toStopPercent!).toBeLessThan(0); // the stop is below the price: a negative distance

    const allocation = await h.ok<AllocationDto>('allocations.get');
    expect(allocation.reservations.map((r) => `${r.symbol} ${r.state}`)).toEqual(['ETHUSDT protected']);
  });

  it('charts a symbol: candles, z-scores, thresholds and the open position', async () => {
    const chart = await h.ok<ChartDto>('chart.get', { symbol: 'ETHUSDT', limit: 1000 });
    expect(chart).toMatchObject({ symbol: 'ETHUSDT', interval: '5m', threshold: 6, exitThreshold: -6 });
    expect(chart.candles).toHaveLength(110);
    expect(chart.candles[0]!.time).toBe(Date.parse('2024-01-15T00:00:00Z') / 1000);
    // One signal value per candle once the window is full, at the candles' times.
    expect(chart.zscores.length).toBeGreaterThan(80);
    const times = new Set(chart.candles.map((c) => c.time));
    expect(chart.zscores.every((z) => times.has(z.time))).toBe(true);
    expect(chart.zscores.at(-1)!.time).toBe(chart.candles.at(-1)!.time);
    expect(chart.position).not.toBeNull();
    expect(chart.position!.takeProfit!).toBeGreaterThan(chart.position!.entry);
    expect((await h.ok<ChartDto>('chart.get', { symbol: 'BTCUSDT', limit: 10 })).candles).toHaveLength(10);
    const unknown = await h.request('chart.get', { symbol: 'XRPUSDT' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'failed' } });
  });

  it('runs an emergency stop on the stored ledger: every position sold, every reservation gone', async () => {
    const state = await h.ok<EngineStateDto>('engine.emergencyStop', { confirm: true });
    expect(state.state).toBe('stopped');
    expect(await h.ok('positions.list')).toEqual([]);
    expect((await h.ok<AllocationDto>('allocations.get')).reservations).toEqual([]);
    expect(h.seen('log.line').some((l) => l.text.startsWith('🚨 EMERGENCY EXIT: ETHUSDT'))).toBe(true);
    const cleared = await h.ok('allocations.clearAll', { confirm: true });
    expect(cleared).toEqual({ cleared: 0, withPositions: [] });
  });

  it('refuses a second start while one runs, and stops on request', async () => {
    const more = path.join(tmp.dir, 'more');
    writeKlineCsv(more, seedScenarioCandles(11));
    await h.ok('engine.start', { mode: 'paper', market: `replay:${more}` });
    const again = await h.request('engine.start', { mode: 'paper', market: `replay:${more}` });
    // The replay may already be over; if it still runs, a second start is refused.
    if (h.host.trading) expect(again).toMatchObject({ ok: false, error: { code: 'failed' } });
    const stopped = await h.ok<EngineStateDto>('engine.stop');
    expect(stopped.state).toBe('stopped');
    const missing = await h.request('engine.start', {
      mode: 'paper',
      market: `replay:${path.join(tmp.dir, 'nowhere')}`,
    });
    expect(missing).toMatchObject({
      ok: false,
      error: { code: 'failed', message: expect.stringMatching(/does not exist/) },
    });
  });
});

describe('TradingHost: live trading needs the confirmation that names the account and the amount', () => {
  let tmp: ReturnType<typeof tempDir>;
  let h: HostHarness;
  let fake: Awaited<ReturnType<typeof startFake>>;
  beforeAll(async () => {
    tmp = tempDir();
    fake = await startFake({ BTCUSDT: 42000, ETHUSDT: 2500, BNBUSDT: 300 }, { USDT: '2000' });
    h = hostHarness(tmp.dir, {
      env: new EnvSecretStore({ BINANCE_API_KEY: API_KEY, BINANCE_API_SECRET: API_SECRET }),
      environments: { local: { restBaseUrl: fake.restUrl, streamBaseUrl: fake.wsUrl, wsApiBaseUrl: fake.wsUrl } },
    });
  });
  afterAll(async () => {
    await h.close();
    await fake.close();
    tmp.cleanup();
  });

  it('names the account (masked key) and what is at stake', async () => {
    const c = await h.ok<LiveConfirmationDto>('engine.liveConfirmation', { environment: 'local' });
    expect(c).toEqual({
      environment: 'local',
      account: `local ••••••••${API_KEY.slice(-4)}`,
      quoteAsset: 'USDT',
      balance: '2000',
      atStakePercent: 99.9,
      atStakeAmount: '1998.00',
    });
    expect(JSON.stringify(c)).not.toContain(API_KEY);
  });

  it('refuses to start without the confirmation, or with another account or amount', async () => {
    for (const confirmLive of [
      undefined,
      { account: `local ••••••••${API_KEY.slice(-4)}`, atStakeAmount: '1000.00' },
      { account: 'live ••••••••0000', atStakeAmount: '1998.00' },
    ]) {
      const r = await h.request('engine.start', {
        mode: 'live',
        environment: 'local',
        ...(confirmLive ? { confirmLive } : {}),
      });
      expect(r).toMatchObject({ ok: false, error: { code: 'confirmation-required' } });
      expect(JSON.stringify(r)).not.toContain(API_KEY);
    }
    expect(h.host.trading).toBe(false);
    const replay = await h.request('engine.start', { mode: 'live', environment: 'local', market: 'replay:/tmp' });
    expect(replay).toMatchObject({ ok: false, error: { code: 'failed', message: expect.stringMatching(/paper/) } });
  });

  it('starts with the matching confirmation, connects, and stops', async () => {
    const c = await h.ok<LiveConfirmationDto>('engine.liveConfirmation', { environment: 'local' });
    const started = await h.ok<EngineStateDto>('engine.start', {
      mode: 'live',
      environment: 'local',
      confirmLive: { account: c.account, atStakeAmount: '1998' },
    });
    expect(started).toMatchObject({ state: 'starting', mode: 'live', environment: 'local' });
    const running = await h.waitFor('engine.state', (s) => s.state === 'running' || s.state === 'error');
    expect(running.error).toBeNull();
    await h.waitFor('engine.state', (s) => s.health.userStream === 'connected');
    const stopped = await h.ok<EngineStateDto>('engine.stop');
    expect(stopped).toMatchObject({ state: 'stopped', error: null });
    expect(stopped.ledgerFile).toBe(path.join(tmp.dir, 'live-local.sqlite'));
  });
});

describeWithKeychain('TradingHost: API keys are write-only', () => {
  const KEY = 'hostTestKey0000000000000000000000000000000000000000000000000WXYZ';
  const SECRET = 'hostTestSecret000000000000000000000000000000000000000000000000S3CR';
  let tmp: ReturnType<typeof tempDir>;
  let h: HostHarness;
  let server: PermissionsServer;
  const service = testServiceName();
  beforeAll(async () => {
    tmp = tempDir();
    server = await startPermissionsServer();
    server.setKnownKey(KEY, SECRET);
    const elsewhere = { streamBaseUrl: 'ws://127.0.0.1:9', wsApiBaseUrl: 'ws://127.0.0.1:9' };
    h = hostHarness(tmp.dir, {
      keychain: new KeytarSecretStore({ service }),
      environments: {
        perm: { restBaseUrl: server.url, ...elsewhere },
        perm2: { restBaseUrl: server.url, ...elsewhere },
      },
    });
  });
  afterAll(async () => {
    await h.close();
    await server.close();
    await clearService(service);
    tmp.cleanup();
  });

  const leaks = (x: unknown) => {
    const text = JSON.stringify(x);
    return text.includes(SECRET) || text.includes(KEY) || text.includes(SECRET.slice(0, 20));
  };

  it('lists live, testnet and the configured environments, without keys at first', async () => {
    const none = (environment: string) => ({ environment, configured: false, maskedKey: null, source: null });
    expect(await h.ok<KeyStatusDto[]>('keys.status')).toEqual([
      none('live'),
      none('perm'),
      none('perm2'),
      none('testnet'),
    ]);
  });

  it('stores a key after checking its permissions, and shows it masked only', async () => {
    server.answer({ kind: 'permissions', enableWithdrawals: false, ipRestrict: true });
    const result = await h.ok<{ keys: KeyStatusDto[]; warnings: string[] }>('keys.set', {
      environment: 'perm',
      apiKey: KEY,
      apiSecret: SECRET,
    });
    expect(server.requests.at(-1)).toMatchObject({ path: '/sapi/v1/account/apiRestrictions', signatureValid: true });
    expect(result.keys).toContainEqual({
      environment: 'perm',
      configured: true,
      maskedKey: '••••••••WXYZ',
      source: 'keychain',
    });
    expect(result.warnings).toEqual([]);
    expect(leaks(result)).toBe(false);
    const status = await h.ok<KeyStatusDto[]>('keys.status');
    expect(status.find((k) => k.environment === 'perm')).toEqual({
      environment: 'perm',
      configured: true,
      maskedKey: '••••••••WXYZ',
      source: 'keychain',
    });
    expect(leaks(status)).toBe(false);
  });

  it('refuses a key that can withdraw, unless withdrawals are allowed explicitly', async () => {
    server.answer({ kind: 'permissions', enableWithdrawals: true });
    const refused = await h.request('keys.set', { environment: 'perm2', apiKey: KEY, apiSecret: SECRET });
    expect(refused).toMatchObject({ ok: false, error: { code: 'failed', message: expect.stringMatching(/withdraw/) } });
    expect(leaks(refused)).toBe(false);
    expect((await h.ok<KeyStatusDto[]>('keys.status')).find((k) => k.environment === 'perm2')?.configured).toBe(false);

    const allowed = await h.ok<{ keys: KeyStatusDto[]; warnings: string[] }>('keys.set', {
      environment: 'perm2',
      apiKey: KEY,
      apiSecret: SECRET,
      allowWithdrawals: true,
    });
    expect(allowed.warnings.join(' ')).toMatch(/can withdraw funds/);
    expect(allowed.keys.some((k) => k.environment === 'perm2' && k.configured)).toBe(true);
  });

  it('refuses a pair that is not a key before asking anyone, naming the part and not its value', async () => {
    const before = server.requests.length;
    const r = await h.request('keys.set', { environment: 'perm', apiKey: 'has spaces in it', apiSecret: SECRET });
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'failed', message: expect.stringMatching(/API key contains spaces/) },
    });
    expect(leaks(r)).toBe(false);
    expect(server.requests.length).toBe(before);
  });

  it('deletes keys; deleting a missing one fails cleanly', async () => {
    const after = await h.ok<KeyStatusDto[]>('keys.delete', { environment: 'perm2' });
    expect(after.find((k) => k.environment === 'perm2')).toEqual({
      environment: 'perm2',
      configured: false,
      maskedKey: null,
      source: null,
    });
    const again = await h.request('keys.delete', { environment: 'perm2' });
    expect(again).toMatchObject({
      ok: false,
      error: { code: 'failed', message: expect.stringMatching(/nothing deleted/) },
    });
  });

  it('never put the key or the secret in any event or log line', () => {
    expect(leaks(h.events)).toBe(false);
  });
});
