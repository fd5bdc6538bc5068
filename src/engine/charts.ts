/**
 * Figure panels as PNG (for the `figures` command and exports): a line chart with an optional log y axis,
 * a histogram with marker lines, and a critic value surface with contour lines and points. Drawn on the
 * project's bitmap canvas, so pictures are identical on every machine.
 */
import {
  AXIS,
  Canvas,
  drawFrame,
  drawLegend,
  drawTitle,
  encode,
  finiteRange,
  formatTick,
  type Frame,
  GRID,
  LABEL,
  niceStep,
  type Rgb,
  SURFACE_HIGH,
  SURFACE_LOW,
  TEXT,
  WHITE,
} from './canvas';
import type { Bounds } from './data/types';
import { REAL_COLOR, scatterPixel } from './render';

/** Distinct series colours (colour-blind friendly order). */
export const SERIES_COLORS: readonly Rgb[] = [
  [0, 114, 178],
  [213, 94, 0],
  [0, 158, 115],
  [204, 121, 167],
  [230, 159, 0],
  [86, 180, 233],
];

export interface LineSeries {
  readonly label: string;
  readonly values: readonly number[];
  readonly color?: Rgb;
}

export interface LineChartOptions {
  readonly title?: string;
  /** Category labels along x (one per value). */
  readonly xLabels: readonly string[];
  readonly xTitle?: string;
  readonly logY?: boolean;
  readonly width?: number;
  readonly height?: number;
}

/** Values along categories, one polyline per series; non-finite or (log scale) non-positive values skipped. */
export async function renderLineChartPng(
  series: readonly LineSeries[],
  opts: LineChartOptions,
): Promise<Buffer> {
  const W = opts.width ?? 640;
  const H = opts.height ?? 400;
  const s = Math.max(1, Math.round(W / 640));
  const legendW = Math.max(...series.map((l) => l.label.length), 4) * 6 * s + 24 * s;
  const f: Frame = { left: 56 * s, top: 24 * s, right: W - legendW, bottom: H - 30 * s };
  const c = new Canvas(W, H, WHITE);
  const usable = (v: number) => Number.isFinite(v) && (!opts.logY || v > 0);
  const all = series.flatMap((l) => l.values.filter(usable));
  const t = (v: number) => (opts.logY ? Math.log10(v) : v);
  let lo = all.length ? Math.min(...all.map(t)) : 0;
  let hi = all.length ? Math.max(...all.map(t)) : 1;
  if (opts.logY) {
    lo = Math.floor(lo);
    hi = Math.max(Math.ceil(hi), lo + 1);
  } else if (hi === lo) {
    hi = lo + 1;
  }
  const n = opts.xLabels.length;
  const px = (i: number) => f.left + ((i + 0.5) / n) * (f.right - f.left);
  const py = (v: number) => f.bottom - ((t(v) - lo) / (hi - lo)) * (f.bottom - f.top);

  // Horizontal grid: decades on a log axis, nice steps otherwise.
  const ticks: number[] = [];
  if (opts.logY) for (let e = lo; e <= hi; e++) ticks.push(10 ** e);
  else {
    const step = niceStep(hi - lo, 5);
    for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) ticks.push(v);
  }
  for (const v of ticks) {
    const y = Math.round(py(v));
    c.fillRect(f.left, y, f.right - f.left, 1, GRID);
    const label = opts.logY ? `1E${Math.round(Math.log10(v))}` : formatTick(v, niceStep(hi - lo, 5));
    c.text(f.left - c.textWidth(label, s) - 4 * s, y - 3 * s, label, LABEL, s);
  }
  const every = Math.max(1, Math.ceil((n * 6 * 4 * s) / (f.right - f.left)));
  opts.xLabels.forEach((label, i) => {
    if (i % every !== 0 && i !== n - 1) return;
    c.text(Math.round(px(i) - c.textWidth(label, s) / 2), f.bottom + 5 * s, label, LABEL, s);
  });
  if (opts.xTitle) {
    c.text(
      Math.round((f.left + f.right - c.textWidth(opts.xTitle, s)) / 2),
      H - 10 * s,
      opts.xTitle,
      TEXT,
      s,
    );
  }
  series.forEach((line, k) => {
    const color = line.color ?? (SERIES_COLORS[k % SERIES_COLORS.length] as Rgb);
    let prev: [number, number] | undefined;
    line.values.forEach((v, i) => {
      if (!usable(v)) {
        prev = undefined;
        return;
      }
      const p: [number, number] = [px(i), py(v)];
      if (prev) c.line(prev[0], prev[1], p[0], p[1], color, 2 * s);
      c.disc(p[0], p[1], 3 * s, color, 1);
      prev = p;
    });
  });
  drawFrame(c, f);
  drawTitle(c, opts.title, 6 * s, 6 * s, s);
  drawLegend(
    c,
    series.map((l, k) => [l.label, l.color ?? (SERIES_COLORS[k % SERIES_COLORS.length] as Rgb)]),
    f.right + 10 * s,
    f.top,
    s,
  );
  return encode(c.data, W, H, 4);
}

export interface HistogramChartOptions {
  readonly title?: string;
  readonly color?: Rgb;
  /** Vertical marker lines (e.g. the clip bounds +-c, or 1 for gradient norms). */
  readonly markers?: readonly number[];
  /** Bins equally wide on a log axis (edges log-spaced): label decades. */
  readonly logX?: boolean;
  readonly width?: number;
  readonly height?: number;
}

/** Bars over bin edges (counts.length + 1 edges), heights scaled to the largest count. */
export async function renderHistogramPng(
  edges: readonly number[],
  counts: readonly number[],
  opts: HistogramChartOptions = {},
): Promise<Buffer> {
  if (edges.length !== counts.length + 1) throw new Error('a histogram needs one more edge than counts');
  const W = opts.width ?? 480;
  const H = opts.height ?? 300;
  const s = Math.max(1, Math.round(W / 640));
  const f: Frame = { left: 16 * s, top: 24 * s, right: W - 16 * s, bottom: H - 22 * s };
  const c = new Canvas(W, H, WHITE);
  const t = (v: number) => (opts.logX ? Math.log10(v) : v);
  const x0 = t(edges[0] as number);
  const x1 = t(edges[edges.length - 1] as number);
  const px = (v: number) => f.left + ((t(v) - x0) / (x1 - x0)) * (f.right - f.left);
  const max = Math.max(1, ...counts);
  const color = opts.color ?? (SERIES_COLORS[0] as Rgb);
  counts.forEach((count, i) => {
    const a = Math.round(px(edges[i] as number));
    const b = Math.max(a + 1, Math.round(px(edges[i + 1] as number)));
    const h = Math.round((count / max) * (f.bottom - f.top));
    c.fillRect(a, f.bottom - h, b - a - (b - a > 3 ? 1 : 0), h, color, 0.85);
  });
  const ticks: number[] = [];
  if (opts.logX) for (let e = Math.ceil(x0); e <= x1; e++) ticks.push(10 ** e);
  else {
    const step = niceStep(x1 - x0, 6);
    for (let v = Math.ceil(x0 / step) * step; v <= x1 + 1e-9 * step; v += step) ticks.push(v);
  }
  for (const v of ticks) {
    const x = Math.round(px(v));
    c.fillRect(x, f.bottom, 1, 3 * s, AXIS);
    const label = opts.logX ? `1E${Math.round(Math.log10(v))}` : formatTick(v, niceStep(x1 - x0, 6));
    c.text(Math.round(x - c.textWidth(label, s) / 2), f.bottom + 6 * s, label, LABEL, s);
  }
  for (const m of opts.markers ?? []) {
    if (!(t(m) >= x0 && t(m) <= x1)) continue;
    const x = Math.round(px(m));
    for (let y = f.top; y < f.bottom; y += 6 * s) c.fillRect(x, y, s, 3 * s, [200, 30, 30]);
  }
  drawFrame(c, f);
  drawTitle(c, opts.title, 6 * s, 6 * s, s);
  return encode(c.data, W, H, 4);
}

export interface SurfaceChartOptions {
  readonly title?: string;
  readonly size?: number;
  /** Number of contour levels between the surface's min and max (default 12). */
  readonly levels?: number;
}

/**
 * A critic's value surface (res x res values, row 0 at yMax) as a light diverging heatmap with contour
 * lines and the real points on top, in the style of the WGAN-GP paper's Fig. 1a.
 */
export async function renderSurfacePng(
  values: Float32Array,
  res: number,
  bounds: Bounds,
  points: Float32Array,
  opts: SurfaceChartOptions = {},
): Promise<Buffer> {
  if (values.length !== res * res) throw new Error(`expected ${res} x ${res} values, got ${values.length}`);
  const size = opts.size ?? 384;
  const levels = opts.levels ?? 12;
  const [lo, hi] = finiteRange(values);
  const span = hi > lo ? hi - lo : 1;
  // Bilinear value at pixel centres.
  const at = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    const gy = Math.min(res - 1, Math.max(0, ((y + 0.5) / size) * res - 0.5));
    const r0 = Math.floor(gy);
    const r1 = Math.min(res - 1, r0 + 1);
    const fy = gy - r0;
    for (let x = 0; x < size; x++) {
      const gx = Math.min(res - 1, Math.max(0, ((x + 0.5) / size) * res - 0.5));
      const c0 = Math.floor(gx);
      const c1 = Math.min(res - 1, c0 + 1);
      const fx = gx - c0;
      const v = (r: number, c: number) => values[r * res + c] as number;
      at[y * size + x] =
        (1 - fy) * ((1 - fx) * v(r0, c0) + fx * v(r0, c1)) + fy * ((1 - fx) * v(r1, c0) + fx * v(r1, c1));
    }
  }
  const c = new Canvas(size, size, WHITE);
  const level = (v: number) => Math.min(levels - 1, Math.floor(((v - lo) / span) * levels));
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = at[y * size + x] as number;
      if (!Number.isFinite(v)) {
        c.blend(x, y, [0, 0, 0]);
        continue;
      }
      const u = ((v - lo) / span) * 2 - 1;
      c.blend(x, y, u < 0 ? SURFACE_LOW : SURFACE_HIGH, 0.45 * Math.abs(u));
      const l = level(v);
      const right = x + 1 < size ? level(at[y * size + x + 1] as number) : l;
      const down = y + 1 < size ? level(at[(y + 1) * size + x] as number) : l;
      if (l !== right || l !== down) c.blend(x, y, [60, 60, 60], 0.8);
    }
  }
  for (let i = 0; i + 1 < points.length; i += 2) {
    const [x, y] = scatterPixel(points[i] as number, points[i + 1] as number, bounds, size);
    c.disc(x, y, Math.max(1, size / 300), REAL_COLOR, 0.6);
  }
  drawFrame(c, { left: 0, top: 0, right: size - 1, bottom: size - 1 });
  const s = Math.max(1, Math.round(size / 384));
  drawTitle(c, opts.title, 6 * s, 6 * s, s, 3 * s);
  return encode(c.data, size, size, 4);
}
