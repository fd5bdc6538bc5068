import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, StoreError } from '../../src/main/store/db';
import { RunStore } from '../../src/main/store/run-store';
import { resolveRunConfig, type RunConfig } from '../../src/shared/run-config';
import type { DatasetInput } from '../../src/shared/runs';

const DATASETS: DatasetInput[] = [
  { id: 'mixture3', name: 'Mixture of 3 Gaussians', count: null, height: null, width: null, channels: null },
  { id: '8gaussians', name: '8 Gaussians', count: null, height: null, width: null, channels: null },
  { id: 'mnist', name: 'MNIST', count: 60000, height: 28, width: 28, channels: 1, meta: { classes: 10 } },
];

let dir: string;
let db: Database.Database;
let store: RunStore;
let clock: number;

function open(opts: { keepCheckpoints?: number } = {}): void {
  db = openDatabase(join(dir, 'runs.db'));
  store = new RunStore(db, { ...opts, now: () => clock++ });
}

function config(method: RunConfig['method'] = 'clip', dataset: RunConfig['dataset'] = 'mixture3'): RunConfig {
  return resolveRunConfig({ dataset, method });
}

function count(table: string): number {
  return db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
}

function storeError(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StoreError);
    return err as StoreError;
  }
  throw new Error('expected a StoreError');
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wgan-store-'));
  clock = 1_700_000_000_000;
  open();
  store.ensureBuiltinDatasets(DATASETS);
});

afterEach(() => {
  if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('runs', () => {
  it('creates a queued run holding the full config', () => {
    const cfg = config('gp');
    const run = store.createRun({ name: 'gp 1', datasetId: 'mixture3', config: cfg });
    expect(run).toMatchObject({
      name: 'gp 1',
      datasetId: 'mixture3',
      method: 'gp',
      status: 'queued',
      step: 0,
      total: cfg.iterations,
      pairId: null,
      notes: '',
      tags: [],
      backend: null,
      backendDetail: null,
      error: null,
      startedAt: null,
      endedAt: null,
      lastMetrics: {},
    });
    expect(run.config).toEqual(cfg);
    expect(run.createdAt).toBeGreaterThanOrEqual(1_700_000_000_000);
    expect(store.getRun(run.id)).toEqual(run);
    expect(store.getRun(run.id + 100)).toBeUndefined();
  });

  it('refuses an unknown dataset and an invalid config', () => {
    expect(storeError(() => store.createRun({ name: 'x', datasetId: 'nope', config: config() })).code).toBe(
      'NOT_FOUND',
    );
    const bad = { ...config(), batchSize: -1 };
    const err = storeError(() => store.createRun({ name: 'x', datasetId: 'mixture3', config: bad }));
    expect(err.code).toBe('INVALID');
    expect(err.message).toMatch(/batchSize/);
    expect(count('runs')).toBe(0);
  });

  it('updates the fields of a patch and keeps the rest', () => {
    const run = store.createRun({
      name: 'a',
      datasetId: 'mixture3',
      config: config(),
      tags: ['x'],
      notes: 'n',
    });
    const updated = store.updateRun(run.id, {
      status: 'running',
      backend: 'tensorflow',
      backendDetail: { device: 'cpu', reasonsOthersFailed: [] },
      startedAt: 123,
      step: 40,
      tags: ['x', 'baseline'],
    });
    expect(updated).toMatchObject({
      name: 'a',
      notes: 'n',
      status: 'running',
      backend: 'tensorflow',
      backendDetail: { device: 'cpu', reasonsOthersFailed: [] },
      startedAt: 123,
      step: 40,
      tags: ['x', 'baseline'],
      endedAt: null,
    });
    const ended = store.updateRun(run.id, {
      status: 'failed',
      error: 'boom',
      endedAt: 456,
      backend: null,
      notes: 'edited',
      name: 'renamed',
      lastMetrics: { wasserstein: 0.5 },
    });
    expect(ended).toMatchObject({ status: 'failed', error: 'boom', endedAt: 456, backend: null, step: 40 });
    expect(ended).toMatchObject({ notes: 'edited', name: 'renamed', lastMetrics: { wasserstein: 0.5 } });
    expect(store.getRun(run.id)).toEqual(ended);
    expect(store.updateRun(run.id, {})).toEqual(ended);
    expect(storeError(() => store.updateRun(999, { name: 'z' })).code).toBe('NOT_FOUND');
    const badStatus = { status: 'exploded' } as unknown as { status: 'failed' };
    expect(storeError(() => store.updateRun(run.id, badStatus)).code).toBe('INVALID');
    expect(storeError(() => store.updateRun(run.id, { step: -1 })).code).toBe('INVALID');
  });

  it('lists newest first, filtered by status, dataset and pair', () => {
    const pair = store.nextPairId();
    expect(pair).toBe(1);
    const a = store.createRun({ name: 'a', datasetId: 'mixture3', config: config('clip'), pairId: pair });
    const b = store.createRun({ name: 'b', datasetId: 'mixture3', config: config('gp'), pairId: pair });
    expect(store.nextPairId()).toBe(2);
    const c = store.createRun({ name: 'c', datasetId: '8gaussians', config: config('gp', '8gaussians') });
    store.updateRun(b.id, { status: 'running' });
    store.updateRun(c.id, { status: 'completed' });
    const ids = (filter?: Parameters<RunStore['listRuns']>[0]): number[] =>
      store.listRuns(filter).map((r) => r.id);
    expect(ids()).toEqual([c.id, b.id, a.id]);
    expect(ids({ status: 'running' })).toEqual([b.id]);
    expect(ids({ status: ['queued', 'completed'] })).toEqual([c.id, a.id]);
    expect(ids({ datasetId: 'mixture3' })).toEqual([b.id, a.id]);
    expect(ids({ pairId: pair })).toEqual([b.id, a.id]);
    expect(ids({ pairId: pair, status: 'queued' })).toEqual([a.id]);
    expect(ids({ datasetId: 'mnist' })).toEqual([]);
  });

  it('deletes a run and everything it owns', () => {
    const run = store.createRun({ name: 'a', datasetId: 'mixture3', config: config() });
    const other = store.createRun({ name: 'b', datasetId: 'mixture3', config: config() });
    for (const id of [run.id, other.id]) {
      store.insertMetrics(id, [{ step: 10, seconds: 1, values: { wasserstein: 1, generator: 2 } }]);
      store.putSample(id, 10, { kind: '2d', png: Buffer.from([1, 2, 3]), shape: [1, 2] });
      store.putDiagnostics(id, 10, 'critic-grid', { values: [1, 2] });
      store.putCheckpoint(id, 10, new Uint8Array([9]));
    }
    expect(store.deleteRun(run.id)).toBe(true);
    expect(store.deleteRun(run.id)).toBe(false);
    expect(store.getRun(run.id)).toBeUndefined();
    for (const table of ['metrics', 'samples', 'diagnostics', 'checkpoints']) {
      expect(db.prepare(`SELECT count(*) FROM ${table} WHERE run_id = ?`).pluck().get(run.id)).toBe(0);
      expect(
        db.prepare(`SELECT count(*) FROM ${table} WHERE run_id = ?`).pluck().get(other.id),
      ).toBeGreaterThan(0);
    }
  });

  it('survives closing and reopening the database', () => {
    const run = store.createRun({
      name: 'keep',
      datasetId: 'mnist',
      config: config('gp', 'mnist'),
      tags: ['t'],
    });
    store.insertMetrics(run.id, [{ step: 5, seconds: 0.5, values: { wasserstein: 0.25 } }]);
    db.close();
    open();
    expect(store.getRun(run.id)).toMatchObject({ name: 'keep', tags: ['t'], step: 5 });
    expect(store.readSeries(run.id, 'wasserstein', 10).value).toEqual([0.25]);
  });
});

describe('metrics', () => {
  it('stores batches, tracks the latest step and values, and overwrites a re-logged step', () => {
    const run = store.createRun({ name: 'a', datasetId: 'mixture3', config: config() });
    store.insertMetrics(run.id, [
      { step: 10, seconds: 1, values: { 'critic.loss': -1, wasserstein: 1 } },
      { step: 20, seconds: 2, values: { 'critic.loss': -2, wasserstein: 2, 'critic.penalty': undefined } },
    ]);
    store.insertMetrics(run.id, [{ step: 30, seconds: 3, values: { wasserstein: NaN } }]);
    expect(store.getRun(run.id)).toMatchObject({ step: 30 });
    const last = store.getRun(run.id)?.lastMetrics;
    expect(last?.['critic.loss']).toBe(-2);
    expect(last?.wasserstein).toBeNaN();
    expect(store.metricNames(run.id)).toEqual(['critic.loss', 'wasserstein']);
    const w = store.readSeries(run.id, 'wasserstein', 100);
    expect(w.step).toEqual([10, 20, 30]);
    expect(w.seconds).toEqual([1, 2, 3]);
    expect(w.value.slice(0, 2)).toEqual([1, 2]);
    expect(w.value[2]).toBeNaN();
    store.insertMetrics(run.id, [{ step: 20, seconds: 2.5, values: { wasserstein: 7 } }]);
    expect(store.readSeries(run.id, 'wasserstein', 100).value[1]).toBe(7);
    expect(store.readSeries(run.id, 'nope', 100)).toEqual({
      step: [],
      value: [],
      min: [],
      max: [],
      seconds: [],
    });
    expect(
      store.metricNames(store.createRun({ name: 'b', datasetId: 'mixture3', config: config() }).id),
    ).toEqual([]);
  });

  it('refuses a missing run or a bad row and writes nothing', () => {
    const run = store.createRun({ name: 'a', datasetId: 'mixture3', config: config() });
    const rows = [{ step: 1, seconds: 0, values: { wasserstein: 1 } }];
    expect(storeError(() => store.insertMetrics(run.id + 1, rows)).code).toBe('NOT_FOUND');
    const bad = [...rows, { step: 1.5, seconds: 0, values: { wasserstein: 1 } }];
    expect(storeError(() => store.insertMetrics(run.id, bad)).code).toBe('INVALID');
    expect(count('metrics')).toBe(0);
    store.insertMetrics(run.id, rows);
    expect(count('metrics')).toBe(1);
  });

  it('downsamples 100k points to at most 500 buckets, keeping a spike and the extremes', () => {
    const run = store.createRun({ name: 'long', datasetId: 'mixture3', config: config() });
    const n = 100_000;
    const spikeStep = 54_321 * 10;
    const value = (step: number): number => (step === spikeStep ? 50 : Math.sin(step / 5000));
    for (let start = 0; start < n; start += 1000) {
      const rows = [];
      for (let i = start; i < start + 1000; i++) {
        rows.push({ step: i * 10, seconds: i / 100, values: { wasserstein: value(i * 10), generator: -i } });
      }
      store.insertMetrics(run.id, rows);
    }
    const all = Array.from({ length: n }, (_, i) => value(i * 10));
    const s = store.readSeries(run.id, 'wasserstein', 500);
    expect(s.step.length).toBeLessThanOrEqual(500);
    expect(s.step.length).toBeGreaterThan(450);
    expect(s.value.length).toBe(s.step.length);
    expect(s.step.every((step, i) => i === 0 || step > (s.step[i - 1] ?? Infinity))).toBe(true);
    expect(s.step.at(-1)).toBe((n - 1) * 10);
    // Each bucket's wall time is its last step's (logged at step / 1000 seconds here).
    expect(s.seconds.length).toBe(s.step.length);
    s.step.forEach((step, i) => expect(s.seconds[i]).toBeCloseTo(step / 1000, 9));
    expect(Math.max(...s.max)).toBe(50);
    expect(Math.min(...s.min)).toBe(Math.min(...all));
    const spikeBucket = s.max.indexOf(50);
    expect(s.step[spikeBucket]).toBeGreaterThanOrEqual(spikeStep);
    expect(s.value[spikeBucket]).toBeLessThan(2); // the mean is barely moved by one point of ~200
    for (let i = 0; i < s.step.length; i++) {
      expect(s.min[i]).toBeLessThanOrEqual(s.value[i] ?? NaN);
      expect(s.max[i]).toBeGreaterThanOrEqual(s.value[i] ?? NaN);
    }
    // The mean of a bucket follows the sine (bucket width 2000 steps, the sine's period ~31k steps).
    const mid = 100;
    expect(s.value[mid]).toBeCloseTo(Math.sin(((s.step[mid] ?? 0) - 1000) / 5000), 1);
    // Other series of the same run are separate.
    expect(Math.max(...store.readSeries(run.id, 'generator', 500).max)).toBe(0);
  });

  it('returns the raw points when they fit', () => {
    const run = store.createRun({ name: 'a', datasetId: 'mixture3', config: config() });
    store.insertMetrics(
      run.id,
      Array.from({ length: 50 }, (_, i) => ({ step: i * 3, seconds: i, values: { generator: i * i } })),
    );
    const s = store.readSeries(run.id, 'generator', 50);
    expect(s.step).toEqual(Array.from({ length: 50 }, (_, i) => i * 3));
    expect(s.value).toEqual(s.min);
    expect(s.value).toEqual(s.max);
    expect(store.readSeries(run.id, 'generator', 10).step.length).toBeLessThanOrEqual(10);
  });
});

describe('samples and diagnostics', () => {
  it('round-trips a sample with its raw floats, and finds the nearest one', () => {
    const run = store.createRun({ name: 'a', datasetId: 'mixture3', config: config() });
    const raw = new Float32Array([0.5, -1.25, 3e-8, 1e30, -0, 2]);
    // A view at an odd offset into a bigger buffer, as a structured clone may give.
    const png = new Uint8Array(new Uint8Array([0, 137, 80, 78, 71]).buffer, 1, 4);
    store.putSample(run.id, 100, { kind: '2d', png, raw: raw.subarray(0, 6), shape: [3, 2] });
    store.putSample(run.id, 300, { kind: '2d', png: Buffer.from([1]), shape: [0, 2] });
    store.putSample(run.id, 200, { kind: 'image', png: Buffer.from([2]), shape: [1, 28, 28, 1] });
    const got = store.getSample(run.id, 100);
    expect(got?.kind).toBe('2d');
    expect(Array.from(got?.png ?? [])).toEqual([137, 80, 78, 71]);
    expect(got?.raw).toEqual(raw);
    expect(got?.shape).toEqual([3, 2]);
    expect(store.getSample(run.id, 300)?.raw).toBeNull();
    expect(store.getSample(run.id, 301)).toBeUndefined();
    expect(store.sampleSteps(run.id)).toEqual([100, 200, 300]);
    expect(store.nearestSample(run.id, 0)?.step).toBe(100);
    expect(store.nearestSample(run.id, 149)?.step).toBe(100);
    expect(store.nearestSample(run.id, 150)?.step).toBe(100);
    expect(store.nearestSample(run.id, 151)?.step).toBe(200);
    expect(store.nearestSample(run.id, 10_000)?.step).toBe(300);
    expect(store.nearestSample(run.id + 1, 10)).toBeUndefined();
    store.putSample(run.id, 200, { kind: 'image', png: Buffer.from([7]), shape: [1, 28, 28, 1] });
    expect(Array.from(store.getSample(run.id, 200)?.png ?? [])).toEqual([7]);
  });

  it('stores diagnostics by kind and step range', () => {
    const run = store.createRun({ name: 'a', datasetId: 'mixture3', config: config() });
    for (const step of [0, 50, 100, 150])
      store.putDiagnostics(run.id, step, 'critic-grid', { step, v: [step] });
    store.putDiagnostics(run.id, 50, 'grad-norms', [1, 2, 3]);
    store.putDiagnostics(run.id, 50, 'critic-grid', { replaced: true });
    expect(store.diagnostics(run.id, 'critic-grid').map((d) => d.step)).toEqual([0, 50, 100, 150]);
    expect(store.diagnostics(run.id, 'critic-grid', { fromStep: 50, toStep: 100 })).toEqual([
      { step: 50, data: { replaced: true } },
      { step: 100, data: { step: 100, v: [100] } },
    ]);
    expect(store.diagnostics(run.id, 'grad-norms')).toEqual([{ step: 50, data: [1, 2, 3] }]);
    expect(store.diagnostics(run.id, 'other')).toEqual([]);
    expect(storeError(() => store.putDiagnostics(run.id + 5, 1, 'x', 1)).code).toBe('NOT_FOUND');
  });
});

describe('checkpoints', () => {
  it('keeps the newest K, finds the latest and the nearest', () => {
    db.close();
    open({ keepCheckpoints: 3 });
    const run = store.createRun({ name: 'a', datasetId: 'mixture3', config: config() });
    const other = store.createRun({ name: 'b', datasetId: 'mixture3', config: config() });
    store.putCheckpoint(other.id, 100, new Uint8Array([0]));
    expect(store.latestCheckpoint(run.id)).toBeUndefined();
    for (const step of [100, 200, 300, 400, 500])
      store.putCheckpoint(run.id, step, new Uint8Array([step / 100]));
    expect(store.checkpointSteps(run.id)).toEqual([300, 400, 500]);
    expect(store.checkpointSteps(other.id)).toEqual([100]);
    const latest = store.latestCheckpoint(run.id);
    expect(latest?.step).toBe(500);
    expect(Array.from(latest?.bytes ?? [])).toEqual([5]);
    expect(latest?.createdAt).toBeTypeOf('number');
    expect(store.checkpointNearest(run.id, 0)?.step).toBe(300);
    expect(store.checkpointNearest(run.id, 349)?.step).toBe(300);
    expect(store.checkpointNearest(run.id, 351)?.step).toBe(400);
    expect(store.checkpointNearest(run.id, 9999)?.step).toBe(500);
    expect(store.checkpointNearest(run.id, 499, { atOrBefore: true })?.step).toBe(400);
    expect(store.checkpointNearest(run.id, 299, { atOrBefore: true })).toBeUndefined();
    // A checkpoint written after a rewind (resume from an earlier step) is kept, not pruned at once.
    store.putCheckpoint(run.id, 350, new Uint8Array([35]));
    expect(store.checkpointSteps(run.id)).toEqual([350, 400, 500]);
    expect(storeError(() => store.putCheckpoint(999, 1, new Uint8Array([1]))).code).toBe('NOT_FOUND');
  });

  it('stores a large checkpoint byte-exact', () => {
    const run = store.createRun({ name: 'a', datasetId: 'mnist', config: config('gp', 'mnist') });
    const bytes = new Uint8Array(3 * 2 ** 20).map((_, i) => (i * 31) & 255);
    store.putCheckpoint(run.id, 1000, bytes);
    expect(Buffer.compare(Buffer.from(store.latestCheckpoint(run.id)?.bytes ?? []), Buffer.from(bytes))).toBe(
      0,
    );
  });
});

describe('datasets', () => {
  it('inserts built-ins once, refreshes them and keeps their creation time', () => {
    const before = store.getDataset('mnist');
    expect(before).toMatchObject({
      kind: 'builtin',
      count: 60000,
      height: 28,
      channels: 1,
      meta: { classes: 10 },
    });
    expect(before?.sourcePath).toBeNull();
    store.ensureBuiltinDatasets([{ ...DATASETS[2]!, name: 'MNIST digits' }]);
    const after = store.getDataset('mnist');
    expect(after?.name).toBe('MNIST digits');
    expect(after?.createdAt).toBe(before?.createdAt);
    expect(store.listDatasets().map((d) => d.id)).toEqual(['mixture3', '8gaussians', 'mnist']);
    expect(store.getDataset('nope')).toBeUndefined();
    expect(store.getDataset('mixture3')).toMatchObject({ count: null, height: null, meta: {} });
  });
});
