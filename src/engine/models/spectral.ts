import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng';
import { makeParam, type Param } from './params';

/**
 * Spectral normalisation (Miyato et al. 2018): W_SN = W / sigma(W), sigma estimated by power iteration
 * with a persistent vector u: v = W^T u / ||W^T u||, u = W v / ||W v||, sigma = u^T W v.
 * W is viewed as a matrix [fanIn, out] (conv filters [kh*kw*in, out]); u and v are constants to the
 * gradient, as in the paper. One power iteration per critic update (`powerIteration`), not per forward.
 */
export class SpectralNorm {
  readonly u: Param;
  readonly v: Param;
  private readonly rows: number;
  private readonly cols: number;

  constructor(
    prefix: string,
    name: string,
    readonly weight: Param,
    rng: Rng,
  ) {
    const shape = weight.variable.shape;
    this.cols = shape[shape.length - 1] ?? 1;
    this.rows = weight.variable.size / this.cols;
    const u0 = rng.fillNormal(new Float32Array(this.cols));
    const v0 = rng.fillNormal(new Float32Array(this.rows));
    this.u = makeParam(
      prefix,
      `${name}/sn_u`,
      'weight',
      tf.tidy(() => normalize(tf.tensor1d(u0))),
      false,
    );
    this.v = makeParam(
      prefix,
      `${name}/sn_v`,
      'weight',
      tf.tidy(() => normalize(tf.tensor1d(v0))),
      false,
    );
  }

  /** One power-iteration step on the current weights (call once per critic update). */
  powerIteration(): void {
    tf.tidy(() => {
      const w = this.weight.variable.reshape([this.rows, this.cols]);
      const v = normalize(tf.matMul(w, this.u.variable.reshape([this.cols, 1])).reshape([this.rows]));
      const u = normalize(tf.matMul(v.reshape([1, this.rows]), w).reshape([this.cols]));
      this.v.variable.assign(v);
      this.u.variable.assign(u);
    });
  }

  /** W / sigma(W), differentiable in W (u, v held constant). */
  normalized(): tf.Tensor {
    const w = this.weight.variable;
    const wm = w.reshape([this.rows, this.cols]);
    const sigma = tf.sum(
      tf.mul(tf.matMul(this.v.variable.reshape([1, this.rows]), wm), this.u.variable.reshape([1, this.cols])),
    );
    return tf.div(w, sigma);
  }
}

function normalize(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.div(x, tf.add(tf.norm(x), 1e-12)));
}

/**
 * Give a layer's weight spectral normalisation when `enabled`, recording the power-iteration state on the
 * network (its `spectral` list, and u, v among its checkpointed buffers).
 */
export function maybeSpectralNorm(
  net: { readonly spectral: SpectralNorm[]; readonly buffers: Param[] },
  enabled: boolean | undefined,
  prefix: string,
  name: string,
  weight: Param,
  rng: Rng,
): SpectralNorm | undefined {
  if (!enabled) return undefined;
  const sn = new SpectralNorm(prefix, name, weight, rng);
  net.spectral.push(sn);
  net.buffers.push(sn.u, sn.v);
  return sn;
}

/** The weight a layer applies: W / sigma(W) under spectral normalisation, else W itself. */
export function layerWeight(weight: Param, sn: SpectralNorm | undefined): tf.Tensor {
  return sn ? sn.normalized() : weight.variable;
}
