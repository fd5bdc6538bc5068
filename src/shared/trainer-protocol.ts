/**
 * Messages between main and a training process (one process per running run). Discriminated unions;
 * typed arrays cross by structured clone (Node 'advanced' serialization / Electron's postMessage).
 */
import type { RunConfig } from './run-config';
import type { MetricValues, TrainEvent } from './train-events';

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendChoice = BackendName | 'auto';

export interface BackendInfo {
  readonly name: BackendName;
  readonly device: string;
  readonly reasonsOthersFailed: readonly string[];
}

/** The readonly start configuration of a training process. */
export interface TrainerStart {
  readonly type: 'start';
  readonly runId: number;
  readonly config: RunConfig;
  readonly backend: BackendChoice;
  /** Continue from this checkpoint (bytes as stored). */
  readonly checkpoint?: Uint8Array;
  /** Where the training process reads resources (built-in data) from. */
  readonly resourcesDir?: string;
  /**
   * The dataset cache file (src/main/import/cache.ts) of an imported dataset ('ds-...'): the training
   * process reads it and never the pictures it was imported from. Required for imported datasets.
   */
  readonly datasetFile?: string;
  /** The dataset's name, for titles (imported datasets). */
  readonly datasetTitle?: string;
  /**
   * Threads for the wasm backend, set by the manager when it sends the start: the cores shared among the
   * runs training then, so that a clip-vs-GP pair on 2 cores gets 1 thread each instead of 2 each. A
   * WGAN_WASM_THREADS the user set wins.
   */
  readonly wasmThreads?: number;
}

export type ToTrainer =
  | TrainerStart
  /** Stop after the current iteration, checkpoint, and exit; `pause` only changes the reported status. */
  | { readonly type: 'stop'; readonly reason: 'stop' | 'pause' };

export type FromTrainer =
  | { readonly type: 'ready'; readonly pid: number }
  | { readonly type: 'backend'; readonly backend: BackendInfo }
  /** The training loop's own events, forwarded unchanged. */
  | Extract<TrainEvent, { type: 'started' | 'metrics' | 'checkpoint' | 'diagnostics' }>
  | {
      readonly type: 'samples';
      readonly step: number;
      readonly kind: '2d' | 'image';
      /** The rendered picture: a scatter plot (2D) or a sample grid (images). */
      readonly png: Uint8Array;
      /** The raw points (n x 2) or images (NHWC in [-1, 1]). */
      readonly raw: Float32Array;
      readonly shape: readonly number[];
    }
  /** The loop's end, with the last logged metrics. */
  | (Extract<TrainEvent, { type: 'end' }> & { readonly final: MetricValues })
  | { readonly type: 'log'; readonly level: 'info' | 'warn' | 'error'; readonly message: string }
  | { readonly type: 'error'; readonly name: string; readonly message: string };
