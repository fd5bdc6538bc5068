/**
 * The Fréchet distance between two Gaussians fitted to feature sets (the FID of Heusel et al. 2017, here on
 * any feature extractor, e.g. the MNIST classifier's penultimate layer), and the class histogram of a
 * classifier's predictions (mode coverage over the classes). Pure TypeScript in float64, no tfjs.
 *
 *   d² = ||μ1 − μ2||² + Tr(Σ1 + Σ2 − 2 (Σ1^{1/2} Σ2 Σ1^{1/2})^{1/2})
 *
 * Σ1^{1/2} comes from a symmetric eigendecomposition (cyclic Jacobi, below). Σ1^{1/2} Σ2 Σ1^{1/2} is
 * symmetric positive semi-definite, so the trace of its square root is the sum of the square roots of its
 * eigenvalues: no second matrix root is formed. Covariances are the unbiased sample covariances (divisor
 * n − 1, as numpy's `np.cov` in the reference FID code).
 *
 * Rounding can leave the eigenvalues of a (mathematically PSD) covariance slightly negative, e.g. -1e-15
 * for a feature that never varies. Such eigenvalues are clamped to 0 before the square root; the result says
 * how many were (`clampedEigenvalues`) and the most negative one seen (`minEigenvalue`). An eigenvalue below
 * -1e-6 times the largest magnitude is no rounding error: the input was not PSD, and that throws.
 */

/** A Gaussian in `dim` dimensions: mean and row-major dim x dim covariance. */
export interface Gaussian {
  readonly dim: number;
  /** How many samples it was fitted to (informative; 0 for a Gaussian given directly). */
  readonly count: number;
  readonly mean: Float64Array;
  readonly cov: Float64Array;
}

/** Mean and unbiased covariance (divisor count − 1) of `count` row-major feature vectors of length `dim`. */
export function fitGaussian(features: ArrayLike<number>, count: number, dim: number): Gaussian {
  if (!Number.isInteger(count) || !Number.isInteger(dim) || count < 2 || dim < 1) {
    throw new Error(`fitGaussian needs at least 2 samples of dimension >= 1 (got ${count} x ${dim})`);
  }
  if (features.length !== count * dim) {
    throw new Error(
      `fitGaussian: expected ${count} x ${dim} = ${count * dim} values, got ${features.length}`,
    );
  }
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    const base = i * dim;
    for (let k = 0; k < dim; k++) {
      const v = features[base + k] as number;
      if (!Number.isFinite(v)) throw new Error(`fitGaussian: feature ${k} of sample ${i} is ${v}`);
      mean[k] = (mean[k] as number) + v;
    }
  }
  for (let k = 0; k < dim; k++) mean[k] = (mean[k] as number) / count;
  // Upper triangle of sum (x - μ)(x - μ)ᵀ, then mirrored.
  const cov = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    const base = i * dim;
    for (let k = 0; k < dim; k++) centred[k] = (features[base + k] as number) - (mean[k] as number);
    for (let r = 0; r < dim; r++) {
      const cr = centred[r] as number;
      if (cr === 0) continue;
      const row = r * dim;
      for (let c = r; c < dim; c++) cov[row + c] = (cov[row + c] as number) + cr * (centred[c] as number);
    }
  }
  for (let r = 0; r < dim; r++) {
    for (let c = r; c < dim; c++) {
      const v = (cov[r * dim + c] as number) / (count - 1);
      cov[r * dim + c] = v;
      cov[c * dim + r] = v;
    }
  }
  return { dim, count, mean, cov };
}

export interface SymmetricEigen {
  /** Eigenvalues, ascending. */
  readonly values: Float64Array;
  /** Row-major n x n; column k is the unit eigenvector of values[k]. */
  readonly vectors: Float64Array;
  /** Jacobi sweeps used. */
  readonly sweeps: number;
}

export interface EigenOptions {
  /** Stop when the off-diagonal Frobenius norm is at most this times the matrix's Frobenius norm. */
  readonly tolerance?: number;
  readonly maxSweeps?: number;
}

/**
 * Eigendecomposition A = V diag(λ) Vᵀ of a symmetric n x n matrix (row-major; only symmetric input is
 * meaningful, the lower triangle is assumed to mirror the upper) by the cyclic Jacobi method (Golub & Van
 * Loan, Matrix Computations, §8.5): sweep over every pair p < q, zeroing a_pq with a plane rotation chosen
 * as the smaller of the two possible angles, until the off-diagonal mass is negligible. Converges
 * quadratically; a 64 x 64 covariance takes under ten sweeps.
 */
export function symmetricEigen(
  matrix: ArrayLike<number>,
  n: number,
  opts: EigenOptions = {},
): SymmetricEigen {
  if (!Number.isInteger(n) || n < 1) throw new Error(`symmetricEigen: bad size ${n}`);
  if (matrix.length !== n * n)
    throw new Error(`symmetricEigen: expected ${n * n} values, got ${matrix.length}`);
  const tolerance = opts.tolerance ?? 1e-15;
  const maxSweeps = opts.maxSweeps ?? 100;
  const a = Float64Array.from(matrix);
  for (const v of a) if (!Number.isFinite(v)) throw new Error(`symmetricEigen: matrix holds ${v}`);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;

  let norm2 = 0;
  for (const x of a) norm2 += x * x;
  const threshold2 = tolerance * tolerance * norm2;

  let sweeps = 0;
  for (; sweeps < maxSweeps; sweeps++) {
    let off2 = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off2 += 2 * (a[p * n + q] as number) ** 2;
    if (off2 <= threshold2) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q] as number;
        if (apq === 0) continue;
        const app = a[p * n + p] as number;
        const aqq = a[q * n + q] as number;
        // t = tan θ, the root of t² + 2τt − 1 = 0 of smaller magnitude, τ = (a_qq − a_pp) / (2 a_pq).
        const tau = (aqq - app) / (2 * apq);
        const t = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        // A ← Jᵀ A J with J = I except J_pp = J_qq = c, J_pq = s, J_qp = −s. Columns p, q first ...
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p] as number;
          const akq = a[k * n + q] as number;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        // ... then rows p, q.
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k] as number;
          const aqk = a[q * n + k] as number;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        a[p * n + q] = 0; // zero by construction; drop the rounding residue
        a[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p] as number;
          const vkq = v[k * n + q] as number;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }

  const order = Array.from({ length: n }, (_, i) => i).sort(
    (i, j) => (a[i * n + i] as number) - (a[j * n + j] as number),
  );
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = a[src * n + src] as number;
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src] as number;
  });
  return { values, vectors, sweeps };
}

/** Relative size below which a negative eigenvalue is taken for rounding (and clamped) rather than refused. */
const NEGATIVE_TOLERANCE = 1e-6;

interface Clamped {
  readonly values: Float64Array;
  readonly clamped: number;
  readonly min: number;
}

function clampEigenvalues(values: Float64Array, what: string): Clamped {
  let maxAbs = 0;
  let min = Infinity;
  for (const x of values) {
    maxAbs = Math.max(maxAbs, Math.abs(x));
    min = Math.min(min, x);
  }
  if (min < -NEGATIVE_TOLERANCE * maxAbs) {
    throw new Error(`${what} is not positive semi-definite (eigenvalue ${min}, largest magnitude ${maxAbs})`);
  }
  let clamped = 0;
  const out = values.map((x) => {
    if (x < 0) {
      clamped++;
      return 0;
    }
    return x;
  });
  return { values: out, clamped, min };
}

export interface MatrixSqrt {
  /** The symmetric PSD root R (row-major), R R ≈ A. */
  readonly root: Float64Array;
  /** Eigenvalues below zero that were clamped to 0. */
  readonly clamped: number;
  /** The smallest eigenvalue before clamping. */
  readonly minEigenvalue: number;
}

/** The principal square root V diag(√max(λ, 0)) Vᵀ of a symmetric positive semi-definite n x n matrix. */
export function sqrtmPsd(matrix: ArrayLike<number>, n: number): MatrixSqrt {
  const eig = symmetricEigen(matrix, n);
  const { values, clamped, min } = clampEigenvalues(eig.values, 'sqrtmPsd: the matrix');
  const root = new Float64Array(n * n);
  const vs = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < n; k++) vs[k] = (eig.vectors[r * n + k] as number) * Math.sqrt(values[k] as number);
    for (let c = r; c < n; c++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += (vs[k] as number) * (eig.vectors[c * n + k] as number);
      root[r * n + c] = sum;
      root[c * n + r] = sum;
    }
  }
  return { root, clamped, minEigenvalue: min };
}

/** Row-major n x n product A B. */
function matmul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < n; k++) {
      const ark = a[r * n + k] as number;
      if (ark === 0) continue;
      for (let c = 0; c < n; c++)
        out[r * n + c] = (out[r * n + c] as number) + ark * (b[k * n + c] as number);
    }
  }
  return out;
}

export interface FrechetResult {
  /** The squared Fréchet distance d² (what FID reports), never below 0. */
  readonly distance: number;
  /** ||μ1 − μ2||². */
  readonly meanTerm: number;
  /** Tr(Σ1 + Σ2 − 2 (Σ1^{1/2} Σ2 Σ1^{1/2})^{1/2}). */
  readonly traceTerm: number;
  /** Negative (rounding) eigenvalues clamped to 0, in Σ1 and in Σ1^{1/2} Σ2 Σ1^{1/2} together. */
  readonly clampedEigenvalues: number;
  /** The most negative eigenvalue seen before clamping (≥ 0 when none was clamped). */
  readonly minEigenvalue: number;
}

/** The squared Fréchet (2-Wasserstein) distance between two Gaussians of the same dimension. */
export function frechetDistance(a: Gaussian, b: Gaussian): FrechetResult {
  const n = a.dim;
  if (b.dim !== n) throw new Error(`frechetDistance: dimensions differ (${a.dim} and ${b.dim})`);
  let meanTerm = 0;
  for (let k = 0; k < n; k++) meanTerm += ((a.mean[k] as number) - (b.mean[k] as number)) ** 2;
  const s1 = sqrtmPsd(a.cov, n);
  const m = matmul(matmul(s1.root, b.cov, n), s1.root, n);
  for (let r = 0; r < n; r++) {
    for (let c = r + 1; c < n; c++) {
      const avg = ((m[r * n + c] as number) + (m[c * n + r] as number)) / 2;
      m[r * n + c] = avg;
      m[c * n + r] = avg;
    }
  }
  const mid = clampEigenvalues(symmetricEigen(m, n).values, 'Σ1^{1/2} Σ2 Σ1^{1/2}');
  let traceSqrt = 0;
  for (const x of mid.values) traceSqrt += Math.sqrt(x);
  let trace1 = 0;
  let trace2 = 0;
  for (let k = 0; k < n; k++) {
    trace1 += a.cov[k * n + k] as number;
    trace2 += b.cov[k * n + k] as number;
  }
  const traceTerm = trace1 + trace2 - 2 * traceSqrt;
  return {
    distance: Math.max(0, meanTerm + traceTerm),
    meanTerm,
    traceTerm,
    clampedEigenvalues: s1.clamped + mid.clamped,
    minEigenvalue: Math.min(s1.minEigenvalue, mid.min),
  };
}

/** Fit a Gaussian to each feature set (row-major count x dim) and return their Fréchet distance. */
export function frechetDistanceOfFeatures(
  a: ArrayLike<number>,
  countA: number,
  b: ArrayLike<number>,
  countB: number,
  dim: number,
): FrechetResult {
  return frechetDistance(fitGaussian(a, countA, dim), fitGaussian(b, countB, dim));
}

/**
 * Default share of all samples a class needs to count as covered: 1%, the threshold VEEGAN and PacGAN use
 * for modes of the 2D mixtures (see ./modes.ts). With 10 balanced classes each holds about 10%.
 */
export const DEFAULT_MIN_CLASS_FRACTION = 0.01;

export interface ClassHistogram {
  /** Samples predicted as each class. */
  readonly counts: number[];
  /** counts / total (all 0 for no samples). */
  readonly fractions: number[];
  /** Classes with at least minFraction of all samples (and at least one sample). */
  readonly modesCovered: number;
  readonly modesTotal: number;
  /**
   * KL(p || uniform) = Σ_k p_k log(K p_k) in nats, 0 log 0 = 0: 0 for a perfectly balanced histogram,
   * log K when every sample falls in one class (and log K, the worst value, for no samples).
   */
  readonly klToUniform: number;
}

/**
 * Histogram of predicted classes (integers in [0, numClasses)), e.g. the classifier's argmax on generated
 * digits: how many of the classes (modes) a generator produces, and how evenly.
 */
export function classHistogram(
  predictions: ArrayLike<number>,
  numClasses = 10,
  minFraction = DEFAULT_MIN_CLASS_FRACTION,
): ClassHistogram {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`classHistogram: bad class count`);
  if (!(minFraction >= 0 && minFraction <= 1))
    throw new Error(`classHistogram: minFraction must be in [0, 1]`);
  const counts = new Array<number>(numClasses).fill(0);
  const n = predictions.length;
  for (let i = 0; i < n; i++) {
    const k = predictions[i] as number;
    if (!Number.isInteger(k) || k < 0 || k >= numClasses) {
      throw new Error(`classHistogram: prediction ${i} is ${k}, not a class in [0, ${numClasses})`);
    }
    counts[k] = (counts[k] as number) + 1;
  }
  const fractions = counts.map((c) => (n === 0 ? 0 : c / n));
  // Compared as c / n (correctly rounded) so that e.g. 10 of 1,000 meets 0.01 exactly.
  const modesCovered = counts.filter((c) => c > 0 && c / n >= minFraction).length;
  let klToUniform = Math.log(numClasses);
  if (n > 0) {
    klToUniform = 0;
    for (const p of fractions) if (p > 0) klToUniform += p * Math.log(p * numClasses);
    klToUniform = Math.max(0, klToUniform); // a uniform histogram can round to -1e-17
  }
  return { counts, fractions, modesCovered, modesTotal: numClasses, klToUniform };
}
