import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineStateDto } from '../../shared/ipc/contract';
import { startFakeBinance, type FakeBinance } from '../../tools/fake-binance/server';
import { hostHarness, type HostHarness } from '../helpers/host';
import { tempDir } from '../helpers/temp';

/**
 * The UI's Stop (engine.stop) is honoured while the session cannot reach its market data: the
 * start is abandoned at once and the state is 'stopped', not stuck in 'starting' or 'stopping'.
 */
describe('TradingHost: Stop while connecting', () => {
  let tmp: ReturnType<typeof tempDir>;
  let fake: FakeBinance;
  let h: HostHarness;
  beforeEach(async () => {
    tmp = tempDir();
    fake = await startFakeBinance({ symbols: ['BTCUSDT', 'ETHUSDT', 'BNBUSDT'] });
    for (const [s, p] of Object.entries({ BTCUSDT: 42000, ETHUSDT: 2500, BNBUSDT: 300 })) fake.setPrice(s, p);
    h = hostHarness(tmp.dir, { market: { restBaseUrl: fake.restUrl, wsBaseUrl: fake.wsUrl } });
  });
  afterEach(async () => {
    await h.close();
    await fake.close();
    tmp.cleanup();
  });

  it('paper on live data, market streams refusing (503): Stop ends the start within a few seconds', async () => {
    fake.setStreamsAccepting(false);
    await h.ok<EngineStateDto>('engine.start', { mode: 'paper' });
    await h.waitFor('log.line', (l) => /Market data unreachable/.test(l.text), 10_000);
    // Never live this session: the UI offers a replay or the local exchange beside the retries.
    const state = await h.waitFor('engine.state', (s) => s.health.marketData === 'reconnecting', 10_000);
    expect(state.health.marketEverLive).toBe(false);
    const t = Date.now();
    const stopped = await h.ok<EngineStateDto>('engine.stop');
    expect(Date.now() - t).toBeLessThan(3000);
    expect(stopped.state).toBe('stopped');
    expect(stopped.error).toBeNull();
  }, 20_000);

  it('market data that was live and then drops is a reconnect, not "Binance cannot be reached"', async () => {
    await h.ok<EngineStateDto>('engine.start', { mode: 'paper' });
    await h.waitFor('engine.state', (s) => s.health.marketData === 'live', 15_000);
    fake.setStreamsAccepting(false);
    fake.dropAllSockets();
    const state = await h.waitFor('engine.state', (s) => s.health.marketData === 'reconnecting', 15_000);
    expect(state.health.marketEverLive).toBe(true);
    await h.ok<EngineStateDto>('engine.stop');
  }, 30_000);
});
