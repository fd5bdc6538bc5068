import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '../..');
export const TSX = join(ROOT, 'node_modules/.bin/tsx');

/** Run `npm run cli -- <args>` the way a script would (tsx on the sources), waiting for it to exit. */
export function cli(args: string[], timeoutMs = 600_000) {
  const r = spawnSync(TSX, ['src/cli/index.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI's --json output: one JSON object per line. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * The seed notebook's `train` command line: its 3-gaussian mixture for 1,500 iterations on wasm with the
 * notebook preset, no samples, diagnostics every `diagnosticsEvery` iterations, recorded in `db`.
 */
export function notebookTrainArgs(method: 'gp' | 'clip', db: string, diagnosticsEvery = 0): string[] {
  return [
    'train',
    '--dataset',
    'mixture3',
    '--method',
    method,
    '--preset',
    'notebook',
    '--iterations',
    '1500',
    '--backend',
    'wasm',
    '--set',
    'sampleEvery=0',
    '--set',
    `diagnosticsEvery=${diagnosticsEvery}`,
    '--json',
    '--db',
    db,
  ];
}
