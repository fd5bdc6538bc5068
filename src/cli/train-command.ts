import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BUILTIN_DATASETS,
  ConfigError,
  METHODS,
  PRESETS,
  resolveRunConfig,
  type RunConfig,
} from '../shared/run-config';
import type { MetricValues } from '../shared/train-events';
import { type BackendChoice, describeBackend, selectBackend } from '../engine/backend';
import { parseCheckpoint } from '../engine/checkpoint';
import { loadBuiltinDataset } from '../engine/data/index';
import type { Dataset } from '../engine/data/types';
import { modeStats } from '../engine/metrics/modes';
import { renderGridPng, renderScatterPng } from '../engine/render';
import { train } from '../engine/train';
import { generateFromCheckpoint } from '../engine/evaluate';
import { CliError, integer, oneOf, parseSets } from './args';
import { writeFileAtomic } from './files';
import { ProgressBar } from './progress';

export const BACKEND_CHOICES = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;

export const TRAIN_USAGE = `usage: npm run cli -- train --dataset <${BUILTIN_DATASETS.join('|')}> --method <${METHODS.join('|')}>
       [--preset <${PRESETS.join('|')}>] [--iterations N] [--seed S] [--backend <${BACKEND_CHOICES.join('|')}>]
       [--set key=value ...] [--resume] [--json] --out DIR
  Trains one run and writes DIR/metrics.jsonl, DIR/samples-<step>.png, DIR/checkpoint.bin, DIR/summary.json.
  --set overrides any run-config field (e.g. --set lambda=0.1 --set batchSize=256).
  --resume continues from DIR/checkpoint.bin (same config; --iterations may grow).`;

export interface TrainSummary {
  readonly backend: string;
  readonly backendDetail: { name: string; device: string; reasonsOthersFailed: string[] };
  readonly dataset: string;
  readonly method: string;
  readonly iterations: number;
  readonly seconds: number;
  readonly status: string;
  readonly reason?: string;
  readonly config: RunConfig;
  readonly final: MetricValues &
    Partial<Record<'modesCovered' | 'modesTotal' | 'highQualityPct' | 'klToUniform', number>>;
}

export async function trainCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      dataset: { type: 'string' },
      method: { type: 'string' },
      preset: { type: 'string' },
      iterations: { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string', default: 'auto' },
      set: { type: 'string', multiple: true, default: [] },
      out: { type: 'string' },
      resume: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(TRAIN_USAGE);
    return 0;
  }
  const dataset = oneOf('dataset', values.dataset, BUILTIN_DATASETS);
  const method = oneOf('method', values.method, METHODS);
  const preset = values.preset === undefined ? undefined : oneOf('preset', values.preset, PRESETS);
  const backendChoice = oneOf('backend', values.backend, BACKEND_CHOICES) as BackendChoice;
  if (!values.out) throw new CliError('--out DIR is required');
  const outDir = resolve(values.out);
  const iterations = integer('iterations', values.iterations);
  const seed = integer('seed', values.seed);
  let config: RunConfig;
  try {
    config = resolveRunConfig({
      dataset,
      method,
      preset,
      ...parseSets(values.set),
      ...(iterations !== undefined ? { iterations } : {}),
      ...(seed !== undefined ? { seed } : {}),
    });
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(`bad config: ${error.message}`);
    throw error;
  }

  const json = values.json;
  const log = (line: string) => {
    if (!json) console.log(line);
  };
  const report = await selectBackend(backendChoice);
  log(`backend: ${describeBackend(report)}`);
  const data: Dataset = loadBuiltinDataset(dataset);
  await mkdir(outDir, { recursive: true });
  const checkpointPath = join(outDir, 'checkpoint.bin');
  const resume = values.resume ? parseCheckpoint(new Uint8Array(await readFile(checkpointPath))) : undefined;
  if (resume) config = { ...resume.config, iterations: config.iterations };
  log(
    `training ${config.dataset} with ${config.method} (${config.optimizer}, batch ${config.batchSize}, ` +
      `n_critic ${config.nCritic}) for ${config.iterations} iterations${resume ? ` from step ${resume.step}` : ''}`,
  );

  const metricsPath = join(outDir, 'metrics.jsonl');
  const bar = new ProgressBar(config.iterations, `${config.method}`);
  const result = await train({
    config,
    dataset: data,
    resume,
    onEvent: async (event) => {
      switch (event.type) {
        case 'metrics':
          await appendFile(
            metricsPath,
            `${JSON.stringify({ step: event.step, seconds: event.seconds, ...event.values })}\n`,
          );
          if (!json) {
            bar.update(event.step, event.values.itPerSec ?? 0, `W ${event.values.wasserstein?.toFixed(3)}`);
          }
          break;
        case 'samples': {
          const png =
            event.kind === '2d'
              ? await renderScatterPng(
                  event.real,
                  event.fake,
                  (data as Extract<Dataset, { kind: '2d' }>).bounds,
                  {
                    title: `${config.method} step ${event.step}`,
                  },
                )
              : await renderGridPng(event.images, event.count, event.height, event.width, event.channels);
          await writeFileAtomic(join(outDir, `samples-${event.step}.png`), png);
          break;
        }
        case 'checkpoint':
          await writeFileAtomic(checkpointPath, event.bytes);
          break;
        default:
          break;
      }
    },
  });
  if (!json) bar.done();

  const final: TrainSummary['final'] = { ...result.final };
  if (data.kind === '2d' && data.modes && result.status !== 'diverged') {
    // VEEGAN/PacGAN protocol: 2,500 samples from the final generator.
    const ckpt = parseCheckpoint(new Uint8Array(await readFile(checkpointPath)));
    const stats = modeStats(generateFromCheckpoint(ckpt, data, 2500, config.seed + 1), data.modes);
    Object.assign(final, {
      modesCovered: stats.modesCovered,
      modesTotal: stats.modesTotal,
      highQualityPct: stats.highQualityPct,
      klToUniform: stats.klToUniform,
    });
  }
  const summary: TrainSummary = {
    backend: report.name,
    backendDetail: report,
    dataset: config.dataset,
    method: config.method,
    iterations: result.step,
    seconds: result.seconds,
    status: result.status,
    ...(result.reason ? { reason: result.reason } : {}),
    config,
    final,
  };
  await writeFileAtomic(join(outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  if (json) console.log(JSON.stringify(summary));
  else {
    log(
      `${result.status} at step ${result.step} in ${result.seconds.toFixed(1)} s${result.reason ? `: ${result.reason}` : ''}`,
    );
    if (final.modesTotal !== undefined) {
      log(
        `modes covered ${final.modesCovered}/${final.modesTotal}, high-quality samples ${final.highQualityPct?.toFixed(1)}%`,
      );
    }
    log(`wrote ${outDir}`);
  }
  return result.status === 'completed' ? 0 : result.status === 'diverged' ? 3 : 4;
}
