/** The distance explorer's data: divergences vs shift, and the discrete EMD example. */
import {
  discreteEmd1d,
  shiftExplorer,
  type DiscreteEmd,
  type ShiftExplorer,
} from '../../../shared/distances';
import type { ChartLine, Point } from './series';
import { PALETTE } from './series';

export const MAX_SHIFT = 40;
export const SHIFTS = Array.from({ length: 2 * MAX_SHIFT + 1 }, (_, i) => i / 2);

export function explore(): ShiftExplorer {
  return shiftExplorer({ shifts: SHIFTS });
}

const pts = (ex: ShiftExplorer, f: (r: ShiftExplorer['rows'][number]) => number): Point[] =>
  ex.rows.map((r) => ({ x: r.shift, y: Number.isFinite(f(r)) ? f(r) : Number.NaN }));

export function jsLines(ex: ShiftExplorer): ChartLine[] {
  return [
    { label: 'JS (continuous)', points: pts(ex, (r) => r.js), color: PALETTE[0] as string },
    {
      label: 'JS (histogram)',
      points: pts(ex, (r) => r.histogram.js),
      color: PALETTE[1] as string,
      dashed: true,
    },
    { label: 'ln 2', points: pts(ex, () => Math.LN2), color: PALETTE[3] as string, dashed: true },
  ];
}

export function w1Lines(ex: ShiftExplorer): ChartLine[] {
  return [
    { label: 'W1 (continuous) = |θ|', points: pts(ex, (r) => r.w1), color: PALETTE[2] as string },
    {
      label: 'W1 (histogram)',
      points: pts(ex, (r) => r.histogram.w1),
      color: PALETTE[1] as string,
      dashed: true,
    },
  ];
}

export function klLines(ex: ShiftExplorer): ChartLine[] {
  return [
    { label: 'KL (continuous) = θ²/2σ²', points: pts(ex, (r) => r.kl), color: PALETTE[4] as string },
    {
      label: 'KL (histogram; gap = +∞)',
      points: pts(ex, (r) => r.histogram.kl),
      color: PALETTE[1] as string,
      dashed: true,
    },
  ];
}

/** The first shift where the histogram KL is infinite, or null. */
export function klInfiniteFrom(ex: ShiftExplorer): number | null {
  return ex.rows.find((r) => r.histogram.kl === Infinity)?.shift ?? null;
}

export type EmdResult =
  { ok: true; emd: DiscreteEmd; a: number[]; b: number[] } | { ok: false; error: string };

export function parseMasses(text: string): number[] {
  return text
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map(Number);
}

export function emdExample(aText: string, bText: string): EmdResult {
  const a = parseMasses(aText);
  const b = parseMasses(bText);
  try {
    return { ok: true, emd: discreteEmd1d(a, b), a, b };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
