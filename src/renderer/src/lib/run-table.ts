/** Filtering and sorting of the run list (pure functions; RunListState holds the choices). */
import type { RunRecord, RunStatus } from '../../../shared/runs';

export const SORT_KEYS = [
  'name',
  'dataset',
  'method',
  'status',
  'step',
  'wasserstein',
  'quality',
  'backend',
  'created',
] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDir = 'asc' | 'desc';

export const COLUMN_TITLES: Record<SortKey, string> = {
  name: 'Name',
  dataset: 'Dataset',
  method: 'Method',
  status: 'Status',
  step: 'Iteration',
  wasserstein: 'W estimate',
  quality: 'Quality',
  backend: 'Backend',
  created: 'Created',
};

function sortValue(run: RunRecord, key: SortKey): string | number | undefined {
  switch (key) {
    case 'name':
      return run.name.toLowerCase();
    case 'dataset':
      return run.datasetId;
    case 'method':
      return run.method;
    case 'status':
      return run.status;
    case 'step':
      return run.step;
    case 'wasserstein':
      return run.lastMetrics['wasserstein'];
    case 'quality':
      return run.lastMetrics['quality.modes'] ?? -(run.lastMetrics['quality.fid'] ?? Infinity);
    case 'backend':
      return run.backend ?? '';
    case 'created':
      return run.createdAt;
  }
}

/** Sort a copy; runs without a value (or NaN) go last in either direction; ties by id. */
export function sortRuns(runs: readonly RunRecord[], key: SortKey, dir: SortDir): RunRecord[] {
  const sign = dir === 'asc' ? 1 : -1;
  const missing = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isNaN(v));
  return [...runs].sort((a, b) => {
    const x = sortValue(a, key);
    const y = sortValue(b, key);
    if (missing(x) || missing(y)) return missing(x) === missing(y) ? a.id - b.id : missing(x) ? 1 : -1;
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return c !== 0 ? sign * c : a.id - b.id;
  });
}

/** Runs whose name, dataset, method, notes or tags contain every word of `text`, of the given status. */
export function filterRuns(runs: readonly RunRecord[], text: string, status: RunStatus | 'all'): RunRecord[] {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  return runs.filter((r) => {
    if (status !== 'all' && r.status !== status) return false;
    const hay = [r.name, r.datasetId, r.method, r.notes, ...r.tags, String(r.id)].join(' ').toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

/** A run with a metrics event applied (step and latest values), as the list shows it live. */
export function withMetrics(
  run: RunRecord,
  step: number,
  values: Readonly<Record<string, number>>,
): RunRecord {
  return {
    ...run,
    step: Math.max(run.step, step),
    lastMetrics: { ...run.lastMetrics, ...values },
  };
}
