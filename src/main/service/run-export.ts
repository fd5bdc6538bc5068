/**
 * A run's exports as files, for the CLI's `export`, the desktop app's Export dialog and serve mode's
 * download: read from the run store, written by src/main/export (every file atomically). Generating single
 * images needs tfjs, which is loaded only then (./generate), so the app's main process does not carry it.
 */
import { resolve } from 'node:path';
import {
  DEFAULT_EXPORT_COUNT,
  EXPORT_FORMATS,
  type ExportFormat,
  type ExportOutcome,
} from '../../shared/exports';
import { isImageDataset, isImportedDatasetId } from '../../shared/run-config';
import type { RunRecord } from '../../shared/runs';
import type { BackendChoice } from '../../shared/trainer-protocol';
import { exportGif, exportGridPng, exportMetrics, type MetricsRow } from '../export/export';
import type { RunStore } from '../store/run-store';

export interface ExportRequest {
  readonly format: ExportFormat;
  /** The step to export (default: the run's latest). */
  readonly step?: number;
  /** 'pngs': how many images to generate (default 16). */
  readonly count?: number;
  /** The file to write; for 'pngs' the folder (created if missing; files of the same name are replaced). */
  readonly out: string;
  /** 'pngs': the seed of the latent batch (default: from the clock, so each export draws new samples). */
  readonly seed?: number;
}

/** An export the run cannot give (no samples yet, no checkpoint, 'pngs' of a 2D run, ...). */
export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

/** The shape of a run's images (no pixels: generating needs none, and a cache file may be gone). */
export interface ImageShape {
  readonly id: string;
  readonly title: string;
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
}

function imageShape(store: RunStore, run: RunRecord): ImageShape {
  const id = run.config.dataset;
  if (!isImportedDatasetId(id)) return { id, title: 'MNIST digits', height: 28, width: 28, channels: 1 };
  const d = store.getDataset(id);
  if (!d || d.height === null || d.width === null || (d.channels !== 1 && d.channels !== 3)) {
    throw new ExportError(`run ${run.id}: dataset '${id}' is not in this database`);
  }
  return { id, title: d.name, height: d.height, width: d.width, channels: d.channels };
}

/** Every metric of a run, one row per logged step. */
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

/** Writes one export of `run` (see ExportRequest); ExportError when the run has nothing to export yet. */
export async function exportRunFiles(
  store: RunStore,
  run: RunRecord,
  req: ExportRequest,
  opts: { backend?: BackendChoice } = {},
): Promise<ExportOutcome> {
  const { format } = req;
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new ExportError(`unknown export format '${String(format)}' (${EXPORT_FORMATS.join(', ')})`);
  }
  const step = req.step ?? run.step;
  if (!(Number.isInteger(step) && step >= 0)) throw new ExportError(`step must be a whole number >= 0`);
  const out = resolve(req.out);
  const runId = run.id;
  switch (format) {
    case 'grid': {
      const sample = store.nearestSample(runId, step);
      if (!sample) throw new ExportError(`run ${runId} has no samples yet`);
      await exportGridPng(sample.png, out);
      return { format, paths: [out], step: sample.step };
    }
    case 'gif': {
      const steps = store.sampleSteps(runId).filter((s) => s <= step);
      if (steps.length === 0) throw new ExportError(`run ${runId} has no samples up to step ${step}`);
      const frames: Uint8Array[] = [];
      const frameSteps: number[] = [];
      for (const s of steps) {
        const png = store.getSample(runId, s)?.png;
        if (png) {
          frames.push(png);
          frameSteps.push(s);
        }
      }
      await exportGif(frames, out);
      return { format, paths: [out], step: frameSteps.at(-1) ?? step, frameSteps };
    }
    case 'pngs': {
      if (!isImageDataset(run.config.dataset)) {
        throw new ExportError('pngs export needs an image dataset; use grid for 2D runs');
      }
      const shape = imageShape(store, run);
      const ck = store.checkpointNearest(runId, step);
      if (!ck) throw new ExportError(`run ${runId} has no checkpoint yet`);
      const count = req.count ?? DEFAULT_EXPORT_COUNT;
      if (!(Number.isInteger(count) && count >= 1)) {
        throw new ExportError(`count must be a whole number >= 1 (got ${count})`);
      }
      const { writeGeneratedPngs } = await import('./generate');
      const paths = await writeGeneratedPngs(ck.bytes, shape, {
        count,
        seed: req.seed ?? Date.now() >>> 0,
        backend: opts.backend ?? 'auto',
        outDir: out,
        prefix: `run${runId}-step${ck.step}`,
      });
      return { format, paths, step: ck.step };
    }
    case 'csv':
    case 'json': {
      const rows = metricRows(store, runId);
      await exportMetrics(rows, out, format);
      return { format, paths: [out], step: rows.at(-1)?.step ?? run.step };
    }
  }
}
