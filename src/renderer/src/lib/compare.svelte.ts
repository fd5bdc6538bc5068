/**
 * Several runs side by side: their records and series, one sample gallery and one set of diagnostics per
 * run, all driven by one step. Live: run records from events, series re-read at most every 2 s.
 */
import type { SamplePayload } from '../../../shared/contract';
import type { RunRecord, SeriesData } from '../../../shared/runs';
import type { WorkbenchEvent } from '../../../shared/workbench-events';
import type { Connection } from './client';
import { errorMessage } from './connection';
import { RunDiagnostics } from './run-diagnostics.svelte';
import { withMetrics } from './run-table';
import { MAX_POINTS, METRICS_REFRESH_MS, sampleResource } from './run-view.svelte';
import type { StepResource } from './step-resource.svelte';
import { unionSteps } from './steps';
import { throttle } from './throttle';

export class CompareState {
  readonly ids: readonly number[];
  runs = $state.raw<(RunRecord | null)[]>([]);
  series = $state.raw<Record<string, SeriesData>[]>([]);
  error = $state<string | null>(null);
  /** The step the one slider asks for (null: the latest). */
  step = $state<number | null>(null);
  readonly samples: readonly StepResource<SamplePayload>[];
  readonly diagnostics: readonly RunDiagnostics[];
  steps = $derived.by(() =>
    unionSteps([...this.samples.map((s) => s.steps), ...this.diagnostics.map((d) => d.steps)]),
  );

  readonly #conn: Connection;
  readonly #refresh = throttle(() => void this.loadMetrics(), METRICS_REFRESH_MS);

  constructor(conn: Connection, ids: readonly number[]) {
    this.#conn = conn;
    this.ids = ids;
    this.runs = ids.map(() => null);
    this.series = ids.map(() => ({}));
    this.samples = ids.map((id) => sampleResource(conn, id));
    this.diagnostics = ids.map((id) => new RunDiagnostics(conn, id));
  }

  async load(): Promise<void> {
    try {
      this.runs = await Promise.all(this.ids.map((runId) => this.#conn.client.getRun({ runId })));
      this.error = null;
    } catch (err) {
      this.error = errorMessage(err);
      return;
    }
    await Promise.all([this.loadMetrics(), this.#refreshSteps()]);
    const last = this.steps.at(-1);
    if (last !== undefined) await this.show(last);
  }

  async loadMetrics(): Promise<void> {
    try {
      this.series = await Promise.all(
        this.ids.map((runId) => this.#conn.client.readMetrics({ runId, maxPoints: MAX_POINTS })),
      );
    } catch (err) {
      this.error = errorMessage(err);
    }
  }

  async #refreshSteps(): Promise<void> {
    await Promise.all([
      ...this.samples.map((s) => s.refreshSteps()),
      ...this.diagnostics.map((d) => d.refreshSteps()),
    ]);
  }

  /** Move every gallery and diagnostics panel to its stored step nearest to `step`. */
  async show(step: number): Promise<void> {
    this.step = step;
    await Promise.all([
      ...this.samples.map((s) => s.show(step)),
      ...this.diagnostics.map((d) => d.show(step)),
    ]);
  }

  attach(): () => void {
    const off = this.#conn.subscribe((e) => this.apply(e));
    return () => {
      off();
      this.#refresh.cancel();
    };
  }

  apply(e: WorkbenchEvent): void {
    if (e.type === 'run') {
      const i = this.ids.indexOf(e.run.id);
      if (i >= 0) this.runs = this.runs.map((r, k) => (k === i ? e.run : r));
      return;
    }
    if (e.type !== 'metrics' && e.type !== 'samples' && e.type !== 'diagnostics') return;
    const i = this.ids.indexOf(e.runId);
    if (i < 0) return;
    if (e.type === 'metrics') {
      this.runs = this.runs.map((r, k) => (k === i && r ? withMetrics(r, e.step, e.values) : r));
      this.#refresh.trigger();
    } else {
      void this.#newStep();
    }
  }

  async #newStep(): Promise<void> {
    const atEnd = this.step === null || this.step >= (this.steps.at(-1) ?? 0);
    await this.#refreshSteps();
    const last = this.steps.at(-1);
    if (atEnd && last !== undefined) await this.show(last);
  }
}
