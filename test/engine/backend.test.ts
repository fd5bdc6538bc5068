import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { describeBackend, selectBackend } from '../../src/engine/backend';

describe('backend selection', () => {
  it('auto picks wasm here and says why the native backends were not used', async () => {
    const r = await selectBackend('auto');
    expect(r.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(r.device).toMatch(/^CPU \(WebAssembly/);
    expect(r.reasonsOthersFailed).toHaveLength(2);
    expect(r.reasonsOthersFailed[0]).toMatch(/^tfjs-node-gpu: not installed/);
    expect(r.reasonsOthersFailed[1]).toMatch(/^tfjs-node: not installed/);
    expect(describeBackend(r)).toMatch(/^wasm — CPU \(WebAssembly.*; tfjs-node-gpu: not installed/);
    // The training kernels are registered for wasm.
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('an explicit choice overrides the order', async () => {
    const r = await selectBackend('cpu');
    expect(r).toMatchObject({ name: 'cpu', reasonsOthersFailed: [] });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('an explicit backend that cannot start is a clear error naming the package', async () => {
    await expect(selectBackend('tensorflow')).rejects.toThrow(
      /backend 'tensorflow' cannot start: tfjs-node: not installed \(@tensorflow\/tfjs-node\)/,
    );
  });
});
