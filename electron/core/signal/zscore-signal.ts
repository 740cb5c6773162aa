import type { SignalModel, SignalSettings } from './signal-model';

/** sigma below this counts as zero, and z is 0 (a flat market has no signal). */
export const SIGMA_EPSILON = 1e-12;

/** After this many updates the rolling sums are recomputed from the ring, bounding float drift. */
const RESUM_EVERY = 8192;

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
 * Each update is O(1): rolling sum and sum of squares on a ring buffer of returns, and a rolling sum
 * on a ring of z values.
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
  private sum = 0;
  private sumSq = 0;
  private readonly zs: Float64Array;
  private zHead = 0;
  private zCount = 0;
  private zSum = 0;
  private prevClose = NaN;
  private sinceResum = 0;

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
      const mean = this.sum / n;
      let variance = (this.sumSq - this.sum * mean) / (n - 1);
      if (variance < 0) variance = 0;
      const sigma = Math.sqrt(variance);
      const z = sigma < SIGMA_EPSILON ? 0 : (r - mean) / sigma;
      this.rawZ = z;
      this.pushZ(z);
      // Slide the window: drop the oldest return, add this one.
      const old = this.returns[this.retHead]!;
      this.returns[this.retHead] = r;
      this.retHead = this.retHead + 1 === n ? 0 : this.retHead + 1;
      this.sum += r - old;
      this.sumSq += r * r - old * old;
      if (++this.sinceResum >= RESUM_EVERY) this.resum();
    } else {
      this.returns[this.retHead] = r;
      this.retHead = this.retHead + 1 === n ? 0 : this.retHead + 1;
      this.retCount++;
      this.sum += r;
      this.sumSq += r * r;
    }
    return this.value;
  }

  private pushZ(z: number): void {
    const m = this.ma;
    if (this.zCount === m) {
      this.zSum += z - this.zs[this.zHead]!;
    } else {
      this.zSum += z;
      this.zCount++;
    }
    this.zs[this.zHead] = z;
    this.zHead = this.zHead + 1 === m ? 0 : this.zHead + 1;
    if (this.zCount === m) this.value = m === 1 ? z : this.zSum / m;
  }

  private resum(): void {
    let s = 0;
    let sq = 0;
    for (let i = 0; i < this.lookback; i++) {
      const r = this.returns[i]!;
      s += r;
      sq += r * r;
    }
    this.sum = s;
    this.sumSq = sq;
    let zs = 0;
    for (let i = 0; i < this.zCount; i++) zs += this.zs[i]!;
    this.zSum = zs;
    this.sinceResum = 0;
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
