/** Which final metric value is better, for the compare table. */
import { METRIC_NAMES } from '../../../shared/train-events';

export const BETTER: Readonly<Record<string, 'higher' | 'lower'>> = {
  'quality.modes': 'higher',
  'quality.highQuality': 'higher',
  'quality.classes': 'higher',
  'quality.slicedW1': 'lower',
  'quality.exactW1': 'lower',
  'quality.modeKl': 'lower',
  'quality.fid': 'lower',
  'quality.swd': 'lower',
};

/** Indices of the best values (all of them on a tie); empty when the metric has no direction or < 2 values. */
export function bestIndices(metric: string, values: readonly (number | undefined)[]): number[] {
  const dir = BETTER[metric];
  const finite = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  if (!dir || finite.length < 2) return [];
  const best = dir === 'higher' ? Math.max(...finite) : Math.min(...finite);
  if (finite.every((v) => v === best)) return [];
  return values.flatMap((v, i) => (v === best ? [i] : []));
}

/** Metric names in any of the records, in METRIC_NAMES order, unknown names after (sorted). */
export function metricRows(records: readonly Readonly<Record<string, number>>[]): string[] {
  const names = new Set(records.flatMap((r) => Object.keys(r)));
  const known = METRIC_NAMES.filter((n) => names.has(n));
  const other = [...names].filter((n) => !(METRIC_NAMES as readonly string[]).includes(n)).sort();
  return [...known, ...other];
}

/** Config keys whose values differ between runs (method first). */
export function differingKeys(configs: readonly Readonly<Record<string, unknown>>[]): string[] {
  const keys = new Set(configs.flatMap((c) => Object.keys(c)));
  return [...keys].filter((k) => new Set(configs.map((c) => JSON.stringify(c[k]))).size > 1);
}
