/**
 * Distances between two point sets (real vs generated), each a row-major n x d Float32Array, as uniform
 * empirical measures. Coordinates are read as float64.
 *
 * - exactW1: the Wasserstein-1 (earth mover's) distance with Euclidean ground cost (Villani 2009, Def. 6.1;
 *   the distance WGAN estimates, Arjovsky et al. 2017). Between two sets of n points with weights 1/n
 *   the optimal plan is a permutation (Birkhoff-von Neumann), so W1 = min_s (1/n) sum_i |a_i - b_s(i)|,
 *   a linear assignment problem (solveAssignment, O(n^3)).
 * - wasserstein1d: W1 on the line, the L1 distance between the quantile functions,
 *   int_0^1 |F^-1(t) - G^-1(t)| dt (Villani 2003, Rem. 2.19); sizes may differ.
 * - slicedWasserstein: the sliced Wasserstein-1 distance (Rabin et al. 2011; Bonneel et al. 2015),
 *   E_theta W1(<theta, a>, <theta, b>) for theta uniform on the unit sphere, estimated with seeded random
 *   directions. Projection is 1-Lipschitz, so it never exceeds W1.
 *
 * Non-finite coordinates (a diverging generator) give NaN rather than an exception: the distance is
 * undefined, and callers that log metrics treat NaN as a missing value. Malformed input (d, lengths,
 * empty or unequal sets where equal ones are required) throws.
 */
import type { Rng } from '../rng';
import { solveAssignment } from './assignment';

function countPoints(points: Float32Array, d: number, name: string): number {
  if (!Number.isInteger(d) || d < 1) throw new Error(`dimension d must be a positive integer, got ${d}`);
  if (points.length % d !== 0) {
    throw new Error(`${name} must be n x ${d}, got ${points.length} values (not a multiple of ${d})`);
  }
  if (points.length === 0) throw new Error(`${name} needs at least one point`);
  return points.length / d;
}

function allFinite(values: ArrayLike<number>): boolean {
  for (let k = 0; k < values.length; k++) if (!Number.isFinite(values[k])) return false;
  return true;
}

export interface Matching {
  /** W1 = mean Euclidean distance between matched points (NaN with a non-finite coordinate). */
  readonly distance: number;
  /** assignment[i] is the index of the point of b matched to point i of a (empty when distance is NaN). */
  readonly assignment: Int32Array;
}

/** Optimal matching of two equal-size n x d point sets for the Euclidean cost, and its W1 value. */
export function optimalMatching(a: Float32Array, b: Float32Array, d: number): Matching {
  const n = countPoints(a, d, 'a');
  const m = countPoints(b, d, 'b');
  if (n !== m) throw new Error(`exact W1 needs equal-size sets, got ${n} and ${m} points`);
  if (!allFinite(a) || !allFinite(b)) return { distance: Number.NaN, assignment: new Int32Array(0) };
  const cost = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) {
        const diff = (a[i * d + k] as number) - (b[j * d + k] as number);
        s += diff * diff;
      }
      cost[i * n + j] = Math.sqrt(s);
    }
  }
  const { assignment, total } = solveAssignment(cost, n);
  return { distance: total / n, assignment };
}

/** Exact Wasserstein-1 distance between two equal-size n x d point sets (Euclidean ground cost). */
export function exactW1(a: Float32Array, b: Float32Array, d: number): number {
  return optimalMatching(a, b, d).distance;
}

/** W1 between two sorted samples, possibly of different sizes: integral of |F^-1 - G^-1|. */
function sortedW1(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  const m = y.length;
  if (n === m) {
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.abs((x[i] as number) - (y[i] as number));
    return s / n;
  }
  // F^-1 = x_i on ((i)/n, (i+1)/n], G^-1 = y_j on (j/m, (j+1)/m]; breakpoints in units of 1/(n m) are
  // integers, so the walk over the merged breakpoints is exact.
  let i = 0;
  let j = 0;
  let t = 0;
  let s = 0;
  while (i < n && j < m) {
    const endI = (i + 1) * m;
    const endJ = (j + 1) * n;
    const end = Math.min(endI, endJ);
    s += (end - t) * Math.abs((x[i] as number) - (y[j] as number));
    t = end;
    if (endI === end) i++;
    if (endJ === end) j++;
  }
  return s / (n * m);
}

/** W1 between two 1D samples with uniform weights (sizes may differ); NaN with a non-finite value. */
export function wasserstein1d(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length === 0 || y.length === 0) throw new Error('wasserstein1d needs at least one value in each set');
  if (!allFinite(x) || !allFinite(y)) return Number.NaN;
  return sortedW1(Float64Array.from(x).sort(), Float64Array.from(y).sort());
}

export interface SlicedOptions {
  /** Source of the random directions; advanced by d normal draws per projection (redrawn if all zero). */
  readonly rng: Rng;
  /** Number of random directions (default 512). */
  readonly projections?: number;
}

/**
 * Sliced Wasserstein-1 distance between an n x d and an m x d point set (sizes may differ): the mean over
 * `projections` directions theta (normalised Gaussian vectors, hence uniform on the sphere) of the 1D W1
 * between the projected sets. Deterministic for a given rng state; NaN with a non-finite coordinate.
 */
export function slicedWasserstein(
  a: Float32Array,
  b: Float32Array,
  d: number,
  options: SlicedOptions,
): number {
  const n = countPoints(a, d, 'a');
  const m = countPoints(b, d, 'b');
  const projections = options.projections ?? 512;
  if (!Number.isInteger(projections) || projections < 1) {
    throw new Error(`projections must be a positive integer, got ${projections}`);
  }
  if (!allFinite(a) || !allFinite(b)) return Number.NaN;
  const theta = new Float64Array(d);
  const pa = new Float64Array(n);
  const pb = new Float64Array(m);
  let sum = 0;
  for (let p = 0; p < projections; p++) {
    let norm2 = 0;
    while (norm2 === 0) {
      norm2 = 0;
      for (let k = 0; k < d; k++) {
        const z = options.rng.normal();
        theta[k] = z;
        norm2 += z * z;
      }
    }
    const inv = 1 / Math.sqrt(norm2);
    for (let k = 0; k < d; k++) theta[k] = (theta[k] as number) * inv;
    project(a, d, theta, pa);
    project(b, d, theta, pb);
    sum += sortedW1(pa.sort(), pb.sort());
  }
  return sum / projections;
}

function project(points: Float32Array, d: number, theta: Float64Array, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += (points[i * d + k] as number) * (theta[k] as number);
    out[i] = s;
  }
}
