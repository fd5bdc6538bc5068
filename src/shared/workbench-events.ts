/** Push events of the workbench service (main -> renderer, CLI, serve mode). */
import type { DiagnosticKind } from './diagnostics';
import type { DatasetRecord, RunRecord } from './runs';
import type { MetricValues } from './train-events';

export type WorkbenchEvent =
  /** A run was created, changed status, or was renamed or annotated. */
  | { readonly type: 'run'; readonly run: RunRecord }
  | { readonly type: 'run-deleted'; readonly runId: number }
  /** A dataset was imported (or imported again with new content or sources). */
  | { readonly type: 'dataset'; readonly dataset: DatasetRecord }
  | {
      readonly type: 'metrics';
      readonly runId: number;
      readonly step: number;
      readonly seconds: number;
      readonly values: MetricValues;
      /** 'train': the loop's logged losses; 'diagnostics': values derived from a diagnostics bundle. */
      readonly source: 'train' | 'diagnostics';
    }
  | { readonly type: 'samples'; readonly runId: number; readonly step: number; readonly kind: '2d' | 'image' }
  | { readonly type: 'checkpoint'; readonly runId: number; readonly step: number }
  /** Diagnostics of these kinds were stored for the step. */
  | {
      readonly type: 'diagnostics';
      readonly runId: number;
      readonly step: number;
      readonly kinds: readonly DiagnosticKind[];
    }
  /** A training process was launched for the run. */
  | { readonly type: 'process'; readonly runId: number; readonly pid: number | undefined }
  | { readonly type: 'log'; readonly runId: number | null; readonly line: string }
  /**
   * An import in progress (a few per second). phase 'scanning': listing the files (total 0, done counts
   * the files found); 'decoding': done of total files handled; 'writing': the cache file and the database
   * row are being written. etaSeconds: null until the pace is known.
   */
  | {
      readonly type: 'import-progress';
      readonly importId: string;
      readonly phase: 'scanning' | 'decoding' | 'writing';
      readonly done: number;
      readonly total: number;
      readonly imported: number;
      readonly skipped: number;
      readonly etaSeconds: number | null;
    };
