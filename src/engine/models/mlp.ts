import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng';
import {
  disposeParams,
  leakyRelu,
  makeParam,
  type Network,
  type Param,
  uniformInit,
  uniquePrefix,
} from './params';
import { layerWeight, maybeSpectralNorm, type SpectralNorm } from './spectral';

export interface MlpOptions {
  readonly name: string;
  readonly inputDim: number;
  readonly outputDim: number;
  readonly width: number;
  /** Number of hidden layers. */
  readonly depth: number;
  /** Hidden activation: leaky ReLU slope (0 = ReLU). */
  readonly leakySlope: number;
  readonly spectralNorm?: boolean;
}

interface Dense {
  readonly w: Param;
  readonly b: Param;
  readonly sn?: SpectralNorm;
}

/** A fully connected network: input -> (dense, activation) x depth -> dense -> output (linear). */
export class Mlp implements Network {
  readonly params: Param[] = [];
  readonly buffers: Param[] = [];
  readonly spectral: SpectralNorm[] = [];
  private readonly layers: Dense[] = [];

  constructor(
    readonly opts: MlpOptions,
    rng: Rng,
  ) {
    const prefix = uniquePrefix(opts.name);
    const sizes = [opts.inputDim, ...Array.from({ length: opts.depth }, () => opts.width), opts.outputDim];
    for (let i = 0; i + 1 < sizes.length; i++) {
      const fanIn = sizes[i] as number;
      const fanOut = sizes[i + 1] as number;
      const w = makeParam(prefix, `dense${i}/kernel`, 'weight', uniformInit(rng, [fanIn, fanOut], fanIn));
      const b = makeParam(prefix, `dense${i}/bias`, 'bias', uniformInit(rng, [fanOut], fanIn));
      this.params.push(w, b);
      const sn = maybeSpectralNorm(this, opts.spectralNorm, prefix, `dense${i}`, w, rng);
      this.layers.push({ w, b, sn });
    }
  }

  apply(x: tf.Tensor): tf.Tensor {
    return this.applyWithTaps(x).out;
  }

  applyWithTaps(x: tf.Tensor, probes?: readonly tf.Tensor[]): { out: tf.Tensor; taps: tf.Tensor[] } {
    const taps: tf.Tensor[] = [];
    let h = x;
    this.layers.forEach((layer, i) => {
      const kernel = layerWeight(layer.w, layer.sn);
      let z = tf.add(tf.matMul(h as tf.Tensor2D, kernel as tf.Tensor2D), layer.b.variable);
      const probe = probes?.[i];
      if (probe) z = tf.add(z, probe);
      taps.push(z);
      h = i + 1 < this.layers.length ? leakyRelu(z, this.opts.leakySlope) : z;
    });
    return { out: h, taps };
  }

  dispose(): void {
    disposeParams(this.params);
    disposeParams(this.buffers);
  }
}
