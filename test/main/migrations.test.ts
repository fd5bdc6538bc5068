import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase, recoverInterrupted, StoreError, userVersion } from '../../src/main/store/db';
import { LATEST_VERSION, MIGRATIONS, type Migration } from '../../src/main/store/migrations';
import { RunStore } from '../../src/main/store/run-store';
import { resolveRunConfig } from '../../src/shared/run-config';

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wgan-migrate-'));
  file = join(dir, 'runs.db');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A database file brought to `version` by the real migrations, as an older app left it. */
function databaseAt(version: number): Database.Database {
  const db = new Database(file);
  db.pragma('foreign_keys = ON');
  expect(migrate(db, { to: version })).toBe(version);
  return db;
}

function objects(db: Database.Database, type: 'table' | 'index'): string[] {
  return db
    .prepare("SELECT name FROM sqlite_schema WHERE type = ? AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all(type) as string[];
}

function sha(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

const CONFIG = JSON.stringify(resolveRunConfig({ dataset: 'mixture3', method: 'clip' }));

/** Rows as a version-1 app wrote them, through plain SQL (the store of that day). */
function seedV1(db: Database.Database): void {
  db.transaction(() => seedV1Rows(db))();
}

function seedV1Rows(db: Database.Database): void {
  db.prepare(
    "INSERT INTO datasets (id, name, kind, created_at) VALUES ('mixture3', 'Mixture', 'builtin', 1)",
  ).run();
  const insertRun = db.prepare(
    `INSERT INTO runs (name, dataset_id, method, config, status, total, pair_id, created_at)
     VALUES (?, 'mixture3', 'clip', ?, ?, 1500, ?, 2)`,
  );
  insertRun.run('a', CONFIG, 'completed', 1);
  insertRun.run('b', CONFIG, 'running', 1);
  db.prepare("INSERT INTO metric_names (id, name) VALUES (1, 'wasserstein')").run();
  const insertMetric = db.prepare(
    'INSERT INTO metrics (run_id, name_id, step, value, seconds) VALUES (1, 1, ?, ?, 0)',
  );
  for (let step = 0; step < 100; step++) insertMetric.run(step, step / 10);
  db.prepare(
    "INSERT INTO samples (run_id, step, kind, png, shape) VALUES (1, 10, '2d', x'00', '[1,2]')",
  ).run();
  db.prepare("INSERT INTO checkpoints (run_id, step, bytes, created_at) VALUES (1, 10, x'0102', 3)").run();
  db.prepare("INSERT INTO diagnostics (run_id, step, kind, data) VALUES (1, 10, 'grid', '[1]')").run();
}

describe('migrations', () => {
  it('are numbered 1..N without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(LATEST_VERSION).toBe(MIGRATIONS.length);
    expect(LATEST_VERSION).toBeGreaterThanOrEqual(2);
  });

  it('bring a fresh database to the latest version with the pragmas set', () => {
    const db = openDatabase(file);
    try {
      expect(userVersion(db)).toBe(LATEST_VERSION);
      expect(objects(db, 'table')).toEqual([
        'checkpoints',
        'datasets',
        'diagnostics',
        'metric_names',
        'metrics',
        'runs',
        'samples',
      ]);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
    // Reopening applies nothing more.
    const again = openDatabase(file);
    expect(userVersion(again)).toBe(LATEST_VERSION);
    again.close();
  });

  it('0 -> 1 creates the schema, with metrics clustered on (run, name, step)', () => {
    const db = databaseAt(1);
    expect(userVersion(db)).toBe(1);
    expect(objects(db, 'table')).toContain('metrics');
    const ddl = db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'metrics'").pluck().get() as string;
    expect(ddl).toMatch(/WITHOUT ROWID/);
    expect(ddl).toMatch(/PRIMARY KEY \(run_id, name_id, step\)/);
    seedV1(db);
    db.prepare('DELETE FROM runs WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) FROM metrics').pluck().get()).toBe(0);
    db.close();
  });

  it('1 -> 2 adds the run indexes and keeps every row', () => {
    const db = databaseAt(1);
    seedV1(db);
    db.close();
    const before = new Database(file);
    const dump = (d: Database.Database): unknown[] =>
      ['runs', 'metrics', 'samples', 'checkpoints', 'diagnostics', 'datasets', 'metric_names'].map((t) =>
        d.prepare(`SELECT * FROM ${t}`).all(),
      );
    const rows = dump(before);
    before.close();

    const db2 = new Database(file);
    migrate(db2, { to: 2 });
    try {
      expect(userVersion(db2)).toBe(2);
      expect(objects(db2, 'index')).toEqual(
        expect.arrayContaining(['runs_status', 'runs_pair', 'runs_dataset', 'diagnostics_kind']),
      );
      const plan = db2
        .prepare("EXPLAIN QUERY PLAN SELECT * FROM runs WHERE status = 'queued'")
        .all()
        .map((r) => (r as { detail: string }).detail)
        .join(' ');
      expect(plan).toMatch(/runs_status/);
      // Every row survives the migration unchanged.
      expect(dump(db2)).toEqual(rows);
      const store = new RunStore(db2);
      expect(store.getRun(1)).toMatchObject({ status: 'completed', pairId: 1 });
      expect(store.readSeries(1, 'wasserstein', 1000).step).toHaveLength(100);
    } finally {
      db2.close();
    }
  });

  it('2 -> 3 adds the owner pid column and keeps every run', () => {
    const db = databaseAt(2);
    seedV1(db);
    const before = db.prepare('SELECT * FROM runs ORDER BY id').all() as Record<string, unknown>[];
    db.close();
    const db3 = openDatabase(file);
    try {
      expect(userVersion(db3)).toBe(3);
      const after = db3.prepare('SELECT * FROM runs ORDER BY id').all() as Record<string, unknown>[];
      // Runs left 'running' by an unknown owner are interrupted on open; nothing else changes.
      expect(after).toEqual(
        before.map((r) => ({
          ...r,
          owner_pid: null,
          status: r.status === 'running' ? 'interrupted' : r.status,
        })),
      );
    } finally {
      db3.close();
    }
  });

  it('roll a failing migration back completely', () => {
    const db = databaseAt(LATEST_VERSION);
    const bad: Migration = {
      version: LATEST_VERSION + 1,
      name: 'half done',
      up: (d) => {
        d.exec('CREATE TABLE half (x)');
        throw new Error('boom');
      },
    };
    expect(() => migrate(db, { migrations: [...MIGRATIONS, bad] })).toThrow('boom');
    expect(userVersion(db)).toBe(LATEST_VERSION);
    expect(objects(db, 'table')).not.toContain('half');
    const gap: Migration = { ...bad, version: LATEST_VERSION + 2 };
    expect(() => migrate(db, { migrations: [...MIGRATIONS, gap] })).toThrow(/expected/);
    db.close();
  });

  it('refuse a newer schema and leave the file untouched', () => {
    const db = databaseAt(LATEST_VERSION);
    db.pragma(`user_version = ${LATEST_VERSION + 5}`);
    db.close();
    const hash = sha(file);
    let caught: unknown;
    try {
      openDatabase(file);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StoreError);
    expect((caught as StoreError).code).toBe('SCHEMA_TOO_NEW');
    expect((caught as StoreError).message).toBe(
      `database schema version ${LATEST_VERSION + 5} is newer than this app (${LATEST_VERSION}); ` +
        'update WGAN Workbench',
    );
    expect(sha(file)).toBe(hash);
    expect(existsSync(`${file}-wal`)).toBe(false);
    expect(() => openDatabase(file, { readonly: true })).toThrow(/newer than this app/);
    expect(sha(file)).toBe(hash);
  });

  it('refuse to open an outdated schema read-only, which could not be migrated', () => {
    databaseAt(1).close();
    expect(() => openDatabase(file, { readonly: true })).toThrow(
      expect.objectContaining({ code: 'SCHEMA_OUTDATED' }),
    );
    const db = new Database(file, { readonly: true });
    expect(userVersion(db)).toBe(1);
    db.close();
  });
});

describe('recoverInterrupted', () => {
  it('marks running runs of a dead owner interrupted and leaves the others', () => {
    const db = openDatabase(file);
    const store = new RunStore(db);
    store.ensureBuiltinDatasets([
      { id: 'mixture3', name: 'M', count: null, height: null, width: null, channels: null },
    ]);
    const config = resolveRunConfig({ dataset: 'mixture3', method: 'gp' });
    const statuses = ['queued', 'running', 'paused', 'completed', 'stopped', 'diverged', 'failed'] as const;
    const ids = statuses.map((status, i) => {
      const run = store.createRun({ name: `r${i}`, datasetId: 'mixture3', config });
      store.updateRun(run.id, { status });
      return run.id;
    });
    // A second running run owned by a live process (this test's parent) is left alone.
    const live = store.createRun({ name: 'live', datasetId: 'mixture3', config });
    store.updateRun(live.id, { status: 'running' });
    store.claimRun(live.id, process.ppid);
    expect(recoverInterrupted(db)).toEqual([ids[1]]);
    expect(recoverInterrupted(db)).toEqual([]);
    expect(store.getRun(live.id)?.status).toBe('running');
    expect(ids.map((id) => store.getRun(id)?.status)).toEqual([
      'queued',
      'interrupted',
      'paused',
      'completed',
      'stopped',
      'diverged',
      'failed',
    ]);
    db.close();
  });
});
