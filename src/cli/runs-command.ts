import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ExportError } from '../main/service/run-export';
import { EXPORT_FORMATS } from '../shared/exports';
import { CliError, integer, oneOf } from './args';
import { openWorkbench } from './service';

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
  const format = oneOf('format', values.format, EXPORT_FORMATS);
  if (!values.out) throw new CliError('--out PATH is required');
  const out = resolve(values.out);
  const step = integer('step', values.step);
  const count = integer('count', values.count);
  const cli = await openWorkbench(values.db);
  try {
    const r = await cli.wb
      .exportRun(runId, {
        format,
        out,
        ...(step !== undefined ? { step } : {}),
        ...(count !== undefined ? { count } : {}),
      })
      .catch((err: unknown) => {
        throw err instanceof ExportError ? new CliError(err.message) : err;
      });
    const steps = r.frameSteps ?? [];
    console.log(
      format === 'grid'
        ? `wrote ${out} (step ${r.step})`
        : format === 'gif'
          ? `wrote ${out} (${steps.length} frames, steps ${steps[0]}..${steps.at(-1)})`
          : format === 'pngs'
            ? `wrote ${r.paths.length} images to ${out} (checkpoint at step ${r.step})`
            : `wrote ${out}`,
    );
    return 0;
  } finally {
    await cli.close();
  }
}
