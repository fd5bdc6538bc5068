/**
 * The run store's schema, as numbered migrations. `PRAGMA user_version` holds the number of the last one
 * applied; `openDatabase` runs each newer one in its own transaction and refuses a database whose version
 * is newer than `LATEST_VERSION`. Never edit a released migration: append a new one (and its N-1 -> N test).
 *
 * Conventions: timestamps are epoch milliseconds (INTEGER); JSON columns hold text written by
 * JSON.stringify; every per-run table cascades on `DELETE FROM runs`.
 */
import type { Database } from 'better-sqlite3';

export interface Migration {
  readonly version: number;
  readonly name: string;
  /** Runs inside a transaction that also sets user_version; throw to roll both back. */
  readonly up: (db: Database) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    up: (db) => {
      db.exec(`
        CREATE TABLE datasets (
          id          TEXT PRIMARY KEY,
          name        TEXT NOT NULL,
          kind        TEXT NOT NULL,            -- 'builtin' | 'folder' | 'idx'
          source_path TEXT,
          count       INTEGER,                  -- NULL: sampled without end (2D mixtures)
          height      INTEGER,                  -- NULL for 2D point data
          width       INTEGER,
          channels    INTEGER,
          meta        TEXT NOT NULL DEFAULT '{}',
          created_at  INTEGER NOT NULL
        );

        CREATE TABLE runs (
          id             INTEGER PRIMARY KEY AUTOINCREMENT,
          name           TEXT NOT NULL,
          dataset_id     TEXT NOT NULL REFERENCES datasets(id),
          method         TEXT NOT NULL,
          config         TEXT NOT NULL,         -- the full RunConfig
          status         TEXT NOT NULL,
          backend        TEXT,
          backend_detail TEXT,                  -- JSON
          error          TEXT,
          step           INTEGER NOT NULL DEFAULT 0,
          total          INTEGER NOT NULL,
          pair_id        INTEGER,
          notes          TEXT NOT NULL DEFAULT '',
          tags           TEXT NOT NULL DEFAULT '[]',
          created_at     INTEGER NOT NULL,
          started_at     INTEGER,
          ended_at       INTEGER,
          last_metrics   TEXT NOT NULL DEFAULT '{}'
        );

        CREATE TABLE metric_names (
          id   INTEGER PRIMARY KEY,
          name TEXT NOT NULL UNIQUE
        );

        -- One row per (run, metric, step); clustered on the key so one series is one contiguous range.
        CREATE TABLE metrics (
          run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          name_id INTEGER NOT NULL REFERENCES metric_names(id),
          step    INTEGER NOT NULL,
          value   REAL,                         -- NULL: not finite when logged (NaN)
          seconds REAL NOT NULL,
          PRIMARY KEY (run_id, name_id, step)
        ) WITHOUT ROWID;

        CREATE TABLE samples (
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          step   INTEGER NOT NULL,
          kind   TEXT NOT NULL,                 -- '2d' | 'image'
          png    BLOB NOT NULL,
          raw    BLOB,                          -- Float32 little-endian
          shape  TEXT NOT NULL,                 -- JSON number[]
          PRIMARY KEY (run_id, step)
        );

        CREATE TABLE diagnostics (
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          step   INTEGER NOT NULL,
          kind   TEXT NOT NULL,
          data   TEXT NOT NULL,                 -- JSON
          PRIMARY KEY (run_id, step, kind)
        );

        CREATE TABLE checkpoints (
          run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          step       INTEGER NOT NULL,
          bytes      BLOB NOT NULL,
          created_at INTEGER NOT NULL,
          PRIMARY KEY (run_id, step)
        );
      `);
    },
  },
  {
    version: 2,
    name: 'index runs by status, pair and dataset',
    up: (db) => {
      db.exec(`
        CREATE INDEX runs_status ON runs(status);
        CREATE INDEX runs_pair ON runs(pair_id) WHERE pair_id IS NOT NULL;
        CREATE INDEX runs_dataset ON runs(dataset_id);
        CREATE INDEX diagnostics_kind ON diagnostics(run_id, kind, step);
      `);
    },
  },
  {
    version: 3,
    name: 'remember which process owns a running run',
    up: (db) => {
      // The pid of the main process (app, CLI or serve) that started the run's training process: on open,
      // only runs whose owner is gone are interrupted, so a second CLI on the same database is harmless.
      db.exec('ALTER TABLE runs ADD COLUMN owner_pid INTEGER');
    },
  },
];

export const LATEST_VERSION: number = MIGRATIONS.at(-1)?.version ?? 0;
