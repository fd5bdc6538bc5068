/**
 * The wasm training kernels against the cpu backend (the reference): first-order gradients of conv2d and
 * conv2dTranspose, the kernels themselves over strides, paddings and data formats, second-order gradients
 * of a small conv critic, and gradient-penalty steps on wasm that must neither fail nor leak.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/engine/backend';
import { DcganCritic, DcganGenerator } from '../../src/engine/models/dcgan';
import { Mlp } from '../../src/engine/models/mlp';
import type { Network } from '../../src/engine/models/params';
import { gradientPenalty, inputGradientNorms } from '../../src/engine/objectives';
import { Rng } from '../../src/engine/rng';
import { keptFilterCount, registerWasmTrainingKernels } from '../../src/engine/wasm-kernels';

type Shape4 = [number, number, number, number];
type Pad =
  'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

beforeAll(async () => {
  await selectBackend('wasm'); // starts wasm and registers the training kernels
});

function normal(seed: number, shape: readonly number[]): Float32Array {
  return new Rng(seed).fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1)));
}

/** Runs f on a backend (inputs are created inside f, so on that backend); returns plain arrays. */
async function on(backend: 'cpu' | 'wasm', f: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(f);
  const values = outs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outs);
  return values;
}

/** max |a - b| relative to max |b|. */
function relativeError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i] as number, b[i] as number];
    scale = Math.max(scale, Math.abs(y));
    diff = Math.max(diff, Math.abs(x - y));
  }
  return diff / Math.max(scale, 1e-30);
}

/** Same values on wasm as on cpu, within 1e-4 of the largest cpu value; and not all zeros. */
async function expectSameOnWasm(f: () => tf.Tensor[], what: string[]): Promise<void> {
  const cpu = await on('cpu', f);
  const wasm = await on('wasm', f);
  expect(wasm.length).toBe(cpu.length);
  cpu.forEach((ref, i) => {
    const got = wasm[i] as Float32Array;
    expect(got.length, what[i]).toBe(ref.length);
    expect(Math.max(...ref.map(Math.abs)), `${what[i]} is not all zeros`).toBeGreaterThan(0);
    expect(relativeError(got, ref), what[i]).toBeLessThan(1e-4);
  });
}

function tensor4(seed: number, shape: Shape4): tf.Tensor4D {
  return tf.tensor4d(normal(seed, shape), shape);
}

/** Output shape of conv2d(x, W) without running it. */
function convOutShape(xShape: Shape4, wShape: Shape4, stride: number, pad: Pad, nchw = false): Shape4 {
  const format = nchw ? 'channelsFirst' : 'channelsLast';
  const info = tf.backend_util.computeConv2DInfo(xShape, wShape, stride, 1, pad, undefined, false, format);
  return info.outShape as Shape4;
}

const BATCH = 3;
const OUT_C = 5;
/** Conv2DBackpropInput takes two roads: a product and col2im up to 4 input channels, sub-pixel beyond. */
const IN_CHANNELS = [2, 6] as const;

describe('registerWasmTrainingKernels', () => {
  it('registers the matmul, the two convolution gradients, Identity and Cast for wasm, once', () => {
    const names = registerWasmTrainingKernels();
    expect(names).toEqual(['BatchMatMul', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'Identity', 'Cast']);
    const funcs = names.map((n) => tf.getKernel(n, 'wasm').kernelFunc);
    expect(registerWasmTrainingKernels()).toEqual(names);
    expect(names.map((n) => tf.getKernel(n, 'wasm').kernelFunc)).toEqual(funcs);
  });
});

describe('Identity and same-dtype Cast share data on wasm; Cast to bool is x != 0', () => {
  it('keep the values after the original is disposed, and free the data with the last user', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory();
    const buffers = () => tf.engine().backend.numDataIds();
    const buffersBefore = buffers();
    const x = tf.tensor2d(normal(5, [64, 32]), [64, 32]);
    const copy = tf.clone(x);
    const same = tf.cast(x, 'float32');
    const expected = Array.from(x.dataSync());
    // Sharing: three tensors, one buffer.
    expect(tf.memory().numTensors).toBe(before.numTensors + 3);
    expect(buffers()).toBe(buffersBefore + 1);
    x.dispose();
    expect(Array.from(copy.dataSync())).toEqual(expected);
    copy.dispose();
    expect(Array.from(same.dataSync())).toEqual(expected);
    // Casts to another dtype convert (to bool: x != 0, NaN included, as on cpu).
    const ints = tf.cast(same, 'int32');
    expect(Array.from(ints.dataSync())).toEqual(expected.map((v) => Math.trunc(v) + 0));
    const numbers = tf.tensor1d([0, 2, -1, 0.5, -0, NaN, 256]);
    const bools = tf.cast(numbers, 'bool');
    expect(Array.from(bools.dataSync())).toEqual([0, 1, 1, 1, 0, 1, 1]);
    tf.dispose([same, ints, numbers, bools]);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(buffers()).toBe(buffersBefore);
  });
});

describe("conv2DBackpropInput keeps a filter's sub-filters while the filter lives", () => {
  it('gives the same values on reuse and frees them with the filter', async () => {
    await tf.setBackend('wasm');
    const buffers = () => tf.engine().backend.numDataIds();
    const [tensorsBefore, buffersBefore, keptBefore] = [tf.memory().numTensors, buffers(), keptFilterCount()];
    const filter = tf.tensor4d(normal(6, [5, 5, 6, 8]), [5, 5, 6, 8]);
    const dy = tf.tensor4d(normal(7, [2, 4, 4, 8]), [2, 4, 4, 8]);
    const first = tf.conv2dTranspose(dy, filter, [2, 7, 7, 6], 2, 'same');
    expect(keptFilterCount()).toBe(keptBefore + 1);
    const kept = buffers();
    const again = tf.conv2dTranspose(dy, filter, [2, 7, 7, 6], 2, 'same');
    // The second call makes no new sub-filters: one more buffer, its output.
    expect(buffers()).toBe(kept + 1);
    expect(Array.from(again.dataSync())).toEqual(Array.from(first.dataSync()));
    const cpu = await on('cpu', () => [
      tf.conv2dTranspose(
        tf.tensor4d(normal(7, [2, 4, 4, 8]), [2, 4, 4, 8]),
        tf.tensor4d(normal(6, [5, 5, 6, 8]), [5, 5, 6, 8]),
        [2, 7, 7, 6],
        2,
        'same',
      ),
    ]);
    await tf.setBackend('wasm');
    expect(relativeError(again.dataSync() as Float32Array, cpu[0] as Float32Array)).toBeLessThan(1e-5);
    tf.dispose([first, again, dy, filter]);
    expect(keptFilterCount()).toBe(keptBefore);
    expect(buffers()).toBe(buffersBefore);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});

describe('matMul with transposed operands on wasm matches cpu', () => {
  for (const [ta, tb] of [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ] as const) {
    it(`transposeA ${ta}, transposeB ${tb}, rank 2 and 3, and its gradients`, async () => {
      const before = tf.memory().numTensors;
      await expectSameOnWasm(() => {
        const a = tf.tensor2d(normal(1, [6, 7]), ta ? [7, 6] : [6, 7]);
        const b = tf.tensor2d(normal(2, [7, 5]), tb ? [5, 7] : [7, 5]);
        const a3 = tf.tensor3d(normal(3, [2, 6, 7]), ta ? [2, 7, 6] : [2, 6, 7]);
        const b3 = tf.tensor3d(normal(4, [2, 7, 5]), tb ? [2, 5, 7] : [2, 7, 5]);
        const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
          tf.sum(tf.square(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D, ta, tb))),
        )([a, b]);
        return [tf.matMul(a, b, ta, tb), tf.matMul(a3, b3, ta, tb), da as tf.Tensor, db as tf.Tensor];
      }, ['product', 'batched product', 'dA', 'dB']);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe('first-order gradients on wasm match cpu', () => {
  for (const [inC, stride, pad, k] of IN_CHANNELS.flatMap((c) =>
    [1, 2].flatMap((st) =>
      (['same', 'valid'] as const).flatMap((p) => [3, 4, 5].map((kk) => [c, st, p, kk] as const)),
    ),
  )) {
    const xShape: Shape4 = [BATCH, 7, 9, inC];
    const name = `7x9x${inC} input, ${k}x${k} filter, stride ${stride}, '${pad}'`;
    const wShape: Shape4 = [k, k, inC, OUT_C];

    it(`conv2d: y, dL/dx, dL/dW (${name})`, async () => {
      await expectSameOnWasm(() => {
        const [x, w] = [tensor4(1, xShape), tensor4(2, wShape)];
        const y = tf.conv2d(x, w, stride, pad);
        const r = tf.tensor(normal(3, y.shape), y.shape);
        const loss = (a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), r));
        return [y, ...tf.grads(loss)([x, w])];
      }, ['y', 'dL/dx', 'dL/dW']);
    });

    it(`conv2dTranspose: y, dL/dy, dL/dW (${name})`, async () => {
      const dyShape = convOutShape(xShape, wShape, stride, pad);
      await expectSameOnWasm(() => {
        const [dy, w] = [tensor4(4, dyShape), tensor4(5, wShape)];
        const up = (a: tf.Tensor, b: tf.Tensor) =>
          tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, xShape, stride, pad);
        const r = tf.tensor(normal(6, xShape), xShape);
        return [up(dy, w), ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(up(a, b), r)))([dy, w])];
      }, ['y', 'dL/dy', 'dL/dW']);
    });
  }
});

describe('the kernels themselves on wasm match cpu', () => {
  // Attributes the ops above never send: explicit and numeric padding, NCHW, stride 3, odd shapes.
  const cases: { k: number; stride: number; pad: Pad; nchw?: boolean; x?: Shape4 }[] = [
    { k: 3, stride: 2, pad: 1 },
    { k: 5, stride: 3, pad: 'same' },
    { k: 4, stride: 2, pad: 'valid', nchw: true },
    { k: 3, stride: 1, pad: 'same', nchw: true },
    {
      k: 3,
      stride: 2,
      pad: [
        [0, 0],
        [2, 0],
        [0, 3],
        [0, 0],
      ],
    },
    { k: 1, stride: 2, pad: 'same' },
    { k: 3, stride: 3, pad: 1, x: [2, 1, 3, 2] }, // taps that read padding only
  ];
  for (const [inC, c] of IN_CHANNELS.flatMap((ch) => cases.map((k) => [ch, k] as const))) {
    it(`Conv2DBackpropInput and Conv2DBackpropFilter: ${inC} channels in, ${JSON.stringify(c)}`, async () => {
      const [b, h, w, ch] = c.x ?? [BATCH, 7, 9, inC];
      const xShape: Shape4 = c.nchw ? [b, ch, h, w] : [b, h, w, ch];
      const wShape: Shape4 = [c.k, c.k, ch, OUT_C];
      const dyShape = convOutShape(xShape, wShape, c.stride, c.pad, c.nchw);
      const dataFormat = c.nchw ? 'NCHW' : 'NHWC';
      const attrs = { strides: c.stride, pad: c.pad, dataFormat };
      const cpu: Float32Array[] = [];
      for (const backend of ['cpu', 'wasm'] as const) {
        const [dx, dw] = await on(backend, () => {
          const [x, filter, dy] = [tensor4(7, xShape), tensor4(8, wShape), tensor4(9, dyShape)];
          const run = (name: string, inputs: tf.NamedTensorMap, extra: tf.NamedAttrMap) =>
            tf.engine().runKernel(name, inputs, { ...attrs, ...extra }) as tf.Tensor;
          return [
            run('Conv2DBackpropInput', { dy, filter }, { inputShape: xShape }),
            run('Conv2DBackpropFilter', { x, dy }, { filterShape: wShape }),
          ];
        });
        if (!dx || !dw) throw new Error('no output');
        if (backend === 'cpu') cpu.push(dx, dw);
        else {
          expect(relativeError(dx, cpu[0] as Float32Array), 'dx').toBeLessThan(1e-4);
          expect(relativeError(dw, cpu[1] as Float32Array), 'dW').toBeLessThan(1e-4);
        }
      }
    });
  }
});

describe('second-order gradients on wasm match cpu', () => {
  // f(x) = sum(v * softplus(conv2(lrelu(conv1(x) + b)))). The gradient of ||grad_x f||^2 with respect to x,
  // the filters and the bias runs Conv2DBackpropInput's and Conv2D's gradients, i.e. all three kernels.
  // (softplus, not tanh: tfjs drops second-order terms through ops whose gradient reads their own output,
  // such as tanh, sigmoid and exp, on every backend, so d/dx would have nothing to compare.)
  for (const [stride, k1, k2] of [
    [1, 3, 4],
    [2, 5, 4],
    [2, 4, 3],
  ] as const) {
    it(`d/d(x, W1, b, W2) ||grad_x f||^2, stride ${stride}, filters ${k1}x${k1} then ${k2}x${k2}`, async () => {
      await expectSameOnWasm(() => {
        const x = tensor4(10, [2, 9, 7, 1]);
        const w1 = tensor4(11, [k1, k1, 1, 4]);
        const b = tf.tensor1d(normal(12, [4]));
        const w2 = tensor4(13, [k2, k2, 4, 3]);
        const critic = (xi: tf.Tensor, a: tf.Tensor, bias: tf.Tensor, c: tf.Tensor) => {
          const z = tf.add(tf.conv2d(xi as tf.Tensor4D, a as tf.Tensor4D, stride, 'same'), bias);
          const h = tf.sub(tf.relu(z), tf.mul(0.2, tf.relu(tf.neg(z))));
          const y = tf.softplus(tf.conv2d(h as tf.Tensor4D, c as tf.Tensor4D, stride, 'valid'));
          return tf.sum(tf.mul(y, tf.tensor(normal(14, y.shape), y.shape)));
        };
        const penalty = (xi: tf.Tensor, a: tf.Tensor, bias: tf.Tensor, c: tf.Tensor) =>
          tf.sum(tf.square(tf.grad((z: tf.Tensor) => critic(z, a, bias, c))(xi)));
        return tf.grads(penalty)([x, w1, b, w2]);
      }, ['d/dx', 'd/dW1', 'd/db', 'd/dW2']);
    });
  }
});

describe('gradient-penalty steps on wasm', () => {
  function total(t: tf.Tensor): number {
    const s = tf.sum(t);
    const v = s.dataSync()[0] as number;
    s.dispose();
    return v;
  }

  /** One WGAN-GP critic step (loss and penalty gradients for every parameter), then the generator's. */
  function gpStep(critic: Network, x: tf.Tensor, generator?: { net: Network; z: tf.Tensor }): number[] {
    const { value, grads } = tf.variableGrads(
      () => {
        const norms = inputGradientNorms(critic, x);
        return tf.add(tf.mean(critic.apply(x)), gradientPenalty(norms, 10)) as tf.Scalar;
      },
      critic.params.map((p) => p.variable),
    );
    const sums = [value, ...Object.values(grads)].map(total);
    tf.dispose([value, ...Object.values(grads)]);
    if (generator) {
      const g = tf.variableGrads(
        () => tf.neg(tf.mean(critic.apply(generator.net.apply(generator.z)))) as tf.Scalar,
        generator.net.params.map((p) => p.variable),
      );
      sums.push(...Object.values(g.grads).map(total));
      tf.dispose([g.value, ...Object.values(g.grads)]);
    }
    return sums;
  }

  function expectNoLeak(step: () => number[]): void {
    const backend = tf.engine().backend as unknown as { numDataIds(): number };
    step(); // warm-up
    const before = { ...tf.memory(), dataIds: backend.numDataIds() };
    for (let i = 0; i < 2; i++) {
      const sums = step();
      expect(sums.every(Number.isFinite)).toBe(true);
    }
    const after = { ...tf.memory(), dataIds: backend.numDataIds() };
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numDataBuffers).toBe(before.numDataBuffers);
    expect(after.numBytes).toBe(before.numBytes);
    expect(after.dataIds).toBe(before.dataIds); // intermediates inside the kernels included
  }

  it('an MLP critic', async () => {
    await tf.setBackend('wasm');
    const critic = new Mlp(
      { name: 'c', inputDim: 2, outputDim: 1, width: 16, depth: 3, leakySlope: 0.2 },
      new Rng(1),
    );
    const x = tf.tensor2d(normal(2, [16, 2]), [16, 2]);
    expectNoLeak(() => gpStep(critic, x));
    x.dispose();
    critic.dispose();
  });

  it('a DCGAN critic and a batch-norm DCGAN generator (28x28)', async () => {
    await tf.setBackend('wasm');
    const critic = new DcganCritic(
      { name: 'c', size: 28, channels: 1, width: 4, kernel: 5, leakySlope: 0.2 },
      new Rng(3),
    );
    const net = new DcganGenerator(
      { name: 'g', size: 28, channels: 1, latentDim: 8, width: 4, kernel: 5, batchNorm: true },
      new Rng(4),
    );
    const x = tf.tensor4d(normal(5, [4, 28, 28, 1]), [4, 28, 28, 1]);
    const z = tf.tensor2d(normal(6, [4, 8]), [4, 8]);
    expectNoLeak(() => gpStep(critic, x, { net, z }));
    tf.dispose([x, z]);
    critic.dispose();
    net.dispose();
  });

  it('gives the same penalty gradients as cpu for the DCGAN critic', async () => {
    // Biases only move the leaky-ReLU kinks, so grad_x f and the penalty do not depend on them: compare the
    // weights' gradients (the ones the double backprop through the convolutions produces).
    const names = ['conv0/kernel', 'conv1/kernel', 'conv2/kernel', 'out/kernel'];
    await expectSameOnWasm(() => {
      const critic = new DcganCritic(
        { name: 'c', size: 28, channels: 1, width: 4, kernel: 4, leakySlope: 0.2 },
        new Rng(7),
      );
      const x = tf.tensor4d(normal(8, [2, 28, 28, 1]), [2, 28, 28, 1]);
      const weights = critic.params.filter((p) => p.kind === 'weight').map((p) => p.variable);
      const { value, grads } = tf.variableGrads(
        () => gradientPenalty(inputGradientNorms(critic, x), 10),
        weights,
      );
      const out = weights.map((v) => grads[v.name] as tf.Tensor);
      critic.dispose();
      return [value, ...out];
    }, ['penalty', ...names]);
  });
});
