import type { RequestMatch } from '../fake-binance/faults';
import type { FakeBinance } from '../fake-binance/server';

/**
 * Every fault the local exchange can play (tools/fake-binance/faults.ts and the server's actions as
 * Binance or another client), each armed with seeded random parameters. A fault says how long it
 * may keep the trader from placing or learning about orders (`blocksMs`): the protection check
 * gives the trader its 5 s only after that (a held request cannot be answered sooner than the
 * client's 10 s timeout, whatever the trader does). Faults that last are undone after a few steps.
 */

export interface FaultContext {
  fake: FakeBinance;
  apiKey: string;
  random: () => number;
  symbols: readonly string[];
  /** Live OCOs the trader's ledger shows: symbol and list client order id. */
  liveOcos: () => { symbol: string; listClientOrderId: string; stopLimitPrice: number | undefined }[];
  /** Gaps the next price of a symbol down to `price` (the market walk carries on from its own price). */
  gapPrice: (symbol: string, price: number) => void;
}

interface ArmedFault {
  detail: string;
  /** How long the trader may be kept from placing or learning about orders (ms). */
  blocksMs: number;
  /** Until this long from now an order may still appear late or events be delayed: the ledger cannot agree yet. */
  unsettlesMs?: number;
  /** Undo after this many steps (latency, clock skew, stream chaos, liquidity, refused streams). */
  lasts?: { steps: number; undo: () => void };
}

export interface FaultKind {
  name: string;
  /** Arms the fault; undefined when it cannot apply now (e.g. no OCO to cancel): tried again later. */
  arm(ctx: FaultContext): ArmedFault | undefined;
}

const REQUEST_TIMEOUT_MS = 10_000; // the trader's REST timeout (BinanceExchange's default)
/** An OCO that could not be placed (outcome unknown, refused, rate limited) is tried again this much later (EngineTimings.deferredRetryMs). */
const DEFERRED_RETRY_MS = 10_000;
/** A failed OCO placement: the engine's own retries, then the deferred retry. */
const OCO_RETRY_MS = DEFERRED_RETRY_MS + 4000;
const ORDER: RequestMatch = { method: 'POST', path: '/api/v3/order' };
const OCO: RequestMatch = { method: 'POST', path: '/api/v3/orderList/oco' };
const CANCEL_OCO: RequestMatch = { method: 'DELETE', path: '/api/v3/orderList' };
const LOOKUP: RequestMatch = { method: 'GET', path: '/api/v3/order' };

const int = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
const where = (m: RequestMatch): string => `${m.method ?? 'any'} ${m.path ?? 'any path'}`;

export const FAULT_KINDS: readonly FaultKind[] = [
  {
    name: 'rest-5xx-before-accept',
    arm: ({ fake, random }) => {
      const match = pick(random, [ORDER, OCO, CANCEL_OCO, LOOKUP, {}]);
      const status = pick(random, [500, 502, 503]);
      const n = int(random, 1, 2);
      fake.faults.failNext(match, n, { status });
      return { detail: `${n} x HTTP ${status} (-1008) on ${where(match)}`, blocksMs: OCO_RETRY_MS };
    },
  },
  {
    name: 'rest-5xx-after-accept',
    arm: ({ fake, random }) => {
      const match = pick(random, [ORDER, OCO, CANCEL_OCO]);
      fake.faults.failNext(match, 1, { afterAccept: true });
      return { detail: `-1007 after the request was accepted, on ${where(match)}`, blocksMs: OCO_RETRY_MS };
    },
  },
  {
    name: 'late-execution',
    arm: ({ fake, random }) => {
      const ms = int(random, 500, 3000);
      const match = pick(random, [ORDER, OCO]);
      fake.faults.failNext(match, 1, { executeAfterMs: ms });
      return {
        detail: `-1007 at once, executed ${ms} ms later (empty first look-ups), on ${where(match)}`,
        blocksMs: ms + OCO_RETRY_MS,
        unsettlesMs: ms + 2000,
      };
    },
  },
  {
    name: 'held-answer-after-accept',
    arm: ({ fake, random }) => {
      const match = pick(random, [ORDER, OCO, CANCEL_OCO]);
      fake.faults.timeoutNext(match, 1, { afterAccept: true, holdMs: REQUEST_TIMEOUT_MS + 2000 });
      return {
        detail: `answer held past the timeout (order accepted), on ${where(match)}`,
        blocksMs: REQUEST_TIMEOUT_MS + OCO_RETRY_MS,
        unsettlesMs: REQUEST_TIMEOUT_MS + 4000,
      };
    },
  },
  {
    name: 'held-request-never-processed',
    arm: ({ fake, random }) => {
      const match = pick(random, [ORDER, OCO, CANCEL_OCO]);
      fake.faults.timeoutNext(match, 1, { afterAccept: false, holdMs: REQUEST_TIMEOUT_MS + 2000 });
      return {
        detail: `request held past the timeout and never processed, on ${where(match)}`,
        blocksMs: REQUEST_TIMEOUT_MS + OCO_RETRY_MS,
        unsettlesMs: REQUEST_TIMEOUT_MS + 4000,
      };
    },
  },
  {
    name: 'held-then-late-execution',
    arm: ({ fake, random }) => {
      const ms = int(random, 1000, 4000);
      const match = pick(random, [ORDER, OCO]);
      fake.faults.timeoutNext(match, 1, { executeAfterMs: ms, holdMs: REQUEST_TIMEOUT_MS + 2000 });
      return {
        detail: `answer held, order placed ${ms} ms later, on ${where(match)}`,
        blocksMs: REQUEST_TIMEOUT_MS + OCO_RETRY_MS,
        unsettlesMs: REQUEST_TIMEOUT_MS + 4000,
      };
    },
  },
  {
    name: 'rest-429',
    arm: ({ fake, random }) => {
      const n = int(random, 1, 3);
      const s = int(random, 1, 2);
      fake.faults.rateLimitNext(n, { status: 429, retryAfterSeconds: s });
      return { detail: `${n} x HTTP 429 (Retry-After ${s} s) on any request`, blocksMs: s * 1000 * n + OCO_RETRY_MS };
    },
  },
  {
    name: 'rest-418',
    arm: ({ fake, random }) => {
      const s = int(random, 1, 3);
      fake.faults.rateLimitNext(1, { status: 418, retryAfterSeconds: s });
      return { detail: `HTTP 418 IP ban (Retry-After ${s} s) on the next request`, blocksMs: s * 1000 + OCO_RETRY_MS };
    },
  },
  {
    name: 'latency',
    arm: ({ fake, random }) => {
      const ms = int(random, 200, 1500);
      const steps = int(random, 2, 6);
      fake.faults.setLatency(ms, {});
      return {
        detail: `${ms} ms latency on every REST request for ${steps} steps`,
        blocksMs: 3000,
        lasts: { steps, undo: () => fake.faults.setLatency(0, {}) },
      };
    },
  },
  {
    name: 'oco-rejected',
    arm: ({ fake, random }) => {
      const n = int(random, 1, 2);
      const code = pick(random, [-2010, -1013] as const);
      fake.faults.rejectNextOco(n, { code });
      return { detail: `the next ${n} OCO(s) rejected with ${code}`, blocksMs: OCO_RETRY_MS };
    },
  },
  {
    name: 'clock-skew',
    arm: ({ fake, random }) => {
      const ms = (random() < 0.5 ? -1 : 1) * int(random, 500, 3000);
      const steps = int(random, 3, 10);
      fake.faults.setClockSkew(ms);
      return {
        detail: `exchange clock ${ms} ms off for ${steps} steps`,
        blocksMs: 4000,
        lasts: { steps, undo: () => fake.faults.setClockSkew(0) },
      };
    },
  },
  {
    name: 'partial-fill-market',
    arm: ({ fake, random }) => {
      const side = pick(random, ['BUY', 'SELL'] as const);
      const fraction = Math.round((0.2 + 0.7 * random()) * 100) / 100;
      fake.faults.partialFillNextMarket(fraction, side);
      return { detail: `the next MARKET ${side} fills ${fraction} and EXPIRES`, blocksMs: 0 };
    },
  },
  {
    name: 'split-market',
    arm: ({ fake, random }) => {
      const side = pick(random, ['BUY', 'SELL'] as const);
      const pieces = int(random, 2, 5);
      const ticks = int(random, 0, 3);
      fake.faults.splitNextMarket(pieces, side, ticks);
      return { detail: `the next MARKET ${side} fills in ${pieces} trades ${ticks} ticks apart`, blocksMs: 0 };
    },
  },
  {
    name: 'resting-liquidity',
    arm: ({ fake, random, symbols }) => {
      const symbol = pick(random, symbols);
      const price = fake.market.lastPrice(symbol) ?? 100;
      const qty = Number(((20 + 60 * random()) / price).toPrecision(2));
      const steps = int(random, 2, 8);
      fake.faults.setRestingLiquidity(qty, symbol);
      return {
        detail: `${symbol}: each price event fills at most ${qty} of a resting order, for ${steps} steps`,
        blocksMs: 0,
        lasts: { steps, undo: () => fake.faults.setRestingLiquidity(undefined, symbol) },
      };
    },
  },
  {
    name: 'user-stream-disorder',
    arm: ({ fake, random }) => {
      const steps = int(random, 2, 8);
      const chaos = {
        seed: int(random, 1, 1_000_000),
        shuffle: random() < 0.7,
        delayMs: [0, int(random, 0, 300)] as const,
        duplicate: Math.round(random() * 30) / 100,
        balanceFirst: random() < 0.5,
      };
      fake.faults.setUserStreamChaos(chaos);
      return {
        detail: `user data events shuffled/delayed/duplicated (${JSON.stringify(chaos)}) for ${steps} steps`,
        blocksMs: 1000,
        lasts: { steps, undo: () => fake.faults.setUserStreamChaos(undefined) },
      };
    },
  },
  {
    name: 'user-events-dropped',
    arm: ({ fake, random }) => {
      const n = int(random, 1, 3);
      fake.faults.dropNextUserEvents(n);
      return { detail: `the next ${n} user data event(s) lost`, blocksMs: 0 };
    },
  },
  {
    name: 'ws-api-rate-limited',
    arm: ({ fake, random }) => {
      const status = pick(random, [429, 418] as const);
      const ms = int(random, 500, 2500);
      fake.faults.rateLimitWsApiNext(1, { status, retryAfterMs: ms });
      fake.wsApi.dropAll(); // the resubscription meets it
      return {
        detail: `WS API connection dropped, its next request answered ${status} (retryAfter +${ms} ms)`,
        blocksMs: ms + OCO_RETRY_MS,
      };
    },
  },
  {
    name: 'ws-upgrade-refused',
    arm: ({ fake, random }) => {
      const status = 503; // a 429 upgrade refusal pauses the trader for a minute or more, by design
      const n = int(random, 1, 2);
      fake.faults.refuseWsUpgradeNext(n, status);
      fake.dropAllSockets();
      return {
        detail: `every socket dropped, the next ${n} WS API upgrade(s) refused with HTTP ${status}`,
        blocksMs: 12_000,
      };
    },
  },
  {
    name: 'sockets-dropped',
    arm: ({ fake }) => {
      fake.dropAllSockets();
      return { detail: 'every market stream and WS API socket dropped', blocksMs: 5000 };
    },
  },
  {
    name: 'streams-refused',
    arm: ({ fake, random }) => {
      const steps = int(random, 1, 3);
      fake.setStreamsAccepting(false);
      fake.dropAllSockets();
      return {
        detail: `every socket dropped, new ones refused (503) for ${steps} steps`,
        blocksMs: 8000,
        lasts: { steps, undo: () => fake.setStreamsAccepting(true) },
      };
    },
  },
  {
    name: 'server-shutdown',
    arm: ({ fake, random }) => {
      const ms = int(random, 200, 2000);
      const marketStreams = random() < 0.5;
      fake.sendServerShutdown(ms, { marketStreams });
      return {
        detail: `serverShutdown sent (WS API closed after ${ms} ms, market streams told: ${marketStreams})`,
        blocksMs: ms + OCO_RETRY_MS,
      };
    },
  },
  {
    name: 'user-stream-terminated',
    arm: ({ fake, apiKey }) => {
      const n = fake.terminateUserStreams(apiKey);
      return { detail: `eventStreamTerminated on ${n} subscription(s)`, blocksMs: 6000 };
    },
  },
  {
    name: 'oco-canceled-outside',
    arm: ({ fake, apiKey, random, liveOcos }) => {
      const ocos = liveOcos();
      if (ocos.length === 0 || fake.faults.pendingUserEventDrops > 0) return undefined;
      const o = pick(random, ocos);
      fake.cancelOrderListAsOtherClient(apiKey, o.symbol, o.listClientOrderId);
      return { detail: `${o.symbol}: OCO ${o.listClientOrderId} canceled by another client`, blocksMs: 0 };
    },
  },
  {
    name: 'oco-expired-by-exchange',
    arm: ({ fake, apiKey, random, liveOcos }) => {
      const ocos = liveOcos();
      if (ocos.length === 0 || fake.faults.pendingUserEventDrops > 0) return undefined;
      const o = pick(random, ocos);
      const reason = pick(random, ['EXCHANGE_CANCELED', 'EXPIRED_IN_MATCH'] as const);
      fake.expireOrderList(apiKey, o.symbol, o.listClientOrderId, reason);
      return { detail: `${o.symbol}: OCO ${o.listClientOrderId} expired by the exchange (${reason})`, blocksMs: 0 };
    },
  },
  {
    name: 'price-gap-through-stop',
    arm: ({ random, liveOcos, gapPrice }) => {
      const ocos = liveOcos().filter((o) => o.stopLimitPrice !== undefined);
      if (ocos.length === 0) return undefined;
      const o = pick(random, ocos);
      const price = o.stopLimitPrice! * (1 - 0.002 - 0.01 * random());
      gapPrice(o.symbol, price);
      return {
        detail: `${o.symbol}: the price gapped to ${price.toPrecision(6)}, below the stop's limit`,
        blocksMs: 0,
      };
    },
  },
];
