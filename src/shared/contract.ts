/**
 * The one contract between the workbench service and its clients (the renderer through the Electron
 * preload, or through HTTP + server-sent events in serve mode). Every method takes one JSON object and
 * returns JSON; main validates each input with the schema below before calling the service. Push events
 * are WorkbenchEvent (workbench-events.ts). No Node, Electron or tfjs imports here.
 *
 * Bytes (PNG pictures) travel as base64 strings so both transports carry the same payloads.
 */
import { z } from 'zod';
import type { AppInfo } from './app-info';
import { DIAGNOSTIC_KINDS, type DiagnosticKind } from './diagnostics';
import { EXPORT_FORMATS, type ExportOutcome, MAX_EXPORT_COUNT } from './exports';
import type { ImportOutcome, ImportPreviewResult } from './imports';
import { datasetIdSchema, METHODS, PRESETS } from './run-config';
import type { DatasetRecord, RunRecord, SeriesData } from './runs';

const runId = z.number().int().positive();
const step = z.number().int().nonnegative();
/** Run-config overrides are validated again, field by field, by the run-config schema in main. */
const overrides = z.record(z.string(), z.union([z.number(), z.string(), z.boolean()]));

/**
 * Paths on the machine that runs the service. In serve mode that is the server's file system, not the
 * browser's: a client names folders the server can read, or uploads files first (POST /api/upload, see
 * UPLOAD_QUERY) and names the staging folder the upload answered with.
 */
const fsPath = z.string().min(1).max(4096);
const colour = z.union([
  z.string().regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, "expected '#rrggbb' or '#rgb'"),
  z.tuple([
    z.number().int().min(0).max(255),
    z.number().int().min(0).max(255),
    z.number().int().min(0).max(255),
  ]),
]);
/**
 * The import options a client may set (main completes and checks them again with the import's own
 * schema). The guards against hostile input (pixel and file-size limits) keep main's defaults.
 */
const importOptions = z.strictObject({
  size: z.union([z.literal(28), z.literal(32), z.literal(64)]).optional(),
  fit: z.enum(['crop', 'pad', 'stretch']).optional(),
  padColor: colour.optional(),
  channels: z.enum(['gray', 'rgb']).optional(),
  background: colour.optional(),
  recursive: z.boolean().optional(),
  includeHidden: z.boolean().optional(),
});
/** Client-chosen id of an import, echoed by its 'import-progress' events and taken by cancelImport. */
const importId = z.string().min(1).max(100);
const exportCount = z.number().int().min(1).max(MAX_EXPORT_COUNT);

/** Input schemas, one per method. */
export const METHOD_PARAMS = {
  appInfo: z.strictObject({}),
  listRuns: z.strictObject({}),
  getRun: z.strictObject({ runId }),
  listDatasets: z.strictObject({}),
  createRun: z.strictObject({
    dataset: datasetIdSchema,
    method: z.enum(METHODS),
    preset: z.enum(PRESETS).optional(),
    overrides: overrides.optional(),
    name: z.string().max(200).optional(),
    start: z.boolean().optional(),
  }),
  createPair: z.strictObject({
    dataset: datasetIdSchema,
    a: z.enum(METHODS).optional(),
    b: z.enum(METHODS).optional(),
    preset: z.enum(PRESETS).optional(),
    overrides: overrides.optional(),
    name: z.string().max(200).optional(),
    sameOptimizer: z.boolean().optional(),
    start: z.boolean().optional(),
  }),
  startRun: z.strictObject({ runId }),
  pauseRun: z.strictObject({ runId }),
  stopRun: z.strictObject({ runId }),
  deleteRun: z.strictObject({ runId }),
  renameRun: z.strictObject({ runId, name: z.string().min(1).max(200) }),
  annotateRun: z.strictObject({
    runId,
    notes: z.string().max(20_000).optional(),
    tags: z.array(z.string().max(50)).max(50).optional(),
  }),
  readMetrics: z.strictObject({
    runId,
    names: z.array(z.string().max(100)).max(100).optional(),
    maxPoints: z.number().int().min(2).max(20_000).optional(),
  }),
  sampleSteps: z.strictObject({ runId }),
  sample: z.strictObject({ runId, step }),
  diagnosticSteps: z.strictObject({ runId, kind: z.enum(DIAGNOSTIC_KINDS) }),
  diagnostics: z.strictObject({ runId, kind: z.enum(DIAGNOSTIC_KINDS), step }),
  checkpointSteps: z.strictObject({ runId }),
  /**
   * Import a dataset. kind 'folder' (default): `paths` are folders and picture files; kind 'idx': `paths`
   * is [images file] or [images file, labels file] (IDX, optionally gzipped). Resolves when the dataset
   * is stored (or found unchanged: report.cached); 'import-progress' events report on the way.
   */
  importDataset: z.strictObject({
    kind: z.enum(['folder', 'idx']).optional(),
    paths: z.array(fsPath).min(1).max(100),
    name: z.string().trim().min(1).max(200).optional(),
    options: importOptions.optional(),
    importId: importId.optional(),
  }),
  /** The first `limit` pictures of folders / files after the transform, as PNGs; nothing is stored. */
  previewImport: z.strictObject({
    paths: z.array(fsPath).min(1).max(100),
    options: importOptions.optional(),
    limit: z.number().int().min(1).max(64).optional(),
  }),
  cancelImport: z.strictObject({ importId }),
  getDataset: z.strictObject({ datasetId: z.string().min(1).max(100) }),
  /**
   * Desktop app only: ask where to save (a save dialog; a folder dialog for 'pngs') and export there. In
   * serve mode it is refused: a browser downloads GET /api/export?runId=&format=&step=&count= instead.
   */
  exportRun: z.strictObject({
    runId,
    format: z.enum(EXPORT_FORMATS),
    step: step.optional(),
    count: exportCount.optional(),
  }),
  /** Desktop app only: a native dialog for folders to import (refused in serve mode: upload instead). */
  chooseImportPaths: z.strictObject({}),
} as const;

/** A whole number in a query string ('12'), read as a number. */
const queryInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,15}$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/**
 * Serve mode's download, GET /api/export?runId=&format=&step=&count= (plus token= when the server has
 * one, checked before this schema): the file comes back as an attachment. 'pngs' comes as one
 * uncompressed ZIP of the PNGs.
 */
export const EXPORT_QUERY = z.strictObject({
  runId: queryInt(1, Number.MAX_SAFE_INTEGER),
  format: z.enum(EXPORT_FORMATS),
  step: queryInt(0, Number.MAX_SAFE_INTEGER).optional(),
  count: queryInt(1, MAX_EXPORT_COUNT).optional(),
});
export type ExportQuery = z.input<typeof EXPORT_QUERY>;

/**
 * Serve mode's upload, POST /api/upload?importId=: one file per request, the raw bytes as the body
 * (Content-Type application/octet-stream) and its path relative to the chosen folder, URI-encoded, in the
 * X-Upload-Name header. Files of one importId land in one staging folder on the server; the answer names
 * it (UploadResult), the client then calls importDataset with it and the same importId, and the server
 * removes the folder when that import ends. DELETE /api/upload?importId= discards an unfinished upload.
 */
export const UPLOAD_QUERY = z.strictObject({ importId });
export const UPLOAD_NAME_HEADER = 'x-upload-name';

export interface UploadResult {
  /** The staging folder on the server (pass it to importDataset). */
  readonly folder: string;
  /** Files and bytes received so far for this importId. */
  readonly files: number;
  readonly bytes: number;
  /** The name the file was stored under (sanitised), relative to the folder. */
  readonly stored: string;
}

export type MethodName = keyof typeof METHOD_PARAMS;
export type MethodParams<M extends MethodName> = z.input<(typeof METHOD_PARAMS)[M]>;

export interface SamplePayload {
  readonly step: number;
  readonly kind: '2d' | 'image';
  /** The rendered picture, base64 PNG. */
  readonly png: string;
  readonly shape: readonly number[];
}

export interface DiagnosticPayload {
  readonly step: number;
  readonly kind: DiagnosticKind;
  /** The stored JSON: GradNormDiagnostic, LayerNormDiagnostic, ... (see diagnostics.ts). */
  readonly data: unknown;
}

export interface ServerInfo extends AppInfo {
  /** The compute backend training processes use, and why others were not (filled once known). */
  readonly backend: { readonly choice: string; readonly note: string };
  readonly transport: 'ipc' | 'http';
}

/** Results, one per method. */
export interface MethodResults {
  appInfo: ServerInfo;
  listDatasets: DatasetRecord[];
  listRuns: RunRecord[];
  getRun: RunRecord;
  createRun: RunRecord;
  createPair: RunRecord[];
  startRun: RunRecord;
  pauseRun: RunRecord;
  stopRun: RunRecord;
  deleteRun: { deleted: true };
  renameRun: RunRecord;
  annotateRun: RunRecord;
  readMetrics: Record<string, SeriesData>;
  sampleSteps: number[];
  sample: SamplePayload | null;
  diagnosticSteps: number[];
  diagnostics: DiagnosticPayload | null;
  checkpointSteps: number[];
  importDataset: ImportOutcome;
  previewImport: ImportPreviewResult;
  cancelImport: { cancelled: boolean };
  getDataset: DatasetRecord;
  exportRun: ({ cancelled: false } & ExportOutcome) | { cancelled: true };
  chooseImportPaths: { cancelled: false; paths: string[] } | { cancelled: true };
}

export type MethodResult<M extends MethodName> = MethodResults[M];

/** An error as it crosses a boundary. `field` names the bad input field when there is one. */
export interface ContractError {
  readonly name: string;
  readonly message: string;
  readonly field?: string;
}

/**
 * A call's answer over Electron IPC, in the same shape as serve mode's HTTP answers ({ ok: true, result }).
 * Main never rejects an invoke for a failed call: it answers { ok: false, error } with the contract error
 * (name, message, the bad field when there is one; never a stack). The preload passes the envelope through
 * unchanged and the renderer's client unwraps it.
 */
export type CallEnvelope<T = unknown> =
  { readonly ok: true; readonly result: T } | { readonly ok: false; readonly error: ContractError };

/** What a client calls: one function per method. */
export type WorkbenchClient = {
  [M in MethodName]: (params: MethodParams<M>) => Promise<MethodResult<M>>;
};

export const METHOD_NAMES = Object.keys(METHOD_PARAMS) as MethodName[];

export function isMethodName(value: unknown): value is MethodName {
  return typeof value === 'string' && Object.hasOwn(METHOD_PARAMS, value);
}

/** Electron IPC channels (the preload exposes exactly these). */
export const IPC_CALL_CHANNEL = 'workbench:call';
export const IPC_EVENT_CHANNEL = 'workbench:event';
