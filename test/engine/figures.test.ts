import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { deepCriticGradients, optimalCriticSurface } from '../../src/engine/figures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('WGAN-GP Fig. 1, small', () => {
  it('1b: clipping makes per-layer gradient norms vanish across a deep critic; the penalty keeps them level', () => {
    const before = tf.memory().numTensors;
    const small = { depth: 6, width: 32, batchSize: 32, iterations: 3 };
    const clip = deepCriticGradients({ method: 'clip', clipValue: 0.001, ...small });
    const gp = deepCriticGradients({ method: 'gp', ...small });
    expect(tf.memory().numTensors).toBe(before);
    expect(clip.layerNorms).toHaveLength(7);
    expect(gp.layerNorms).toHaveLength(7);
    // From the read-out back to the first layer: each clipped layer multiplies the gradient by about
    // c * sqrt(width / 2) = 0.004; the penalised critic loses far less.
    const span = (n: number[]) => (n[0] as number) / (n.at(-1) as number);
    expect(span(clip.layerNorms)).toBeLessThan(1e-9);
    expect(span(gp.layerNorms)).toBeGreaterThan(1e-4);
    // Every clipped weight is within +-c, and most sit at the bounds.
    const c = 0.001;
    expect(Math.max(...clip.weights.map(Math.abs))).toBeLessThanOrEqual(c * (1 + 1e-6));
    const atBounds = clip.weights.filter((w) => Math.abs(Math.abs(w) - c) <= 0.01 * c).length;
    expect(atBounds / clip.weights.length).toBeGreaterThan(0.5);
  });

  it('1a: a critic against real data + noise gives a finite value surface over the data bounds', () => {
    const before = tf.memory().numTensors;
    const r = optimalCriticSurface({ dataset: '8gaussians', method: 'gp', steps: 20, width: 16, res: 24 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.values).toHaveLength(24 * 24);
    expect(r.values.every(Number.isFinite)).toBe(true);
    // The critic scores real data above the noisy copies.
    expect(r.wasserstein).toBeGreaterThan(0);
    expect(Math.max(...r.values)).toBeGreaterThan(Math.min(...r.values));
  });
});
