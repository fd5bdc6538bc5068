import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  applyView,
  augmentationOf,
  drawAugmented,
  IDENTITY_VIEW,
  type ViewParams,
} from '../../src/engine/data/augment';
import type { ImageDataset } from '../../src/engine/data/types';
import { parseCheckpoint } from '../../src/engine/checkpoint';
import { Rng } from '../../src/engine/rng';
import { realBatch, runRngs, train, trainIteration } from '../../src/engine/train';
import { buildGan } from '../../src/engine/wgan';
import { resolveRunConfig, type RunConfig } from '../../src/shared/run-config';
import type { TrainEvent } from '../../src/shared/train-events';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A 4 x 5 image, one channel: pixel (y, x) = (10 y + x) / 100 - 0.5 (all different, in [-1, 1]). */
function ramp(h = 4, w = 5, c = 1): Float32Array {
  const out = new Float32Array(h * w * c);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < c; k++) out[(y * w + x) * c + k] = (10 * y + x) / 100 - 0.5 + k / 10;
  return out;
}

function view(p: Partial<ViewParams>, src = ramp(), h = 4, w = 5, c = 1): Float32Array {
  const out = new Float32Array(src.length);
  applyView(src, out, h, w, c, { ...IDENTITY_VIEW, ...p });
  return out;
}

const at = (img: Float32Array, y: number, x: number, w = 5, c = 1, k = 0): number =>
  img[(y * w + x) * c + k] as number;

/** count random images of size x size x channels in [-1, 1]. */
function images(count: number, size: number, channels: 1 | 3, seed = 3): ImageDataset {
  const rng = new Rng(seed);
  return {
    kind: 'image',
    id: 'ds-0123456789ab',
    title: 'random',
    count,
    height: size,
    width: size,
    channels,
    images: rng.fillUniform(new Float32Array(count * size * size * channels), -1, 1),
  };
}

const AUG = { augmentFlip: true, augmentShift: 2, augmentJitter: 0.2, augmentViews: 0, seed: 1 };

describe('augmentation views', () => {
  it('the identity view copies the image', () => {
    expect(Array.from(view({}))).toEqual(Array.from(ramp()));
  });

  it('a flip mirrors every row left-right, channels kept together', () => {
    const src = ramp(4, 5, 3);
    const out = view({ flip: true }, src, 4, 5, 3);
    for (let y = 0; y < 4; y++)
      for (let x = 0; x < 5; x++)
        for (let k = 0; k < 3; k++) expect(at(out, y, x, 5, 3, k)).toBe(at(src, y, 4 - x, 5, 3, k));
  });

  it('a shift moves the content and repeats the edge pixels into the uncovered border', () => {
    const src = ramp();
    const right = view({ dx: 2 });
    for (let y = 0; y < 4; y++) {
      // Columns 0..1 are uncovered: they repeat the original left edge; the rest moved right by 2.
      expect([at(right, y, 0), at(right, y, 1)]).toEqual([at(src, y, 0), at(src, y, 0)]);
      for (let x = 2; x < 5; x++) expect(at(right, y, x)).toBe(at(src, y, x - 2));
    }
    const up = view({ dy: -1 });
    for (let x = 0; x < 5; x++) {
      for (let y = 0; y < 3; y++) expect(at(up, y, x)).toBe(at(src, y + 1, x));
      expect(at(up, 3, x)).toBe(at(src, 3, x));
    }
  });

  it('brightness and contrast move values around the mean and stay in [-1, 1]', () => {
    const bright = view({ brightness: 0.1 });
    ramp().forEach((v, i) => expect(bright[i]).toBeCloseTo(v + 0.2, 6));
    const flat = view({ contrast: 0 });
    const mean = ramp().reduce((a, b) => a + b, 0) / 20;
    for (const v of flat) expect(v).toBeCloseTo(mean, 6);
    const extreme = new Float32Array(20).map((_, i) => (i % 2 ? 1 : -1));
    const out = view({ brightness: 0.5, contrast: 1.5 }, extreme);
    for (const v of out) expect(Math.abs(v)).toBeLessThanOrEqual(1);
    expect(Math.max(...out)).toBe(1);
  });
});

describe('augmented batches', () => {
  const data = images(10, 28, 3);
  const per = 28 * 28 * 3;

  it('are off unless asked for, and off for augmentViews 1 (the originals only)', () => {
    const off = resolveRunConfig({ dataset: 'ds-0123456789ab', method: 'gp' });
    expect([off.augmentFlip, off.augmentShift, off.augmentJitter, off.augmentViews]).toEqual([
      false,
      0,
      0,
      0,
    ]);
    expect(augmentationOf(off)).toBeUndefined();
    expect(augmentationOf({ ...off, augmentFlip: true, augmentViews: 1 })).toBeUndefined();
    expect(augmentationOf({ ...off, augmentJitter: 0.1 })).toMatchObject({ jitter: 0.1, views: 0 });
  });

  it('without augmentation, draw exactly what they drew before (same indices, same stream position)', () => {
    const a = new Rng(5);
    const b = new Rng(5);
    const batch = realBatch(data, a, 6);
    const got = batch.dataSync();
    batch.dispose();
    for (let i = 0; i < 6; i++) {
      const k = b.int(data.count);
      expect(Array.from(got.subarray(i * per, (i + 1) * per))).toEqual(
        Array.from(data.images.subarray(k * per, (k + 1) * per)),
      );
    }
    expect(a.state()).toEqual(b.state());
  });

  it('the same seed gives the same augmented batch; values stay in [-1, 1]', () => {
    const aug = augmentationOf(AUG);
    if (!aug) throw new Error('augmentation expected');
    const one = new Float32Array(16 * per);
    const two = new Float32Array(16 * per);
    drawAugmented(data.images, data, new Rng(9), 16, aug, one);
    drawAugmented(data.images, data, new Rng(9), 16, aug, two);
    expect(one).toEqual(two);
    const other = new Float32Array(16 * per);
    drawAugmented(data.images, data, new Rng(10), 16, aug, other);
    expect(other).not.toEqual(one);
    for (const v of one) expect(v >= -1 && v <= 1).toBe(true);
    // Some drawn images differ from every original: they were augmented.
    const originals = Array.from({ length: data.count }, (_, k) =>
      data.images.subarray(k * per, (k + 1) * per),
    );
    const changed = Array.from({ length: 16 }, (_, i) => one.subarray(i * per, (i + 1) * per)).filter(
      (img) => !originals.some((o) => o.every((v, j) => v === img[j])),
    );
    expect(changed.length).toBeGreaterThan(8);
  });

  it('with k fixed views, every draw is one of k views of an image (view 0 the original)', () => {
    const aug = augmentationOf({ ...AUG, augmentViews: 3 });
    if (!aug) throw new Error('augmentation expected');
    const n = 300;
    const out = new Float32Array(n * per);
    drawAugmented(data.images, data, new Rng(2), n, aug, out);
    const distinct = new Map<string, number>();
    let originals = 0;
    for (let i = 0; i < n; i++) {
      const img = out.subarray(i * per, (i + 1) * per);
      const key = Array.from(img.subarray(0, 64)).join(',');
      distinct.set(key, (distinct.get(key) ?? 0) + 1);
      if (
        Array.from({ length: data.count }).some((_, k) =>
          data.images.subarray(k * per, k * per + 64).every((v, j) => v === img[j]),
        )
      )
        originals++;
    }
    // 10 images x 3 views = 30 possible pictures (an augmented view may equal its original by chance).
    expect(distinct.size).toBeLessThanOrEqual(30);
    expect(distinct.size).toBeGreaterThan(20);
    expect(originals).toBeGreaterThan(n / 6);
    expect(originals).toBeLessThan(n / 2);
  });
});

describe('training with augmentation', () => {
  function config(extra: Partial<RunConfig> = {}): RunConfig {
    return resolveRunConfig({
      dataset: 'ds-0123456789ab',
      method: 'clip',
      batchSize: 4,
      convWidth: 4,
      nCritic: 1,
      sampleCount: 4,
      logEvery: 2,
      sampleEvery: 0,
      diagnosticsEvery: 0,
      checkpointEvery: 2,
      iterations: 4,
      augmentFlip: true,
      augmentShift: 2,
      augmentJitter: 0.1,
      ...extra,
    });
  }

  async function collect(c: RunConfig, resume?: Uint8Array) {
    const events: TrainEvent[] = [];
    await train({
      config: c,
      dataset: images(12, 28, 1),
      resume: resume ? parseCheckpoint(resume) : undefined,
      onEvent: (e) => {
        events.push(e);
      },
    });
    return events;
  }

  it('a training iteration draws its real batches augmented as the config says', () => {
    const stateAfter = (c: RunConfig) => {
      const rngs = runRngs(c.seed);
      const data = images(12, 28, 1);
      const gan = buildGan(c, data, rngs.init);
      trainIteration(gan, data, rngs.data, rngs.noise, 1, false);
      gan.dispose();
      return rngs.data.state();
    };
    const off = config({ augmentFlip: false, augmentShift: 0, augmentJitter: 0 });
    // Each drawn image takes one index (off) or an index and its view's numbers (on) from the data stream.
    const plain = new Rng(runRngs(off.seed).data.state());
    for (let i = 0; i < off.batchSize; i++) plain.int(12);
    expect(stateAfter(off)).toEqual(plain.state());
    const on = new Rng(runRngs(off.seed).data.state());
    for (let i = 0; i < off.batchSize; i++) for (let k = 0; k < 6; k++) on.uniform();
    expect(stateAfter(config())).toEqual(on.state());
  });

  it('records the fields in the config and resumes an augmented run exactly', async () => {
    const full = await collect(config());
    const mid = full.find((e) => e.type === 'checkpoint' && e.step === 2);
    const end = full.find((e) => e.type === 'checkpoint' && e.step === 4);
    if (mid?.type !== 'checkpoint' || end?.type !== 'checkpoint') throw new Error('missing checkpoints');
    expect(parseCheckpoint(mid.bytes).config).toMatchObject({
      augmentFlip: true,
      augmentShift: 2,
      augmentJitter: 0.1,
    });
    const resumed = await collect(config(), mid.bytes);
    const resumedEnd = resumed.find((e) => e.type === 'checkpoint' && e.step === 4);
    if (resumedEnd?.type !== 'checkpoint') throw new Error('no final checkpoint');
    const x = parseCheckpoint(end.bytes);
    const y = parseCheckpoint(resumedEnd.bytes);
    for (const [name, t] of x.tensors) expect(y.tensors.get(name)?.data, name).toEqual(t.data);
    expect(y.rng).toEqual(x.rng);
    // A checkpoint cannot be resumed with other augmentation.
    await expect(collect(config({ augmentShift: 1 }), mid.bytes)).rejects.toThrow(/augmentShift.*differs/);
  });
});
