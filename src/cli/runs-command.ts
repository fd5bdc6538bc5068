import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { selectBackend } from '../engine/backend';
import { parseCheckpoint } from '../engine/checkpoint';
import { generateFromCheckpoint } from '../engine/evaluate';
import {
  exportGif,
  exportGridPng,
  exportMetrics,
  exportSinglePngs,
  type MetricsRow,
} from '../main/export/export';
import type { RunStore } from '../main/store/run-store';
import { CliError, integer, oneOf } from './args';
import { datasetForRun, openWorkbench } from './service';

export const RUNS_USAGE = `  runs [--db PATH] [--json]
      Lists the runs (id, name, status, method, dataset id, iteration, Wasserstein estimate, backend, created).
  export <run-id> --format <grid|pngs|gif|csv|json> --out PATH [--step S] [--count N] [--db PATH]
      grid: the sample grid (or 2D scatter) nearest step S; pngs: N single images from the checkpoint nearest
      S with a fresh latent batch; gif: the gallery over all steps up to S; csv/json: all metrics.`;

export async function runsCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: { db: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const cli = await openWorkbench(values.db);
  try {
    const runs = cli.wb.listRuns().map((r) => ({
      id: r.id,
      name: r.name,
      status: r.status,
      method: r.method,
      dataset: r.datasetId,
      iteration: r.step,
      total: r.total,
      wasserstein: r.lastMetrics['wasserstein'] ?? null,
      backend: r.backend,
      pairId: r.pairId,
      createdAt: new Date(r.createdAt).toISOString(),
    }));
    if (values.json) console.log(JSON.stringify(runs));
    else if (runs.length === 0) console.log('no runs yet');
    else {
      for (const r of runs) {
        const w = r.wasserstein === null ? '-' : r.wasserstein.toFixed(4);
        console.log(
          `${String(r.id).padStart(4)}  ${r.status.padEnd(11)} ${r.method.padEnd(4)} ${r.dataset.padEnd(15)} ` +
            `${String(r.iteration).padStart(7)}/${r.total}  W ${w.padStart(8)}  ${r.backend ?? '-'}  ${r.name}`,
        );
      }
    }
    return 0;
  } finally {
    await cli.close();
  }
}

function metricRows(store: RunStore, runId: number): MetricsRow[] {
  const byStep = new Map<number, Record<string, number>>();
  for (const name of store.metricNames(runId)) {
    const s = store.readSeries(runId, name, Number.MAX_SAFE_INTEGER);
    s.step.forEach((step, i) => {
      const row = byStep.get(step) ?? {};
      row[name] = s.value[i] as number;
      byStep.set(step, row);
    });
  }
  return [...byStep.entries()].sort((a, b) => a[0] - b[0]).map(([step, values]) => ({ step, values }));
}

export async function exportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      step: { type: 'string' },
      count: { type: 'string', default: '16' },
      format: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const runId = integer('run-id', positionals[0]);
  if (runId === undefined) throw new CliError('usage: export <run-id> --format ... --out PATH');
  const format = oneOf('format', values.format, ['grid', 'pngs', 'gif', 'csv', 'json'] as const);
  if (!values.out) throw new CliError('--out PATH is required');
  const out = resolve(values.out);
  const cli = await openWorkbench(values.db);
  try {
    const run = cli.store.getRun(runId);
    if (!run) throw new CliError(`no run with id ${runId}`);
    const step = integer('step', values.step) ?? run.step;
    switch (format) {
      case 'grid': {
        const sample = cli.store.nearestSample(runId, step);
        if (!sample) throw new CliError(`run ${runId} has no samples yet`);
        await exportGridPng(sample.png, out);
        console.log(`wrote ${out} (step ${sample.step})`);
        break;
      }
      case 'gif': {
        const steps = cli.store.sampleSteps(runId).filter((s) => s <= step);
        if (steps.length === 0) throw new CliError(`run ${runId} has no samples up to step ${step}`);
        const frames = steps
          .map((s) => cli.store.getSample(runId, s)?.png)
          .filter((p): p is Uint8Array => !!p);
        await exportGif(frames, out);
        console.log(`wrote ${out} (${frames.length} frames, steps ${steps[0]}..${steps.at(-1)})`);
        break;
      }
      case 'pngs': {
        const data = datasetForRun(cli.store, run);
        if (data.kind !== 'image')
          throw new CliError('pngs export needs an image dataset; use grid for 2D runs');
        const ck = cli.store.checkpointNearest(runId, step);
        if (!ck) throw new CliError(`run ${runId} has no checkpoint yet`);
        const count = integer('count', values.count) ?? 16;
        await selectBackend('auto');
        const images = generateFromCheckpoint(parseCheckpoint(ck.bytes), data, count, Date.now() >>> 0);
        const files = await exportSinglePngs(images, count, data.height, data.width, data.channels, out, {
          prefix: `run${runId}-step${ck.step}`,
        });
        console.log(`wrote ${files.length} images to ${out} (checkpoint at step ${ck.step})`);
        break;
      }
      case 'csv':
      case 'json':
        await exportMetrics(metricRows(cli.store, runId), out, format);
        console.log(`wrote ${out}`);
        break;
    }
    return 0;
  } finally {
    await cli.close();
  }
}
