/**
 * Exporting what a run produced: sample grids and single samples as PNG, a sequence of PNG frames as an
 * animated GIF, and metrics as CSV or JSON. Pure functions over data (no run store, no Electron); every file
 * is written atomically (see ./atomic), and errors say what was wrong and, for files, which path.
 */
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as Gifenc from 'gifenc';
import sharp, { type OutputInfo } from 'sharp';
import { type GridOptions, renderGridPng } from '../../engine/render';
import { describeFsError, writeFileAtomic } from './atomic';

// gifenc is CommonJS and Node's ESM loader cannot see its named exports, so load it with require.
const gifenc = createRequire(import.meta.url)('gifenc') as typeof Gifenc;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;

function isPng(data: Uint8Array): boolean {
  return data.length > PNG_SIGNATURE.length && PNG_SIGNATURE.every((b, i) => data[i] === b);
}

function checkImages(
  images: Float32Array,
  count: number,
  height: number,
  width: number,
  channels: number,
): void {
  if (!(Number.isInteger(count) && count >= 1))
    throw new Error(`need at least one image, got count = ${count}`);
  if (!(Number.isInteger(height) && height >= 1 && Number.isInteger(width) && width >= 1)) {
    throw new Error(`bad image size ${height}x${width} (height x width, positive integers)`);
  }
  if (channels !== 1 && channels !== 3) throw new Error(`channels must be 1 or 3, got ${channels}`);
  const expected = count * height * width * channels;
  if (images.length !== expected) {
    throw new Error(
      `expected ${count} x ${height} x ${width} x ${channels} = ${expected} values, got ${images.length}`,
    );
  }
}

/** A value in [-1, 1] as a byte, exactly as renderGridPng maps it: clipped, linear, NaN to 0. */
function toByte(v: number): number {
  return Number.isNaN(v) ? 0 : Math.round((Math.min(1, Math.max(-1, v)) + 1) * 127.5);
}

// ---------------------------------------------------------------------------------------------------------
// PNG

/** A sample grid PNG (NHWC images in [-1, 1]) as renderGridPng draws it. */
export async function gridFromImages(
  images: Float32Array,
  count: number,
  height: number,
  width: number,
  channels: 1 | 3,
  opts: GridOptions = {},
): Promise<Buffer> {
  checkImages(images, count, height, width, channels);
  return renderGridPng(images, count, height, width, channels, opts);
}

/** Writes an already-encoded PNG (e.g. the stored sample grid) to `outPath`. */
export async function exportGridPng(png: Uint8Array, outPath: string): Promise<void> {
  if (!isPng(png)) throw new Error(`cannot write ${outPath}: the data is not a PNG image`);
  await writeFileAtomic(outPath, png);
}

export interface SinglePngOptions {
  /** File names are `<prefix>-0001.png`, ... (default 'sample'); no path separators. */
  readonly prefix?: string;
  /** Integer nearest-neighbour upscaling, 1..64 (default 1). */
  readonly scale?: number;
}

const MAX_SCALE = 64;

/**
 * Writes each of `count` images (NHWC in [-1, 1]) as its own PNG in `outDir` (created if missing), named
 * `<prefix>-0001.png` ... (more digits past 9999), replacing files of the same name. Grey-scale images give
 * 1-channel PNGs, RGB images 3-channel ones. Returns the paths in image order.
 */
export async function exportSinglePngs(
  images: Float32Array,
  count: number,
  height: number,
  width: number,
  channels: 1 | 3,
  outDir: string,
  opts: SinglePngOptions = {},
): Promise<string[]> {
  checkImages(images, count, height, width, channels);
  const prefix = opts.prefix ?? 'sample';
  if (prefix.length === 0 || /[/\\:*?"<>|\0]/.test(prefix)) {
    throw new Error(`bad file name prefix ${JSON.stringify(prefix)} (non-empty, no / \\ : * ? " < > |)`);
  }
  const scale = opts.scale ?? 1;
  if (!(Number.isInteger(scale) && scale >= 1 && scale <= MAX_SCALE)) {
    throw new Error(`scale must be an integer 1..${MAX_SCALE}, got ${scale}`);
  }
  try {
    await mkdir(outDir, { recursive: true });
  } catch (err) {
    throw new Error(`cannot create folder ${outDir}: ${describeFsError(err)}`, { cause: err });
  }

  const per = height * width * channels;
  const outW = width * scale;
  const outH = height * scale;
  const digits = Math.max(4, String(count).length);
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const out = new Uint8Array(outW * outH * channels);
    for (let y = 0; y < outH; y++) {
      const srcRow = i * per + Math.floor(y / scale) * width * channels;
      const dstRow = y * outW * channels;
      for (let x = 0; x < outW; x++) {
        const src = srcRow + Math.floor(x / scale) * channels;
        for (let c = 0; c < channels; c++) {
          out[dstRow + x * channels + c] = toByte(images[src + c] as number);
        }
      }
    }
    // Without an explicit colour space sharp writes 1-channel raw data as an RGB PNG.
    const png = await sharp(out, { raw: { width: outW, height: outH, channels } })
      .toColourspace(channels === 1 ? 'b-w' : 'srgb')
      .png()
      .toBuffer();
    const path = join(outDir, `${prefix}-${String(i + 1).padStart(digits, '0')}.png`);
    await writeFileAtomic(path, png);
    paths.push(path);
  }
  return paths;
}

// ---------------------------------------------------------------------------------------------------------
// GIF

export interface GifOptions {
  /** Time each frame is shown, in milliseconds (default 250; stored in hundredths, kept in 20..655350). */
  readonly delayMs?: number;
  /** Loop forever (default true); false plays the animation once. */
  readonly loop?: boolean;
}

const DEFAULT_DELAY_MS = 250;
/** Browsers show shorter GIF delays as 100 ms, so 20 ms is the shortest that means what it says. */
const MIN_DELAY_MS = 20;
const MAX_DELAY_MS = 655_350;
const MAX_GIF_SIDE = 65_535;
/** Pixels (over all frames together) the palette is computed from; larger inputs are sampled evenly. */
const PALETTE_SAMPLE_PIXELS = 1 << 21;

interface RgbaFrame {
  /** Owns its buffer from offset 0 (gifenc reads `.buffer` as a whole). */
  readonly rgba: Uint8Array;
  readonly width: number;
  readonly height: number;
}

function unreadableFrame(index: number, err: unknown): Error {
  const reason = err instanceof Error ? err.message : String(err);
  return new Error(`frame ${index} is not a readable image: ${reason}`, { cause: err });
}

/** Decodes a PNG (any colour type; transparency flattened onto white) to opaque RGBA. */
async function decodeRgba(png: Uint8Array, index: number): Promise<RgbaFrame> {
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await sharp(png)
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw unreadableFrame(index, err);
  }
  const { width, height, channels } = raw.info;
  if (channels !== 3) throw new Error(`frame ${index}: expected 3 colour channels, got ${channels}`);
  const n = width * height;
  const rgba = new Uint8Array(n * 4);
  for (let p = 0; p < n; p++) {
    rgba[4 * p] = raw.data[3 * p] as number;
    rgba[4 * p + 1] = raw.data[3 * p + 1] as number;
    rgba[4 * p + 2] = raw.data[3 * p + 2] as number;
    rgba[4 * p + 3] = 255;
  }
  return { rgba, width, height };
}

/**
 * Writes PNG frames of equal size (e.g. the sample grid at successive steps) as an animated GIF. One palette
 * of up to 256 colours is computed over all frames (so unchanged regions keep their colour from frame to
 * frame); grey-scale frames with at most 256 levels come out nearly exact. Frames are decoded twice (once
 * for the palette, once to encode) so memory stays at about one frame plus the palette sample.
 */
export async function exportGif(
  frames: readonly Uint8Array[],
  outPath: string,
  opts: GifOptions = {},
): Promise<void> {
  if (frames.length === 0) throw new Error(`cannot write ${outPath}: no frames to put in the GIF`);
  const delayRaw = opts.delayMs ?? DEFAULT_DELAY_MS;
  if (!(Number.isFinite(delayRaw) && delayRaw >= 0)) {
    throw new Error(`delayMs must be a non-negative number, got ${delayRaw}`);
  }
  const delay = Math.min(MAX_DELAY_MS, Math.max(MIN_DELAY_MS, delayRaw));
  const repeat = (opts.loop ?? true) ? 0 : -1;

  // Pass 1: sizes must agree; gather an even sample of pixels for the palette.
  const sizes: { width: number; height: number }[] = [];
  for (let i = 0; i < frames.length; i++) {
    const meta = await sharp(frames[i])
      .metadata()
      .catch((err: unknown) => {
        throw unreadableFrame(i, err);
      });
    sizes.push({ width: meta.width, height: meta.height });
  }
  const first = sizes[0] as { width: number; height: number };
  const { width, height } = first;
  sizes.forEach((s, i) => {
    if (s.width !== width || s.height !== height) {
      throw new Error(
        `frames must all be the same size: frame ${i} is ${s.width}x${s.height}, frame 0 is ${width}x${height}`,
      );
    }
  });
  if (width > MAX_GIF_SIDE || height > MAX_GIF_SIDE) {
    throw new Error(`frames of ${width}x${height} are too large for a GIF (at most ${MAX_GIF_SIDE} a side)`);
  }
  const pixels = width * height;
  const stride = Math.max(1, Math.ceil((pixels * frames.length) / PALETTE_SAMPLE_PIXELS));
  const perFrame = Math.ceil(pixels / stride);
  const sample = new Uint8Array(perFrame * frames.length * 4);
  let filled = 0;
  for (let i = 0; i < frames.length; i++) {
    const { rgba } = await decodeRgba(frames[i] as Uint8Array, i);
    for (let p = 0; p < pixels; p += stride) {
      sample.set(rgba.subarray(4 * p, 4 * p + 4), 4 * filled);
      filled++;
    }
  }
  const palette = gifenc.quantize(sample, 256);

  // Pass 2: map each frame to the palette and encode it.
  const encoder = gifenc.GIFEncoder();
  for (let i = 0; i < frames.length; i++) {
    const { rgba } = await decodeRgba(frames[i] as Uint8Array, i);
    const index = gifenc.applyPalette(rgba, palette);
    encoder.writeFrame(index, width, height, i === 0 ? { palette, delay, repeat } : { delay });
  }
  encoder.finish();
  await writeFileAtomic(outPath, encoder.bytes());
}

// ---------------------------------------------------------------------------------------------------------
// Metrics

export interface MetricsRow {
  readonly step: number;
  /** Training seconds since the run began. */
  readonly seconds?: number;
  /** Metric values by name; an absent (or undefined) value is a missing value. */
  readonly values: Readonly<Record<string, number | undefined>>;
}

export type MetricsFormat = 'csv' | 'json';

const RESERVED_COLUMNS = new Set(['step', 'seconds']);

/** Metric names with a value in at least one row, sorted (code-unit order, independent of locale). */
function metricNames(rows: readonly MetricsRow[]): string[] {
  const names = new Set<string>();
  rows.forEach((row, i) => {
    if (!Number.isFinite(row.step))
      throw new Error(`metrics row ${i}: step must be a finite number, got ${row.step}`);
    for (const [name, value] of Object.entries(row.values)) {
      if (value === undefined) continue;
      if (name.length === 0) throw new Error(`metrics row ${i}: a metric name is empty`);
      if (RESERVED_COLUMNS.has(name)) {
        throw new Error(`metrics row ${i}: a metric may not be called '${name}' (it is a column of its own)`);
      }
      names.add(name);
    }
  });
  return [...names].sort();
}

/** A CSV field, quoted per RFC 4180 when it holds a comma, quote or line break (or edge whitespace). */
function csvField(text: string): string {
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Shortest text that parses back to the same double; NaN and infinities as NaN, Infinity, -Infinity. */
function csvNumber(v: number | undefined): string {
  return v === undefined ? '' : String(v);
}

/**
 * Metrics as CSV: header `step,seconds,<metric names sorted>` (the union over rows), one line per row in
 * the given order, an empty cell for a missing value, numbers at full precision (round-trip), LF line ends
 * with a final newline.
 */
export function metricsCsv(rows: readonly MetricsRow[]): string {
  const names = metricNames(rows);
  const lines = [['step', 'seconds', ...names].map(csvField).join(',')];
  for (const row of rows) {
    lines.push([row.step, row.seconds, ...names.map((n) => row.values[n])].map(csvNumber).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Metrics as JSON: an array with one object per row, `{ "step", "seconds"?, "values": { name: number } }`,
 * one row per line. Missing values are left out; NaN and infinities (which JSON cannot hold) become null.
 */
export function metricsJson(rows: readonly MetricsRow[]): string {
  metricNames(rows); // the same checks as for CSV
  const lines = rows.map((row) => {
    const values: Record<string, number | null> = {};
    for (const name of Object.keys(row.values).sort()) {
      const v = row.values[name];
      if (v !== undefined) values[name] = Number.isFinite(v) ? v : null;
    }
    // Insertion order is the key order in the output: step, seconds, values.
    const out: Record<string, unknown> = { step: row.step };
    if (row.seconds !== undefined) out.seconds = Number.isFinite(row.seconds) ? row.seconds : null;
    out.values = values;
    return JSON.stringify(out);
  });
  return lines.length === 0 ? '[]\n' : `[\n${lines.join(',\n')}\n]\n`;
}

/** Writes metrics to `outPath` as CSV or JSON (see metricsCsv, metricsJson). */
export async function exportMetrics(
  rows: readonly MetricsRow[],
  outPath: string,
  format: MetricsFormat,
): Promise<void> {
  let text: string;
  if (format === 'csv') text = metricsCsv(rows);
  else if (format === 'json') text = metricsJson(rows);
  else throw new Error(`unknown metrics format ${JSON.stringify(format)} (csv or json)`);
  await writeFileAtomic(outPath, text);
}
