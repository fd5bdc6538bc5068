/** Small helpers to turn command-line strings into typed values with one-line errors. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

export function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T {
  if (value === undefined) throw new CliError(`--${flag} is required (one of ${allowed.join(', ')})`);
  if (!(allowed as readonly string[]).includes(value)) {
    throw new CliError(`--${flag} must be one of ${allowed.join(', ')} (got '${value}')`);
  }
  return value as T;
}

export function integer(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new CliError(`--${flag} must be a non-negative integer (got '${value}')`);
  return Number(value);
}

/** `--set key=value` pairs: numbers and booleans are converted, other values stay strings. */
export function parseSets(values: readonly string[]): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const item of values) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new CliError(`--set expects key=value (got '${item}')`);
    const key = item.slice(0, eq);
    const raw = item.slice(eq + 1);
    out[key] =
      raw === 'true'
        ? true
        : raw === 'false'
          ? false
          : raw !== '' && Number.isFinite(Number(raw))
            ? Number(raw)
            : raw;
  }
  return out;
}
