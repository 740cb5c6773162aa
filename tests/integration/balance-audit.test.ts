import { describe, expect, it } from 'vitest';
import { API_KEY } from '../helpers/live-harness';
import { useLiveExchange } from '../helpers/live-suite';

/**
 * The balance check (BalanceCheck, through the engine against the local exchange): the ledger's
 * quote balance moves only by booked fills, so money that moved outside Tranche (a deposit, a
 * withdrawal) shows only as a difference from the exchange's balance. A difference that survives a
 * re-read of the working orders is adopted: logged in the ledger, told as 'balance-divergence',
 * and the new balance told.
 */
describe('the balance check against the exchange', () => {
  const live = useLiveExchange();

  it('a deposit outside Tranche is adopted: told with both figures and the difference, logged, the new balance told; once', async () => {
    const x = await live.start();
    live.fake.setBalance(API_KEY, 'USDT', '1250.5');
    await x.engine.checkBalance();
    expect(x.events.filter((e) => e.type === 'balance-divergence')).toEqual([
      {
        type: 'balance-divergence',
        quoteAsset: 'USDT',
        ledger: '1000',
        exchange: '1250.5',
        message:
          'the exchange holds 1250.5 USDT, the ledger had booked 1000 (difference 250.5): a deposit, a withdrawal or a trade outside Tranche; the ledger now follows the exchange',
      },
    ]);
    expect(x.engine.ledger.balance.toFixed()).toBe('1250.5');
    expect(x.events.at(-1)).toMatchObject({ type: 'balance', quoteBalance: '1250.5', totalBalance: '1250.5' });
    expect(x.store.events().map((e) => e.message)).toContain(
      'quote balance 1000 -> 1250.5 USDT (differed from the booked 1000)',
    );
    // Checked again: the figures agree now, nothing more is told.
    await x.engine.checkBalance();
    expect(x.events.filter((e) => e.type === 'balance-divergence')).toHaveLength(1);
    // A later deposit is seen by a later check.
    live.fake.setBalance(API_KEY, 'USDT', '1300');
    await x.engine.checkBalance();
    expect(x.events.filter((e) => e.type === 'balance-divergence').map((e) => e.exchange)).toEqual(['1250.5', '1300']);
    expect(x.engine.ledger.balance.toFixed()).toBe('1300');
  });

  it('a withdrawal outside Tranche: the difference is negative and the ledger follows it down', async () => {
    const x = await live.start();
    live.fake.setBalance(API_KEY, 'USDT', '600');
    await x.engine.checkBalance();
    const told = x.events.filter((e) => e.type === 'balance-divergence');
    expect(told).toHaveLength(1);
    expect(told[0]!.message).toMatch(/holds 600 USDT, the ledger had booked 1000 \(difference -400\)/);
    expect(x.engine.ledger.balance.toFixed()).toBe('600');
  });

  it('figures that agree change nothing and tell nothing', async () => {
    const x = await live.start();
    const before = x.events.length;
    await x.engine.checkBalance();
    expect(x.events.slice(before).filter((e) => e.type === 'balance-divergence' || e.type === 'balance')).toEqual([]);
    expect(x.engine.ledger.balance.toFixed()).toBe('1000');
  });

  it('a recheck looks at the balance again shortly after, by itself', async () => {
    const x = await live.start();
    live.fake.setBalance(API_KEY, 'USDT', '1100');
    await x.engine.recheck();
    expect(x.events.some((e) => e.type === 'balance-divergence')).toBe(false); // not at once: debounced
    await x.until('the scheduled check', () => x.events.some((e) => e.type === 'balance-divergence'), 5000);
    expect(x.engine.ledger.balance.toFixed()).toBe('1100');
  });

  it('an exchange that cannot tell the balance: a warning, and the ledger keeps its figure', async () => {
    const x = await live.start();
    live.fake.setBalance(API_KEY, 'USDT', '1100');
    live.fake.faults.failNext({ method: 'GET', path: '/api/v3/account' }, 20, { status: 503 });
    await x.engine.checkBalance();
    expect(x.events.filter((e) => e.type === 'warning').map((e) => e.message)).toContainEqual(
      expect.stringMatching(/^could not check the USDT balance against the exchange: /),
    );
    expect(x.events.some((e) => e.type === 'balance-divergence')).toBe(false);
    expect(x.engine.ledger.balance.toFixed()).toBe('1000');
  });
});
