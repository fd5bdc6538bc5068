import * as tf from '@tensorflow/tfjs';
import type { Param } from './models/params';

/** Optimizer state in checkpoint form: a step counter and named slot tensors in a fixed order. */
export interface OptimizerState {
  readonly t: number;
  readonly slots: readonly tf.Variable[];
}

export interface Optimizer {
  readonly kind: 'adam' | 'rmsprop';
  /** Apply one update with gradients in the same order as the params. Disposes nothing it did not make. */
  step(grads: readonly tf.Tensor[]): void;
  /** Step counter and slot variables (read for checkpoints, written by `load`). */
  state(): OptimizerState;
  load(t: number, slots: readonly tf.Tensor[]): void;
  dispose(): void;
}

const EPS = 1e-8;

function zerosLike(params: readonly Param[], tag: string): tf.Variable[] {
  return params.map((p) =>
    tf.tidy(() => tf.variable(tf.zerosLike(p.variable), false, `${p.variable.name}/${tag}`)),
  );
}

/**
 * Adam (Kingma & Ba 2015, Algorithm 1), PyTorch's form: m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2,
 * w -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps), eps = 1e-8.
 */
export class Adam implements Optimizer {
  readonly kind = 'adam';
  private t = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(
    private readonly params: readonly Param[],
    private readonly lr: number,
    private readonly beta1: number,
    private readonly beta2: number,
  ) {
    this.m = zerosLike(params, 'adam_m');
    this.v = zerosLike(params, 'adam_v');
  }

  step(grads: readonly tf.Tensor[]): void {
    this.t += 1;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g = grads[i] as tf.Tensor;
        const m = this.m[i] as tf.Variable;
        const v = this.v[i] as tf.Variable;
        const m1 = tf.add(tf.mul(this.beta1, m), tf.mul(1 - this.beta1, g));
        const v1 = tf.add(tf.mul(this.beta2, v), tf.mul(1 - this.beta2, tf.square(g)));
        m.assign(m1);
        v.assign(v1);
        const update = tf.div(tf.mul(this.lr / c1, m1), tf.add(tf.sqrt(tf.div(v1, c2)), EPS));
        p.variable.assign(tf.sub(p.variable, update));
      });
    });
  }

  state(): OptimizerState {
    return { t: this.t, slots: [...this.m, ...this.v] };
  }

  load(t: number, slots: readonly tf.Tensor[]): void {
    loadSlots([...this.m, ...this.v], slots);
    this.t = t;
  }

  dispose(): void {
    for (const s of [...this.m, ...this.v]) s.dispose();
  }
}

/**
 * RMSProp (Tieleman & Hinton 2012), PyTorch's form as the WGAN code used it: v = a v + (1-a) g^2,
 * w -= lr * g / (sqrt(v) + eps), a = 0.99, eps = 1e-8, no momentum.
 */
export class RmsProp implements Optimizer {
  readonly kind = 'rmsprop';
  private t = 0;
  private readonly v: tf.Variable[];

  constructor(
    private readonly params: readonly Param[],
    private readonly lr: number,
    private readonly decay: number,
  ) {
    this.v = zerosLike(params, 'rms_v');
  }

  step(grads: readonly tf.Tensor[]): void {
    this.t += 1;
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g = grads[i] as tf.Tensor;
        const v = this.v[i] as tf.Variable;
        const v1 = tf.add(tf.mul(this.decay, v), tf.mul(1 - this.decay, tf.square(g)));
        v.assign(v1);
        p.variable.assign(tf.sub(p.variable, tf.div(tf.mul(this.lr, g), tf.add(tf.sqrt(v1), EPS))));
      });
    });
  }

  state(): OptimizerState {
    return { t: this.t, slots: this.v };
  }

  load(t: number, slots: readonly tf.Tensor[]): void {
    loadSlots(this.v, slots);
    this.t = t;
  }

  dispose(): void {
    for (const s of this.v) s.dispose();
  }
}

function loadSlots(target: readonly tf.Variable[], source: readonly tf.Tensor[]): void {
  if (target.length !== source.length) {
    throw new Error(`optimizer state has ${source.length} slots, expected ${target.length}`);
  }
  target.forEach((slot, i) => {
    const s = source[i] as tf.Tensor;
    if (!tf.util.arraysEqual(slot.shape, s.shape)) {
      throw new Error(`optimizer slot ${i}: shape [${s.shape.join(',')}] != [${slot.shape.join(',')}]`);
    }
    slot.assign(s);
  });
}
