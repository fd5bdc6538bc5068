import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  GRAD_NORM_EDGES,
  gradientField,
  histogram,
  layerGradNorms,
  summarizeNorms,
  valueSurface,
  weightHistograms,
} from '../../src/engine/diagnostics';
import { Mlp } from '../../src/engine/models/mlp';
import { Rng } from '../../src/engine/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function mlp(seed = 1, depth = 2) {
  return new Mlp(
    { name: 'diag', inputDim: 2, outputDim: 1, width: 8, depth, leakySlope: 0.2 },
    new Rng(seed),
  );
}

describe('diagnostics', () => {
  it('bins values into fixed edges with under- and overflow', () => {
    const h = histogram([0.5, 1, 1.5, 2, 2, 3, -1, 7], [0, 1, 2, 3]);
    expect(h.counts).toEqual([1, 2, 3]);
    expect([h.under, h.over]).toEqual([1, 1]);
    expect(GRAD_NORM_EDGES[0]).toBeCloseTo(1e-4, 12);
    expect(GRAD_NORM_EDGES.at(-1)).toBeCloseTo(100, 8);
  });

  it('summarises gradient norms with the notebook verdict', () => {
    const s = summarizeNorms([0.95, 1, 1.05, 1.2, 0.8]);
    expect(s.mean).toBeCloseTo(1, 10);
    expect(s.median).toBe(1);
    expect([s.min, s.max]).toEqual([0.8, 1.2]);
    expect(s.nearOne).toBeCloseTo(0.6, 10);
    expect(s.verdict).toMatch(/near 1/);
    expect(summarizeNorms([0.001, 0.002]).verdict).toMatch(/far below 1/);
    expect(summarizeNorms([3, 4]).verdict).toMatch(/exceed 1/);
    expect(s.histogram.counts.reduce((a, b) => a + b, 0)).toBe(5);
  });

  it('per-layer gradient norms: the read-out layer gets sqrt(2 / B) exactly', () => {
    const critic = mlp();
    const before = tf.memory().numTensors;
    const real = tf.randomNormal([16, 2], 0, 1, 'float32', 1);
    const fake = tf.randomNormal([16, 2], 0, 1, 'float32', 2);
    const norms = layerGradNorms(critic, real, fake);
    expect(norms).toHaveLength(3);
    // dL/d out = +1/B for each fake sample and -1/B for each real one.
    expect(norms[2]).toBeCloseTo(Math.sqrt(2 / 16), 5);
    expect(norms.every((n) => n > 0 && Number.isFinite(n))).toBe(true);
    tf.dispose([real, fake]);
    expect(tf.memory().numTensors).toBe(before);
    critic.dispose();
  });

  it('weight histograms report the fraction of weights at the clip bounds', () => {
    const critic = mlp();
    const first = critic.params[0];
    if (!first) throw new Error('no params');
    // Put exactly half of the first layer's weights at +-c.
    const w = first.variable.dataSync().slice();
    for (let i = 0; i < w.length; i++) w[i] = i % 2 ? 0.01 * (i % 4 === 1 ? 1 : -1) : 0.001;
    first.variable.assign(tf.tensor(w, first.variable.shape));
    const h = weightHistograms(critic, 0.01);
    expect(h.map((l) => l.name)).toEqual(['dense0/kernel', 'dense1/kernel', 'dense2/kernel']);
    expect(h[0]?.atClipBounds).toBeCloseTo(0.5, 10);
    expect(h[0]?.histogram.counts.reduce((a, b) => a + b, 0)).toBe(w.length);
    critic.dispose();
  });

  it('value surface and gradient field of a linear critic', () => {
    const critic = new Mlp(
      { name: 'lin', inputDim: 2, outputDim: 1, width: 1, depth: 0, leakySlope: 0 },
      new Rng(1),
    );
    const [kernel, bias] = critic.params;
    kernel?.variable.assign(tf.tensor2d([[2], [-1]]));
    bias?.variable.assign(tf.tensor1d([0.5]));
    const res = 4;
    const surface = valueSurface(critic, { xMin: 0, xMax: 4, yMin: 0, yMax: 4 }, res);
    // Top-left cell centre is (0.5, 3.5): f = 1 - 3.5 + 0.5 = -2.
    expect(surface[0]).toBeCloseTo(-2, 5);
    // Bottom-right cell centre is (3.5, 0.5): f = 7 - 0.5 + 0.5 = 7.
    expect(surface[res * res - 1]).toBeCloseTo(7, 5);
    const field = gradientField(critic, new Float32Array([0, 0, 1, 1]));
    expect(Array.from(field)).toEqual([2, -1, 2, -1]);
    critic.dispose();
  });
});
