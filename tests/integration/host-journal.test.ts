import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvSecretStore } from '../../electron/adapters/secrets/env-secret-store';
import type { EngineStateDto, LiveConfirmationDto, LogLineDto } from '../../shared/ipc/contract';
import type { FakeBinance } from '../../tools/fake-binance/server';
import { FakeMarket5m } from '../helpers/fake-market';
import { hostHarness, type HostHarness } from '../helpers/host';
import { API_KEY, API_SECRET, startFake } from '../helpers/live-harness';
import { tempDir } from '../helpers/temp';

/**
 * What a run said survives it: the engine's errors and warnings are journaled in the ledger with its
 * orders and fills, and a host started again on the same data folder shows them in its log view.
 */
describe('TradingHost: the log view after a restart', () => {
  let tmp: ReturnType<typeof tempDir>;
  let fake: FakeBinance;
  let market: FakeMarket5m;
  const hosts: HostHarness[] = [];
  const open = () => {
    const h = hostHarness(tmp.dir, {
      env: new EnvSecretStore({ BINANCE_API_KEY: API_KEY, BINANCE_API_SECRET: API_SECRET }),
      environments: { local: { restBaseUrl: fake.restUrl, streamBaseUrl: fake.wsUrl, wsApiBaseUrl: fake.wsUrl } },
    });
    hosts.push(h);
    return h;
  };
  beforeAll(async () => {
    tmp = tempDir();
    fake = await startFake({ BTCUSDT: 42000, ETHUSDT: 2500, BNBUSDT: 300 }, { USDT: '2000' });
    market = new FakeMarket5m(fake, { BTCUSDT: 42000, ETHUSDT: 2500, BNBUSDT: 300 });
  });
  afterAll(async () => {
    for (const h of hosts) await h.close();
    await fake.close();
    tmp.cleanup();
  });

  it("shows the previous run's engine error and its orders and fills", async () => {
    const first = open();
    const c = await first.ok<LiveConfirmationDto>('engine.liveConfirmation', { environment: 'local' });
    await first.ok<EngineStateDto>('engine.start', {
      mode: 'live',
      environment: 'local',
      confirmLive: { account: c.account, atStakeAmount: c.atStakeAmount },
    });
    await first.waitFor('engine.state', (s) => s.state === 'running' && s.health.userStream === 'connected', 15_000);
    await fake.waitForSubscriber('btcusdt@kline_5m');
    fake.faults.failNext({ method: 'POST', path: '/api/v3/orderList/oco' }, 1, { status: 503 });
    market.jump('BTCUSDT', 0.02);
    const error = await first.waitFor('log.line', (l) => /the OCO's outcome is unknown/.test(l.text), 15_000);
    await first.waitFor('log.line', (l) => /OCO placed: BTCUSDT/.test(l.text), 20_000);
    await first.ok('engine.stop');
    await first.close();
    hosts.length = 0;

    const second = open();
    const recent = await second.ok<LogLineDto[]>('log.recent', { limit: 5000 });
    const journaled = recent.find((l) => l.level === 'error' && l.text.includes("the OCO's outcome is unknown"));
    expect(journaled).toMatchObject({ symbol: 'BTCUSDT' });
    expect(Date.parse(journaled!.time)).toBeCloseTo(Date.parse(error.time), -4);
    expect(recent.some((l) => /^fill: bought [\d.]+ at [\d.]+/.test(l.text) && l.symbol === 'BTCUSDT')).toBe(true);
    expect(recent.some((l) => /^order: OCO placed/.test(l.text))).toBe(true);
  }, 60_000);
});
