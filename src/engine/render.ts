/**
 * PNG pictures of a run: scatter plots of real and generated 2D points, grids of generated images and an
 * optional value surface. Pixels are drawn into raw buffers here (no fonts or canvas needed; text uses a
 * small built-in 5 x 7 bitmap font) and sharp only encodes them, so output is identical on every machine.
 */
import type { Bounds } from './data/types';

import {
  AXIS,
  Canvas,
  drawFrame,
  drawLegend,
  drawTitle,
  encode,
  finiteRange,
  formatTick,
  GRID,
  LABEL,
  type LegendEntry,
  legendWidth,
  niceStep,
  type Rgb,
  SURFACE_HIGH,
  SURFACE_LOW,
} from './canvas';

/** Real points: dark blue, semi-transparent. */
export const REAL_COLOR: Rgb = [31, 64, 160];
/** Generated points: orange. */
export const FAKE_COLOR: Rgb = [255, 127, 14];
const REAL_ALPHA = 0.45;
const FAKE_ALPHA = 0.75;

function checkBounds(b: Bounds): void {
  if (!(b.xMax > b.xMin) || !(b.yMax > b.yMin)) {
    throw new Error(`bounds must have xMax > xMin and yMax > yMin, got ${JSON.stringify(b)}`);
  }
}

export interface ScatterOptions {
  /** Side of the square picture in pixels (default 512). */
  readonly size?: number;
  /** Drawn at the top left. */
  readonly title?: string;
}

/** Where a data point lands on a scatter plot of this size: continuous pixel coordinates (y points down). */
export function scatterPixel(x: number, y: number, bounds: Bounds, size: number): [number, number] {
  return [
    ((x - bounds.xMin) / (bounds.xMax - bounds.xMin)) * size,
    ((bounds.yMax - y) / (bounds.yMax - bounds.yMin)) * size,
  ];
}

/**
 * A square scatter plot of real (dark blue) and generated (orange, drawn on top) points, both row-major
 * n x 2, over a light grid with the axes through 0, tick labels, a legend and an optional title. Points
 * outside `bounds` or with non-finite coordinates are not drawn.
 */
export async function renderScatterPng(
  real: Float32Array,
  fake: Float32Array,
  bounds: Bounds,
  opts: ScatterOptions = {},
): Promise<Buffer> {
  checkBounds(bounds);
  const size = Math.round(opts.size ?? 512);
  if (!(size >= 16 && size <= 8192)) throw new Error(`size must be 16..8192 pixels, got ${opts.size}`);
  const canvas = new Canvas(size, size);
  const textScale = Math.max(1, Math.round(size / 384));
  const toPx = (x: number, y: number): [number, number] => scatterPixel(x, y, bounds, size);

  // Grid lines at a shared nice step, axes through 0, tick labels along the bottom and left edges.
  const step = niceStep(Math.max(bounds.xMax - bounds.xMin, bounds.yMax - bounds.yMin), 8);
  const xTicks: number[] = [];
  const yTicks: number[] = [];
  for (let v = Math.ceil(bounds.xMin / step) * step; v <= bounds.xMax + 1e-9 * step; v += step)
    xTicks.push(v);
  for (let v = Math.ceil(bounds.yMin / step) * step; v <= bounds.yMax + 1e-9 * step; v += step)
    yTicks.push(v);
  for (const v of xTicks) {
    const px = Math.floor(toPx(v, 0)[0]);
    const color = Math.abs(v) < step * 1e-6 ? AXIS : GRID;
    canvas.fillRect(px, 0, 1, size, color);
  }
  for (const v of yTicks) {
    const py = Math.floor(toPx(0, v)[1]);
    const color = Math.abs(v) < step * 1e-6 ? AXIS : GRID;
    canvas.fillRect(0, py, size, 1, color);
  }
  const labelH = 7 * textScale;
  for (const v of xTicks) {
    const label = formatTick(v, step);
    const px = Math.floor(toPx(v, 0)[0]) + 2 * textScale;
    if (px + canvas.textWidth(label, textScale) < size - 2) {
      canvas.text(px, size - labelH - 2 * textScale, label, LABEL, textScale);
    }
  }
  for (const v of yTicks) {
    const label = formatTick(v, step);
    const py = Math.floor(toPx(0, v)[1]) - labelH - textScale;
    if (py > labelH + 6 * textScale && py < size - 2 * labelH - 4 * textScale) {
      canvas.text(2 * textScale, py, label, LABEL, textScale);
    }
  }

  const radius = Math.max(1, size / 340); // 1.5 px at 512: dots about 3 px across
  const drawPoints = (points: Float32Array, color: Rgb, alpha: number): void => {
    const n = Math.floor(points.length / 2);
    for (let i = 0; i < n; i++) {
      const x = points[2 * i] as number;
      const y = points[2 * i + 1] as number;
      if (!(x >= bounds.xMin && x <= bounds.xMax && y >= bounds.yMin && y <= bounds.yMax)) continue;
      const [px, py] = toPx(x, y);
      canvas.disc(px, py, radius, color, alpha);
    }
  };
  drawPoints(real, REAL_COLOR, REAL_ALPHA);
  drawPoints(fake, FAKE_COLOR, FAKE_ALPHA);

  // Frame, title and legend on top.
  drawFrame(canvas, { left: 0, top: 0, right: size - 1, bottom: size - 1 });
  const pad = 4 * textScale;
  drawTitle(canvas, opts.title, pad, pad, textScale, textScale);
  const legend: LegendEntry[] = [
    ['real', REAL_COLOR],
    ['fake', FAKE_COLOR],
  ];
  const legendX = size - pad - legendWidth(canvas, legend, textScale);
  drawLegend(canvas, legend, legendX, pad, textScale, { rowHeight: 10, backdrop: true });

  return encode(canvas.data, size, size, 4);
}

export interface GridOptions {
  /** Images per row (default ceil(sqrt(n))). */
  readonly cols?: number;
  /** Pixels between images and around the grid (default 2). */
  readonly pad?: number;
  /** Integer nearest-neighbour upscaling of each image (default 1). */
  readonly scale?: number;
}

/** Grey level of the padding between images. */
const GRID_PAD_LEVEL = 128;

/**
 * A grid of n images (NHWC, values in [-1, 1]; clipped, then mapped linearly to 0..255, NaN to 0), laid out
 * row by row. Grey-scale images give a grey-scale PNG, RGB images an RGB one.
 */
export async function renderGridPng(
  images: Float32Array,
  n: number,
  height: number,
  width: number,
  channels: 1 | 3,
  opts: GridOptions = {},
): Promise<Buffer> {
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`need at least one image, got n = ${n}`);
  if (!(Number.isInteger(height) && height >= 1 && Number.isInteger(width) && width >= 1)) {
    throw new Error(`bad image size ${height}x${width}`);
  }
  const per = height * width * channels;
  if (images.length !== n * per) {
    throw new Error(
      `expected ${n} x ${height} x ${width} x ${channels} = ${n * per} values, got ${images.length}`,
    );
  }
  const cols = Math.max(1, Math.min(n, Math.round(opts.cols ?? Math.ceil(Math.sqrt(n)))));
  const rows = Math.ceil(n / cols);
  const pad = Math.max(0, Math.round(opts.pad ?? 2));
  const scale = Math.max(1, Math.round(opts.scale ?? 1));
  const cellW = width * scale;
  const cellH = height * scale;
  const outW = cols * cellW + (cols + 1) * pad;
  const outH = rows * cellH + (rows + 1) * pad;
  const out = new Uint8Array(outW * outH * channels).fill(GRID_PAD_LEVEL);
  for (let i = 0; i < n; i++) {
    const x0 = pad + (i % cols) * (cellW + pad);
    const y0 = pad + Math.floor(i / cols) * (cellH + pad);
    for (let y = 0; y < cellH; y++) {
      const srcRow = i * per + Math.floor(y / scale) * width * channels;
      const dstRow = ((y0 + y) * outW + x0) * channels;
      for (let x = 0; x < cellW; x++) {
        const src = srcRow + Math.floor(x / scale) * channels;
        for (let c = 0; c < channels; c++) {
          const v = images[src + c] as number;
          out[dstRow + x * channels + c] = Number.isNaN(v)
            ? 0
            : Math.round((Math.min(1, Math.max(-1, v)) + 1) * 127.5);
        }
      }
    }
  }
  return encode(out, outW, outH, channels);
}

export interface HeatmapOptions {
  /** Integer nearest-neighbour upscaling (default 1). */
  readonly scale?: number;
  /** Values mapped to the ends of the colour scale (default: the finite min and max). */
  readonly lo?: number;
  readonly hi?: number;
}

/**
 * A value surface (e.g. the critic over the plot bounds): `values` is h rows of w, row 0 drawn at the top.
 * Diverging colours: blue at `lo`, white halfway, red at `hi`; non-finite values are drawn black.
 */
export async function renderHeatmapPng(
  values: Float32Array,
  w: number,
  h: number,
  opts: HeatmapOptions = {},
): Promise<Buffer> {
  if (!(Number.isInteger(w) && w >= 1 && Number.isInteger(h) && h >= 1) || values.length !== w * h) {
    throw new Error(`expected ${w} x ${h} values, got ${values.length}`);
  }
  const [min, max] = finiteRange(values);
  const lo = opts.lo ?? min;
  const hi = opts.hi ?? max;
  const span = Number.isFinite(hi - lo) && hi > lo ? hi - lo : 1;
  const scale = Math.max(1, Math.round(opts.scale ?? 1));
  const outW = w * scale;
  const outH = h * scale;
  const out = new Uint8Array(outW * outH * 3);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const v = values[Math.floor(y / scale) * w + Math.floor(x / scale)] as number;
      const o = 3 * (y * outW + x);
      if (!Number.isFinite(v)) continue; // stays black
      const t = Math.min(1, Math.max(0, (v - lo) / span)) * 2 - 1; // -1 .. 1
      const end = t < 0 ? SURFACE_LOW : SURFACE_HIGH;
      const a = Math.abs(t);
      for (let c = 0; c < 3; c++) out[o + c] = Math.round(255 + a * ((end[c] as number) - 255));
    }
  }
  return encode(out, outW, outH, 3);
}
