/** A run's stored diagnostics: one StepResource per kind, the union of their steps, one step for all. */
import type { DiagnosticPayload } from '../../../shared/contract';
import { DIAGNOSTIC_KINDS, type DiagnosticKind } from '../../../shared/diagnostics';
import type { Connection } from './client';
import { diagnosticResource } from './run-view.svelte';
import type { StepResource } from './step-resource.svelte';
import { unionSteps } from './steps';

export class RunDiagnostics {
  readonly runId: number;
  readonly kinds: Readonly<Record<DiagnosticKind, StepResource<DiagnosticPayload>>>;
  steps = $derived.by(() => unionSteps(Object.values(this.kinds).map((r) => r.steps)));

  constructor(conn: Connection, runId: number) {
    this.runId = runId;
    this.kinds = Object.fromEntries(
      DIAGNOSTIC_KINDS.map((k) => [k, diagnosticResource(conn, runId, k)]),
    ) as Record<DiagnosticKind, StepResource<DiagnosticPayload>>;
  }

  async refreshSteps(): Promise<void> {
    await Promise.all(Object.values(this.kinds).map((r) => r.refreshSteps()));
  }

  /** Every kind at its stored step nearest to `step`. */
  async show(step: number): Promise<void> {
    await Promise.all(Object.values(this.kinds).map((r) => r.show(step)));
  }
}
