/**
 * Canvas drawing for the diagnostics: the critic value surface (a heatmap with real / fake points and the
 * gradient field) and histograms on fixed bins (log or linear x, vertical markers such as ||grad|| = 1 or
 * ±c). Plain 2D-context code; callers skip it when a canvas has no context (tests in jsdom).
 */
import type { HistogramData, SurfaceDiagnostic } from '../../../shared/diagnostics';
import { decodeFloat32 } from '../../../shared/diagnostics';
import { fmt } from './format';

export interface Theme {
  readonly text: string;
  readonly grid: string;
  readonly accent: string;
  readonly marker: string;
}

export function readTheme(el: Element): Theme {
  const css = getComputedStyle(el);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    text: v('--muted', '#666'),
    grid: v('--grid', '#ccc'),
    accent: v('--accent', '#2f6fde'),
    marker: v('--danger', '#d33'),
  };
}

/** Viridis-like colour map: t in [0, 1] -> [r, g, b]. */
const STOPS: readonly (readonly [number, number, number])[] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

export function colormap(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const a = STOPS[i] as readonly [number, number, number];
  const b = STOPS[i + 1] as readonly [number, number, number];
  return [0, 1, 2].map((k) => Math.round((a[k] as number) + f * ((b[k] as number) - (a[k] as number)))) as [
    number,
    number,
    number,
  ];
}

export interface DecodedSurface {
  readonly surface: SurfaceDiagnostic;
  readonly values: Float32Array;
  readonly real: Float32Array;
  readonly fake: Float32Array;
  readonly field: Float32Array;
}

export function decodeSurface(s: SurfaceDiagnostic): DecodedSurface {
  return {
    surface: s,
    values: decodeFloat32(s.values),
    real: decodeFloat32(s.real),
    fake: decodeFloat32(s.fake),
    field: decodeFloat32(s.field),
  };
}

/** RGBA pixels of the heatmap (res x res, row 0 at yMax). */
export function surfacePixels(d: DecodedSurface): Uint8ClampedArray<ArrayBuffer> {
  const { res, min, max } = d.surface;
  const span = max - min || 1;
  const px = new Uint8ClampedArray(res * res * 4);
  for (let i = 0; i < res * res; i++) {
    const [r, g, b] = colormap(((d.values[i] ?? min) - min) / span);
    px.set([r, g, b, 255], 4 * i);
  }
  return px;
}

export interface SurfaceOptions {
  readonly points: boolean;
  readonly field: boolean;
}

export function drawSurface(
  ctx: CanvasRenderingContext2D,
  w: number,
  h: number,
  d: DecodedSurface,
  opts: SurfaceOptions,
): void {
  const { res, bounds } = d.surface;
  const tile = document.createElement('canvas');
  tile.width = res;
  tile.height = res;
  const tctx = tile.getContext('2d');
  ctx.clearRect(0, 0, w, h);
  if (tctx) {
    tctx.putImageData(new ImageData(surfacePixels(d), res, res), 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(tile, 0, 0, w, h);
  }
  const X = (x: number) => ((x - bounds.xMin) / (bounds.xMax - bounds.xMin)) * w;
  const Y = (y: number) => ((bounds.yMax - y) / (bounds.yMax - bounds.yMin)) * h;
  if (opts.points) {
    dots(ctx, d.real, X, Y, 'rgba(255,255,255,0.85)', '#000');
    dots(ctx, d.fake, X, Y, 'rgba(255,120,40,0.9)', '#000');
  }
  if (opts.field) arrows(ctx, d.fake, d.field, X, Y, Math.min(w, h) / 12);
}

function dots(
  ctx: CanvasRenderingContext2D,
  pts: Float32Array,
  X: (x: number) => number,
  Y: (y: number) => number,
  fill: string,
  stroke: string,
): void {
  ctx.fillStyle = fill;
  ctx.strokeStyle = stroke;
  ctx.lineWidth = 0.5;
  for (let i = 0; i + 1 < pts.length; i += 2) {
    ctx.beginPath();
    ctx.arc(X(pts[i] as number), Y(pts[i + 1] as number), 2.2, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
  }
}

/** grad_x f at the fake points, scaled so the longest arrow is `maxLen` pixels (at most 300 drawn). */
function arrows(
  ctx: CanvasRenderingContext2D,
  pts: Float32Array,
  grad: Float32Array,
  X: (x: number) => number,
  Y: (y: number) => number,
  maxLen: number,
): void {
  const n = Math.min(pts.length, grad.length) >> 1;
  let longest = 0;
  for (let i = 0; i < n; i++) longest = Math.max(longest, Math.hypot(grad[2 * i] ?? 0, grad[2 * i + 1] ?? 0));
  if (!(longest > 0)) return;
  const every = Math.max(1, Math.ceil(n / 300));
  ctx.strokeStyle = 'rgba(255,255,255,0.9)';
  ctx.lineWidth = 1;
  for (let i = 0; i < n; i += every) {
    const gx = (grad[2 * i] ?? 0) / longest;
    const gy = (grad[2 * i + 1] ?? 0) / longest;
    const x0 = X(pts[2 * i] as number);
    const y0 = Y(pts[2 * i + 1] as number);
    const x1 = x0 + gx * maxLen;
    const y1 = y0 - gy * maxLen; // canvas y grows downwards
    const a = Math.atan2(y1 - y0, x1 - x0);
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
    ctx.lineTo(x1 - 4 * Math.cos(a - 0.5), y1 - 4 * Math.sin(a - 0.5));
    ctx.moveTo(x1, y1);
    ctx.lineTo(x1 - 4 * Math.cos(a + 0.5), y1 - 4 * Math.sin(a + 0.5));
    ctx.stroke();
  }
}

export interface Marker {
  readonly x: number;
  readonly label: string;
}

export interface HistogramOptions {
  readonly logX: boolean;
  readonly markers?: readonly Marker[];
  readonly title?: string;
}

/** Whether bins are better drawn on a log x axis (all edges positive and spanning over a decade). */
export function isLogBins(edges: readonly number[]): boolean {
  const first = edges[0];
  const last = edges.at(-1);
  return first !== undefined && last !== undefined && first > 0 && last / first > 10;
}

export function drawHistogram(
  ctx: CanvasRenderingContext2D,
  w: number,
  h: number,
  hist: HistogramData,
  opts: HistogramOptions,
  theme: Theme,
): void {
  const pad = { l: 34, r: 8, t: 8, b: 28 };
  const edges = hist.edges;
  const lo = edges[0] ?? 0;
  const hi = edges.at(-1) ?? 1;
  const tx = opts.logX ? (v: number) => Math.log10(v) : (v: number) => v;
  const x0 = tx(lo);
  const span = tx(hi) - x0 || 1;
  const X = (v: number) => pad.l + ((tx(v) - x0) / span) * (w - pad.l - pad.r);
  const peak = Math.max(1, ...hist.counts);
  const Y = (c: number) => h - pad.b - (c / peak) * (h - pad.t - pad.b);
  ctx.clearRect(0, 0, w, h);
  ctx.font = '10px system-ui, sans-serif';
  ctx.fillStyle = theme.accent;
  hist.counts.forEach((c, i) => {
    const a = X(edges[i] as number);
    const b = X(edges[i + 1] as number);
    ctx.fillRect(a, Y(c), Math.max(1, b - a - 0.5), h - pad.b - Y(c));
  });
  // Axes and ticks.
  ctx.strokeStyle = theme.grid;
  ctx.fillStyle = theme.text;
  ctx.beginPath();
  ctx.moveTo(pad.l, h - pad.b);
  ctx.lineTo(w - pad.r, h - pad.b);
  ctx.moveTo(pad.l, pad.t);
  ctx.lineTo(pad.l, h - pad.b);
  ctx.stroke();
  ctx.textAlign = 'center';
  for (const t of ticks(lo, hi, opts.logX)) ctx.fillText(fmt(t, 2), X(t), h - pad.b + 12);
  ctx.textAlign = 'right';
  ctx.fillText(String(peak), pad.l - 3, pad.t + 8);
  ctx.fillText('0', pad.l - 3, h - pad.b);
  ctx.textAlign = 'left';
  if (hist.under > 0) ctx.fillText(`◂${hist.under}`, pad.l + 2, pad.t + 8);
  ctx.textAlign = 'right';
  if (hist.over > 0) ctx.fillText(`${hist.over}▸`, w - pad.r, pad.t + 8);
  // Markers.
  ctx.strokeStyle = theme.marker;
  ctx.fillStyle = theme.marker;
  ctx.setLineDash([4, 3]);
  ctx.textAlign = 'center';
  for (const m of opts.markers ?? []) {
    if (m.x < lo || m.x > hi) continue;
    ctx.beginPath();
    ctx.moveTo(X(m.x), pad.t);
    ctx.lineTo(X(m.x), h - pad.b);
    ctx.stroke();
    ctx.fillText(m.label, X(m.x), h - 4);
  }
  ctx.setLineDash([]);
}

/** A few tick positions: decades on a log axis, five even steps on a linear one. */
export function ticks(lo: number, hi: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let k = Math.ceil(Math.log10(lo)); k <= Math.floor(Math.log10(hi)); k++) out.push(10 ** k);
    return out.length > 0 ? out : [lo, hi];
  }
  return Array.from({ length: 5 }, (_, i) => lo + ((hi - lo) * i) / 4);
}
