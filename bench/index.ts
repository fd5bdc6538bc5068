/**
 * `npm run bench -- [--json] [--backend NAME] [--iterations N] [--only toy|mnist] [--memory-every K]`
 * Prints ms per generator iteration (5 critic + 1 generator step) on the active backend for the two
 * reference workloads (bench/workloads.ts), with the process's CPU time per iteration, plus tensor counts
 * and RSS after the timed iterations (and every K iterations with --memory-every, to see that memory stays
 * flat). Numbers only; no asserts.
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { type BackendChoice, describeBackend, selectBackend } from '../src/engine/backend';
import { loadBuiltinDataset } from '../src/engine/data/index';
import { runRngs, trainIteration } from '../src/engine/train';
import { buildGan } from '../src/engine/wgan';
import { WORKLOADS, type WorkloadName } from './workloads';

interface WorkloadResult {
  readonly msPerIteration: number;
  /** Process CPU time (user + system, every thread) per iteration: less sensitive to a busy machine. */
  readonly cpuMsPerIteration: number;
  readonly iterations: number;
  readonly tensorsAfterWarmup: number;
  readonly tensorsAfter: number;
  readonly rssMB: number;
  readonly description: string;
}

function runWorkload(
  name: WorkloadName,
  iterations: number,
  log: (s: string) => void,
  memoryEvery = 0,
): WorkloadResult {
  const { description, config: makeConfig } = WORKLOADS[name];
  const config = makeConfig();
  const dataset = loadBuiltinDataset(config.dataset);
  const rngs = runRngs(config.seed);
  const gan = buildGan(config, dataset, rngs.init);
  try {
    log(`${name}: ${description}; warm-up...`);
    trainIteration(gan, dataset, rngs.data, rngs.noise, config.nCritic, false);
    const tensorsAfterWarmup = tf.memory().numTensors;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < iterations; i++) {
      trainIteration(gan, dataset, rngs.data, rngs.noise, config.nCritic, false);
      if (memoryEvery > 0 && (i + 1) % memoryEvery === 0) {
        const rss = Math.round(process.memoryUsage().rss / 2 ** 20);
        log(`${name}: iteration ${i + 1}: RSS ${rss} MB, tensors ${tf.memory().numTensors}`);
      }
    }
    const ms = (performance.now() - t0) / iterations;
    const cpu = process.cpuUsage(cpu0);
    const result = {
      msPerIteration: Math.round(ms * 10) / 10,
      cpuMsPerIteration: Math.round((cpu.user + cpu.system) / 100 / iterations) / 10,
      iterations,
      tensorsAfterWarmup,
      tensorsAfter: tf.memory().numTensors,
      rssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
      description,
    };
    log(
      `${name}: ${result.msPerIteration} ms per generator iteration over ${iterations} ` +
        `(CPU time ${result.cpuMsPerIteration} ms, all threads; tensors ${tensorsAfterWarmup} -> ${result.tensorsAfter}, RSS ${result.rssMB} MB)`,
    );
    return result;
  } finally {
    gan.dispose();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      backend: { type: 'string', default: 'auto' },
      iterations: { type: 'string' },
      only: { type: 'string' },
      'memory-every': { type: 'string' },
    },
  });
  const log = (s: string) => (values.json ? console.error(s) : console.log(s));
  const report = await selectBackend(values.backend as BackendChoice);
  log(`backend: ${describeBackend(report)}`);
  const names = values.only ? [values.only as WorkloadName] : (['toy', 'mnist'] as const);
  const out: Record<string, unknown> = { backend: report.name, device: report.device };
  for (const name of names) {
    if (!(name in WORKLOADS)) throw new Error(`--only must be toy or mnist (got '${name}')`);
    const n = values.iterations ? Number(values.iterations) : name === 'toy' ? 10 : 5;
    out[name] = runWorkload(name, n, log, Number(values['memory-every'] ?? 0));
  }
  if (values.json) console.log(JSON.stringify(out));
}

main().catch((error: unknown) => {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
