/**
 * Importing a folder (or a set of files) of pictures as one image tensor, with a report of everything that
 * was not imported and why. Nothing is written to disk here: the caller writes the cache (cache.ts) once
 * the user commits, so a cancelled or failed import leaves nothing behind.
 *
 * Re-import detection: sourceFingerprint is a SHA-256 over the options and, for every candidate file, its
 * path relative to its source, size, modification time and mode (plus the resolved source paths). It needs
 * only a walk and one stat per file (fingerprintSources), no decoding, so an unchanged folder is recognised
 * in milliseconds; contentHash is a SHA-256 over the resulting tensor (shape and pixels) and identifies the
 * dataset's content whatever it came from.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import sharp from 'sharp';
import { tensorHash } from './cache';
import { decodeImageFile } from './decode';
import { canonicalOptions, channelCount, type ImportOptions } from './options';
import {
  displayPath,
  type SkippedFile,
  type SkipKind,
  type SourceFile,
  type SourcePath,
  walkSources,
} from './walk';

export interface ImportProgress {
  /** 'scanning': listing the sources (total not known yet); 'decoding': files being decoded. */
  readonly phase: 'scanning' | 'decoding';
  /** Candidate files handled so far (imported or skipped); while scanning, candidate files found so far. */
  readonly done: number;
  /** Candidate files in all (0 while scanning). */
  readonly total: number;
  readonly imported: number;
  /** Skipped so far, the walk's skips included. */
  readonly skipped: number;
  readonly elapsedMs: number;
  /** Estimated time left, from the pace so far; null until a file is done. */
  readonly etaMs: number | null;
}

export interface ImportRunOptions {
  /** Called at most every progressIntervalMs, and once when decoding starts and when it ends. */
  readonly onProgress?: (p: ImportProgress) => void;
  readonly progressIntervalMs?: number;
  /** Cancels the import: it rejects with an Error named 'AbortError'. */
  readonly signal?: AbortSignal;
  /** Files decoded at once (default 3; sharp threads each decode too). */
  readonly concurrency?: number;
  /** Stop once this many images are imported (a preview); the result is then `partial`. */
  readonly limit?: number;
}

export interface ImportNote {
  readonly path: string;
  readonly note: string;
}

export interface ImportResult {
  /** count x height x width x channels bytes (NHWC), in file order. */
  readonly images: Uint8Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
  /** The imported files (display paths), in the order of the images. */
  readonly files: string[];
  /** Everything not imported, with the reason: the walk's findings first, then decoding failures in order. */
  readonly skipped: SkippedFile[];
  /** What was done to some imported files beyond resizing ('first of 3 frames', 'CMYK converted...'). */
  readonly notes: ImportNote[];
  /** Per channel, over all pixels, in [0, 1] units. */
  readonly mean: number[];
  readonly std: number[];
  readonly sourceFingerprint: string;
  readonly contentHash: string;
  /** A PNG grid of the first (up to 64) images, 8 per row. */
  readonly mosaic: Buffer;
  readonly options: ImportOptions;
  /** Candidate files found (imported + skipped while decoding). */
  readonly candidates: number;
  /** True when `limit` stopped the import before every candidate was decoded. */
  readonly partial: boolean;
  readonly elapsedMs: number;
}

/** No image could be imported: the message counts the reasons; `skipped` lists every one. */
export class EmptyImportError extends Error {
  constructor(readonly skipped: readonly SkippedFile[]) {
    super(
      skipped.length === 0
        ? 'no image could be imported: no files found'
        : `no image could be imported: ${plural(skipped.length, 'file')} skipped (${summarizeSkips(skipped)})`,
    );
    this.name = 'EmptyImportError';
  }
}

const KIND_TEXT: Record<SkipKind, string> = {
  hidden: 'hidden',
  'not-image-name': 'not an image file name',
  'folder-not-searched': 'folder not searched',
  'symlink-loop': 'symlink loop',
  duplicate: 'duplicate',
  'not-found': 'not found',
  'not-regular': 'not a regular file',
  unreadable: 'unreadable',
  empty: 'empty file',
  'not-image': 'not an image',
  'unsupported-format': 'unsupported format',
  corrupt: 'corrupt or truncated',
  'too-large': 'too large',
};

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/** '3 corrupt or truncated, 2 hidden, ...': counts per kind, largest first. */
export function summarizeSkips(skipped: readonly SkippedFile[]): string {
  const counts = new Map<SkipKind, number>();
  for (const s of skipped) counts.set(s.kind, (counts.get(s.kind) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([kind, n]) => `${n.toLocaleString('en-US')} ${KIND_TEXT[kind]}`)
    .join(', ');
}

/** A short report: 'imported 1,998 images; skipped 12 (3 corrupt or truncated, ...)'. */
export function summarizeImport(r: Pick<ImportResult, 'count' | 'skipped'>): string {
  const head = `imported ${plural(r.count, 'image')}`;
  return r.skipped.length === 0
    ? `${head}; nothing skipped`
    : `${head}; skipped ${r.skipped.length.toLocaleString('en-US')} (${summarizeSkips(r.skipped)})`;
}

function abortError(message: string): Error {
  return new DOMException(message, 'AbortError');
}

const FINGERPRINT_VERSION = 'wgan-import-fingerprint-1';

function fingerprintOf(
  sources: readonly SourcePath[],
  files: readonly SourceFile[],
  o: ImportOptions,
): string {
  const h = createHash('sha256');
  h.update(`${FINGERPRINT_VERSION}\n${canonicalOptions(o)}\n`);
  for (const s of sources) {
    const shown = typeof s === 'string' ? resolve(s) : resolve(displayPath(s));
    h.update(`source ${shown}\n`);
  }
  for (const f of files) {
    h.update(f.rawRel);
    h.update(`\0${f.size} ${f.mtimeMs} ${f.mode}\n`);
  }
  return h.digest('hex');
}

/**
 * The source fingerprint of an import, from a walk alone (no file is read): equal fingerprints mean the
 * same files (names, sizes, times, permissions) under the same options, so a cached import can be reused.
 */
export async function fingerprintSources(
  sources: readonly SourcePath[],
  options: ImportOptions,
  signal?: AbortSignal,
): Promise<string> {
  const walk = await walkSources(sources, { ...options, ...(signal ? { signal } : {}) });
  return fingerprintOf(sources, walk.files, options);
}

/** Per-channel mean and standard deviation of NHWC uint8 pixels, in [0, 1] units. */
export function channelStats(images: Uint8Array, channels: number): { mean: number[]; std: number[] } {
  const mean: number[] = [];
  const std: number[] = [];
  for (let ch = 0; ch < channels; ch++) {
    const hc = new Float64Array(256);
    for (let i = ch; i < images.length; i += channels)
      hc[images[i] as number] = (hc[images[i] as number] as number) + 1;
    let n = 0;
    let s = 0;
    for (let v = 0; v < 256; v++) {
      n += hc[v] as number;
      s += (hc[v] as number) * v;
    }
    const m = n === 0 ? 0 : s / n;
    let q = 0;
    for (let v = 0; v < 256; v++) q += (hc[v] as number) * (v - m) ** 2;
    mean.push(m / 255);
    std.push(n === 0 ? 0 : Math.sqrt(q / n) / 255);
  }
  return { mean, std };
}

/** A PNG grid of the first `max` images, `perRow` a row (fewer columns when there are fewer images). */
export async function renderMosaic(
  images: Uint8Array,
  shape: { count: number; height: number; width: number; channels: 1 | 3 },
  max = 64,
  perRow = 8,
): Promise<Buffer> {
  const n = Math.min(max, shape.count);
  if (n === 0) throw new Error('no images for a mosaic');
  const cols = Math.min(perRow, n);
  const rows = Math.ceil(n / cols);
  const { height: h, width: w, channels: c } = shape;
  const W = cols * w;
  const out = new Uint8Array(rows * h * W * c);
  for (let k = 0; k < n; k++) {
    const ox = (k % cols) * w;
    const oy = Math.floor(k / cols) * h;
    for (let y = 0; y < h; y++) {
      const src = (k * h + y) * w * c;
      out.set(images.subarray(src, src + w * c), ((oy + y) * W + ox) * c);
    }
  }
  return sharp(out, { raw: { width: W, height: rows * h, channels: c } })
    .toColourspace(c === 1 ? 'b-w' : 'srgb')
    .png()
    .toBuffer();
}

/**
 * Import the pictures of the sources (folders and files) under the options; see the module comment.
 * Rejects with EmptyImportError when nothing could be imported, with an AbortError when cancelled.
 */
export async function importImages(
  sources: readonly SourcePath[],
  options: ImportOptions,
  run: ImportRunOptions = {},
): Promise<ImportResult> {
  const started = performance.now();
  const { signal, onProgress } = run;
  const interval = run.progressIntervalMs ?? 100;
  const limit = run.limit ?? Number.POSITIVE_INFINITY;
  const concurrency = Math.max(1, Math.min(run.concurrency ?? Math.min(3, availableParallelism() + 1), 16));
  const elapsed = (): number => performance.now() - started;

  onProgress?.({ phase: 'scanning', done: 0, total: 0, imported: 0, skipped: 0, elapsedMs: 0, etaMs: null });
  let lastScan = performance.now();
  const onFolder = (found: number, skipped: number): void => {
    const now = performance.now();
    if (onProgress === undefined || now - lastScan < interval) return;
    lastScan = now;
    onProgress({
      phase: 'scanning',
      done: found,
      total: 0,
      imported: 0,
      skipped,
      elapsedMs: elapsed(),
      etaMs: null,
    });
  };
  let walk;
  try {
    walk = await walkSources(sources, {
      recursive: options.recursive,
      includeHidden: options.includeHidden,
      onFolder,
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    if (signal?.aborted) throw abortError('import cancelled while listing the files');
    throw err;
  }
  const files = walk.files;
  const total = files.length;
  const size = options.size;
  const c = channelCount(options);
  const per = size * size * c;
  const decodedSkips: (SkippedFile | undefined)[] = new Array<SkippedFile | undefined>(total);
  const ok = new Uint8Array(total);
  const notesAt: (readonly string[] | undefined)[] = new Array<readonly string[] | undefined>(total);
  const images = new Uint8Array(total * per);

  let next = 0;
  let done = 0;
  let imported = 0;
  let skippedCount = walk.skipped.length;
  let lastReport = -Infinity;
  const decodeStarted = performance.now();
  const report = (force: boolean): void => {
    if (onProgress === undefined) return;
    const now = performance.now();
    if (!force && now - lastReport < interval) return;
    lastReport = now;
    const pace = done === 0 ? null : (now - decodeStarted) / done;
    onProgress({
      phase: 'decoding',
      done,
      total,
      imported,
      skipped: skippedCount,
      elapsedMs: now - started,
      etaMs: pace === null ? null : pace * (total - done),
    });
  };
  report(true);

  const worker = async (): Promise<void> => {
    while (next < total && imported < limit && !signal?.aborted) {
      const i = next++;
      const file = files[i] as SourceFile;
      const result = await decodeImageFile(file.raw, options);
      if (result.ok) {
        images.set(result.pixels, i * per);
        ok[i] = 1;
        if (result.notes.length > 0) notesAt[i] = result.notes;
        imported++;
      } else {
        decodedSkips[i] = { path: file.path, kind: result.kind, reason: result.reason };
        skippedCount++;
      }
      done++;
      report(false);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, total)) }, worker));
  if (signal?.aborted) {
    throw abortError(`import cancelled after ${done.toLocaleString('en-US')} of ${total} files`);
  }
  report(true);

  // Compact the decoded images into file order, dropping the slots of skipped files.
  const imagedFiles: string[] = [];
  const notes: ImportNote[] = [];
  const skipped: SkippedFile[] = [...walk.skipped];
  let count = 0;
  for (let i = 0; i < total; i++) {
    if (ok[i] === 1 && count < limit) {
      if (count !== i) images.copyWithin(count * per, i * per, (i + 1) * per);
      const path = (files[i] as SourceFile).path;
      imagedFiles.push(path);
      for (const note of notesAt[i] ?? []) notes.push({ path, note });
      count++;
    } else if (decodedSkips[i] !== undefined) {
      skipped.push(decodedSkips[i] as SkippedFile);
    }
  }
  if (count === 0) throw new EmptyImportError(skipped);
  const tensor = images.subarray(0, count * per);
  const shape = { count, height: size, width: size, channels: c };
  const { mean, std } = channelStats(tensor, c);
  return {
    images: tensor,
    ...shape,
    files: imagedFiles,
    skipped,
    notes,
    mean,
    std,
    sourceFingerprint: fingerprintOf(sources, files, options),
    contentHash: tensorHash(tensor, shape),
    mosaic: await renderMosaic(tensor, shape),
    options,
    candidates: total,
    partial: done < total,
    elapsedMs: elapsed(),
  };
}

/** The first `limit` images (default 16) after the transform, to show before committing to an import. */
export function previewImport(
  sources: readonly SourcePath[],
  options: ImportOptions,
  run: Omit<ImportRunOptions, 'limit'> & { readonly limit?: number } = {},
): Promise<ImportResult> {
  return importImages(sources, options, { ...run, limit: run.limit ?? 16 });
}

/** What an import's cache file records about it (see cacheMeta). */
export interface ImportCacheMeta {
  readonly [key: string]: unknown;
  readonly name: string;
  readonly kind: 'folder' | 'idx';
  readonly sourcePath: string;
  readonly count: number;
  readonly size: number;
  readonly channels: 1 | 3;
  readonly mean: number[];
  readonly std: number[];
  readonly sourceFingerprint: string;
  readonly contentHash: string;
  readonly options: ImportOptions;
  /** The thumbnail mosaic, a PNG as base64 (so the cache file alone holds everything about the dataset). */
  readonly mosaicPng: string;
  readonly skippedCount: number;
  readonly importedAt: number;
}

/**
 * The metadata to store with an import's cache file (writeDatasetCache's `meta`): name, source, shape,
 * per-channel mean / std, the two hashes, the options and the mosaic.
 */
export function cacheMeta(
  r: Pick<
    ImportResult,
    | 'count'
    | 'height'
    | 'channels'
    | 'mean'
    | 'std'
    | 'sourceFingerprint'
    | 'contentHash'
    | 'options'
    | 'mosaic'
  > & { readonly skipped?: readonly SkippedFile[] },
  info: { readonly name: string; readonly kind: 'folder' | 'idx'; readonly sourcePath: string },
): ImportCacheMeta {
  return {
    name: info.name,
    kind: info.kind,
    sourcePath: info.sourcePath,
    count: r.count,
    size: r.height,
    channels: r.channels,
    mean: r.mean,
    std: r.std,
    sourceFingerprint: r.sourceFingerprint,
    contentHash: r.contentHash,
    options: r.options,
    mosaicPng: r.mosaic.toString('base64'),
    skippedCount: r.skipped?.length ?? 0,
    importedAt: Date.now(),
  };
}
