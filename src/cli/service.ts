/**
 * The CLI's side of the workbench service: open the database, follow runs to their end, and write the
 * engine issue's `--out DIR` files (metrics.jsonl, samples-<step>.png, checkpoint.bin, summary.json).
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isToyDataset } from '../shared/run-config';
import type { RunRecord } from '../shared/runs';
import type { BackendChoice } from '../shared/trainer-protocol';
import type { MetricValues } from '../shared/train-events';
import { selectBackend } from '../engine/backend';
import { parseCheckpoint } from '../engine/checkpoint';
import { loadBuiltinDataset } from '../engine/data/index';
import { generateFromCheckpoint } from '../engine/evaluate';
import { modeStats } from '../engine/metrics/modes';
import { writeFileAtomic } from '../main/export/atomic';
import { Workbench } from '../main/service/workbench';
import { openDatabase } from '../main/store/db';
import { RunStore } from '../main/store/run-store';
import { forkLauncher } from '../main/training/launcher';
import { TrainingManager } from '../main/training/manager';
import { ProgressBar } from './progress';

/** Where the app keeps its database (the same place Electron's userData points to). */
export function defaultDbPath(): string {
  if (process.env['WGAN_DB']) return process.env['WGAN_DB'];
  const home = homedir();
  const base =
    process.platform === 'darwin'
      ? join(home, 'Library', 'Application Support')
      : process.platform === 'win32'
        ? (process.env['APPDATA'] ?? join(home, 'AppData', 'Roaming'))
        : (process.env['XDG_CONFIG_HOME'] ?? join(home, '.config'));
  return join(base, 'wgan-workbench', 'workbench.db');
}

export interface CliWorkbench {
  readonly wb: Workbench;
  readonly store: RunStore;
  close(): Promise<void>;
}

export async function openWorkbench(
  dbPath: string | undefined,
  backend: BackendChoice = 'auto',
): Promise<CliWorkbench> {
  const path = dbPath ?? defaultDbPath();
  await mkdir(join(path, '..'), { recursive: true });
  const db = openDatabase(path);
  const store = new RunStore(db);
  const wb = new Workbench({ store, manager: new TrainingManager({ launcher: forkLauncher() }), backend });
  return {
    wb,
    store,
    close: async () => {
      await wb.close();
      db.close();
    },
  };
}

export interface RunSummary {
  readonly runId: number;
  readonly backend: string | null;
  readonly backendDetail: unknown;
  readonly dataset: string;
  readonly method: string;
  readonly iterations: number;
  readonly seconds: number;
  readonly status: string;
  readonly reason?: string;
  readonly final: MetricValues &
    Partial<Record<'modesCovered' | 'modesTotal' | 'highQualityPct' | 'klToUniform', number>>;
}

/**
 * Follow runs until their processes end, writing `outDirs[i]` files when given, and a progress bar per run
 * (one at a time on a terminal). Returns one summary per run.
 */
export async function followRuns(
  cli: CliWorkbench,
  runIds: readonly number[],
  outDirs: readonly (string | undefined)[],
  opts: { json: boolean },
): Promise<RunSummary[]> {
  const { wb, store } = cli;
  const bars = new Map(runIds.map((id) => [id, new ProgressBar(wb.getRun(id).total, `run ${id}`)]));
  const seconds = new Map<number, number>();
  const writes: Promise<unknown>[] = [];
  for (const dir of outDirs) if (dir) await mkdir(dir, { recursive: true });
  const dirOf = (runId: number) => outDirs[runIds.indexOf(runId)];
  const off = wb.subscribe((e) => {
    if (!('runId' in e) || e.runId === null || !runIds.includes(e.runId)) return;
    const dir = dirOf(e.runId);
    if (e.type === 'metrics') {
      seconds.set(e.runId, e.seconds);
      const train = e.source === 'train';
      if (!opts.json && train)
        bars.get(e.runId)?.update(e.step, e.values.itPerSec ?? 0, `W ${e.values.wasserstein?.toFixed(3)}`);
      if (dir) {
        // The loop's losses in metrics.jsonl; diagnostics-derived values (quality, held-out W) beside it.
        writes.push(
          appendFile(
            join(dir, train ? 'metrics.jsonl' : 'diagnostics.jsonl'),
            `${JSON.stringify({ step: e.step, seconds: e.seconds, ...e.values })}\n`,
          ),
        );
      }
    } else if (e.type === 'samples' && dir) {
      const sample = store.getSample(e.runId, e.step);
      if (sample) writes.push(writeFileAtomic(join(dir, `samples-${e.step}.png`), sample.png));
    }
  });
  const ended = await Promise.all(runIds.map((id) => wb.whenEnded(id)));
  off();
  await Promise.all(writes);
  for (const bar of bars.values()) if (!opts.json) bar.done();
  const summaries: RunSummary[] = [];
  for (const [i, run] of ended.entries()) {
    const final = { ...(run.lastMetrics as MetricValues) } as RunSummary['final'];
    const ck = store.latestCheckpoint(run.id);
    const dir = outDirs[i];
    if (ck && dir) await writeFileAtomic(join(dir, 'checkpoint.bin'), ck.bytes);
    if (ck && run.status !== 'diverged') Object.assign(final, await modeMetrics(run, ck.bytes));
    const summary: RunSummary = {
      runId: run.id,
      backend: run.backend,
      backendDetail: run.backendDetail,
      dataset: run.datasetId,
      method: run.method,
      iterations: run.step,
      seconds: seconds.get(run.id) ?? 0,
      status: run.status,
      ...(run.error ? { reason: run.error } : {}),
      final,
    };
    if (dir) await writeFileAtomic(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    summaries.push(summary);
  }
  return summaries;
}

/** VEEGAN/PacGAN mode coverage from 2,500 samples of the final generator (2D datasets with modes). */
async function modeMetrics(run: RunRecord, bytes: Uint8Array): Promise<Partial<RunSummary['final']>> {
  if (!isToyDataset(run.config.dataset)) return {};
  const data = loadBuiltinDataset(run.config.dataset);
  if (data.kind !== '2d' || !data.modes) return {};
  await selectBackend('wasm');
  const stats = modeStats(
    generateFromCheckpoint(parseCheckpoint(bytes), data, 2500, run.config.seed + 1),
    data.modes,
  );
  return {
    modesCovered: stats.modesCovered,
    modesTotal: stats.modesTotal,
    highQualityPct: stats.highQualityPct,
    klToUniform: stats.klToUniform,
  };
}

export function exitCode(status: string): number {
  return status === 'completed' ? 0 : status === 'diverged' ? 3 : 4;
}
