/**
 * One run, live: its record, its metric series (re-read at most every 2 s while metrics arrive), its
 * samples and value surfaces, and the pause / resume / stop actions.
 */
import type { DiagnosticPayload, SamplePayload } from '../../../shared/contract';
import type { DiagnosticKind } from '../../../shared/diagnostics';
import type { RunRecord, SeriesData } from '../../../shared/runs';
import type { WorkbenchEvent } from '../../../shared/workbench-events';
import type { Connection } from './client';
import { errorMessage } from './connection';
import { withMetrics } from './run-table';
import { StepResource } from './step-resource.svelte';
import { throttle } from './throttle';

export const METRICS_REFRESH_MS = 2000;
export const MAX_POINTS = 1000;

export function sampleResource(conn: Connection, runId: number): StepResource<SamplePayload> {
  return new StepResource(
    () => conn.client.sampleSteps({ runId }),
    (step) => conn.client.sample({ runId, step }),
  );
}

export function diagnosticResource(
  conn: Connection,
  runId: number,
  kind: DiagnosticKind,
): StepResource<DiagnosticPayload> {
  return new StepResource(
    () => conn.client.diagnosticSteps({ runId, kind }),
    (step) => conn.client.diagnostics({ runId, kind, step }),
  );
}

export class RunViewState {
  run = $state.raw<RunRecord | null>(null);
  series = $state.raw<Record<string, SeriesData>>({});
  error = $state<string | null>(null);
  deleted = $state(false);
  busy = $state(false);
  readonly samples: StepResource<SamplePayload>;
  readonly surface: StepResource<DiagnosticPayload>;
  /** Follow the newest sample while the slider sits at the end. */
  followLatest = $state(true);

  readonly runId: number;
  readonly #conn: Connection;
  readonly #refresh = throttle(() => void this.loadMetrics(), METRICS_REFRESH_MS);

  constructor(conn: Connection, runId: number) {
    this.#conn = conn;
    this.runId = runId;
    this.samples = sampleResource(conn, runId);
    this.surface = diagnosticResource(conn, runId, 'surface');
  }

  async load(): Promise<void> {
    try {
      this.run = await this.#conn.client.getRun({ runId: this.runId });
      this.error = null;
    } catch (err) {
      this.error = errorMessage(err);
      return;
    }
    await Promise.all([this.loadMetrics(), this.#loadSamples()]);
  }

  async loadMetrics(): Promise<void> {
    try {
      this.series = await this.#conn.client.readMetrics({ runId: this.runId, maxPoints: MAX_POINTS });
    } catch (err) {
      this.error = errorMessage(err);
    }
  }

  async #loadSamples(): Promise<void> {
    await Promise.all([this.samples.refreshSteps(), this.surface.refreshSteps()]);
    const last = this.samples.last ?? this.surface.last;
    if (last !== null) await this.showStep(last);
  }

  /** Show the gallery and the value surface nearest to `step`. */
  async showStep(step: number): Promise<void> {
    this.followLatest = step >= (this.samples.last ?? 0);
    await Promise.all([this.samples.show(step), this.surface.show(step)]);
  }

  attach(): () => void {
    const off = this.#conn.subscribe((e) => this.apply(e));
    return () => {
      off();
      this.#refresh.cancel();
    };
  }

  apply(e: WorkbenchEvent): void {
    switch (e.type) {
      case 'run':
        if (e.run.id === this.runId) this.run = e.run;
        return;
      case 'run-deleted':
        if (e.runId === this.runId) this.deleted = true;
        return;
      case 'metrics':
        if (e.runId !== this.runId) return;
        if (this.run) this.run = withMetrics(this.run, e.step, e.values);
        this.#refresh.trigger();
        return;
      case 'samples':
        if (e.runId === this.runId) void this.#newSample(e.step);
        return;
      case 'diagnostics':
        if (e.runId === this.runId && e.kinds.includes('surface')) void this.#newSample(e.step);
        return;
    }
  }

  async #newSample(step: number): Promise<void> {
    await Promise.all([this.samples.refreshSteps(), this.surface.refreshSteps()]);
    if (this.followLatest) await this.showStep(step);
  }

  async #act(fn: () => Promise<RunRecord>): Promise<void> {
    this.busy = true;
    try {
      this.run = await fn();
    } finally {
      this.busy = false;
    }
  }

  pause(): Promise<void> {
    return this.#act(() => this.#conn.client.pauseRun({ runId: this.runId }));
  }

  resume(): Promise<void> {
    return this.#act(() => this.#conn.client.startRun({ runId: this.runId }));
  }

  stop(): Promise<void> {
    return this.#act(() => this.#conn.client.stopRun({ runId: this.runId }));
  }
}
