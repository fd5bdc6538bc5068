/**
 * The run store: runs, their metric series, samples, diagnostics and checkpoints, over a database from
 * `openDatabase`. Synchronous (better-sqlite3), one instance per database, main is the only writer.
 * Statements are prepared once and cached; values are always bound, never pasted into SQL. Every failure
 * leaves as a StoreError. Timestamps are epoch milliseconds.
 */
import type Database from 'better-sqlite3';
import { ConfigError, parseRunConfig, type RunConfig } from '../../shared/run-config';
import {
  isRunStatus,
  type CheckpointRecord,
  type DatasetInput,
  type DatasetKind,
  type DatasetRecord,
  type DiagnosticRecord,
  type RunRecord,
  type RunStatus,
  type SampleKind,
  type SampleRecord,
  type SeriesData,
} from '../../shared/runs';
import { StoreError, toStoreError } from './db';

export interface RunStoreOptions {
  /** Checkpoints kept per run: the K most recently written (default 5). */
  readonly keepCheckpoints?: number;
  /** Clock for timestamps (tests). */
  readonly now?: () => number;
}

export interface CreateRunInput {
  readonly name: string;
  readonly datasetId: string;
  readonly config: RunConfig;
  readonly pairId?: number | null;
  readonly notes?: string;
  readonly tags?: readonly string[];
}

/** Fields `updateRun` may change; a field left out (undefined) is kept, null clears a nullable one. */
export interface RunPatch {
  readonly name?: string;
  readonly notes?: string;
  readonly tags?: readonly string[];
  readonly status?: RunStatus;
  readonly backend?: string | null;
  readonly backendDetail?: unknown;
  readonly error?: string | null;
  readonly step?: number;
  readonly startedAt?: number | null;
  readonly endedAt?: number | null;
  readonly lastMetrics?: Readonly<Record<string, number>>;
}

export interface RunFilter {
  readonly status?: RunStatus | readonly RunStatus[];
  readonly datasetId?: string;
  readonly pairId?: number;
}

export interface MetricRow {
  readonly step: number;
  /** Training seconds since the run began. */
  readonly seconds: number;
  /** Undefined entries are skipped; NaN is stored as NULL and reads back as NaN. */
  readonly values: Readonly<Partial<Record<string, number>>>;
}

export interface SampleInput {
  readonly kind: SampleKind;
  readonly png: Uint8Array;
  readonly raw?: Float32Array | null;
  readonly shape: readonly number[];
}

interface RunRow {
  id: number;
  name: string;
  dataset_id: string;
  method: string;
  config: string;
  status: string;
  backend: string | null;
  backend_detail: string | null;
  error: string | null;
  step: number;
  total: number;
  pair_id: number | null;
  notes: string;
  tags: string;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  last_metrics: string;
}

interface DatasetRow {
  id: string;
  name: string;
  kind: string;
  source_path: string | null;
  count: number | null;
  height: number | null;
  width: number | null;
  channels: number | null;
  meta: string;
  created_at: number;
}

interface SampleRow {
  step: number;
  kind: string;
  png: Buffer;
  raw: Buffer | null;
  shape: string;
}

interface CheckpointRow {
  step: number;
  bytes: Buffer;
  created_at: number;
}

/** Columns `updateRun` can set: [column, patch key]. Code constants, so safe to build SQL from. */
const PATCH_COLUMNS = [
  ['name', 'name'],
  ['notes', 'notes'],
  ['tags', 'tags'],
  ['status', 'status'],
  ['backend', 'backend'],
  ['backend_detail', 'backendDetail'],
  ['error', 'error'],
  ['step', 'step'],
  ['started_at', 'startedAt'],
  ['ended_at', 'endedAt'],
  ['last_metrics', 'lastMetrics'],
] as const satisfies readonly (readonly [string, keyof RunPatch])[];

const UPDATE_RUN_SQL =
  'UPDATE runs SET ' +
  PATCH_COLUMNS.map(([col]) => `${col} = CASE WHEN :set_${col} THEN :${col} ELSE ${col} END`).join(', ') +
  ' WHERE id = :id RETURNING *';

/** The step nearest `step` in a per-run table (ties go to the earlier step). */
const nearestStepSql = (table: 'samples' | 'checkpoints'): string => `
  SELECT step FROM (
    SELECT step FROM (SELECT step FROM ${table} WHERE run_id = :run AND step <= :step ORDER BY step DESC LIMIT 1)
    UNION ALL
    SELECT step FROM (SELECT step FROM ${table} WHERE run_id = :run AND step > :step ORDER BY step LIMIT 1)
  ) ORDER BY abs(step - :step), step LIMIT 1`;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class RunStore {
  private readonly statements = new Map<string, Database.Statement<unknown[]>>();
  private readonly nameIds = new Map<string, number>();
  private readonly keepCheckpoints: number;
  private readonly now: () => number;

  constructor(
    private readonly db: Database.Database,
    opts: RunStoreOptions = {},
  ) {
    this.keepCheckpoints = Math.max(1, Math.floor(opts.keepCheckpoints ?? 5));
    this.now = opts.now ?? Date.now;
  }

  // ---- runs ----

  createRun(input: CreateRunInput): RunRecord {
    let config: RunConfig;
    try {
      config = parseRunConfig(input.config);
    } catch (err) {
      if (err instanceof ConfigError) throw new StoreError('INVALID', `invalid run config: ${err.message}`);
      throw err;
    }
    return this.guard(() =>
      this.db.transaction(() => {
        this.requireDataset(input.datasetId);
        const row = this.sql(
          `INSERT INTO runs (name, dataset_id, method, config, status, total, pair_id, notes, tags, created_at)
           VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?) RETURNING *`,
        ).get(
          input.name,
          input.datasetId,
          config.method,
          JSON.stringify(config),
          config.iterations,
          input.pairId ?? null,
          input.notes ?? '',
          JSON.stringify(input.tags ?? []),
          this.now(),
        ) as RunRow;
        return toRun(row);
      })(),
    );
  }

  getRun(id: number): RunRecord | undefined {
    return this.guard(() => {
      const row = this.sql('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
      return row && toRun(row);
    });
  }

  /** Newest first. */
  listRuns(filter: RunFilter = {}): RunRecord[] {
    const statuses = filter.status === undefined ? null : [filter.status].flat();
    return this.guard(() => {
      const rows = this.sql(
        `SELECT * FROM runs
         WHERE (:statuses IS NULL OR status IN (SELECT value FROM json_each(:statuses)))
           AND (:dataset IS NULL OR dataset_id = :dataset)
           AND (:pair IS NULL OR pair_id = :pair)
         ORDER BY id DESC`,
      ).all({
        statuses: statuses && JSON.stringify(statuses),
        dataset: filter.datasetId ?? null,
        pair: filter.pairId ?? null,
      }) as RunRow[];
      return rows.map(toRun);
    });
  }

  /** Applies the patch and returns the updated run; NOT_FOUND if there is no such run. */
  updateRun(id: number, patch: RunPatch): RunRecord {
    if (patch.status !== undefined && !isRunStatus(patch.status)) {
      throw new StoreError('INVALID', `unknown run status '${String(patch.status)}'`);
    }
    if (patch.step !== undefined) checkStep(patch.step);
    const params: Record<string, unknown> = { id };
    for (const [col, key] of PATCH_COLUMNS) {
      const value = patch[key];
      params[`set_${col}`] = value === undefined ? 0 : 1;
      params[col] = value === undefined ? null : toColumn(key, value);
    }
    return this.guard(() => {
      const row = this.sql(UPDATE_RUN_SQL).get(params) as RunRow | undefined;
      if (!row) throw notFound('run', id);
      return toRun(row);
    });
  }

  /** Deletes the run and everything it owns (metrics, samples, diagnostics, checkpoints). */
  deleteRun(id: number): boolean {
    return this.guard(() => this.sql('DELETE FROM runs WHERE id = ?').run(id).changes > 0);
  }

  /** Record the main process that trains this run (so another process opening the database leaves it). */
  claimRun(runId: number, pid: number): void {
    this.guard(() => this.sql('UPDATE runs SET owner_pid = ? WHERE id = ?').run(pid, runId));
  }

  /**
   * Forgets everything a run logged after `step` (metrics, samples, diagnostics, later checkpoints), in one
   * transaction: a resume from the checkpoint at `step` then writes a series without a second branch.
   */
  truncateAfter(runId: number, step: number): void {
    this.guard(() =>
      this.db.transaction(() => {
        for (const table of ['metrics', 'samples', 'diagnostics', 'checkpoints']) {
          this.sql(`DELETE FROM ${table} WHERE run_id = ? AND step > ?`).run(runId, step);
        }
        this.sql('UPDATE runs SET step = ? WHERE id = ?').run(step, runId);
      })(),
    );
  }

  /** A pair id not used by any run yet (the caller creates both runs of the pair with it). */
  nextPairId(): number {
    return this.guard(
      () => this.sql('SELECT coalesce(max(pair_id), 0) + 1 FROM runs').pluck().get() as number,
    );
  }

  // ---- metrics ----

  /**
   * Stores a batch of logged rows in one transaction (an existing (metric, step) is overwritten, as after a
   * resume). Also sets the run's `step` to the batch's last step and merges the batch's latest values into
   * `lastMetrics`.
   */
  insertMetrics(runId: number, rows: readonly MetricRow[]): void {
    if (rows.length === 0) return;
    for (const row of rows) {
      checkStep(row.step);
      if (!Number.isFinite(row.seconds))
        throw new StoreError('INVALID', `seconds must be finite (step ${row.step})`);
    }
    try {
      this.guard(() => this.insertMetricsTx(runId, rows));
    } catch (err) {
      // Names added inside the rolled-back transaction are gone again.
      this.nameIds.clear();
      throw err;
    }
  }

  private insertMetricsTx(runId: number, rows: readonly MetricRow[]): void {
    this.db.transaction(() => {
      const last = this.sql('SELECT last_metrics FROM runs WHERE id = ?').pluck().get(runId) as
        string | undefined;
      if (last === undefined) throw notFound('run', runId);
      const insert = this.sql(
        `INSERT INTO metrics (run_id, name_id, step, value, seconds) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET value = excluded.value, seconds = excluded.seconds`,
      );
      const latest = parseNumbers(last);
      let lastStep = -1;
      for (const row of rows) {
        for (const [name, value] of Object.entries(row.values)) {
          if (value === undefined) continue;
          insert.run(runId, this.nameId(name), row.step, value, row.seconds);
          if (row.step >= lastStep) latest[name] = value;
        }
        lastStep = Math.max(lastStep, row.step);
      }
      this.sql('UPDATE runs SET step = ?, last_metrics = ? WHERE id = ?').run(
        lastStep,
        JSON.stringify(latest),
        runId,
      );
    })();
  }

  /** Names of the metrics logged for a run, in the order they were first seen by this database. */
  metricNames(runId: number): string[] {
    return this.guard(
      () =>
        this.sql(
          `SELECT name FROM metric_names n
           WHERE EXISTS (SELECT 1 FROM metrics m WHERE m.run_id = ? AND m.name_id = n.id) ORDER BY id`,
        )
          .pluck()
          .all(runId) as string[],
    );
  }

  /**
   * One series, downsampled to at most `maxPoints` buckets of equal step width over its step range. Each
   * bucket is one range aggregate on the primary key (no sort), so 10^6 points read in well under a second.
   */
  readSeries(runId: number, name: string, maxPoints: number): SeriesData {
    const buckets = Math.max(1, Math.floor(maxPoints));
    return this.guard(() => {
      const out: SeriesData = { step: [], value: [], min: [], max: [], seconds: [] };
      const nameId = this.lookupNameId(name);
      if (nameId === undefined) return out;
      const head = this.sql(
        'SELECT step, value, seconds FROM metrics WHERE run_id = ? AND name_id = ? ORDER BY step LIMIT ?',
      )
        .raw()
        .all(runId, nameId, buckets + 1) as [number, number | null, number][];
      if (head.length <= buckets) {
        for (const [step, v, sec] of head) push(out, step, v, v, v, sec);
        return out;
      }
      const [lo, hi] = this.sql(
        `SELECT (SELECT min(step) FROM metrics WHERE run_id = :run AND name_id = :name),
                (SELECT max(step) FROM metrics WHERE run_id = :run AND name_id = :name)`,
      )
        .raw()
        .get({ run: runId, name: nameId }) as [number, number];
      const span = hi - lo + 1;
      const bucket = this.sql(
        `SELECT max(step), avg(value), min(value), max(value), max(seconds) FROM metrics
         WHERE run_id = ? AND name_id = ? AND step BETWEEN ? AND ?`,
      ).raw();
      for (let b = 0; b < buckets; b++) {
        const from = lo + Math.ceil((b * span) / buckets);
        const to = lo + Math.ceil(((b + 1) * span) / buckets) - 1;
        if (to < from) continue;
        const row = bucket.get(runId, nameId, from, to) as [
          number | null,
          number | null,
          number | null,
          number | null,
          number,
        ];
        if (row[0] !== null) push(out, row[0], row[1], row[2], row[3], row[4]);
      }
      return out;
    });
  }

  // ---- samples ----

  putSample(runId: number, step: number, sample: SampleInput): void {
    checkStep(step);
    this.guard(() => {
      this.sql(
        `INSERT INTO samples (run_id, step, kind, png, raw, shape) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET kind = excluded.kind, png = excluded.png, raw = excluded.raw, shape = excluded.shape`,
      ).run(
        runId,
        step,
        sample.kind,
        asBuffer(sample.png),
        sample.raw ? float32ToBytes(sample.raw) : null,
        JSON.stringify(sample.shape),
      );
    }, runId);
  }

  sampleSteps(runId: number): number[] {
    return this.guard(
      () =>
        this.sql('SELECT step FROM samples WHERE run_id = ? ORDER BY step').pluck().all(runId) as number[],
    );
  }

  getSample(runId: number, step: number): SampleRecord | undefined {
    return this.guard(() => {
      const row = this.sql(
        'SELECT step, kind, png, raw, shape FROM samples WHERE run_id = ? AND step = ?',
      ).get(runId, step) as SampleRow | undefined;
      return (
        row && {
          runId,
          step: row.step,
          kind: row.kind as SampleKind,
          png: row.png,
          raw: row.raw && bytesToFloat32(row.raw),
          shape: JSON.parse(row.shape) as number[],
        }
      );
    });
  }

  /** The sample whose step is nearest `step` (ties: the earlier one). */
  nearestSample(runId: number, step: number): SampleRecord | undefined {
    const found = this.nearestStep('samples', runId, step);
    return found === undefined ? undefined : this.getSample(runId, found);
  }

  // ---- diagnostics ----

  putDiagnostics(runId: number, step: number, kind: string, data: unknown): void {
    checkStep(step);
    this.guard(() => {
      this.sql(
        `INSERT INTO diagnostics (run_id, step, kind, data) VALUES (?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET data = excluded.data`,
      ).run(runId, step, kind, JSON.stringify(data ?? null));
    }, runId);
  }

  /** Several kinds of diagnostics for one step, in one transaction. */
  putDiagnosticsBundle(runId: number, step: number, items: readonly { kind: string; data: unknown }[]): void {
    checkStep(step);
    this.guard(() => {
      const insert = this.sql(
        `INSERT INTO diagnostics (run_id, step, kind, data) VALUES (?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET data = excluded.data`,
      );
      this.db.transaction(() => {
        for (const { kind, data } of items) insert.run(runId, step, kind, JSON.stringify(data ?? null));
      })();
    }, runId);
  }

  diagnosticSteps(runId: number, kind: string): number[] {
    return this.guard(
      () =>
        this.sql('SELECT step FROM diagnostics WHERE run_id = ? AND kind = ? ORDER BY step')
          .pluck()
          .all(runId, kind) as number[],
    );
  }

  /** The diagnostics of a kind at the stored step nearest `step` (ties: the earlier one). */
  nearestDiagnostics(runId: number, kind: string, step: number): DiagnosticRecord | undefined {
    return this.guard(() => {
      const row = this.sql(
        `SELECT step, data FROM (
           SELECT step, data FROM (SELECT step, data FROM diagnostics
             WHERE run_id = :run AND kind = :kind AND step <= :step ORDER BY step DESC LIMIT 1)
           UNION ALL
           SELECT step, data FROM (SELECT step, data FROM diagnostics
             WHERE run_id = :run AND kind = :kind AND step > :step ORDER BY step LIMIT 1)
         ) ORDER BY abs(step - :step), step LIMIT 1`,
      ).get({ run: runId, kind, step }) as { step: number; data: string } | undefined;
      return row && { step: row.step, data: JSON.parse(row.data) as unknown };
    });
  }

  /** Diagnostics of one kind, by step, optionally within [fromStep, toStep]. */
  diagnostics(
    runId: number,
    kind: string,
    range: { fromStep?: number; toStep?: number } = {},
  ): DiagnosticRecord[] {
    return this.guard(() => {
      const rows = this.sql(
        `SELECT step, data FROM diagnostics WHERE run_id = ? AND kind = ? AND step BETWEEN ? AND ? ORDER BY step`,
      ).all(
        runId,
        kind,
        range.fromStep ?? Number.MIN_SAFE_INTEGER,
        range.toStep ?? Number.MAX_SAFE_INTEGER,
      ) as { step: number; data: string }[];
      return rows.map((r) => ({ step: r.step, data: JSON.parse(r.data) as unknown }));
    });
  }

  // ---- checkpoints ----

  /** Stores a checkpoint and, in the same transaction, prunes the run's older ones beyond the newest K. */
  putCheckpoint(runId: number, step: number, bytes: Uint8Array): void {
    checkStep(step);
    this.guard(() => {
      this.db.transaction(() => {
        this.sql(
          `INSERT INTO checkpoints (run_id, step, bytes, created_at) VALUES (?, ?, ?, ?)
           ON CONFLICT DO UPDATE SET bytes = excluded.bytes, created_at = excluded.created_at`,
        ).run(runId, step, asBuffer(bytes), this.now());
        this.sql(
          `DELETE FROM checkpoints WHERE run_id = :run AND step NOT IN (
             SELECT step FROM checkpoints WHERE run_id = :run ORDER BY created_at DESC, step DESC LIMIT :keep)`,
        ).run({ run: runId, keep: this.keepCheckpoints });
      })();
    }, runId);
  }

  /** The checkpoint with the highest step. */
  latestCheckpoint(runId: number): CheckpointRecord | undefined {
    return this.guard(() => {
      const step = this.sql('SELECT max(step) FROM checkpoints WHERE run_id = ?').pluck().get(runId) as
        number | null;
      return step === null ? undefined : this.getCheckpoint(runId, step);
    });
  }

  /**
   * The checkpoint nearest `step` (ties: the earlier one); with `atOrBefore`, the last one at or before
   * `step` (what resuming "from step N" needs), undefined if there is none.
   */
  checkpointNearest(
    runId: number,
    step: number,
    opts: { atOrBefore?: boolean } = {},
  ): CheckpointRecord | undefined {
    const found = opts.atOrBefore
      ? this.guard(
          () =>
            this.sql('SELECT max(step) FROM checkpoints WHERE run_id = ? AND step <= ?')
              .pluck()
              .get(runId, step) as number | null,
        )
      : this.nearestStep('checkpoints', runId, step);
    return found === null || found === undefined
      ? undefined
      : this.guard(() => this.getCheckpoint(runId, found));
  }

  checkpointSteps(runId: number): number[] {
    return this.guard(
      () =>
        this.sql('SELECT step FROM checkpoints WHERE run_id = ? ORDER BY step')
          .pluck()
          .all(runId) as number[],
    );
  }

  // ---- datasets ----

  /** Inserts or refreshes the given datasets (kind 'builtin' unless said); `createdAt` of existing ones kept. */
  ensureBuiltinDatasets(list: readonly DatasetInput[]): void {
    this.guard(() => {
      this.db.transaction(() => {
        const upsert = this.sql(
          `INSERT INTO datasets (id, name, kind, source_path, count, height, width, channels, meta, created_at)
           VALUES (:id, :name, :kind, :source, :count, :height, :width, :channels, :meta, :now)
           ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
             source_path = excluded.source_path, count = excluded.count, height = excluded.height,
             width = excluded.width, channels = excluded.channels, meta = excluded.meta`,
        );
        const now = this.now();
        for (const d of list) {
          upsert.run({
            id: d.id,
            name: d.name,
            kind: d.kind ?? 'builtin',
            source: d.sourcePath ?? null,
            count: d.count,
            height: d.height,
            width: d.width,
            channels: d.channels,
            meta: JSON.stringify(d.meta ?? {}),
            now,
          });
        }
      })();
    });
  }

  /**
   * Inserts or replaces one dataset (an import) and returns it as stored; `createdAt` of an existing row
   * is kept.
   */
  saveDataset(d: DatasetInput): DatasetRecord {
    this.ensureBuiltinDatasets([d]);
    const saved = this.getDataset(d.id);
    if (!saved) throw new StoreError('DATABASE_ERROR', `dataset '${d.id}' was not saved`);
    return saved;
  }

  /**
   * The imported dataset whose meta lists this source fingerprint (meta.sourceFingerprints, written by
   * imports): the same files under the same options were imported before. Newest first if several.
   */
  findDatasetBySourceFingerprint(fingerprint: string): DatasetRecord | undefined {
    return this.guard(() => {
      const row = this.sql(
        `SELECT * FROM datasets
         WHERE kind <> 'builtin' AND json_valid(meta) AND EXISTS (
           SELECT 1 FROM json_each(meta, '$.sourceFingerprints') WHERE value = ?)
         ORDER BY created_at DESC, rowid DESC LIMIT 1`,
      ).get(fingerprint) as DatasetRow | undefined;
      return row && toDataset(row);
    });
  }

  getDataset(id: string): DatasetRecord | undefined {
    return this.guard(() => {
      const row = this.sql('SELECT * FROM datasets WHERE id = ?').get(id) as DatasetRow | undefined;
      return row && toDataset(row);
    });
  }

  listDatasets(): DatasetRecord[] {
    return this.guard(() =>
      (this.sql('SELECT * FROM datasets ORDER BY created_at, rowid').all() as DatasetRow[]).map(toDataset),
    );
  }

  /** The database file's path (':memory:' for an in-memory database). */
  get path(): string {
    return this.db.name;
  }

  // ---- internals ----

  private sql(text: string): Database.Statement<unknown[]> {
    let stmt = this.statements.get(text);
    if (!stmt) {
      stmt = this.db.prepare<unknown[]>(text);
      this.statements.set(text, stmt);
    }
    return stmt;
  }

  /** Runs `fn`, turning SQLite errors into StoreErrors (a missing parent run into NOT_FOUND). */
  private guard<T>(fn: () => T, runId?: number): T {
    try {
      return fn();
    } catch (err) {
      const mapped = toStoreError(err, this.db.name);
      if (runId !== undefined && mapped instanceof StoreError && isForeignKeyError(mapped.cause)) {
        throw notFound('run', runId);
      }
      throw mapped;
    }
  }

  private requireDataset(id: string): void {
    if (this.sql('SELECT 1 FROM datasets WHERE id = ?').get(id) === undefined) {
      throw new StoreError(
        'NOT_FOUND',
        id.startsWith('ds-')
          ? `unknown dataset '${id}': no dataset with this id was imported into this database`
          : `unknown dataset '${id}' (call ensureBuiltinDatasets at startup)`,
      );
    }
  }

  private lookupNameId(name: string): number | undefined {
    const cached = this.nameIds.get(name);
    if (cached !== undefined) return cached;
    const id = this.sql('SELECT id FROM metric_names WHERE name = ?').pluck().get(name) as number | undefined;
    if (id !== undefined) this.nameIds.set(name, id);
    return id;
  }

  /** Inside a write transaction: the name's id, adding the name if new. */
  private nameId(name: string): number {
    const known = this.lookupNameId(name);
    if (known !== undefined) return known;
    const id = Number(this.sql('INSERT INTO metric_names (name) VALUES (?)').run(name).lastInsertRowid);
    this.nameIds.set(name, id);
    return id;
  }

  private nearestStep(table: 'samples' | 'checkpoints', runId: number, step: number): number | undefined {
    return this.guard(
      () => this.sql(nearestStepSql(table)).pluck().get({ run: runId, step }) as number | undefined,
    );
  }

  private getCheckpoint(runId: number, step: number): CheckpointRecord | undefined {
    const row = this.sql('SELECT step, bytes, created_at FROM checkpoints WHERE run_id = ? AND step = ?').get(
      runId,
      step,
    ) as CheckpointRow | undefined;
    return row && { runId, step: row.step, bytes: row.bytes, createdAt: row.created_at };
  }
}

function toRun(row: RunRow): RunRecord {
  return {
    id: row.id,
    name: row.name,
    datasetId: row.dataset_id,
    method: row.method,
    // Validated on write; read back as stored so an old run stays listable if the schema moves on.
    config: JSON.parse(row.config) as RunConfig,
    status: row.status as RunStatus,
    backend: row.backend,
    backendDetail: row.backend_detail === null ? null : (JSON.parse(row.backend_detail) as unknown),
    error: row.error,
    step: row.step,
    total: row.total,
    pairId: row.pair_id,
    notes: row.notes,
    tags: JSON.parse(row.tags) as string[],
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    lastMetrics: parseNumbers(row.last_metrics),
  };
}

function toDataset(row: DatasetRow): DatasetRecord {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as DatasetKind,
    sourcePath: row.source_path,
    count: row.count,
    height: row.height,
    width: row.width,
    channels: row.channels,
    meta: JSON.parse(row.meta) as Record<string, unknown>,
    createdAt: row.created_at,
  };
}

/** A patch value as its column stores it. */
function toColumn(key: keyof RunPatch, value: unknown): unknown {
  switch (key) {
    case 'tags':
    case 'lastMetrics':
      return JSON.stringify(value);
    case 'backendDetail':
      return value === null ? null : JSON.stringify(value);
    default:
      return value;
  }
}

/** JSON object of numbers; JSON has no NaN/Infinity, so those were written as null and read back as NaN. */
function parseNumbers(json: string): Record<string, number> {
  const parsed = JSON.parse(json) as Record<string, number | null>;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(parsed)) out[k] = typeof v === 'number' ? v : NaN;
  return out;
}

function push(
  out: SeriesData,
  step: number,
  value: number | null,
  min: number | null,
  max: number | null,
  seconds: number,
): void {
  out.seconds.push(seconds);
  out.step.push(step);
  out.value.push(value ?? NaN);
  out.min.push(min ?? NaN);
  out.max.push(max ?? NaN);
}

function checkStep(step: number): void {
  if (!Number.isSafeInteger(step) || step < 0) {
    throw new StoreError('INVALID', `step must be a non-negative integer, got ${step}`);
  }
}

function notFound(what: string, id: number): StoreError {
  return new StoreError('NOT_FOUND', `${what} ${id} does not exist`);
}

function isForeignKeyError(err: unknown): boolean {
  return err instanceof Error && 'code' in err && err.code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** A Buffer view of the same bytes (better-sqlite3 binds Buffers as BLOBs). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Float32 little-endian bytes, whatever the host's byte order. */
function float32ToBytes(values: Float32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const out = Buffer.alloc(values.byteLength);
  values.forEach((v, i) => out.writeFloatLE(v, i * 4));
  return out;
}

function bytesToFloat32(bytes: Buffer): Float32Array {
  const out = new Float32Array(Math.floor(bytes.byteLength / 4));
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 4));
  else for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}
