import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, jsonLines } from '../helpers/cli';

describe('fidelity: the seed notebook on its 3-gaussian mixture', () => {
  it('GP with the notebook preset covers all 3 modes within 1,500 iterations on wasm', () => {
    const out = mkdtempSync(join(tmpdir(), 'wgan-fidelity-'));
    try {
      const r = cli(
        [
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
        900_000,
      );
      expect(r.code, r.stderr).toBe(0);
      const summary = jsonLines(r.stdout).at(-1) as {
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
