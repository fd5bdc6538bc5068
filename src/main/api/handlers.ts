/**
 * The contract's methods on the workbench service, for both transports (Electron IPC and serve mode).
 * Every input is validated here, in main, with the contract's schema; errors leave as ContractError.
 */
import type { ZodError } from 'zod';
import {
  type ContractError,
  isMethodName,
  METHOD_PARAMS,
  type MethodName,
  type MethodResult,
  type ServerInfo,
} from '../../shared/contract';
import { type ExportFormat, exportFileName } from '../../shared/exports';
import { ConfigError, type RunConfigInput } from '../../shared/run-config';
import { ImportOptionsError } from '../import/options';
import type { Workbench } from '../service/workbench';

type Parsed<M extends MethodName> = ReturnType<(typeof METHOD_PARAMS)[M]['parse']>;
type Handlers = { [M in MethodName]: (p: Parsed<M>) => MethodResult<M> | Promise<MethodResult<M>> };

/** A failure the caller caused: bad input or a request the service refused. */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** What only the desktop app can do: native dialogs (main/index.ts supplies them; serve mode has none). */
export interface DesktopHooks {
  /**
   * Where to write an export: a file (a save dialog), or for 'pngs' a folder; null when the user cancels.
   * `suggestedName` is a file name (no folder) to start from.
   */
  readonly chooseDestination?: (req: {
    readonly runId: number;
    readonly format: ExportFormat;
    readonly suggestedName: string;
  }) => Promise<string | null>;
  /** Folders to import (a folder dialog); null when the user cancels. */
  readonly chooseImportPaths?: () => Promise<string[] | null>;
}

export function createHandlers(wb: Workbench, info: () => ServerInfo, hooks: DesktopHooks = {}): Handlers {
  const startIf = (start: boolean | undefined, id: number) => (start ? wb.start(id) : wb.getRun(id));
  return {
    appInfo: () => info(),
    listDatasets: () => wb.listDatasets(),
    listRuns: () => wb.listRuns(),
    getRun: (p) => wb.getRun(p.runId),
    createRun: (p) => {
      const run = wb.createRun({
        dataset: p.dataset,
        method: p.method,
        preset: p.preset,
        overrides: p.overrides as Partial<RunConfigInput>,
        name: p.name,
      });
      return startIf(p.start, run.id);
    },
    createPair: (p) => {
      const runs = wb.createPair({
        dataset: p.dataset,
        a: p.a,
        b: p.b,
        preset: p.preset,
        overrides: p.overrides as Partial<RunConfigInput>,
        name: p.name,
        sameOptimizer: p.sameOptimizer,
      });
      return runs.map((r) => startIf(p.start, r.id));
    },
    startRun: (p) => wb.start(p.runId),
    pauseRun: async (p) => {
      await wb.pause(p.runId);
      return wb.getRun(p.runId);
    },
    stopRun: async (p) => {
      await wb.stop(p.runId);
      return wb.getRun(p.runId);
    },
    deleteRun: async (p) => {
      wb.getRun(p.runId);
      await wb.delete(p.runId);
      return { deleted: true as const };
    },
    renameRun: (p) => wb.rename(p.runId, p.name),
    annotateRun: (p) => wb.annotate(p.runId, { notes: p.notes, tags: p.tags }),
    readMetrics: (p) => wb.readMetrics(p.runId, p.names, p.maxPoints ?? 1000),
    sampleSteps: (p) => wb.sampleSteps(p.runId),
    sample: (p) => {
      const s = wb.sample(p.runId, p.step);
      return s ? { step: s.step, kind: s.kind, png: base64(s.png), shape: s.shape } : null;
    },
    diagnosticSteps: (p) => wb.diagnosticSteps(p.runId, p.kind),
    diagnostics: (p) => {
      const d = wb.nearestDiagnostics(p.runId, p.kind, p.step);
      return d ? { step: d.step, kind: p.kind, data: d.data } : null;
    },
    checkpointSteps: (p) => wb.checkpointSteps(p.runId),
    importDataset: (p) => {
      const req = { name: p.name, importId: p.importId };
      if (p.kind === 'idx') {
        if (p.paths.length > 2) {
          throw new RequestError('an IDX import takes [images file] or [images file, labels file]', 'paths');
        }
        return wb.importIdx(p.paths[0] as string, p.paths[1], p.options ?? {}, req);
      }
      return wb.importFolder(p.paths, p.options ?? {}, req);
    },
    previewImport: (p) => wb.previewImport(p.paths, p.options ?? {}, p.limit ?? 16),
    cancelImport: (p) => ({ cancelled: wb.cancelImport(p.importId) }),
    getDataset: (p) => wb.getDataset(p.datasetId),
    exportRun: async (p) => {
      const choose = hooks.chooseDestination;
      if (!choose) {
        throw new RequestError(
          'exportRun opens a save dialog in the desktop app; in a browser, download ' +
            `GET /api/export?runId=${p.runId}&format=${p.format} instead`,
        );
      }
      const run = wb.getRun(p.runId);
      const out = await choose({
        runId: run.id,
        format: p.format,
        suggestedName: exportFileName(
          run.id,
          p.format,
          p.format === 'csv' || p.format === 'json' ? undefined : (p.step ?? run.step),
        ),
      });
      if (out === null) return { cancelled: true as const };
      const r = await wb.exportRun(run.id, { format: p.format, out, step: p.step, count: p.count });
      return { cancelled: false as const, ...r };
    },
    chooseImportPaths: async () => {
      if (!hooks.chooseImportPaths) {
        throw new RequestError(
          'chooseImportPaths opens a folder dialog in the desktop app; in a browser, upload the files (POST /api/upload)',
        );
      }
      const paths = await hooks.chooseImportPaths();
      return paths === null || paths.length === 0
        ? { cancelled: true as const }
        : { cancelled: false as const, paths };
    },
  };
}

/** The first problem of a failed parse, as '<what>: <field>: <message>' naming the field. */
export function invalidInput(what: string, error: ZodError): RequestError {
  const issue = error.issues[0];
  const field =
    issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : (issue?.path.map(String).join('.') ?? '');
  const message = issue?.code === 'unrecognized_keys' ? 'unknown field' : (issue?.message ?? 'invalid input');
  return new RequestError(`${what}: ${field || '(params)'}: ${message}`, field || undefined);
}

/** Validate and dispatch one call; resolves with the result or rejects with a ContractError. */
export async function dispatch(handlers: Handlers, method: unknown, params: unknown): Promise<unknown> {
  if (!isMethodName(method)) throw toContractError(new RequestError(`unknown method '${String(method)}'`));
  const parsed = METHOD_PARAMS[method].safeParse(params ?? {});
  if (!parsed.success) throw toContractError(invalidInput(method, parsed.error));
  try {
    const handler = handlers[method] as (p: unknown) => unknown;
    return await handler(parsed.data);
  } catch (err) {
    throw toContractError(err);
  }
}

export function toContractError(err: unknown): ContractError {
  if (err instanceof ConfigError) {
    return { name: 'ConfigError', message: err.message, field: err.issues[0]?.field };
  }
  if (err instanceof ImportOptionsError) {
    const field = err.issues[0]?.field;
    return { name: err.name, message: err.message, ...(field ? { field: `options.${field}` } : {}) };
  }
  if (err instanceof RequestError) {
    return { name: err.name, message: err.message, ...(err.field ? { field: err.field } : {}) };
  }
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

export function isContractError(value: unknown): value is ContractError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ContractError).name === 'string' &&
    typeof (value as ContractError).message === 'string'
  );
}
