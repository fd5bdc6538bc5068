/**
 * `npm run bench:profile -- [--only toy|mnist] [--backend wasm]`
 * Where the time of one generator iteration goes, kernel by kernel (tf.profile), for the benchmark's
 * workloads: total ms and calls per kernel, largest first. Numbers for the speed work; no asserts.
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { type BackendChoice, describeBackend, selectBackend } from '../src/engine/backend';
import { loadBuiltinDataset } from '../src/engine/data/index';
import { runRngs, trainIteration } from '../src/engine/train';
import { buildGan } from '../src/engine/wgan';
import { resolveRunConfig } from '../src/shared/run-config';

const { values } = parseArgs({
  options: { only: { type: 'string' }, backend: { type: 'string', default: 'wasm' } },
});
const report = await selectBackend(values.backend as BackendChoice);
console.log(`backend: ${describeBackend(report)}`);
const workloads = {
  toy: () => resolveRunConfig({ dataset: '8gaussians', method: 'gp', preset: 'wgan-gp' }),
  mnist: () => resolveRunConfig({ dataset: 'mnist', method: 'gp', preset: 'wgan-gp' }),
};
for (const name of values.only ? [values.only as keyof typeof workloads] : (['toy', 'mnist'] as const)) {
  const config = workloads[name]();
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
  gan.dispose();
}
