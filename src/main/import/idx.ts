/**
 * IDX files, the format of MNIST and Fashion-MNIST (optionally gzipped; recognised by the gzip magic bytes
 * 1f 8b, not by the name):
 *
 *   bytes 0-1   zero
 *   byte  2     type code: 0x08 unsigned byte, 0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32,
 *               0x0E float64
 *   byte  3     number of dimensions d
 *   then        d sizes, unsigned 32-bit big-endian
 *   then        the data, row-major, big-endian
 *
 * So images are magic 0x00000803 ([count, rows, cols] unsigned bytes) and labels 0x00000801 ([count]).
 * A file is refused with the reason when its header and its length disagree, when the image and label
 * counts differ, or when its type code is not unsigned bytes. Images are brought to the import's size (and
 * fit mode) here with a small linear resampler; at their own size (28 for MNIST) they are copied exactly.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { describeFsError } from '../export/atomic';
import { tensorHash } from './cache';
import { lumaOf, padPlacement } from './decode';
import { channelStats, type ImportProgress, renderMosaic } from './import';
import { canonicalOptions, channelCount, type ImportOptions } from './options';

const gunzipAsync = promisify(gunzip);

const TYPES: Record<number, { name: string; bytes: number }> = {
  0x08: { name: 'unsigned byte', bytes: 1 },
  0x09: { name: 'signed byte', bytes: 1 },
  0x0b: { name: 'int16', bytes: 2 },
  0x0c: { name: 'int32', bytes: 4 },
  0x0d: { name: 'float32', bytes: 4 },
  0x0e: { name: 'float64', bytes: 8 },
};

/** Decompressed IDX data larger than this is refused (a gzip bomb, or not a dataset this app can train on). */
export const MAX_IDX_BYTES = 2 * 1024 * 1024 * 1024 - 1;

export class IdxError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IdxError';
  }
}

export interface IdxArray {
  readonly typeCode: number;
  readonly dims: readonly number[];
  /** The data bytes (for type 0x08 the values themselves). */
  readonly data: Uint8Array;
}

/** Whether the bytes start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/** Parse an IDX file's (already decompressed) bytes; throws IdxError with the reason on any mismatch. */
export function parseIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  if (bytes.length < 4) throw new IdxError(`${source}: truncated IDX header (${bytes.length} bytes)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join('');
    throw new IdxError(`${source}: not an IDX file (magic 0x${magic}; IDX files start with two zero bytes)`);
  }
  const typeCode = bytes[2] as number;
  const ndims = bytes[3] as number;
  const type = TYPES[typeCode];
  if (type === undefined) {
    throw new IdxError(`${source}: unknown IDX type code 0x${typeCode.toString(16).padStart(2, '0')}`);
  }
  if (ndims === 0) throw new IdxError(`${source}: IDX header declares no dimensions`);
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new IdxError(`${source}: truncated IDX header (${bytes.length} of ${headerBytes} bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const elements = dims.reduce((a, b) => a * b, 1);
  const expected = headerBytes + elements * type.bytes;
  if (expected !== bytes.length) {
    throw new IdxError(
      `${source}: the header says ${dims.join(' x ')} ${type.name} values (${fmt(expected)} bytes with the ` +
        `header), the file has ${fmt(bytes.length)} bytes`,
    );
  }
  return { typeCode, dims, data: bytes.subarray(headerBytes) };
}

/** Read an IDX file, gunzipping it when it starts with the gzip magic. */
export async function readIdxFile(path: string): Promise<IdxArray> {
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (err) {
    throw new IdxError(`cannot read ${path}: ${describeFsError(err)}`, { cause: err });
  }
  let bytes: Uint8Array = raw;
  if (isGzip(raw)) {
    try {
      bytes = await gunzipAsync(raw, { maxOutputLength: MAX_IDX_BYTES });
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new IdxError(`${path}: cannot decompress (corrupt or truncated gzip data: ${why})`, {
        cause: err,
      });
    }
  }
  return parseIdx(bytes, path);
}

function requireBytes(a: IdxArray, source: string, dims: number, what: string): void {
  if (a.typeCode !== 0x08) {
    const name = TYPES[a.typeCode]?.name ?? 'unknown';
    throw new IdxError(
      `${source}: unsupported IDX type code 0x${a.typeCode.toString(16).padStart(2, '0')} (${name}); ` +
        `${what} must be unsigned bytes (0x08)`,
    );
  }
  if (a.dims.length !== dims) {
    throw new IdxError(
      `${source}: ${what} need ${dims} dimension${dims === 1 ? '' : 's'}, the file has ${a.dims.length} (${a.dims.join(' x ')})`,
    );
  }
}

interface Taps {
  readonly index: Int32Array;
  readonly weight: Float32Array;
  readonly per: number;
}

/** Linear (triangle) filter taps from srcLen samples (starting at srcStart) to dstLen; widened to shrink. */
function taps(srcStart: number, srcLen: number, dstLen: number, srcMax: number): Taps {
  const scale = srcLen / dstLen;
  const support = Math.max(1, scale);
  const per = Math.ceil(support) * 2 + 1;
  const index = new Int32Array(dstLen * per);
  const weight = new Float32Array(dstLen * per);
  for (let x = 0; x < dstLen; x++) {
    const centre = srcStart + (x + 0.5) * scale - 0.5;
    const first = Math.floor(centre - support) + 1;
    let sum = 0;
    for (let k = 0; k < per; k++) {
      const s = first + k;
      const w = Math.max(0, 1 - Math.abs(s - centre) / support);
      index[x * per + k] = Math.min(srcMax - 1, Math.max(0, s));
      weight[x * per + k] = w;
      sum += w;
    }
    for (let k = 0; k < per; k++) weight[x * per + k] = (weight[x * per + k] as number) / (sum || 1);
  }
  return { index, weight, per };
}

/**
 * A resampler for grey images of rows x cols to the import's square (crop, pad or stretch as the options
 * say); the identity copy when the image already has the target shape.
 */
export function grayResampler(
  rows: number,
  cols: number,
  o: Pick<ImportOptions, 'size' | 'fit' | 'padColor'>,
): (src: Uint8Array, out: Uint8Array) => void {
  const size = o.size;
  if (rows === size && cols === size) return (src, out) => out.set(src);
  let place: { width: number; height: number; left: number; top: number } = {
    width: size,
    height: size,
    left: 0,
    top: 0,
  };
  let sx = 0;
  let sy = 0;
  let sw = cols;
  let sh = rows;
  if (o.fit === 'pad') {
    place = padPlacement(cols, rows, size);
  } else if (o.fit === 'crop') {
    const side = Math.min(rows, cols);
    sx = (cols - side) / 2;
    sy = (rows - side) / 2;
    sw = side;
    sh = side;
  }
  const tx = taps(sx, sw, place.width, cols);
  const ty = taps(sy, sh, place.height, rows);
  const pad = lumaOf(o.padColor[0], o.padColor[1], o.padColor[2]);
  const tmp = new Float32Array(rows * place.width);
  return (src, out) => {
    out.fill(pad);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < place.width; x++) {
        let acc = 0;
        for (let k = 0; k < tx.per; k++) {
          const t = x * tx.per + k;
          acc += (tx.weight[t] as number) * (src[y * cols + (tx.index[t] as number)] as number);
        }
        tmp[y * place.width + x] = acc;
      }
    }
    for (let y = 0; y < place.height; y++) {
      for (let x = 0; x < place.width; x++) {
        let acc = 0;
        for (let k = 0; k < ty.per; k++) {
          const t = y * ty.per + k;
          acc += (ty.weight[t] as number) * (tmp[(ty.index[t] as number) * place.width + x] as number);
        }
        out[(place.top + y) * size + place.left + x] = Math.max(0, Math.min(255, Math.round(acc)));
      }
    }
  };
}

export interface IdxImportResult {
  /** count x size x size x channels bytes, NHWC. */
  readonly images: Uint8Array;
  readonly labels?: Uint8Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
  /** The IDX images' own size. */
  readonly sourceRows: number;
  readonly sourceCols: number;
  readonly mean: number[];
  readonly std: number[];
  readonly sourceFingerprint: string;
  readonly contentHash: string;
  readonly mosaic: Buffer;
  readonly options: ImportOptions;
  readonly elapsedMs: number;
}

export interface IdxRunOptions {
  readonly onProgress?: (p: ImportProgress) => void;
  readonly signal?: AbortSignal;
}

/** Fingerprint of IDX sources: their resolved paths, sizes and modification times, plus the options. */
export async function fingerprintIdx(
  imagesPath: string,
  labelsPath: string | undefined,
  options: ImportOptions,
): Promise<string> {
  const h = createHash('sha256');
  h.update(`wgan-idx-fingerprint-1\n${canonicalOptions(options)}\n`);
  for (const p of [imagesPath, labelsPath]) {
    if (p === undefined) continue;
    try {
      const st = await stat(p);
      h.update(`${resolve(p)}\0${st.size} ${st.mtimeMs}\n`);
    } catch (err) {
      throw new IdxError(`cannot read ${p}: ${describeFsError(err)}`, { cause: err });
    }
  }
  return h.digest('hex');
}

/**
 * Import IDX images (and labels, when given) under the options (size, fit, padColor and channels apply;
 * the picture-file guards do not). Rejects with IdxError for a refused file, AbortError when cancelled.
 */
export async function importIdx(
  imagesPath: string,
  labelsPath: string | undefined,
  options: ImportOptions,
  run: IdxRunOptions = {},
): Promise<IdxImportResult> {
  const started = performance.now();
  const { signal, onProgress } = run;
  signal?.throwIfAborted();
  const imagesIdx = await readIdxFile(imagesPath);
  requireBytes(imagesIdx, imagesPath, 3, 'images');
  const [count, rows, cols] = imagesIdx.dims as [number, number, number];
  if (count === 0 || rows === 0 || cols === 0) {
    throw new IdxError(`${imagesPath}: no images (the header says ${count} x ${rows} x ${cols})`);
  }
  let labels: Uint8Array | undefined;
  if (labelsPath !== undefined) {
    const labelsIdx = await readIdxFile(labelsPath);
    requireBytes(labelsIdx, labelsPath, 1, 'labels');
    const labelCount = labelsIdx.dims[0] as number;
    if (labelCount !== count) {
      throw new IdxError(
        `${labelsPath}: ${fmt(labelCount)} labels for ${fmt(count)} images in ${imagesPath}; the counts must match`,
      );
    }
    labels = Uint8Array.from(labelsIdx.data);
  }

  const size = options.size;
  const c = channelCount(options);
  const per = size * size * c;
  const images = new Uint8Array(count * per);
  const resample = grayResampler(rows, cols, options);
  const gray = new Uint8Array(size * size);
  const srcPer = rows * cols;
  const batch = 2000;
  let last = performance.now();
  for (let i = 0; i < count; i++) {
    if (i % batch === 0 && i > 0) {
      await new Promise<void>((r) => setImmediate(r));
      if (signal?.aborted) {
        throw new DOMException(`import cancelled after ${fmt(i)} of ${fmt(count)} images`, 'AbortError');
      }
      const now = performance.now();
      if (onProgress && now - last >= 100) {
        last = now;
        const pace = (now - started) / i;
        onProgress({
          phase: 'decoding',
          done: i,
          total: count,
          imported: i,
          skipped: 0,
          elapsedMs: now - started,
          etaMs: pace * (count - i),
        });
      }
    }
    resample(imagesIdx.data.subarray(i * srcPer, (i + 1) * srcPer), gray);
    if (c === 1) {
      images.set(gray, i * per);
    } else {
      const o = i * per;
      for (let p = 0; p < gray.length; p++) {
        const v = gray[p] as number;
        images[o + 3 * p] = v;
        images[o + 3 * p + 1] = v;
        images[o + 3 * p + 2] = v;
      }
    }
  }
  if (signal?.aborted) throw new DOMException('import cancelled', 'AbortError');
  const elapsedMs = performance.now() - started;
  onProgress?.({
    phase: 'decoding',
    done: count,
    total: count,
    imported: count,
    skipped: 0,
    elapsedMs,
    etaMs: 0,
  });
  const shape = { count, height: size, width: size, channels: c };
  const { mean, std } = channelStats(images, c);
  return {
    images,
    ...(labels ? { labels } : {}),
    ...shape,
    sourceRows: rows,
    sourceCols: cols,
    mean,
    std,
    sourceFingerprint: await fingerprintIdx(imagesPath, labelsPath, options),
    contentHash: tensorHash(images, shape, labels),
    mosaic: await renderMosaic(images, shape),
    options,
    elapsedMs,
  };
}
