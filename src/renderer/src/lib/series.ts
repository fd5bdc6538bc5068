/** Metric series as chart lines: EMA smoothing, mean ± std bands and the run view's chart list. */
import type { SeriesData } from '../../../shared/runs';

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface ChartLine {
  readonly label: string;
  readonly points: readonly Point[];
  readonly color: string;
  readonly dashed?: boolean;
  /** Fill down to the next line (for a band: upper edge, then lower edge). */
  readonly fillToNext?: boolean;
  /** A band edge: no legend entry, no border. */
  readonly band?: boolean;
}

/**
 * Exponential moving average with TensorBoard's debiasing: s_t = w s_{t-1} + (1 - w) v_t, shown as
 * s_t / (1 - w^n) over the n finite values so far. Non-finite values pass through and do not count.
 */
export function ema(values: readonly number[], weight: number): number[] {
  if (!(weight > 0)) return [...values];
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (!Number.isFinite(v)) return v;
    n++;
    last = weight * last + (1 - weight) * v;
    return last / (1 - weight ** n);
  });
}

export function toPoints(steps: readonly number[], values: readonly number[]): Point[] {
  const out: Point[] = [];
  for (let i = 0; i < steps.length; i++) {
    const y = values[i];
    const x = steps[i];
    if (x !== undefined && y !== undefined) out.push({ x, y: Number.isFinite(y) ? y : Number.NaN });
  }
  return out;
}

/** What the charts' x axis shows: the generator iteration or the training seconds (wall time). */
export type XAxis = 'step' | 'seconds';

export const X_TITLES: Record<XAxis, string> = { step: 'iteration', seconds: 'training time (s)' };

/** The x values of a series on that axis (older servers without seconds fall back to steps). */
export function xValues(s: SeriesData, axis: XAxis): readonly number[] {
  return axis === 'seconds' && s.seconds?.length === s.step.length ? s.seconds : s.step;
}

export function seriesPoints(s: SeriesData | undefined, smoothing: number, axis: XAxis = 'step'): Point[] {
  return s ? toPoints(xValues(s, axis), ema(s.value, smoothing)) : [];
}

/** mean ± std as two band lines (upper filled to lower), on the steps both series share. */
export function bandLines(
  mean: SeriesData | undefined,
  std: SeriesData | undefined,
  smoothing: number,
  color: string,
  axis: XAxis = 'step',
): ChartLine[] {
  if (!mean || !std) return [];
  const stdAt = new Map(std.step.map((s, i) => [s, std.value[i] as number]));
  const m = ema(mean.value, smoothing);
  const xs = xValues(mean, axis);
  const upper: Point[] = [];
  const lower: Point[] = [];
  mean.step.forEach((step, i) => {
    const sd = stdAt.get(step);
    const x = xs[i] as number;
    const y = m[i] as number;
    if (sd === undefined || !Number.isFinite(y) || !Number.isFinite(sd)) return;
    upper.push({ x, y: y + sd });
    lower.push({ x, y: y - sd });
  });
  return [
    { label: '+1 std', points: upper, color, fillToNext: true, band: true },
    { label: '−1 std', points: lower, color, band: true },
  ];
}

export const PALETTE = ['#2f6fde', '#e0582d', '#2a9d5c', '#9b4dca', '#c79a00', '#d1497a'];

export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly metrics: readonly string[];
  /** Draw gradNorm.std as a band around gradNorm.mean. */
  readonly band?: { readonly mean: string; readonly std: string };
}

/** The run view's charts, in order; a chart shows when one of its metrics has points. */
export const RUN_CHARTS: readonly ChartSpec[] = [
  {
    id: 'w',
    title: 'Wasserstein estimate E[f(real)] − E[f(fake)]',
    metrics: ['wasserstein', 'heldOut.wasserstein'],
  },
  { id: 'critic', title: 'Critic on real / fake', metrics: ['critic.real', 'critic.fake'] },
  { id: 'penalty', title: 'Critic penalty', metrics: ['critic.penalty'] },
  { id: 'generator', title: 'Generator loss', metrics: ['generator'] },
  {
    id: 'grad',
    title: 'Critic gradient norm (mean ± std)',
    metrics: ['gradNorm.mean', 'interp.gradNorm.mean'],
    band: { mean: 'gradNorm.mean', std: 'gradNorm.std' },
  },
  { id: 'atclip', title: 'Weights at the clip bounds (fraction)', metrics: ['weights.atClip'] },
];

/** One small chart per quality metric (their scales differ). */
export function qualityCharts(names: readonly string[]): ChartSpec[] {
  return names
    .filter((n) => n.startsWith('quality.'))
    .sort()
    .map((n) => ({ id: n, title: QUALITY_TITLES[n] ?? n, metrics: [n] }));
}

export const QUALITY_TITLES: Record<string, string> = {
  'quality.modes': 'Modes covered',
  'quality.highQuality': 'High-quality samples (%)',
  'quality.modeKl': 'KL(mode histogram ‖ uniform)',
  'quality.slicedW1': 'Sliced W1 to the data',
  'quality.exactW1': 'Exact W1 to the data',
  'quality.fid': 'FID (project classifier)',
  'quality.classes': 'Classes covered',
  'quality.swd': 'SWD (x 1e3)',
};

/** Whether a chart has data among the loaded series. */
export function hasData(spec: ChartSpec, series: Readonly<Record<string, SeriesData>>): boolean {
  return spec.metrics.some((m) => (series[m]?.step.length ?? 0) > 0);
}

/** The lines of one chart of a single run: each metric in its colour, the band behind them. */
export function specLines(
  spec: ChartSpec,
  series: Readonly<Record<string, SeriesData>>,
  smoothing: number,
  axis: XAxis = 'step',
): ChartLine[] {
  const lines: ChartLine[] = spec.band
    ? bandLines(series[spec.band.mean], series[spec.band.std], smoothing, PALETTE[0] as string, axis)
    : [];
  spec.metrics.forEach((m, i) => {
    const s = series[m];
    if (s && s.step.length > 0) {
      lines.push({
        label: m,
        points: seriesPoints(s, smoothing, axis),
        color: PALETTE[i % PALETTE.length] as string,
        dashed: m.startsWith('heldOut') || m.startsWith('interp'),
      });
    }
  });
  return lines;
}

/** One metric of several runs, overlaid in the runs' colours. */
export function overlayLines(
  metric: string,
  runs: readonly { readonly label: string; readonly series: Readonly<Record<string, SeriesData>> }[],
  smoothing: number,
  axis: XAxis = 'step',
): ChartLine[] {
  return runs.flatMap((r, i) => {
    const s = r.series[metric];
    return s && s.step.length > 0
      ? [
          {
            label: r.label,
            points: seriesPoints(s, smoothing, axis),
            color: PALETTE[i % PALETTE.length] as string,
          },
        ]
      : [];
  });
}
