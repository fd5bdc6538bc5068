/**
 * Shared by the renderer tests: a fake connection (every contract method a vi.fn, events pushed by
 * `emit`) that the tests hand to vi.mock of src/renderer/src/lib/client.ts, and small record builders.
 * It starts as the desktop app's (IPC: pathForFile); `useHttp()` makes it a browser's (export links,
 * uploads) until the next reset.
 */
import { vi, type Mock } from 'vitest';
import type { Connection, ExportLink } from '../../src/renderer/src/lib/client';
import type { UploadResult, WorkbenchClient } from '../../src/shared/contract';
import { resolveRunConfig } from '../../src/shared/run-config';
import type { RunRecord } from '../../src/shared/runs';
import type { WorkbenchEvent } from '../../src/shared/workbench-events';

type Fns = { [M in keyof WorkbenchClient]: Mock<WorkbenchClient[M]> };

const listeners = new Set<(e: WorkbenchEvent) => void>();
const client = {} as Fns;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
const conn: Mutable<Connection> = {
  transport: 'ipc',
  client: client as unknown as WorkbenchClient,
  subscribe(listener: (e: WorkbenchEvent) => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

export const fake = {
  client,
  conn: conn as Connection,
  /** Browser-side calls of the HTTP connection (set by useHttp). */
  http: {
    upload:
      vi.fn<(importId: string, name: string, file: Blob, signal?: AbortSignal) => Promise<UploadResult>>(),
    discardUpload: vi.fn(async (_importId: string) => undefined),
  },
  pathForFile: vi.fn((file: File) => `/home/me/${file.name}`),
  /** Make the connection a browser's (serve mode). */
  useHttp(): void {
    conn.transport = 'http';
    conn.exportUrl = (l: ExportLink) =>
      `/api/export?runId=${l.runId}&format=${l.format}${l.step !== undefined ? `&step=${l.step}` : ''}` +
      `${l.count !== undefined ? `&count=${l.count}` : ''}&token=t0k`;
    conn.upload = fake.http.upload;
    conn.discardUpload = fake.http.discardUpload;
    delete conn.pathForFile;
  },
  emit(e: WorkbenchEvent): void {
    for (const l of [...listeners]) l(e);
  },
  listenerCount: () => listeners.size,
  /** Fresh mocks with harmless answers; tests override what they need. */
  reset(): void {
    listeners.clear();
    conn.transport = 'ipc';
    delete conn.exportUrl;
    delete conn.upload;
    delete conn.discardUpload;
    fake.pathForFile.mockClear();
    conn.pathForFile = fake.pathForFile;
    fake.http.upload.mockReset();
    fake.http.discardUpload.mockClear();
    const none = <T>(v: T) => vi.fn(async () => v);
    Object.assign(client, {
      appInfo: vi.fn(async () => ({
        name: 'wgan-workbench',
        version: '0.1.0',
        platform: 'linux',
        transport: 'ipc' as const,
        backend: { choice: 'wasm', note: 'tfjs-node not installed' },
      })),
      listDatasets: none([]),
      listRuns: none([]),
      getRun: vi.fn(async ({ runId }: { runId: number }) => makeRun({ id: runId })),
      createRun: vi.fn(),
      createPair: vi.fn(),
      startRun: vi.fn(),
      pauseRun: vi.fn(),
      stopRun: vi.fn(),
      deleteRun: none({ deleted: true as const }),
      renameRun: vi.fn(),
      annotateRun: vi.fn(),
      readMetrics: none({}),
      sampleSteps: none([]),
      sample: none(null),
      diagnosticSteps: none([]),
      diagnostics: none(null),
      checkpointSteps: none([]),
      importDataset: vi.fn(),
      previewImport: vi.fn(),
      cancelImport: none({ cancelled: true }),
      getDataset: vi.fn(),
      exportRun: vi.fn(),
      chooseImportPaths: none({ cancelled: true as const }),
    });
  },
};

export function makeRun(over: Partial<RunRecord> & { id: number }): RunRecord {
  const method = (over.method ?? 'gp') as 'clip' | 'gp';
  const dataset = (over.datasetId ?? 'mixture3') as 'mixture3';
  return {
    name: `run ${over.id}`,
    datasetId: dataset,
    method,
    config: resolveRunConfig({ dataset, method }),
    status: 'completed',
    backend: 'wasm',
    backendDetail: null,
    error: null,
    step: 1500,
    total: 1500,
    pairId: null,
    notes: '',
    tags: [],
    createdAt: Date.UTC(2025, 0, over.id),
    startedAt: null,
    endedAt: null,
    lastMetrics: {},
    ...over,
  };
}

/** jsdom has no canvas: answer null (the components then skip drawing) instead of logging errors. */
export function stubCanvas(): void {
  HTMLCanvasElement.prototype.getContext = (() => null) as typeof HTMLCanvasElement.prototype.getContext;
}
