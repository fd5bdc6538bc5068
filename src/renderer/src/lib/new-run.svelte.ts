/**
 * The new-run form: dataset, method, preset and the user's edits to hyperparameters. Values the user has
 * not touched follow resolveRunConfig (defaults, then the preset); only edits that differ from those are
 * sent as overrides. Validation uses the shared schema, so messages name the same fields the server does.
 */
import {
  ConfigError,
  defaultPresetFor,
  isDatasetId,
  resolveRunConfig,
  type DatasetId,
  type LipschitzMethod,
  type PresetId,
  type RunConfig,
  type RunConfigInput,
} from '../../../shared/run-config';
import type { DatasetRecord, RunRecord } from '../../../shared/runs';
import type { Connection } from './client';
import { FIELDS, type FieldKey } from './config-fields';

type Value = number | string | boolean;
export type FieldErrors = Partial<Record<string, string>>;

/** The pair the form starts (the contract's createPair defaults, named explicitly). */
export const PAIR: readonly [LipschitzMethod, LipschitzMethod] = ['clip', 'gp'];

/** Text typed into a field, as the value the schema checks; a string message when it is not one. */
export function parseField(key: FieldKey, text: string): Value | { error: string } {
  const spec = FIELDS[key];
  if (spec.kind === 'bool') return text === 'true';
  if (spec.kind === 'enum') {
    const option = spec.options.find((o) => String(o) === text);
    return option ?? { error: `choose one of ${spec.options.join(', ')}` };
  }
  if (text.trim() === '') return { error: 'required' };
  const n = Number(text);
  if (!Number.isFinite(n)) return { error: 'not a number' };
  if (spec.kind === 'int' && !Number.isInteger(n)) return { error: 'must be a whole number' };
  return n;
}

export class NewRunForm {
  datasets = $state.raw<DatasetRecord[]>([]);
  dataset = $state<DatasetId>('mixture3');
  method = $state<LipschitzMethod>('gp');
  /** 'default' follows the dataset's default preset. */
  preset = $state<PresetId | 'default'>('default');
  name = $state('');
  sameOptimizer = $state(false);
  /** The text of each field the user edited. */
  edits = $state.raw<Partial<Record<FieldKey, string>>>({});
  submitting = $state(false);
  /** A field error the server gave, kept while the form is as it was sent. */
  #server = $state.raw<{ at: string; errors: FieldErrors } | null>(null);

  presetId = $derived<PresetId>(this.preset === 'default' ? defaultPresetFor(this.dataset) : this.preset);
  defaults = $derived<RunConfig>(
    resolveRunConfig({ dataset: this.dataset, method: this.method, preset: this.presetId }),
  );
  #parsed = $derived(this.#parse());
  /** The config as the form stands (defaults with the valid edits), for dimming unused fields. */
  current = $derived<RunConfig>({ ...this.defaults, ...this.#parsed.values } as RunConfig);
  /** Field -> message, for the form's method and both methods of the pair. */
  errors = $derived<FieldErrors>(this.#validate());
  valid = $derived(Object.keys(this.errors).length === 0);
  overrides = $derived(this.#overrides());

  readonly #conn: Connection;

  constructor(conn: Connection) {
    this.#conn = conn;
  }

  async loadDatasets(): Promise<void> {
    this.datasets = await this.#conn.client.listDatasets({});
  }

  /** Add datasets imported while the form is open; returns the unsubscribe function. */
  attach(): () => void {
    return this.#conn.subscribe((e) => {
      if (e.type !== 'dataset') return;
      this.datasets = [...this.datasets.filter((d) => d.id !== e.dataset.id), e.dataset];
    });
  }

  /** Datasets a run can train on: the built-ins and imported ones ('ds-' and 12 hex digits). */
  trainable(d: DatasetRecord): boolean {
    return isDatasetId(d.id);
  }

  /** A dataset just imported: listed (once) and, when a run can train on it, selected. */
  useDataset(d: DatasetRecord): void {
    this.datasets = [...this.datasets.filter((x) => x.id !== d.id), d];
    if (this.trainable(d)) this.dataset = d.id as DatasetId;
  }

  value(key: FieldKey): string {
    return this.edits[key] ?? String(this.defaults[key]);
  }

  edited(key: FieldKey): boolean {
    return this.edits[key] !== undefined;
  }

  edit(key: FieldKey, text: string): void {
    this.edits = { ...this.edits, [key]: text };
  }

  reset(key?: FieldKey): void {
    if (key === undefined) this.edits = {};
    else this.edits = Object.fromEntries(Object.entries(this.edits).filter(([k]) => k !== key));
  }

  #parse(): { values: Partial<Record<FieldKey, Value>>; errors: FieldErrors } {
    const values: Partial<Record<FieldKey, Value>> = {};
    const errors: FieldErrors = {};
    for (const [key, text] of Object.entries(this.edits) as [FieldKey, string][]) {
      const v = parseField(key, text);
      if (typeof v === 'object') errors[key] = v.error;
      else values[key] = v;
    }
    return { values, errors };
  }

  #validate(): FieldErrors {
    const errors: FieldErrors = { ...this.#parsed.errors };
    const methods = [this.method, ...PAIR].filter((m, i, all) => all.indexOf(m) === i);
    for (const method of methods) {
      try {
        const values = this.#parsed.values as Partial<RunConfigInput>;
        resolveRunConfig({ ...values, dataset: this.dataset, method, preset: this.presetId });
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        for (const issue of err.issues) errors[issue.field] ??= issue.message;
      }
    }
    if (this.name.length > 200) errors['name'] = 'at most 200 characters';
    if (this.#server && this.#server.at === this.#snapshot()) {
      for (const [field, message] of Object.entries(this.#server.errors)) errors[field] ??= message;
    }
    return errors;
  }

  #snapshot(): string {
    return JSON.stringify([
      this.dataset,
      this.method,
      this.preset,
      this.name,
      this.sameOptimizer,
      this.edits,
    ]);
  }

  /** Show a rejected call's field error next to its field (when it names one of the form's fields). */
  #serverError(err: unknown): void {
    const raw = (err as { field?: unknown }).field;
    if (typeof raw !== 'string' || !(err instanceof Error)) return;
    const field = raw.replace(/^overrides\./, '');
    if (!(field in FIELDS) && field !== 'name') return;
    const message = err.message.startsWith(`${field}: `) ? err.message.slice(field.length + 2) : err.message;
    this.#server = { at: this.#snapshot(), errors: { [field]: message } };
  }

  #overrides(): Record<string, Value> {
    const out: Record<string, Value> = {};
    for (const [key, v] of Object.entries(this.#parsed.values) as [FieldKey, Value][]) {
      if (v !== this.defaults[key]) out[key] = v;
    }
    return out;
  }

  #common() {
    const overrides = this.overrides;
    const name = this.name.trim();
    return {
      dataset: this.dataset,
      preset: this.presetId,
      ...(Object.keys(overrides).length > 0 ? { overrides } : {}),
      ...(name ? { name } : {}),
      start: true,
    };
  }

  async #submit<T>(fn: () => Promise<T>): Promise<T | null> {
    if (!this.valid || this.submitting) return null;
    this.submitting = true;
    try {
      return await fn();
    } catch (err) {
      this.#serverError(err);
      throw err;
    } finally {
      this.submitting = false;
    }
  }

  /** Create and start one run; null when the form has errors. */
  startRun(): Promise<RunRecord | null> {
    return this.#submit(() => this.#conn.client.createRun({ ...this.#common(), method: this.method }));
  }

  /** Create and start a clip vs GP pair; null when the form has errors. */
  startPair(): Promise<RunRecord[] | null> {
    return this.#submit(() =>
      this.#conn.client.createPair({
        ...this.#common(),
        a: PAIR[0],
        b: PAIR[1],
        sameOptimizer: this.sameOptimizer,
      }),
    );
  }
}
