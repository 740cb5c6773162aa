import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { harness, sets, type Harness } from '../helpers/paper-harness';
import { tempDir } from '../helpers/temp';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'SOLUSDT'] as const;
const START: Record<string, number> = { BTCUSDT: 40000, ETHUSDT: 2500, BNBUSDT: 300, SOLUSDT: 100 };

type Cmd =
  | { kind: 'signals'; at: Array<{ i: number; z: number }> } // candles for several symbols sent concurrently
  | { kind: 'move'; i: number; pct: number; wick: number }
  | { kind: 'emergency' };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('signals' as const),
      at: fc.array(fc.record({ i: fc.nat(3), z: fc.constantFrom(6, 6, 6, -6, 0) }), { minLength: 1, maxLength: 4 }),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('move' as const),
      i: fc.nat(3),
      pct: fc.double({ min: -0.3, max: 0.3, noNaN: true }),
      wick: fc.double({ min: 0, max: 0.05, noNaN: true }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'emergency' as const }) },
);

async function checkInvariants(h: Harness) {
  const ledger = h.engine.ledger;
  // No over-allocation.
  expect(ledger.totalReserved().lte(ledger.totalBalance())).toBe(true);
  // At most one live position per symbol, in the file as in memory.
  const live = h.store.positionsAll().filter((p) => p.status !== 'closed');
  expect(new Set(live.map((p) => p.symbol)).size).toBe(live.length);
  // A reservation exists exactly while its position is open: released on every close.
  const reserved = ledger
    .allReservations()
    .map((r) => `${r.symbol}#${r.positionId}`)
    .sort();
  expect(reserved).toEqual(live.map((p) => `${p.symbol}#${p.id}`).sort());
  // The ledger and the (paper) exchange agree, and no balance goes negative.
  expect(ledger.balance.toFixed()).toBe((await h.paper.getBalance('USDT')).toFixed());
  for (const [, b] of h.paper.allBalances()) {
    expect(b.free.isNegative()).toBe(false);
    expect(b.locked.isNegative()).toBe(false);
  }
  // Nothing the engine sent was refused for lack of balance.
  expect(h.events.filter((x) => x.e.type === 'error').map((x) => x.e)).toEqual([]);
}

describe('ledger properties over random signal / fill / close sequences', () => {
  it('never over-allocates, keeps one position per symbol, and always releases on close', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 4 }),
        fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 4, maxLength: 4 }),
        fc.integer({ min: 80, max: 100 }),
        fc.integer({ min: 100, max: 20000 }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 25 })), {
          minLength: 4,
          maxLength: 4,
        }),
        fc.array(cmd, { minLength: 5, maxLength: 60 }),
        async (n, weights, sumPct, balance, risk, cmds) => {
          const used = SYMBOLS.slice(0, n);
          const wsum = weights.slice(0, n).reduce((a, b) => a + b, 0);
          const params = sets(
            used.map((symbol, k) => ({
              symbol,
              allocationPercent: Math.max(0.5, Math.floor((weights[k]! / wsum) * sumPct * 100) / 100),
              zScoreThreshold: 5,
              profitPercent: risk[k]![0],
              stopLossPercent: risk[k]![1],
            })),
          );
          const tmp = tempDir('tranche-prop-');
          const price: Record<string, number> = { ...START };
          const h = await harness(tmp.dir, params, { balance: String(balance), prices: price });
          try {
            for (const c of cmds) {
              if (c.kind === 'signals') {
                const work = c.at
                  .filter((a) => a.i < n)
                  .map((a) => {
                    const s = used[a.i]!;
                    return h.candleNoWait(s, { h: price[s]!, l: price[s]!, c: price[s]! }, a.z);
                  });
                await Promise.all(work);
                await h.engine.settle();
              } else if (c.kind === 'move') {
                if (c.i >= n) continue;
                const s = used[c.i]!;
                const from = price[s]!;
                const to = Math.max(1, +(from * (1 + c.pct)).toFixed(2));
                const hi = +(Math.max(from, to) * (1 + c.wick)).toFixed(2);
                const lo = +(Math.min(from, to) * (1 - c.wick)).toFixed(2);
                price[s] = to;
                await h.candle(s, { o: from, h: hi, l: lo, c: to }, 0);
              } else {
                await h.engine.emergencyStop();
              }
              await checkInvariants(h);
            }
          } finally {
            h.close();
            tmp.cleanup();
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
