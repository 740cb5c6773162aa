import path from 'node:path';
import { PaperExchange, type PaperExchangeOptions } from '../../electron/adapters/paper/paper-exchange';
import type { EngineEvent } from '../../electron/core/engine/engine-events';
import { TradingEngine } from '../../electron/core/engine/trading-engine';
import { IMMEDIATE_TIMINGS } from '../../electron/core/engine/timings';
import { Decimal } from '../../electron/core/money/decimal';
import { ManualClock } from '../../electron/core/ports/clock';
import type { Candle } from '../../electron/core/ports/market-feed';
import type { LedgerStore } from '../../electron/core/ports/ledger-store';
import type { SignalModel } from '../../electron/core/signal/signal-model';
import { validateParameterFile, type ParameterSet, type ParameterSetInput } from '../../shared/params/schema';
import { openLedgerDatabase, type LedgerDatabase } from '../../electron/store/database';
import { SqliteLedgerStore } from '../../electron/store/sqlite-ledger-store';
import { SqlitePaperStore } from '../../electron/store/sqlite-paper-store';
import { usdtRules } from './rules';

/** A signal whose value the test sets before each candle. */
export class ScriptedSignal implements SignalModel {
  readonly warmupCandles = 0;
  value = NaN;
  rawZ = NaN;
  next = NaN;
  get ready(): boolean {
    return !Number.isNaN(this.value);
  }
  update(): number {
    this.value = this.next;
    this.rawZ = this.next;
    return this.value;
  }
}

export interface Harness {
  engine: TradingEngine;
  paper: PaperExchange;
  clock: ManualClock;
  db: LedgerDatabase;
  store: SqliteLedgerStore;
  events: Array<{ e: EngineEvent; t: number }>;
  signals: Map<string, ScriptedSignal>;
  sets: ParameterSet[];
  /** Sends a closed 1m candle (matching first, then the signal) and waits for what it started. */
  candle(symbol: string, ohlc: { o?: number; h: number; l: number; c: number }, signal?: number): Promise<void>;
  /** Same, without waiting: for concurrent signals. */
  candleNoWait(
    symbol: string,
    ohlc: { o?: number; h: number; l: number; c: number },
    signal?: number,
  ): void | Promise<void>;
  types(): string[];
  close(): void;
}

export function sets(inputs: ParameterSetInput[]): ParameterSet[] {
  const v = validateParameterFile({ parameterSets: inputs.map((s) => ({ interval: '1m', ...s })) });
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return v.sets;
}

export async function harness(
  dir: string,
  parameterSets: ParameterSet[],
  opts: {
    balance?: string;
    exchange?: (o: PaperExchangeOptions) => PaperExchange;
    prices?: Record<string, number>;
    rules?: Record<string, ReturnType<typeof usdtRules>>;
    /** Wraps the ledger store the engine writes to (crash simulation). */
    wrapStore?: (s: SqliteLedgerStore) => LedgerStore;
  } = {},
): Promise<Harness> {
  const db = openLedgerDatabase(path.join(dir, 'ledger.sqlite'), { mode: 'paper', environment: 'replay' });
  const store = new SqliteLedgerStore(db);
  const clock = new ManualClock(Date.parse('2024-01-15T10:00:00Z'));
  const paperOpts: PaperExchangeOptions = {
    store: new SqlitePaperStore(db),
    clock,
    rules: async (s) => opts.rules?.[s] ?? usdtRules(s),
    quoteAsset: 'USDT',
    startBalance: new Decimal(opts.balance ?? '1000'),
    feeRate: new Decimal('0.001'),
    slippageBps: 5,
  };
  const paper = opts.exchange ? opts.exchange(paperOpts) : new PaperExchange(paperOpts);
  for (const [s, p] of Object.entries(opts.prices ?? {})) paper.setPrice(s, p, clock.now());
  const events: Array<{ e: EngineEvent; t: number }> = [];
  const signals = new Map<string, ScriptedSignal>();
  const engine = new TradingEngine({
    exchange: paper,
    store: opts.wrapStore ? opts.wrapStore(store) : store,
    clock,
    sets: parameterSets,
    quoteAsset: 'USDT',
    events: (e, t) => events.push({ e, t }),
    timings: IMMEDIATE_TIMINGS,
    signalFor: (set) => {
      const s = new ScriptedSignal();
      signals.set(set.symbol, s);
      return s;
    },
  });
  await engine.start();
  const send = (symbol: string, ohlc: { o?: number; h: number; l: number; c: number }, signal = 0) => {
    clock.set(clock.now() + 60_000);
    const c: Candle = {
      symbol,
      interval: '1m',
      openTime: clock.now() - 59_999,
      closeTime: clock.now(),
      open: ohlc.o ?? ohlc.c,
      high: ohlc.h,
      low: ohlc.l,
      close: ohlc.c,
      volume: 1,
    };
    signals.get(symbol)!.next = signal;
    paper.onCandle(c);
    return engine.onCandle(c);
  };
  return {
    engine,
    paper,
    clock,
    db,
    store,
    events,
    signals,
    sets: parameterSets,
    candle: async (s, o, sig) => {
      await send(s, o, sig);
      await engine.settle();
    },
    candleNoWait: send,
    types: () => events.map((x) => x.e.type),
    close: () => {
      if (db.isOpen) db.close();
    },
  };
}
