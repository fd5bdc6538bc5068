/**
 * The WGAN-GP paper's Figure 1 (Gulrajani et al. 2017), recomputed:
 *
 * - 1a: value surfaces of critics trained to optimality on toy data against a fixed "generator" that is
 *   the real data plus unit Gaussian noise, with weight clipping and with a gradient penalty. Clipped
 *   critics learn only simple functions of the data; penalised ones follow its shape.
 * - 1b: per-layer gradient norms of a deep critic trained on the Swiss roll (clipping with
 *   c in {0.1, 0.01, 0.001} makes them explode or vanish across layers, the penalty keeps them level) and
 *   the histogram of its weights (clipping piles them at +-c).
 *
 * Departures, so that this runs in minutes on the wasm backend: the paper's critics are 512 units wide;
 * here 1a uses 3 x 128 ReLU layers trained 1,000 steps (lambda 0.1, as the paper's toy code) and 1b a
 * 12-layer, 256-unit critic after 100 generator iterations (lambda 10). Both methods use Adam (1e-3 for
 * 1a, 1e-4 with betas (0.5, 0.9) for 1b) so that only the Lipschitz constraint differs. All sizes are
 * options.
 */
import * as tf from '@tensorflow/tfjs';
import { resolveRunConfig, type RunConfig } from '../shared/run-config';
import { loadBuiltinDataset } from './data/index';
import type { Bounds, Toy2DDataset } from './data/types';
import { layerGradNorms, valueSurface } from './diagnostics';
import { Mlp } from './models/mlp';
import type { Network } from './models/params';
import { Adam } from './optim';
import { Rng } from './rng';
import { runRngs, trainIteration } from './train';
import { buildGan, criticStep, type Gan } from './wgan';

export type SurfaceDataset = '8gaussians' | '25gaussians' | 'swissroll';
export const SURFACE_DATASETS: readonly SurfaceDataset[] = ['8gaussians', '25gaussians', 'swissroll'];

export interface SurfaceOptions {
  readonly dataset: SurfaceDataset;
  readonly method: 'clip' | 'gp';
  readonly steps?: number;
  readonly width?: number;
  readonly depth?: number;
  readonly batchSize?: number;
  readonly clipValue?: number;
  readonly lambda?: number;
  readonly lr?: number;
  readonly res?: number;
  readonly seed?: number;
}

export interface SurfaceResult {
  readonly dataset: SurfaceDataset;
  readonly method: 'clip' | 'gp';
  readonly values: Float32Array;
  readonly res: number;
  readonly bounds: Bounds;
  /** Real points for the plot (n x 2). */
  readonly real: Float32Array;
  /** E[f(real)] - E[f(noisy real)] on the last batch: the critic's estimate of the distance. */
  readonly wasserstein: number;
}

/** The fixed "generator" of Fig. 1a: its input already is the fake batch (real data + N(0, 1) noise). */
const identity: Network = { params: [], buffers: [], apply: (x) => x, dispose: () => undefined };

/** A critic trained to (near) optimality against real data plus unit Gaussian noise (Fig. 1a). */
export function optimalCriticSurface(opts: SurfaceOptions): SurfaceResult {
  const steps = opts.steps ?? 1000;
  const batch = opts.batchSize ?? 256;
  const rng = new Rng(opts.seed ?? 1);
  const dataset = loadBuiltinDataset(opts.dataset) as Toy2DDataset;
  const config = resolveRunConfig({
    dataset: opts.dataset,
    method: opts.method,
    // The WGAN-GP toy code's lambda for these sets ("smaller lambda seems to help for toy tasks"); with
    // lambda = 10 and this budget the surfaces stay smooth bowls that hide the modes.
    lambda: opts.lambda ?? 0.1,
    clipValue: opts.clipValue ?? 0.01,
  });
  const critic = new Mlp(
    {
      name: 'critic',
      inputDim: 2,
      outputDim: 1,
      width: opts.width ?? 128,
      depth: opts.depth ?? 3,
      leakySlope: 0,
    },
    rng.fork(),
  );
  const optC = new Adam(critic.params, opts.lr ?? 1e-3, 0.5, 0.9);
  const gan: Gan = {
    config,
    generator: identity,
    critic,
    optC,
    optG: optC,
    sampleShape: [2],
    dispose: () => undefined,
  };
  let last = 0;
  try {
    for (let i = 0; i < steps; i++) {
      const real = tf.tensor2d(dataset.sample(rng, batch), [batch, 2]);
      const noisy = dataset.sample(rng, batch);
      for (let k = 0; k < noisy.length; k++) noisy[k] = (noisy[k] as number) + rng.normal();
      const fake = tf.tensor2d(noisy, [batch, 2]);
      const eps = tf.tensor2d(rng.fillUniform(new Float32Array(batch)), [batch, 1]);
      const metrics = criticStep(gan, real, fake, eps);
      if (i === steps - 1) {
        const v = metrics.dataSync();
        last = (v[0] as number) - (v[1] as number);
      }
      tf.dispose([real, fake, eps, metrics]);
    }
    const res = opts.res ?? 128;
    return {
      dataset: opts.dataset,
      method: opts.method,
      values: valueSurface(critic, dataset.bounds, res),
      res,
      bounds: dataset.bounds,
      real: dataset.sample(new Rng(7), 512),
      wasserstein: last,
    };
  } finally {
    optC.dispose();
    critic.dispose();
  }
}

export interface DeepCriticOptions {
  readonly method: 'clip' | 'gp';
  readonly clipValue?: number;
  readonly iterations?: number;
  readonly depth?: number;
  readonly width?: number;
  readonly batchSize?: number;
  readonly seed?: number;
}

export interface DeepCriticResult {
  readonly label: string;
  /** Norm of the critic loss's gradient with respect to each layer's pre-activations, input side first. */
  readonly layerNorms: number[];
  /** Every critic weight (not biases). */
  readonly weights: Float32Array;
  readonly config: RunConfig;
}

/** A deep MLP critic trained as a WGAN on the Swiss roll (Fig. 1b). */
export function deepCriticGradients(opts: DeepCriticOptions): DeepCriticResult {
  const config = resolveRunConfig({
    dataset: 'swissroll',
    method: opts.method,
    preset: 'wgan-gp',
    clipValue: opts.clipValue ?? 0.01,
    mlpDepth: opts.depth ?? 12,
    mlpWidth: opts.width ?? 256,
    batchSize: opts.batchSize ?? 64,
    iterations: opts.iterations ?? 100,
    leakySlope: 0,
    seed: opts.seed ?? 1,
  });
  const dataset = loadBuiltinDataset('swissroll') as Toy2DDataset;
  const rngs = runRngs(config.seed);
  const gan = buildGan(config, dataset, rngs.init);
  try {
    for (let i = 0; i < config.iterations; i++) {
      trainIteration(gan, dataset, rngs.data, rngs.noise, config.nCritic, false);
    }
    const n = 512;
    const real = tf.tensor2d(dataset.sample(rngs.fixed, n), [n, 2]);
    const fake = tf.tidy(() =>
      gan.generator.apply(
        tf.tensor2d(rngs.fixed.fillNormal(new Float32Array(n * config.latentDim)), [n, config.latentDim]),
      ),
    );
    const layerNorms = layerGradNorms(gan.critic, real, fake);
    tf.dispose([real, fake]);
    const parts = gan.critic.params.filter((p) => p.kind === 'weight').map((p) => p.variable.dataSync());
    const weights = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) {
      weights.set(p, o);
      o += p.length;
    }
    const label = opts.method === 'gp' ? 'gradient penalty' : `weight clipping c=${config.clipValue}`;
    return { label, layerNorms, weights, config };
  } finally {
    gan.dispose();
  }
}
