import fs from 'node:fs';
import type {
  ChartDto,
  EngineStateDto,
  EventChannel,
  EventPayload,
  LogLineDto,
  RequestInput,
} from '../../shared/ipc/contract';
import { withDefaults, type ParameterSetInput } from '../../shared/params/schema';
import { EnvSecretStore } from '../adapters/secrets/env-secret-store';
import { KeytarSecretStore } from '../adapters/secrets/keytar-secret-store';
import { consoleLines } from '../app/console-lines';
import { describeExchangeHealth, describeHealth } from '../app/health-lines';
import { defaultLedgerFile, replayLedgerFile, settingsFile } from '../app/paths';
import { seedParameterSets } from '../app/seed-params';
import { TradingSession, type SessionConfig } from '../app/trading-session';
import type { EngineEvent } from '../core/engine/engine-events';
import type { Ledger } from '../core/ledger/ledger';
import type { ClosedTrade, LedgerEventRecord, Position } from '../core/ledger/records';
import { Decimal } from '../core/money/decimal';
import { LedgerError, ledgerOwnerPid, peekLedger } from '../store/database';
import type { SqliteLedgerStore } from '../store/sqlite-ledger-store';
import { SettingsStore, type LastLedger } from '../store/settings-store';
import { ChartMemory } from './chart-memory';
import type { EventListener, RequestHandlers } from './dispatcher';
import { changesLedger, levelOf, notificationFor, symbolOf } from './engine-feedback';
import { idleHealth, withExchangeHealth, withFeedHealth, type HealthDto } from './health';
import { HostError } from './host-error';
import { AlertsService } from './alerts-service';
import { KeysService, type Keychain } from './keys-service';
import { confirmationMatches, liveConfirmation } from './live-confirmation';
import { ParamsService } from './params-service';
import { Ring } from './ring';
import { protectionSummary } from '../app/protection-summary';
import { ManualRequestError } from '../core/engine/manual-flow';
import type { TradingEngine } from '../core/engine/trading-engine';
import { SignalBoard } from './signal-board';
import { readStoredLedger } from './stored-ledger';
import { SymbolsSource } from './symbols-source';
import { KeyedThrottle } from './throttle';
import {
  credentialsOf,
  endpointsOf,
  paperMarket,
  restBaseOf,
  type EndpointOverrides,
  type VenueConfig,
} from './venues';
import { allocationView, emptyAllocation, historyView, money, positionView, tradesCsv, tradeView } from './views';

export interface TradingHostOptions {
  /** The data folder: ledgers and the settings database (tranche.sqlite) live here. */
  dataDir: string;
  /** Binance environments other than live and testnet (or overrides of theirs), by name. */
  environments?: Record<string, EndpointOverrides>;
  /** Public market data for paper trading on live prices and for symbols.list (default: Binance). */
  market?: { restBaseUrl?: string; wsBaseUrl?: string };
  /** The OS keychain (default: keytar under TRANCHE_KEYCHAIN_SERVICE or "Tranche"). */
  keychain?: Keychain;
  /** BINANCE_API_KEY / BINANCE_API_SECRET (default: this process's environment). */
  env?: EnvSecretStore;
  /** Parameter sets a new settings database starts with (default: config/live-params.json). */
  seedSets?: ParameterSetInput[];
  /** Diagnostics for whoever runs the host; never shown to the renderer. */
  log?: (message: string) => void;
}

/** Price and signal events per symbol at most every 250 ms (4 per second). */
const TICK_MS = 250;
/** Positions with moving prices are re-sent at most once a second. */
const POSITIONS_MS = 1000;
const LOG_CAPACITY = 5000;
const DEFAULT_CHART_LIMIT = 300;
const DEFAULT_LOG_LIMIT = 500;
/** How much of the last ledger's journal the log view starts with. */
const JOURNAL_LINES = 1000;

interface ActiveRun {
  session: TradingSession;
  abort: AbortController;
  done: Promise<void>;
  ledger: LastLedger;
  quoteAsset: string;
  startedAt: string;
}

type StartInput = RequestInput<'engine.start'>;

/**
 * Hosts at most one trading session and answers every request of the IPC contract; pushes every
 * event the contract names. Plain Node (no Electron): the desktop app runs it in its main process,
 * `npm run serve` runs it headless behind the loopback WebSocket, the tests run it directly.
 */
export class TradingHost {
  readonly dataDir: string;
  private readonly settings: SettingsStore;
  private readonly params: ParamsService;
  private readonly keys: KeysService;
  private readonly alerts: AlertsService;
  private readonly symbols: SymbolsSource;
  private readonly venues: VenueConfig;
  private readonly charts = new ChartMemory();
  private readonly logRing = new Ring<LogLineDto>(LOG_CAPACITY);
  private readonly listeners = new Set<EventListener>();
  /** Raw numbers on the hot path; turned into the contract's strings only when sent. */
  private readonly prices: KeyedThrottle<{ symbol: string; price: number; time: number }>;
  private readonly signals: KeyedThrottle<{ symbol: string; value: number; time: number }>;
  private readonly positionTicks: KeyedThrottle<true>;
  private readonly log: (message: string) => void;
  private run: ActiveRun | undefined;
  /** A request acting on the stored ledger (emergency stop, clearing) while nothing trades. */
  private exclusive: Promise<unknown> | undefined;
  private state: Omit<EngineStateDto, 'halted' | 'emergencyStopPending' | 'viewing'> = {
    state: 'stopped',
    mode: null,
    environment: null,
    market: null,
    ledgerFile: null,
    startedAt: null,
    error: null,
    health: idleHealth(),
  };
  private flushScheduled = false;
  private closed = false;
  private stopSummary = 'Nothing was trading.';
  private readonly signalBoard = new SignalBoard();

  constructor(opts: TradingHostOptions) {
    this.dataDir = opts.dataDir;
    this.log = opts.log ?? (() => undefined);
    this.settings = SettingsStore.open(settingsFile(opts.dataDir), opts.seedSets ?? seedParameterSets());
    this.params = new ParamsService(this.settings, opts.dataDir);
    this.venues = {
      environments: opts.environments ?? {},
      market: opts.market ?? {},
      stores: { keychain: opts.keychain ?? new KeytarSecretStore(), env: opts.env ?? new EnvSecretStore() },
    };
    this.alerts = new AlertsService(this.settings, opts.keychain ?? new KeytarSecretStore());
    this.keys = new KeysService(
      this.venues.stores,
      (env) => restBaseOf(env, this.venues),
      Object.keys(this.venues.environments),
    );
    this.loadJournal();
    this.symbols = new SymbolsSource(opts.market?.restBaseUrl ? { restBaseUrl: opts.market.restBaseUrl } : {});
    this.prices = new KeyedThrottle(TICK_MS, (p) =>
      this.emit('price', {
        symbol: p.symbol,
        price: money(new Decimal(p.price)),
        time: new Date(p.time).toISOString(),
      }),
    );
    this.signals = new KeyedThrottle(TICK_MS, (s) =>
      this.emit('signal', { symbol: s.symbol, value: s.value, time: new Date(s.time).toISOString() }),
    );
    this.positionTicks = new KeyedThrottle(POSITIONS_MS, () => this.emit('positions.changed', this.positionsList()));
  }

  // ---- events -----------------------------------------------------------------------------------

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit<C extends EventChannel>(channel: C, data: EventPayload<C>): void {
    for (const l of this.listeners) {
      try {
        l(channel, data);
      } catch (e) {
        this.log(`event listener failed on ${channel}: ${(e as Error).message}`);
      }
    }
  }

  private logLine(level: LogLineDto['level'], symbol: string | null, text: string): void {
    const line: LogLineDto = { time: new Date().toISOString(), level, symbol, text };
    this.logRing.push(line);
    this.emit('log.line', line);
  }

  private info(text: string): void {
    this.logLine('info', null, text);
  }

  /** Allocation and positions are re-sent once after a burst of engine events. */
  private scheduleLedgerViews(): void {
    if (this.flushScheduled || this.closed) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.emitLedgerViews();
    });
  }

  private emitLedgerViews(): void {
    try {
      this.emit('allocations.changed', this.allocation());
      this.emit('positions.changed', this.positionsList());
    } catch (e) {
      this.log(`could not read the ledger for an update: ${(e as Error).message}`);
    }
  }

  private emitState(): void {
    this.emit('engine.state', this.status());
  }

  // ---- the engine's side ------------------------------------------------------------------------

  /** An engine event: log lines, notification, closed trade, and ledger views to refresh. */
  private engineEvent(e: EngineEvent, time: number, store: () => SqliteLedgerStore | undefined): void {
    const level = levelOf(e);
    const symbol = symbolOf(e);
    for (const text of consoleLines(e, time)) this.logLine(level, symbol, text);
    this.signalBoard.event(e, time);
    const note = notificationFor(e);
    if (note) this.emit('notification', note);
    if (e.type === 'position-closed') {
      const last = store()?.trades(1)[0];
      if (last && last.symbol === e.symbol) this.emit('trade.closed', tradeView(last));
    }
    if (e.type === 'emergency-stop') this.emitState();
    if (changesLedger(e)) this.scheduleLedgerViews();
  }

  private setHealth(next: HealthDto): void {
    this.state = { ...this.state, health: next };
    this.emitState();
  }

  private sessionCallbacks(
    getStore: () => SqliteLedgerStore | undefined,
  ): Pick<SessionConfig, 'onEvent' | 'onHealth' | 'observer'> {
    return {
      onEvent: (e, t) => this.engineEvent(e, t, getStore),
      onHealth: (h) => {
        const line = describeHealth(h);
        if (line) this.info(line);
        this.setHealth(withFeedHealth(this.state.health, h));
      },
      observer: {
        candle: (c, signal) => {
          this.charts.addCandle(c, signal);
          this.signalBoard.candle(c, signal);
          this.prices.push(c.symbol, { symbol: c.symbol, price: c.close, time: c.closeTime });
          if (Number.isFinite(signal))
            this.signals.push(c.symbol, { symbol: c.symbol, value: signal, time: c.closeTime });
          if (this.run?.session.engine.ledger.position(c.symbol)) this.positionTicks.push('positions', true);
        },
        price: (symbol, price, time) => {
          this.charts.setPrice(symbol, price, time);
          this.prices.push(symbol, { symbol, price, time });
          if (this.run?.session.engine.ledger.position(symbol)) this.positionTicks.push('positions', true);
        },
      },
    };
  }

  // ---- engine.* -----------------------------------------------------------------------------------

  status(): EngineStateDto {
    const ledger = this.run?.session.engine.ledger;
    return {
      ...this.state,
      halted: this.run?.session.engine.isHalted ?? false,
      emergencyStopPending: ledger?.emergencyStopPending ?? false,
      viewing: this.viewing(),
    };
  }

  /** The ledger the views show, named: the running session's, else the last traded one. */
  private viewing(): EngineStateDto['viewing'] {
    const last = this.run?.ledger ?? this.lastLedger();
    if (!last) return null;
    return {
      file: last.file,
      mode: last.mode,
      environment: last.environment,
      openPositions: this.openCount(last.file),
    };
  }

  /** While stopped: the stored ledger's count, read again only when its files changed (not at every status). */
  private stoppedCount?: { key: string; count: number };

  private openCount(file: string): number {
    const count = (): number | undefined => {
      try {
        return this.withLedger((l) => l.openPositions().length) ?? 0;
      } catch {
        return undefined; // busy, being created: not known now (and not kept)
      }
    };
    if (this.run) return count() ?? 0;
    const stamp = (f: string) => {
      try {
        const st = fs.statSync(f);
        return `${st.ino}:${st.mtimeMs}:${st.ctimeMs}:${st.size}`;
      } catch {
        return '-';
      }
    };
    const key = `${file}|${stamp(file)}|${stamp(`${file}-wal`)}`;
    if (this.stoppedCount?.key === key) return this.stoppedCount.count;
    const n = count();
    if (n === undefined) return this.stoppedCount?.count ?? 0;
    this.stoppedCount = { key, count: n };
    return n;
  }

  get trading(): boolean {
    return this.run !== undefined;
  }

  async start(input: StartInput): Promise<EngineStateDto> {
    if (this.closed) throw new HostError('failed', 'the host is shutting down');
    if (this.run) {
      throw new HostError(
        'failed',
        `already trading (${this.state.mode} on ${this.state.market ?? this.state.environment}): stop first`,
      );
    }
    if (this.exclusive)
      throw new HostError('failed', 'an emergency stop or reset of the ledger is under way; try again in a moment');
    const { sets, quoteAsset } = this.params.tradable();
    this.signalBoard.reset(sets);
    let config: SessionConfig;
    let ledger: LastLedger;
    const opened: { store?: SqliteLedgerStore } = {};
    const callbacks = this.sessionCallbacks(() => opened.store);
    if (input.mode === 'paper') {
      const market = paperMarket(input.market, this.venues);
      const paper = this.params.settings();
      const file =
        market.choice.kind === 'replay'
          ? replayLedgerFile(market.choice.dir, this.dataDir)
          : defaultLedgerFile('paper', 'paper', this.dataDir);
      ledger = {
        file,
        mode: 'paper',
        environment: market.choice.kind === 'replay' ? 'replay' : 'binance',
        market: market.label,
      };
      config = {
        sets,
        quoteAsset,
        market: market.choice,
        dbFile: file,
        venue: {
          kind: 'paper',
          balance: new Decimal(paper.paperBalance),
          feeRate: new Decimal(paper.feeRate),
          slippageBps: paper.slippageBps,
        },
        stopGraceMs: paper.stopGraceSeconds * 1000,
        ...callbacks,
      };
    } else {
      const environment = input.environment ?? 'live';
      if (input.market !== undefined && input.market !== 'binance') {
        throw new HostError(
          'failed',
          'live trading runs on the live market data of its Binance environment; replay:DIR is for paper trading',
        );
      }
      const endpoints = endpointsOf(environment, this.venues);
      const resolved = await credentialsOf(environment, this.venues);
      const expected = await liveConfirmation({ endpoints, credentials: resolved.credentials, sets, quoteAsset });
      if (!confirmationMatches(input.confirmLive, expected)) {
        throw new HostError(
          'confirmation-required',
          `live trading on ${expected.account} puts up to ${expected.atStakeAmount} ${expected.quoteAsset} (${expected.atStakePercent}% of ${expected.balance}) at stake: confirm this account and amount to start`,
        );
      }
      const file = defaultLedgerFile('live', environment, this.dataDir);
      ledger = { file, mode: 'live', environment, market: 'binance' };
      config = {
        sets,
        quoteAsset,
        market: { kind: 'binance', restBaseUrl: endpoints.restBaseUrl, wsBaseUrl: endpoints.streamBaseUrl },
        dbFile: file,
        venue: {
          kind: 'live',
          endpoints,
          credentials: resolved.credentials,
          onExchangeHealth: (h) => {
            const line = describeExchangeHealth(h);
            if (line) this.info(line);
            this.setHealth(withExchangeHealth(this.state.health, h));
          },
        },
        stopGraceMs: this.settings.paperSettings().stopGraceSeconds * 1000,
        ...callbacks,
      };
      this.info(`🔥 LIVE trading on Binance (${environment}) with ${resolved.description}`);
    }
    // Alerts (Settings) for sessions on live prices; a replay would send one per simulated trade.
    if (ledger.market === 'binance') {
      config.alerts = await this.alerts.dispatcher((message) => this.logLine('warn', null, message));
      if (config.alerts)
        this.info(
          `🔔 Alerts on: ${config.alerts
            .stats()
            .map((s) => s.sink)
            .join(', ')}`,
        );
    }
    // Asked for by another process over the ledger's control channel: the same path as the button.
    config.emergencyStop = async () => {
      await this.emergencyStop('by another process (npm run emergencyStop)');
    };
    let session: TradingSession;
    try {
      session = TradingSession.open(config);
    } catch (e) {
      throw new HostError('failed', openFailure(e, config.dbFile));
    }
    opened.store = session.store;
    this.settings.saveLastLedger(ledger);
    const abort = new AbortController();
    const startedAt = new Date().toISOString();
    this.state = {
      state: 'starting',
      mode: input.mode,
      environment: ledger.environment,
      market: ledger.market,
      ledgerFile: session.db.file,
      startedAt,
      error: null,
      health: { ...idleHealth(), userStream: input.mode === 'live' ? 'connecting' : 'none' },
    };
    const run: ActiveRun = { session, abort, done: Promise.resolve(), ledger, quoteAsset, startedAt };
    this.run = run;
    run.done = this.drive(run);
    this.info(
      `${input.mode === 'paper' ? '📝 Paper' : '🔥 Live'} trading on ${ledger.market === 'binance' ? (input.mode === 'paper' ? 'live Binance market data' : `Binance ${ledger.environment}`) : ledger.market} - ${sets
        .filter((s) => s.enabled)
        .map((s) => `${s.symbol} ${s.allocationPercent}%`)
        .join(', ')}; ledger ${session.db.file}`,
    );
    this.emitState();
    return this.status();
  }

  /** Runs a session from reconciliation to its end (stop, end of a replay, or failure). */
  private async drive(run: ActiveRun): Promise<void> {
    const { session, abort } = run;
    let failure: string | undefined;
    try {
      const report = await session.start(abort.signal);
      if (report.length === 1 && report[0]!.startsWith('ledger and exchange agree')) this.info(`🔁 ${report[0]}`);
      if (!abort.signal.aborted) {
        this.state = { ...this.state, state: 'running' };
        if (session.replay) {
          this.state.health = {
            ...this.state.health,
            marketData: 'live',
            marketDetail: `replay of ${run.ledger.market.slice(7)}`,
          };
        }
        this.emitState();
        this.scheduleLedgerViews();
        const stats = await session.run(abort.signal);
        if (session.replay && !abort.signal.aborted) {
          this.info(
            `📊 Replay finished: ${stats.candles} candles, ${session.store.trades().length} closed trade(s) in this ledger`,
          );
        }
      }
    } catch (e) {
      failure = e instanceof Error ? e.message : String(e);
      this.logLine('error', null, `❌ Trading stopped: ${failure}`);
      this.emit('notification', { kind: 'error', title: 'Trading stopped', body: failure });
    } finally {
      let openAtStop: Position[] = [];
      try {
        openAtStop = session.engine.ledger.openPositions();
        await session.close();
      } catch (e) {
        failure ??= e instanceof Error ? e.message : String(e);
      }
      this.prices.flush();
      this.signals.flush();
      this.run = undefined;
      this.state = {
        ...this.state,
        state: failure ? 'error' : 'stopped',
        error: failure ?? null,
        health: idleHealth(),
      };
      this.info(
        failure
          ? '⏹️ Trading stopped after an error'
          : `⏹️ Trading stopped. ${(this.stopSummary = protectionSummary(openAtStop))}`,
      );
      this.emitState();
      this.emitLedgerViews();
    }
  }

  async stop(): Promise<EngineStateDto> {
    const run = this.run;
    if (!run) return this.status();
    if (!run.abort.signal.aborted) {
      this.state = { ...this.state, state: 'stopping' };
      this.info(
        `⏹️ Stopping: no new entries; waiting for orders in flight. ${protectionSummary(run.session.engine.ledger.openPositions())}`,
      );
      this.emitState();
      run.abort.abort();
    }
    await run.done;
    return this.status();
  }

  async emergencyStop(by?: string): Promise<EngineStateDto> {
    const run = this.run;
    if (run) {
      this.info(`🚨 Emergency stop requested${by ? ` ${by}` : ''}`);
      await run.session.engine.emergencyStop();
      return this.stop();
    }
    await this.onStoredLedger(async (session) => {
      this.info('🚨 Emergency stop of the stored ledger');
      await session.engine.emergencyStop();
    });
    return this.status();
  }

  /**
   * Starts the paper account over with `balance`: refused while anything trades; the paper ledger
   * on live prices (its simulated positions and history) is deleted, the balance saved for the new
   * one. Replay ledgers are left alone (each starts over with --fresh / a new replay).
   */
  private async resetPaper(balance: string): Promise<{ file: string; balance: string; closedPositions: number }> {
    if (this.run) throw new HostError('failed', 'stop trading first: the paper account is reset while nothing trades');
    if (this.exclusive) throw new HostError('failed', 'an emergency stop or reset is under way; try again in a moment');
    const file = defaultLedgerFile('paper', 'paper', this.dataDir);
    const owner = ledgerOwnerPid(file);
    if (owner !== undefined)
      throw new HostError(
        'failed',
        `the paper ledger ${file} is in use by another Tranche process (pid ${owner}); stop it first`,
      );
    const saved = this.params.saveSettings({ paperBalance: balance });
    let closedPositions = 0;
    if (fs.existsSync(file)) {
      closedPositions = readStoredLedger(file, this.quoteAsset(), (v) => v.ledger.openPositions().length) ?? 0;
      for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
    }
    this.info(
      `🔄 Paper account reset: ${file} deleted (${closedPositions} simulated open position(s) dropped); the next paper session starts with ${saved.paperBalance}`,
    );
    this.emitState();
    this.emitLedgerViews();
    return { file, balance: saved.paperBalance, closedPositions };
  }

  /** A per-position action through the running engine; a refusal is a named error, the result said in the log. */
  private async byHand(symbol: string, act: (engine: TradingEngine) => Promise<string>): Promise<{ message: string }> {
    const run = this.run;
    if (!run || this.state.state !== 'running')
      throw new HostError('failed', `start trading first: actions on ${symbol} go through the running engine`);
    try {
      const message = await act(run.session.engine);
      this.info(`✋ ${message}`);
      return { message };
    } catch (e) {
      if (e instanceof ManualRequestError) throw new HostError('failed', e.message);
      throw e;
    }
  }

  async clearAllAllocations(): Promise<{ cleared: number; withPositions: string[] }> {
    if (this.run) return this.run.session.engine.clearAllAllocations();
    let result = { cleared: 0, withPositions: [] as string[] };
    await this.onStoredLedger((session) => {
      result = session.engine.clearAllAllocations();
    });
    return result;
  }

  /** Opens the last traded ledger (with the sets saved in it), reconciles it, acts, and closes it. */
  private async onStoredLedger(action: (session: TradingSession) => Promise<void> | void): Promise<void> {
    if (this.exclusive)
      throw new HostError('failed', 'another action on the ledger is under way; try again in a moment');
    const work = (async () => {
      const last = this.lastLedger();
      if (!last || !fs.existsSync(last.file))
        throw new HostError('failed', 'there is no ledger yet: nothing has been traded');
      const meta = peekLedger(last.file);
      const probe = TradingSession.readSets(last.file, meta);
      const opened: { store?: SqliteLedgerStore } = {};
      const onEvent = this.sessionCallbacks(() => opened.store).onEvent;
      let session: TradingSession;
      try {
        if (meta.mode === 'live') {
          const endpoints = endpointsOf(meta.environment, this.venues);
          const resolved = await credentialsOf(meta.environment, this.venues);
          session = TradingSession.open({
            sets: probe.sets,
            quoteAsset: probe.quoteAsset,
            market: { kind: 'binance', restBaseUrl: endpoints.restBaseUrl, wsBaseUrl: endpoints.streamBaseUrl },
            dbFile: last.file,
            venue: { kind: 'live', endpoints, credentials: resolved.credentials },
            onEvent,
          });
        } else {
          session = TradingSession.open({
            sets: probe.sets,
            quoteAsset: probe.quoteAsset,
            market: meta.environment === 'replay' ? { kind: 'replay', dir: '' } : { kind: 'binance' },
            dbFile: last.file,
            venue: { kind: 'paper', balance: new Decimal(1), feeRate: new Decimal(0.001), slippageBps: 5 },
            onEvent,
            offline: true,
          });
        }
      } catch (e) {
        throw new HostError('failed', openFailure(e, last.file));
      }
      opened.store = session.store;
      try {
        await session.connect();
        await action(session);
      } finally {
        await session.close();
      }
    })();
    this.exclusive = work;
    try {
      await work;
    } finally {
      this.exclusive = undefined;
      this.emitLedgerViews();
    }
  }

  /**
   * The log view starts with the last ledger's journal (its orders, fills, closes and the engine's
   * warnings and errors): what the previous run said is there after a restart.
   */
  private loadJournal(): void {
    let events: LedgerEventRecord[] | undefined;
    try {
      const last = this.lastLedger();
      events = last ? readStoredLedger(last.file, 'USDT', (v) => v.events(JOURNAL_LINES)) : undefined;
    } catch (e) {
      this.log(`the last ledger's journal could not be read: ${(e as Error).message}`);
    }
    for (const e of events ?? []) {
      this.logRing.push({
        time: e.time,
        level: e.kind === 'error' ? 'error' : e.kind === 'warning' ? 'warn' : 'info',
        symbol: e.symbol ?? null,
        text: e.kind === 'error' || e.kind === 'warning' ? e.message : `${e.kind}: ${e.message}`,
      });
    }
  }

  private lastLedger(): LastLedger | undefined {
    const stored = this.settings.lastLedger();
    if (stored) return stored;
    const paper = defaultLedgerFile('paper', 'paper', this.dataDir);
    return fs.existsSync(paper) ? { file: paper, mode: 'paper', environment: 'binance', market: 'binance' } : undefined;
  }

  // ---- ledger views -----------------------------------------------------------------------------

  private quoteAsset(): string {
    try {
      return this.params.tradable().quoteAsset;
    } catch {
      return 'USDT';
    }
  }

  /** Reads the running session's ledger, or the last traded ledger from its file. */
  private withLedger<T>(
    read: (ledger: Ledger, trades: () => ClosedTrade[], price: (symbol: string) => number | undefined) => T,
  ): T | undefined {
    const run = this.run;
    if (run) {
      const engine = run.session.engine;
      return read(
        engine.ledger,
        () => run.session.store.trades(),
        (symbol) => {
          const p = engine.symbolState(symbol)?.lastPrice;
          return p !== undefined && Number.isFinite(p) ? p : this.charts.lastPrice(symbol);
        },
      );
    }
    const last = this.lastLedger();
    if (!last) return undefined;
    return readStoredLedger(last.file, this.quoteAsset(), (v) =>
      read(v.ledger, v.trades, (s) => this.charts.lastPrice(s)),
    );
  }

  allocation() {
    return this.withLedger((ledger) => allocationView(ledger)) ?? emptyAllocation(this.quoteAsset());
  }

  positionsList() {
    return (
      this.withLedger((ledger, _trades, price) =>
        ledger
          .openPositions()
          .filter((p) => p.status !== 'closed')
          .sort((a, b) => a.id - b.id)
          .map((p) => positionView(p, ledger, price(p.symbol), this.run?.session.engine.protectionOf(p.symbol).kind)),
      ) ?? []
    );
  }

  history(limit?: number) {
    return (
      this.withLedger((ledger, trades) => historyView(trades(), ledger.totalBalance(), limit)) ?? {
        trades: [],
        totals: { trades: 0, wins: 0, losses: 0, pnl: '0', fees: '0' },
        equity: [],
      }
    );
  }

  chart(symbol: string, limit = DEFAULT_CHART_LIMIT): ChartDto {
    const running = this.run?.session.engine.symbolState(symbol)?.set;
    const stored = running ? undefined : this.params.get().sets.find((s) => s.symbol === symbol);
    const set = running ?? (stored ? withDefaults(stored) : undefined);
    const candles = this.charts.candles(symbol, limit);
    if (!set && candles.length === 0) {
      throw new HostError('failed', `no parameter set and no market data for ${symbol}`);
    }
    const position = this.withLedger((ledger) => ledger.position(symbol));
    return {
      symbol,
      interval: set?.interval ?? this.charts.interval(symbol) ?? '5m',
      candles,
      zscores: this.charts.zscores(symbol, limit),
      threshold: set?.zScoreThreshold ?? 0,
      exitThreshold: set?.exitZScore ?? 0,
      position: position && position.status !== 'opening' ? chartPosition(position) : null,
    };
  }

  // ---- the contract ---------------------------------------------------------------------------------

  /** One handler per request channel (the dispatcher validates inputs and outputs around them). */
  handlers(): RequestHandlers {
    return {
      'engine.status': () => this.status(),
      'engine.start': (input) => this.start(input),
      'engine.stop': () => this.stop(),
      'engine.emergencyStop': () => this.emergencyStop(),
      'engine.liveConfirmation': async ({ environment }) => {
        const { sets, quoteAsset } = this.params.tradable();
        const endpoints = endpointsOf(environment, this.venues);
        const resolved = await credentialsOf(environment, this.venues);
        return liveConfirmation({ endpoints, credentials: resolved.credentials, sets, quoteAsset });
      },
      'position.close': ({ symbol }) => this.byHand(symbol, (e) => e.closePosition(symbol)),
      'position.move': ({ symbol, takeProfit, stopLoss }) =>
        this.byHand(symbol, (e) =>
          e.moveTargets(symbol, {
            ...(takeProfit ? { takeProfit: new Decimal(takeProfit) } : {}),
            ...(stopLoss ? { stop: new Decimal(stopLoss) } : {}),
          }),
        ),
      'position.forget': ({ symbol }) => this.byHand(symbol, (e) => e.forgetPosition(symbol)),
      'paper.reset': ({ balance }) => this.resetPaper(balance),
      'allocations.get': () => this.allocation(),
      'allocations.clearAll': () => this.clearAllAllocations(),
      'params.get': () => this.params.get(),
      'params.validate': ({ sets }) => this.params.validate(sets),
      'params.save': ({ sets }) => {
        const result = this.params.save(sets);
        const running = this.run !== undefined;
        let message = 'Parameter sets saved.';
        if (result.saved && this.run) {
          // The running session takes them at once for new entries (TradingEngine.updateSets).
          const tradable = this.params.tradable().sets;
          const u = this.run.session.engine.updateSets(tradable);
          this.signalBoard.update(tradable);
          message =
            `Parameter sets saved. New entries use them now${u.applied.length ? ` (${u.applied.join(', ')})` : ''}` +
            `${u.paused.length ? `; no new entries in ${u.paused.join(', ')} (disabled)` : ''}` +
            '; open positions keep their take-profit and stop-loss.' +
            (u.later.length ? ` At the next start: ${u.later.join('; ')}.` : '');
        }
        if (result.saved) this.info(`💾 ${message}`);
        return { ...result, appliesToNewEntriesOnly: running, ...(result.saved ? { message } : {}) };
      },
      'params.import': ({ json }) => this.params.import(json),
      'params.export': () => this.params.export(),
      'symbols.list': () => this.symbols.list(),
      'positions.list': () => this.positionsList(),
      'history.get': ({ limit }) => this.history(limit),
      'history.exportCsv': () => {
        const trades = this.withLedger((_l, all) => all()) ?? [];
        return { csv: tradesCsv(trades), filename: `tranche-trades-${new Date().toISOString().slice(0, 10)}.csv` };
      },
      'chart.get': ({ symbol, limit }) => this.chart(symbol, limit),
      'signals.get': () => this.signalBoard.list(),
      'log.recent': ({ limit }) => this.logRing.newest(limit ?? DEFAULT_LOG_LIMIT),
      'settings.get': () => this.params.settings(),
      'settings.save': (change) => this.params.saveSettings(change),
      'keys.status': () => this.keys.status(),
      'keys.set': (input) => this.keys.set(input),
      'keys.test': ({ environment }) => this.keys.test(environment),
      'alerts.get': () => this.alerts.status(),
      'alerts.save': (input) => this.alerts.save(input),
      'alerts.test': () => this.alerts.test(),
      'keys.delete': ({ environment }) => this.keys.delete(environment),
    };
  }

  /** Stops trading (positions stay protected by their OCOs) and closes the settings database. */
  /** What the last stop said of the open positions (protected or not), for the shell's last line. */
  lastStopSummary(): string {
    return this.stopSummary;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stop();
    await this.exclusive?.catch(() => undefined);
    this.prices.dispose();
    this.signals.dispose();
    this.positionTicks.dispose();
    this.settings.close();
    this.listeners.clear();
  }
}

function chartPosition(p: Position): ChartDto['position'] {
  return {
    entry: p.avgPrice.toNumber(),
    takeProfit: p.takeProfitPrice ? p.takeProfitPrice.toNumber() : null,
    stopLoss: p.stopPrice ? p.stopPrice.toNumber() : null,
  };
}

/** Why a ledger could not be opened, in words (another process owning it is the common case). */
function openFailure(e: unknown, file: string): string {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof LedgerError) {
    const pid = ledgerOwnerPid(file);
    if (pid !== undefined && pid !== process.pid) {
      return `ledger ${file} is in use by another Tranche process (pid ${pid}): stop it there first`;
    }
  }
  return message;
}
