/**
 * Mode coverage over training for a few seeds (a study, not a test):
 *   npm run coverage -- [--dataset 8gaussians] [--method gp] [--preset toy-fast] [--iterations 4000]
 *                       [--every 250] [--seeds 1,2,3] [--backend wasm] [--set key=value ...]
 * Prints, per seed, modes covered (VEEGAN/PacGAN: >= 1% of 2,500 samples within 3 std) every `--every`
 * generator iterations, and one JSON line per seed with the whole curve.
 */
import { parseArgs } from 'node:util';
import { parseSets } from '../src/cli/args';
import { type BackendChoice, describeBackend, selectBackend } from '../src/engine/backend';
import { loadBuiltinDataset } from '../src/engine/data/index';
import { modeStats } from '../src/engine/metrics/modes';
import { train } from '../src/engine/train';
import {
  type BuiltinDatasetId,
  type LipschitzMethod,
  type PresetId,
  resolveRunConfig,
} from '../src/shared/run-config';

const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: '8gaussians' },
    method: { type: 'string', default: 'gp' },
    preset: { type: 'string' },
    iterations: { type: 'string', default: '4000' },
    every: { type: 'string', default: '250' },
    seeds: { type: 'string', default: '1,2,3' },
    backend: { type: 'string', default: 'wasm' },
    set: { type: 'string', multiple: true, default: [] },
  },
});

const report = await selectBackend(values.backend as BackendChoice);
console.log(`backend: ${describeBackend(report)}`);
const dataset = loadBuiltinDataset(values.dataset as BuiltinDatasetId);
if (dataset.kind !== '2d' || !dataset.modes) throw new Error(`${values.dataset} has no modes`);
const modes = dataset.modes;
for (const seed of values.seeds.split(',').map(Number)) {
  const config = resolveRunConfig({
    dataset: values.dataset as BuiltinDatasetId,
    method: values.method as LipschitzMethod,
    preset: values.preset as PresetId | undefined,
    ...parseSets(values.set),
    seed,
    iterations: Number(values.iterations),
    sampleEvery: Number(values.every),
    sampleCount: 2500,
    checkpointEvery: 0,
    logEvery: Number(values.every),
  });
  const curve: { step: number; covered: number; hq: number }[] = [];
  const t0 = performance.now();
  await train({
    config,
    dataset,
    onEvent: (e) => {
      if (e.type !== 'samples' || e.kind !== '2d') return;
      const s = modeStats(e.fake, modes);
      curve.push({ step: e.step, covered: s.modesCovered, hq: Math.round(s.highQualityPct * 10) / 10 });
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `seed ${seed} (${seconds.toFixed(0)} s): ` +
      curve.map((c) => `${c.step}:${c.covered}/${modes.centers.length}`).join(' '),
  );
  console.log(JSON.stringify({ seed, dataset: config.dataset, method: config.method, curve }));
}
