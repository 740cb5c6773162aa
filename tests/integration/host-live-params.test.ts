import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvSecretStore } from '../../electron/adapters/secrets/env-secret-store';
import type { LiveConfirmationDto } from '../../shared/ipc/contract';
import type { FakeBinance } from '../../tools/fake-binance/server';
import { FakeMarket5m } from '../helpers/fake-market';
import { hostHarness, type HostHarness } from '../helpers/host';
import { API_KEY, API_SECRET, startFake } from '../helpers/live-harness';
import { tempDir } from '../helpers/temp';

/**
 * Saving parameter sets in the desktop host while it trades: the answer says exactly what applies,
 * the next entry uses the new allocation, and a set disabled meanwhile never enters.
 */
describe('TradingHost: saving parameter sets while trading', () => {
  let tmp: ReturnType<typeof tempDir>;
  let fake: FakeBinance;
  let market: FakeMarket5m;
  let h: HostHarness;
  const START = { BTCUSDT: 42000, ETHUSDT: 2500, BNBUSDT: 300 };
  beforeAll(async () => {
    tmp = tempDir();
    fake = await startFake(START, { USDT: '2000' });
    market = new FakeMarket5m(fake, START);
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

  it('the next entry uses the saved allocation; a disabled set never enters; the answer says so', async () => {
    const c = await h.ok<LiveConfirmationDto>('engine.liveConfirmation', { environment: 'local' });
    await h.ok('engine.start', {
      mode: 'live',
      environment: 'local',
      confirmLive: { account: c.account, atStakeAmount: c.atStakeAmount },
    });
    await h.waitFor('engine.state', (s) => s.state === 'running' && s.health.userStream === 'connected', 15_000);
    await fake.waitForSubscriber('ethusdt@kline_5m');
    const { sets } = await h.ok<{ sets: Array<Record<string, unknown>> }>('params.get');
    const changed = sets.map((s) =>
      s.symbol === 'BTCUSDT' ? { ...s, allocationPercent: 10 } : s.symbol === 'ETHUSDT' ? { ...s, enabled: false } : s,
    );
    const saved = await h.ok<{ saved: boolean; message: string }>('params.save', { sets: changed });
    expect(saved.saved).toBe(true);
    expect(saved.message).toBe(
      'Parameter sets saved. New entries use them now (BTCUSDT, BNBUSDT); no new entries in ETHUSDT (disabled); open positions keep their take-profit and stop-loss.',
    );
    market.jump('ETHUSDT', 0.02);
    market.jump('BTCUSDT', 0.02);
    await h.waitFor('log.line', (l) => /OCO placed: BTCUSDT/.test(l.text), 15_000);
    const reserved = await h.waitFor('log.line', (l) => /^💼 Reserved .* for BTCUSDT/.test(l.text));
    expect(reserved.text).toBe('💼 Reserved $200.00 (10%) for BTCUSDT');
    await h.waitFor('log.line', (l) =>
      /ETHUSDT's parameter set is disabled \(paused\), skipping buy signal/.test(l.text),
    );
    expect(fake.orders(API_KEY).some((o) => o.symbol === 'ETHUSDT')).toBe(false);
    await h.ok('engine.stop');
  }, 60_000);
});
