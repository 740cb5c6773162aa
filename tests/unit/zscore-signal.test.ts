import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { NaiveZScoreSignal, ZScoreSignal } from '../../electron/core/signal/zscore-signal';

/** A seeded random walk of closes. */
function walk(seed: number, n: number, vol = 0.002): number[] {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const out: number[] = [];
  let p = 100 + rnd() * 50000;
  for (let i = 0; i < n; i++) {
    const u = rnd() + rnd() + rnd() - 1.5; // roughly normal
    p *= Math.exp(u * vol * 2 + (rnd() < 0.01 ? (rnd() - 0.5) * 0.1 : 0));
    out.push(+p.toFixed(2));
  }
  return out;
}

describe('ZScoreSignal', () => {
  it('matches the naive recomputation on random data (many settings)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 3, max: 60 }),
        fc.integer({ min: 1, max: 8 }),
        (seed, lookback, ma) => {
          const closes = walk(seed, 600);
          const fast = new ZScoreSignal({ lookback, movingAverages: ma });
          const slow = new NaiveZScoreSignal({ lookback, movingAverages: ma });
          for (const c of closes) {
            const a = fast.update(c);
            const b = slow.update(c);
            if (Number.isNaN(b)) expect(a).toBeNaN();
            else expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('stays within 1e-9 of the reference after a long run (compensated sums leave no drift)', () => {
    const closes = walk(42, 60_000);
    const fast = new ZScoreSignal({ lookback: 20, movingAverages: 3 });
    const slow = new NaiveZScoreSignal({ lookback: 20, movingAverages: 3 });
    let worst = 0;
    for (const c of closes) {
      const a = fast.update(c);
      const b = slow.update(c);
      if (!Number.isNaN(b)) worst = Math.max(worst, Math.abs(a - b));
    }
    expect(worst).toBeLessThan(1e-9);
  });

  it('a x10 jump in a quiet market, then quiet again: within 1e-9 of the reference all the way (no cancellation residue)', () => {
    // Quiet: one-cent moves around 40000 (returns ~2.5e-7); then one x10 jump; then quiet for 10,000 candles.
    const quiet = (from: number, n: number, seed: number) => {
      let s = seed;
      const out: number[] = [];
      let p = from;
      for (let i = 0; i < n; i++) {
        s = (s * 1664525 + 1013904223) >>> 0;
        p = +(p + ((s >>> 16) % 3) * 0.01 - 0.01).toFixed(2);
        out.push(p);
      }
      return out;
    };
    const closes = [...quiet(40000, 300, 1), 400000, ...quiet(400000, 10_000, 2)];
    for (const [lookback, ma] of [
      [20, 1],
      [5, 3],
      [60, 8],
    ] as const) {
      const fast = new ZScoreSignal({ lookback, movingAverages: ma });
      const slow = new NaiveZScoreSignal({ lookback, movingAverages: ma });
      let worst = 0;
      for (const c of closes) {
        const a = fast.update(c);
        const b = slow.update(c);
        if (!Number.isNaN(b)) worst = Math.max(worst, Math.abs(a - b) / Math.max(1, Math.abs(b)));
      }
      expect(worst).toBeLessThan(1e-9);
    }
  });

  it('a steady trend with tiny noise (the one-pass variance cancels): the two-pass window variance, within 1e-9 of the reference', () => {
    // Returns of 0.001 +- 5e-9: the one-pass variance is below 1e-6 of the sum of squares, so the
    // guard recomputes it around the window's mean; a wrong mean or a skipped guard is off by 1e-5 or more.
    let s = 7;
    let p = 100;
    const closes: number[] = [];
    for (let i = 0; i < 3000; i++) {
      s = (s * 1664525 + 1013904223) >>> 0;
      p *= Math.exp(0.001 + 1e-8 * (s / 2 ** 32 - 0.5));
      closes.push(p);
    }
    for (const [lookback, ma] of [
      [20, 1],
      [7, 2],
      [60, 1],
    ] as const) {
      const fast = new ZScoreSignal({ lookback, movingAverages: ma });
      const slow = new NaiveZScoreSignal({ lookback, movingAverages: ma });
      let worst = 0;
      let compared = 0;
      for (const c of closes) {
        const a = fast.update(c);
        const b = slow.update(c);
        if (Number.isNaN(b)) continue;
        compared++;
        worst = Math.max(worst, Math.abs(a - b) / Math.max(1, Math.abs(b)));
      }
      expect(compared).toBeGreaterThan(2900);
      expect(worst).toBeLessThan(1e-9);
    }
  });

  it('long flat runs and one-tick moves, every lookback from 3 to 60: the direct computation, never a z in the millions', () => {
    // BNBUSDT-like: many equal closes, then a single tick, then equal again.
    const closes: number[] = [];
    let p = 300;
    for (let run = 0; run < 40; run++) {
      for (let i = 0; i < 5 + ((run * 7) % 70); i++) closes.push(p);
      p = +(p + (run % 3 === 0 ? -0.1 : 0.1)).toFixed(1);
      closes.push(p);
    }
    for (let lookback = 3; lookback <= 60; lookback++) {
      const fast = new ZScoreSignal({ lookback, movingAverages: 1 });
      const slow = new NaiveZScoreSignal({ lookback, movingAverages: 1 });
      for (const c of closes) {
        const a = fast.update(c);
        const b = slow.update(c);
        if (Number.isNaN(b)) continue;
        if (b === 0)
          expect(a).toBe(0); // a window of equal closes has no spread: no signal
        else expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
        expect(Math.abs(a)).toBeLessThan(1e4);
      }
    }
  });

  it('gives no signal until lookback + movingAverages + 1 closes, then a value', () => {
    const s = new ZScoreSignal({ lookback: 5, movingAverages: 2 });
    expect(s.warmupCandles).toBe(8);
    const closes = walk(7, 8);
    closes.slice(0, 7).forEach((c) => expect(s.update(c)).toBeNaN());
    expect(s.ready).toBe(false);
    expect(Number.isFinite(s.update(closes[7]!))).toBe(true);
    expect(s.ready).toBe(true);
  });

  it('excludes the current return from its own window (hand-computed example)', () => {
    // lookback 3: closes give returns r1..r4; z4 = (r4 - mean(r1..r3)) / sd(r1..r3)
    const closes = [100, 101, 100, 102, 110];
    const r = closes.slice(1).map((c, i) => Math.log(c / closes[i]!));
    const w = r.slice(0, 3);
    const mean = (w[0]! + w[1]! + w[2]!) / 3;
    const sd = Math.sqrt(w.reduce((a, x) => a + (x - mean) ** 2, 0) / 2);
    const expected = (r[3]! - mean) / sd;
    const s = new ZScoreSignal({ lookback: 3, movingAverages: 1 });
    let v = NaN;
    for (const c of closes) v = s.update(c);
    expect(v).toBeCloseTo(expected, 12);
  });

  it('is 0 on a flat market (sigma below 1e-12), not a division by zero', () => {
    const s = new ZScoreSignal({ lookback: 4, movingAverages: 1 });
    let v = NaN;
    for (let i = 0; i < 10; i++) v = s.update(250);
    expect(v).toBe(0);
  });

  it('skips a bad price (0, negative, NaN): no return from it or to the next close, and finite values after', () => {
    for (const bad of [0, -5, NaN]) {
      const closes = walk(11, 40);
      const s = new ZScoreSignal({ lookback: 5, movingAverages: 1 });
      let v = NaN;
      for (const c of closes.slice(0, 20)) v = s.update(c);
      expect(Number.isFinite(v)).toBe(true);
      expect(s.update(bad)).toBe(v); // a return into a bad price would be -Infinity or NaN
      expect(s.update(closes[20]!)).toBe(v); // and one out of it +Infinity or NaN
      for (const c of closes.slice(21)) expect(Number.isFinite(s.update(c))).toBe(true);
    }
  });

  it('the naive reference: the same warm-up, not ready until its first value', () => {
    for (const [lookback, ma] of [
      [5, 2],
      [3, 1],
      [9, 4],
    ] as const) {
      const fast = new ZScoreSignal({ lookback, movingAverages: ma });
      const slow = new NaiveZScoreSignal({ lookback, movingAverages: ma });
      expect(slow.warmupCandles).toBe(fast.warmupCandles);
      const closes = walk(lookback * 10 + ma, fast.warmupCandles);
      for (const c of closes.slice(0, -1)) {
        slow.update(c);
        expect(slow.ready).toBe(false);
      }
      slow.update(closes.at(-1)!);
      expect(slow.ready).toBe(true);
    }
  });

  it('rejects impossible settings', () => {
    expect(() => new ZScoreSignal({ lookback: 2, movingAverages: 1 })).toThrow(/lookback/);
    expect(() => new ZScoreSignal({ lookback: 5, movingAverages: 0 })).toThrow(/movingAverages/);
  });
});
