/**
 * The workbench service: the one object that the Electron IPC layer, the serve mode and the CLI all call.
 * It owns the run store (main is the single writer) and the training manager, turns training-process
 * messages into stored rows and live events, and keeps every run resumable.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  BUILTIN_DATASETS,
  type DatasetId,
  isImportedDatasetId,
  type LipschitzMethod,
  type PresetId,
  resolveRunConfig,
  type RunConfig,
  type RunConfigInput,
} from '../../shared/run-config';
import { DIAGNOSTIC_KINDS, type DiagnosticKind, diagnosticMetrics } from '../../shared/diagnostics';
import type { ImportOutcome, ImportPreviewResult } from '../../shared/imports';
import type { ExportOutcome } from '../../shared/exports';
import type { DatasetRecord, RunRecord, RunStatus, SeriesData } from '../../shared/runs';
import type { MetricValues } from '../../shared/train-events';
import type { FromTrainer, BackendChoice } from '../../shared/trainer-protocol';
import type { WorkbenchEvent } from '../../shared/workbench-events';
import type { MetricRow, RunStore } from '../store/run-store';
import type { ExitReason, RunExit, TrainingManager } from '../training/manager';
import { DatasetImporter, defaultDatasetsDir, type ImportProgressUpdate } from './datasets';
import { ExportError, type ExportRequest, exportRunFiles } from './run-export';

export interface CreateRunInput {
  /** A built-in id or an imported dataset's 'ds-...' id (it must be in the store). */
  readonly dataset: DatasetId;
  readonly method: LipschitzMethod;
  readonly preset?: PresetId;
  /** Any run-config fields to override (validated; unknown keys refused). */
  readonly overrides?: Partial<RunConfigInput>;
  readonly name?: string;
  readonly notes?: string;
  readonly tags?: readonly string[];
}

export interface CreatePairInput extends Omit<CreateRunInput, 'method'> {
  /** The two Lipschitz methods (default clip vs gp). */
  readonly a?: LipschitzMethod;
  readonly b?: LipschitzMethod;
  /**
   * By default each method gets its preset's optimizer (the papers' and the notebook's comparison:
   * RMSProp for clipping, Adam for penalties). With `sameOptimizer` the second run copies the first's.
   */
  readonly sameOptimizer?: boolean;
}

export interface WorkbenchOptions {
  readonly store: RunStore;
  readonly manager: TrainingManager;
  readonly backend?: BackendChoice;
  /** How often buffered metrics are written (ms). */
  readonly flushMs?: number;
  readonly resourcesDir?: string;
  /** Where imported datasets' cache files go (default: `datasets` next to the database file). */
  readonly datasetsDir?: string;
}

/** How an import is run: its name, an id for its progress events, cancellation. */
export interface ImportRequest {
  /** The dataset's name (default: the first source's base name). */
  readonly name?: string;
  /** Tags this import's 'import-progress' events (default: a fresh UUID); cancelImport takes it. */
  readonly importId?: string;
  readonly signal?: AbortSignal;
  /** Called with each progress update (as well as the 'import-progress' event). */
  readonly onProgress?: (p: ImportProgressUpdate) => void;
}

/** A run names a dataset that is not in the store (or whose cache file is gone). */
export class UnknownDatasetError extends Error {
  constructor(
    readonly datasetId: string,
    message: string,
  ) {
    super(message);
    this.name = 'UnknownDatasetError';
  }
}

const OPTIMIZER_FIELDS = ['optimizer', 'lrCritic', 'lrGenerator', 'beta1', 'beta2', 'rmspropDecay'] as const;
const EXIT_STATUS: Record<ExitReason, RunStatus> = {
  completed: 'completed',
  stopped: 'stopped',
  paused: 'paused',
  diverged: 'diverged',
  crashed: 'interrupted',
  'launch-failed': 'failed',
};
const RESUMABLE: readonly RunStatus[] = ['paused', 'stopped', 'interrupted', 'diverged', 'failed'];

export class Workbench {
  private readonly listeners = new Set<(e: WorkbenchEvent) => void>();
  private readonly buffers = new Map<number, MetricRow[]>();
  private readonly exits = new Map<number, ((r: RunRecord) => void)[]>();
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly store: RunStore;
  private readonly manager: TrainingManager;
  private readonly importer: DatasetImporter;
  private readonly imports = new Map<string, AbortController>();

  constructor(private readonly opts: WorkbenchOptions) {
    this.store = opts.store;
    this.manager = opts.manager;
    this.importer = new DatasetImporter(this.store, opts.datasetsDir ?? defaultDatasetsDir(this.store));
    this.store.ensureBuiltinDatasets(
      BUILTIN_DATASETS.map((id) =>
        id === 'mnist'
          ? { id, name: 'MNIST digits (10,000)', count: 10000, height: 28, width: 28, channels: 1 }
          : { id, name: id, count: null, height: null, width: null, channels: null },
      ),
    );
  }

  subscribe(listener: (e: WorkbenchEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- creating runs ----

  createRun(input: CreateRunInput): RunRecord {
    this.requireDataset(input.dataset);
    const config = resolveRunConfig({
      dataset: input.dataset,
      method: input.method,
      preset: input.preset,
      ...input.overrides,
    });
    return this.insertRun(config, input);
  }

  /** Two runs with the same data, seed, architecture, schedule and budget, differing in the method. */
  createPair(input: CreatePairInput): [RunRecord, RunRecord] {
    const a = input.a ?? 'clip';
    const b = input.b ?? 'gp';
    if (a === b) throw new Error(`a pair needs two different methods (got ${a} twice)`);
    this.requireDataset(input.dataset);
    const base = { dataset: input.dataset, preset: input.preset, ...input.overrides };
    const configA = resolveRunConfig({ ...base, method: a });
    let configB = resolveRunConfig({ ...base, method: b });
    // Everything but the method-specific fields comes from run A, so the pair cannot drift apart.
    const own = new Set<string>([
      'method',
      'clipValue',
      'lambda',
      ...(input.sameOptimizer ? [] : OPTIMIZER_FIELDS),
    ]);
    configB = Object.fromEntries(
      Object.entries(configA).map(([k, v]) => [k, own.has(k) ? configB[k as keyof RunConfig] : v]),
    ) as RunConfig;
    const pairId = this.store.nextPairId();
    const name = input.name ?? `${input.dataset} ${a} vs ${b}`;
    return [
      this.insertRun(configA, { ...input, name: `${name} — ${a}` }, pairId),
      this.insertRun(configB, { ...input, name: `${name} — ${b}` }, pairId),
    ];
  }

  private insertRun(config: RunConfig, input: Partial<CreateRunInput>, pairId?: number): RunRecord {
    const data = isImportedDatasetId(config.dataset)
      ? this.store.getDataset(config.dataset)?.name
      : undefined;
    const run = this.store.createRun({
      name: input.name ?? `${data ?? config.dataset} ${config.method} #${Date.now() % 100000}`,
      datasetId: config.dataset,
      config,
      pairId,
      notes: input.notes,
      tags: input.tags ? [...input.tags] : undefined,
    });
    this.emit({ type: 'run', run });
    return run;
  }

  // ---- lifecycle ----

  /** Start a new run, or continue a paused/stopped/interrupted one from its last checkpoint. */
  start(runId: number): RunRecord {
    const run = this.requireRun(runId);
    if (this.manager.isTraining(runId) || this.manager.isQueued(runId)) return run;
    if (run.status !== 'queued' && !RESUMABLE.includes(run.status))
      throw new Error(`run ${runId} is ${run.status}; it cannot be resumed`);
    // An imported dataset's cache file must be there before anything changes.
    const imported = this.importedDataset(run.config.dataset);
    let checkpoint: Uint8Array | undefined;
    if (run.status !== 'queued') {
      const ck = this.store.latestCheckpoint(runId);
      // Forget what was logged after the checkpoint, so the resumed run continues one series.
      this.store.truncateAfter(runId, ck?.step ?? 0);
      checkpoint = ck?.bytes;
    }
    this.store.claimRun(runId, process.pid);
    const state = this.manager.start(
      {
        type: 'start',
        runId,
        config: run.config,
        backend: this.opts.backend ?? 'auto',
        checkpoint,
        resourcesDir: this.opts.resourcesDir,
        ...(imported ? { datasetFile: imported.file, datasetTitle: imported.title } : {}),
      },
      {
        onLaunch: (pid) => this.emit({ type: 'process', runId, pid }),
        onMessage: (m) => this.onMessage(runId, m),
        onExit: (e) => this.onExit(e),
      },
    );
    return this.update(runId, {
      status: state === 'queued' ? 'queued' : 'running',
      error: null,
      endedAt: null,
    });
  }

  resume(runId: number): RunRecord {
    return this.start(runId);
  }

  async pause(runId: number): Promise<void> {
    await this.manager.stop(runId, 'pause');
  }

  async stop(runId: number): Promise<void> {
    await this.manager.stop(runId, 'stop');
  }

  /** Resolves with the run once its training process has exited. */
  whenEnded(runId: number): Promise<RunRecord> {
    if (!this.manager.isTraining(runId) && !this.manager.isQueued(runId)) {
      return Promise.resolve(this.requireRun(runId));
    }
    return new Promise((resolve) => {
      const list = this.exits.get(runId) ?? [];
      list.push(resolve);
      this.exits.set(runId, list);
    });
  }

  async delete(runId: number): Promise<void> {
    if (this.manager.isTraining(runId) || this.manager.isQueued(runId))
      await this.manager.stop(runId, 'stop');
    this.buffers.delete(runId);
    if (this.store.deleteRun(runId)) this.emit({ type: 'run-deleted', runId });
  }

  rename(runId: number, name: string): RunRecord {
    const trimmed = name.trim();
    if (!trimmed) throw new Error('a run name cannot be empty');
    return this.update(runId, { name: trimmed });
  }

  annotate(runId: number, note: { notes?: string; tags?: readonly string[] }): RunRecord {
    return this.update(runId, {
      ...(note.notes !== undefined ? { notes: note.notes } : {}),
      ...(note.tags !== undefined
        ? { tags: [...new Set(note.tags.map((t) => t.trim()).filter(Boolean))] }
        : {}),
    });
  }

  /** Stop every training process (their runs become 'paused', resumable) and write what is buffered. */
  async close(): Promise<void> {
    await this.manager.shutdown();
    this.flushAll();
    if (this.flushTimer) clearTimeout(this.flushTimer);
  }

  // ---- imported datasets ----

  /**
   * Import folders and files of pictures as a dataset (see src/main/service/datasets.ts): the report lists
   * every file not imported with its reason; an unchanged source returns the stored dataset at once
   * (`cached`). Emits 'import-progress' events. Rejects with EmptyImportError when no picture could be
   * imported, ImportOptionsError for bad options, an AbortError when cancelled.
   */
  importFolder(
    sources: readonly string[],
    options: unknown,
    req: ImportRequest = {},
  ): Promise<ImportOutcome> {
    return this.runImport(req, (call) => this.importer.importFolder(sources, options, call));
  }

  /** Import IDX images (and labels), optionally gzipped; IdxError names a refused file and why. */
  importIdx(
    images: string,
    labels: string | undefined,
    options: unknown,
    req: ImportRequest = {},
  ): Promise<ImportOutcome> {
    return this.runImport(req, (call) => this.importer.importIdx(images, labels, options, call));
  }

  /** The first `limit` pictures of the sources after the transform (nothing is stored). */
  previewImport(sources: readonly string[], options: unknown, limit = 16): Promise<ImportPreviewResult> {
    return this.importer.preview(sources, options, limit);
  }

  /** Cancel an import in progress (its call rejects with an AbortError); false if there is none. */
  cancelImport(importId: string): boolean {
    const ctl = this.imports.get(importId);
    ctl?.abort();
    return ctl !== undefined;
  }

  getDataset(id: string): DatasetRecord {
    const d = this.store.getDataset(id);
    if (!d) throw new Error(`no dataset '${id}' in this database`);
    return d;
  }

  /** The cache file training reads for an imported dataset. */
  datasetCacheFile(id: string): string {
    return this.importer.cacheFileOf(id);
  }

  private async runImport(
    req: ImportRequest,
    body: (call: {
      name?: string;
      signal: AbortSignal;
      onProgress: (p: ImportProgressUpdate) => void;
    }) => Promise<ImportOutcome>,
  ): Promise<ImportOutcome> {
    const importId = req.importId ?? randomUUID();
    if (this.imports.has(importId)) throw new Error(`an import with id '${importId}' is already running`);
    const ctl = new AbortController();
    const signal = req.signal ? AbortSignal.any([req.signal, ctl.signal]) : ctl.signal;
    this.imports.set(importId, ctl);
    try {
      const outcome = await body({
        ...(req.name !== undefined ? { name: req.name } : {}),
        signal,
        onProgress: (p) => {
          req.onProgress?.(p);
          this.emit({ type: 'import-progress', importId, ...p });
        },
      });
      if (!outcome.cached) this.emit({ type: 'dataset', dataset: outcome.dataset });
      return outcome;
    } finally {
      this.imports.delete(importId);
    }
  }

  private requireDataset(id: DatasetId): DatasetRecord {
    const d = this.store.getDataset(id);
    if (d) return d;
    throw new UnknownDatasetError(
      id,
      isImportedDatasetId(id)
        ? `no dataset '${id}' in this database: import it first (npm run cli -- import ...), or pick another`
        : `unknown dataset '${id}'`,
    );
  }

  /** For an imported dataset, its cache file (which must exist) and title; undefined for built-ins. */
  private importedDataset(id: DatasetId): { file: string; title: string } | undefined {
    if (!isImportedDatasetId(id)) return undefined;
    const d = this.requireDataset(id);
    const file = this.importer.cacheFileOf(id);
    if (!existsSync(file)) {
      throw new UnknownDatasetError(
        id,
        `the cache file of dataset '${id}' (${d.name}) is missing: ${file}; import its source again`,
      );
    }
    return { file, title: d.name };
  }

  // ---- reading ----

  listRuns(filter?: Parameters<RunStore['listRuns']>[0]): RunRecord[] {
    return this.store.listRuns(filter);
  }

  listDatasets(): DatasetRecord[] {
    return this.store.listDatasets();
  }

  getRun(runId: number): RunRecord {
    return this.requireRun(runId);
  }

  readMetrics(runId: number, names?: readonly string[], maxPoints = 1000): Record<string, SeriesData> {
    this.flush(runId);
    const all = names ?? this.store.metricNames(runId);
    return Object.fromEntries(all.map((n) => [n, this.store.readSeries(runId, n, maxPoints)]));
  }

  sampleSteps(runId: number): number[] {
    return this.store.sampleSteps(runId);
  }

  sample(runId: number, step: number) {
    return this.store.nearestSample(runId, step);
  }

  checkpointSteps(runId: number): number[] {
    return this.store.checkpointSteps(runId);
  }

  /** Steps at which diagnostics of a kind were stored. */
  diagnosticSteps(runId: number, kind: DiagnosticKind): number[] {
    this.requireRun(runId);
    return this.store.diagnosticSteps(runId, kind);
  }

  /** Diagnostics of one kind, by step, optionally within [fromStep, toStep]. */
  diagnostics(runId: number, kind: DiagnosticKind, range?: { fromStep?: number; toStep?: number }) {
    this.requireRun(runId);
    return this.store.diagnostics(runId, kind, range);
  }

  /** The diagnostics of a kind at the stored step nearest to `step` (for a step slider). */
  nearestDiagnostics(runId: number, kind: DiagnosticKind, step: number) {
    this.requireRun(runId);
    return this.store.nearestDiagnostics(runId, kind, step);
  }

  // ---- exports ----

  /**
   * Write a run's grid PNG, single PNGs, GIF or metrics (see run-export.ts) to `req.out`, atomically.
   * Rejects with ExportError when the run has nothing of the kind yet (or does not exist).
   */
  async exportRun(runId: number, req: ExportRequest): Promise<ExportOutcome> {
    const run = this.store.getRun(runId);
    if (!run) throw new ExportError(`no run with id ${runId}`);
    this.flush(runId);
    return exportRunFiles(this.store, run, req, { backend: this.opts.backend ?? 'auto' });
  }

  // ---- training-process messages ----

  private onMessage(runId: number, m: FromTrainer): void {
    switch (m.type) {
      case 'backend':
        this.update(runId, { backend: m.backend.name, backendDetail: m.backend });
        return;
      case 'started':
        this.update(runId, { status: 'running', startedAt: this.requireRun(runId).startedAt ?? Date.now() });
        return;
      case 'metrics':
        this.bufferMetrics(runId, m.step, m.seconds, m.values, 'train');
        return;
      case 'diagnostics': {
        const kinds = DIAGNOSTIC_KINDS.filter((k) => m.data[k] !== undefined);
        this.store.putDiagnosticsBundle(
          runId,
          m.step,
          kinds.map((kind) => ({ kind, data: m.data[kind] })),
        );
        this.emit({ type: 'diagnostics', runId, step: m.step, kinds });
        this.bufferMetrics(runId, m.step, m.seconds, diagnosticMetrics(m.data), 'diagnostics');
        return;
      }
      case 'samples':
        this.store.putSample(runId, m.step, { kind: m.kind, png: m.png, raw: m.raw, shape: m.shape });
        this.emit({ type: 'samples', runId, step: m.step, kind: m.kind });
        return;
      case 'checkpoint':
        // Metrics up to the checkpoint are written first: a resume never finds a checkpoint ahead of them.
        this.flush(runId);
        this.store.putCheckpoint(runId, m.step, m.bytes);
        this.emit({ type: 'checkpoint', runId, step: m.step });
        return;
      case 'end':
        this.flush(runId);
        if (m.reason) this.update(runId, { error: m.reason });
        return;
      case 'log':
        this.emit({ type: 'log', runId, line: `${m.level}: ${m.message}` });
        return;
      case 'error':
        this.emit({ type: 'log', runId, line: `error: ${m.name}: ${m.message}` });
        return;
      case 'ready':
        return;
    }
  }

  private onExit(e: RunExit): void {
    this.flush(e.runId);
    if (!this.store.getRun(e.runId)) return; // deleted while training
    const status = EXIT_STATUS[e.reason];
    const run = this.update(e.runId, {
      status,
      endedAt: Date.now(),
      ...(e.detail && status !== 'stopped' && status !== 'paused' ? { error: e.detail } : {}),
    });
    for (const resolve of this.exits.get(e.runId) ?? []) resolve(run);
    this.exits.delete(e.runId);
  }

  // ---- helpers ----

  private bufferMetrics(
    runId: number,
    step: number,
    seconds: number,
    values: MetricValues,
    source: 'train' | 'diagnostics',
  ): void {
    const rows = this.buffers.get(runId) ?? [];
    rows.push({ step, seconds, values });
    this.buffers.set(runId, rows);
    this.scheduleFlush();
    this.emit({ type: 'metrics', runId, step, seconds, values, source });
  }

  private scheduleFlush(): void {
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      this.flushAll();
    }, this.opts.flushMs ?? 250);
  }

  private flushAll(): void {
    for (const runId of [...this.buffers.keys()]) this.flush(runId);
  }

  private flush(runId: number): void {
    const rows = this.buffers.get(runId);
    if (!rows?.length) return;
    this.buffers.delete(runId);
    this.store.insertMetrics(runId, rows);
  }

  private requireRun(runId: number): RunRecord {
    const run = this.store.getRun(runId);
    if (!run) throw new Error(`no run with id ${runId}`);
    return run;
  }

  private update(runId: number, patch: Parameters<RunStore['updateRun']>[1]): RunRecord {
    const run = this.store.updateRun(runId, patch);
    this.emit({ type: 'run', run });
    return run;
  }

  private emit(e: WorkbenchEvent): void {
    for (const l of this.listeners) l(e);
  }
}
