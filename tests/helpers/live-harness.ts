import { expect } from 'vitest';
import { Decimal } from '../../electron/core/money/decimal';
import path from 'node:path';
import {
  BinanceExchange,
  type BinanceExchangeOptions,
  type ExchangeHealth,
} from '../../electron/adapters/binance/binance-exchange';
import { endpointsFor } from '../../electron/adapters/binance/environments';
import type { EngineEvent } from '../../electron/core/engine/engine-events';
import { TradingEngine } from '../../electron/core/engine/trading-engine';
import { systemClock } from '../../electron/core/ports/clock';
import type { EngineTimings } from '../../electron/core/engine/timings';
import type { Candle } from '../../electron/core/ports/market-feed';
import type { ParameterSet } from '../../shared/params/schema';
import { openLedgerDatabase, type LedgerDatabase } from '../../electron/store/database';
import { SqliteLedgerStore } from '../../electron/store/sqlite-ledger-store';
import { startFakeBinance, type FakeBinance, type FakeBinanceOptions } from '../../tools/fake-binance/server';
import { ScriptedSignal } from './paper-harness';

export const API_KEY = 'contractTestKey000000000000000000000000000000000000000000000001';
export const API_SECRET = 'contractTestSecret0000000000000000000000000000000000000000000001';

export interface LiveHarness {
  fake: FakeBinance;
  exchange: BinanceExchange;
  engine: TradingEngine;
  db: LedgerDatabase;
  store: SqliteLedgerStore;
  events: EngineEvent[];
  health: ExchangeHealth[];
  signals: Map<string, ScriptedSignal>;
  /** A closed candle at the fake's current price with this signal value; waits for what it started. */
  signal(symbol: string, value: number): Promise<void>;
  /** Waits until cond() holds (polling), or fails naming what. */
  until(what: string, cond: () => boolean, ms?: number): Promise<void>;
  close(): Promise<void>;
  /** As a kill -9: the ledger file and the exchange connection are dropped now; nothing waits for the engine. */
  crash(): void;
}

export async function startFake(
  prices: Record<string, number>,
  balances: Record<string, string> = { USDT: '1000' },
  options: FakeBinanceOptions = {},
): Promise<FakeBinance> {
  const fake = await startFakeBinance({
    symbols: Object.keys(prices),
    accounts: [{ apiKey: API_KEY, apiSecret: API_SECRET, balances }],
    ...options,
  });
  for (const [s, p] of Object.entries(prices)) fake.setPrice(s, p);
  return fake;
}

/** The engine trading the local exchange through BinanceExchange and the real `binance` client. */
export async function liveHarness(
  dir: string,
  fake: FakeBinance,
  sets: ParameterSet[],
  opts: {
    requestTimeoutMs?: number;
    ledger?: string;
    timings?: Partial<EngineTimings>;
    credentials?: { apiKey: string; apiSecret: string };
    userStream?: BinanceExchangeOptions['userStream'];
  } = {},
): Promise<LiveHarness> {
  const db = openLedgerDatabase(path.join(dir, opts.ledger ?? 'live.sqlite'), { mode: 'live', environment: 'local' });
  const store = new SqliteLedgerStore(db);
  const health: ExchangeHealth[] = [];
  const exchange = new BinanceExchange({
    endpoints: endpointsFor('local', {
      restBaseUrl: fake.restUrl,
      streamBaseUrl: fake.wsUrl,
      wsApiBaseUrl: fake.wsUrl,
    }),
    credentials: opts.credentials ?? { apiKey: API_KEY, apiSecret: API_SECRET },
    symbols: sets.map((s) => s.symbol),
    requestTimeoutMs: opts.requestTimeoutMs ?? 2000,
    onHealth: (h) => health.push(h),
    userStream: { minAttemptGapMs: 200, startAttempts: 2, ...opts.userStream },
  });
  await exchange.connect();
  const events: EngineEvent[] = [];
  const signals = new Map<string, ScriptedSignal>();
  const engine = new TradingEngine({
    exchange,
    store,
    clock: systemClock,
    sets,
    quoteAsset: 'USDT',
    events: (e) => events.push(e),
    timings: {
      lookupDelaysMs: [50, 200, 500],
      unknownOutcomeWindowMs: 1500,
      retryDelaysMs: [50, 100, 200],
      exitRetryBudgetMs: 800,
      gapGraceMs: 500,
      deferredRetryMs: 500,
      ...opts.timings,
    },
    auditBalance: true,
    signalFor: (set) => {
      const s = new ScriptedSignal();
      signals.set(set.symbol, s);
      return s;
    },
  });
  await engine.start();
  // Time passes for the engine as in a live session (grace periods, deferred retries).
  const ticker = setInterval(() => engine.tick(), 50);
  const until = async (what: string, cond: () => boolean, ms = 8000) => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end)
        throw new Error(`timed out waiting for ${what}; events: ${events.map((e) => e.type).join(', ')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return {
    fake,
    exchange,
    engine,
    db,
    store,
    events,
    health,
    signals,
    until,
    signal: async (symbol, value) => {
      const now = Date.now();
      const price = fake.market.lastPrice(symbol) ?? 0;
      const c: Candle = {
        symbol,
        interval: sets.find((s) => s.symbol === symbol)!.interval,
        openTime: now - 60_000,
        closeTime: now - 1,
        open: price,
        high: price,
        low: price,
        close: price,
        volume: 1,
      };
      signals.get(symbol)!.next = value;
      await engine.onCandle(c);
      await engine.settle();
    },
    close: async () => {
      clearInterval(ticker);
      await engine.stop();
      await exchange.close();
      if (db.isOpen) db.close();
    },
    crash: () => {
      clearInterval(ticker);
      if (db.isOpen) db.close();
      void exchange.close().catch(() => undefined);
    },
  };
}

/** The types of the orders of API_KEY's account that still work (NEW or PARTIALLY_FILLED) on `symbol`, sorted. */
export function workingOrderTypes(fake: FakeBinance, symbol = 'BTCUSDT'): string[] {
  return fake
    .orders(API_KEY)
    .filter((o) => o.symbol === symbol && (o.status === 'NEW' || o.status === 'PARTIALLY_FILLED'))
    .map((o) => o.type)
    .sort();
}

/**
 * The two promises, checked against the local exchange: the ledger's quote balance equals the
 * account's; reservations never exceed the total; no client order id used twice; reservations
 * exactly for the live positions; each live position protected by two working legs.
 */
export function expectAgreement(fake: FakeBinance, x: LiveHarness): void {
  const usdt = fake.account(API_KEY).balances.USDT!;
  expect(x.engine.ledger.balance.toFixed()).toBe(new Decimal(usdt.free).add(usdt.locked).toFixed());
  expect(x.engine.ledger.totalReserved().lte(x.engine.ledger.totalBalance())).toBe(true);
  const ids = fake.orders(API_KEY).map((o) => o.clientOrderId);
  expect(new Set(ids).size).toBe(ids.length);
  const live = x.engine.ledger.openPositions();
  expect(
    x.engine.ledger
      .allReservations()
      .map((r) => r.positionId)
      .sort(),
  ).toEqual(live.map((p) => p.id).sort());
  for (const p of live) expect(workingOrderTypes(fake, p.symbol)).toHaveLength(2);
}
