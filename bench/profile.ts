/**
 * `npm run bench:profile -- [--only toy|mnist] [--backend wasm] [--shapes]`
 * Where the time of one generator iteration goes, kernel by kernel (tf.profile), for the benchmark's
 * workloads: total ms and calls per kernel, largest first; with --shapes, the convolutions and products also
 * by input shapes, with their GFLOP/s. Numbers for the speed work; no asserts.
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { type BackendChoice, describeBackend, selectBackend } from '../src/engine/backend';
import { loadBuiltinDataset } from '../src/engine/data/index';
import { runRngs, trainIteration } from '../src/engine/train';
import { buildGan } from '../src/engine/wgan';
import { WORKLOADS, type WorkloadName } from './workloads';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    shapes: { type: 'boolean', default: false },
  },
});
const report = await selectBackend(values.backend as BackendChoice);
console.log(`backend: ${describeBackend(report)}`);
for (const name of values.only ? [values.only as WorkloadName] : (['toy', 'mnist'] as const)) {
  const config = WORKLOADS[name].config();
  const dataset = loadBuiltinDataset(config.dataset);
  const rngs = runRngs(config.seed);
  const gan = buildGan(config, dataset, rngs.init);
  trainIteration(gan, dataset, rngs.data, rngs.noise, config.nCritic, false); // warm-up
  const t0 = performance.now();
  const info = await tf.profile(() => {
    trainIteration(gan, dataset, rngs.data, rngs.noise, config.nCritic, false);
  });
  const wall = performance.now() - t0;
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += ms;
    entry.calls += 1;
    byKernel.set(k.name, entry);
  }
  const total = [...byKernel.values()].reduce((a, b) => a + b.ms, 0);
  console.log(`\n${name}: ${wall.toFixed(0)} ms wall (profiled), ${total.toFixed(0)} ms in kernels`);
  for (const [kernel, { ms, calls }] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20)) {
    console.log(`  ${kernel.padEnd(28)} ${ms.toFixed(1).padStart(9)} ms ${String(calls).padStart(6)} calls`);
  }
  if (values.shapes) printShapes(info.kernels);
  gan.dispose();
}

/** What tf.profile reports per kernel call (its KernelInfo type is not exported). */
type ProfiledKernel = Awaited<ReturnType<typeof tf.profile>>['kernels'][number];

/** Multiply-adds of a convolution or product kernel, from its input and output shapes (0: not one). */
function multiplyAdds(k: ProfiledKernel): number {
  const size = (s: number[] | undefined) => (s ?? []).reduce((a, b) => a * b, 1);
  const [a, b] = k.inputShapes;
  const out = k.outputShapes[0];
  switch (k.name) {
    case 'Conv2D': // x, filter [kh, kw, inC, outC]; out [B, oh, ow, outC]
      return size(out) * size(b?.slice(0, 3));
    case 'Conv2DBackpropInput': // dy [B, oh, ow, outC], filter [kh, kw, inC, outC]
      return size(a) * size(b?.slice(0, 3));
    case 'Conv2DBackpropFilter': // x, dy [B, oh, ow, outC]; out = filter [kh, kw, inC, outC]
      return size(b) * size(out?.slice(0, 3));
    case 'BatchMatMul': // a holds batch x m x k numbers whichever way it is transposed; each meets n columns
      return size(a) * (out?.at(-1) ?? 0);
    default:
      return 0;
  }
}

function printShapes(kernels: readonly ProfiledKernel[]): void {
  const byShape = new Map<string, { ms: number; calls: number; macs: number }>();
  for (const k of kernels) {
    const macs = multiplyAdds(k);
    if (macs === 0) continue;
    const key = `${k.name} ${k.inputShapes.map((s) => `[${(s ?? []).join(',')}]`).join(' ')} -> [${(k.outputShapes[0] ?? []).join(',')}]`;
    const entry = byShape.get(key) ?? { ms: 0, calls: 0, macs: 0 };
    entry.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    entry.calls += 1;
    entry.macs += macs;
    byShape.set(key, entry);
  }
  console.log('  by shape (GFLOP/s = 2 x multiply-adds / time):');
  for (const [key, { ms, calls, macs }] of [...byShape].sort((a, b) => b[1].ms - a[1].ms)) {
    const gflops = (2 * macs) / (ms * 1e6);
    console.log(
      `  ${ms.toFixed(1).padStart(8)} ms ${String(calls).padStart(4)}x ${gflops.toFixed(1).padStart(6)} GFLOP/s  ${key}`,
    );
  }
}
