/** Short messages in a corner: errors stay until dismissed, notices fade after a few seconds. */
import { errorMessage } from './connection';

export interface Toast {
  readonly id: number;
  readonly kind: 'error' | 'info';
  readonly text: string;
}

export class Toasts {
  items = $state.raw<Toast[]>([]);
  #next = 1;

  push(kind: Toast['kind'], text: string): void {
    const toast = { id: this.#next++, kind, text };
    this.items = [...this.items, toast].slice(-5);
    if (kind === 'info') setTimeout(() => this.dismiss(toast.id), 5000);
  }

  error(err: unknown, context?: string): void {
    this.push('error', context ? `${context}: ${errorMessage(err)}` : errorMessage(err));
  }

  info(text: string): void {
    this.push('info', text);
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}

/** The app's one toast stack (views report failures here; the shell shows them). */
export const toasts = new Toasts();
