import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forkLauncher } from '../../src/main/training/launcher';
import { type RunExit, TrainingManager } from '../../src/main/training/manager';
import type { RunConfig } from '../../src/shared/run-config';
import type { FromTrainer, TrainerStart } from '../../src/shared/trainer-protocol';
import { tinyRunConfig } from '../helpers/run-config';

function config(extra: Partial<RunConfig> = {}): RunConfig {
  return tinyRunConfig('gp', { sampleEvery: 10, checkpointEvery: 10, iterations: 20, ...extra });
}

function startMsg(runId: number, extra: Partial<RunConfig> = {}): TrainerStart {
  return { type: 'start', runId, config: config(extra), backend: 'wasm' };
}

interface Watched {
  messages: FromTrainer[];
  exit: Promise<RunExit>;
  firstMetrics: Promise<void>;
}

function watch(manager: TrainingManager, start: TrainerStart): Watched & { state: 'started' | 'queued' } {
  const messages: FromTrainer[] = [];
  let onExit: (e: RunExit) => void = () => undefined;
  let onMetrics: () => void = () => undefined;
  const exit = new Promise<RunExit>((r) => (onExit = r));
  const firstMetrics = new Promise<void>((r) => (onMetrics = r));
  const state = manager.start(start, {
    onMessage: (m) => {
      messages.push(m);
      if (m.type === 'metrics') onMetrics();
    },
    onExit: (e) => onExit(e),
  });
  return { messages, exit, firstMetrics, state };
}

describe('training manager (real processes)', () => {
  it('runs a training process to completion and relays its typed messages', async () => {
    const logs: string[] = [];
    const manager = new TrainingManager({ launcher: forkLauncher(), log: (l) => logs.push(l) });
    const w = watch(manager, startMsg(1));
    const exit = await w.exit;
    expect(exit).toMatchObject({ runId: 1, reason: 'completed', code: 0 });
    const types = w.messages.map((m) => m.type);
    expect(types[0]).toBe('ready');
    expect(types).toContain('backend');
    expect(types.filter((t) => t === 'metrics')).toHaveLength(4);
    expect(types.at(-1)).toBe('end');
    const samples = w.messages.find((m) => m.type === 'samples');
    if (samples?.type !== 'samples') throw new Error('no samples');
    expect(samples.raw).toBeInstanceOf(Float32Array);
    expect(samples.shape).toEqual([50, 2]);
    expect(Buffer.from(samples.png.subarray(1, 4)).toString()).toBe('PNG');
    const ck = w.messages.find((m) => m.type === 'checkpoint');
    expect(ck?.type === 'checkpoint' && ck.bytes instanceof Uint8Array).toBe(true);
    expect(logs.some((l) => new RegExp(`^\\[run 1 pid ${exit.pid}\\] started`).test(l))).toBe(true);
  });

  it('stops and pauses gracefully with a checkpoint', async () => {
    const manager = new TrainingManager({ launcher: forkLauncher() });
    const a = watch(manager, startMsg(2, { iterations: 100000, checkpointEvery: 0 }));
    const b = watch(manager, startMsg(3, { iterations: 100000, checkpointEvery: 0 }));
    await Promise.all([a.firstMetrics, b.firstMetrics]);
    await Promise.all([manager.stop(2, 'stop'), manager.stop(3, 'pause')]);
    expect((await a.exit).reason).toBe('stopped');
    expect((await b.exit).reason).toBe('paused');
    for (const w of [a, b]) {
      const end = w.messages.find((m) => m.type === 'end');
      const ck = w.messages.filter((m) => m.type === 'checkpoint').at(-1);
      expect(end?.type === 'end' && ck?.type === 'checkpoint' && ck.step === end.step).toBe(true);
    }
  });

  it('reports a process killed with SIGKILL as crashed', async () => {
    const manager = new TrainingManager({ launcher: forkLauncher() });
    const w = watch(manager, startMsg(4, { iterations: 100000 }));
    await w.firstMetrics;
    const ready = w.messages.find((m) => m.type === 'ready');
    if (ready?.type !== 'ready') throw new Error('no ready');
    process.kill(ready.pid, 'SIGKILL');
    expect(await w.exit).toMatchObject({ reason: 'crashed', signal: 'SIGKILL', detail: 'killed by SIGKILL' });
  });

  it('reports a process that cannot start as launch-failed', async () => {
    const manager = new TrainingManager({
      launcher: forkLauncher({ path: join(import.meta.dirname, 'fixtures/missing.mjs'), execArgv: [] }),
    });
    const w = watch(manager, startMsg(5));
    expect((await w.exit).reason).toBe('launch-failed');
  });

  it('kills a process that ignores a stop request after the timeout', async () => {
    const manager = new TrainingManager({
      launcher: forkLauncher({
        path: join(import.meta.dirname, 'fixtures/stubborn-trainer.mjs'),
        execArgv: [],
      }),
      stopTimeoutMs: 300,
    });
    const w = watch(manager, startMsg(6));
    await new Promise((r) => setTimeout(r, 300));
    await manager.stop(6);
    expect(await w.exit).toMatchObject({
      reason: 'stopped',
      signal: 'SIGKILL',
      detail: 'killed after the stop timeout',
    });
  });

  it('queues runs beyond the concurrency limit', async () => {
    const manager = new TrainingManager({ launcher: forkLauncher(), concurrency: 1 });
    const a = watch(manager, startMsg(7, { iterations: 10 }));
    const b = watch(manager, startMsg(8, { iterations: 10 }));
    expect([a.state, b.state]).toEqual(['started', 'queued']);
    expect(manager.isQueued(8)).toBe(true);
    const first = await a.exit;
    expect(first.reason).toBe('completed');
    expect(manager.isQueued(8)).toBe(false);
    expect((await b.exit).reason).toBe('completed');
  });

  it('shares the cores among the runs training at once (wasm threads)', async () => {
    const device = (w: Watched) => {
      const m = w.messages.find((x) => x.type === 'backend');
      return m?.type === 'backend' ? m.backend.device : '';
    };
    const manager = new TrainingManager({ launcher: forkLauncher(), cores: 2 });
    const alone = watch(manager, startMsg(11, { iterations: 10 }));
    expect((await alone.exit).reason).toBe('completed');
    expect(device(alone)).toMatch(/\b2 threads\b/);
    // A pair: both processes are running when they ask for their start, so each gets one core.
    const a = watch(manager, startMsg(12, { iterations: 10 }));
    const b = watch(manager, startMsg(13, { iterations: 10 }));
    expect((await a.exit).reason).toBe('completed');
    expect((await b.exit).reason).toBe('completed');
    expect([device(a), device(b)].map((d) => /\b1 thread\b/.test(d))).toEqual([true, true]);
  });
});
