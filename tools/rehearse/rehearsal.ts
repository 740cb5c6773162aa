import { rmSync } from 'node:fs';
import path from 'node:path';
import type { ParameterSet } from '../../shared/params/schema';
import { endpointsFor } from '../../electron/adapters/binance/environments';
import { TradingSession, type SessionConfig } from '../../electron/app/trading-session';
import type { EngineEvent } from '../../electron/core/engine/engine-events';
import type { ClosedTrade } from '../../electron/core/ledger/records';
import { Decimal } from '../../electron/core/money/decimal';
import { mulberry32 } from '../candles/synthetic';
import { EXAMPLE_ACCOUNT } from '../fake-binance/accounts';
import { startFakeBinance, type FakeBinance } from '../fake-binance/server';
import { armRandomFault, type FaultTally } from './random-faults';

/**
 * A rehearsal: the trader's parameter sets on a recorded market, three ways, through the one
 * engine:
 *  - `replay`: the replay feed and the paper exchange (what a backtest does);
 *  - `paper`: paper trading on the local exchange playing the same market (re-stamped to now,
 *    traded within each candle), through the real `binance` client's streams;
 *  - `live`: live trading on the local exchange's account, every order through the `binance`
 *    client over real sockets, optionally with the local exchange's faults switched on.
 * The market is played one candle at a time, each only once the engine has acted on the one
 * before (its orders answered, its fills reported), so the three see one price path. With the same
 * intrabar rule and fill amounts in both simulators (electron/adapters/paper/intrabar.ts,
 * market-fills.ts) the trade lists are equal to the last decimal, faults off.
 */

export type RunKind = 'replay' | 'paper' | 'live';

export interface RehearsalOptions {
  sets: readonly ParameterSet[];
  quoteAsset: string;
  /** Folder of Binance kline CSV files (<SYMBOL>-<interval>-*.csv). */
  marketDir: string;
  /** Where the three ledgers go (each run starts from an empty one). */
  workDir: string;
  balance: Decimal;
  /** Commission as a fraction, maker and taker (the paper exchange has one rate). */
  feeRate: Decimal;
  /** Market orders pay this many basis points beyond the price (the local exchange's slippage). */
  slippageBps: number;
  runs?: readonly RunKind[];
  /** Switch the local exchange's faults on (live run only), seeded. */
  faults?: { seed: number; everyCandles?: number };
  onProgress?: (run: RunKind, played: number, total: number) => void;
  onEvent?: (run: RunKind, e: EngineEvent) => void;
}

interface RehearsedTrade {
  symbol: string;
  entryPrice: string;
  quantity: string;
  exitPrice: string;
  exitReason: string;
  pnl: string;
  /** Recorded (market) time of the entry: replays only; on the local exchange, the time it happened. */
  entryTime: string;
}

export interface RunResult {
  kind: RunKind;
  trades: RehearsedTrade[];
  candles: number;
  /** Warnings and errors the engine gave. */
  warnings: string[];
  /** Positions still open at the end. */
  open: string[];
  finalQuote: string;
}

export interface RehearsalResult {
  runs: RunResult[];
  /** What the re-stamp added to the recorded times on the local exchange. */
  shiftMs: number;
  /** Per run other than the first: where its trade list differs from the first run's (empty = equal). */
  differences: Record<string, string[]>;
  faults?: FaultTally;
}

/** How long the player waits for the engine to finish what a candle started before playing on. */
const QUIET_MS = 30_000;

/** Fields compared between runs: everything but the entry time (replays keep market time). */
const COMPARED: readonly (keyof RehearsedTrade)[] = [
  'symbol',
  'entryPrice',
  'quantity',
  'exitPrice',
  'exitReason',
  'pnl',
];

export async function rehearse(o: RehearsalOptions): Promise<RehearsalResult> {
  const kinds = o.runs ?? ['replay', 'paper', 'live'];
  const runs: RunResult[] = [];
  let shiftMs = 0;
  let faults: FaultTally | undefined;
  for (const kind of kinds) {
    if (kind === 'replay') runs.push(await replayRun(o));
    else {
      const r = await exchangeRun(o, kind);
      runs.push(r.result);
      shiftMs = r.shiftMs;
      faults ??= r.faults;
    }
  }
  const differences: Record<string, string[]> = {};
  for (const r of runs.slice(1)) differences[r.kind] = compareTrades(runs[0]!.trades, r.trades);
  return { runs, shiftMs, differences, ...(faults ? { faults } : {}) };
}

/**
 * Where two trade lists differ, symbol by symbol, trade by trade and field by field. Trades of
 * different symbols that close on one candle may be listed in either order (a take-profit within
 * the candle, a reversal at its close), so the lists are compared per symbol.
 */
function compareTrades(a: readonly RehearsedTrade[], b: readonly RehearsedTrade[]): string[] {
  const out: string[] = [];
  const symbols = [...new Set([...a, ...b].map((t) => t.symbol))].sort();
  for (const symbol of symbols) {
    const xs = a.filter((t) => t.symbol === symbol);
    const ys = b.filter((t) => t.symbol === symbol);
    for (let i = 0; i < Math.max(xs.length, ys.length); i++) {
      const x = xs[i];
      const y = ys[i];
      if (!x || !y) {
        out.push(`${symbol} trade ${i + 1}: only in ${x ? 'the first' : 'the second'} list`);
        continue;
      }
      for (const f of COMPARED) if (x[f] !== y[f]) out.push(`${symbol} trade ${i + 1} ${f}: ${x[f]} vs ${y[f]}`);
    }
  }
  return out;
}

function rehearsed(t: ClosedTrade): RehearsedTrade {
  return {
    symbol: t.symbol,
    entryPrice: t.entryPrice.toFixed(),
    quantity: t.quantity.toFixed(),
    exitPrice: t.exitPrice.toFixed(),
    exitReason: t.exitReason,
    pnl: t.pnl.toFixed(8),
    entryTime: t.entryTime,
  };
}

/** Every run starts from an empty ledger of its own. */
function freshLedger(o: RehearsalOptions, kind: RunKind): string {
  const file = path.join(o.workDir, `rehearse-${kind}.sqlite`);
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}.lock`]) rmSync(f, { force: true });
  return file;
}

function baseConfig(o: RehearsalOptions, kind: RunKind, warnings: string[]): Omit<SessionConfig, 'venue' | 'market'> {
  return {
    sets: o.sets,
    quoteAsset: o.quoteAsset,
    dbFile: freshLedger(o, kind),
    onEvent: (e) => {
      if (e.type === 'warning' || e.type === 'error') warnings.push(e.message);
      o.onEvent?.(kind, e);
    },
  };
}

function paperVenue(o: RehearsalOptions): SessionConfig['venue'] {
  return { kind: 'paper', balance: o.balance, feeRate: o.feeRate, slippageBps: o.slippageBps };
}

function finish(kind: RunKind, session: TradingSession, candles: number, warnings: string[]): RunResult {
  const quote = session.engine.ledger.balance;
  return {
    kind,
    trades: session.store.trades().map(rehearsed),
    candles,
    warnings,
    open: session.engine.ledger.openPositions().map((p) => p.symbol),
    finalQuote: quote.toFixed(),
  };
}

async function replayRun(o: RehearsalOptions): Promise<RunResult> {
  const warnings: string[] = [];
  const session = TradingSession.open({
    ...baseConfig(o, 'replay', warnings),
    venue: paperVenue(o),
    market: { kind: 'replay', dir: o.marketDir },
  });
  const abort = new AbortController();
  try {
    await session.start(abort.signal);
    const stats = await session.run(abort.signal);
    o.onProgress?.('replay', stats.candles, stats.candles);
    return finish('replay', session, stats.candles, warnings);
  } finally {
    await session.close();
  }
}

/** Candles the live warm-up asks for, less one: the candle that completes it is played (as a replay trades on it). */
function historyCandles(sets: readonly ParameterSet[]): number {
  return Math.max(0, ...sets.map((s) => s.lookback + s.movingAverages));
}

async function exchangeRun(
  o: RehearsalOptions,
  kind: 'paper' | 'live',
): Promise<{ result: RunResult; shiftMs: number; faults?: FaultTally }> {
  const symbols = [...new Set(o.sets.map((s) => s.symbol))];
  const interval = o.sets[0]!.interval;
  if (o.sets.some((s) => s.interval !== interval))
    throw new Error('a rehearsal plays one interval: every parameter set must use the same interval');
  const fake = await startFakeBinance({
    symbols,
    accounts: [{ ...EXAMPLE_ACCOUNT, balances: { [o.quoteAsset]: o.balance.toFixed() } }],
    commission: { maker: o.feeRate.toFixed(), taker: o.feeRate.toFixed() },
    slippage: o.slippageBps / 10_000,
    market: {
      kind: 'replay',
      dir: o.marketDir,
      interval,
      historyCandles: historyCandles(o.sets),
      restamp: true,
      trades: true,
      autoStart: false,
    },
  });
  const warnings: string[] = [];
  let seen = 0;
  const venue: SessionConfig['venue'] =
    kind === 'paper'
      ? paperVenue(o)
      : {
          kind: 'live',
          endpoints: endpointsFor('rehearsal', {
            restBaseUrl: fake.restUrl,
            streamBaseUrl: fake.wsUrl,
            wsApiBaseUrl: fake.wsUrl,
          }),
          credentials: { apiKey: EXAMPLE_ACCOUNT.apiKey, apiSecret: EXAMPLE_ACCOUNT.apiSecret! },
        };
  const session = TradingSession.open({
    ...baseConfig(o, kind, warnings),
    venue,
    market: { kind: 'binance', restBaseUrl: fake.restUrl, wsBaseUrl: fake.wsUrl },
    observer: { candle: () => void seen++ },
  });
  const abort = new AbortController();
  const tally: FaultTally | undefined = o.faults && kind === 'live' ? {} : undefined;
  let running: Promise<unknown> | undefined;
  try {
    await session.start(abort.signal);
    running = session.run(abort.signal);
    for (const s of symbols) await fake.waitForSubscriber(`${s.toLowerCase()}@kline_${interval}`);
    const driver = fake.driver!;
    const total = driver.remaining;
    let played = 0;
    const random = o.faults ? mulberry32(o.faults.seed) : undefined;
    while (driver.remaining > 0) {
      if (random && tally && played % (o.faults!.everyCandles ?? 100) === 0) armRandomFault(fake, random, tally);
      const before = driver.remaining;
      const expected = seen + symbols.length;
      // The candle's trades first, and whatever they fill reported, then its close (the signal).
      driver.tradeNext!();
      await quiet(session, fake, kind);
      driver.advance(1);
      played += before - driver.remaining;
      await until(() => seen >= expected, 10_000, 'the engine to see the candle');
      await quiet(session, fake, kind);
      o.onProgress?.(kind, played, total);
    }
    await quiet(session, fake, kind);
    return {
      result: finish(kind, session, played, warnings),
      shiftMs: driver.shiftMs,
      ...(tally ? { faults: tally } : {}),
    };
  } finally {
    abort.abort();
    await running?.catch(() => undefined);
    await session.close();
    await fake.close();
  }
}

/**
 * Waits until the engine has nothing in flight and, live, the ledger agrees with the exchange: a
 * position for each symbol with a working order list, none for one without.
 */
async function quiet(session: TradingSession, fake: FakeBinance, kind: 'paper' | 'live'): Promise<void> {
  const deadline = Date.now() + QUIET_MS;
  for (;;) {
    const settled = await Promise.race([
      session.engine.settle().then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), Math.max(0, deadline - Date.now()))),
    ]);
    if (settled && (kind === 'paper' || agrees(session, fake))) return;
    if (Date.now() >= deadline) {
      return; // the engine resolves it later (a look-up, its minute re-check); the market goes on
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

function agrees(session: TradingSession, fake: FakeBinance): boolean {
  const working = new Set(
    fake.engine
      .allOrders()
      .filter((o) => o.status === 'NEW' || o.status === 'PARTIALLY_FILLED')
      .map((o) => o.symbol),
  );
  const held = new Set(
    session.engine.ledger
      .openPositions()
      .filter((p) => p.status === 'protected')
      .map((p) => p.symbol),
  );
  // A buy whose answer was lost ('opening') is looked up for up to 10 minutes of real time (the
  // engine's unknown-outcome window): the market plays on meanwhile, its reservation held.
  const pending = session.engine.ledger.openPositions().some((p) => p.status !== 'protected' && p.status !== 'opening');
  return !pending && working.size === held.size && [...working].every((s) => held.has(s));
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`rehearsal: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
