/**
 * The Export dialog's state: the format, the step (the one on screen to start with) and, for single
 * images, how many. In the desktop app it calls exportRun (main opens a save dialog); in a browser it
 * gives the download link of GET /api/export.
 */
import {
  DEFAULT_EXPORT_COUNT,
  EXPORT_FORMATS,
  type ExportFormat,
  type ExportOutcome,
  MAX_EXPORT_COUNT,
} from '../../../shared/exports';
import { isImageDataset } from '../../../shared/run-config';
import type { RunRecord } from '../../../shared/runs';
import type { Connection } from './client';
import { errorMessage } from './connection';

/** Formats that take a step (metrics are exported whole). */
export function usesStep(format: ExportFormat): boolean {
  return format !== 'csv' && format !== 'json';
}

export const STEP_HINTS: Record<ExportFormat, string> = {
  grid: 'The stored sample grid nearest this step.',
  gif: 'Every stored sample grid up to this step, one frame each.',
  pngs: 'Fresh samples from the checkpoint nearest this step.',
  csv: 'Every logged metric, one row per step.',
  json: 'Every logged metric, one object per step.',
};

function wholeNumber(text: string, min: number, max: number): number | null {
  if (!/^\d+$/.test(text.trim())) return null;
  const n = Number(text.trim());
  return n >= min && n <= max ? n : null;
}

export class ExportForm {
  format = $state<ExportFormat>('grid');
  stepText = $state('');
  countText = $state(String(DEFAULT_EXPORT_COUNT));
  busy = $state(false);
  error = $state<string | null>(null);

  readonly run: RunRecord;
  /** Single images need an image dataset. */
  readonly formats: readonly ExportFormat[];
  readonly #conn: Connection;

  step = $derived(wholeNumber(this.stepText, 0, Number.MAX_SAFE_INTEGER));
  count = $derived(wholeNumber(this.countText, 1, MAX_EXPORT_COUNT));
  errors = $derived.by(() => {
    const out: { step?: string; count?: string } = {};
    if (usesStep(this.format) && this.step === null) out.step = 'a whole number, 0 or more';
    if (this.format === 'pngs' && this.count === null)
      out.count = `a whole number from 1 to ${MAX_EXPORT_COUNT}`;
    return out;
  });
  valid = $derived(Object.keys(this.errors).length === 0);

  constructor(conn: Connection, run: RunRecord, step: number | null) {
    this.#conn = conn;
    this.run = run;
    this.formats = EXPORT_FORMATS.filter((f) => f !== 'pngs' || isImageDataset(run.config.dataset));
    this.stepText = String(step ?? run.step);
  }

  /** Serve mode: the download link (null while the form is invalid). */
  get href(): string | null {
    const url = this.#conn.exportUrl;
    return this.valid && url ? url(this.#params()) : null;
  }

  /** Whether exports are downloads (a browser) rather than files written by the app. */
  get download(): boolean {
    return this.#conn.exportUrl !== undefined;
  }

  #params(): { runId: number; format: ExportFormat; step?: number; count?: number } {
    return {
      runId: this.run.id,
      format: this.format,
      ...(usesStep(this.format) && this.step !== null ? { step: this.step } : {}),
      ...(this.format === 'pngs' && this.count !== null ? { count: this.count } : {}),
    };
  }

  /**
   * Desktop app: ask main to export (it opens the save dialog). Null when the user cancelled or it failed
   * (then `error` says why).
   */
  async save(): Promise<ExportOutcome | null> {
    if (!this.valid || this.busy) return null;
    this.busy = true;
    this.error = null;
    try {
      const r = await this.#conn.client.exportRun(this.#params());
      return r.cancelled ? null : r;
    } catch (err) {
      this.error = errorMessage(err);
      return null;
    } finally {
      this.busy = false;
    }
  }
}

/** A line for the toast after an export. */
export function describeExport(r: ExportOutcome): string {
  if (r.format === 'pngs') {
    const first = r.paths[0] ?? '';
    const folder = first.slice(0, Math.max(first.lastIndexOf('/'), first.lastIndexOf('\\')));
    return `Wrote ${r.paths.length} images (checkpoint at step ${r.step}) to ${folder}`;
  }
  return `Exported to ${r.paths[0] ?? '?'}`;
}
