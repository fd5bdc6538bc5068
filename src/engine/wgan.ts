/**
 * A WGAN as plain functions: build the two networks and optimizers from a run config, one critic step,
 * one generator step. No IPC, no storage, no loop here.
 */
import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../shared/run-config';
import type { Dataset } from './data/types';
import { DcganCritic, DcganGenerator, type ImageShape } from './models/dcgan';
import { Mlp } from './models/mlp';
import type { Network, Param } from './models/params';
import type { SpectralNorm } from './models/spectral';
import {
  generatorLoss,
  gradientPenalty,
  hingeCriticLoss,
  inputGradientNorms,
  interpolates,
  lipschitzPenalty,
  wassersteinCriticLoss,
} from './objectives';
import { Adam, type Optimizer, RmsProp } from './optim';
import type { Rng } from './rng';

export interface Critic extends Network {
  readonly spectral: readonly SpectralNorm[];
}

export interface Gan {
  readonly config: RunConfig;
  readonly generator: Network;
  readonly critic: Critic;
  readonly optG: Optimizer;
  readonly optC: Optimizer;
  /** Shape of one data sample: [2] or [h, w, c]. */
  readonly sampleShape: readonly number[];
  dispose(): void;
}

/** Indices of the values in a critic step's metric vector. */
export const CRITIC_METRICS = ['critic.real', 'critic.fake', 'critic.penalty', 'critic.loss'] as const;
export const GRAD_NORM_METRICS = ['gradNorm.mean', 'gradNorm.std'] as const;

export function imageShapeOf(dataset: Dataset): ImageShape {
  if (dataset.kind !== 'image') throw new Error('not an image dataset');
  const size = dataset.height;
  if (dataset.width !== size || (size !== 28 && size !== 32 && size !== 64)) {
    throw new Error(`image size ${dataset.height}x${dataset.width} is not supported (28, 32 or 64, square)`);
  }
  return { size, channels: dataset.channels };
}

export function buildGan(config: RunConfig, dataset: Dataset, rng: Rng): Gan {
  const model = config.model === 'auto' ? (dataset.kind === '2d' ? 'mlp' : 'dcgan') : config.model;
  const sn = config.method === 'sn';
  let generator: Network;
  let critic: Critic;
  let sampleShape: number[];
  if (model === 'mlp') {
    if (dataset.kind !== '2d') throw new Error(`model 'mlp' needs 2D data; '${dataset.id}' is images`);
    sampleShape = [2];
    const common = { width: config.mlpWidth, depth: config.mlpDepth };
    // The seed notebook: ReLU generator, leaky-ReLU critic.
    generator = new Mlp(
      { ...common, name: 'generator', inputDim: config.latentDim, outputDim: 2, leakySlope: 0 },
      rng.fork(),
    );
    critic = new Mlp(
      {
        ...common,
        name: 'critic',
        inputDim: 2,
        outputDim: 1,
        leakySlope: config.leakySlope,
        spectralNorm: sn,
      },
      rng.fork(),
    );
  } else {
    const shape = imageShapeOf(dataset);
    sampleShape = [shape.size, shape.size, shape.channels];
    const common = { ...shape, width: config.convWidth, kernel: config.convKernel };
    generator = new DcganGenerator(
      { ...common, name: 'generator', latentDim: config.latentDim, batchNorm: true },
      rng.fork(),
    );
    critic = new DcganCritic(
      { ...common, name: 'critic', leakySlope: config.leakySlope, spectralNorm: sn },
      rng.fork(),
    );
  }
  const makeOpt = (params: readonly Param[], lr: number): Optimizer =>
    config.optimizer === 'adam'
      ? new Adam(params, lr, config.beta1, config.beta2)
      : new RmsProp(params, lr, config.rmspropDecay);
  const optG = makeOpt(generator.params, config.lrGenerator);
  const optC = makeOpt(critic.params, config.lrCritic);
  return {
    config,
    generator,
    critic,
    optG,
    optC,
    sampleShape,
    dispose() {
      generator.dispose();
      critic.dispose();
      optG.dispose();
      optC.dispose();
    },
  };
}

function orderedGrads(params: readonly Param[], grads: tf.NamedTensorMap): tf.Tensor[] {
  // A parameter the loss does not reach gets no entry from tf.variableGrads: its gradient is zero.
  return params.map((p) => grads[p.variable.name] ?? tf.zerosLike(p.variable));
}

/**
 * One critic update on a real batch, latent batch z and interpolation coefficients eps ([B, 1, ...]).
 * Returns [critic.real, critic.fake, critic.penalty, critic.loss, gradNorm.mean, gradNorm.std] as one
 * tensor (the caller reads it when it logs, and disposes it). Gradient norms are NaN-free zeros when
 * neither a penalty nor `measureNorms` asks for them.
 */
export function criticStep(
  gan: Gan,
  real: tf.Tensor,
  z: tf.Tensor,
  eps: tf.Tensor,
  measureNorms = false,
): tf.Tensor1D {
  const { critic, generator, config } = gan;
  for (const s of critic.spectral) s.powerIteration();
  return tf.tidy(() => {
    const fake = generator.apply(z);
    let metrics: tf.Tensor1D | undefined;
    const { grads } = tf.variableGrads(
      () => {
        const fReal = tf.mean(critic.apply(real));
        const fFake = tf.mean(critic.apply(fake));
        const base =
          config.loss === 'hinge' ? hingeCriticLoss(fReal, fFake) : wassersteinCriticLoss(fReal, fFake);
        let penalty: tf.Scalar = tf.scalar(0);
        let norms: tf.Tensor1D | undefined;
        if (config.method === 'gp' || config.method === 'lp') {
          norms = inputGradientNorms(critic, interpolates(real, fake, eps));
          penalty =
            config.method === 'gp'
              ? gradientPenalty(norms, config.lambda)
              : lipschitzPenalty(norms, config.lambda);
        }
        const loss = tf.add(base, penalty) as tf.Scalar;
        const normStats = norms ? tf.moments(norms) : undefined;
        metrics = tf.keep(
          tf.stack([
            fReal,
            fFake,
            penalty,
            loss,
            normStats ? normStats.mean : tf.scalar(0),
            normStats ? tf.sqrt(normStats.variance) : tf.scalar(0),
          ]) as tf.Tensor1D,
        );
        return loss;
      },
      critic.params.map((p) => p.variable),
    );
    gan.optC.step(orderedGrads(critic.params, grads));
    // Weight clipping (Arjovsky et al. 2017, Algorithm 1 line 7): w <- clip(w, -c, c) after every critic
    // update, for every critic parameter (weights and biases, as the reference code does).
    if (config.method === 'clip') {
      for (const p of critic.params)
        p.variable.assign(tf.clipByValue(p.variable, -config.clipValue, config.clipValue));
    }
    if (!metrics) throw new Error('critic step produced no metrics');
    if (measureNorms && config.method !== 'gp' && config.method !== 'lp') {
      const { mean, variance } = tf.moments(inputGradientNorms(critic, interpolates(real, fake, eps)));
      const kept = metrics;
      metrics = tf.concat([kept.slice(0, 4), tf.stack([mean, tf.sqrt(variance)])]) as tf.Tensor1D;
      kept.dispose();
    }
    return metrics;
  });
}

/** One generator update: minimise -E[f(G(z))]. Returns the loss (caller disposes). */
export function generatorStep(gan: Gan, z: tf.Tensor): tf.Scalar {
  const { critic, generator } = gan;
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(
      () => generatorLoss(critic.apply(generator.apply(z))),
      generator.params.map((p) => p.variable),
    );
    gan.optG.step(orderedGrads(generator.params, grads));
    return value;
  });
}
