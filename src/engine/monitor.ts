/**
 * What a run measures about itself besides its losses: the diagnostics of src/shared/diagnostics.ts,
 * computed on fixed batches (drawn once per run from streams of their own, so measuring never shifts the
 * training streams and two steps compare on the same points).
 */
import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../shared/run-config';
import {
  type DiagnosticsBundle,
  encodeFloat32,
  type QualityDiagnostic,
  type SurfaceDiagnostic,
} from '../shared/diagnostics';
import type { Dataset, ImageDataset } from './data/types';
import {
  gradientField,
  interpolateGradNorms,
  layerGradNorms,
  valueSurface,
  wassersteinEstimate,
  weightHistograms,
} from './diagnostics';
import { imageJudge, pointJudge, type QualityJudge } from './quality';
import { Rng } from './rng';
import type { Gan } from './wgan';

/** Seeds of the monitor's own streams (xor-ed with the run seed). */
const DIAG_SEED = 0xd1a6;
const QUALITY_SEED = 0x9a11;
const HOLD_OUT_SEED = 0x401d;

export interface DataSplit {
  /** What training samples from. */
  readonly train: Dataset;
  /** Images the critic never trains on (image sets with holdOut > 0). */
  readonly heldOut?: ImageDataset;
}

/**
 * Holds out `holdOut` images chosen by a fixed permutation of the dataset (the same for every run on it;
 * a tail would be unbalanced: the built-in digits run out of 5s before the end).
 */
export function splitHoldOut(dataset: Dataset, holdOut: number): DataSplit {
  if (dataset.kind === '2d' || holdOut === 0) return { train: dataset };
  if (holdOut >= dataset.count) {
    throw new Error(
      `holdOut (${holdOut}) must leave images to train on ('${dataset.id}' has ${dataset.count})`,
    );
  }
  const per = dataset.height * dataset.width * dataset.channels;
  const order = Uint32Array.from({ length: dataset.count }, (_, i) => i);
  const rng = new Rng(HOLD_OUT_SEED);
  for (let i = 0; i < holdOut; i++) {
    const j = i + rng.int(dataset.count - i);
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  const held = order.subarray(0, holdOut).sort();
  const train = order.subarray(holdOut).sort();
  const part = (indices: Uint32Array, suffix: string): ImageDataset => {
    const images = new Float32Array(indices.length * per);
    indices.forEach((k, i) => images.set(dataset.images.subarray(k * per, (k + 1) * per), i * per));
    return {
      ...dataset,
      id: `${dataset.id}${suffix}`,
      count: indices.length,
      images,
      ...(dataset.labels ? { labels: Uint8Array.from(indices, (k) => dataset.labels?.[k] ?? 0) } : {}),
    };
  };
  return { train: part(train, ''), heldOut: part(held, ':held-out') };
}

function imageBatch(data: ImageDataset, rng: Rng, n: number): tf.Tensor4D {
  const per = data.height * data.width * data.channels;
  const out = new Float32Array(n * per);
  for (let i = 0; i < n; i++) {
    const k = rng.int(data.count);
    out.set(data.images.subarray(k * per, (k + 1) * per), i * per);
  }
  return tf.tensor4d(out, [n, data.height, data.width, data.channels]);
}

export class RunMonitor {
  /** Batch size of the fixed diagnostic batches: 1,000 points for 2D data, 256 images. */
  readonly size: number;
  private readonly trainReal: tf.Tensor;
  private readonly heldOutReal: tf.Tensor;
  private readonly z: tf.Tensor2D;
  private readonly eps: tf.Tensor;
  private qualityZ?: tf.Tensor2D;
  private judgeState?: QualityJudge;

  constructor(
    private readonly gan: Gan,
    private readonly split: DataSplit,
    private readonly config: RunConfig,
  ) {
    const rng = new Rng((config.seed ^ DIAG_SEED) >>> 0);
    const data = split.train;
    this.size = data.kind === '2d' ? 1000 : 256;
    const n = this.size;
    if (data.kind === '2d') {
      this.trainReal = tf.tensor2d(data.sample(rng, n), [n, 2]);
      this.heldOutReal = tf.tensor2d(data.sample(rng, n), [n, 2]);
    } else {
      this.trainReal = imageBatch(data, rng, n);
      this.heldOutReal = imageBatch(split.heldOut ?? data, rng, n);
    }
    this.z = tf.tensor2d(rng.fillNormal(new Float32Array(n * config.latentDim)), [n, config.latentDim]);
    const epsShape = [n, ...Array<number>(gan.sampleShape.length).fill(1)];
    this.eps = tf.tensor(rng.fillUniform(new Float32Array(n)), epsShape);
  }

  /** Gradient norms on interpolates, per-layer norms, weight histograms and the Wasserstein estimates. */
  measure(): DiagnosticsBundle {
    const { critic, generator } = this.gan;
    const fake = tf.tidy(() => generator.apply(this.z));
    try {
      const norms = interpolateGradNorms(critic, this.trainReal, fake, this.eps);
      const layerNorms = layerGradNorms(critic, this.trainReal, fake);
      const clip = this.config.method === 'clip' ? this.config.clipValue : undefined;
      const layers = weightHistograms(critic, clip);
      let atBounds = 0;
      let total = 0;
      for (const l of layers) {
        atBounds += (l.atClipBounds ?? 0) * l.count;
        total += l.count;
      }
      return {
        gradNorms: norms,
        layers: { names: layerNorms.map((_, i) => `layer ${i + 1}`), norms: layerNorms },
        weights: {
          layers,
          ...(clip !== undefined ? { atClipBounds: total ? atBounds / total : 0, clipValue: clip } : {}),
        },
        wasserstein: {
          train: wassersteinEstimate(critic, this.trainReal, fake),
          heldOut: wassersteinEstimate(critic, this.heldOutReal, fake),
          batch: this.size,
        },
      };
    } finally {
      fake.dispose();
    }
  }

  /** For 2D data: the critic's value surface with real and generated points and the gradient field. */
  surface(real: Float32Array, fake: Float32Array, res = 128): SurfaceDiagnostic | undefined {
    const data = this.split.train;
    if (data.kind !== '2d') return undefined;
    const values = valueSurface(this.gan.critic, data.bounds, res);
    let min = Infinity;
    let max = -Infinity;
    for (const v of values) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return {
      res,
      bounds: data.bounds,
      values: encodeFloat32(values),
      min,
      max,
      real: encodeFloat32(real),
      fake: encodeFloat32(fake),
      field: encodeFloat32(gradientField(this.gan.critic, fake)),
    };
  }

  /** Sample-quality metrics of the current generator (the reference is built on the first call). */
  quality(): QualityDiagnostic {
    if (!this.judgeState) {
      const data = this.split.train;
      const seed = (this.config.seed ^ QUALITY_SEED) >>> 0;
      this.judgeState =
        data.kind === '2d'
          ? pointJudge(data, seed)
          : imageJudge(this.split.heldOut ?? data, {
              seed,
              digits: data.id === 'mnist' && data.height === 28 && data.channels === 1,
            });
      const m = this.judgeState.sampleCount;
      const z = new Rng(seed).fillNormal(new Float32Array(m * this.config.latentDim));
      this.qualityZ = tf.tensor2d(z, [m, this.config.latentDim]);
    }
    const z = this.qualityZ as tf.Tensor2D;
    const out = tf.tidy(() => this.gan.generator.apply(z));
    const samples = out.dataSync() as Float32Array;
    out.dispose();
    return this.judgeState.judge(samples);
  }

  dispose(): void {
    tf.dispose([this.trainReal, this.heldOutReal, this.z, this.eps]);
    this.qualityZ?.dispose();
    this.judgeState?.dispose();
  }
}
