import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBuiltinDataset } from '../../src/engine/data/index';
import type { ImageDataset } from '../../src/engine/data/types';
import { RunMonitor, splitHoldOut } from '../../src/engine/monitor';
import { Rng } from '../../src/engine/rng';
import { train } from '../../src/engine/train';
import { buildGan } from '../../src/engine/wgan';
import {
  decodeFloat32,
  diagnosticMetrics,
  type DiagnosticsBundle,
  encodeFloat32,
} from '../../src/shared/diagnostics';
import type { RunConfig } from '../../src/shared/run-config';
import type { TrainEvent } from '../../src/shared/train-events';
import { tinyRunConfig } from '../helpers/run-config';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function toyConfig(method: RunConfig['method'], extra: Partial<RunConfig> = {}): RunConfig {
  return tinyRunConfig(method, {
    preset: 'notebook',
    sampleEvery: 10,
    diagnosticsEvery: 4,
    checkpointEvery: 0,
    iterations: 12,
    ...extra,
  });
}

describe('diagnostics during training', () => {
  it('base64 Float32 round-trips exactly', () => {
    const values = new Float32Array([0, -1.5, 3.25e-8, Number.MAX_VALUE, Infinity, NaN, 7]);
    const back = decodeFloat32(encodeFloat32(values));
    expect(Array.from(back)).toEqual(Array.from(values));
    expect(decodeFloat32(encodeFloat32(new Float32Array(100_000))).length).toBe(100_000);
  });

  it('emits diagnostics every D iterations, with surfaces and quality at sample steps', async () => {
    const config = toyConfig('clip');
    const events: TrainEvent[] = [];
    await train({ config, dataset: loadBuiltinDataset('mixture3'), onEvent: (e) => void events.push(e) });
    const diags = events.filter((e) => e.type === 'diagnostics');
    expect(diags.map((d) => d.step)).toEqual([4, 8, 10, 12]);
    const [d4, , d10, d12] = diags.map((d) => d.data);
    expect(d4?.surface).toBeUndefined();
    expect(d10?.surface?.res).toBe(128);
    expect(d12?.quality?.modes?.total).toBe(3);
    expect(d12?.quality?.modes?.samples).toBe(2500);

    const all = d12 as DiagnosticsBundle;
    // 1,000 interpolates, every norm binned somewhere.
    const g = all.gradNorms;
    expect(g?.count).toBe(1000);
    expect((g?.histogram.counts.reduce((a, b) => a + b, 0) ?? 0) + (g?.histogram.under ?? 0)).toBe(
      1000 - (g?.histogram.over ?? 0),
    );
    // The notebook MLP critic has 3 layers (2 hidden + read-out) and 3 weight matrices.
    expect(all.layers?.norms).toHaveLength(3);
    expect(all.weights?.layers).toHaveLength(3);
    // Clipping: every weight is within +-c, and the overall fraction at the bounds is reported.
    for (const l of all.weights?.layers ?? []) expect(l.maxAbs).toBeLessThanOrEqual(config.clipValue + 1e-9);
    expect(all.weights?.atClipBounds).toBeGreaterThan(0);
    expect(all.weights?.clipValue).toBe(config.clipValue);

    const surface = all.surface;
    if (!surface) throw new Error('no surface at the last step');
    const values = decodeFloat32(surface.values);
    expect(values.length).toBe(128 * 128);
    expect(Math.min(...values)).toBeCloseTo(surface.min, 5);
    expect(decodeFloat32(surface.fake).length).toBe(2 * config.sampleCount);
    expect(decodeFloat32(surface.field).length).toBe(2 * config.sampleCount);

    const metrics = diagnosticMetrics(all);
    expect(metrics['weights.atClip']).toBe(all.weights?.atClipBounds);
    expect(metrics['heldOut.wasserstein']).toBe(all.wasserstein?.heldOut);
    expect(metrics['quality.modes']).toBe(all.quality?.modes?.covered);
  });

  it('a penalty run reports no clip bounds; measuring leaves no tensor behind', () => {
    const config = toyConfig('gp');
    const dataset = loadBuiltinDataset('mixture3');
    const split = splitHoldOut(dataset, 0);
    const gan = buildGan(config, split.train, new Rng(1));
    const before = tf.memory().numTensors;
    const monitor = new RunMonitor(gan, split, config);
    const fake = new Float32Array(100).fill(0.5);
    monitor.measure();
    monitor.surface(fake, fake, 16);
    monitor.quality();
    const warm = tf.memory().numTensors;
    const d = monitor.measure();
    monitor.surface(fake, fake, 16);
    monitor.quality();
    expect(tf.memory().numTensors).toBe(warm);
    expect(d.weights?.atClipBounds).toBeUndefined();
    monitor.dispose();
    expect(tf.memory().numTensors).toBe(before);
    gan.dispose();
  });

  it('holds out a fixed spread of images and never trains on them', () => {
    // Image k is filled with the value k, so every image is recognisable.
    const images = new Float32Array(10 * 4).map((_, i) => Math.floor(i / 4));
    const data: ImageDataset = {
      kind: 'image',
      id: 'tiny',
      title: 'tiny',
      count: 10,
      height: 2,
      width: 2,
      channels: 1,
      images,
      labels: Uint8Array.from({ length: 10 }, (_, i) => i),
    };
    const split = splitHoldOut(data, 3);
    if (split.train.kind !== 'image' || !split.heldOut) throw new Error('expected images');
    expect(split.train.count).toBe(7);
    expect(split.heldOut.count).toBe(3);
    const ids = (d: ImageDataset) => Array.from({ length: d.count }, (_, i) => d.images[4 * i] as number);
    const train = ids(split.train);
    const held = ids(split.heldOut);
    expect([...train, ...held].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(split.heldOut.labels ?? [])).toEqual(held);
    // The same choice every time (it depends on the dataset only, not on the run).
    expect(ids(splitHoldOut(data, 3).heldOut as ImageDataset)).toEqual(held);
    expect(() => splitHoldOut(data, 10)).toThrow(/holdOut \(10\) must leave images/);
    expect(splitHoldOut(data, 0).train).toBe(data);
  });
});
