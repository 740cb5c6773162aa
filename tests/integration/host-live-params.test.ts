import { describe, expect, it } from 'vitest';
import { EnvSecretStore } from '../../electron/adapters/secrets/env-secret-store';
import type { LiveConfirmationDto } from '../../shared/ipc/contract';
import { useHostOnLocalMarket } from '../helpers/host-suite';
import { API_KEY, API_SECRET } from '../helpers/live-harness';

/**
 * Saving parameter sets in the desktop host while it trades: the answer says exactly what applies,
 * the next entry uses the new allocation, and a set disabled meanwhile never enters.
 */
describe('TradingHost: saving parameter sets while trading', () => {
  const suite = useHostOnLocalMarket({
    balances: { USDT: '2000' },
    host: (fake) => ({
      env: new EnvSecretStore({ BINANCE_API_KEY: API_KEY, BINANCE_API_SECRET: API_SECRET }),
      environments: { local: { restBaseUrl: fake.restUrl, streamBaseUrl: fake.wsUrl, wsApiBaseUrl: fake.wsUrl } },
    }),
  });

  it('the next entry uses the saved allocation; a disabled set never enters; the answer says so', async () => {
    const { h, fake, market } = suite;
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
