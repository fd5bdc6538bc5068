/**
 * Shared by the renderer tests: a fake connection (every contract method a vi.fn, events pushed by
 * `emit`) that the tests hand to vi.mock of src/renderer/src/lib/client.ts, and small record builders.
 */
import { vi, type Mock } from 'vitest';
import type { WorkbenchClient } from '../../src/shared/contract';
import { resolveRunConfig } from '../../src/shared/run-config';
import type { RunRecord } from '../../src/shared/runs';
import type { WorkbenchEvent } from '../../src/shared/workbench-events';

type Fns = { [M in keyof WorkbenchClient]: Mock<WorkbenchClient[M]> };

const listeners = new Set<(e: WorkbenchEvent) => void>();
const client = {} as Fns;

export const fake = {
  client,
  conn: {
    transport: 'ipc' as const,
    client: client as unknown as WorkbenchClient,
    subscribe(listener: (e: WorkbenchEvent) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  },
  emit(e: WorkbenchEvent): void {
    for (const l of [...listeners]) l(e);
  },
  listenerCount: () => listeners.size,
  /** Fresh mocks with harmless answers; tests override what they need. */
  reset(): void {
    listeners.clear();
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
