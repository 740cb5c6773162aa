import { describe, expect, it } from 'vitest';
import { API_KEY } from '../helpers/live-harness';
import { useLiveExchange } from '../helpers/live-suite';

/**
 * Found by the chaos run (seed 7, 6 symbols): the user data stream's report of an entry buy arrived
 * after the position it opened had already been protected, exited and closed (the buy was booked
 * from the REST answer). It was taken for "a buy that executed after it was taken as never
 * executed": a second position was made of coins already sold, its OCO refused for insufficient
 * balance, and it was closed "outside Tranche" at -100 %, the ledger's balance short by the buy's
 * cost until a balance check adopted the difference.
 */
describe('a late report of a buy whose position has closed', () => {
  const live = useLiveExchange();

  it('is not adopted as a new position: one trade, no phantom position, the balance agrees', async () => {
    const x = await live.start();
    // Every user data event arrives 1.5 s late: the REST answers book the buy, the OCO and the sale first.
    live.fake.faults.setUserStreamChaos({ seed: 1, delayMs: [1500, 1500] });
    await x.signal('BTCUSDT', 6);
    expect(x.engine.ledger.position('BTCUSDT')?.status).toBe('protected');
    await x.signal('BTCUSDT', -6); // reversal: cancel the OCO, sell at market
    await x.until('the exit', () => x.engine.ledger.position('BTCUSDT') === undefined);
    // The delayed reports (the buy's FILLED among them) arrive now.
    await new Promise((r) => setTimeout(r, 2500));
    await x.engine.settle();
    expect(x.engine.ledger.position('BTCUSDT')).toBeUndefined();
    expect(x.store.trades().map((t) => t.exitReason)).toEqual(['reversal']);
    expect(x.events.filter((e) => e.type === 'error').map((e) => (e as { message: string }).message)).toEqual([]);
    expect(live.fake.orderRequests().filter((r) => r.path === '/api/v3/orderList/oco')).toHaveLength(1);
    expect(live.fake.orders(API_KEY).filter((o) => o.side === 'BUY')).toHaveLength(1);
    live.fake.faults.setUserStreamChaos(undefined);
    live.agree(x);
  });
});
