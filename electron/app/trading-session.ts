import type { Candle } from '../core/ports/market-feed';
import { SessionLog } from './session-log';
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { ParameterSet } from '../../shared/params/schema';
import { BinanceExchange, type BinanceCredentials, type ExchangeHealth } from '../adapters/binance/binance-exchange';
import type { BinanceEndpoints } from '../adapters/binance/environments';
import { PaperExchange } from '../adapters/paper/paper-exchange';
import type { EngineEventSink } from '../core/engine/engine-events';
import { TradingEngine } from '../core/engine/trading-engine';
import { IMMEDIATE_TIMINGS } from '../core/engine/timings';
import type { Decimal } from '../core/money/decimal';
import { ManualClock, systemClock, type Clock } from '../core/ports/clock';
import type { Exchange } from '../core/ports/exchange';
import type { FeedHealth, FeedSink, MarketFeed } from '../core/ports/market-feed';
import {
  LedgerError,
  ledgerOwnerPid,
  openLedgerDatabase,
  type LedgerDatabase,
  type LedgerIdentity,
} from '../store/database';
import { SqliteLedgerStore } from '../store/sqlite-ledger-store';
import { SqlitePaperStore } from '../store/sqlite-paper-store';
import { ControlChannel } from './control-server';
import {
  newStats,
  observedSink,
  realtimeSink,
  replaySink,
  tellObserver,
  type MarketObserver,
  type RunStats,
} from './feed-sinks';
import { createFeed, createRulesSource, type MarketChoice } from './market-choice';
import { checkMarketData } from './session-plan';
import type { AlertDispatcher } from './alerts/alert-dispatcher';
import { alertForEvent, alertForExchange } from './alerts/alert-rules';

/** How often a live session re-checks the ledger against the exchange. */
const RECHECK_MS = 60_000;
/** How often a live session reads the symbols' rules again (status, flags, filters). */
const RULES_REFRESH_MS = 10 * 60_000;
/** How often a real-time session lets time pass for the engine (grace periods, deferred retries). */
const TICK_MS = 1000;

interface PaperVenue {
  kind: 'paper';
  balance: Decimal;
  feeRate: Decimal;
  slippageBps: number;
}

export interface LiveVenue {
  kind: 'live';
  endpoints: BinanceEndpoints;
  credentials: BinanceCredentials;
  onExchangeHealth?: (h: ExchangeHealth) => void;
}

export interface SessionConfig {
  venue: PaperVenue | LiveVenue;
  sets: readonly ParameterSet[];
  quoteAsset: string;
  /** Market data: for live trading always the venue's own Binance environment. */
  market: MarketChoice;
  dbFile: string;
  /** Start the ledger over (replays only): the old ledger file is deleted first. */
  fresh?: boolean;
  onEvent: EngineEventSink;
  onHealth?: (h: FeedHealth) => void;
  /** Use the built-in symbol rules instead of asking Binance (paper commands on a stored ledger). */
  offline?: boolean;
  /** How long a triggered stop-limit may rest unfilled below the market before it is sold at market (default 10 s). */
  stopGraceMs?: number;
  /** Sees every closed candle (with its signal) and trade price the engine sees: the desktop host's charts. */
  observer?: MarketObserver;
  /**
   * The owner's emergency stop, run when another process asks for one over the ledger's control
   * channel (npm run emergencyStop). Default: engine.emergencyStop().
   */
  emergencyStop?: () => Promise<void>;
  /**
   * Where alerts go (Telegram, a webhook): entries, exits, errors, bans and corrections, queued and
   * sent in the background, never holding up the engine. Sessions on live prices only (a replay
   * would send one per simulated trade). Closed with the session.
   */
  alerts?: AlertDispatcher;
  /**
   * The folder of the session's log file (session-log.ts): default `logs/` beside the ledger (the
   * data folder's); false for none. Replays have none: their ledger's journal is their record, and
   * a line per simulated candle would slow them down.
   */
  logDir?: string | false;
}

/**
 * The composition root of a trading session: ledger file, exchange (paper or Binance), market feed
 * and engine, wired together. The CLI, the headless host and the desktop app all trade through
 * this. Paper and live differ only in the exchange adapter built here.
 */
export class TradingSession {
  private closed = false;

  private constructor(
    private readonly config: SessionConfig,
    readonly db: LedgerDatabase,
    readonly store: SqliteLedgerStore,
    readonly exchange: Exchange,
    readonly paper: PaperExchange | undefined,
    readonly feed: MarketFeed,
    readonly engine: TradingEngine,
    private readonly clock: Clock,
    private readonly control: ControlChannel | undefined,
    /** The data folder's log file (sessions on live prices). */
    readonly log: SessionLog | undefined,
  ) {}

  get replay(): boolean {
    return this.config.market.kind === 'replay';
  }

  /** Opens (and locks) the ledger and builds every part. Nothing trades yet. */
  static open(config: SessionConfig): TradingSession {
    const replay = config.market.kind === 'replay';
    const live = config.venue.kind === 'live' ? config.venue : undefined;
    if (live && replay) throw new Error('live trading runs on live market data, not a replay');
    // Before any file is created: a replay without data opens no ledger.
    if (!config.offline) checkMarketData(config.market, config.sets);
    if (config.fresh) {
      if (!replay)
        throw new Error('--fresh starts a replay ledger over; it is refused for ledgers that trade on live prices');
      // Never delete a ledger another process is trading on.
      const owner = ledgerOwnerPid(config.dbFile);
      if (owner !== undefined) {
        throw new LedgerError(
          `ledger ${config.dbFile} is in use by another Tranche process (pid ${owner}); stop it before starting over with --fresh`,
        );
      }
      for (const suffix of ['', '-wal', '-shm']) rmSync(config.dbFile + suffix, { force: true });
    }
    // A replay's exchange is simulated and can be re-run: its ledger needs to survive kill -9, not a
    // power cut, so it skips the fsync per commit (WAL + synchronous=NORMAL).
    const db = openLedgerDatabase(config.dbFile, {
      mode: live ? 'live' : 'paper',
      environment: live ? live.endpoints.name : replay ? 'replay' : 'binance',
      // Live prices (paper or live): commits return once in the WAL and are fsynced just after, so
      // the fsync never delays an order (see Durability in store/database.ts).
      durability: replay ? 'process' : 'background',
      ...(config.market.kind === 'replay' && !config.offline ? { market: `replay:${config.market.dir}` } : {}),
    });
    // The control channel (control-server.ts) sees the engine's events, to stream an emergency stop.
    let control: ControlChannel | undefined;
    const alerts = replay ? undefined : config.alerts;
    const logDir = config.logDir ?? (replay ? false : path.join(path.dirname(path.resolve(config.dbFile)), 'logs'));
    const log = logDir
      ? SessionLog.open({ dir: logDir }, (message) => config.onEvent({ type: 'warning', message }, Date.now()))
      : undefined;
    const onEvent: EngineEventSink = (e, t) => {
      config.onEvent(e, t);
      log?.event(e, t);
      control?.event(e, t);
      if (alerts) {
        const a = alertForEvent(e, t);
        if (a) alerts.push(a);
      }
    };
    try {
      const store = new SqliteLedgerStore(db);
      const snapshot = store.load();
      const clock: Clock = replay ? new ManualClock(snapshot.cursor ?? 0) : systemClock;
      const feed = createFeed(config.market, (h) => {
        config.onHealth?.(h);
        log?.line(h.state === 'reconnecting' ? 'warn' : 'info', `market data ${h.state}`, { health: h });
      });
      let exchange: Exchange;
      let paper: PaperExchange | undefined;
      if (config.venue.kind === 'paper') {
        const market: MarketChoice = config.offline ? { kind: 'replay', dir: '' } : config.market;
        paper = new PaperExchange({
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
          startBalance: config.venue.balance,
          feeRate: config.venue.feeRate,
          slippageBps: config.venue.slippageBps,
        });
        exchange = paper;
      } else {
        exchange = new BinanceExchange({
          endpoints: config.venue.endpoints,
          credentials: config.venue.credentials,
          symbols: config.sets.map((s) => s.symbol),
          onHealth: (h) => {
            live?.onExchangeHealth?.(h);
            const a = alerts ? alertForExchange(h, Date.now()) : undefined;
            if (a) alerts!.push(a);
          },
        });
      }
      const engine = new TradingEngine({
        exchange,
        store,
        clock,
        sets: config.sets,
        quoteAsset: config.quoteAsset,
        events: onEvent,
        // The paper exchange answers at once and never loses an answer: no look-up waits.
        timings: {
          ...(paper ? IMMEDIATE_TIMINGS : {}),
          ...(config.stopGraceMs ? { gapGraceMs: config.stopGraceMs } : {}),
        },
        // A replay's account is simulated in step with the ledger; live prices get the balance check.
        auditBalance: !replay,
      });
      store.saveParameterSets(config.sets);
      control = ControlChannel.open({
        db,
        openPositions: () => engine.ledger.openPositions(),
        emergencyStop: config.emergencyStop ?? (() => engine.emergencyStop()),
        warn: (message) => config.onEvent({ type: 'warning', message }, clock.now()),
      });
      return new TradingSession(config, db, store, exchange, paper, feed, engine, clock, control, log);
    } catch (e) {
      void log?.close();
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

  /**
   * Connects the exchange (live), reconciles the ledger with it, and warms the signals. Returns the
   * reconciliation report. No entry happens before this resolves.
   */
  async start(signal: AbortSignal): Promise<string[]> {
    // Recent candles first: the paper exchange needs today's prices before reconciliation may sell.
    const history: Candle[][] = [];
    if (!this.replay) {
      // Every set at once: one after the other, a slow link (1 s a request) made the start take
      // two requests' time per set before anything was reconciled. In set order afterwards.
      const warmed = await Promise.allSettled(
        this.config.sets
          .filter((s) => s.enabled)
          .map((set) =>
            this.feed.warmup(
              { symbol: set.symbol, interval: set.interval },
              set.lookback + set.movingAverages + 1,
              signal,
            ),
          ),
      );
      for (const w of warmed) {
        if (w.status === 'fulfilled') history.push(w.value);
        else if (!signal.aborted) throw w.reason; // (aborted: Ctrl+C while Binance was unreachable)
      }
      for (const c of history.flat()) this.paper?.setPrice(c.symbol, c.close, c.closeTime);
    }
    const report = await this.connect(signal);
    const observer = this.config.observer;
    for (const c of history.flat()) {
      this.engine.warm(c);
      if (observer) tellObserver(observer, this.engine, c);
    }
    return report;
  }

  /** Connects the exchange (live) and reconciles the ledger with it, without market data. */
  async connect(signal?: AbortSignal): Promise<string[]> {
    if (this.exchange instanceof BinanceExchange) await this.exchange.connect(signal);
    const report = await this.engine.start();
    for (const line of report) this.log?.line('info', line, { reconciliation: true });
    return report;
  }

  /** Runs the market feed through the engine (and the paper exchange) until it ends or is aborted. */
  async run(signal: AbortSignal): Promise<RunStats> {
    const started = performance.now();
    // The cursor: close time of the last candle whose effects are in the ledger (0 = none yet).
    const stored = this.engine.ledger.cursor ?? 0;
    const cursor = this.replay && stored > 0 ? stored : undefined;
    const stats = newStats(cursor);
    const onHealth = (h: FeedHealth) => this.config.onHealth?.(h);
    const paper = this.paper;
    const traded: FeedSink =
      this.replay && paper
        ? replaySink(
            this.engine,
            paper,
            this.clock as ManualClock,
            cursor,
            stats,
            onHealth,
            this.engine.ledger.cursorSymbol,
          )
        : realtimeSink(this.engine, stats, paper, onHealth);
    const sink = this.config.observer ? observedSink(traded, this.engine, this.config.observer) : traded;
    const subs = this.engine.subscriptions();
    // Live: every minute, resolve what is still unknown (an order whose answer was lost, an OCO
    // that vanished) without waiting for the next start.
    const failed = (what: string) => (e: unknown) =>
      this.config.onEvent(
        { type: 'error', message: `${what} failed: ${e instanceof Error ? e.message : String(e)}` },
        Date.now(),
      );
    const live = this.exchange instanceof BinanceExchange;
    const timers = this.replay
      ? []
      : [
          setInterval(() => this.engine.tick(), TICK_MS),
          ...(live
            ? [
                setInterval(() => void this.engine.recheck().catch(failed('periodic check')), RECHECK_MS),
                setInterval(
                  () => void this.engine.refreshRules().catch(failed('symbol rules refresh')),
                  RULES_REFRESH_MS,
                ),
              ]
            : []),
        ];
    try {
      await this.feed.run(subs, sink, signal);
    } finally {
      for (const t of timers) clearInterval(t);
    }
    await this.engine.settle();
    if (this.replay && stats.lastTime !== undefined)
      this.engine.ledger.setCursor(stats.lastTime, this.engine.ledger.candleSymbol);
    stats.elapsedMs = performance.now() - started;
    return stats;
  }

  /** Stops new entries, waits for orders in flight, disconnects, releases the ledger. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      this.control?.close();
      await this.engine.stop();
      this.paper?.flush();
      if (this.exchange instanceof BinanceExchange) await this.exchange.close();
      // What the stop itself said (its last exits, errors) still goes out, for a few seconds at most.
      await this.config.alerts?.close(3000);
    } finally {
      this.db.close();
      await this.log?.close();
    }
  }
}

export type { RunStats };
