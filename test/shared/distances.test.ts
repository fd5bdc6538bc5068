import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/rng';
import { discreteEmd1d, histogramDivergences, shiftExplorer, type Move } from '../../src/shared/distances';

/** Applies the moves to a copy of `a`. */
function applyPlan(a: readonly number[], plan: readonly Move[]): number[] {
  const out = [...a];
  for (const { from, to, amount } of plan) {
    out[from] = (out[from] as number) - amount;
    out[to] = (out[to] as number) + amount;
  }
  return out;
}

function planCost(plan: readonly Move[], x: readonly number[]): number {
  return plan.reduce((s, m) => s + m.amount * Math.abs((x[m.to] as number) - (x[m.from] as number)), 0);
}

/** Sorted-sample W1 (total cost) of integer histograms, by expanding each unit of mass into a point. */
function expandedCost(a: readonly number[], b: readonly number[], x: readonly number[]): number {
  const expand = (h: readonly number[]): number[] =>
    h.flatMap((c, i) => new Array<number>(c).fill(x[i] as number));
  const ea = expand(a);
  const eb = expand(b);
  return ea.reduce((s, v, k) => s + Math.abs(v - (eb[k] as number)), 0);
}

describe('discreteEmd1d', () => {
  it("reproduces the blog's piles: W = 5 with sigma = [0, 2, 1, -2, 0]", () => {
    const a = [5, 2, 2, 5];
    const b = [3, 3, 5, 3];
    const r = discreteEmd1d(a, b);
    expect(r.distance).toBe(5);
    expect(r.sigma).toEqual([0, 2, 1, -2, 0]);
    expect(r.plan).toEqual([
      { from: 0, to: 1, amount: 2 },
      { from: 1, to: 2, amount: 1 },
      { from: 3, to: 2, amount: 2 },
    ]);
    expect(planCost(r.plan, [0, 1, 2, 3])).toBe(5);
    expect(applyPlan(a, r.plan)).toEqual(b);
    // the same piles at positions 1..4 (as in the post) or spread out
    expect(discreteEmd1d(a, b, [1, 2, 3, 4]).distance).toBe(5);
    expect(discreteEmd1d(a, b, [0, 10, 11, 20]).distance).toBe(2 * 10 + 1 * 1 + 2 * 9);
  });

  it('is optimal: equals the sorted matching of the expanded masses, on random histograms', () => {
    const rng = new Rng(21);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + rng.int(8);
      const a = Array.from({ length: n }, () => rng.int(5));
      const b = new Array<number>(n).fill(0);
      for (let unit = a.reduce((s, v) => s + v, 0); unit > 0; unit--) {
        const k = rng.int(n);
        b[k] = (b[k] as number) + 1;
      }
      const x: number[] = [];
      for (let i = 0, pos = rng.normal(); i < n; i++, pos += 0.1 + rng.uniform() * 3) x.push(pos);
      const r = discreteEmd1d(a, b, x);
      const expected = expandedCost(a, b, x);
      expect(r.distance).toBeCloseTo(expected, 9);
      expect(planCost(r.plan, x)).toBeCloseTo(expected, 9);
      expect(applyPlan(a, r.plan)).toEqual(b);
      expect(r.sigma.at(-1)).toBe(0);
    }
  });

  it('works with fractional masses and identical histograms', () => {
    const r = discreteEmd1d([0.5, 0, 0.5], [0, 1, 0]);
    expect(r.distance).toBeCloseTo(1, 15);
    expect(r.plan).toEqual([
      { from: 0, to: 1, amount: 0.5 },
      { from: 2, to: 1, amount: 0.5 },
    ]);
    expect(discreteEmd1d([1, 2, 3], [1, 2, 3])).toEqual({ distance: 0, plan: [], sigma: [0, 0, 0, 0] });
  });

  it('refuses unequal masses and malformed input with clear messages', () => {
    expect(() => discreteEmd1d([1, 2], [1, 1])).toThrow(/same total mass, got 3 and 2/);
    expect(() => discreteEmd1d([1, 2], [3])).toThrow(/same length/);
    expect(() => discreteEmd1d([], [])).toThrow(/non-empty/);
    expect(() => discreteEmd1d([1, -1], [0, 0])).toThrow(/a\[1\] must be a finite mass >= 0/);
    expect(() => discreteEmd1d([1, 1], [2, 0], [1, 1])).toThrow(/strictly increasing/);
    expect(() => discreteEmd1d([1, 1], [2, 0], [0])).toThrow(/one value per bin/);
  });
});

describe('histogramDivergences', () => {
  it('disjoint supports: KL = Infinity, JS = ln 2, W1 = distance between the bins', () => {
    const r = histogramDivergences([1, 0, 0, 0], [0, 0, 0, 1]);
    expect(r.kl).toBe(Infinity);
    expect(r.js).toBeCloseTo(Math.LN2, 15);
    expect(r.w1).toBe(3);
    expect(histogramDivergences([1, 0, 0, 0], [0, 0, 0, 1], 0.5).w1).toBe(1.5);
  });

  it('matches the formulas on a small example, normalising counts', () => {
    const p = [0.5, 0.25, 0.25];
    const q = [0.25, 0.25, 0.5];
    const r = histogramDivergences([2, 1, 1], [1, 1, 2]);
    const kl = (x: number[], y: number[]): number =>
      x.reduce((s, xi, i) => (xi > 0 ? s + xi * Math.log(xi / (y[i] as number)) : s), 0);
    const m = p.map((pi, i) => (pi + (q[i] as number)) / 2);
    expect(r.kl).toBeCloseTo(kl(p, q), 14);
    expect(r.js).toBeCloseTo(0.5 * kl(p, m) + 0.5 * kl(q, m), 14);
    expect(r.w1).toBeCloseTo(0.25 + 0.25, 14);
    expect(histogramDivergences([0, 1], [1, 1]).kl).toBeCloseTo(Math.log(2), 14); // 0 ln 0 = 0
  });

  it('JS is symmetric, bounded by ln 2 and 0 for equal histograms', () => {
    const rng = new Rng(22);
    for (let trial = 0; trial < 50; trial++) {
      const p = Array.from({ length: 6 }, () => (rng.uniform() < 0.3 ? 0 : rng.uniform()));
      const q = Array.from({ length: 6 }, () => (rng.uniform() < 0.3 ? 0 : rng.uniform()));
      p[0] = (p[0] as number) + 0.1;
      q[5] = (q[5] as number) + 0.1;
      const pq = histogramDivergences(p, q);
      expect(pq.js).toBeCloseTo(histogramDivergences(q, p).js, 14);
      expect(pq.w1).toBeCloseTo(histogramDivergences(q, p).w1, 14);
      expect(pq.js).toBeGreaterThanOrEqual(0);
      expect(pq.js).toBeLessThanOrEqual(Math.LN2);
      expect(histogramDivergences(p, p)).toEqual({ kl: 0, js: 0, w1: 0 });
    }
  });

  it('stays finite for tiny but non-zero masses and rejects bad input', () => {
    const r = histogramDivergences([1, 1e-320], [1e-320, 1]);
    expect(r.kl).toBeCloseTo(-Math.log(1e-320), 6); // ~737, where p / q overflows
    expect(r.js).toBeCloseTo(Math.LN2, 12);
    expect(() => histogramDivergences([0, 0], [1, 0])).toThrow(/positive total mass/);
    expect(() => histogramDivergences([1], [1, 0])).toThrow(/same length/);
    expect(() => histogramDivergences([1, Number.NaN], [1, 0])).toThrow(/p\[1\]/);
    expect(() => histogramDivergences([1], [1], 0)).toThrow(/binWidth/);
  });
});

describe('shiftExplorer', () => {
  const shifts = Array.from({ length: 81 }, (_, i) => i * 0.25);

  it('KL is the closed form theta^2 / (2 sigma^2) and W1 = |theta|, for any sigma', () => {
    for (const sigma of [1, 0.5, 3]) {
      const r = shiftExplorer({ sigma, shifts: [-4, -1, 0, 0.5, 2, 7] });
      for (const row of r.rows) {
        expect(row.kl).toBe((row.shift * row.shift) / (2 * sigma * sigma));
        expect(row.w1).toBe(Math.abs(row.shift));
      }
      // W1 is linear in the shift
      const w = shiftExplorer({ sigma, shifts: [1, 2, 3] }).rows.map((row) => row.w1);
      expect(w).toEqual([1, 2, 3]);
    }
  });

  it('JS is 0 at theta = 0, ~theta^2 / 8 near 0, non-decreasing in |theta| and -> ln 2', () => {
    const r = shiftExplorer({ shifts: [...shifts, 25, 30, 50, 100] });
    expect(r.rows[0]?.js).toBe(0);
    expect(shiftExplorer({ shifts: [0.01] }).rows[0]?.js).toBeCloseTo(0.01 ** 2 / 8, 9);
    for (let i = 1; i < r.rows.length; i++) {
      expect(r.rows[i]?.js).toBeGreaterThanOrEqual(r.rows[i - 1]?.js as number);
    }
    expect(r.rows[4]?.js).toBeGreaterThan(r.rows[2]?.js as number); // strictly growing while unsaturated
    expect(Math.abs((r.rows.at(-1)?.js as number) - Math.LN2)).toBeLessThan(1e-6);
    expect(shiftExplorer({ sigma: 2, shifts: [200] }).rows[0]?.js).toBeCloseTo(Math.LN2, 6);
  });

  it('JS is symmetric in the sign of theta and depends only on theta / sigma', () => {
    const plus = shiftExplorer({ shifts: [0.3, 1.7, 5] }).rows.map((row) => row.js);
    const minus = shiftExplorer({ shifts: [-0.3, -1.7, -5] }).rows.map((row) => row.js);
    const scaled = shiftExplorer({ sigma: 4, shifts: [1.2, 6.8, 20] }).rows.map((row) => row.js);
    plus.forEach((js, i) => {
      expect(minus[i]).toBeCloseTo(js, 14);
      expect(scaled[i]).toBeCloseTo(js, 14);
    });
  });

  it('continuous JS matches an independent integration of the densities', () => {
    const reference = (d: number): number => {
      const pdf = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
      const steps = 20000;
      const lo = -14;
      const h = (d + 28) / steps;
      let s = 0;
      for (let k = 0; k <= steps; k++) {
        const x = lo + k * h;
        const p = pdf(x);
        const q = pdf(x - d);
        const m = (p + q) / 2;
        const term = (p > 0 ? 0.5 * p * Math.log(p / m) : 0) + (q > 0 ? 0.5 * q * Math.log(q / m) : 0);
        s += (k === 0 || k === steps ? 0.5 : 1) * term;
      }
      return s * h;
    };
    for (const d of [0.5, 1, 3, 8]) {
      expect(shiftExplorer({ shifts: [d] }).rows[0]?.js).toBeCloseTo(reference(d), 9);
    }
  });

  it('histograms: close to the continuous values for small shifts, KL = Infinity and JS = ln 2 when apart', () => {
    const r = shiftExplorer({ shifts: [0, 1, 3, 30, 34, 100] });
    expect(r.lo).toBe(-6);
    expect(r.hi).toBe(106);
    expect(r.bins).toBe(1000);
    const [zero, one, three, thirty, beyond, far] = r.rows;
    expect(zero?.histogram).toEqual({ kl: 0, js: 0, w1: 0 });
    for (const row of [one, three, thirty]) {
      expect(row?.histogram.kl).toBeCloseTo(row?.kl as number, 5);
      expect(row?.histogram.js).toBeCloseTo(row?.js as number, 6);
      expect(Math.abs((row?.histogram.w1 as number) - (row?.w1 as number))).toBeLessThan(r.binWidth);
    }
    expect(beyond?.histogram.kl).toBe(Infinity); // some bin of p is > 38.6 sigma from theta
    expect(far?.histogram.kl).toBe(Infinity);
    expect(far?.histogram.js).toBeCloseTo(Math.LN2, 14);
    expect(Math.abs((far?.histogram.w1 as number) - 100)).toBeLessThan(r.binWidth);
    // a grid that misses the shifted copy entirely gives NaN for its histogram values
    const off = shiftExplorer({ shifts: [1000], range: [-10, 10] }).rows[0];
    expect(off?.histogram.js).toBeNaN();
    expect(off?.js).toBeCloseTo(Math.LN2, 12);
  });

  it('rejects bad options', () => {
    expect(() => shiftExplorer({ sigma: 0, shifts: [1] })).toThrow(/sigma/);
    expect(() => shiftExplorer({ shifts: [Number.NaN] })).toThrow(/finite/);
    expect(() => shiftExplorer({ shifts: [1], bins: 1 })).toThrow(/bins/);
    expect(() => shiftExplorer({ shifts: [1], range: [2, 1] })).toThrow(/lo < hi/);
  });
});
