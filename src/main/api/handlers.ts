/**
 * The contract's methods on the workbench service, for both transports (Electron IPC and serve mode).
 * Every input is validated here, in main, with the contract's schema; errors leave as ContractError.
 */
import {
  type ContractError,
  isMethodName,
  METHOD_PARAMS,
  type MethodName,
  type MethodResult,
  type ServerInfo,
} from '../../shared/contract';
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

export function createHandlers(wb: Workbench, info: () => ServerInfo): Handlers {
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
  };
}

/** Validate and dispatch one call; resolves with the result or rejects with a ContractError. */
export async function dispatch(handlers: Handlers, method: unknown, params: unknown): Promise<unknown> {
  if (!isMethodName(method)) throw toContractError(new RequestError(`unknown method '${String(method)}'`));
  const parsed = METHOD_PARAMS[method].safeParse(params ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field =
      issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : (issue?.path.map(String).join('.') ?? '');
    const message =
      issue?.code === 'unrecognized_keys' ? 'unknown field' : (issue?.message ?? 'invalid input');
    throw toContractError(
      new RequestError(`${method}: ${field || '(params)'}: ${message}`, field || undefined),
    );
  }
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
