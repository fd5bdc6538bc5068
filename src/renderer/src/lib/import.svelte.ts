/**
 * Importing a folder of pictures from the new-run form. In the desktop app the folders come from a native
 * dialog (chooseImportPaths) or are dropped (their paths via the preload); in a browser the files are
 * uploaded one request each into a staging folder on the server. Either way the first pictures are shown
 * as the options turn them out (previewImport) before anything is committed; confirm() imports. Progress
 * comes from 'import-progress' events; the result is the import's report and the new dataset.
 */
import type { ImportOutcome, ImportPreviewResult, ImportSkip } from '../../../shared/imports';
import type { DatasetRecord } from '../../../shared/runs';
import type { WorkbenchEvent } from '../../../shared/workbench-events';
import type { Connection } from './client';
import { errorMessage } from './connection';

/** A file picked or dropped in a browser, with its path inside the chosen folder ('pics/cat.png'). */
export interface PickedFile {
  readonly file: File;
  readonly name: string;
}

export type ImportPhase =
  'idle' | 'uploading' | 'previewing' | 'preview' | 'importing' | 'done' | 'failed' | 'cancelled';

/** Pictures shown in the preview before committing. */
export const PREVIEW_COUNT = 16;
export type ImportProgress = Extract<WorkbenchEvent, { type: 'import-progress' }>;

/** Uploads in flight at once. */
const UPLOADS_AT_ONCE = 4;

let counter = 0;
function newImportId(): string {
  counter++;
  const random = globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random()}`;
  return `ui-${counter}-${random}`;
}

/** The folder a browser's picked files share (the first part of their paths), for the dataset's name. */
export function commonFolder(files: readonly PickedFile[]): string | undefined {
  const first = files[0]?.name.split('/')[0];
  return first && files.every((f) => f.name.startsWith(`${first}/`)) ? first : undefined;
}

export class ImportState {
  phase = $state<ImportPhase>('idle');
  size = $state<28 | 32 | 64>(32);
  channels = $state<'rgb' | 'gray'>('rgb');
  /** Upload progress (browser): files sent of all picked. */
  sent = $state(0);
  toSend = $state(0);
  progress = $state.raw<ImportProgress | null>(null);
  outcome = $state.raw<ImportOutcome | null>(null);
  /** The first pictures after the transform, before committing (see preview()). */
  preview = $state.raw<ImportPreviewResult | null>(null);
  /** Files the server would not take (too large, a name twice), with the reason: part of the report. */
  uploadSkips = $state.raw<ImportSkip[]>([]);
  error = $state<string | null>(null);

  /** Whether this page uploads files (a browser) or names paths (the desktop app). */
  readonly uploads: boolean;
  readonly #conn: Connection;
  #importId = '';
  /** Shown paths are cut to this prefix (the staging folder, or the one folder imported). */
  #root = '';
  #abort: AbortController | null = null;
  /** What the preview shows and confirm() imports. */
  #pending: { paths: string[]; name?: string } | null = null;

  busy = $derived(this.phase === 'uploading' || this.phase === 'importing' || this.phase === 'previewing');
  /** Done of total, 0..1, or null while unknown (scanning). */
  fraction = $derived.by(() => {
    if (this.phase === 'uploading') return this.toSend > 0 ? this.sent / this.toSend : null;
    const p = this.progress;
    if (!p) return null;
    if (p.phase === 'writing') return 1;
    return p.total > 0 ? p.done / p.total : null;
  });

  constructor(conn: Connection) {
    this.#conn = conn;
    this.uploads = conn.upload !== undefined;
  }

  /** Follow this import's progress events; returns the unsubscribe function. */
  attach(): () => void {
    return this.#conn.subscribe((e) => {
      if (e.type === 'import-progress' && e.importId === this.#importId) this.progress = e;
    });
  }

  /** A path as shown in the report: relative to the imported folder when it is inside it. */
  shown(path: string): string {
    return this.#root && path.startsWith(this.#root)
      ? path.slice(this.#root.length).replace(/^[\\/]/, '')
      : path;
  }

  /** Every file not imported: the upload's refusals, then the import's skips. */
  get skipped(): readonly ImportSkip[] {
    return [...this.uploadSkips, ...(this.outcome?.report.skipped ?? [])];
  }

  get skippedCount(): number {
    return this.uploadSkips.length + (this.outcome?.report.skippedCount ?? 0);
  }

  /** Desktop app: pick folders in a native dialog, then preview them. */
  async choose(): Promise<DatasetRecord | null> {
    let picked;
    try {
      picked = await this.#conn.client.chooseImportPaths({});
    } catch (err) {
      this.#fail(err);
      return null;
    }
    return picked.cancelled ? null : this.importPaths(picked.paths);
  }

  /** Desktop app: preview folders (or picture files) by path; confirm() imports them. */
  async importPaths(paths: readonly string[]): Promise<DatasetRecord | null> {
    if (this.busy || paths.length === 0) return null;
    this.#begin();
    this.#root = paths.length === 1 ? (paths[0] as string) : '';
    this.#pending = { paths: [...paths] };
    await this.refreshPreview();
    return null;
  }

  /** The first pictures as the current options turn them out (again after an option changed). */
  async refreshPreview(): Promise<void> {
    const pending = this.#pending;
    if (!pending || this.phase === 'importing' || this.phase === 'previewing') return;
    this.phase = 'previewing';
    this.error = null;
    try {
      this.preview = await this.#conn.client.previewImport({
        paths: pending.paths,
        options: { size: this.size, channels: this.channels },
        limit: PREVIEW_COUNT,
      });
      this.phase = 'preview';
    } catch (err) {
      await this.#discard();
      this.#fail(err);
    }
  }

  /** Import what the preview shows, with the current options. */
  async confirm(): Promise<DatasetRecord | null> {
    const pending = this.#pending;
    if (!pending || this.phase !== 'preview') return null;
    return this.#import(pending.paths, pending.name);
  }

  /** Browser: upload the files into a staging folder on the server, then import it. */
  async uploadFiles(files: readonly PickedFile[]): Promise<DatasetRecord | null> {
    const upload = this.#conn.upload;
    if (this.busy || files.length === 0 || !upload) return null;
    this.#begin();
    this.phase = 'uploading';
    this.toSend = files.length;
    const abort = new AbortController();
    this.#abort = abort;
    const importId = this.#importId;
    let folder = '';
    const skips: ImportSkip[] = [];
    let next = 0;
    const worker = async () => {
      while (next < files.length && !abort.signal.aborted) {
        const f = files[next++] as PickedFile;
        try {
          folder = (await upload(importId, f.name, f.file, abort.signal)).folder;
        } catch (err) {
          // A file the server refused (too large, its name twice) is reported; anything else stops.
          if ((err as { name?: unknown }).name !== 'RequestError') throw err;
          const reason = errorMessage(err);
          const own = `${f.name}: `;
          skips.push({
            path: f.name,
            kind: 'upload',
            reason: reason.startsWith(own) ? reason.slice(own.length) : reason,
          });
        }
        this.sent++;
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(UPLOADS_AT_ONCE, files.length) }, worker));
    } catch (err) {
      if (abort.signal.aborted) return null; // cancelled: cancel() discards the upload
      await this.#conn.discardUpload?.(importId).catch(() => undefined);
      this.#fail(err);
      return null;
    } finally {
      this.#abort = null;
    }
    this.uploadSkips = skips;
    if (abort.signal.aborted) return null;
    if (!folder) {
      await this.#conn.discardUpload?.(importId).catch(() => undefined);
      this.#fail(new Error('the server took none of the files'));
      return null;
    }
    this.#root = folder;
    this.#pending = { paths: [folder], name: commonFolder(files) ?? 'upload' };
    await this.refreshPreview();
    return null;
  }

  /** Stop the upload or the import in progress. */
  async cancel(): Promise<void> {
    const id = this.#importId;
    if (this.phase === 'uploading') {
      this.phase = 'cancelled';
      this.#abort?.abort();
      await this.#conn.discardUpload?.(id).catch(() => undefined);
    } else if (this.phase === 'importing') {
      await this.#conn.client.cancelImport({ importId: id }).catch(() => undefined);
    } else if (this.phase === 'preview') {
      await this.#discard();
      this.phase = 'cancelled';
    }
  }

  /** Drop an upload that will not be imported (the server deletes its copies). */
  async #discard(): Promise<void> {
    this.#pending = null;
    if (this.uploads) await this.#conn.discardUpload?.(this.#importId).catch(() => undefined);
  }

  /** Back to the start (a new import). */
  reset(): void {
    if (this.busy) return;
    this.phase = 'idle';
    this.outcome = null;
    this.preview = null;
    this.#pending = null;
    this.error = null;
    this.progress = null;
    this.uploadSkips = [];
  }

  #begin(): void {
    this.#importId = newImportId();
    this.outcome = null;
    this.preview = null;
    this.#pending = null;
    this.error = null;
    this.progress = null;
    this.uploadSkips = [];
    this.sent = 0;
    this.toSend = 0;
  }

  async #import(paths: string[], name?: string): Promise<DatasetRecord | null> {
    this.phase = 'importing';
    try {
      this.outcome = await this.#conn.client.importDataset({
        paths,
        importId: this.#importId,
        options: { size: this.size, channels: this.channels },
        ...(name ? { name } : {}),
      });
      this.phase = 'done';
      return this.outcome.dataset;
    } catch (err) {
      if ((err as { name?: unknown }).name === 'AbortError') this.phase = 'cancelled';
      else this.#fail(err);
      return null;
    }
  }

  #fail(err: unknown): void {
    this.error = errorMessage(err);
    this.phase = 'failed';
  }
}

/** The dataset's thumbnail mosaic as a data URL (imported datasets store it in their meta). */
export function mosaicUrl(d: DatasetRecord): string | null {
  const png = d.meta['mosaicPng'];
  return typeof png === 'string' && png.length > 0 ? `data:image/png;base64,${png}` : null;
}
