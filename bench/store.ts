/**
 * `npx tsx bench/store.ts [--json]`
 * Run-store numbers on a temporary database file: metric-insert throughput as main batches them (9 metrics
 * x N steps per transaction), and the time to open a database of 10^6 metric rows and read one series
 * downsampled to 1000 points (plus the worst case: one series of 10^6 points). Numbers only; no asserts.
 * The file stays in the OS page cache, so the open/read times are warm-cache times.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/main/store/db';
import { RunStore, type MetricRow } from '../src/main/store/run-store';
import { resolveRunConfig } from '../src/shared/run-config';
import { METRIC_NAMES } from '../src/shared/train-events';

interface InsertResult {
  readonly stepsPerBatch: number;
  readonly metricsPerStep: number;
  readonly points: number;
  readonly pointsPerSecond: number;
}

interface ReadResult {
  readonly rowsInDatabase: number;
  readonly seriesPoints: number;
  readonly returnedPoints: number;
  readonly openMs: number;
  readonly readMs: number;
  readonly totalMs: number;
}

const { values: args } = parseArgs({ options: { json: { type: 'boolean', default: false } } });
const log = (line: string): void => {
  if (!args.json) console.log(line);
};

const dir = mkdtempSync(join(tmpdir(), 'wgan-store-bench-'));
const file = join(dir, 'runs.db');
const config = resolveRunConfig({ dataset: 'mixture3', method: 'gp' });

function batch(firstStep: number, steps: number, names: readonly string[]): MetricRow[] {
  const rows: MetricRow[] = [];
  for (let step = firstStep; step < firstStep + steps; step++) {
    const values: Record<string, number> = {};
    names.forEach((name, k) => (values[name] = Math.sin(step / 1000) + k + Math.random() * 0.01));
    rows.push({ step, seconds: step / 50, values });
  }
  return rows;
}

/** Logs `totalSteps` steps of `names` into a new run, `stepsPerBatch` steps per insertMetrics call. */
function insert(store: RunStore, names: readonly string[], totalSteps: number, stepsPerBatch: number) {
  const runId = store.createRun({ name: `bench ${stepsPerBatch}`, datasetId: 'mixture3', config }).id;
  // Build the rows first so only the store is timed.
  const batches: MetricRow[][] = [];
  for (let step = 0; step < totalSteps; step += stepsPerBatch) {
    batches.push(batch(step, Math.min(stepsPerBatch, totalSteps - step), names));
  }
  const t0 = performance.now();
  for (const rows of batches) store.insertMetrics(runId, rows);
  const seconds = (performance.now() - t0) / 1000;
  const points = totalSteps * names.length;
  const result: InsertResult = {
    stepsPerBatch,
    metricsPerStep: names.length,
    points,
    pointsPerSecond: Math.round(points / seconds),
  };
  log(
    `insert: ${names.length} metrics x ${stepsPerBatch} steps per transaction: ` +
      `${result.pointsPerSecond.toLocaleString('en')} points/s (${points.toLocaleString('en')} points)`,
  );
  return { runId, result };
}

/** Opens the database afresh and reads one series downsampled to 1000 points. */
function openAndRead(runId: number, name: string, seriesPoints: number): ReadResult {
  const t0 = performance.now();
  const db = openDatabase(file);
  const store = new RunStore(db);
  const t1 = performance.now();
  const series = store.readSeries(runId, name, 1000);
  const t2 = performance.now();
  const rowsInDatabase = db.prepare('SELECT count(*) FROM metrics').pluck().get() as number;
  db.close();
  const round = (ms: number): number => Math.round(ms * 10) / 10;
  const result: ReadResult = {
    rowsInDatabase,
    seriesPoints,
    returnedPoints: series.step.length,
    openMs: round(t1 - t0),
    readMs: round(t2 - t1),
    totalMs: round(t2 - t0),
  };
  log(
    `open + read: ${rowsInDatabase.toLocaleString('en')} rows in the database, one series of ` +
      `${seriesPoints.toLocaleString('en')} points -> ${result.returnedPoints} points: open ${result.openMs} ms, ` +
      `read ${result.readMs} ms, total ${result.totalMs} ms`,
  );
  return result;
}

try {
  const db = openDatabase(file);
  const store = new RunStore(db);
  store.ensureBuiltinDatasets([
    { id: 'mixture3', name: 'M', count: null, height: null, width: null, channels: null },
  ]);

  // 10^6 rows: 9 metrics x 111,112 steps, in transactions of 9 x 100 points.
  const main = insert(store, METRIC_NAMES, Math.ceil(1e6 / METRIC_NAMES.length), 100);
  db.close();
  const read = openAndRead(main.runId, 'wasserstein', Math.ceil(1e6 / METRIC_NAMES.length));

  // Smaller transactions (main flushing more often) and the worst case of a single 10^6-point series.
  const db2 = openDatabase(file);
  const store2 = new RunStore(db2);
  const small = [10, 1].map((steps) => insert(store2, METRIC_NAMES, 20_000, steps).result);
  const long = insert(store2, ['wasserstein'], 1_000_000, 1000);
  db2.close();
  const readLong = openAndRead(long.runId, 'wasserstein', 1_000_000);

  const fileMB = Math.round((statSync(file).size / 2 ** 20) * 10) / 10;
  log(`database file: ${fileMB} MB`);
  if (args.json) {
    console.log(
      JSON.stringify(
        { insert: [main.result, ...small, long.result], read, readLongSeries: readLong, fileMB },
        null,
        2,
      ),
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
