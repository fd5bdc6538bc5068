/** The page's one connection, created on first use (every view shares it and its event stream). */
import { createClient, type Connection } from './client';

let current: Connection | null = null;

export function getConnection(): Connection {
  current ??= createClient();
  return current;
}

/** A readable message for anything a call rejected with. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const field = (err as { field?: unknown }).field;
    return typeof field === 'string' && !err.message.includes(field)
      ? `${err.message} (field ${field})`
      : err.message;
  }
  return String(err);
}
