/** The run list: every run, kept live from push events, with filter, sort and selection. */
import type { RunRecord, RunStatus } from '../../../shared/runs';
import type { WorkbenchEvent } from '../../../shared/workbench-events';
import type { Connection } from './client';
import { errorMessage } from './connection';
import { filterRuns, sortRuns, withMetrics, type SortDir, type SortKey } from './run-table';

export const MAX_COMPARE = 4;

export class RunListState {
  runs = $state.raw<RunRecord[]>([]);
  loading = $state(true);
  error = $state<string | null>(null);
  text = $state('');
  status = $state<RunStatus | 'all'>('all');
  sortKey = $state<SortKey>('created');
  sortDir = $state<SortDir>('desc');
  selected = $state.raw<readonly number[]>([]);

  visible = $derived(sortRuns(filterRuns(this.runs, this.text, this.status), this.sortKey, this.sortDir));
  canCompare = $derived(this.selected.length >= 2 && this.selected.length <= MAX_COMPARE);

  readonly #conn: Connection;

  constructor(conn: Connection) {
    this.#conn = conn;
  }

  async load(): Promise<void> {
    this.loading = true;
    try {
      this.runs = await this.#conn.client.listRuns({});
      this.error = null;
    } catch (err) {
      this.error = errorMessage(err);
    } finally {
      this.loading = false;
    }
  }

  /** Follow run, run-deleted and metrics events; returns the unsubscribe function. */
  attach(): () => void {
    return this.#conn.subscribe((e) => this.apply(e));
  }

  apply(e: WorkbenchEvent): void {
    if (e.type === 'run') {
      const i = this.runs.findIndex((r) => r.id === e.run.id);
      this.runs = i < 0 ? [...this.runs, e.run] : this.runs.map((r, k) => (k === i ? e.run : r));
    } else if (e.type === 'run-deleted') {
      this.runs = this.runs.filter((r) => r.id !== e.runId);
      this.selected = this.selected.filter((id) => id !== e.runId);
    } else if (e.type === 'metrics') {
      if (!this.runs.some((r) => r.id === e.runId)) return;
      this.runs = this.runs.map((r) => (r.id === e.runId ? withMetrics(r, e.step, e.values) : r));
    }
  }

  sortBy(key: SortKey): void {
    if (this.sortKey === key) this.sortDir = this.sortDir === 'asc' ? 'desc' : 'asc';
    else {
      this.sortKey = key;
      this.sortDir = key === 'name' || key === 'dataset' || key === 'method' ? 'asc' : 'desc';
    }
  }

  isSelected(id: number): boolean {
    return this.selected.includes(id);
  }

  toggle(id: number): void {
    this.selected = this.isSelected(id) ? this.selected.filter((x) => x !== id) : [...this.selected, id];
  }

  clearSelection(): void {
    this.selected = [];
  }

  #replace(run: RunRecord): void {
    this.runs = this.runs.map((r) => (r.id === run.id ? run : r));
  }

  async rename(id: number, name: string): Promise<void> {
    this.#replace(await this.#conn.client.renameRun({ runId: id, name }));
  }

  async annotate(id: number, notes: string): Promise<void> {
    this.#replace(await this.#conn.client.annotateRun({ runId: id, notes }));
  }

  async remove(id: number): Promise<void> {
    await this.#conn.client.deleteRun({ runId: id });
    this.apply({ type: 'run-deleted', runId: id });
  }
}
