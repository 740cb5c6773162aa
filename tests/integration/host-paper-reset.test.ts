import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AllocationDto } from '../../shared/ipc/contract';
import { useHostOnLocalMarket } from '../helpers/host-suite';

/** The paper account starts over with a new balance, after a confirmation, never while it trades. */
describe('TradingHost: resetting the paper account', () => {
  const suite = useHostOnLocalMarket();

  it('refused while trading; then the paper ledger is deleted and the next session starts with the new balance', async () => {
    const { h, fake, market, dir } = suite;
    await h.ok('engine.start', { mode: 'paper', market: 'binance' });
    await h.waitFor('engine.state', (s) => s.state === 'running', 15_000);
    await fake.waitForSubscriber('btcusdt@kline_5m');
    market.jump('BTCUSDT', 0.02);
    await h.waitFor('log.line', (l) => /OCO placed: BTCUSDT/.test(l.text), 15_000);
    expect(await h.request('paper.reset', { balance: '5000', confirm: true })).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/stop trading first/) },
    });
    // Without the confirmation the contract refuses it before the host sees it.
    expect(await h.request('paper.reset', { balance: '5000' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input' },
    });
    await h.ok('engine.stop');
    const file = path.join(dir, 'paper.sqlite');
    expect(existsSync(file)).toBe(true);
    const reset = await h.ok<{ file: string; balance: string; closedPositions: number }>('paper.reset', {
      balance: '5000',
      confirm: true,
    });
    expect(reset).toEqual({ file, balance: '5000', closedPositions: 1 });
    expect(existsSync(file)).toBe(false);
    await h.ok('engine.start', { mode: 'paper', market: 'binance' });
    await h.waitFor('engine.state', (s) => s.state === 'running', 15_000);
    let a = await h.ok<AllocationDto>('allocations.get');
    for (let i = 0; i < 100 && Number(a.totalBalance) === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      a = await h.ok<AllocationDto>('allocations.get');
    }
    expect(Number(a.totalBalance)).toBe(5000);
    expect(a.reservations).toEqual([]);
    await h.ok('engine.stop');
  }, 60_000);
});
