/**
 * What an image import reports, as the service, the contract and the CLI pass it on. Plain data only: no
 * Node, Electron or tfjs imports (the import itself is src/main/import).
 */
import type { DatasetRecord } from './runs';

/** A file or folder that was not imported, and why (kind: a code such as 'corrupt'; reason: for people). */
export interface ImportSkip {
  readonly path: string;
  readonly kind: string;
  readonly reason: string;
}

/** What was done to an imported file beyond resizing ('first of 3 frames', 'CMYK converted ...'). */
export interface ImportNoteRecord {
  readonly path: string;
  readonly note: string;
}

/** The most skipped files a dataset's stored metadata lists (skippedCount has them all). */
export const STORED_SKIPS_MAX = 1000;

export interface ImportReport {
  readonly kind: 'folder' | 'idx';
  /**
   * True when the sources were unchanged since an earlier import under the same options (same source
   * fingerprint): the stored dataset was returned without decoding anything.
   */
  readonly cached: boolean;
  /** Images in the dataset. */
  readonly imported: number;
  /** Every file skipped, with its reason; after a cache hit, the stored list (at most STORED_SKIPS_MAX). */
  readonly skipped: readonly ImportSkip[];
  readonly skippedCount: number;
  readonly notes: readonly ImportNoteRecord[];
  /** Whether the dataset has labels (IDX with a labels file). */
  readonly labels: boolean;
  /** 'imported 1,998 images; skipped 12 (3 corrupt or truncated, ...)'. */
  readonly summary: string;
  /** This call's time (a cache hit: the walk and the lookup). */
  readonly elapsedMs: number;
}

export interface ImportOutcome {
  readonly dataset: DatasetRecord;
  readonly report: ImportReport;
  /** Same as report.cached. */
  readonly cached: boolean;
  /** The dataset's cache file (what training reads). */
  readonly cacheFile: string;
}

export interface ImportPreviewResult {
  /** The first images after the transform, each a base64 PNG of size x size pixels. */
  readonly images: readonly string[];
  /** The file of each image. */
  readonly files: readonly string[];
  /** The files skipped before `limit` images were found. */
  readonly skipped: readonly ImportSkip[];
  readonly notes: readonly ImportNoteRecord[];
  readonly size: number;
  readonly channels: 1 | 3;
  /** Candidate files found in the sources (whether or not decoded for the preview). */
  readonly candidates: number;
  /** True when the preview stopped before every candidate was looked at. */
  readonly partial: boolean;
}
