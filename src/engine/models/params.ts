import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng';

/** One trainable tensor of a network, in a fixed order (optimizer state and checkpoints rely on it). */
export interface Param {
  readonly name: string;
  readonly kind: 'weight' | 'bias' | 'gamma' | 'beta';
  readonly variable: tf.Variable;
}

/** A network built from plain variables: `apply` is differentiable (twice, for the critic). */
export interface Network {
  readonly params: readonly Param[];
  /** Non-trainable state saved in checkpoints (e.g. spectral-norm power-iteration vectors). */
  readonly buffers: readonly Param[];
  apply(x: tf.Tensor): tf.Tensor;
  /**
   * Layer outputs (pre-activation) as well as the result, for per-layer diagnostics. `probes`, when given,
   * are added to each layer's pre-activation (zeros change nothing): the gradient of a loss with respect
   * to probe i is its gradient with respect to layer i's activations.
   */
  applyWithTaps?(x: tf.Tensor, probes?: readonly tf.Tensor[]): { out: tf.Tensor; taps: tf.Tensor[] };
  dispose(): void;
}

let nextId = 0;
/** tfjs variable names are global per engine; make them unique per network instance. */
export function uniquePrefix(name: string): string {
  nextId += 1;
  return `${name}#${nextId}`;
}

/**
 * PyTorch's default initialisation for Linear/Conv (kaiming_uniform with a = sqrt(5)): weights and biases
 * uniform in [-1/sqrt(fanIn), 1/sqrt(fanIn)]. The seed notebook and the WGAN-GP toy code rely on it.
 */
export function uniformInit(rng: Rng, shape: number[], fanIn: number): tf.Tensor {
  const bound = 1 / Math.sqrt(fanIn);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(rng.fillUniform(new Float32Array(size), -bound, bound), shape);
}

export function makeParam(
  prefix: string,
  name: string,
  kind: Param['kind'],
  init: tf.Tensor,
  trainable = true,
): Param {
  const variable = tf.variable(init, trainable, `${prefix}/${name}`);
  init.dispose();
  return { name, kind, variable };
}

/**
 * Leaky ReLU as x * step(x, a), where step(x, a) is 1 for x > 0 and a otherwise (NaN stays NaN).
 * tf.leakyRelu has no second-order gradient in tfjs (its gradient uses `Greater`, which has none), and the
 * gradient penalty differentiates the critic twice. Here the gradient is dy * step(x, a), and Step's own
 * gradient is zero, which is the true second derivative almost everywhere. Same values as the earlier
 * relu(x) - a * relu(-x) except at x = 0 exactly (gradient a instead of 0), in 2 kernels instead of 5
 * forward and about half as many backward.
 */
export function leakyRelu(x: tf.Tensor, slope: number): tf.Tensor {
  if (slope === 0) return tf.relu(x);
  return tf.mul(x, tf.step(x, slope));
}

export function disposeParams(params: readonly Param[]): void {
  for (const p of params) p.variable.dispose();
}
