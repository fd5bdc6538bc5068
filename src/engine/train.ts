/**
 * The training loop: a plain async function of (config, dataset) that emits events. It knows nothing of
 * IPC, files or databases; the CLI and the training process decide what to do with the events.
 */
import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../shared/run-config';
import type { EndStatus, MetricName, MetricValues, TrainEvent } from '../shared/train-events';
import { type CheckpointMeta, type ParsedCheckpoint, restoreCheckpoint, saveCheckpoint } from './checkpoint';
import { type Augmentation, augmentationOf, drawAugmented } from './data/augment';
import type { Dataset } from './data/types';
import { RunMonitor, splitHoldOut } from './monitor';
import { Rng } from './rng';
import { buildGan, criticStep, type Gan, generatorStep } from './wgan';

export interface TrainOptions {
  readonly config: RunConfig;
  readonly dataset: Dataset;
  /** Continue from this checkpoint (its config must equal `config` but for `iterations`). */
  readonly resume?: ParsedCheckpoint;
  readonly onEvent: (event: TrainEvent) => void | Promise<void>;
  /** Polled once per generator iteration; true stops the run after a checkpoint. */
  readonly shouldStop?: () => boolean;
}

export interface TrainResult {
  readonly status: EndStatus;
  readonly step: number;
  readonly seconds: number;
  readonly reason?: string;
  /** The last logged metrics. */
  readonly final: MetricValues;
}

/** Random streams of a run. Forked from the seed in a fixed order so a config always gives the same run. */
export interface RunRngs {
  readonly init: Rng;
  readonly data: Rng;
  readonly noise: Rng;
  readonly fixed: Rng;
}

export function runRngs(seed: number): RunRngs {
  const master = new Rng(seed);
  return { init: master.fork(), data: master.fork(), noise: master.fork(), fixed: master.fork() };
}

/**
 * A batch of real data as a tensor [n, ...sampleShape], drawn with replacement for image sets and, when
 * `augment` is given, augmented image by image (data/augment.ts; 2D data is never augmented).
 */
export function realBatch(dataset: Dataset, rng: Rng, n: number, augment?: Augmentation): tf.Tensor {
  if (dataset.kind === '2d') return tf.tensor2d(dataset.sample(rng, n), [n, 2]);
  const per = dataset.height * dataset.width * dataset.channels;
  const out = new Float32Array(n * per);
  if (augment !== undefined) {
    drawAugmented(dataset.images, dataset, rng, n, augment, out);
    return tf.tensor4d(out, [n, dataset.height, dataset.width, dataset.channels]);
  }
  for (let i = 0; i < n; i++) {
    const k = rng.int(dataset.count);
    out.set(dataset.images.subarray(k * per, (k + 1) * per), i * per);
  }
  return tf.tensor4d(out, [n, dataset.height, dataset.width, dataset.channels]);
}

export function latentBatch(rng: Rng, n: number, dim: number): tf.Tensor2D {
  return tf.tensor2d(rng.fillNormal(new Float32Array(n * dim)), [n, dim]);
}

/** Per-sample interpolation coefficients eps ~ U[0, 1], shaped to broadcast over a sample. */
function epsBatch(rng: Rng, n: number, sampleRank: number): tf.Tensor {
  return tf.tensor(rng.fillUniform(new Float32Array(n)), [n, ...Array<number>(sampleRank).fill(1)]);
}

/** Generator output for a latent batch, read back to the CPU. */
export function generate(gan: Gan, z: tf.Tensor): Float32Array {
  const out = tf.tidy(() => gan.generator.apply(z));
  const data = out.dataSync() as Float32Array;
  out.dispose();
  return data;
}

/**
 * One generator iteration: nCritic critic steps on fresh batches, then one generator step. Returns the
 * last critic step's [real, fake, penalty, loss, gradNorm mean, std] and the generator loss, read back.
 */
export function trainIteration(
  gan: Gan,
  dataset: Dataset,
  dataRng: Rng,
  noiseRng: Rng,
  nCritic: number,
  measureNorms: boolean,
): Float32Array {
  const { batchSize: B, latentDim } = gan.config;
  const sampleRank = gan.sampleShape.length;
  const augment = augmentationOf(gan.config);
  // Both papers' Algorithm 1 draw a fresh real batch for every critic step; the seed notebook draws one
  // per generator iteration and reuses it for its nCritic steps ('shared').
  const shared =
    gan.config.criticRealBatch === 'shared' ? realBatch(dataset, dataRng, B, augment) : undefined;
  let last: tf.Tensor1D | undefined;
  for (let i = 0; i < nCritic; i++) {
    last?.dispose();
    const real = shared ?? realBatch(dataset, dataRng, B, augment);
    const z = latentBatch(noiseRng, B, latentDim);
    const eps = epsBatch(noiseRng, B, sampleRank);
    last = criticStep(gan, real, z, eps, measureNorms && i === nCritic - 1);
    tf.dispose(shared ? [z, eps] : [real, z, eps]);
  }
  shared?.dispose();
  const z = latentBatch(noiseRng, B, latentDim);
  const gLoss = generatorStep(gan, z);
  z.dispose();
  const stepLast = last as tf.Tensor1D;
  const both = tf.tidy(() => tf.concat([stepLast, gLoss.reshape([1])]));
  const values = both.dataSync() as Float32Array;
  tf.dispose([both, stepLast, gLoss]);
  return values;
}

const STEP_VALUES: MetricName[] = [
  'critic.real',
  'critic.fake',
  'critic.penalty',
  'critic.loss',
  'gradNorm.mean',
  'gradNorm.std',
  'generator',
];

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { config, onEvent } = opts;
  const split = splitHoldOut(opts.dataset, config.holdOut);
  const dataset = split.train;
  const rngs = runRngs(config.seed);
  const gan = buildGan(config, dataset, rngs.init);
  const monitor = new RunMonitor(gan, split, config);
  let step = 0;
  let secondsBefore = 0;
  let dataRng = rngs.data;
  let noiseRng = rngs.noise;
  if (opts.resume) {
    assertSameRun(opts.resume.config, config);
    restoreCheckpoint(gan, opts.resume);
    step = opts.resume.step;
    secondsBefore = opts.resume.seconds;
    dataRng = new Rng(opts.resume.rng.data);
    noiseRng = new Rng(opts.resume.rng.noise);
  }
  const fixedZ = latentBatch(rngs.fixed, config.sampleCount, config.latentDim);
  const started = performance.now();
  const seconds = () => secondsBefore + (performance.now() - started) / 1000;

  // Sums of the per-iteration values since the last logged step.
  const window = new Float64Array(STEP_VALUES.length);
  let windowCount = 0;
  let windowStart = performance.now();
  let final: MetricValues = {};
  let lastCheckpointStep = -1;

  const meta = (): CheckpointMeta => ({
    config,
    step,
    seconds: seconds(),
    rng: { data: dataRng.state(), noise: noiseRng.state() },
  });
  const checkpoint = async () => {
    lastCheckpointStep = step;
    await onEvent({ type: 'checkpoint', step, bytes: saveCheckpoint(gan, meta()) });
  };
  let lastDiagnosticsStep = -1;
  const diagnostics = async (withSamples?: { real: Float32Array; fake: Float32Array }) => {
    lastDiagnosticsStep = step;
    const data = { ...monitor.measure() };
    if (withSamples) {
      const surface = monitor.surface(withSamples.real, withSamples.fake);
      const quality = monitor.quality();
      Object.assign(data, surface ? { surface } : {}, quality ? { quality } : {});
    }
    await onEvent({ type: 'diagnostics', step, seconds: seconds(), data });
  };
  const samples = async () => {
    const fake = generate(gan, fixedZ);
    if (dataset.kind === '2d') {
      // The real points come from a stream of their own so plotting never shifts the training stream.
      const real = dataset.sample(new Rng(config.seed ^ 0x5eed), config.sampleCount);
      await onEvent({ type: 'samples', step, kind: '2d', fake, real });
      await diagnostics({ real, fake });
    } else {
      await onEvent({
        type: 'samples',
        step,
        kind: 'image',
        images: fake,
        count: config.sampleCount,
        height: dataset.height,
        width: dataset.width,
        channels: dataset.channels,
      });
      await diagnostics({ real: new Float32Array(0), fake });
    }
  };
  const end = async (status: EndStatus, reason?: string): Promise<TrainResult> => {
    const result: TrainResult = { status, step, seconds: seconds(), reason, final };
    await onEvent({ type: 'end', status, step, seconds: result.seconds, reason });
    return result;
  };

  try {
    await onEvent({ type: 'started', step, total: config.iterations, resumed: opts.resume !== undefined });
    while (step < config.iterations) {
      if (opts.shouldStop?.()) {
        if (lastCheckpointStep !== step) await checkpoint();
        return await end('stopped');
      }
      const logging = (step + 1) % config.logEvery === 0 || step + 1 === config.iterations;
      // WGAN paper, Algorithm 1 as coded: 100 critic iterations for the first 25 generator iterations and
      // every 500th, to keep the critic near optimality.
      const nCritic = config.criticBurnIn && (step < 25 || step % 500 === 0) ? 100 : config.nCritic;
      const values = trainIteration(gan, dataset, dataRng, noiseRng, nCritic, logging);
      step += 1;

      const bad = STEP_VALUES.findIndex((_, k) => !Number.isFinite(values[k] as number));
      if (bad >= 0) {
        return await end('diverged', `${STEP_VALUES[bad]} is ${values[bad]} at step ${step}`);
      }
      values.forEach((v, k) => (window[k] = (window[k] as number) + v));
      windowCount += 1;

      if (logging) {
        const now = performance.now();
        const avg = Object.fromEntries(
          STEP_VALUES.map((name, k) => [name, (window[k] as number) / windowCount]),
        ) as MetricValues;
        // The norms are measured on the last critic step of this iteration only.
        avg['gradNorm.mean'] = values[4] as number;
        avg['gradNorm.std'] = values[5] as number;
        avg.wasserstein = (avg['critic.real'] as number) - (avg['critic.fake'] as number);
        avg.itPerSec = (windowCount * 1000) / Math.max(now - windowStart, 1e-3);
        final = avg;
        await onEvent({ type: 'metrics', step, seconds: seconds(), values: avg });
        window.fill(0);
        windowCount = 0;
        windowStart = now;
        // Let the event loop run (stop requests, IPC) between logged windows.
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (config.sampleEvery > 0 && step % config.sampleEvery === 0) await samples();
      else if (
        config.diagnosticsEvery > 0 &&
        step % config.diagnosticsEvery === 0 &&
        step < config.iterations
      )
        await diagnostics(); // the last step's come with its samples, below
      if (config.checkpointEvery > 0 && step % config.checkpointEvery === 0) await checkpoint();
    }
    if (config.sampleEvery === 0 || step % config.sampleEvery !== 0) await samples();
    if (lastDiagnosticsStep !== step) await diagnostics();
    if (lastCheckpointStep !== step) await checkpoint();
    return await end('completed');
  } finally {
    fixedZ.dispose();
    monitor.dispose();
    gan.dispose();
  }
}

/** A resumed run must be the same run: every field equal but the iteration budget and logging cadence. */
function assertSameRun(saved: RunConfig, config: RunConfig): void {
  const free = new Set(['iterations', 'logEvery', 'sampleEvery', 'checkpointEvery', 'diagnosticsEvery']);
  for (const key of Object.keys(saved) as (keyof RunConfig)[]) {
    if (!free.has(key) && saved[key] !== config[key]) {
      throw new Error(
        `cannot resume: '${key}' differs from the checkpoint (${String(saved[key])} vs ${String(config[key])})`,
      );
    }
  }
}
