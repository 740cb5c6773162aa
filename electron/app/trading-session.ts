import { rmSync } from 'node:fs';
import type { ParameterSet } from '../../shared/params/schema';
import { PaperExchange } from '../adapters/paper/paper-exchange';
import type { EngineEvent, EngineEventSink } from '../core/engine/engine-events';
import { TradingEngine } from '../core/engine/trading-engine';
import type { Decimal } from '../core/money/decimal';
import { ManualClock, systemClock, type Clock } from '../core/ports/clock';
import type { FeedHealth, FeedSink, MarketFeed } from '../core/ports/market-feed';
import { newStats, realtimeSink, replaySink, type RunStats } from './feed-sinks';
import { LedgerError, openLedgerDatabase, type LedgerDatabase, type LedgerIdentity } from '../store/database';
import { SqliteLedgerStore } from '../store/sqlite-ledger-store';
import { SqlitePaperStore } from '../store/sqlite-paper-store';
import { createFeed, createRulesSource, type MarketChoice } from './market-choice';

export interface PaperSessionConfig {
  sets: readonly ParameterSet[];
  quoteAsset: string;
  market: MarketChoice;
  dbFile: string;
  /** Start the ledger over (replays only): the old ledger file is deleted first. */
  fresh?: boolean;
  balance: Decimal;
  feeRate: Decimal;
  slippageBps: number;
  onEvent: EngineEventSink;
  onHealth?: (h: FeedHealth) => void;
  /** Use the built-in symbol rules instead of asking Binance (commands that act on a stored ledger). */
  offline?: boolean;
}

/**
 * The composition root of a paper trading session: ledger file, paper exchange, market feed and
 * engine, wired together. The CLI, the headless host and the desktop app all start trading through
 * this, so paper trading behaves the same everywhere.
 */
export class PaperSession {
  readonly engine: TradingEngine;
  readonly exchange: PaperExchange;
  readonly feed: MarketFeed;
  readonly db: LedgerDatabase;
  readonly store: SqliteLedgerStore;
  private readonly clock: Clock;
  private readonly replay: boolean;
  private closed = false;

  private constructor(
    private readonly config: PaperSessionConfig,
    parts: {
      db: LedgerDatabase;
      store: SqliteLedgerStore;
      exchange: PaperExchange;
      feed: MarketFeed;
      engine: TradingEngine;
      clock: Clock;
    },
  ) {
    this.db = parts.db;
    this.store = parts.store;
    this.exchange = parts.exchange;
    this.feed = parts.feed;
    this.engine = parts.engine;
    this.clock = parts.clock;
    this.replay = config.market.kind === 'replay';
  }

  /** Opens (and locks) the ledger and builds every part. Nothing trades yet. */
  static open(config: PaperSessionConfig): PaperSession {
    const replay = config.market.kind === 'replay';
    if (config.fresh) {
      for (const suffix of ['', '-wal', '-shm']) rmSync(config.dbFile + suffix, { force: true });
    }
    // A replay's exchange is simulated and can be re-run: its ledger needs to survive kill -9, not a
    // power cut, so it skips the fsync per commit (WAL + synchronous=NORMAL).
    const db = openLedgerDatabase(config.dbFile, {
      mode: 'paper',
      environment: replay ? 'replay' : 'binance',
      durability: replay ? 'process' : 'full',
    });
    try {
      const store = new SqliteLedgerStore(db);
      const snapshot = store.load();
      const clock: Clock = replay ? new ManualClock(snapshot.cursor ?? 0) : systemClock;
      const feed = createFeed(config.market, config.onHealth);
      const market: MarketChoice = config.offline ? { kind: 'replay', dir: '' } : config.market;
      const exchange = new PaperExchange({
        store: new SqlitePaperStore(db),
        clock,
        rules: createRulesSource({
          market,
          feed,
          symbols: config.sets.map((s) => s.symbol),
          intervalOf: (symbol) => config.sets.find((s) => s.symbol === symbol)?.interval,
          onWarning: (message) => config.onEvent({ type: 'warning', message }, clock.now()),
        }),
        quoteAsset: config.quoteAsset,
        startBalance: config.balance,
        feeRate: config.feeRate,
        slippageBps: config.slippageBps,
      });
      const engine = new TradingEngine({
        exchange,
        store,
        clock,
        sets: config.sets,
        quoteAsset: config.quoteAsset,
        events: config.onEvent,
        lookupDelaysMs: [0],
      });
      store.saveParameterSets(config.sets);
      return new PaperSession(config, { db, store, exchange, feed, engine, clock });
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /** The parameter sets and quote asset saved in a ledger (for commands that act on a stored ledger). */
  static readSets(file: string, identity: LedgerIdentity): { sets: ParameterSet[]; quoteAsset: string } {
    const db = openLedgerDatabase(file, { mode: identity.mode, environment: identity.environment, readonly: true });
    try {
      const sets = new SqliteLedgerStore(db).parameterSets();
      const quoteAsset = identity.quoteAsset ?? sets[0]?.quoteAsset;
      if (sets.length === 0 || !quoteAsset)
        throw new LedgerError(`ledger ${file} holds no parameter sets: it has never traded`);
      return { sets, quoteAsset };
    } finally {
      db.close();
    }
  }

  /** Reconciles the ledger with the paper account and warms the signals. Returns the reconciliation report. */
  async start(signal: AbortSignal): Promise<string[]> {
    const report = await this.engine.start();
    if (!this.replay) {
      for (const set of this.engine.sets) {
        let history;
        try {
          history = await this.feed.warmup(
            { symbol: set.symbol, interval: set.interval },
            set.lookback + set.movingAverages + 1,
            signal,
          );
        } catch (e) {
          if (signal.aborted) break; // Ctrl+C while Binance was unreachable
          throw e;
        }
        for (const c of history) {
          this.engine.warm(c);
          this.exchange.setPrice(c.symbol, c.close, c.closeTime);
        }
      }
    }
    return report;
  }

  /** Runs the market feed through the paper exchange and the engine until it ends or is aborted. */
  async run(signal: AbortSignal): Promise<RunStats> {
    const started = performance.now();
    // The cursor: close time of the last candle whose effects are in the ledger (0 = none yet).
    const stored = this.engine.ledger.cursor ?? 0;
    const cursor = this.replay && stored > 0 ? stored : undefined;
    const stats = newStats(cursor);
    const onHealth = (h: FeedHealth) => this.config.onHealth?.(h);
    const sink: FeedSink = this.replay
      ? replaySink(this.engine, this.exchange, this.clock as ManualClock, cursor, stats, onHealth)
      : realtimeSink(this.engine, this.exchange, stats, onHealth);
    const subs = this.engine.sets.map((s) => ({ symbol: s.symbol, interval: s.interval }));
    await this.feed.run(subs, sink, signal);
    await this.engine.settle();
    if (this.replay && stats.lastTime !== undefined) this.engine.ledger.setCursor(stats.lastTime);
    stats.elapsedMs = performance.now() - started;
    return stats;
  }

  /** Stops new entries, waits for orders in flight, saves prices, releases the ledger. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.engine.stop();
      this.exchange.flush();
    } finally {
      this.db.close();
    }
  }
}

export type { EngineEvent, RunStats };
