import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ROOT, TSX } from '../helpers/cli';

function trainHash(threads: number): { device: string; hashes: Record<string, string> } {
  const r = spawnSync(TSX, ['test/helpers/wasm-train-hash.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, WGAN_WASM_THREADS: String(threads) },
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as {
    device: string;
    hashes: Record<string, string>;
  };
}

describe('multithreaded wasm under Node', () => {
  it('runs with the threads asked for and trains exactly as one thread does', () => {
    const one = trainHash(1);
    const two = trainHash(2);
    expect(one.device).toMatch(/1 thread\)/);
    expect(two.device).toMatch(/2 threads\)/);
    expect(Object.keys(two.hashes).sort()).toEqual(['8gaussians', 'mnist']);
    expect(two.hashes).toEqual(one.hashes);
  });

  it('uses every core by default', () => {
    const r = spawnSync(
      TSX,
      ['-e', "import('./src/engine/wasm-threads.ts').then(m => console.log(m.wantedWasmThreads()))"],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, WGAN_WASM_THREADS: '' },
      },
    );
    expect(Number(r.stdout.trim())).toBe(Math.min(availableParallelism(), 8));
  });
});
