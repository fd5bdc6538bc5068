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

export interface ImageShape {
  readonly size: 28 | 32 | 64;
  readonly channels: 1 | 3;
}

/** Stride-2 layers between the image and the 4x4 feature map: 28 -> 14 -> 7 -> 4, 32 -> 16 -> 8 -> 4, 64 -> ... */
export function convDepth(size: ImageShape['size']): number {
  return size === 64 ? 4 : 3;
}

export interface DcganCriticOptions extends ImageShape {
  readonly name: string;
  /** Base channels: layers use width * 2^i (64 -> 64-128-256 as in the WGAN-GP MNIST critic). */
  readonly width: number;
  readonly kernel: number;
  readonly leakySlope: number;
  readonly spectralNorm?: boolean;
}

interface ConvLayer {
  readonly w: Param;
  readonly b: Param;
  readonly sn?: SpectralNorm;
}

/**
 * DCGAN-style critic: stride-2 'same' convolutions with bias and leaky ReLU, then a linear read-out.
 * No batch norm (the gradient penalty is per-sample; Gulrajani et al. 2017, section 4).
 */
export class DcganCritic implements Network {
  readonly params: Param[] = [];
  readonly buffers: Param[] = [];
  readonly spectral: SpectralNorm[] = [];
  private readonly convs: ConvLayer[] = [];
  private readonly out: ConvLayer;
  private readonly flat: number;

  constructor(
    readonly opts: DcganCriticOptions,
    rng: Rng,
  ) {
    const prefix = uniquePrefix(opts.name);
    const n = convDepth(opts.size);
    let inC: number = opts.channels;
    let spatial: number = opts.size;
    const addSn = (name: string, w: Param) =>
      maybeSpectralNorm(this, opts.spectralNorm, prefix, name, w, rng);
    for (let i = 0; i < n; i++) {
      const outC = opts.width * 2 ** i;
      const fanIn = inC * opts.kernel * opts.kernel;
      const w = makeParam(
        prefix,
        `conv${i}/kernel`,
        'weight',
        uniformInit(rng, [opts.kernel, opts.kernel, inC, outC], fanIn),
      );
      const b = makeParam(prefix, `conv${i}/bias`, 'bias', uniformInit(rng, [outC], fanIn));
      this.params.push(w, b);
      this.convs.push({ w, b, sn: addSn(`conv${i}`, w) });
      inC = outC;
      spatial = Math.ceil(spatial / 2);
    }
    this.flat = spatial * spatial * inC;
    const w = makeParam(prefix, 'out/kernel', 'weight', uniformInit(rng, [this.flat, 1], this.flat));
    const b = makeParam(prefix, 'out/bias', 'bias', uniformInit(rng, [1], this.flat));
    this.params.push(w, b);
    this.out = { w, b, sn: addSn('out', w) };
  }

  apply(x: tf.Tensor): tf.Tensor {
    return this.applyWithTaps(x).out;
  }

  applyWithTaps(x: tf.Tensor, probes?: readonly tf.Tensor[]): { out: tf.Tensor; taps: tf.Tensor[] } {
    const taps: tf.Tensor[] = [];
    let h = x as tf.Tensor4D;
    for (const [i, layer] of this.convs.entries()) {
      const filter = layerWeight(layer.w, layer.sn) as tf.Tensor4D;
      let z = tf.add(tf.conv2d(h, filter, 2, 'same'), layer.b.variable) as tf.Tensor4D;
      const probe = probes?.[i];
      if (probe) z = tf.add(z, probe);
      taps.push(z);
      h = leakyRelu(z, this.opts.leakySlope) as tf.Tensor4D;
    }
    const flat = tf.reshape(h, [-1, this.flat]) as tf.Tensor2D;
    const kernel = layerWeight(this.out.w, this.out.sn) as tf.Tensor2D;
    let out = tf.add(tf.matMul(flat, kernel), this.out.b.variable);
    const probe = probes?.[this.convs.length];
    if (probe) out = tf.add(out, probe);
    taps.push(out);
    return { out, taps };
  }

  dispose(): void {
    disposeParams(this.params);
    disposeParams(this.buffers);
  }
}

export interface DcganGeneratorOptions extends ImageShape {
  readonly name: string;
  readonly latentDim: number;
  readonly width: number;
  readonly kernel: number;
  /** Batch norm after the projection and each hidden transposed convolution (batch statistics). */
  readonly batchNorm: boolean;
}

interface BatchNorm {
  readonly gamma: Param;
  readonly beta: Param;
}

/**
 * DCGAN-style generator, the critic's mirror: dense projection to 4x4 x (width * 2^(n-1)), then stride-2
 * transposed convolutions halving the channels, ReLU (and batch norm) between, tanh output in [-1, 1].
 * For 28 px the 8x8 map is cropped to 7x7 (as the WGAN-GP MNIST generator does).
 * Batch norm uses the batch's statistics, in training and sampling alike (no running averages).
 */
export class DcganGenerator implements Network {
  readonly params: Param[] = [];
  readonly buffers: Param[] = [];
  private readonly proj: { w: Param; b: Param; bn?: BatchNorm };
  private readonly deconvs: { w: Param; b: Param; bn?: BatchNorm; outC: number }[] = [];
  private readonly baseC: number;

  constructor(
    readonly opts: DcganGeneratorOptions,
    rng: Rng,
  ) {
    const prefix = uniquePrefix(opts.name);
    const n = convDepth(opts.size);
    this.baseC = opts.width * 2 ** (n - 1);
    const projOut = 16 * this.baseC;
    const bn = (name: string, c: number): BatchNorm | undefined => {
      if (!opts.batchNorm) return undefined;
      const gamma = makeParam(prefix, `${name}/gamma`, 'gamma', tf.ones([c]));
      const beta = makeParam(prefix, `${name}/beta`, 'beta', tf.zeros([c]));
      this.params.push(gamma, beta);
      return { gamma, beta };
    };
    const pw = makeParam(
      prefix,
      'proj/kernel',
      'weight',
      uniformInit(rng, [opts.latentDim, projOut], opts.latentDim),
    );
    const pb = makeParam(prefix, 'proj/bias', 'bias', uniformInit(rng, [projOut], opts.latentDim));
    this.params.push(pw, pb);
    this.proj = { w: pw, b: pb, bn: bn('proj/bn', projOut) };
    let inC = this.baseC;
    for (let i = 0; i < n; i++) {
      const last = i === n - 1;
      const outC = last ? opts.channels : inC / 2;
      const fanIn = inC * opts.kernel * opts.kernel;
      // conv2dTranspose filters are [kh, kw, outC, inC].
      const w = makeParam(
        prefix,
        `deconv${i}/kernel`,
        'weight',
        uniformInit(rng, [opts.kernel, opts.kernel, outC, inC], fanIn),
      );
      const b = makeParam(prefix, `deconv${i}/bias`, 'bias', uniformInit(rng, [outC], fanIn));
      this.params.push(w, b);
      this.deconvs.push({ w, b, outC, bn: last ? undefined : bn(`deconv${i}/bn`, outC) });
      inC = outC;
    }
  }

  apply(z: tf.Tensor): tf.Tensor {
    const batch = z.shape[0] ?? 1;
    let h: tf.Tensor = tf.add(
      tf.matMul(z as tf.Tensor2D, this.proj.w.variable as tf.Tensor2D),
      this.proj.b.variable,
    );
    if (this.proj.bn) h = batchNorm(h, this.proj.bn, [0]);
    h = tf.reshape(tf.relu(h), [batch, 4, 4, this.baseC]);
    let spatial = 4;
    this.deconvs.forEach((layer, i) => {
      spatial *= 2;
      const y = tf.conv2dTranspose(
        h as tf.Tensor4D,
        layer.w.variable as tf.Tensor4D,
        [batch, spatial, spatial, layer.outC],
        2,
        'same',
      );
      h = tf.add(y, layer.b.variable);
      if (this.opts.size === 28 && i === 0) {
        h = tf.slice(h, [0, 0, 0, 0], [batch, 7, 7, layer.outC]);
        spatial = 7;
      }
      if (i + 1 < this.deconvs.length) {
        if (layer.bn) h = batchNorm(h, layer.bn, [0, 1, 2]);
        h = tf.relu(h);
      }
    });
    return tf.tanh(h);
  }

  dispose(): void {
    disposeParams(this.params);
    disposeParams(this.buffers);
  }
}

/** Batch normalisation with the batch's mean and variance (Ioffe & Szegedy 2015), eps 1e-5. */
function batchNorm(x: tf.Tensor, bn: BatchNorm, axes: number[]): tf.Tensor {
  const { mean, variance } = tf.moments(x, axes, true);
  const normed = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5)));
  return tf.add(tf.mul(normed, bn.gamma.variable), bn.beta.variable);
}
