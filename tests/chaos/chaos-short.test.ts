import { expect, it } from 'vitest';
import { formatFigures } from '../../tools/chaos/figures';
import { FAULT_KINDS } from '../../tools/chaos/fault-kinds';
import { runChaos } from '../../tools/chaos/run-chaos';

/**
 * The short chaos seed (docs/chaos.md): the CLI trader live against the local exchange, every
 * fault kind armed at least once, SIGKILLs and restarts, every check after every step. The long
 * run is `npm run chaos -- --symbols=10 --minutes=10000 --seed=N`.
 */
const SEED = 7;
const NEEDS_AN_OCO = new Set(['oco-canceled-outside', 'oco-expired-by-exchange', 'price-gap-through-stop']);

it(`chaos seed ${SEED}: 4 symbols, 100 market minutes, every fault kind, kills and restarts: no violation`, async () => {
  const lines: string[] = [];
  const figures = await runChaos({
    symbols: 4,
    minutes: 100,
    seed: SEED,
    killRate: 0.04,
    onProgress: (l) => lines.push(l),
  });
  const report = `${lines.join('\n')}\n${formatFigures(figures)}`;
  console.log(formatFigures(figures));
  expect(figures.violations, report).toEqual([]);
  expect(figures.violationCount, report).toBe(0);
  // The run exercised what it claims to.
  expect(figures.kills, report).toBeGreaterThanOrEqual(2);
  expect(figures.restarts, report).toBe(figures.kills);
  // Every kind, except those that need a live OCO to act on: how many positions are protected at a
  // step depends on how the trader's real-time work interleaves with the run (a kill between a
  // reservation and its buy's answer freezes that symbol's entries for 10 minutes), so a short run
  // may see none. The long run plays them all.
  for (const kind of FAULT_KINDS.filter((k) => !NEEDS_AN_OCO.has(k.name)))
    expect(figures.faults[kind.name], `${kind.name}\n${report}`).toBeGreaterThanOrEqual(1);
  expect(figures.entries, report).toBeGreaterThanOrEqual(1);
  // Closed trades vary from 0 to 20 between runs of this seed (see above): counted, not asserted.
  expect(figures.settledChecks, report).toBeGreaterThanOrEqual(5);
}, 150_000);
