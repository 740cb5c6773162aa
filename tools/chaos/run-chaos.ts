import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { splitSymbol } from '../../shared/market/symbols';
import { mulberry32, shuffled } from '../fake-binance/prng';
import { startFakeBinance, type FakeBinance } from '../fake-binance/server';
import { chaosParameterSets, chaosSymbols } from './chaos-market';
import { Checker, PROTECTION_DEADLINE_MS, type Finding } from './checks';
import { FAULT_KINDS, type FaultContext, type FaultKind } from './fault-kinds';
import type { ChaosFigures, Violation } from './figures';
import { readLedger } from './ledger-view';
import { TraderProcess } from './trader-process';

/**
 * A seeded chaos run: the local exchange with `symbols` pairs and a fast synthetic market (one
 * market minute per step), the CLI trader trading it live as a child process, and at every step a
 * fault of the exchange armed at random (every kind in turn, in a seeded order), the trader
 * sometimes SIGKILLed mid-step and restarted, then the checks of checks.ts. Plain Node: no test
 * framework. docs/chaos.md describes it.
 */

export interface ChaosOptions {
  symbols: number;
  /** Market minutes to run (one closed 1m candle per symbol per minute). */
  minutes: number;
  seed: number;
  /** Chance per step of a SIGKILL (default 0.03). */
  killRate?: number;
  /** Chance per step of arming a fault (default 0.6). */
  faultRate?: number;
  /** Real ms between the market's trades (4 per market minute; default 45). */
  tickGapMs?: number;
  /** How long the end waits for the ledger to settle for a last balance comparison (default 20 s). */
  finalSettleMs?: number;
  /** Folder for the ledger and the trader's logs (default: a new temporary one, removed unless violations or an unsettled end). */
  workDir?: string;
  onProgress?: (line: string) => void;
  onStep?: (step: number, figures: ChaosFigures) => void;
}

const API_KEY = 'chaosRunKey000000000000000000000000000000000000000000000000000001';
const API_SECRET = 'chaosRunSecret0000000000000000000000000000000000000000000000000001';
const QUOTE = 'USDT';
const TICKS_PER_MINUTE = 4;
const READY_TIMEOUT_MS = 60_000;
const MAX_RECORDED_PER_CHECK = 25;
/** After the trader says an order of a symbol failed: its look-ups, retries and the deferred retry (10 s). */
const SYMBOL_RETRY_MS = 15_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runChaos(o: ChaosOptions): Promise<ChaosFigures> {
  const t0 = Date.now();
  const random = mulberry32(o.seed);
  const killRate = o.killRate ?? 0.03;
  const faultRate = o.faultRate ?? 0.6;
  const tickGapMs = o.tickGapMs ?? 45;
  const progress = o.onProgress ?? (() => undefined);
  const dir = o.workDir ?? mkdtempSync(path.join(tmpdir(), 'tranche-chaos-'));
  const symbols = chaosSymbols(o.symbols);
  const paramsFile = path.join(dir, 'chaos-params.json');
  writeFileSync(paramsFile, JSON.stringify({ parameterSets: chaosParameterSets(symbols, o.seed) }, null, 2));
  const dbFile = path.join(dir, 'live-chaos.sqlite');

  const figures: ChaosFigures = {
    seed: o.seed,
    symbols: o.symbols,
    minutes: 0,
    steps: 0,
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k.name, 0])),
    faultsTotal: 0,
    kills: 0,
    restarts: 0,
    entries: 0,
    closedTrades: 0,
    checks: 0,
    settledChecks: 0,
    buysRefusedForBalance: 0,
    lateSalesRefused: 0,
    unsettledBy: {},
    wallMs: 0,
    violationCount: 0,
    violations: [],
  };
  const perCheck = new Map<string, number>();
  const violate = (f: Finding) => {
    figures.violationCount++;
    const n = (perCheck.get(f.check) ?? 0) + 1;
    perCheck.set(f.check, n);
    const v: Violation = { step: figures.steps, seed: o.seed, atMs: Date.now() - t0, check: f.check, detail: f.detail };
    if (n <= MAX_RECORDED_PER_CHECK) figures.violations.push(v);
    progress(`✖ violation at step ${v.step}: ${v.check}: ${v.detail}`);
  };

  const fake: FakeBinance = await startFakeBinance({
    symbols,
    accounts: [{ apiKey: API_KEY, apiSecret: API_SECRET, balances: { [QUOTE]: '10000' } }],
    // The market runs ahead of the clock: a restarted trader's warm-up would otherwise page back
    // through every candle of the run (all "not closed yet" for it) before it starts.
    klinesAfterServerTime: 'hide',
    market: {
      kind: 'synthetic',
      seed: o.seed,
      interval: '1m',
      tickMs: 1000,
      speed: 60_000 / TICKS_PER_MINUTE / 1000,
      volatility: 0.003,
      jumpProbability: 0.03,
      jumpSize: 0.01,
      historyCandles: 60,
      autoStart: false,
    },
  });
  const driver = fake.driver!;
  const checker = new Checker();
  let trader: TraderProcess | undefined;
  let traderNo = 0;
  let readyAt = 0;
  let blockedUntil = 0;
  let unsettledUntil = 0;
  const lasting: { name: string; untilStep: number; undo: () => void; blocksMs: number }[] = [];
  const baseOf = (s: string) => splitSymbol(s)?.base ?? s.replace(/USDT$/, '');
  const dustBelow = (s: string): number => {
    const notional = fake.market.symbolInfo(s)?.filters?.find((f) => f.filterType === 'NOTIONAL');
    return Number((notional as { minNotional?: string } | undefined)?.minNotional ?? 5);
  };
  /** The faults armed lately, for the detail of a violation. */
  const recent: string[] = [];

  const saveLog = (t: TraderProcess, no: number) =>
    writeFileSync(path.join(dir, `trader-${no}.log`), `${t.out}\n--- stderr ---\n${t.err}`);

  const startTrader = async (): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      traderNo++;
      const t = new TraderProcess({
        restUrl: fake.restUrl,
        wsUrl: fake.wsUrl,
        paramsFile,
        dbFile,
        apiKey: API_KEY,
        apiSecret: API_SECRET,
        stopGraceSeconds: 2,
      });
      trader = t;
      if (await t.waitReady(READY_TIMEOUT_MS)) {
        readyAt = Date.now();
        return;
      }
      saveLog(t, traderNo);
      const why = t.running ? `not ready after ${READY_TIMEOUT_MS / 1000} s` : 'ended during its start';
      violate({
        check: 'trader-alive',
        detail: `trader #${traderNo} ${why}:\n${t.tail()}\nfaults armed lately:\n${recent.join('\n')}`,
      });
      await t.kill();
      if (attempt >= 3) throw new Error(`the trader could not be started 3 times; see ${dir}`);
      undoLasting(true);
      fake.faults.reset();
    }
  };

  const ledgerOcos: FaultContext['liveOcos'] = () =>
    (readLedger(dbFile)?.live ?? [])
      .filter((p) => p.status === 'protected' && p.ocoListClientOrderId)
      .map((p) => ({ symbol: p.symbol, listClientOrderId: p.ocoListClientOrderId!, stopLimitPrice: p.stopLimitPrice }))
      .filter((p) =>
        fake
          .orders(API_KEY)
          .some(
            (x) =>
              x.symbol === p.symbol && x.orderListId >= 0 && (x.status === 'NEW' || x.status === 'PARTIALLY_FILLED'),
          ),
      );
  const ctx: FaultContext = {
    fake,
    apiKey: API_KEY,
    random,
    symbols,
    liveOcos: ledgerOcos,
    gapPrice: (symbol, price) => void fake.pushTrade(symbol, Number(price.toPrecision(8))),
  };
  let deck: FaultKind[] = [];
  const drawFault = (): void => {
    if (deck.length === 0) deck = shuffled(FAULT_KINDS, random);
    // The first kind of the deck that applies now; those that do not wait for a later step.
    for (let i = 0; i < deck.length; i++) {
      const kind = deck[i]!;
      const armedBefore = fake.faults.armedRequestFaults;
      const armed = kind.arm(ctx);
      if (!armed) continue;
      deck.splice(i, 1);
      figures.faults[kind.name]!++;
      recent.push(`step ${figures.steps}: ${kind.name}: ${armed.detail}`);
      if (recent.length > 6) recent.shift();
      figures.faultsTotal++;
      const now = Date.now();
      // A fault armed for "the next request" blocks only the symbol whose order meets it: the
      // trader says so (traderSaid below). Others (outages, latency) block every symbol.
      if (fake.faults.armedRequestFaults === armedBefore) blockedUntil = Math.max(blockedUntil, now + armed.blocksMs);
      if (armed.unsettlesMs) unsettledUntil = Math.max(unsettledUntil, now + armed.unsettlesMs);
      if (armed.lasts) {
        lasting.push({
          name: kind.name,
          untilStep: figures.steps + armed.lasts.steps,
          undo: armed.lasts.undo,
          blocksMs: armed.blocksMs,
        });
      }
      return;
    }
  };
  const undoLasting = (all: boolean, only?: string) => {
    for (let i = lasting.length - 1; i >= 0; i--) {
      const l = lasting[i]!;
      if (only !== undefined && l.name !== only) continue;
      if (!all && l.untilStep > figures.steps) continue;
      l.undo();
      lasting.splice(i, 1);
      blockedUntil = Math.max(blockedUntil, Date.now() + l.blocksMs);
      if (l.name === 'user-stream-disorder') unsettledUntil = Math.max(unsettledUntil, Date.now() + 1000);
    }
  };
  /** Per symbol: until when the trader's own lines say its orders were refused, unknown or retried. */
  const symbolBlocks = new Map<string, number>();
  let scanned = 0;
  const traderSaid = (): void => {
    const t = trader;
    if (!t) return;
    if (scanned > t.out.length) scanned = 0; // a new process
    const end = t.out.lastIndexOf('\n') + 1;
    const text = t.out.slice(scanned, end);
    scanned = end;
    const now = Date.now();
    for (const line of text.split('\n')) {
      const m =
        /^⚠️ OCO for (\w+) rejected/.exec(line) ??
        /^❌ (\w+): .*(NOT protected|outcome is unknown|buy failed|could not)/.exec(line) ??
        /^🔁 Reconciled (\w+):/.exec(line);
      if (m) symbolBlocks.set(m[1]!, now + SYMBOL_RETRY_MS);
      if (/^(🚨 ALARM: Binance has banned|⏸️ Binance rate limit: paused|🕒 )/.test(line))
        blockedUntil = Math.max(blockedUntil, now + SYMBOL_RETRY_MS);
    }
  };
  const disorderActive = () => lasting.some((l) => l.name === 'user-stream-disorder');

  const check = (): void => {
    traderSaid();
    const ledger = readLedger(dbFile);
    if (!ledger) return;
    figures.checks++;
    const running = trader?.running ?? false;
    const found = checker.run({
      fake,
      apiKey: API_KEY,
      quoteAsset: QUOTE,
      symbols,
      baseOf,
      dustBelow,
      ledger,
      now: Date.now(),
      traderReady: running && (trader?.ready ?? false),
      readyAt,
      blockedUntil,
      symbolBlockedUntil: (symbol) => symbolBlocks.get(symbol) ?? 0,
      unsettledUntil: disorderActive() ? Number.POSITIVE_INFINITY : unsettledUntil,
    });
    for (const f of found) violate(f);
    figures.settledChecks = checker.settledChecks;
    figures.buysRefusedForBalance = checker.buysRefusedForBalance;
    figures.lateSalesRefused = checker.lateSalesRefused;
    figures.unsettledBy = Object.fromEntries(checker.unsettledBy);
    figures.closedTrades = ledger.trades;
    figures.entries = fake.orders(API_KEY).filter((x) => x.side === 'BUY' && Number(x.executedQty) > 0).length;
  };

  const kill = async (): Promise<void> => {
    const t = trader!;
    await t.kill();
    saveLog(t, traderNo);
    figures.kills++;
  };

  const advanceMinute = async (killAtTick: number | undefined): Promise<void> => {
    for (let i = 0; i < TICKS_PER_MINUTE; i++) {
      driver.advance(1);
      if (killAtTick === i) await kill();
      await sleep(tickGapMs);
    }
    figures.minutes++;
  };

  let unsettledAtEnd = false;
  try {
    progress(
      `chaos seed ${o.seed}: ${symbols.length} symbols (${symbols.join(', ')}), ${o.minutes} market minutes, ${FAULT_KINDS.length} fault kinds; work dir ${dir}`,
    );
    await startTrader();
    while (figures.minutes < o.minutes) {
      figures.steps++;
      undoLasting(false);
      if (random() < faultRate) drawFault();
      const killAt = random() < killRate ? Math.floor(random() * TICKS_PER_MINUTE) : undefined;
      await advanceMinute(killAt);
      if (trader && !trader.running && !trader.killed) {
        saveLog(trader, traderNo);
        const end = await trader.exited;
        violate({
          check: 'trader-alive',
          detail: `trader #${traderNo} ended by itself (code ${end.code}, signal ${end.signal}):\n${trader.tail()}`,
        });
        trader.killed = true;
      }
      if (trader?.killed) {
        check(); // the ledger as the kill left it
        // A start whose user data stream keeps being refused ends by design (after 3 attempts):
        // restart into an exchange whose WebSocket API accepts again (REST faults stay armed).
        undoLasting(true, 'streams-refused');
        fake.faults.resetWsApi();
        const down = Math.floor(random() * 3);
        for (let i = 0; i < down && figures.minutes < o.minutes; i++) await advanceMinute(undefined);
        await startTrader();
        figures.restarts++;
      }
      check();
      o.onStep?.(figures.steps, figures);
      if (figures.steps % 25 === 0)
        progress(
          `step ${figures.steps}, minute ${figures.minutes}/${o.minutes}: ${figures.faultsTotal} faults, ${figures.kills} kills, ${figures.entries} entries, ${figures.closedTrades} closed trades, ${figures.violationCount} violations (${Math.round((Date.now() - t0) / 1000)} s)`,
        );
    }
    // The end: every fault disarmed, the market quiet; the ledger must settle and agree.
    undoLasting(true);
    fake.faults.reset();
    const settledBefore = checker.settledChecks;
    const end = Date.now() + (o.finalSettleMs ?? 20_000);
    // At least long enough for the protection deadline to pass over whatever is still open.
    const atLeast = Date.now() + PROTECTION_DEADLINE_MS + 3000;
    while (Date.now() < atLeast || (Date.now() < end && checker.settledChecks === settledBefore)) {
      await sleep(250);
      check();
    }
    if (checker.settledChecks === settledBefore) {
      unsettledAtEnd = true;
      progress(`(the ledger did not settle within ${(o.finalSettleMs ?? 20_000) / 1000} s of the last step)`);
    }
    const t = trader!;
    t.killed = true;
    const stopped = t.exited;
    process.kill(t.pid!, 'SIGINT');
    const r = await Promise.race([stopped, sleep(20_000).then(() => undefined)]);
    saveLog(t, traderNo);
    if (!r || r.code !== 0)
      violate({
        check: 'trader-alive',
        detail: `the trader did not stop cleanly on SIGINT (${r ? `code ${r.code}` : 'still running after 20 s'}):\n${t.tail()}`,
      });
    if (!r) await t.kill();
  } finally {
    if (trader?.running) await trader.kill();
    await fake.close();
    figures.wallMs = Date.now() - t0;
    // Kept when something is to be looked at: a violation, or a ledger that never settled at the end.
    if (!o.workDir && figures.violationCount === 0 && !unsettledAtEnd) rmSync(dir, { recursive: true, force: true });
    else progress(`ledger and trader logs kept in ${dir}`);
  }
  return figures;
}
