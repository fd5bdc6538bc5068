/**
 * Diagnostics that show *why* clipping and the gradient penalty differ (WGAN-GP paper, Fig. 1):
 * gradient norms on interpolates, per-layer gradient norms, weight histograms, the critic's value
 * surface over 2D data and the gradient field on generated points. Every function returns plain numbers
 * and leaves no tensor behind.
 */
import * as tf from '@tensorflow/tfjs';
import type { GradNormDiagnostic, HistogramData, WeightLayerDiagnostic } from '../shared/diagnostics';
import type { Bounds } from './data/types';
import type { Network } from './models/params';
import { inputGradientNorms, interpolates } from './objectives';

/** Fixed log-spaced bins shared by every run (8 per decade from 1e-4 to 1e2), so histograms compare. */
export const GRAD_NORM_EDGES: readonly number[] = Array.from({ length: 49 }, (_, i) => 10 ** (-4 + i / 8));

export function histogram(values: ArrayLike<number>, edges: readonly number[]): HistogramData {
  const counts = Array<number>(edges.length - 1).fill(0);
  let under = 0;
  let over = 0;
  const first = edges[0] as number;
  const last = edges[edges.length - 1] as number;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!(v >= first)) under++;
    else if (v > last) over++;
    else {
      // Binary search for the bin [edges[k], edges[k+1]) (the last bin is closed).
      let lo = 0;
      let hi = edges.length - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (v >= (edges[mid] as number)) lo = mid;
        else hi = mid;
      }
      counts[lo] = (counts[lo] as number) + 1;
    }
  }
  return { edges, counts, under, over };
}

/** Statistics of gradient norms with the classic notebook's verdict (near 1: the critic is ~1-Lipschitz). */
export function summarizeNorms(norms: ArrayLike<number>): GradNormDiagnostic {
  const sorted = Float64Array.from(norms).sort();
  const n = sorted.length;
  if (n === 0) throw new Error('no gradient norms to summarise');
  let sum = 0;
  let near = 0;
  for (const v of sorted) {
    sum += v;
    if (Math.abs(v - 1) <= 0.1) near++;
  }
  const mean = sum / n;
  let sq = 0;
  for (const v of sorted) sq += (v - mean) ** 2;
  const median =
    n % 2 ? (sorted[(n - 1) / 2] as number) : ((sorted[n / 2 - 1] as number) + (sorted[n / 2] as number)) / 2;
  const nearOne = near / n;
  const verdict =
    Math.abs(mean - 1) <= 0.15 && nearOne >= 0.3
      ? 'gradient norms are near 1: the critic is close to 1-Lipschitz on interpolates'
      : mean < 0.5
        ? 'gradient norms are far below 1: the critic uses little of its Lipschitz budget (as clipping does)'
        : mean > 1.5
          ? 'gradient norms exceed 1: the critic is not kept 1-Lipschitz'
          : 'gradient norms are spread around 1: the constraint holds only loosely';
  return {
    count: n,
    histogram: histogram(sorted, GRAD_NORM_EDGES),
    mean,
    std: Math.sqrt(sq / n),
    min: sorted[0] as number,
    median,
    max: sorted[n - 1] as number,
    nearOne,
    verdict,
  };
}

/** ||grad_x f(x_hat)|| on random interpolates between a real and a fake batch (eps shaped [B, 1, ...]). */
export function interpolateGradNorms(
  critic: Network,
  real: tf.Tensor,
  fake: tf.Tensor,
  eps: tf.Tensor,
): GradNormDiagnostic {
  const norms = tf.tidy(() => inputGradientNorms(critic, interpolates(real, fake, eps)));
  const values = norms.dataSync();
  norms.dispose();
  return summarizeNorms(values);
}

/**
 * Norm of the critic loss's gradient (E[f(fake)] - E[f(real)]) with respect to each layer's
 * pre-activations, first layer first (WGAN-GP paper, Fig. 1b): clipping makes them explode or vanish
 * across layers; a gradient penalty keeps them level.
 */
export function layerGradNorms(critic: Network, real: tf.Tensor, fake: tf.Tensor): number[] {
  const apply = critic.applyWithTaps?.bind(critic);
  if (!apply) throw new Error('this network does not expose its layers');
  return tf.tidy(() => {
    const shapes = (x: tf.Tensor) => apply(x).taps.map((t) => t.shape);
    const probesFor = (x: tf.Tensor) => shapes(x).map((s) => tf.zeros(s));
    const realProbes = probesFor(real);
    const fakeProbes = probesFor(fake);
    const k = realProbes.length;
    const grads = tf.grads((...probes: tf.Tensor[]) =>
      tf.sub(tf.mean(apply(fake, probes.slice(k)).out), tf.mean(apply(real, probes.slice(0, k)).out)),
    )([...realProbes, ...fakeProbes]);
    // The activation gradient of layer i over both batches, as one vector.
    const norms = realProbes.map((_, i) =>
      tf.sqrt(tf.add(tf.sum(tf.square(grads[i] as tf.Tensor)), tf.sum(tf.square(grads[k + i] as tf.Tensor)))),
    );
    return Array.from(tf.stack(norms).dataSync());
  });
}

/** Histograms of each critic weight tensor (WGAN-GP paper, Fig. 1b right: clipping piles them at +-c). */
export function weightHistograms(critic: Network, clipValue?: number, bins = 41): WeightLayerDiagnostic[] {
  return critic.params
    .filter((p) => p.kind === 'weight')
    .map((p) => {
      const values = p.variable.dataSync();
      let maxAbs = 0;
      let atBound = 0;
      for (const v of values) {
        maxAbs = Math.max(maxAbs, Math.abs(v));
        if (clipValue !== undefined && Math.abs(Math.abs(v) - clipValue) <= 0.01 * clipValue) atBound++;
      }
      const range = clipValue ?? (maxAbs || 1);
      const edges = Array.from({ length: bins + 1 }, (_, i) => -range + (2 * range * i) / bins);
      return {
        name: p.name,
        histogram: histogram(values, edges),
        count: values.length,
        maxAbs,
        ...(clipValue !== undefined ? { atClipBounds: atBound / values.length } : {}),
      };
    });
}

/** The critic's value f(x) on a res x res grid over the bounds, row 0 at the top (yMax). */
export function valueSurface(critic: Network, bounds: Bounds, res = 128): Float32Array {
  const grid = new Float32Array(res * res * 2);
  for (let r = 0; r < res; r++) {
    const y = bounds.yMax - ((r + 0.5) / res) * (bounds.yMax - bounds.yMin);
    for (let c = 0; c < res; c++) {
      const x = bounds.xMin + ((c + 0.5) / res) * (bounds.xMax - bounds.xMin);
      grid[2 * (r * res + c)] = x;
      grid[2 * (r * res + c) + 1] = y;
    }
  }
  const values = tf.tidy(() => critic.apply(tf.tensor2d(grid, [res * res, 2])));
  const out = values.dataSync() as Float32Array;
  values.dispose();
  return out;
}

/** grad_x f at each point (n x 2): the direction the generator loss -E[f(G(z))] moves its samples. */
export function gradientField(critic: Network, points: Float32Array): Float32Array {
  const g = tf.tidy(() =>
    tf.grad((x: tf.Tensor) => tf.sum(critic.apply(x)))(tf.tensor2d(points, [points.length / 2, 2])),
  );
  const out = g.dataSync() as Float32Array;
  g.dispose();
  return out;
}

/** E[f(real)] - E[f(fake)] on a given (e.g. held-out) real batch: critic over-fitting shows as a gap. */
export function wassersteinEstimate(critic: Network, real: tf.Tensor, fake: tf.Tensor): number {
  const w = tf.tidy(() => tf.sub(tf.mean(critic.apply(real)), tf.mean(critic.apply(fake))));
  const v = w.dataSync()[0] as number;
  w.dispose();
  return v;
}
