import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/engine/backend';
import { loadBuiltinDataset } from '../../src/engine/data/index';
import type { ImageDataset } from '../../src/engine/data/types';
import { splitHoldOut } from '../../src/engine/monitor';
import { imageJudge, pointJudge } from '../../src/engine/quality';
import { Rng } from '../../src/engine/rng';

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('quality metrics during training', () => {
  it('2D: real samples score near zero, a collapsed generator scores badly', () => {
    const data = loadBuiltinDataset('8gaussians');
    if (data.kind !== '2d') throw new Error('expected 2D');
    const judge = pointJudge(data, 3);
    const good = judge.judge(data.sample(new Rng(99), 2500));
    expect(good.modes?.covered).toBe(8);
    expect(good.slicedW1).toBeLessThan(0.1);
    expect(good.exactW1).toBeLessThan(0.15);
    const collapsed = new Float32Array(5000).fill(0.5);
    const bad = judge.judge(collapsed);
    expect(bad.modes?.covered).toBe(0);
    expect(bad.exactW1).toBeGreaterThan(1);
    expect(bad.slicedW1 ?? 0).toBeGreaterThan(good.slicedW1 ?? Infinity);
  });

  it('digits: held-out real digits give a low FID and 10 classes; noise does not', () => {
    const mnist = loadBuiltinDataset('mnist') as ImageDataset;
    const split = splitHoldOut(mnist, 500);
    const train = split.train as ImageDataset;
    // The held-out set is spread over the file: every digit is in it.
    expect(new Set(split.heldOut?.labels).size).toBe(10);
    const before = tf.memory().numTensors;
    const judge = imageJudge(split.heldOut as ImageDataset, { digits: true, seed: 1 });
    const per = 28 * 28;
    const real = train.images.subarray(0, judge.sampleCount * per);
    const r = judge.judge(real);
    expect(r.classes?.covered).toBe(10);
    const noise = new Rng(5).fillUniform(new Float32Array(judge.sampleCount * per), -1, 1);
    const n = judge.judge(noise);
    expect(r.fid).toBeLessThan(60);
    expect(n.fid).toBeGreaterThan(10 * (r.fid ?? 0));
    expect(n.swd?.average).toBeGreaterThan(3 * (r.swd?.average ?? 0));
    expect(r.swd?.levels).toHaveLength(2);
    judge.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
