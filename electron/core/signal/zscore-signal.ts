import type { SignalModel, SignalSettings } from './signal-model';

/** sigma below this counts as zero, and z is 0 (a flat market has no signal). */
const SIGMA_EPSILON = 1e-12;

/**
 * Below this share of the sum of squares, the variance from the rolling sums has lost too many digits
 * to cancellation (the window's mean dominates its spread): it is computed again from the window
 * itself, in two passes. Above it, the rolling formula is exact to about 1e-10 (relative).
 */
const CANCELLATION_GUARD = 1e-6;

/**
 * A running sum with Neumaier's compensation: adding and removing values of very different sizes
 * (a x10 jump in a quiet market, then the jump leaving the window) leaves no rounding residue
 * behind, so a window that returns to flat has a spread of exactly 0, not 3e-12.
 */
class CompensatedSum {
  private s = 0;
  private c = 0;

  add(x: number): void {
    const t = this.s + x;
    if (Math.abs(this.s) >= Math.abs(x)) this.c += this.s - t + x;
    else this.c += x - t + this.s;
    this.s = t;
  }

  get value(): number {
    return this.s + this.c;
  }
}

/**
 * The z-score of the latest log return against the previous `lookback` returns, smoothed by a
 * moving average over the last `movingAverages` z values. Exactly:
 *
 *   r_t = ln(c_t / c_{t-1})
 *   mu, sigma = mean and sample standard deviation (n - 1) of r_{t-lookback} .. r_{t-1}
 *   z_t = (r_t - mu) / sigma, or 0 when sigma < 1e-12
 *   s_t = mean(z_{t-movingAverages+1} .. z_t)
 *
 * The current return is not in its own window. No signal (NaN) until the window and the moving
 * average are both full: the first signal comes with the (lookback + movingAverages + 1)-th close.
 * Each update is O(1): compensated rolling sums of the returns and their squares on a ring buffer,
 * and of z on another; when the rolling variance would have lost its digits to cancellation, the
 * window's variance is computed directly (O(lookback), rare: a window whose mean dwarfs its spread).
 */
export class ZScoreSignal implements SignalModel {
  readonly warmupCandles: number;
  value = NaN;
  rawZ = NaN;

  private readonly lookback: number;
  private readonly ma: number;
  private readonly returns: Float64Array;
  private retHead = 0;
  private retCount = 0;
  private readonly sum = new CompensatedSum();
  private readonly sumSq = new CompensatedSum();
  private readonly zs: Float64Array;
  private zHead = 0;
  private zCount = 0;
  private readonly zSum = new CompensatedSum();
  private prevClose = NaN;

  constructor(settings: SignalSettings) {
    if (!Number.isInteger(settings.lookback) || settings.lookback < 3)
      throw new RangeError('lookback must be an integer >= 3');
    if (!Number.isInteger(settings.movingAverages) || settings.movingAverages < 1) {
      throw new RangeError('movingAverages must be an integer >= 1');
    }
    this.lookback = settings.lookback;
    this.ma = settings.movingAverages;
    this.returns = new Float64Array(this.lookback);
    this.zs = new Float64Array(this.ma);
    this.warmupCandles = this.lookback + this.ma + 1;
  }

  get ready(): boolean {
    return this.zCount === this.ma;
  }

  update(close: number): number {
    const prev = this.prevClose;
    this.prevClose = close;
    if (!(prev > 0) || !(close > 0)) {
      // First close (or a bad price): no return yet.
      return this.value;
    }
    const r = Math.log(close / prev);
    const n = this.lookback;

    if (this.retCount === n) {
      // Window full: z of this return against the previous n returns.
      const sum = this.sum.value;
      const sq = this.sumSq.value;
      const mean = sum / n;
      let variance = (sq - sum * mean) / (n - 1);
      if (variance * (n - 1) < CANCELLATION_GUARD * sq) variance = this.windowVariance();
      if (variance < 0) variance = 0;
      const sigma = Math.sqrt(variance);
      const z = sigma < SIGMA_EPSILON ? 0 : (r - mean) / sigma;
      this.rawZ = z;
      this.pushZ(z);
      // Slide the window: drop the oldest return, add this one.
      const old = this.returns[this.retHead]!;
      this.returns[this.retHead] = r;
      this.retHead = this.retHead + 1 === n ? 0 : this.retHead + 1;
      this.sum.add(r);
      this.sum.add(-old);
      this.sumSq.add(r * r);
      this.sumSq.add(-(old * old));
    } else {
      this.returns[this.retHead] = r;
      this.retHead = this.retHead + 1 === n ? 0 : this.retHead + 1;
      this.retCount++;
      this.sum.add(r);
      this.sumSq.add(r * r);
    }
    return this.value;
  }

  /** The window's sample variance in two passes around its mean (exact to rounding). */
  private windowVariance(): number {
    const n = this.lookback;
    let s = 0;
    for (let i = 0; i < n; i++) s += this.returns[i]!;
    const mean = s / n;
    let dev = 0;
    let corr = 0;
    for (let i = 0; i < n; i++) {
      const d = this.returns[i]! - mean;
      dev += d * d;
      corr += d;
    }
    // The corrected two-pass formula: removes what rounding left in the mean.
    return (dev - (corr * corr) / n) / (n - 1);
  }

  private pushZ(z: number): void {
    const m = this.ma;
    if (this.zCount === m) {
      this.zSum.add(z);
      this.zSum.add(-this.zs[this.zHead]!);
    } else {
      this.zSum.add(z);
      this.zCount++;
    }
    this.zs[this.zHead] = z;
    this.zHead = this.zHead + 1 === m ? 0 : this.zHead + 1;
    if (this.zCount === m) this.value = m === 1 ? z : this.zSum.value / m;
  }
}

/**
 * The same definition, recomputed from scratch on every candle (O(lookback) per update). It is the
 * reference the tests compare against and the baseline of the benchmark.
 */
export class NaiveZScoreSignal implements SignalModel {
  readonly warmupCandles: number;
  value = NaN;
  rawZ = NaN;
  private readonly closes: number[] = [];
  private readonly zHistory: number[] = [];

  constructor(private readonly settings: SignalSettings) {
    this.warmupCandles = settings.lookback + settings.movingAverages + 1;
  }

  get ready(): boolean {
    return !Number.isNaN(this.value);
  }

  update(close: number): number {
    const c = this.closes;
    c.push(close);
    const n = this.settings.lookback;
    if (c.length > n + 2) c.shift();
    if (c.length < n + 2) return this.value;
    const rets: number[] = [];
    for (let i = 1; i < c.length; i++) rets.push(Math.log(c[i]! / c[i - 1]!));
    const r = rets[rets.length - 1]!;
    const window = rets.slice(0, n);
    const mean = window.reduce((a, b) => a + b, 0) / n;
    const variance = window.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (n - 1);
    const sigma = Math.sqrt(variance);
    const z = sigma < SIGMA_EPSILON ? 0 : (r - mean) / sigma;
    this.rawZ = z;
    this.zHistory.push(z);
    const m = this.settings.movingAverages;
    if (this.zHistory.length > m) this.zHistory.shift();
    if (this.zHistory.length === m) this.value = this.zHistory.reduce((a, b) => a + b, 0) / m;
    return this.value;
  }
}
