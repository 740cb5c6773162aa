import { describe, expect, it } from 'vitest';
import { API_KEY } from '../helpers/live-harness';
import { sets } from '../helpers/paper-harness';
import { BTC_SET as BTC, useLiveExchange } from '../helpers/live-suite';

/**
 * Saved parameter sets reach a running engine (TradingEngine.updateSets): the next entry uses the
 * new allocation and percents, a set disabled while running never enters again but its position is
 * still followed (its reversal exit too), open positions keep the take-profit and stop-loss their
 * OCO was placed with, and what the running signal cannot follow waits for the next start.
 */
describe('parameter changes while the engine runs', () => {
  const live = useLiveExchange();

  it('the next entry uses the new allocation and take-profit; the open position keeps its OCO', async () => {
    const ETH = { ...BTC, symbol: 'ETHUSDT' };
    const x = await live.start({ prices: { BTCUSDT: 40000, ETHUSDT: 2500 }, sets: [BTC, ETH] });
    await x.signal('BTCUSDT', 6);
    const btc = x.engine.ledger.position('BTCUSDT')!;
    const tpBefore = btc.takeProfitPrice!.toFixed();
    const u = x.engine.updateSets(
      sets([
        { ...BTC, profitPercent: 30 },
        { ...ETH, allocationPercent: 10, profitPercent: 5 },
      ]),
    );
    expect(u).toEqual({ applied: ['BTCUSDT', 'ETHUSDT'], paused: [], later: [] });
    await x.signal('ETHUSDT', 6);
    const eth = x.engine.ledger.position('ETHUSDT')!;
    const reserved = x.engine.getAllocationStatus().reservations.find((r) => r.symbol === 'ETHUSDT')!;
    expect(reserved.reservedAmount).toBeCloseTo(0.1 * x.engine.getAllocationStatus().totalBalance, 1);
    expect(eth.takeProfitPrice!.toNumber()).toBeCloseTo(eth.avgPrice.toNumber() * 1.05, 1);
    // BTC's OCO was placed before the change: unchanged, on the exchange too.
    expect(x.engine.ledger.position('BTCUSDT')!.takeProfitPrice!.toFixed()).toBe(tpBefore);
    const btcTp = live.fake.orders(API_KEY).find((o) => o.symbol === 'BTCUSDT' && o.type === 'LIMIT_MAKER')!;
    expect(Number(btcTp.price)).toBe(Number(tpBefore));
    expect(x.store.parameterSets().find((s) => s.symbol === 'ETHUSDT')!.allocationPercent).toBe(10);
    live.agree(x);
  });

  it('a set disabled while running never enters again; its open position is still followed to its reversal exit', async () => {
    const ETH = { ...BTC, symbol: 'ETHUSDT' };
    const x = await live.start({ prices: { BTCUSDT: 40000, ETHUSDT: 2500 }, sets: [BTC, ETH] });
    await x.signal('BTCUSDT', 6);
    const u = x.engine.updateSets(
      sets([
        { ...BTC, enabled: false },
        { ...ETH, enabled: false },
      ]),
    );
    expect(u).toMatchObject({ applied: [], paused: ['BTCUSDT', 'ETHUSDT'] });
    await x.signal('ETHUSDT', 9);
    expect(x.engine.ledger.position('ETHUSDT')).toBeUndefined();
    expect(x.events.some((e) => e.type === 'skip' && e.symbol === 'ETHUSDT' && e.reason === 'paused')).toBe(true);
    expect(live.fake.orders(API_KEY).some((o) => o.symbol === 'ETHUSDT')).toBe(false);
    await x.signal('BTCUSDT', -6);
    await x.until('the reversal exit', () => x.engine.ledger.position('BTCUSDT') === undefined);
    expect(x.store.trades()[0]!.exitReason).toBe('reversal');
    // Enabled again, it enters again.
    x.engine.updateSets(sets([BTC, ETH]));
    await x.signal('ETHUSDT', 9);
    expect(x.engine.ledger.position('ETHUSDT')?.status).toBe('protected');
    live.agree(x);
  });

  it('what the running signal cannot follow waits for the next start, and is said', async () => {
    const x = await live.start();
    const u = x.engine.updateSets(
      sets([
        { ...BTC, lookback: 50 },
        { ...BTC, symbol: 'SOLUSDT' },
      ]),
    );
    expect(u.applied).toEqual(['BTCUSDT']);
    expect(u.later).toEqual([
      'BTCUSDT: interval, lookback and movingAverages change at the next start (the running signal keeps 1m, 20, 1)',
      'SOLUSDT: not traded by this session; it starts trading at the next start',
    ]);
  });
});
