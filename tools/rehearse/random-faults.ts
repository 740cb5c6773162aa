import type { FakeBinance } from '../fake-binance/server';

/** How many faults of each kind a rehearsal armed. */
export type FaultTally = Record<string, number>;

const ORDER = { method: 'POST', path: '/api/v3/order' } as const;
const OCO = { method: 'POST', path: '/api/v3/orderList/oco' } as const;

/**
 * The local exchange's faults a rehearsal switches on, one at a time at random: what real Binance
 * does that a trader's own market never shows (lost answers, 5xx, rate limits, refused OCOs,
 * partial and split fills, thin resting liquidity, user stream events out of order, late,
 * duplicated or lost, a refused WebSocket, clock skew).
 */
const MENU: Record<string, (fake: FakeBinance, r: () => number) => void> = {
  'order answer lost (accepted)': (f) => f.faults.timeoutNext(ORDER, 1, { holdMs: 1500 }),
  'order 503 before accepting': (f) => f.faults.failNext(ORDER, 1, { status: 503 }),
  'order 503 after accepting': (f) => f.faults.failNext(ORDER, 1, { status: 503, afterAccept: true }),
  'order executed late': (f) => f.faults.failNext(ORDER, 1, { executeAfterMs: 800 }),
  'OCO answer lost': (f) => f.faults.timeoutNext(OCO, 1, { holdMs: 1500 }),
  'REST 429': (f) => f.faults.rateLimitNext(1, { retryAfterSeconds: 1 }),
  'OCO refused': (f) => f.faults.rejectNextOco(1),
  'market buy partly filled': (f, r) => f.faults.partialFillNextMarket(0.3 + 0.6 * r(), 'BUY'),
  'market sale split': (f, r) => f.faults.splitNextMarket(2 + Math.floor(3 * r()), 'SELL', 1),
  'thin resting liquidity': (f, r) => f.faults.setRestingLiquidity(r() < 0.5 ? 0.001 : undefined),
  'user stream shuffled and late': (f, r) =>
    f.faults.setUserStreamChaos(
      r() < 0.7 ? { seed: Math.floor(r() * 2 ** 31), shuffle: true, delayMs: [0, 200], duplicate: 0.1 } : undefined,
    ),
  'user stream events lost': (f) => f.faults.dropNextUserEvents(1),
  'WS API 429': (f) => f.faults.rateLimitWsApiNext(1, { retryAfterMs: 1000 }),
  'WebSocket upgrade refused': (f) => f.faults.refuseWsUpgradeNext(1, 503),
  'clock skew': (f, r) => f.faults.setClockSkew(Math.round((r() - 0.5) * 1500)),
};

const FAULT_KINDS: readonly string[] = Object.keys(MENU);

/** Arms one fault chosen at random and counts it. */
export function armRandomFault(fake: FakeBinance, random: () => number, tally: FaultTally): string {
  const kind = FAULT_KINDS[Math.floor(random() * FAULT_KINDS.length)]!;
  MENU[kind]!(fake, random);
  tally[kind] = (tally[kind] ?? 0) + 1;
  return kind;
}
