import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DcganCritic, DcganGenerator } from '../../src/engine/models/dcgan';
import { Rng } from '../../src/engine/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('DCGAN models', () => {
  for (const size of [28, 32, 64] as const) {
    for (const channels of [1, 3] as const) {
      it(`maps latents to ${size}x${size}x${channels} images in [-1, 1] and images to one score`, () => {
        const before = tf.memory().numTensors;
        const g = new DcganGenerator(
          { name: 'g', size, channels, latentDim: 8, width: 4, kernel: 5, batchNorm: true },
          new Rng(1),
        );
        const c = new DcganCritic(
          { name: 'c', size, channels, width: 4, kernel: 5, leakySlope: 0.2 },
          new Rng(2),
        );
        const z = tf.randomNormal([3, 8]);
        const x = tf.tidy(() => g.apply(z));
        expect(x.shape).toEqual([3, size, size, channels]);
        const values = x.dataSync();
        expect(Math.max(...values)).toBeLessThanOrEqual(1);
        expect(Math.min(...values)).toBeGreaterThanOrEqual(-1);
        const [out, ...taps] = tf.tidy(() => {
          const r = c.applyWithTaps(x);
          return [r.out, ...r.taps];
        });
        if (!out) throw new Error('no output');
        expect(out.shape).toEqual([3, 1]);
        // One tap per convolution plus the read-out: 3 convs for 28/32 px, 4 for 64 px.
        expect(taps.length).toBe(size === 64 ? 5 : 4);
        tf.dispose([z, x, out, ...taps]);
        g.dispose();
        c.dispose();
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }

  it('the critic width multiplier gives the WGAN-GP MNIST critic 64-128-256', () => {
    const c = new DcganCritic(
      { name: 'c', size: 28, channels: 1, width: 64, kernel: 5, leakySlope: 0.2 },
      new Rng(3),
    );
    const kernels = c.params.filter((p) => p.kind === 'weight').map((p) => p.variable.shape);
    expect(kernels).toEqual([
      [5, 5, 1, 64],
      [5, 5, 64, 128],
      [5, 5, 128, 256],
      [4 * 4 * 256, 1],
    ]);
    c.dispose();
  });

  it('the critic has no batch norm; the generator does', () => {
    const c = new DcganCritic(
      { name: 'c', size: 32, channels: 3, width: 4, kernel: 4, leakySlope: 0.2 },
      new Rng(1),
    );
    const g = new DcganGenerator(
      { name: 'g', size: 32, channels: 3, latentDim: 4, width: 4, kernel: 4, batchNorm: true },
      new Rng(1),
    );
    expect(c.params.some((p) => p.kind === 'gamma')).toBe(false);
    expect(g.params.some((p) => p.kind === 'gamma')).toBe(true);
    c.dispose();
    g.dispose();
  });
});
