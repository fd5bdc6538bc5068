/**
 * The dataset cache: an imported dataset as one compact binary file, written once at import and read by
 * training (never the original pictures). No sharp, Electron or SQLite here, so the training process can
 * read it cheaply.
 *
 * Layout (all integers unsigned 32-bit little-endian):
 *
 *   offset  size                 field
 *   0       4                    magic 'WGDS'
 *   4       4                    format version (1)
 *   8       4                    count  (images, >= 1)
 *   12      4                    height (1..4096)
 *   16      4                    width  (1..4096)
 *   20      4                    channels (1 or 3)
 *   24      4                    flags: bit 0 = labels present; other bits 0
 *   28      4                    metadata length M in bytes
 *   32      count*h*w*c          pixels, uint8, NHWC, rows top to bottom
 *   ...     count (if labels)    labels, uint8
 *   ...     M                    metadata: a UTF-8 JSON object (name, source, mean/std, hashes, ...)
 *
 * The file ends right after the metadata; any other length is refused. The writer puts the tensor's
 * SHA-256 (tensorHash) into the metadata as `contentHash`, and the reader checks it (unless told not to),
 * so a damaged file is refused instead of training on garbage. Files are written through a temporary file
 * and a rename: readers see the old file or the complete new one, never a part.
 */
import { createHash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import type { ImageDataset } from '../../engine/data/types';
import { describeFsError, writeFileAtomic } from '../export/atomic';

export const CACHE_MAGIC = 'WGDS';
export const CACHE_VERSION = 1;
export const CACHE_HEADER_BYTES = 32;
const MAX_SIDE = 4096;
const FLAG_LABELS = 1;

export interface DatasetCacheData {
  readonly images: Uint8Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
  readonly labels?: Uint8Array;
  /** Anything JSON; `contentHash` is set by the writer. */
  readonly meta?: Readonly<Record<string, unknown>>;
}

export interface DatasetCacheInfo {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
  readonly hasLabels: boolean;
  readonly meta: Readonly<Record<string, unknown>>;
  /** The file's size in bytes. */
  readonly bytes: number;
}

export class DatasetCacheError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatasetCacheError';
  }
}

/** SHA-256 over a tensor's shape and bytes (and labels when given): the dataset's content identity. */
export function tensorHash(
  images: Uint8Array,
  shape: {
    readonly count: number;
    readonly height: number;
    readonly width: number;
    readonly channels: number;
  },
  labels?: Uint8Array,
): string {
  const h = createHash('sha256');
  h.update(`wgan-tensor-1 ${shape.count} ${shape.height} ${shape.width} ${shape.channels}\n`);
  h.update(images);
  if (labels !== undefined) {
    h.update('labels\n');
    h.update(labels);
  }
  return h.digest('hex');
}

function checkShape(d: Omit<DatasetCacheData, 'meta' | 'images' | 'labels'>, where: string): void {
  const { count, height, width, channels } = d;
  const okInt = (v: number, max: number): boolean => Number.isInteger(v) && v >= 1 && v <= max;
  if (
    !okInt(count, 0xffffffff) ||
    !okInt(height, MAX_SIDE) ||
    !okInt(width, MAX_SIDE) ||
    (channels !== 1 && channels !== 3)
  ) {
    throw new DatasetCacheError(
      `${where}: implausible shape (count ${count}, height ${height}, width ${width}, channels ${channels})`,
    );
  }
}

/** Write the dataset cache file atomically; rejects with `cannot write <path>: <reason>` and leaves nothing. */
export async function writeDatasetCache(path: string, data: DatasetCacheData): Promise<void> {
  checkShape(data, `cannot write ${path}`);
  const pixels = data.count * data.height * data.width * data.channels;
  if (data.images.length !== pixels) {
    throw new DatasetCacheError(
      `cannot write ${path}: ${data.images.length} pixel bytes for ${data.count} x ${data.height} x ${data.width} x ${data.channels}`,
    );
  }
  if (data.labels !== undefined && data.labels.length !== data.count) {
    throw new DatasetCacheError(
      `cannot write ${path}: ${data.labels.length} labels for ${data.count} images`,
    );
  }
  const contentHash = tensorHash(data.images, data, data.labels);
  const meta = Buffer.from(JSON.stringify({ ...data.meta, contentHash }), 'utf8');
  const header = Buffer.alloc(CACHE_HEADER_BYTES);
  header.write(CACHE_MAGIC, 0, 'latin1');
  header.writeUInt32LE(CACHE_VERSION, 4);
  header.writeUInt32LE(data.count, 8);
  header.writeUInt32LE(data.height, 12);
  header.writeUInt32LE(data.width, 16);
  header.writeUInt32LE(data.channels, 20);
  header.writeUInt32LE(data.labels !== undefined ? FLAG_LABELS : 0, 24);
  header.writeUInt32LE(meta.length, 28);
  const chunks: Uint8Array[] = [header, data.images, ...(data.labels ? [data.labels] : []), meta];

  try {
    await writeFileAtomic(path, chunks);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new DatasetCacheError(message, { cause: err instanceof Error ? (err.cause ?? err) : err });
  }
}

interface Header {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
  readonly hasLabels: boolean;
  readonly metaBytes: number;
  readonly pixelBytes: number;
  readonly expectedBytes: number;
}

function parseHeader(bytes: Uint8Array, fileBytes: number, where: string): Header {
  if (bytes.length < CACHE_HEADER_BYTES) {
    throw new DatasetCacheError(
      `${where}: truncated header (${bytes.length} of ${CACHE_HEADER_BYTES} bytes); not a complete dataset cache`,
    );
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, CACHE_HEADER_BYTES);
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== CACHE_MAGIC) {
    throw new DatasetCacheError(
      `${where}: not a dataset cache (magic ${JSON.stringify(magic)}, expected '${CACHE_MAGIC}')`,
    );
  }
  const version = v.getUint32(4, true);
  if (version !== CACHE_VERSION) {
    throw new DatasetCacheError(`${where}: unsupported cache version ${version}, expected ${CACHE_VERSION}`);
  }
  const count = v.getUint32(8, true);
  const height = v.getUint32(12, true);
  const width = v.getUint32(16, true);
  const channels = v.getUint32(20, true);
  const flags = v.getUint32(24, true);
  const metaBytes = v.getUint32(28, true);
  checkShape({ count, height, width, channels: channels as 1 | 3 }, where);
  if ((flags & ~FLAG_LABELS) !== 0) {
    throw new DatasetCacheError(`${where}: unknown flags 0x${flags.toString(16)}`);
  }
  const hasLabels = (flags & FLAG_LABELS) !== 0;
  const pixelBytes = count * height * width * channels;
  const expectedBytes = CACHE_HEADER_BYTES + pixelBytes + (hasLabels ? count : 0) + metaBytes;
  if (fileBytes !== expectedBytes) {
    const what = `${count} images of ${height} x ${width} x ${channels}${hasLabels ? ' with labels' : ''}`;
    throw new DatasetCacheError(
      fileBytes < expectedBytes
        ? `${where}: truncated: the header promises ${what} (${expectedBytes} bytes), the file has ${fileBytes}`
        : `${where}: ${fileBytes - expectedBytes} unexpected bytes after the data (${what})`,
    );
  }
  return {
    count,
    height,
    width,
    channels: channels as 1 | 3,
    hasLabels,
    metaBytes,
    pixelBytes,
    expectedBytes,
  };
}

function parseMeta(bytes: Uint8Array, where: string): Record<string, unknown> {
  let meta: unknown;
  try {
    meta = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (err) {
    throw new DatasetCacheError(`${where}: corrupt metadata (${(err as Error).message})`, { cause: err });
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    throw new DatasetCacheError(`${where}: corrupt metadata (not a JSON object)`);
  }
  return meta as Record<string, unknown>;
}

async function openForRead(path: string): Promise<{ handle: FileHandle; size: number }> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new DatasetCacheError(`cannot read dataset cache ${path}: ${describeFsError(err)}`, { cause: err });
  }
  const { size } = await handle.stat();
  return { handle, size };
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await handle.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/** The shape and metadata of a cache file, reading only its header and metadata. */
export async function readDatasetCacheInfo(path: string): Promise<DatasetCacheInfo> {
  const { handle, size } = await openForRead(path);
  try {
    const head = await readAt(handle, 0, CACHE_HEADER_BYTES);
    const h = parseHeader(head, size, path);
    const meta = parseMeta(await readAt(handle, h.expectedBytes - h.metaBytes, h.metaBytes), path);
    return { ...pick(h), meta, bytes: size };
  } finally {
    await handle.close();
  }
}

function pick(h: Header): Omit<DatasetCacheInfo, 'meta' | 'bytes'> {
  return { count: h.count, height: h.height, width: h.width, channels: h.channels, hasLabels: h.hasLabels };
}

export interface DecodedCache extends DatasetCacheInfo {
  /** NHWC uint8 (views into the file's bytes). */
  readonly images: Uint8Array;
  readonly labels?: Uint8Array;
}

/** Parse a whole cache file's bytes; checks the content hash unless `verify` is false. */
export function decodeDatasetCache(bytes: Uint8Array, where = 'dataset cache', verify = true): DecodedCache {
  const h = parseHeader(bytes, bytes.length, where);
  const images = bytes.subarray(CACHE_HEADER_BYTES, CACHE_HEADER_BYTES + h.pixelBytes);
  const labelAt = CACHE_HEADER_BYTES + h.pixelBytes;
  const labels = h.hasLabels ? bytes.subarray(labelAt, labelAt + h.count) : undefined;
  const meta = parseMeta(bytes.subarray(h.expectedBytes - h.metaBytes), where);
  if (verify && typeof meta.contentHash === 'string') {
    const actual = tensorHash(images, h, labels);
    if (actual !== meta.contentHash) {
      throw new DatasetCacheError(
        `${where}: content hash mismatch (stored ${meta.contentHash.slice(0, 12)}..., ` +
          `computed ${actual.slice(0, 12)}...): the file is damaged; import the dataset again`,
      );
    }
  }
  return { ...pick(h), meta, bytes: bytes.length, images, ...(labels ? { labels } : {}) };
}

export interface ReadCacheOptions {
  /** Check the stored content hash (default true; about 0.1 s per 50 MB). */
  readonly verify?: boolean;
}

/**
 * Read a cache file into the engine's dataset shape: NHWC Float32 in [-1, 1] (v / 127.5 - 1, as MNIST).
 * Rejects with a DatasetCacheError naming the path and what is wrong (missing, truncated, wrong magic, ...).
 */
export async function readDatasetCache(
  path: string,
  ident: { readonly id: string; readonly title: string },
  opts: ReadCacheOptions = {},
): Promise<ImageDataset> {
  const { handle, size } = await openForRead(path);
  let bytes: Buffer;
  try {
    bytes = await readAt(handle, 0, size);
  } catch (err) {
    throw new DatasetCacheError(`cannot read dataset cache ${path}: ${describeFsError(err)}`, { cause: err });
  } finally {
    await handle.close();
  }
  const d = decodeDatasetCache(bytes, path, opts.verify ?? true);
  return toImageDataset(d, ident);
}

/** uint8 NHWC (plus labels) to the engine's ImageDataset. */
export function toImageDataset(
  d: Pick<DecodedCache, 'images' | 'count' | 'height' | 'width' | 'channels' | 'labels'>,
  ident: { readonly id: string; readonly title: string },
): ImageDataset {
  const images = new Float32Array(d.images.length);
  for (let i = 0; i < images.length; i++) images[i] = (d.images[i] as number) / 127.5 - 1;
  return {
    kind: 'image',
    id: ident.id,
    title: ident.title,
    count: d.count,
    height: d.height,
    width: d.width,
    channels: d.channels,
    images,
    ...(d.labels ? { labels: Uint8Array.from(d.labels) } : {}),
  };
}
