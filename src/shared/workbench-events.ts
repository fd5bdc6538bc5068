/** Push events of the workbench service (main -> renderer, CLI, serve mode). */
import type { DiagnosticKind } from './diagnostics';
import type { RunRecord } from './runs';
import type { MetricValues } from './train-events';

export type WorkbenchEvent =
  /** A run was created, changed status, or was renamed or annotated. */
  | { readonly type: 'run'; readonly run: RunRecord }
  | { readonly type: 'run-deleted'; readonly runId: number }
  | {
      readonly type: 'metrics';
      readonly runId: number;
      readonly step: number;
      readonly seconds: number;
      readonly values: MetricValues;
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
  | { readonly type: 'log'; readonly runId: number | null; readonly line: string };
