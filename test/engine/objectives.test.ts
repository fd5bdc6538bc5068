import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Mlp } from '../../src/engine/models/mlp';
import type { Network } from '../../src/engine/models/params';
import { leakyRelu } from '../../src/engine/models/params';
import {
  gradientPenalty,
  hingeCriticLoss,
  inputGradientNorms,
  lipschitzPenalty,
  wassersteinCriticLoss,
} from '../../src/engine/objectives';
import { Rng } from '../../src/engine/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The gradient-penalty loss of a critic on fixed points, as a function of its weights. */
function penaltyOf(critic: Network, x: tf.Tensor, lambda: number): tf.Scalar {
  return gradientPenalty(inputGradientNorms(critic, x), lambda);
}

describe('critic losses', () => {
  it('Wasserstein loss is E[f(fake)] - E[f(real)]', () => {
    const v = wassersteinCriticLoss(tf.tensor1d([1, 3]), tf.tensor1d([0.5, -0.5])).dataSync()[0];
    expect(v).toBeCloseTo(0 - 2, 6);
  });

  it('hinge loss is E[relu(1 - f(real))] + E[relu(1 + f(fake))]', () => {
    // real: relu(1-2)=0, relu(1-0)=1 -> 0.5; fake: relu(1-3)=0, relu(1+0.5)=1.5 -> 0.75
    const v = hingeCriticLoss(tf.tensor1d([2, 0]), tf.tensor1d([-3, 0.5])).dataSync()[0];
    expect(v).toBeCloseTo(1.25, 6);
  });

  it('one-sided penalty ignores norms below 1, two-sided does not', () => {
    const norms = tf.tensor1d([0.5, 1, 2]);
    expect(gradientPenalty(norms, 10).dataSync()[0]).toBeCloseTo((10 * (0.25 + 0 + 1)) / 3, 5);
    expect(lipschitzPenalty(norms, 10).dataSync()[0]).toBeCloseTo((10 * 1) / 3, 5);
  });

  it('leaky ReLU as x step(x, a) matches the definition, with first and second derivatives', () => {
    const x = tf.tensor1d([-2, -0.5, 0.5, 3]);
    expect(Array.from(leakyRelu(x, 0.2).dataSync())).toEqual([-0.4, -0.1, 0.5, 3].map((v) => Math.fround(v)));
    const g1 = tf.grad((y: tf.Tensor) => tf.sum(leakyRelu(y, 0.2)))(x);
    expect(Array.from(g1.dataSync())).toEqual([0.2, 0.2, 1, 1].map((v) => Math.fround(v)));
    // d/dx of sum((d/dx leaky(x))^2 * x): the inner gradient is piecewise constant, so this is its square.
    const g2 = tf.grad((xi: tf.Tensor) =>
      tf.sum(tf.mul(tf.square(tf.grad((y: tf.Tensor) => tf.sum(leakyRelu(y, 0.2)))(xi)), xi)),
    )(x);
    const a2 = Math.fround(Math.fround(0.2) * Math.fround(0.2));
    expect(Array.from(g2.dataSync())).toEqual([a2, a2, 1, 1]);
    // A NaN stays NaN (a diverging run must be seen as one).
    expect(Number.isNaN(leakyRelu(tf.tensor1d([NaN]), 0.2).dataSync()[0])).toBe(true);
  });
});

describe('gradient penalty is a true second-order gradient', () => {
  it('matches the closed form for a linear critic f(x) = w.x + b', () => {
    // ||grad f|| = ||w||, GP = lambda (||w|| - 1)^2, dGP/dw = 2 lambda (||w|| - 1) w / ||w||.
    const w = tf.variable(tf.tensor2d([[0.3], [-1.2], [0.7]]));
    const linear: Network = {
      params: [],
      buffers: [],
      apply: (x) => tf.matMul(x as tf.Tensor2D, w),
      dispose: () => undefined,
    };
    const x = tf.randomNormal([5, 3], 0, 1, 'float32', 3);
    const { value, grads } = tf.variableGrads(() => penaltyOf(linear, x, 10), [w]);
    const wv = [0.3, -1.2, 0.7];
    const norm = Math.hypot(...wv);
    expect(value.dataSync()[0]).toBeCloseTo(10 * (norm - 1) ** 2, 4);
    const g = Array.from((grads[w.name] as tf.Tensor).dataSync());
    wv.forEach((wi, i) => expect(g[i]).toBeCloseTo((2 * 10 * (norm - 1) * wi) / norm, 4));
  });

  it('matches central finite differences for an MLP critic', () => {
    const critic = new Mlp(
      { name: 'fd-critic', inputDim: 2, outputDim: 1, width: 8, depth: 2, leakySlope: 0.2 },
      new Rng(4),
    );
    const x = tf.tensor2d(new Rng(5).fillNormal(new Float32Array(12)), [6, 2]);
    const lambda = 10;
    const vars = critic.params.map((p) => p.variable);
    const { grads } = tf.variableGrads(() => penaltyOf(critic, x, lambda), vars);
    const h = 1e-3;
    let worst = 0;
    for (const p of critic.params) {
      // A parameter the penalty does not depend on (the output bias) gets no gradient: zero.
      const analytic = grads[p.variable.name]?.dataSync() ?? new Float32Array(p.variable.size);
      const base = p.variable.dataSync().slice();
      for (const idx of [0, Math.floor(base.length / 2), base.length - 1]) {
        const at = (delta: number) => {
          const v = base.slice();
          v[idx] = (v[idx] as number) + delta;
          p.variable.assign(tf.tensor(v, p.variable.shape));
          return penaltyOf(critic, x, lambda).dataSync()[0] as number;
        };
        const numeric = (at(h) - at(-h)) / (2 * h);
        p.variable.assign(tf.tensor(base, p.variable.shape));
        const err = Math.abs(numeric - (analytic[idx] as number)) / Math.max(1, Math.abs(numeric));
        worst = Math.max(worst, err);
      }
    }
    // float32 central differences: agreement to ~1e-3 is what the arithmetic allows.
    expect(worst).toBeLessThan(5e-3);
    critic.dispose();
  });
});
