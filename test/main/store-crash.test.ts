import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, StoreError } from '../../src/main/store/db';
import { RunStore } from '../../src/main/store/run-store';
import { resolveRunConfig } from '../../src/shared/run-config';
import { METRIC_NAMES } from '../../src/shared/train-events';

const ROOT = join(import.meta.dirname, '../..');
const FIXTURES = join(import.meta.dirname, 'fixtures');
const config = resolveRunConfig({ dataset: 'mixture3', method: 'gp' });

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wgan-crash-'));
  file = join(dir, 'runs.db');
});

afterEach(() => {
  chmodSync(dir, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

/** A database with one dataset and one run holding `steps` wasserstein points. */
function seeded(steps = 1000): { db: Database.Database; store: RunStore; runId: number } {
  const db = openDatabase(file);
  const store = new RunStore(db);
  store.ensureBuiltinDatasets([
    { id: 'mixture3', name: 'M', count: null, height: null, width: null, channels: null },
  ]);
  const runId = store.createRun({ name: 'seed', datasetId: 'mixture3', config }).id;
  store.insertMetrics(
    runId,
    Array.from({ length: steps }, (_, step) => ({ step, seconds: step, values: { wasserstein: step } })),
  );
  return { db, store, runId };
}

function integrity(path: string): unknown {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true });
  } finally {
    db.close();
  }
}

function sha(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function caught(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StoreError) return err;
    throw err;
  }
  throw new Error('expected a StoreError');
}

/** Starts the writer, waits for `batches` commits, then SIGKILLs it; returns the last acknowledged step. */
async function writeThenKill(runId: number, batches: number): Promise<number> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(FIXTURES, 'store-writer.ts'), file, String(runId)],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  let acked = -1;
  let commits = 0;
  for await (const line of createInterface({ input: child.stdout })) {
    const m = /^committed (\d+)$/.exec(line);
    if (!m) continue;
    acked = Number(m[1]);
    if (++commits === batches) {
      child.kill('SIGKILL');
      break;
    }
  }
  expect(await exited).toBe('SIGKILL');
  return acked;
}

describe('crash safety', () => {
  it('keeps every committed batch, whole, through repeated SIGKILLs, and marks the run interrupted', async () => {
    const { db, runId } = seeded(0);
    db.close();
    let acked = -1;
    for (const batches of [25, 7, 40]) {
      acked = await writeThenKill(runId, batches);
      expect(integrity(file)).toBe('ok');

      const reopened = openDatabase(file);
      const store = new RunStore(reopened);
      try {
        const run = store.getRun(runId);
        expect(run?.status).toBe('interrupted');
        // Whole batches only: the last stored step ends a batch, and nothing acknowledged is missing.
        const last = run?.step ?? -1;
        expect(last).toBeGreaterThanOrEqual(acked);
        expect((last + 1) % 100).toBe(0);
        for (const name of METRIC_NAMES) {
          const count = reopened
            .prepare(
              'SELECT count(*) FROM metrics m JOIN metric_names n ON n.id = m.name_id WHERE run_id = ? AND name = ?',
            )
            .pluck()
            .get(runId, name);
          expect(count).toBe(last + 1);
        }
        const series = store.readSeries(runId, 'wasserstein', 1e9);
        expect(series.step).toEqual(Array.from({ length: last + 1 }, (_, i) => i));
        // At most 5 checkpoints, the newest intact.
        const steps = store.checkpointSteps(runId);
        expect(steps.length).toBeLessThanOrEqual(5);
        const ckpt = store.latestCheckpoint(runId);
        expect(ckpt).toBeDefined();
        const at = ckpt?.step ?? 0;
        expect(ckpt?.bytes.every((b, i) => b === ((i + at) & 255))).toBe(true);
      } finally {
        reopened.close();
      }
    }
    expect(acked).toBeGreaterThanOrEqual((25 + 7 + 40) * 100 - 1);
  });
});

describe('clear errors that leave the data intact', () => {
  it('read-only connection: READ_ONLY on every write, reads still work', () => {
    const { db, runId } = seeded();
    db.close();
    const hash = sha(file);
    const ro = openDatabase(file, { readonly: true });
    const store = new RunStore(ro);
    const err = caught(() => store.createRun({ name: 'x', datasetId: 'mixture3', config }));
    expect(err.code).toBe('READ_ONLY');
    expect(err.message).toMatch(/cannot write database '.*runs\.db': it is read-only/);
    expect(
      caught(() => store.insertMetrics(runId, [{ step: 5000, seconds: 0, values: { x: 1 } }])).code,
    ).toBe('READ_ONLY');
    expect(caught(() => store.putCheckpoint(runId, 1, new Uint8Array(4))).code).toBe('READ_ONLY');
    expect(caught(() => store.updateRun(runId, { notes: 'n' })).code).toBe('READ_ONLY');
    expect(store.readSeries(runId, 'wasserstein', 5000).step).toHaveLength(1000);
    ro.close();
    expect(sha(file)).toBe(hash);
    expect(integrity(file)).toBe('ok');
  });

  it('read-only file, then read-only folder (chmod, checked as an unprivileged user): READ_ONLY', () => {
    const { db } = seeded();
    db.close();
    const hash = sha(file);
    // root ignores file modes, so as root the child drops to 'nobody'.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const open = (
      mode: 'write' | 'read',
    ): { ok: boolean; code?: string; message?: string; runs?: number } => {
      const out = spawnSync(
        process.execPath,
        ['--import', 'tsx', join(FIXTURES, 'store-open.ts'), file, mode],
        {
          cwd: ROOT,
          encoding: 'utf8',
          env: { ...process.env, HOME: tmpdir() },
          ...asUser,
        },
      );
      expect(out.status, out.stderr).toBe(0);
      return JSON.parse(out.stdout) as { ok: boolean; code?: string; message?: string };
    };
    chmodSync(file, 0o444);
    chmodSync(dir, 0o777);
    const write = open('write');
    expect(write).toMatchObject({ ok: false, code: 'READ_ONLY' });
    expect(write.message).toMatch(/it is read-only \(check the file and folder permissions\)/);
    expect(open('read')).toEqual({ ok: true, runs: 1 });
    // With the folder read-only too, SQLite cannot create the WAL index, so even a read-only open fails.
    rmSync(`${file}-wal`, { force: true });
    rmSync(`${file}-shm`, { force: true });
    chmodSync(dir, 0o555);
    expect(open('write')).toMatchObject({ ok: false, code: 'READ_ONLY' });
    expect(open('read')).toMatchObject({ ok: false, code: 'READ_ONLY' });
    chmodSync(dir, 0o755);
    chmodSync(file, 0o644);
    expect(sha(file)).toBe(hash);
    expect(integrity(file)).toBe('ok');
  });

  it('disk full: DISK_FULL, the failed batch absent, earlier data intact, usable once space is back', () => {
    const { db, store, runId } = seeded();
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    const big = Array.from({ length: 5000 }, (_, i) => ({
      step: 1000 + i,
      seconds: i,
      values: { wasserstein: i, 'a.new.metric': i },
    }));
    const err = caught(() => store.insertMetrics(runId, big));
    expect(err.code).toBe('DISK_FULL');
    expect(err.message).toMatch(/the disk is full/);
    expect(caught(() => store.putCheckpoint(runId, 10, new Uint8Array(4 * 2 ** 20))).code).toBe('DISK_FULL');
    expect(store.readSeries(runId, 'wasserstein', 5000).step).toHaveLength(1000);
    expect(store.getRun(runId)?.step).toBe(999);
    expect(store.metricNames(runId)).toEqual(['wasserstein']);
    expect(store.checkpointSteps(runId)).toEqual([]);
    // Space again: the same batch goes in (the new metric name is added afresh).
    db.pragma('max_page_count = 1073741823');
    store.insertMetrics(runId, big);
    expect(store.metricNames(runId)).toEqual(['wasserstein', 'a.new.metric']);
    db.close();
    expect(integrity(file)).toBe('ok');
  });

  it('a file that is not a database: NOT_A_DATABASE, file untouched', () => {
    writeFileSync(file, 'these are my notes, not a database\n'.repeat(200));
    const hash = sha(file);
    const err = caught(() => openDatabase(file));
    expect(err.code).toBe('NOT_A_DATABASE');
    expect(err.message).toContain(`database '${file}' is not a WGAN Workbench database`);
    expect(caught(() => openDatabase(file, { readonly: true })).code).toBe('NOT_A_DATABASE');
    expect(sha(file)).toBe(hash);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('a missing folder or file: CANNOT_OPEN', () => {
    expect(caught(() => openDatabase(join(dir, 'no', 'such', 'runs.db'))).code).toBe('CANNOT_OPEN');
    expect(caught(() => openDatabase(join(dir, 'missing.db'), { readonly: true })).code).toBe('CANNOT_OPEN');
  });
});
