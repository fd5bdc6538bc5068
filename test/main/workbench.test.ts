import { describe, expect, it } from 'vitest';
import type { Workbench } from '../../src/main/service/workbench';
import type { RunConfigInput } from '../../src/shared/run-config';
import type { WorkbenchEvent } from '../../src/shared/workbench-events';
import { TINY_RUN } from '../helpers/run-config';
import { tempWorkbenchPerTest } from '../helpers/workbench';

const setup = tempWorkbenchPerTest('wgan-wb-', { flushMs: 50 });

const tiny: Partial<RunConfigInput> = {
  ...TINY_RUN,
  sampleEvery: 20,
  checkpointEvery: 20,
  iterations: 60,
};

function waitFor(wb: Workbench, pred: (e: WorkbenchEvent) => boolean): Promise<WorkbenchEvent> {
  return new Promise((resolve) => {
    const off = wb.subscribe((e) => {
      if (pred(e)) {
        off();
        resolve(e);
      }
    });
  });
}

describe('workbench service', () => {
  it('a clip-vs-GP pair shares every setting but the method and its own hyperparameters', () => {
    const { wb } = setup();
    const [a, b] = wb.createPair({ dataset: '8gaussians', overrides: { seed: 42, iterations: 300 } });
    expect([a.config.method, b.config.method]).toEqual(['clip', 'gp']);
    expect(a.pairId).not.toBeNull();
    expect(a.pairId).toBe(b.pairId);
    const differing = Object.keys(a.config).filter(
      (k) => a.config[k as keyof typeof a.config] !== b.config[k as keyof typeof b.config],
    );
    // toy-fast uses Adam for both methods: only the method differs.
    expect(differing).toEqual(['method']);
    const [c, d] = wb.createPair({ dataset: 'mixture3', preset: 'notebook' });
    const differing2 = Object.keys(c.config).filter(
      (k) => c.config[k as keyof typeof c.config] !== d.config[k as keyof typeof d.config],
    );
    // The notebook compares RMSProp-clip with Adam-GP; same data, seed, architecture and schedule.
    expect(differing2.sort()).toEqual(['lrCritic', 'lrGenerator', 'method', 'optimizer']);
    const [e, f] = wb.createPair({
      dataset: 'mixture3',
      preset: 'notebook',
      sameOptimizer: true,
      a: 'sn',
      b: 'lp',
    });
    expect(
      Object.keys(e.config).filter(
        (k) => e.config[k as keyof typeof e.config] !== f.config[k as keyof typeof f.config],
      ),
    ).toEqual(['method']);
    expect(() => wb.createPair({ dataset: 'mixture3', a: 'gp', b: 'gp' })).toThrow(/two different methods/);
  });

  it('refuses a bad config with the field and the reason', () => {
    const { wb } = setup();
    expect(() => wb.createRun({ dataset: 'mixture3', method: 'gp', overrides: { batchSize: 0 } })).toThrow(
      /batchSize/,
    );
  });

  it('trains a run to completion, storing metrics, samples and checkpoints', async () => {
    const { wb, db } = setup();
    const run = wb.createRun({
      dataset: 'mixture3',
      method: 'gp',
      overrides: { ...tiny, diagnosticsEvery: 10 },
      name: 'first',
      tags: ['t'],
    });
    expect(run.status).toBe('queued');
    wb.start(run.id);
    const done = await wb.whenEnded(run.id);
    expect(done).toMatchObject({ status: 'completed', step: 60, backend: 'wasm', name: 'first' });
    expect(done.lastMetrics['wasserstein']).toBeTypeOf('number');
    const series = wb.readMetrics(run.id, ['wasserstein'], 1000)['wasserstein'];
    expect(series?.step).toEqual(Array.from({ length: 12 }, (_, i) => 5 * (i + 1)));
    expect(wb.sampleSteps(run.id)).toEqual([20, 40, 60]);
    expect(wb.checkpointSteps(run.id)).toEqual([20, 40, 60]);
    expect(Buffer.from(wb.sample(run.id, 41)?.png.subarray(1, 4) ?? []).toString()).toBe('PNG');
    // Diagnostics: the cheap ones every 10 iterations, surfaces and quality with the samples.
    expect(wb.diagnosticSteps(run.id, 'gradNorms')).toEqual([10, 20, 30, 40, 50, 60]);
    expect(wb.diagnosticSteps(run.id, 'surface')).toEqual([20, 40, 60]);
    const quality = wb.nearestDiagnostics(run.id, 'quality', 45);
    expect(quality?.step).toBe(40);
    expect(quality?.data).toMatchObject({ modes: { total: 3, samples: 2500 } });
    const layers = wb.diagnostics(run.id, 'layers', { fromStep: 30, toStep: 50 });
    expect(layers.map((d) => d.step)).toEqual([30, 40, 50]);
    expect(wb.readMetrics(run.id, ['heldOut.wasserstein'])['heldOut.wasserstein']?.step).toEqual([
      10, 20, 30, 40, 50, 60,
    ]);
    expect(done.lastMetrics['quality.modes']).toBeGreaterThanOrEqual(0);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(wb.rename(run.id, '  renamed ').name).toBe('renamed');
    expect(wb.annotate(run.id, { notes: 'n', tags: ['a', 'a', ' b '] })).toMatchObject({
      notes: 'n',
      tags: ['a', 'b'],
    });
    await wb.delete(run.id);
    expect(wb.listRuns()).toHaveLength(0);
  });

  it('kill -9 of a training process leaves an interrupted run that resumes from its last checkpoint', async () => {
    const { wb, db } = setup();
    const run = wb.createRun({
      dataset: 'mixture3',
      method: 'clip',
      overrides: { ...tiny, iterations: 400 },
    });
    let pid: number | undefined;
    const ck = waitFor(wb, (e) => e.type === 'checkpoint' && e.runId === run.id && e.step >= 40);
    wb.subscribe((e) => {
      if (e.type === 'process' && e.runId === run.id) pid = e.pid;
    });
    wb.start(run.id);
    await ck;
    if (!pid) throw new Error('no training process pid');
    process.kill(pid, 'SIGKILL');
    const dead = await wb.whenEnded(run.id);
    expect(dead.status).toBe('interrupted');
    expect(dead.error).toMatch(/SIGKILL/);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const lastCk = Math.max(...wb.checkpointSteps(run.id));
    expect(lastCk).toBeGreaterThanOrEqual(40);
    wb.resume(run.id);
    const done = await wb.whenEnded(run.id);
    expect(done).toMatchObject({ status: 'completed', step: 400 });
    const steps = wb.readMetrics(run.id, ['critic.loss'], 10000)['critic.loss']?.step ?? [];
    // One series without gaps or repeats across the crash.
    expect(steps).toEqual(Array.from({ length: 80 }, (_, i) => 5 * (i + 1)));
  });

  it('a run whose values turn NaN is stored as diverged, with the step and its last good checkpoint', async () => {
    const { wb, db } = setup();
    // Test-only fault injection in the training process: real batches turn NaN after 150 of them
    // (5 per iteration, so around iteration 30).
    process.env['WGAN_FAULT_NAN_AFTER_BATCHES'] = '150';
    try {
      const run = wb.createRun({
        dataset: 'mixture3',
        method: 'gp',
        overrides: {
          ...tiny,
          criticRealBatch: 'fresh',
          checkpointEvery: 10,
          diagnosticsEvery: 0,
          sampleEvery: 0,
        },
      });
      wb.start(run.id);
      const done = await wb.whenEnded(run.id);
      expect(done.status).toBe('diverged');
      const step = Number(/is NaN at step (\d+)/.exec(done.error ?? '')?.[1]);
      expect(step).toBeGreaterThanOrEqual(28);
      expect(step).toBeLessThanOrEqual(32);
      // Checkpoints stop at the last good one, before the NaN.
      const good = Math.floor((step - 1) / 10) * 10;
      expect(Math.max(...wb.checkpointSteps(run.id))).toBe(good);
      expect(done.step).toBeLessThan(step);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      delete process.env['WGAN_FAULT_NAN_AFTER_BATCHES'];
    }
  });

  it('pause then resume continues the run', async () => {
    const { wb } = setup();
    const run = wb.createRun({
      dataset: 'mixture3',
      method: 'gp',
      overrides: { ...tiny, iterations: 100000, checkpointEvery: 0 },
    });
    const first = waitFor(wb, (e) => e.type === 'metrics' && e.runId === run.id);
    wb.start(run.id);
    await first;
    await wb.pause(run.id);
    const paused = wb.getRun(run.id);
    expect(paused.status).toBe('paused');
    const pausedAt = Math.max(...wb.checkpointSteps(run.id));
    expect(pausedAt).toBe(paused.step);
    const more = waitFor(wb, (e) => e.type === 'metrics' && e.runId === run.id && e.step > pausedAt);
    wb.resume(run.id);
    await more;
    await wb.stop(run.id);
    expect(wb.getRun(run.id).status).toBe('stopped');
  });
});
