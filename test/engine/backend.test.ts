import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { describeBackend, selectBackend } from '../../src/engine/backend';

describe('selectBackend', () => {
  it("'auto' falls through the missing native packages to wasm, with the training kernels", async () => {
    const r = await selectBackend('auto');
    expect(r.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(r.device).toMatch(/^CPU \(WebAssembly, (SIMD|no SIMD), \d+ threads?\)$/);
    expect(r.reasonsOthersFailed).toEqual(['tfjs-node-gpu: not installed', 'tfjs-node: not installed']);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    // A conv gradient, which stock wasm cannot compute, now runs.
    const g = tf.grad((w: tf.Tensor) =>
      tf.sum(tf.conv2d(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid')),
    );
    expect(Array.from(g(tf.ones([3, 3, 1, 1])).dataSync())).toEqual(Array(9).fill(4));
  });

  it('an explicit choice overrides the order', async () => {
    const r = await selectBackend('cpu');
    expect(r).toEqual({ name: 'cpu', device: 'CPU (plain JavaScript)', reasonsOthersFailed: [] });
    expect(tf.getBackend()).toBe('cpu');
    expect((await selectBackend('wasm')).name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('an explicit choice that cannot start throws, naming the package', async () => {
    await expect(selectBackend('tensorflow')).rejects.toThrow(
      "backend 'tensorflow' (@tensorflow/tfjs-node) cannot start: tfjs-node: not installed",
    );
    await expect(selectBackend('tensorflow-gpu')).rejects.toThrow(
      /@tensorflow\/tfjs-node-gpu.*not installed/,
    );
    await expect(selectBackend('metal' as never)).rejects.toThrow("unknown backend 'metal'");
  });
});

describe('describeBackend', () => {
  it('gives one status line: backend, device, then why the others were not used', () => {
    const line = describeBackend({
      name: 'wasm',
      device: 'CPU (WebAssembly, SIMD, 1 thread)',
      reasonsOthersFailed: ['tfjs-node-gpu: not installed', 'tfjs-node: not installed'],
    });
    expect(line).toBe(
      'wasm — CPU (WebAssembly, SIMD, 1 thread); tfjs-node-gpu: not installed; tfjs-node: not installed',
    );
    expect(describeBackend({ name: 'cpu', device: 'CPU (plain JavaScript)', reasonsOthersFailed: [] })).toBe(
      'cpu — CPU (plain JavaScript)',
    );
  });
});
