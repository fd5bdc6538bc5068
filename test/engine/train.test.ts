import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCheckpoint } from '../../src/engine/checkpoint';
import { SpectralNorm } from '../../src/engine/models/spectral';
import { makeParam } from '../../src/engine/models/params';
import { Rng } from '../../src/engine/rng';
import { runRngs, train, trainIteration } from '../../src/engine/train';
import { buildGan } from '../../src/engine/wgan';
import { METHODS, type RunConfig } from '../../src/shared/run-config';
import type { TrainEvent } from '../../src/shared/train-events';
import { tinyRunConfig } from '../helpers/run-config';
import { gaussianBlob } from '../helpers/toy';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function tinyConfig(method: RunConfig['method'], extra: Partial<RunConfig> = {}): RunConfig {
  return tinyRunConfig(method, {
    preset: 'notebook',
    sampleCount: 32,
    sampleEvery: 0,
    checkpointEvery: 0,
    iterations: 20,
    ...extra,
  });
}

async function collect(config: RunConfig, resume?: Uint8Array) {
  const events: TrainEvent[] = [];
  const result = await train({
    config,
    dataset: gaussianBlob(),
    resume: resume ? parseCheckpoint(resume) : undefined,
    onEvent: (e) => {
      events.push(e);
    },
  });
  return { events, result };
}

describe('training steps', () => {
  for (const method of METHODS) {
    it(`a ${method} iteration leaves tf.memory().numTensors unchanged`, () => {
      const config = tinyConfig(method);
      const dataset = gaussianBlob();
      const before = tf.memory().numTensors;
      const rngs = runRngs(1);
      const gan = buildGan(config, dataset, rngs.init);
      trainIteration(gan, dataset, rngs.data, rngs.noise, 5, true); // warm-up
      const warm = tf.memory().numTensors;
      trainIteration(gan, dataset, rngs.data, rngs.noise, 5, true);
      trainIteration(gan, dataset, rngs.data, rngs.noise, 5, false);
      expect(tf.memory().numTensors).toBe(warm);
      gan.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('a whole run disposes everything it made', async () => {
    const before = tf.memory().numTensors;
    await collect(tinyConfig('gp', { sampleEvery: 10, checkpointEvery: 10 }));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('clip keeps every critic weight and bias in [-c, c]', () => {
    const config = tinyConfig('clip', { clipValue: 0.02, lrCritic: 0.05 });
    const dataset = gaussianBlob();
    const rngs = runRngs(3);
    const gan = buildGan(config, dataset, rngs.init);
    for (let i = 0; i < 5; i++) trainIteration(gan, dataset, rngs.data, rngs.noise, 5, false);
    let maxAbs = 0;
    let atBound = 0;
    let total = 0;
    for (const p of gan.critic.params) {
      for (const v of p.variable.dataSync()) {
        maxAbs = Math.max(maxAbs, Math.abs(v));
        if (Math.abs(Math.abs(v) - 0.02) < 1e-6) atBound++;
        total++;
      }
    }
    expect(maxAbs).toBeLessThanOrEqual(0.02 + 1e-7);
    // With a large learning rate, clipping must actually have bitten.
    expect(atBound / total).toBeGreaterThan(0.5);
    gan.dispose();
  });

  it('spectral norm power iteration converges to the largest singular value', () => {
    const w = makeParam(
      'sn-test',
      'w',
      'weight',
      tf.tensor2d([
        [3, 0, 0],
        [0, -5, 0],
      ]),
    );
    const sn = new SpectralNorm('sn-test', 'w', w, new Rng(2));
    for (let i = 0; i < 50; i++) sn.powerIteration();
    const normalized = sn.normalized();
    // sigma = 5, so W / sigma has entries 0.6 and -1.
    expect(Array.from(normalized.dataSync())).toEqual([0.6, 0, 0, 0, -1, 0].map((v) => expect.closeTo(v, 5)));
    tf.dispose([normalized, w.variable, sn.u.variable, sn.v.variable]);
  });
});

describe('the training loop', () => {
  it('emits metrics every logEvery iterations with the named loss terms', async () => {
    const { events, result } = await collect(tinyConfig('gp'));
    const metrics = events.filter((e) => e.type === 'metrics');
    expect(metrics.map((e) => e.step)).toEqual([5, 10, 15, 20]);
    const last = metrics.at(-1);
    if (last?.type !== 'metrics') throw new Error('no metrics');
    for (const key of [
      'critic.real',
      'critic.fake',
      'critic.penalty',
      'wasserstein',
      'generator',
      'gradNorm.mean',
    ]) {
      expect(Number.isFinite(last.values[key as keyof typeof last.values])).toBe(true);
    }
    expect(last.values.wasserstein).toBeCloseTo(
      (last.values['critic.real'] as number) - (last.values['critic.fake'] as number),
      6,
    );
    expect(result.status).toBe('completed');
    expect(events.at(-1)).toMatchObject({ type: 'end', status: 'completed', step: 20 });
    // A final sample set and checkpoint are always emitted.
    expect(events.some((e) => e.type === 'samples' && e.step === 20)).toBe(true);
    expect(events.some((e) => e.type === 'checkpoint' && e.step === 20)).toBe(true);
  });

  it('the same config and seed give the same run; another seed does not', async () => {
    const a = await collect(tinyConfig('gp', { seed: 7 }));
    const b = await collect(tinyConfig('gp', { seed: 7 }));
    const c = await collect(tinyConfig('gp', { seed: 8 }));
    const values = (r: typeof a) =>
      r.events.flatMap((e) => (e.type === 'metrics' ? [e.values['critic.loss'], e.values.generator] : []));
    expect(values(a)).toEqual(values(b));
    expect(values(a)).not.toEqual(values(c));
  });

  for (const method of ['gp', 'clip', 'sn'] as const) {
    it(`resuming a ${method} checkpoint continues exactly as if the run had never stopped`, async () => {
      const full = await collect(tinyConfig(method, { iterations: 20, checkpointEvery: 10 }));
      const mid = full.events.find((e) => e.type === 'checkpoint' && e.step === 10);
      const end = full.events.find((e) => e.type === 'checkpoint' && e.step === 20);
      if (mid?.type !== 'checkpoint' || end?.type !== 'checkpoint') throw new Error('missing checkpoints');
      const resumed = await collect(tinyConfig(method, { iterations: 20, checkpointEvery: 10 }), mid.bytes);
      const resumedEnd = resumed.events.find((e) => e.type === 'checkpoint' && e.step === 20);
      if (resumedEnd?.type !== 'checkpoint') throw new Error('resumed run wrote no final checkpoint');
      const x = parseCheckpoint(end.bytes);
      const y = parseCheckpoint(resumedEnd.bytes);
      expect([...y.tensors.keys()]).toEqual([...x.tensors.keys()]);
      for (const [name, t] of x.tensors) expect(y.tensors.get(name)?.data, name).toEqual(t.data);
      expect(y.rng).toEqual(x.rng);
      expect(y.optimizerSteps).toEqual(x.optimizerSteps);
      const fullLast = full.events.filter((e) => e.type === 'metrics').at(-1);
      const resumedLast = resumed.events.filter((e) => e.type === 'metrics').at(-1);
      expect(resumedLast).toMatchObject({ step: 20 });
      if (fullLast?.type === 'metrics' && resumedLast?.type === 'metrics') {
        expect(resumedLast.values['critic.loss']).toBe(fullLast.values['critic.loss']);
      }
    });
  }

  it('refuses to resume a checkpoint under a different config', async () => {
    const run = await collect(tinyConfig('gp', { iterations: 5 }));
    const ck = run.events.find((e) => e.type === 'checkpoint');
    if (ck?.type !== 'checkpoint') throw new Error('no checkpoint');
    await expect(collect(tinyConfig('gp', { iterations: 10, lambda: 1 }), ck.bytes)).rejects.toThrow(
      /lambda.*differs/,
    );
  });

  it('a NaN ends the run as diverged with the step where it happened', async () => {
    const events: TrainEvent[] = [];
    // The diagnostics' fixed batches take the first 2 draws, then a fresh batch for each of the 5 critic
    // steps: the 13th draw (iteration 3) carries a NaN.
    const result = await train({
      config: tinyConfig('gp', { criticRealBatch: 'fresh' }),
      dataset: gaussianBlob({ nanAfter: 12 }),
      onEvent: (e) => {
        events.push(e);
      },
    });
    expect(result.status).toBe('diverged');
    expect(result.step).toBe(3);
    expect(result.reason).toMatch(/critic\.real is NaN at step 3/);
    expect(events.at(-1)).toMatchObject({ type: 'end', status: 'diverged', step: 3 });
  });

  it('stops on request after writing a checkpoint', async () => {
    let n = 0;
    const events: TrainEvent[] = [];
    const result = await train({
      config: tinyConfig('clip'),
      dataset: gaussianBlob(),
      shouldStop: () => ++n > 7,
      onEvent: (e) => {
        events.push(e);
      },
    });
    expect(result).toMatchObject({ status: 'stopped', step: 7 });
    expect(events.some((e) => e.type === 'checkpoint' && e.step === 7)).toBe(true);
  });
});

describe('checkpoint bytes', () => {
  it('parse the same from a Node Buffer that is a view into a larger pool', async () => {
    const run = await collect(tinyConfig('gp', { iterations: 5 }));
    const ck = run.events.find((e) => e.type === 'checkpoint');
    if (ck?.type !== 'checkpoint') throw new Error('no checkpoint');
    const pool = Buffer.alloc(ck.bytes.length + 13);
    pool.set(ck.bytes, 13);
    const view = pool.subarray(13);
    const a = parseCheckpoint(ck.bytes);
    const b = parseCheckpoint(view);
    for (const [name, t] of a.tensors) expect(b.tensors.get(name)?.data, name).toEqual(t.data);
  });
});
