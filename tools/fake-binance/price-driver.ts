import { intervalMs, type KlineInterval } from '../../shared/market/intervals';
import type { Candle } from '../../electron/core/ports/market-feed';
import { intrabarPath } from '../../electron/adapters/paper/intrabar';
import { ReplayFeed } from '../../electron/adapters/replay/replay-feed';
import type { KlineSeries } from '../../electron/adapters/replay/kline-csv';
import {
  alignToInterval,
  generateCandles,
  hashString,
  nextOpenTime,
  RandomWalk,
  typicalPrice,
} from '../candles/synthetic';

/**
 * What moves the fake exchange's prices when tests do not push them: a seeded synthetic walk
 * (trend, volatility, occasional jumps) traded tick by tick, or a replay of Binance kline CSV files,
 * candle by candle. Both publish through the same calls a test uses (pushTrade / pushCandle), so the
 * streamed trades and klines and the matching engine always see one price path. A driver runs on a
 * timer (start/stop) or step by step (advance) for deterministic tests.
 */

interface SyntheticMarket {
  kind: 'synthetic';
  seed?: number;
  /** Interval of the generated candles (default 1m). */
  interval?: KlineInterval;
  /** Standard deviation of one candle's log return (default 0.001). */
  volatility?: number;
  /** Mean log return per candle, the trend (default 0). */
  drift?: number;
  /** Chance per candle of a jump (default 0.01); jumps are big enough to move a z-score. */
  jumpProbability?: number;
  /** Typical jump as a fraction of the price (default 0.02). */
  jumpSize?: number;
  /** Real milliseconds between trades when running (default 1000). */
  tickMs?: number;
  /** Market time per real time, e.g. 60 makes a 1m candle last a second (default 1). */
  speed?: number;
  /** Closed candles of history before the start, for warm-ups (default 500). */
  historyCandles?: number;
  /** Prices to start from per symbol (default: familiar recent prices, else 100). */
  startPrices?: Readonly<Record<string, number>>;
  /** Market time of the start (default: now). */
  startTime?: number;
  /** Start the timer at once (default true); false leaves it to advance() or start(). */
  autoStart?: boolean;
}

interface ReplayMarket {
  kind: 'replay';
  /** Folder of `<SYMBOL>-<interval>-*.csv` files (Binance's public data format). */
  dir: string;
  interval: KlineInterval;
  /** Real milliseconds per candle when running (default 1000). */
  candleMs?: number;
  /** Candles of each file that go straight into the REST history instead of being played (default 0). */
  historyCandles?: number;
  /**
   * Shift every time of the recording so that the first played candle opens now (aligned to the
   * interval), the history candles just before it (default false: the recorded times, which a
   * trading engine finds hours or years old and only warms its signals with).
   */
  restamp?: boolean | { startTime: number };
  /**
   * Trade each candle before closing it: one trade per price of its intrabar path (open, low,
   * high, close: electron/adapters/paper/intrabar.ts), each followed by the forming kline
   * (default false: the closed candle only).
   */
  trades?: boolean;
  autoStart?: boolean;
}

export type MarketMode = { kind: 'manual' } | SyntheticMarket | ReplayMarket;

/** The calls a driver publishes through (the fake's own pushTrade / pushCandle / addHistory). */
export interface DriverSink {
  pushTrade(symbol: string, price: number, options: { qty: number; time: number; buyerIsMaker: boolean }): void;
  pushCandle(symbol: string, interval: KlineInterval, candle: Candle, options: { closed: boolean }): void;
  addHistory(symbol: string, interval: KlineInterval, candles: readonly Candle[]): void;
}

export interface PriceDriver {
  /** Moves the market `steps` trades (synthetic) or candles (replay) forward, synchronously. */
  advance(steps?: number): void;
  start(): void;
  stop(): void;
  readonly running: boolean;
  /** Market time of the driver (synthetic: accelerated by speed; replay: close of the last candle played). */
  now(): number;
  /** What a re-stamped replay added to every recorded time (0 otherwise). */
  readonly shiftMs: number;
  /** Candles still to play, over all symbols (a synthetic market never ends: Infinity). */
  readonly remaining: number;
  /** Replays: the trades within the next candles, without closing them (see ReplayDriver). */
  tradeNext?(): void;
}

export function createDriver(mode: MarketMode, symbols: readonly string[], sink: DriverSink): PriceDriver | undefined {
  if (mode.kind === 'synthetic') return new SyntheticDriver(mode, symbols, sink);
  if (mode.kind === 'replay') return new ReplayDriver(mode, symbols, sink);
  return undefined;
}

abstract class TimedDriver implements PriceDriver {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly everyMs: number) {}

  abstract advance(steps?: number): void;
  abstract now(): number;
  abstract readonly shiftMs: number;
  abstract readonly remaining: number;

  get running(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    this.timer ??= setInterval(() => this.advance(1), this.everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

interface WalkingSymbol {
  symbol: string;
  walk: RandomWalk;
  candle: Candle;
}

class SyntheticDriver extends TimedDriver {
  readonly shiftMs = 0;
  readonly remaining = Infinity;
  private readonly interval: KlineInterval;
  private readonly stepMs: number;
  private time: number;
  private readonly live: WalkingSymbol[];

  constructor(
    o: SyntheticMarket,
    symbols: readonly string[],
    private readonly sink: DriverSink,
  ) {
    const tickMs = Math.max(1, o.tickMs ?? 1000);
    super(tickMs);
    this.interval = o.interval ?? '1m';
    this.stepMs = tickMs * (o.speed ?? 1);
    const seed = o.seed ?? 1;
    const volatility = o.volatility ?? 0.001;
    const candleMs = intervalMs(this.interval);
    const ticksPerCandle = Math.max(1, candleMs / this.stepMs);
    const start = o.startTime ?? Date.now();
    const currentOpen = alignToInterval(start, this.interval);
    const count = o.historyCandles ?? 500;
    this.time = start;
    this.live = symbols.map((symbol) => {
      const startPrice = o.startPrices?.[symbol] ?? typicalPrice(symbol);
      const history = generateCandles({
        symbol,
        interval: this.interval,
        startTime: currentOpen - count * candleMs,
        count,
        seed,
        startPrice,
        volatility,
        drift: o.drift,
        jumpProbability: o.jumpProbability ?? 0.01,
        jumpSize: o.jumpSize,
      });
      if (history.length > 0) sink.addHistory(symbol, this.interval, history);
      const last = history[history.length - 1]?.close ?? startPrice;
      const walk = new RandomWalk({
        seed: (seed ^ hashString(`${symbol}-live`)) >>> 0,
        startPrice: last,
        // Per-trade steps scaled so that a candle's worth of trades has the per-candle figures.
        volatility: volatility / Math.sqrt(ticksPerCandle),
        drift: (o.drift ?? 0) / ticksPerCandle,
        jumpProbability: (o.jumpProbability ?? 0.01) / ticksPerCandle,
        jumpSize: o.jumpSize ?? 0.02,
      });
      return { symbol, walk, candle: openCandle(symbol, this.interval, currentOpen, last) };
    });
  }

  now(): number {
    return this.time;
  }

  advance(steps = 1): void {
    for (let i = 0; i < steps; i++) {
      this.time += this.stepMs;
      for (const s of this.live) this.tick(s);
    }
  }

  private tick(s: WalkingSymbol): void {
    const t = this.time;
    if (t > s.candle.closeTime) {
      this.sink.pushCandle(s.symbol, this.interval, s.candle, { closed: true });
      s.candle = openCandle(s.symbol, this.interval, alignToInterval(t, this.interval), s.candle.close);
    }
    const price = s.walk.step();
    const qty = Number(((50 + 950 * s.walk.rand()) / price).toPrecision(4));
    const c = s.candle;
    c.close = price;
    c.high = Math.max(c.high, price);
    c.low = Math.min(c.low, price);
    c.volume += qty;
    this.sink.pushTrade(s.symbol, price, { qty, time: t, buyerIsMaker: s.walk.rand() < 0.5 });
    this.sink.pushCandle(s.symbol, this.interval, { ...c }, { closed: false });
  }
}

class ReplayDriver extends TimedDriver {
  private readonly series: KlineSeries[];
  private readonly pos: number[];
  /** Per symbol, the candle whose trades were played last (-1: none). */
  private readonly traded: number[];
  private time = 0;
  /** What the re-stamp added to every recorded time (0: recorded times). */
  readonly shiftMs: number;

  constructor(
    private readonly o: ReplayMarket,
    symbols: readonly string[],
    private readonly sink: DriverSink,
  ) {
    super(Math.max(1, o.candleMs ?? 1000));
    const feed = new ReplayFeed(o.dir);
    this.series = symbols.map((symbol) => feed.series({ symbol, interval: o.interval }));
    const skip = o.historyCandles ?? 0;
    this.shiftMs = o.restamp ? restampShift(this.series, skip, o) : 0;
    this.pos = this.series.map((s) => {
      const n = Math.min(skip, s.length);
      if (n > 0)
        sink.addHistory(
          s.symbol,
          o.interval,
          s
            .trim(n)
            .toCandles()
            .map((c) => this.shifted(c)),
        );
      return n;
    });
    this.traded = this.series.map(() => -1);
  }

  now(): number {
    return this.time;
  }

  /** Plays the next candle of every symbol (closed, so the matching sees its whole range). */
  advance(steps = 1): void {
    for (let i = 0; i < steps; i++) {
      this.tradeNext();
      this.series.forEach((s, k) => {
        const p = this.pos[k]!;
        if (p >= s.length) return;
        this.pos[k] = p + 1;
        this.sink.pushCandle(s.symbol, this.o.interval, this.shifted(s.candle(p)), { closed: true });
      });
    }
    if (this.series.every((s, k) => this.pos[k]! >= s.length)) this.stop();
  }

  /**
   * Plays the trades within the next candle of every symbol without closing it (advance() closes
   * it): a paced player lets the engine hear of its fills before the candle's close, as on Binance
   * where a candle's trades come a minute before its kline closes. Nothing when trades are off or
   * were played already.
   */
  tradeNext(): void {
    this.series.forEach((s, k) => {
      const p = this.pos[k]!;
      if (p >= s.length || this.traded[k] === p) return;
      this.traded[k] = p;
      const c = this.shifted(s.candle(p));
      this.time = Math.max(this.time, c.closeTime);
      if (this.o.trades) this.tradeThrough(c);
    });
  }

  /** Candles not played yet, over all symbols. */
  get remaining(): number {
    return this.series.reduce((n, s, k) => n + s.length - this.pos[k]!, 0);
  }

  private shifted(c: Candle): Candle {
    return this.shiftMs === 0
      ? c
      : { ...c, openTime: c.openTime + this.shiftMs, closeTime: c.closeTime + this.shiftMs };
  }

  /** The candle's intrabar path as trades spread over its time, each followed by the forming kline. */
  private tradeThrough(c: Candle): void {
    const path = intrabarPath(c);
    const span = c.closeTime - c.openTime;
    const forming: Candle = { ...c, high: c.open, low: c.open, close: c.open, volume: 0 };
    path.forEach((price, i) => {
      const time = c.openTime + Math.floor((span * i) / Math.max(1, path.length - 1));
      forming.high = Math.max(forming.high, price);
      forming.low = Math.min(forming.low, price);
      forming.close = price;
      forming.volume = (c.volume * (i + 1)) / path.length;
      this.sink.pushTrade(c.symbol, price, {
        qty: c.volume / path.length || 0.01,
        time,
        buyerIsMaker: i > 0 && price < path[i - 1]!,
      });
      this.sink.pushCandle(c.symbol, this.o.interval, { ...forming }, { closed: false });
    });
  }
}

/** The shift that makes the first played candle open at the start time (aligned to the interval). */
function restampShift(series: readonly KlineSeries[], skip: number, o: ReplayMarket): number {
  const firsts = series.filter((s) => s.length > skip).map((s) => s.candle(skip).openTime);
  if (firsts.length === 0) return 0;
  const start = typeof o.restamp === 'object' ? o.restamp.startTime : Date.now();
  return alignToInterval(start, o.interval) - Math.min(...firsts);
}

function openCandle(symbol: string, interval: KlineInterval, openTime: number, price: number): Candle {
  const closeTime = nextOpenTime(openTime, interval) - 1;
  return { symbol, interval, openTime, closeTime, open: price, high: price, low: price, close: price, volume: 0 };
}
