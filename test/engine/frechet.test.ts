import { describe, expect, it } from 'vitest';
import {
  classHistogram,
  fitGaussian,
  frechetDistance,
  frechetDistanceOfFeatures,
  type Gaussian,
  sqrtmPsd,
  symmetricEigen,
} from '../../src/engine/metrics/frechet';
import { Rng } from '../../src/engine/rng';

function randomSymmetric(rng: Rng, n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = r; c < n; c++) {
      const v = rng.normal();
      a[r * n + c] = v;
      a[c * n + r] = v;
    }
  }
  return a;
}

/** B Bᵀ / n for a random n x n B, plus `ridge` on the diagonal: a random PSD matrix. */
function randomPsd(rng: Rng, n: number, rank = n, ridge = 0): Float64Array {
  const b = new Float64Array(n * rank);
  for (let i = 0; i < b.length; i++) b[i] = rng.normal();
  const out = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      let s = 0;
      for (let k = 0; k < rank; k++) s += b[r * rank + k]! * b[c * rank + k]!;
      out[r * n + c] = s / n + (r === c ? ridge : 0);
    }
  }
  return out;
}

function matmul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[r * n + k]! * b[k * n + c]!;
      out[r * n + c] = s;
    }
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function gaussian(mean: number[], cov: number[][]): Gaussian {
  const n = mean.length;
  return { dim: n, count: 0, mean: Float64Array.from(mean), cov: Float64Array.from(cov.flat()) };
}

describe('symmetricEigen (cyclic Jacobi)', () => {
  it.each([1, 2, 5, 17, 64])('reconstructs a random symmetric %i x %i matrix from V diag(λ) Vᵀ', (n) => {
    const rng = new Rng(n);
    const a = randomSymmetric(rng, n);
    const { values, vectors, sweeps } = symmetricEigen(a, n);
    expect(sweeps).toBeLessThan(20);
    for (let k = 1; k < n; k++) expect(values[k]!).toBeGreaterThanOrEqual(values[k - 1]!);
    // V orthogonal.
    const vtv = new Float64Array(n * n);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += vectors[k * n + r]! * vectors[k * n + c]!;
        vtv[r * n + c] = s;
      }
    }
    const identity = new Float64Array(n * n);
    for (let i = 0; i < n; i++) identity[i * n + i] = 1;
    expect(maxAbsDiff(vtv, identity)).toBeLessThan(1e-12);
    // A = V diag(λ) Vᵀ, and A v_k = λ_k v_k.
    const rebuilt = new Float64Array(n * n);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += vectors[r * n + k]! * values[k]! * vectors[c * n + k]!;
        rebuilt[r * n + c] = s;
      }
    }
    expect(maxAbsDiff(rebuilt, a)).toBeLessThan(1e-11 * Math.max(1, n));
    let trace = 0;
    for (let i = 0; i < n; i++) trace += a[i * n + i]!;
    expect(values.reduce((s, v) => s + v, 0)).toBeCloseTo(trace, 9);
  });

  it('finds known eigenvalues', () => {
    const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
    expect(values[0]).toBeCloseTo(1, 14);
    expect(values[1]).toBeCloseTo(3, 14);
    expect(Math.abs(vectors[0]!)).toBeCloseTo(Math.SQRT1_2, 14);
    const diag = symmetricEigen([3, 0, 0, 0, -1, 0, 0, 0, 2], 3);
    expect(Array.from(diag.values)).toEqual([-1, 2, 3]);
    expect(diag.sweeps).toBe(0);
  });

  it('refuses bad input', () => {
    expect(() => symmetricEigen([1, 2, 3], 2)).toThrow(/expected 4 values/);
    expect(() => symmetricEigen([1, NaN, NaN, 1], 2)).toThrow(/NaN/);
  });
});

describe('sqrtmPsd', () => {
  it('gives a symmetric root whose square is the matrix', () => {
    const rng = new Rng(11);
    const n = 32;
    const a = randomPsd(rng, n, n, 0.01);
    const { root, clamped } = sqrtmPsd(a, n);
    expect(clamped).toBe(0);
    expect(maxAbsDiff(matmul(root, root, n), a)).toBeLessThan(1e-12);
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) expect(root[r * n + c]).toBe(root[c * n + r]);
  });

  it('clamps the rounding-level negative eigenvalues of a singular matrix and says so', () => {
    const rng = new Rng(12);
    const n = 20;
    const a = randomPsd(rng, n, 5); // rank 5: 15 eigenvalues are 0 up to rounding
    const { root, clamped, minEigenvalue } = sqrtmPsd(a, n);
    expect(minEigenvalue).toBeLessThan(1e-12);
    expect(minEigenvalue).toBeGreaterThan(-1e-12);
    expect(clamped).toBeGreaterThanOrEqual(0);
    expect(clamped).toBeLessThanOrEqual(15);
    expect(maxAbsDiff(matmul(root, root, n), a)).toBeLessThan(1e-10);
  });

  it('refuses a matrix that is clearly not PSD', () => {
    expect(() => sqrtmPsd([1, 0, 0, -1], 2)).toThrow(/not positive semi-definite/);
  });
});

describe('frechetDistance', () => {
  it('fits the unbiased mean and covariance', () => {
    const g = fitGaussian([1, 2, 3, 6, 5, 10], 3, 2);
    expect(Array.from(g.mean)).toEqual([3, 6]);
    // x: 1, 3, 5 (var 4); y: 2, 6, 10 (var 16); cov 8.
    expect(Array.from(g.cov)).toEqual([4, 8, 8, 16]);
    expect(() => fitGaussian([1, 2], 1, 2)).toThrow(/at least 2 samples/);
    expect(() => fitGaussian([1, 2, 3], 2, 2)).toThrow(/expected 2 x 2/);
    expect(() => fitGaussian([1, 2, 3, Infinity], 2, 2)).toThrow(/Infinity/);
  });

  it('is 0 for a feature set with itself', () => {
    const rng = new Rng(3);
    const n = 500;
    const dim = 64;
    const features = new Float32Array(n * dim);
    // Correlated features, some never active (as with ReLU units): a singular covariance.
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      for (let k = 0; k < dim; k++)
        features[i * dim + k] = k % 9 === 0 ? 0 : Math.max(0, z * k * 0.1 + rng.normal());
    }
    const r = frechetDistanceOfFeatures(features, n, features, n, dim);
    expect(r.meanTerm).toBe(0);
    expect(Math.abs(r.traceTerm)).toBeLessThan(1e-9);
    expect(r.distance).toBeLessThan(1e-9);
    expect(r.minEigenvalue).toBeGreaterThan(-1e-9);
  });

  it('equals Σ(μ1 − μ2)² + Σ(σ1 − σ2)² for diagonal covariances', () => {
    const mu1 = [0, 1, -2, 0.5];
    const mu2 = [1, 1, 0, -0.5];
    const s1 = [1, 2, 0.5, 3];
    const s2 = [2, 2, 0.1, 0];
    const diag = (s: number[]) => s.map((v, i) => s.map((_, j) => (i === j ? v * v : 0)));
    const r = frechetDistance(gaussian(mu1, diag(s1)), gaussian(mu2, diag(s2)));
    const meanTerm = mu1.reduce((acc, m, i) => acc + (m - mu2[i]!) ** 2, 0);
    const sdTerm = s1.reduce((acc, s, i) => acc + (s - s2[i]!) ** 2, 0);
    expect(r.meanTerm).toBeCloseTo(meanTerm, 12);
    expect(r.traceTerm).toBeCloseTo(sdTerm, 10);
    expect(r.distance).toBeCloseTo(meanTerm + sdTerm, 10);
  });

  it('matches the closed form after a common rotation, and is symmetric', () => {
    // Rotating both Gaussians by the same orthogonal Q keeps the distance: check with dense covariances.
    const rng = new Rng(5);
    const n = 6;
    const q = symmetricEigen(randomSymmetric(rng, n), n).vectors;
    const s1 = [1, 0.5, 2, 0.1, 1.5, 3];
    const s2 = [0.5, 0.5, 1, 0.2, 2, 0];
    const rotate = (s: number[]) => {
      const out = new Float64Array(n * n);
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < n; c++) {
          let v = 0;
          for (let k = 0; k < n; k++) v += q[r * n + k]! * s[k]! ** 2 * q[c * n + k]!;
          out[r * n + c] = v;
        }
      }
      for (let r = 0; r < n; r++) for (let c = r + 1; c < n; c++) out[c * n + r] = out[r * n + c]!;
      return out;
    };
    const a: Gaussian = { dim: n, count: 0, mean: new Float64Array(n), cov: rotate(s1) };
    const b: Gaussian = { dim: n, count: 0, mean: new Float64Array(n).fill(1), cov: rotate(s2) };
    const expected = n + s1.reduce((acc, s, i) => acc + (s - s2[i]!) ** 2, 0);
    // Σ2 is singular (s2 ends in 0): the square root of a rounding-level eigenvalue (~1e-16) is ~1e-8.
    expect(frechetDistance(a, b).distance).toBeCloseTo(expected, 6);
    expect(frechetDistance(b, a).distance).toBeCloseTo(expected, 6);
  });

  it('grows with the shift between two samples of the same distribution', () => {
    const rng = new Rng(9);
    const n = 2000;
    const dim = 8;
    const a = rng.fillNormal(new Float32Array(n * dim));
    const b = rng.fillNormal(new Float32Array(n * dim));
    const same = frechetDistanceOfFeatures(a, n, b, n, dim).distance;
    const shifted = frechetDistanceOfFeatures(
      a,
      n,
      b.map((v) => v + 0.5),
      n,
      dim,
    ).distance;
    // Sampling error alone: about dim²/n-ish; a 0.5 shift on every axis adds 8 x 0.25 = 2.
    expect(same).toBeLessThan(0.1);
    expect(shifted).toBeGreaterThan(1.8);
    expect(shifted).toBeLessThan(2.2);
    expect(() => frechetDistance(fitGaussian(a, n, dim), fitGaussian(a, 2 * n, dim / 2))).toThrow(
      /dimensions differ/,
    );
  });
});

describe('classHistogram', () => {
  it('counts classes, modes covered (≥ 1% of samples) and KL to uniform', () => {
    const balanced = Array.from({ length: 1000 }, (_, i) => i % 10);
    const h = classHistogram(balanced);
    expect(h.counts).toEqual(new Array(10).fill(100));
    expect(h.modesCovered).toBe(10);
    expect(h.modesTotal).toBe(10);
    expect(h.klToUniform).toBe(0);

    const collapsed = classHistogram(new Array<number>(500).fill(3));
    expect(collapsed.modesCovered).toBe(1);
    expect(collapsed.klToUniform).toBeCloseTo(Math.log(10), 12);

    // 10 of 1,000 is exactly 1%: covered; 9 is not.
    const edge = [
      ...new Array<number>(981).fill(0),
      ...new Array<number>(10).fill(1),
      ...new Array<number>(9).fill(2),
    ];
    const e = classHistogram(edge);
    expect(e.counts.slice(0, 3)).toEqual([981, 10, 9]);
    expect(e.modesCovered).toBe(2);
    expect(e.fractions[1]).toBe(0.01);

    // Two classes, half and half: KL = log(10 / 2).
    expect(classHistogram([4, 7, 4, 7]).klToUniform).toBeCloseTo(Math.log(5), 12);
    expect(classHistogram([0, 1], 2, 0.6).modesCovered).toBe(0);
    expect(classHistogram([]).klToUniform).toBeCloseTo(Math.log(10), 12);
    expect(classHistogram([]).modesCovered).toBe(0);
    expect(() => classHistogram([10])).toThrow(/not a class/);
    expect(() => classHistogram([1.5])).toThrow(/not a class/);
  });
});
