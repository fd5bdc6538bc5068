/**
 * Records of the run store as main, the preload and the renderer see them. Plain data only: no Node,
 * Electron or tfjs imports. Every timestamp is epoch milliseconds (UTC), as `Date.now()` gives it.
 */
import type { RunConfig } from './run-config';

export const RUN_STATUSES = [
  'queued',
  'running',
  'paused',
  'completed',
  'stopped',
  'interrupted',
  'diverged',
  'failed',
] as const;
/**
 * 'queued': created, no training process yet. 'running' / 'paused': a training process owns the run.
 * 'interrupted': it was running or paused when the app (and so its training process) died; it can resume
 * from its last checkpoint. The rest are final: 'completed', 'stopped' (by the user), 'diverged' (a value
 * went non-finite), 'failed' (an error; see `error`).
 */
export type RunStatus = (typeof RUN_STATUSES)[number];

export function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value);
}

export interface RunRecord {
  readonly id: number;
  readonly name: string;
  readonly datasetId: string;
  /** The Lipschitz method, copied from `config.method` for filtering. */
  readonly method: string;
  /** The full run configuration, validated when the run was created. */
  readonly config: RunConfig;
  readonly status: RunStatus;
  /** The backend that trained it ('tensorflow', 'wasm', ...), null before it started. */
  readonly backend: string | null;
  /** JSON detail about the backend (device, why others failed), as main stored it. */
  readonly backendDetail: unknown;
  readonly error: string | null;
  /** The latest generator iteration reached (advanced by logged metrics and by updates). */
  readonly step: number;
  /** Generator iterations planned (`config.iterations`). */
  readonly total: number;
  /** Runs created together as a clip-vs-GP pair share this id; null otherwise. */
  readonly pairId: number | null;
  readonly notes: string;
  readonly tags: readonly string[];
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly endedAt: number | null;
  /** The latest logged value of each metric, for the run list. */
  readonly lastMetrics: Readonly<Record<string, number>>;
}

export type DatasetKind = 'builtin' | 'folder' | 'idx';

export interface DatasetRecord {
  /** Built-in ids like 'mixture3'; imported datasets 'ds-<hash>'. */
  readonly id: string;
  readonly name: string;
  readonly kind: DatasetKind;
  /** Where an imported dataset came from; null for built-ins. */
  readonly sourcePath: string | null;
  /** Number of examples; null for datasets sampled without end (the 2D mixtures). */
  readonly count: number | null;
  /** Image shape; null for 2D point datasets. */
  readonly height: number | null;
  readonly width: number | null;
  readonly channels: number | null;
  readonly meta: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
}

/** A dataset as given to `ensureBuiltinDatasets` (the store adds `createdAt`). */
export type DatasetInput = Omit<DatasetRecord, 'createdAt' | 'kind' | 'sourcePath' | 'meta'> & {
  readonly kind?: DatasetKind;
  readonly sourcePath?: string | null;
  readonly meta?: Readonly<Record<string, unknown>>;
};

/**
 * One metric series, downsampled to at most `maxPoints` buckets over its step range. Parallel arrays;
 * `step` is each bucket's last step, `value` the mean over the bucket, `min` / `max` its extremes (equal
 * to `value` when a bucket holds one point). A value that was not finite when logged reads back as NaN.
 */
export interface SeriesData {
  readonly step: number[];
  readonly value: number[];
  readonly min: number[];
  readonly max: number[];
  /** Training seconds since the run began at each bucket's last step (the x axis for wall time). */
  readonly seconds: number[];
}

export type SampleKind = '2d' | 'image';

export interface SampleRecord {
  readonly runId: number;
  readonly step: number;
  readonly kind: SampleKind;
  /** The rendered picture (scatter plot or image grid). */
  readonly png: Uint8Array;
  /** The raw points (n x 2) or images (NHWC), if stored. */
  readonly raw: Float32Array | null;
  readonly shape: readonly number[];
}

export interface DiagnosticRecord {
  readonly step: number;
  readonly data: unknown;
}

export interface CheckpointRecord {
  readonly runId: number;
  readonly step: number;
  readonly bytes: Uint8Array;
  readonly createdAt: number;
}
