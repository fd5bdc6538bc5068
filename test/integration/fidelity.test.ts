import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

describe('fidelity: the seed notebook on its 3-gaussian mixture', () => {
  it('GP with the notebook preset covers all 3 modes within 1,500 iterations on wasm', () => {
    const out = mkdtempSync(join(tmpdir(), 'wgan-fidelity-'));
    try {
      const r = spawnSync(
        join(root, 'node_modules/.bin/tsx'),
        [
          'src/cli/index.ts',
          'train',
          '--dataset',
          'mixture3',
          '--method',
          'gp',
          '--preset',
          'notebook',
          '--iterations',
          '1500',
          '--backend',
          'wasm',
          '--set',
          'sampleEvery=0',
          '--json',
          '--db',
          join(out, 'w.db'),
        ],
        { cwd: root, encoding: 'utf8', timeout: 900_000 },
      );
      expect(r.status, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as {
        status: string;
        final: Record<string, number>;
      };
      expect(summary.status).toBe('completed');
      expect(summary.final.modesTotal).toBe(3);
      expect(summary.final.modesCovered).toBe(3);
      // The penalty keeps the critic's gradient norm on interpolates near 1.
      expect(summary.final['gradNorm.mean']).toBeGreaterThan(0.5);
      expect(summary.final['gradNorm.mean']).toBeLessThan(1.5);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 900_000);
});
