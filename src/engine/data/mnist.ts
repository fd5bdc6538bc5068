/**
 * The built-in MNIST subset: 10,000 digits packed by scripts/pack-mnist.ts into
 * resources/mnist/mnist-10k.bin.gz (see resources/mnist/README.md for the layout and origin).
 *
 * Where the file is looked for, first match wins:
 *   1. opts.resourcesDir (the `resources` folder; the file is <dir>/mnist/mnist-10k.bin.gz),
 *   2. the WGAN_RESOURCES_DIR environment variable (same meaning; for packaged builds),
 *   3. the repository's resources/ folder, found from this module's location.
 * Decoded datasets are cached per file path for the life of the process.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { ImageDataset } from './types';

const MAGIC = 'MNST';
const VERSION = 1;
const HEADER_BYTES = 20;
export const MNIST_FILE = join('mnist', 'mnist-10k.bin.gz');

const cache = new Map<string, ImageDataset>();

export interface LoadMnistOptions {
  /** The `resources` folder that holds mnist/mnist-10k.bin.gz. */
  readonly resourcesDir?: string;
}

function defaultResourcesDir(): string {
  return fileURLToPath(new URL('../../../resources/', import.meta.url));
}

/** The path loadMnist reads for these options. */
export function mnistPath(opts: LoadMnistOptions = {}): string {
  const fromEnv = process.env.WGAN_RESOURCES_DIR;
  const dir =
    opts.resourcesDir ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : defaultResourcesDir());
  return join(dir, MNIST_FILE);
}

/** Decode the packed file's bytes (already gunzipped); throws a descriptive Error on any mismatch. */
export function decodeMnist(bytes: Uint8Array, source = 'MNIST data'): ImageDataset {
  if (bytes.length < HEADER_BYTES) {
    throw new Error(`${source}: truncated header (${bytes.length} of ${HEADER_BYTES} bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = String.fromCharCode(bytes[0] ?? 0, bytes[1] ?? 0, bytes[2] ?? 0, bytes[3] ?? 0);
  if (magic !== MAGIC) throw new Error(`${source}: bad magic ${JSON.stringify(magic)}, expected '${MAGIC}'`);
  const version = view.getUint32(4, true);
  if (version !== VERSION)
    throw new Error(`${source}: unsupported format version ${version}, expected ${VERSION}`);
  const count = view.getUint32(8, true);
  const rows = view.getUint32(12, true);
  const cols = view.getUint32(16, true);
  if (count === 0 || rows === 0 || cols === 0 || rows > 4096 || cols > 4096) {
    throw new Error(`${source}: implausible header (count ${count}, rows ${rows}, cols ${cols})`);
  }
  const pixelsPer = rows * cols;
  const expected = HEADER_BYTES + count * pixelsPer + count;
  if (bytes.length < expected) {
    throw new Error(
      `${source}: truncated: header promises ${count} images of ${rows}x${cols} (${expected} bytes), ` +
        `got ${bytes.length} bytes`,
    );
  }
  if (bytes.length > expected) {
    throw new Error(`${source}: ${bytes.length - expected} unexpected bytes after the labels`);
  }
  const images = new Float32Array(count * pixelsPer);
  for (let i = 0; i < images.length; i++) images[i] = (bytes[HEADER_BYTES + i] as number) / 127.5 - 1;
  const labelStart = HEADER_BYTES + count * pixelsPer;
  const labels = bytes.slice(labelStart, labelStart + count);
  for (let i = 0; i < count; i++) {
    const label = labels[i] as number;
    if (label > 9) throw new Error(`${source}: label ${label} of image ${i} is not a digit`);
  }
  return {
    kind: 'image',
    id: 'mnist',
    title: `MNIST (${count.toLocaleString('en-US')} digits)`,
    count,
    height: rows,
    width: cols,
    channels: 1,
    images,
    labels,
  };
}

/** The built-in MNIST digits, NHWC (28 x 28 x 1) in [-1, 1], with labels 0..9. */
export function loadMnist(opts: LoadMnistOptions = {}): ImageDataset {
  const path = mnistPath(opts);
  const cached = cache.get(path);
  if (cached) return cached;
  if (!existsSync(path)) {
    throw new Error(
      `MNIST data not found at ${path}; run 'npm run pack-mnist' or set WGAN_RESOURCES_DIR to the resources folder`,
    );
  }
  const packed = readFileSync(path);
  let bytes: Uint8Array;
  try {
    bytes = gunzipSync(packed);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`${path}: cannot decompress (corrupt or truncated gzip file): ${reason}`, { cause: err });
  }
  const dataset = decodeMnist(bytes, path);
  cache.set(path, dataset);
  return dataset;
}

/** Forget decoded datasets (tests; frees about 31 MB per file). */
export function clearMnistCache(): void {
  cache.clear();
}
