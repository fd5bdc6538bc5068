import { describe, expect, it } from 'vitest';
import { solveAssignment } from '../../src/engine/metrics/assignment';
import {
  exactW1,
  optimalMatching,
  slicedWasserstein,
  wasserstein1d,
} from '../../src/engine/metrics/point-metrics';
import { Rng } from '../../src/engine/rng';

/** Minimum over all permutations of sum_i cost[i][s(i)] (Heap's algorithm). */
function bruteForce(cost: Float64Array, n: number): number {
  const perm = Array.from({ length: n }, (_, i) => i);
  const total = (): number => perm.reduce((s, j, i) => s + (cost[i * n + j] as number), 0);
  let best = total();
  const c = new Array<number>(n).fill(0);
  let i = 1;
  while (i < n) {
    if ((c[i] as number) < i) {
      const k = i % 2 === 0 ? 0 : (c[i] as number);
      [perm[k], perm[i]] = [perm[i] as number, perm[k] as number];
      best = Math.min(best, total());
      c[i] = (c[i] as number) + 1;
      i = 1;
    } else {
      c[i] = 0;
      i++;
    }
  }
  return best;
}

function expectPermutation(assignment: Int32Array, n: number): void {
  expect(assignment.length).toBe(n);
  expect([...assignment].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
}

/** Checks the dual certificate: u_i + v_j <= c_ij everywhere, tight on the assignment. */
function expectOptimalDuals(cost: Float64Array, n: number, tol: number): void {
  const r = solveAssignment(cost, n);
  let slackMin = Infinity;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const slack =
        (cost[i * n + j] as number) - (r.rowPotential[i] as number) - (r.colPotential[j] as number);
      slackMin = Math.min(slackMin, slack);
      if (r.assignment[i] === j) expect(Math.abs(slack)).toBeLessThan(tol);
    }
  }
  expect(slackMin).toBeGreaterThan(-tol);
  const dual = r.rowPotential.reduce((s, x) => s + x, 0) + r.colPotential.reduce((s, x) => s + x, 0);
  expect(Math.abs(dual - r.total)).toBeLessThan(tol * n);
}

function randomPoints(rng: Rng, n: number, d: number, scale = 1): Float32Array {
  return rng.fillNormal(new Float32Array(n * d), 0, scale);
}

/** The points of `pts` (n x d) in the order given by perm. */
function permuted(pts: Float32Array, d: number, perm: number[]): Float32Array {
  const out = new Float32Array(pts.length);
  perm.forEach((src, i) => out.set(pts.subarray(src * d, src * d + d), i * d));
  return out;
}

function shuffle(rng: Rng, n: number): number[] {
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [perm[i], perm[j]] = [perm[j] as number, perm[i] as number];
  }
  return perm;
}

describe('solveAssignment', () => {
  it('matches brute force over all permutations for random n <= 7', () => {
    const rng = new Rng(1);
    for (let trial = 0; trial < 600; trial++) {
      const n = 1 + (trial % 7);
      const cost = new Float64Array(n * n);
      const kind = trial % 3;
      for (let k = 0; k < cost.length; k++) {
        // continuous costs, small integers (many ties), and signed values
        cost[k] = kind === 0 ? rng.uniform() : kind === 1 ? rng.int(3) : 100 * rng.normal();
      }
      const r = solveAssignment(cost, n);
      expectPermutation(r.assignment, n);
      const direct = [...r.assignment].reduce((s, j, i) => s + (cost[i * n + j] as number), 0);
      expect(r.total).toBeCloseTo(direct, 9);
      expect(r.total).toBeCloseTo(bruteForce(cost, n), 9);
    }
  });

  it('handles degenerate matrices: all equal, n = 0, n = 1', () => {
    const flat = solveAssignment(new Float64Array(36).fill(2.5), 6);
    expectPermutation(flat.assignment, 6);
    expect(flat.total).toBe(15);
    expect(solveAssignment(new Float64Array(0), 0).total).toBe(0);
    const one = solveAssignment(Float64Array.of(-3), 1);
    expect([...one.assignment]).toEqual([0]);
    expect(one.total).toBe(-3);
  });

  it('finds a hidden anti-diagonal optimum and certifies optimality with its duals', () => {
    const n = 40;
    const rng = new Rng(2);
    const cost = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) cost[i * n + j] = 1 + rng.uniform();
    for (let i = 0; i < n; i++) cost[i * n + (n - 1 - i)] = 0.5;
    const r = solveAssignment(cost, n);
    expect([...r.assignment]).toEqual(Array.from({ length: n }, (_, i) => n - 1 - i));
    expect(r.total).toBe(20);
    expectOptimalDuals(cost, n, 1e-9);
  });

  it('satisfies the dual certificate on 1,000 real (8 modes) vs 1,000 collapsed generated points', () => {
    const rng = new Rng(3);
    const n = 1000;
    const a = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      const angle = (rng.int(8) * Math.PI) / 4;
      a[2 * i] = 2 * Math.cos(angle) + 0.02 * rng.normal();
      a[2 * i + 1] = 2 * Math.sin(angle) + 0.02 * rng.normal();
    }
    const b = randomPoints(rng, n, 2, 0.5);
    const cost = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        cost[i * n + j] = Math.hypot(
          (a[2 * i] as number) - (b[2 * j] as number),
          (a[2 * i + 1] as number) - (b[2 * j + 1] as number),
        );
      }
    }
    expectOptimalDuals(cost, n, 1e-9);
  });

  it('rejects bad input', () => {
    expect(() => solveAssignment(new Float64Array(5), 2)).toThrow(/n x n = 4/);
    expect(() => solveAssignment(new Float64Array(4), 1.5)).toThrow(/non-negative integer/);
    expect(() => solveAssignment(Float64Array.of(0, Number.NaN, 1, 2), 2)).toThrow(/cost\[1\] is not finite/);
  });
});

describe('exactW1', () => {
  it('equals brute force over matchings for small 2D sets', () => {
    const rng = new Rng(4);
    for (let trial = 0; trial < 60; trial++) {
      const n = 1 + (trial % 6);
      const a = randomPoints(rng, n, 2);
      const b = randomPoints(rng, n, 2);
      const cost = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          cost[i * n + j] = Math.hypot(
            (a[2 * i] as number) - (b[2 * j] as number),
            (a[2 * i + 1] as number) - (b[2 * j + 1] as number),
          );
        }
      }
      expect(exactW1(a, b, 2)).toBeCloseTo(bruteForce(cost, n) / n, 9);
    }
  });

  it('is 0 between a set and a shuffled copy, and returns the matching', () => {
    const rng = new Rng(5);
    const a = randomPoints(rng, 300, 2);
    const perm = shuffle(rng, 300);
    const m = optimalMatching(a, permuted(a, 2, perm), 2);
    expect(m.distance).toBe(0);
    // point i of a is row perm.indexOf(i) of the shuffled copy
    for (let i = 0; i < 300; i++) expect(perm[m.assignment[i] as number]).toBe(i);
  });

  it('is |t| for a translated copy, the lower bound |mean difference| (W1 >= |E a - E b|)', () => {
    const rng = new Rng(6);
    for (const t of [
      [0.3, -0.4],
      [5, 12],
      [-0.01, 0.02],
    ] as const) {
      const a = randomPoints(rng, 150, 2);
      const b = permuted(
        a.map((x, k) => x + (t[k % 2] as number)),
        2,
        shuffle(rng, 150),
      );
      expect(exactW1(a, b, 2)).toBeCloseTo(Math.hypot(t[0], t[1]), 5);
    }
  });

  it('in 1D equals the sorted-matching formula and wasserstein1d', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 20; trial++) {
      const n = 1 + rng.int(80);
      const a = randomPoints(rng, n, 1);
      const b = randomPoints(rng, n, 1, 2);
      const sa = [...a].sort((x, y) => x - y);
      const sb = [...b].sort((x, y) => x - y);
      const sorted = sa.reduce((s, x, i) => s + Math.abs(x - (sb[i] as number)), 0) / n;
      expect(exactW1(a, b, 1)).toBeCloseTo(sorted, 9);
      expect(wasserstein1d(a, b)).toBeCloseTo(sorted, 12);
    }
  });

  it('lies between |mean difference| and the identity matching in 3D', () => {
    const rng = new Rng(8);
    const n = 100;
    const a = randomPoints(rng, n, 3);
    const b = randomPoints(rng, n, 3, 2).map((x, k) => x + (k % 3 === 0 ? 1 : 0));
    const w = exactW1(a, b, 3);
    const mean = [0, 1, 2].map((k) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += (a[3 * i + k] as number) - (b[3 * i + k] as number);
      return s / n;
    });
    let identity = 0;
    for (let i = 0; i < n; i++) {
      identity += Math.hypot(...[0, 1, 2].map((k) => (a[3 * i + k] as number) - (b[3 * i + k] as number)));
    }
    expect(w).toBeGreaterThanOrEqual(Math.hypot(...mean) - 1e-12);
    expect(w).toBeLessThanOrEqual(identity / n + 1e-12);
  });

  it('gives NaN for non-finite points and throws on malformed input', () => {
    const a = Float32Array.of(0, 0, 1, 1);
    expect(exactW1(a, Float32Array.of(0, Number.NaN, 1, 1), 2)).toBeNaN();
    expect(exactW1(a, Float32Array.of(0, Infinity, 1, 1), 2)).toBeNaN();
    expect(() => exactW1(a, Float32Array.of(0, 0), 2)).toThrow(/equal-size sets, got 2 and 1/);
    expect(() => exactW1(a, Float32Array.of(0, 0, 1), 2)).toThrow(/n x 2/);
    expect(() => exactW1(a, a, 0)).toThrow(/positive integer/);
    expect(() => exactW1(new Float32Array(0), new Float32Array(0), 2)).toThrow(/at least one point/);
  });
});

describe('wasserstein1d', () => {
  it('integrates the quantile functions for unequal sizes', () => {
    expect(wasserstein1d([0], [0, 1])).toBeCloseTo(0.5, 15);
    expect(wasserstein1d([1, 0], [2, 0, 1])).toBeCloseTo(0.5, 15);
    expect(wasserstein1d([0, 1, 2], [0, 0, 1, 1, 2, 2])).toBe(0);
    expect(wasserstein1d([3], [0, 10, 2])).toBeCloseTo(11 / 3, 12);
    expect(wasserstein1d([0, 1], [0, 1, 2])).toBeCloseTo(wasserstein1d([0, 1, 2], [0, 1]), 15);
    expect(wasserstein1d([0, Number.NaN], [1])).toBeNaN();
  });
});

describe('slicedWasserstein', () => {
  it('is 0 for identical sets and for a shuffled copy', () => {
    const rng = new Rng(9);
    const a = randomPoints(rng, 200, 2);
    expect(slicedWasserstein(a, a, 2, { rng: new Rng(1) })).toBe(0);
    expect(slicedWasserstein(a, permuted(a, 2, shuffle(rng, 200)), 2, { rng: new Rng(1) })).toBe(0);
  });

  it('is |t| E|cos| = 2|t|/pi for a translation in 2D', () => {
    const rng = new Rng(10);
    const a = randomPoints(rng, 50, 2);
    const t = [3, -4];
    const b = a.map((x, k) => x + (t[k % 2] as number));
    const sw = slicedWasserstein(a, b, 2, { rng: new Rng(2), projections: 20000 });
    // standard error of the Monte Carlo mean: 5 * 0.31 / sqrt(20000) = 0.011
    expect(Math.abs(sw - (5 * 2) / Math.PI)).toBeLessThan(0.04);
    // the same directions give |<theta, t>| exactly, for single points
    const one = slicedWasserstein(Float32Array.of(0, 0), Float32Array.of(3, -4), 2, {
      rng: new Rng(2),
      projections: 20000,
    });
    expect(one).toBeCloseTo(sw, 5);
  });

  it('is deterministic per seed, symmetric, varies with the seed and never exceeds W1', () => {
    const rng = new Rng(11);
    const a = randomPoints(rng, 120, 2);
    const b = randomPoints(rng, 120, 2, 2);
    const s1 = slicedWasserstein(a, b, 2, { rng: new Rng(7) });
    expect(slicedWasserstein(a, b, 2, { rng: new Rng(7) })).toBe(s1);
    expect(slicedWasserstein(b, a, 2, { rng: new Rng(7) })).toBeCloseTo(s1, 12);
    expect(slicedWasserstein(a, b, 2, { rng: new Rng(8) })).not.toBe(s1);
    expect(s1).toBeGreaterThan(0);
    expect(s1).toBeLessThanOrEqual(exactW1(a, b, 2));
  });

  it('handles unequal sizes and rejects bad options; NaN for non-finite points', () => {
    const rng = new Rng(12);
    const a = randomPoints(rng, 100, 2);
    const doubled = new Float32Array(400);
    doubled.set(a, 0);
    doubled.set(a, 200);
    expect(slicedWasserstein(a, doubled, 2, { rng: new Rng(3), projections: 64 })).toBeCloseTo(0, 12);
    const sub = a.slice(0, 60);
    const s = slicedWasserstein(a, sub, 2, { rng: new Rng(3) });
    expect(s).toBeCloseTo(slicedWasserstein(sub, a, 2, { rng: new Rng(3) }), 12);
    expect(s).toBeGreaterThan(0);
    expect(() => slicedWasserstein(a, a, 2, { rng: new Rng(1), projections: 0 })).toThrow(/projections/);
    expect(slicedWasserstein(a, Float32Array.of(Number.NaN, 0), 2, { rng: new Rng(1) })).toBeNaN();
  });
});
