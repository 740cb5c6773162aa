import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EngineStateDto } from '../../shared/ipc/contract';
import { runCliAsync } from '../helpers/cli';
import { useHostOnLocalMarket } from '../helpers/host-suite';

/**
 * The header's ledger while nothing trades (engine.status `viewing`): its open-position count is
 * kept between status requests and read again when the ledger's files change, also when another
 * process (the CLI's emergency stop) changed them.
 */
describe('TradingHost: the ledger the views show while stopped', () => {
  const suite = useHostOnLocalMarket();

  it('counts the open positions of the stored ledger, and follows a change made by another process', async () => {
    const { h, fake, market, dir } = suite;
    await h.ok('engine.start', { mode: 'paper', market: 'binance' });
    await h.waitFor('engine.state', (s) => s.state === 'running', 15_000);
    await fake.waitForSubscriber('btcusdt@kline_5m');
    market.jump('BTCUSDT', 0.02);
    await h.waitFor('log.line', (l) => /OCO placed: BTCUSDT/.test(l.text), 15_000);
    await h.ok('engine.stop');
    const file = path.join(dir, 'paper.sqlite');
    const viewing = async () => (await h.ok<EngineStateDto>('engine.status')).viewing;
    expect(await viewing()).toEqual({ file, mode: 'paper', environment: 'binance', openPositions: 1 });
    expect(await viewing()).toMatchObject({ openPositions: 1 });
    const r = await runCliAsync(['emergency-stop', `--db=${file}`]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await viewing()).toEqual({ file, mode: 'paper', environment: 'binance', openPositions: 0 });
  });
});
