/**
 * Something stored per step (a sample picture, one kind of diagnostics): the list of steps and the item
 * nearest to the step asked for. Answers that arrive after a newer request are dropped.
 */
import { errorMessage } from './connection';
import { nearestStep } from './steps';

export class StepResource<T> {
  steps = $state.raw<number[]>([]);
  /** The step last asked for and the stored step it resolved to. */
  requested = $state<number | null>(null);
  step = $state<number | null>(null);
  item = $state.raw<T | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);

  readonly #list: () => Promise<number[]>;
  readonly #fetch: (step: number) => Promise<T | null>;
  #ticket = 0;

  constructor(list: () => Promise<number[]>, fetchAt: (step: number) => Promise<T | null>) {
    this.#list = list;
    this.#fetch = fetchAt;
  }

  async refreshSteps(): Promise<void> {
    try {
      this.steps = await this.#list();
      this.error = null;
    } catch (err) {
      this.error = errorMessage(err);
    }
  }

  /** Show the stored item nearest to `target` (fetches only when that is another step). */
  async show(target: number): Promise<void> {
    this.requested = target;
    const at = nearestStep(this.steps, target);
    if (at === null || (at === this.step && this.item !== null)) return;
    const ticket = ++this.#ticket;
    this.loading = true;
    try {
      const item = await this.#fetch(at);
      if (ticket !== this.#ticket) return;
      this.item = item;
      this.step = at;
      this.error = null;
    } catch (err) {
      if (ticket === this.#ticket) this.error = errorMessage(err);
    } finally {
      if (ticket === this.#ticket) this.loading = false;
    }
  }

  /** The latest stored step, or null. */
  get last(): number | null {
    return this.steps.at(-1) ?? null;
  }
}
