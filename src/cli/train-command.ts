import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BUILTIN_DATASETS,
  ConfigError,
  type DatasetId,
  isDatasetId,
  type LipschitzMethod,
  METHODS,
  PRESETS,
  resolveRunConfig,
  type RunConfig,
} from '../shared/run-config';
import { UnknownDatasetError } from '../main/service/workbench';
import type { BackendChoice } from '../shared/trainer-protocol';
import { CliError, integer, oneOf, parseSets } from './args';
import { type CliWorkbench, exitCode, followRuns, openWorkbench, type RunSummary } from './service';

export const BACKEND_CHOICES = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;

export const TRAIN_USAGE = `  train --dataset <${BUILTIN_DATASETS.join('|')}|ds-...> --method <${METHODS.join('|')}>
        [--preset <${PRESETS.join('|')}>] [--iterations N] [--seed S] [--backend <${BACKEND_CHOICES.join('|')}>]
        [--set key=value ...] [--db PATH] [--json] [--out DIR]
      Trains one run, records it in the database and, with --out, writes DIR/metrics.jsonl,
      DIR/samples-<step>.png, DIR/checkpoint.bin and DIR/summary.json. --set overrides any run-config field
      (augmentation of imported images: --set augmentFlip=true --set augmentShift=2 --set augmentJitter=0.1).
      A ds-... id names a dataset imported into the same database (see import).
  pair --dataset <id> [--a clip] [--b gp] [--same-optimizer] [same options as train; --out DIR gets DIR/<a>, DIR/<b>]
      Trains two runs that differ only in the Lipschitz method, side by side.
  resume <run-id> [--backend B] [--db PATH] [--json] [--out DIR]
      Continues a paused, stopped or interrupted run from its last checkpoint.`;

const COMMON = {
  preset: { type: 'string' as const },
  iterations: { type: 'string' as const },
  seed: { type: 'string' as const },
  backend: { type: 'string' as const, default: 'auto' },
  set: { type: 'string' as const, multiple: true as const, default: [] as string[] },
  out: { type: 'string' as const },
  db: { type: 'string' as const },
  json: { type: 'boolean' as const, default: false },
};

/** --dataset: a built-in id or an imported 'ds-<12 hex>' id (whether it exists is checked on creation). */
function datasetFrom(value: string | undefined): DatasetId {
  const accepted = `${BUILTIN_DATASETS.join(', ')} or an imported dataset id ds-<12 hex digits>`;
  if (value === undefined) throw new CliError(`--dataset is required (one of ${accepted})`);
  if (!isDatasetId(value)) throw new CliError(`--dataset must be one of ${accepted} (got '${value}')`);
  return value;
}

/** Creating runs: a dataset missing from the database is a bad argument (exit 2), named in the message. */
function creating<T>(create: () => T): T {
  try {
    return create();
  } catch (error) {
    if (error instanceof UnknownDatasetError) throw new CliError(error.message);
    throw error;
  }
}

function configFrom(values: {
  dataset?: string;
  method?: string;
  preset?: string;
  iterations?: string;
  seed?: string;
  set: string[];
}): RunConfig {
  const dataset = datasetFrom(values.dataset);
  const method = oneOf('method', values.method, METHODS);
  const preset = values.preset === undefined ? undefined : oneOf('preset', values.preset, PRESETS);
  const iterations = integer('iterations', values.iterations);
  const seed = integer('seed', values.seed);
  try {
    return resolveRunConfig({
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
}

/** Run `body` on an open workbench; Ctrl-C pauses the runs (resumable) instead of losing them. */
async function withWorkbench(
  db: string | undefined,
  backend: BackendChoice,
  body: (cli: CliWorkbench, onInterrupt: (ids: number[]) => void) => Promise<number>,
): Promise<number> {
  const cli = await openWorkbench(db, backend);
  let ids: number[] = [];
  const interrupt = () => {
    console.error('\ninterrupted: pausing (resume with: npm run cli -- resume <run-id>)');
    void Promise.all(ids.map((id) => cli.wb.pause(id)));
  };
  process.once('SIGINT', interrupt);
  try {
    return await body(cli, (list) => (ids = list));
  } finally {
    process.off('SIGINT', interrupt);
    await cli.close();
  }
}

function report(summaries: RunSummary[], json: boolean): number {
  if (json) {
    for (const s of summaries) console.log(JSON.stringify(s));
  } else {
    for (const s of summaries) {
      console.log(
        `run ${s.runId} (${s.method}): ${s.status} at step ${s.iterations}${s.reason ? ` — ${s.reason}` : ''}`,
      );
      if (s.final.modesTotal !== undefined) {
        console.log(
          `  modes covered ${s.final.modesCovered}/${s.final.modesTotal}, ` +
            `high-quality samples ${s.final.highQualityPct?.toFixed(1)}%`,
        );
      }
    }
  }
  return Math.max(...summaries.map((s) => exitCode(s.status)));
}

export async function trainCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: { ...COMMON, dataset: { type: 'string' }, method: { type: 'string' } },
  });
  const config = configFrom(values);
  const backend = oneOf('backend', values.backend, BACKEND_CHOICES);
  return withWorkbench(values.db, backend, async (cli, track) => {
    const run = creating(() =>
      cli.wb.createRun({ dataset: config.dataset, method: config.method, overrides: config }),
    );
    if (values.json) console.log(JSON.stringify({ runIds: [run.id] }));
    else
      console.log(
        `run ${run.id}: ${run.name} (${config.optimizer}, batch ${config.batchSize}, ${config.iterations} iterations)`,
      );
    track([run.id]);
    cli.wb.start(run.id);
    const out = values.out ? resolve(values.out) : undefined;
    return report(await followRuns(cli, [run.id], [out], { json: values.json }), values.json);
  });
}

export async function pairCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ...COMMON,
      dataset: { type: 'string' },
      a: { type: 'string', default: 'clip' },
      b: { type: 'string', default: 'gp' },
      'same-optimizer': { type: 'boolean', default: false },
    },
  });
  const a = oneOf('a', values.a, METHODS) as LipschitzMethod;
  const b = oneOf('b', values.b, METHODS) as LipschitzMethod;
  if (a === b) throw new CliError(`--a and --b must differ (both are ${a})`);
  const config = configFrom({ ...values, method: a });
  const backend = oneOf('backend', values.backend, BACKEND_CHOICES);
  return withWorkbench(values.db, backend, async (cli, track) => {
    const { method: _m, clipValue: _c, lambda: _l, ...shared } = config;
    const runs = creating(() =>
      cli.wb.createPair({
        dataset: config.dataset,
        a,
        b,
        preset: values.preset === undefined ? undefined : oneOf('preset', values.preset, PRESETS),
        overrides: { ...parseSets(values.set), ...shared },
        sameOptimizer: values['same-optimizer'],
      }),
    );
    const ids = runs.map((r) => r.id);
    if (values.json) console.log(JSON.stringify({ runIds: ids, pairId: runs[0].pairId }));
    else for (const r of runs) console.log(`run ${r.id}: ${r.name}`);
    track(ids);
    for (const id of ids) cli.wb.start(id);
    const out = values.out ? resolve(values.out) : undefined;
    const dirs = runs.map((r) => (out ? resolve(out, r.method) : undefined));
    return report(await followRuns(cli, ids, dirs, { json: values.json }), values.json);
  });
}

export async function resumeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: { backend: COMMON.backend, db: COMMON.db, json: COMMON.json, out: COMMON.out },
  });
  const id = integer('run-id', positionals[0]);
  if (id === undefined || positionals.length !== 1) throw new CliError('usage: resume <run-id>');
  const backend = oneOf('backend', values.backend, BACKEND_CHOICES);
  return withWorkbench(values.db, backend, async (cli, track) => {
    const run = cli.store.getRun(id);
    if (!run) throw new CliError(`no run with id ${id}`);
    track([id]);
    try {
      cli.wb.resume(id);
    } catch (error) {
      throw new CliError(error instanceof Error ? error.message : String(error));
    }
    if (values.json) console.log(JSON.stringify({ runIds: [id] }));
    const out = values.out ? resolve(values.out) : undefined;
    return report(await followRuns(cli, [id], [out], { json: values.json }), values.json);
  });
}
