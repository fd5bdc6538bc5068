/**
 * Imported datasets on the store: an import is decoded once (src/main/import), written as one cache file
 * `<datasets dir>/<id>.wgds` (the datasets folder sits next to the database) and recorded as a datasets row
 * whose meta holds everything about it (see ImportedDatasetMeta). Training reads the cache file, never
 * the pictures.
 *
 * Re-import: the source fingerprint (names, sizes, times and modes of the candidate files, plus the
 * options; one walk, no decoding) is looked up first. A dataset imported from the same fingerprint whose
 * cache file is still intact is returned at once, reported as cached. Otherwise the sources are decoded;
 * the id comes from the content hash, so other files with the same pictures land on the same dataset (its
 * row then lists both fingerprints and the cache file is not written again).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import sharp from 'sharp';
import type {
  ImportNoteRecord,
  ImportOutcome,
  ImportPreviewResult,
  ImportReport,
  ImportSkip,
} from '../../shared/imports';
import { STORED_SKIPS_MAX } from '../../shared/imports';
import { importedDatasetId } from '../../shared/run-config';
import type { DatasetRecord } from '../../shared/runs';
import { readDatasetCacheInfo, writeDatasetCache } from '../import/cache';
import { fingerprintIdx, type IdxImportResult, importIdx } from '../import/idx';
import {
  cacheMeta,
  EmptyImportError,
  fingerprintSources,
  type ImportProgress,
  importImages,
  type ImportResult,
  previewImport,
  summarizeImport,
} from '../import/import';
import { type ImportOptions, resolveImportOptions } from '../import/options';
import type { SkippedFile } from '../import/walk';
import { extractZip, isZipPath } from '../import/zip';
import type { RunStore } from '../store/run-store';

/** What an import stores in its datasets row's meta (JSON). */
export interface ImportedDatasetMeta {
  readonly [key: string]: unknown;
  readonly kind: 'folder' | 'idx';
  /** Every source, resolved (folders and files; for IDX the images file, then the labels file). */
  readonly sources: string[];
  /** Per channel, in [0, 1] units. */
  readonly mean: number[];
  readonly std: number[];
  readonly contentHash: string;
  /** The fingerprint of the latest import of this content. */
  readonly sourceFingerprint: string;
  /** Every source fingerprint known to give this content (newest first, at most 16). */
  readonly sourceFingerprints: string[];
  readonly options: ImportOptions;
  readonly skippedCount: number;
  /** The first STORED_SKIPS_MAX skipped files with their reasons. */
  readonly skipped: ImportSkip[];
  readonly notesCount: number;
  readonly notes: ImportNoteRecord[];
  readonly summary: string;
  readonly labels: boolean;
  /** The thumbnail mosaic (first 64 images, 8 a row), a base64 PNG. */
  readonly mosaicPng: string;
  /** The cache file as written (training reads `<datasets dir>/<id>.wgds`). */
  readonly cacheFile: string;
  readonly cacheBytes: number;
  readonly importedAt: number;
  /** How long the decoding import took. */
  readonly importMs: number;
  /** IDX only: the images' own size. */
  readonly sourceRows?: number;
  readonly sourceCols?: number;
}

export interface ImportProgressUpdate {
  readonly phase: 'scanning' | 'decoding' | 'writing';
  readonly done: number;
  readonly total: number;
  readonly imported: number;
  readonly skipped: number;
  readonly etaSeconds: number | null;
}

export interface ImportCall {
  /** The dataset's name (default: the first source's base name). */
  readonly name?: string;
  readonly onProgress?: (p: ImportProgressUpdate) => void;
  readonly signal?: AbortSignal;
}

export class DatasetsFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetsFolderError';
  }
}

/** Where a store's imported datasets live: `datasets` next to its database file. */
export function defaultDatasetsDir(store: RunStore): string | undefined {
  const path = store.path;
  if (path === '' || path === ':memory:') return undefined;
  return join(dirname(resolve(path)), 'datasets');
}

/** The cache file of an imported dataset in a datasets folder. */
export function cacheFileIn(datasetsDir: string, id: string): string {
  return join(datasetsDir, `${id}.wgds`);
}

const MAX_FINGERPRINTS = 16;
const MAX_NOTES = 1000;

function baseName(path: string): string {
  const parts = resolve(path).split(/[\\/]/).filter(Boolean);
  return parts.at(-1) ?? path;
}

function fromProgress(p: ImportProgress): ImportProgressUpdate {
  return {
    phase: p.phase,
    done: p.done,
    total: p.total,
    imported: p.imported,
    skipped: p.skipped,
    etaSeconds: p.etaMs === null ? null : p.etaMs / 1000,
  };
}

export class DatasetImporter {
  constructor(
    private readonly store: RunStore,
    private readonly datasetsDir: string | undefined,
  ) {}

  /** The cache file training reads for an imported dataset. */
  cacheFileOf(id: string): string {
    return cacheFileIn(this.requireDir(), id);
  }

  /** Import folders and files of pictures; see the module comment. Rejects with EmptyImportError etc. */
  async importFolder(
    sources: readonly string[],
    optionsInput: unknown,
    call: ImportCall = {},
  ): Promise<ImportOutcome> {
    const started = performance.now();
    if (sources.length === 0) throw new Error('nothing to import: no folder or file given');
    const options = resolveImportOptions(optionsInput);
    this.requireDir();
    call.onProgress?.({ phase: 'scanning', done: 0, total: 0, imported: 0, skipped: 0, etaSeconds: null });
    const fingerprint = await fingerprintSources(sources, options, call.signal);
    const hit = await this.cacheHit(fingerprint, started);
    if (hit) return hit;
    // Zip archives are unpacked into private staging folders (deleted afterwards); their entries are
    // reported as '<archive>!/<entry>'.
    const staged = new Map<string, string>();
    const zipSkips: SkippedFile[] = [];
    let r: ImportResult;
    try {
      const expanded: string[] = [];
      for (const source of sources) {
        if (isZipPath(source) && (await stat(source).catch(() => undefined))?.isFile()) {
          await mkdir(this.requireDir(), { recursive: true });
          const dir = await mkdtemp(join(this.requireDir(), '.unzip-'));
          staged.set(dir, resolve(source));
          const x = await extractZip(source, dir, call.signal ? { signal: call.signal } : {});
          zipSkips.push(...x.skipped);
          expanded.push(dir);
        } else expanded.push(source);
      }
      const shown = (path: string) => {
        for (const [dir, zip] of staged) if (path.startsWith(dir)) return `${zip}!${path.slice(dir.length)}`;
        return path;
      };
      try {
        const raw = await importImages(expanded, options, {
          ...(call.signal ? { signal: call.signal } : {}),
          ...(call.onProgress ? { onProgress: (p) => call.onProgress?.(fromProgress(p)) } : {}),
        });
        r = {
          ...raw,
          // The sources as given (an archive's own size and time), so that re-importing it is a cache hit.
          sourceFingerprint: fingerprint,
          files: raw.files.map(shown),
          skipped: [...zipSkips, ...raw.skipped.map((k) => ({ ...k, path: shown(k.path) }))],
        };
      } catch (err) {
        if (err instanceof EmptyImportError) {
          throw new EmptyImportError([
            ...zipSkips,
            ...err.skipped.map((k) => ({ ...k, path: shown(k.path) })),
          ]);
        }
        throw err;
      }
    } finally {
      await Promise.all([...staged.keys()].map((d) => rm(d, { recursive: true, force: true })));
    }
    return this.commit(r, {
      kind: 'folder',
      name: call.name ?? baseName(sources[0] as string),
      sources: sources.map((s) => resolve(s)),
      skipped: r.skipped,
      notes: r.notes,
      summary: summarizeImport(r),
      started,
      call,
    });
  }

  /** Import IDX images (and labels); IdxError for a refused file. */
  async importIdx(
    imagesPath: string,
    labelsPath: string | undefined,
    optionsInput: unknown,
    call: ImportCall = {},
  ): Promise<ImportOutcome> {
    const started = performance.now();
    const options = resolveImportOptions(optionsInput);
    this.requireDir();
    call.onProgress?.({ phase: 'scanning', done: 0, total: 0, imported: 0, skipped: 0, etaSeconds: null });
    const fingerprint = await fingerprintIdx(imagesPath, labelsPath, options);
    const hit = await this.cacheHit(fingerprint, started);
    if (hit) return hit;
    const r: IdxImportResult = await importIdx(imagesPath, labelsPath, options, {
      ...(call.signal ? { signal: call.signal } : {}),
      ...(call.onProgress ? { onProgress: (p) => call.onProgress?.(fromProgress(p)) } : {}),
    });
    const labels = r.labels !== undefined;
    return this.commit(r, {
      kind: 'idx',
      name: call.name ?? baseName(imagesPath).replace(/(-idx\d-ubyte)?(\.gz)?$/, ''),
      sources: [imagesPath, ...(labelsPath !== undefined ? [labelsPath] : [])].map((s) => resolve(s)),
      skipped: [],
      notes: [],
      summary: `imported ${r.count.toLocaleString('en-US')} images${labels ? ' with labels' : ''} (IDX, ${r.sourceRows} x ${r.sourceCols})`,
      started,
      call,
      idx: { sourceRows: r.sourceRows, sourceCols: r.sourceCols },
    });
  }

  /** The first `limit` images after the transform, as PNGs, and what was skipped on the way. */
  async preview(
    sources: readonly string[],
    optionsInput: unknown,
    limit: number,
    signal?: AbortSignal,
  ): Promise<ImportPreviewResult> {
    const options = resolveImportOptions(optionsInput);
    const channels = options.channels === 'gray' ? 1 : 3;
    let r: ImportResult;
    try {
      r = await previewImport(sources, options, { limit, ...(signal ? { signal } : {}) });
    } catch (err) {
      if (!(err instanceof EmptyImportError)) throw err;
      return {
        images: [],
        files: [],
        skipped: err.skipped.map(toSkip),
        notes: [],
        size: options.size,
        channels,
        candidates: err.skipped.length,
        partial: false,
      };
    }
    const per = r.height * r.width * r.channels;
    const images: string[] = [];
    for (let i = 0; i < r.count; i++) {
      const png = await sharp(r.images.subarray(i * per, (i + 1) * per), {
        raw: { width: r.width, height: r.height, channels: r.channels },
      })
        .toColourspace(r.channels === 1 ? 'b-w' : 'srgb')
        .png()
        .toBuffer();
      images.push(png.toString('base64'));
    }
    return {
      images,
      files: r.files,
      skipped: r.skipped.map(toSkip),
      notes: r.notes.map((n) => ({ path: n.path, note: n.note })),
      size: r.height,
      channels: r.channels,
      candidates: r.candidates,
      partial: r.partial,
    };
  }

  private requireDir(): string {
    if (this.datasetsDir === undefined) {
      throw new DatasetsFolderError(
        'imported datasets need a folder: the database is in memory and no datasetsDir was given',
      );
    }
    return this.datasetsDir;
  }

  /** The stored dataset of an earlier import of the same sources, if its cache file is intact. */
  private async cacheHit(fingerprint: string, started: number): Promise<ImportOutcome | undefined> {
    const found = this.store.findDatasetBySourceFingerprint(fingerprint);
    if (!found) return undefined;
    const file = this.cacheFileOf(found.id);
    if (!(await this.intact(file, found))) return undefined;
    const meta = found.meta as Partial<ImportedDatasetMeta>;
    const report: ImportReport = {
      kind: found.kind === 'idx' ? 'idx' : 'folder',
      cached: true,
      imported: found.count ?? 0,
      skipped: meta.skipped ?? [],
      skippedCount: meta.skippedCount ?? 0,
      notes: meta.notes ?? [],
      labels: meta.labels ?? false,
      summary: `unchanged since the last import: ${meta.summary ?? `${found.count ?? 0} images`}`,
      elapsedMs: performance.now() - started,
    };
    return { dataset: found, report, cached: true, cacheFile: file };
  }

  /** Whether a cache file exists and holds the dataset's content (its header and metadata say so). */
  private async intact(file: string, d: DatasetRecord): Promise<boolean> {
    if (!existsSync(file)) return false;
    try {
      const info = await readDatasetCacheInfo(file);
      return (
        info.meta['contentHash'] === d.meta['contentHash'] &&
        info.count === d.count &&
        info.height === d.height &&
        info.channels === d.channels
      );
    } catch {
      return false;
    }
  }

  private async commit(
    r: ImportResult | IdxImportResult,
    info: {
      kind: 'folder' | 'idx';
      name: string;
      sources: string[];
      skipped: readonly ImportSkip[];
      notes: readonly ImportNoteRecord[];
      summary: string;
      started: number;
      call: ImportCall;
      idx?: { sourceRows: number; sourceCols: number };
    },
  ): Promise<ImportOutcome> {
    const { call } = info;
    call.signal?.throwIfAborted();
    call.onProgress?.({
      phase: 'writing',
      done: r.count,
      total: r.count,
      imported: r.count,
      skipped: info.skipped.length,
      etaSeconds: 0,
    });
    const id = importedDatasetId(r.contentHash);
    const dir = this.requireDir();
    const file = cacheFileIn(dir, id);
    const labels = 'labels' in r && r.labels !== undefined ? r.labels : undefined;
    const existing = this.store.getDataset(id);
    const reuse = existing !== undefined && (await this.intact(file, existing));
    // The column holds one path (IDX: the images file); meta.sources lists every source.
    const first = info.sources[0] as string;
    const sourcePath =
      info.kind === 'idx' || info.sources.length === 1
        ? first
        : `${first} (+${info.sources.length - 1} more)`;
    let wrote = false;
    if (!reuse) {
      await mkdir(dir, { recursive: true });
      await writeDatasetCache(file, {
        images: r.images,
        count: r.count,
        height: r.height,
        width: r.width,
        channels: r.channels,
        ...(labels ? { labels } : {}),
        meta: {
          ...cacheMeta(r, { name: info.name, kind: info.kind, sourcePath }),
          skippedCount: info.skipped.length,
        },
      });
      wrote = true;
    }
    const { bytes } = await readDatasetCacheInfo(file);
    const before = existing?.meta['sourceFingerprints'];
    const fingerprints = [
      r.sourceFingerprint,
      ...(reuse && Array.isArray(before) ? before.filter((f): f is string => typeof f === 'string') : []),
    ].filter((f, i, all) => all.indexOf(f) === i);
    const meta: ImportedDatasetMeta = {
      kind: info.kind,
      sources: info.sources,
      mean: r.mean,
      std: r.std,
      contentHash: r.contentHash,
      sourceFingerprint: r.sourceFingerprint,
      sourceFingerprints: fingerprints.slice(0, MAX_FINGERPRINTS),
      options: r.options,
      skippedCount: info.skipped.length,
      skipped: info.skipped.slice(0, STORED_SKIPS_MAX).map(toSkip),
      notesCount: info.notes.length,
      notes: info.notes.slice(0, MAX_NOTES).map((n) => ({ path: n.path, note: n.note })),
      summary: info.summary,
      labels: labels !== undefined,
      mosaicPng: r.mosaic.toString('base64'),
      cacheFile: file,
      cacheBytes: bytes,
      importedAt: Date.now(),
      importMs: r.elapsedMs,
      ...(info.idx ?? {}),
    };
    let dataset: DatasetRecord;
    try {
      dataset = this.store.saveDataset({
        id,
        // Same content imported again under another name: the dataset keeps its first name.
        name: existing?.name ?? info.name,
        kind: info.kind,
        sourcePath,
        count: r.count,
        height: r.height,
        width: r.width,
        channels: r.channels,
        meta,
      });
    } catch (err) {
      if (wrote && existing === undefined) await rm(file, { force: true }).catch(() => undefined);
      throw err;
    }
    const report: ImportReport = {
      kind: info.kind,
      cached: false,
      imported: r.count,
      skipped: info.skipped.map(toSkip),
      skippedCount: info.skipped.length,
      notes: info.notes.map((n) => ({ path: n.path, note: n.note })),
      labels: labels !== undefined,
      summary: info.summary,
      elapsedMs: performance.now() - info.started,
    };
    return { dataset, report, cached: false, cacheFile: file };
  }
}

function toSkip(s: ImportSkip): ImportSkip {
  return { path: s.path, kind: s.kind, reason: s.reason };
}
