/**
 * Signal latency, end to end in one process (so one clock, performance.now(), serves both sides):
 * from a closed-kline frame leaving the local Binance exchange (tools/fake-binance) to the market
 * buy it triggers arriving back at that exchange.
 *
 * The live stack runs as `startTrading` runs it against Binance: a TradingSession with a LiveVenue
 * (BinanceExchange on the `binance` client, REST + WebSocket API user stream), market data through
 * BinancePublicFeed over the exchange's /stream, the real ZScoreSignal, the SQLite ledger as live
 * ledgers open it (WAL, synchronous=FULL: an fsync per commit) in a temporary folder, and the CLI's
 * console lines (written to /dev/null). Each signal is a full round trip: quiet closed candles, one
 * closed candle with a +3% close (the buy signal), the buy, the protective OCO, then a trade at the
 * take-profit that closes the position, so the next signal starts from the same state.
 *
 * Four instants per signal:
 *   t_send     just before the exchange publishes the closed kline (pushCandle writes the frame to
 *              the socket synchronously: ws without permessage-deflate)
 *   t_sink     the session's feed sink receives the candle (the frame was read from the socket,
 *              parsed by the binance WebsocketClient and queued by BinancePublicFeed)
 *   t_exchange BinanceExchange.marketBuyByQuote is called (signal, ledger transaction with fsync,
 *              engine events are done)
 *   t_arrive   the exchange has received POST /api/v3/order (its router read the whole request;
 *              observed through the fault plan's interceptor, which it consults for every request)
 */
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { endpointsFor } from '../../electron/adapters/binance/environments';
import { TradingSession } from '../../electron/app/trading-session';
import { createOutput } from '../../electron/cli/output';
import type { EngineEvent } from '../../electron/core/engine/engine-events';
import type { Candle, FeedSink } from '../../electron/core/ports/market-feed';
import { validateParameterFile } from '../../shared/params/schema';
import { startFakeBinance, type FakeBinance } from '../fake-binance/server';

export interface LatencyOptions {
  /** Signals measured (default 200; npm run bench measures 500). */
  signals?: number;
  /** Signals run first and not counted (JIT, first connections). Default 20. */
  warmup?: number;
  /** Where the ledger's temporary folder is made (default os.tmpdir()): the disk decides the fsync's cost. */
  dir?: string;
  log?: (line: string) => void;
}

interface Percentiles {
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LatencyReport {
  signals: number;
  warmupSignals: number;
  /** File system under the ledger: an fsync on tmpfs costs nothing, on a disk it is most of the budget. */
  ledgerFileSystem: string;
  /** Milliseconds per segment, over the measured signals. */
  segmentsMs: {
    /** t_arrive - t_send: the whole path, binance client included. */
    frameToExchange: Percentiles;
    /** t_sink - t_send: socket, frame parsing (binance WebsocketClient), feed queue. */
    socketAndParse: Percentiles;
    /** t_exchange - t_sink: our own processing (signal, ledger transaction with fsync, engine, events). */
    ownProcessing: Percentiles;
    /** Part of ownProcessing: Ledger.reserve, one SQLite transaction with an fsync. */
    ledgerReserve: Percentiles;
    /** ownProcessing without ledgerReserve: signal, engine, events. */
    ownProcessingBesidesLedger: Percentiles;
    /** Part of ownProcessing: engine events (console lines) emitted before the buy. */
    eventOutput: Percentiles;
    /** t_arrive - t_exchange: request weight check, signing, HTTP to the exchange. */
    requestToExchange: Percentiles;
  };
  /** Measured signals during which a garbage collection ran (PerformanceObserver 'gc'). */
  signalsWithGc: number;
  targetOwnProcessingP99Ms: number;
  targetMet: boolean;
  elapsedMs: number;
}

const SYMBOL = 'BTCUSDT';
const MINUTE = 60_000;
const LOOKBACK = 20;
const SPIKE = 1.03;
/** Quiet returns drift back down by the spike over a cycle, alternating around the drift by this much. */
const JITTER = 0.0002;
const TARGET_MS = 2;
const API_KEY = 'latencyBenchKey00000000000000000000000000000000000000000000000001';
const API_SECRET = 'latencyBenchSecret000000000000000000000000000000000000000000000001';

export async function measureSignalLatency(options: LatencyOptions = {}): Promise<LatencyReport> {
  const signals = options.signals ?? 200;
  const warmupSignals = options.warmup ?? 20;
  const log = options.log ?? (() => undefined);
  const started = performance.now();
  const work = mkdtempSync(path.join(options.dir ?? os.tmpdir(), 'tranche-latency-'));
  const devNull = openSync('/dev/null', 'w');
  const gcs: PerformanceEntry[] = [];
  const gcObserver = new PerformanceObserver((list) => gcs.push(...list.getEntries()));
  let fake: FakeBinance | undefined;
  let session: TradingSession | undefined;
  const abort = new AbortController();
  let running: Promise<unknown> | undefined;
  try {
    fake = await startFakeBinance({
      symbols: [SYMBOL],
      accounts: [{ apiKey: API_KEY, apiSecret: API_SECRET, balances: { USDT: '100000' } }],
      // Each of the 500 cycles leaves an order on the books; the bench measures latency, not Binance's order-count limit.
      ordersPer10s: 1e9,
    });
    const sets = validateParameterFile({
      parameterSets: [
        {
          symbol: SYMBOL,
          allocationPercent: 10,
          zScoreThreshold: 5,
          profitPercent: 1,
          stopLossPercent: 2,
          interval: '1m',
          lookback: LOOKBACK,
        },
      ],
    });
    if (!sets.ok) throw new Error('latency bench: the parameter set is invalid');

    // Prices: quiet closes that drift down by the spike over one cycle (so the price stays near
    // 42,000), alternating +-JITTER around the drift so sigma is small but not zero; the spike's
    // return is then ~150 sigma, and no quiet return comes near the exit threshold (-5).
    const quietPerCycle = LOOKBACK + 1; // the spike's return has left the window before the next one
    const drift = -Math.log(SPIKE) / quietPerCycle;
    let price = 42_000;
    let step = 0;
    const nextQuiet = () => (price *= Math.exp(drift + (step++ % 2 === 0 ? JITTER : -JITTER)));

    // Warm-up history on the minute grid, closed before now (served by REST to the session's warm-up).
    const gridEnd = Math.floor(Date.now() / MINUTE) * MINUTE;
    const history: Candle[] = [];
    for (let i = 40; i > 0; i--) {
      const open = price;
      const close = nextQuiet();
      history.push(candle(gridEnd - i * MINUTE, open, close));
    }
    fake.addHistory(SYMBOL, '1m', history);
    // Pushed candles just closed (closeTime = now - 1, as a frame arrives when its candle closes),
    // open times strictly increasing and less than an interval apart: the feed neither skips them as
    // already seen nor backfills a gap, and the engine's staleness rule (closed over 2 intervals
    // ago: warm only) never applies. See docs/benchmarks.md.
    let lastClose = history[history.length - 1]!.closeTime;
    const fresh = (open: number, close: number): Candle => {
      lastClose = Math.max(Date.now() - 1, lastClose + 1);
      return candle(lastClose - MINUTE + 1, open, close);
    };

    // Engine events: the CLI's console lines (to /dev/null, written synchronously like stdout), and
    // waiters for the events a cycle waits on.
    const out = createOutput('pretty', false, (line) => writeSync(devNull, `${line}\n`));
    const waiting = new Map<EngineEvent['type'], { resolve: () => void; reject: (e: Error) => void }>();
    let measuring = false;
    let eventMs = 0;
    const onEvent = (e: EngineEvent, time: number) => {
      const t0 = performance.now();
      out.event(e, time);
      if (measuring) eventMs += performance.now() - t0;
      if (e.type === 'error' || e.type === 'reserve-failed' || e.type === 'oco-rejected' || e.type === 'skip') {
        const err = new Error(`latency bench: unexpected ${e.type} event ${JSON.stringify(e)}`);
        for (const w of waiting.values()) w.reject(err);
        waiting.clear();
        return;
      }
      const w = waiting.get(e.type);
      if (w) {
        waiting.delete(e.type);
        w.resolve();
      }
    };
    const next = (type: EngineEvent['type'], what: string, ms = 10_000): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(type);
          reject(new Error(`latency bench: timed out waiting for ${what}`));
        }, ms);
        waiting.set(type, {
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
      });

    session = TradingSession.open({
      venue: {
        kind: 'live',
        endpoints: endpointsFor('local', {
          restBaseUrl: fake.restUrl,
          streamBaseUrl: fake.wsUrl,
          wsApiBaseUrl: fake.wsUrl,
        }),
        credentials: { apiKey: API_KEY, apiSecret: API_SECRET },
      },
      sets: sets.sets,
      quoteAsset: 'USDT',
      market: { kind: 'binance', restBaseUrl: fake.restUrl, wsBaseUrl: fake.wsUrl },
      dbFile: path.join(work, 'live.sqlite'),
      onEvent,
    });

    // ---- instruments (wrappers on the instances; nothing in the product is changed) ----
    let tSend = NaN;
    let tSink = NaN;
    let tExchange = NaN;
    let tArrive = NaN;
    let reserveMs = NaN;
    let spikeOpen = NaN;
    let delivered = 0;
    let deliveredWaiter: { n: number; resolve: () => void } | undefined;
    const feed = session.feed;
    const feedRun = feed.run.bind(feed);
    feed.run = (subs, sink, signal) => {
      const timed: FeedSink = {
        ...sink,
        onCandle: (c) => {
          if (c.openTime === spikeOpen) {
            tSink = performance.now();
            measuring = true;
          }
          delivered++;
          if (deliveredWaiter && delivered >= deliveredWaiter.n) {
            deliveredWaiter.resolve();
            deliveredWaiter = undefined;
          }
          return sink.onCandle(c);
        },
      };
      return feedRun(subs, timed, signal);
    };
    const exchange = session.exchange;
    const marketBuy = exchange.marketBuyByQuote.bind(exchange);
    exchange.marketBuyByQuote = (req) => {
      tExchange = performance.now();
      measuring = false;
      return marketBuy(req);
    };
    const ledger = session.engine.ledger;
    const reserve = ledger.reserve.bind(ledger);
    ledger.reserve = (...args) => {
      const t0 = performance.now();
      const outcome = reserve(...args);
      reserveMs = performance.now() - t0;
      return outcome;
    };
    const faults = fake.faults;
    const intercept = faults.intercept.bind(faults);
    faults.intercept = (method, urlPath) => {
      if (method === 'POST' && urlPath === '/api/v3/order' && Number.isNaN(tArrive)) tArrive = performance.now();
      return intercept(method, urlPath);
    };
    const deliveredAll = (n: number): Promise<void> =>
      delivered >= n
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error(`latency bench: only ${delivered} of ${n} candles reached the engine`)),
              10_000,
            );
            deliveredWaiter = {
              n,
              resolve: () => {
                clearTimeout(timer);
                resolve();
              },
            };
          });

    await session.start(abort.signal);
    if (Number.isNaN(session.engine.symbolState(SYMBOL)!.signal))
      throw new Error('latency bench: the signal did not warm up from the REST history');
    running = session.run(abort.signal);
    await fake.waitForSubscriber(`${SYMBOL.toLowerCase()}@kline_1m`);
    await fake.waitForSubscriber(`${SYMBOL.toLowerCase()}@trade`);
    gcObserver.observe({ entryTypes: ['gc'] });

    const samples: Array<{
      send: number;
      sink: number;
      exchange: number;
      arrive: number;
      reserve: number;
      events: number;
    }> = [];
    let pushed = 0;
    for (let i = 0; i < warmupSignals + signals; i++) {
      for (let q = 0; q < quietPerCycle; q++) {
        const open = price;
        fake.pushCandle(SYMBOL, '1m', fresh(open, nextQuiet()));
        pushed++;
      }
      await deliveredAll(pushed);
      // Let the quiet candles' work finish: the signal candle comes to an idle process, as it would.
      await new Promise((r) => setTimeout(r, 1));

      const open = price;
      price *= SPIKE;
      const spike = fresh(open, price);
      tSend = tSink = tExchange = tArrive = reserveMs = NaN;
      eventMs = 0;
      spikeOpen = spike.openTime;
      const protectedPosition = next('oco-placed', `the OCO of signal ${i + 1}`);
      tSend = performance.now();
      fake.pushCandle(SYMBOL, '1m', spike);
      pushed++;
      await protectedPosition;
      const sample = {
        send: tSend,
        sink: tSink,
        exchange: tExchange,
        arrive: tArrive,
        reserve: reserveMs,
        events: eventMs,
      };
      if (!(sample.send < sample.sink && sample.sink < sample.exchange && sample.exchange < sample.arrive))
        throw new Error(`latency bench: signal ${i + 1} was not timed in order: ${JSON.stringify(sample)}`);
      if (i >= warmupSignals) samples.push(sample);

      // Close the position at the take-profit so the next signal can buy again.
      const p = session.engine.ledger.position(SYMBOL);
      if (!p?.takeProfitPrice) throw new Error(`latency bench: signal ${i + 1} left no protected position`);
      const closed = next('position-closed', `the take-profit of signal ${i + 1}`);
      fake.pushTrade(SYMBOL, p.takeProfitPrice.toNumber() * 1.001);
      await closed;
      if ((i + 1) % 100 === 0) log(`  latency: ${i + 1} of ${warmupSignals + signals} signals`);
    }
    gcObserver.disconnect();

    const seg = (f: (s: (typeof samples)[number]) => number) => percentiles(samples.map(f));
    const segmentsMs = {
      frameToExchange: seg((s) => s.arrive - s.send),
      socketAndParse: seg((s) => s.sink - s.send),
      ownProcessing: seg((s) => s.exchange - s.sink),
      ledgerReserve: seg((s) => s.reserve),
      ownProcessingBesidesLedger: seg((s) => s.exchange - s.sink - s.reserve),
      eventOutput: seg((s) => s.events),
      requestToExchange: seg((s) => s.arrive - s.exchange),
    };
    const signalsWithGc = samples.filter((s) =>
      gcs.some((g) => g.startTime < s.arrive && g.startTime + g.duration > s.send),
    ).length;
    return {
      signals: samples.length,
      warmupSignals,
      ledgerFileSystem: fileSystemOf(work),
      segmentsMs,
      signalsWithGc,
      targetOwnProcessingP99Ms: TARGET_MS,
      targetMet: segmentsMs.ownProcessing.p99 < TARGET_MS,
      elapsedMs: performance.now() - started,
    };
  } finally {
    gcObserver.disconnect();
    abort.abort();
    await running?.catch(() => undefined);
    await session?.close();
    await fake?.close();
    closeSync(devNull);
    rmSync(work, { recursive: true, force: true });
  }
}

/** The table printed by `npm run bench`. */
export function latencyLines(r: LatencyReport): string[] {
  const ms = (n: number) => `${n.toFixed(3)} ms`.padStart(10);
  const row = (label: string, p: Percentiles) => `  ${label.padEnd(50)}${ms(p.p50)}${ms(p.p99)}${ms(p.max)}`;
  const s = r.segmentsMs;
  return [
    `Signal latency, closed-kline frame -> buy request at the local exchange (${r.signals} signals after ${r.warmupSignals} warm-up; ledger on ${r.ledgerFileSystem}):`,
    `  ${'segment'.padEnd(50)}${'p50'.padStart(10)}${'p99'.padStart(10)}${'max'.padStart(10)}`,
    row('frame -> exchange, whole path', s.frameToExchange),
    row('  socket + binance client parse -> feed sink', s.socketAndParse),
    row('  our processing: sink -> marketBuyByQuote', s.ownProcessing),
    row('    of which ledger reserve (SQLite tx, fsync)', s.ledgerReserve),
    row('    the rest: signal, engine, console lines', s.ownProcessingBesidesLedger),
    row('      of which console lines (signal, reserved)', s.eventOutput),
    row('  signing + HTTP -> exchange received it', s.requestToExchange),
    `  ${r.signalsWithGc} of ${r.signals} signals had a garbage collection in their window`,
    `Target: p99 of our own processing < ${r.targetOwnProcessingP99Ms} ms ${r.targetMet ? 'MET' : 'MISSED'} (${s.ownProcessing.p99.toFixed(3)} ms)`,
  ];
}

function candle(openTime: number, open: number, close: number): Candle {
  return {
    symbol: SYMBOL,
    interval: '1m',
    openTime,
    closeTime: openTime + MINUTE - 1,
    open,
    high: Math.max(open, close),
    low: Math.min(open, close),
    close,
    volume: 1,
  };
}

/** Nearest-rank percentiles. */
function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  return {
    p50: at(50),
    p99: at(99),
    max: sorted[sorted.length - 1] ?? NaN,
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
  };
}

const FS_TYPES: Record<number, string> = {
  0xef53: 'ext4',
  0x01021994: 'tmpfs',
  0x58465342: 'xfs',
  0x9123683e: 'btrfs',
  0x794c7630: 'overlayfs',
  0x6969: 'nfs',
  0x65735546: 'fuse',
};

function fileSystemOf(dir: string): string {
  try {
    const type = Number(statfsSync(dir).type);
    return FS_TYPES[type] ?? `fs type 0x${type.toString(16)}`;
  } catch {
    return 'unknown file system';
  }
}

// `node --expose-gc --import tsx tools/bench/latency.ts [signals] [warmup]`: this measurement alone.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [signals, warmup] = process.argv.slice(2).map(Number);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  void measureSignalLatency({ signals: signals || undefined, warmup: warmup || undefined, log }).then((r) => {
    for (const line of latencyLines(r)) log(line);
  });
}
