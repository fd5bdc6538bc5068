import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/engine/backend';
import { Rng } from '../../src/engine/rng';

beforeAll(async () => {
  await selectBackend('wasm'); // registers the training kernels
});

/** Run f on a backend with inputs re-created there; return plain arrays. */
async function on(backend: 'cpu' | 'wasm', f: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(f);
  const values = outs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outs);
  return values;
}

function relErr(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i] as number));
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
  }
  return diff / Math.max(scale, 1e-12);
}

function rand(seed: number, shape: number[]): Float32Array {
  return new Rng(seed).fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1)));
}

interface Case {
  h: number;
  w: number;
  k: number;
  stride: 1 | 2;
  pad: 'same' | 'valid';
}
const cases: Case[] = [];
for (const stride of [1, 2] as const)
  for (const pad of ['same', 'valid'] as const)
    for (const k of [3, 4, 5]) cases.push({ h: 7, w: 9, k, stride, pad });
cases.push({ h: 8, w: 8, k: 4, stride: 2, pad: 'same' }, { h: 28, w: 28, k: 5, stride: 2, pad: 'same' });

describe('wasm training kernels match the cpu backend', () => {
  for (const c of cases) {
    const name = `${c.h}x${c.w}, ${c.k}x${c.k}, stride ${c.stride}, ${c.pad}`;
    it(`first order: conv2d gradients (${name})`, async () => {
      const xs = [3, c.h, c.w, 2];
      const ws = [c.k, c.k, 2, 5];
      const f = () => {
        const x = tf.tensor4d(rand(1, xs), xs as [number, number, number, number]);
        const w = tf.tensor4d(rand(2, ws), ws as [number, number, number, number]);
        const y = tf.conv2d(x, w, c.stride, c.pad);
        const r = tf.tensor(rand(3, y.shape), y.shape);
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), r)),
        )([x, w]);
        return [y, ...g];
      };
      const cpu = await on('cpu', f);
      const wasm = await on('wasm', f);
      cpu.forEach((v, i) => expect(relErr(wasm[i] as Float32Array, v), `output ${i}`).toBeLessThan(1e-4));
    });

    it(`first order: conv2dTranspose and its gradients (${name})`, async () => {
      const f = () => {
        // The transposed conv is the input gradient of a conv from [3, h, w, 2] with 5 output channels.
        const probe = tf.conv2d(
          tf.zeros([3, c.h, c.w, 2]) as tf.Tensor4D,
          tf.zeros([c.k, c.k, 2, 5]) as tf.Tensor4D,
          c.stride,
          c.pad,
        );
        const dyShape = probe.shape;
        const dy = tf.tensor4d(rand(4, dyShape), dyShape);
        const w = tf.tensor4d(rand(5, [c.k, c.k, 2, 5]), [c.k, c.k, 2, 5]);
        const out = [3, c.h, c.w, 2] as [number, number, number, number];
        const y = tf.conv2dTranspose(dy, w, out, c.stride, c.pad);
        const r = tf.tensor(rand(6, out), out);
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, out, c.stride, c.pad), r)),
        )([dy, w]);
        return [y, ...g];
      };
      const cpu = await on('cpu', f);
      const wasm = await on('wasm', f);
      cpu.forEach((v, i) => expect(relErr(wasm[i] as Float32Array, v), `output ${i}`).toBeLessThan(1e-4));
    });
  }

  for (const stride of [1, 2] as const) {
    it(`second order: gradient of ||grad_x f||^2 for a conv critic (stride ${stride})`, async () => {
      const f = () => {
        const x = tf.tensor4d(rand(7, [2, 9, 7, 1]), [2, 9, 7, 1]);
        const w1 = tf.tensor4d(rand(8, [3, 3, 1, 4]), [3, 3, 1, 4]);
        const w2 = tf.tensor4d(rand(9, [4, 4, 4, 3]), [4, 4, 4, 3]);
        const critic = (xi: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => {
          const h = tf.conv2d(xi as tf.Tensor4D, a as tf.Tensor4D, stride, 'same');
          const act = tf.sub(tf.relu(h), tf.mul(0.2, tf.relu(tf.neg(h))));
          return tf.sum(tf.tanh(tf.conv2d(act as tf.Tensor4D, b as tf.Tensor4D, stride, 'valid')));
        };
        const penalty = (xi: tf.Tensor, a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.square(tf.grad((z: tf.Tensor) => critic(z, a, b))(xi)));
        return tf.grads(penalty)([x, w1, w2]);
      };
      const cpu = await on('cpu', f);
      const wasm = await on('wasm', f);
      cpu.forEach((v, i) => expect(relErr(wasm[i] as Float32Array, v), `gradient ${i}`).toBeLessThan(1e-4));
    });
  }

  it('leave no tensors or data buffers behind', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(rand(1, [2, 9, 9, 3]), [2, 9, 9, 3]);
    const w = tf.tensor4d(rand(2, [5, 5, 3, 4]), [5, 5, 3, 4]);
    const step = () =>
      tf.tidy(() => {
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'))),
        )([x, w]);
        return tf.add(tf.sum(g[0] as tf.Tensor), tf.sum(g[1] as tf.Tensor));
      });
    step().dispose();
    const before = tf.memory();
    step().dispose();
    step().dispose();
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numDataBuffers).toBe(before.numDataBuffers);
    expect(after.numBytes).toBe(before.numBytes);
    tf.dispose([x, w]);
  });
});
