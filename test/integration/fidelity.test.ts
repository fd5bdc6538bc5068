import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, jsonLines, notebookTrainArgs } from '../helpers/cli';

/**
 * The seed notebook's comparison on its 3-gaussian mixture, 1,500 iterations on wasm (the issue's
 * fidelity checks; a PyTorch run of the same notebook gave a mean gradient norm of 0.99 for GP, and for
 * clipping 63% of the critic's weights at +-c with gradient norms around 0.001).
 */
function trainNotebook(method: 'gp' | 'clip') {
  const out = mkdtempSync(join(tmpdir(), 'wgan-fidelity-'));
  try {
    const r = cli(notebookTrainArgs(method, join(out, 'w.db')), 900_000);
    expect(r.code, r.stderr).toBe(0);
    const summary = jsonLines(r.stdout).at(-1) as { status: string; final: Record<string, number> };
    expect(summary.status).toBe('completed');
    return summary.final;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

describe('fidelity: the seed notebook on its 3-gaussian mixture', () => {
  // The check: the mean gradient norm on 1,000 interpolates after 1,500 iterations is 1 +- 0.15
  // (measured here: 0.91-1.03 over seeds and batch schemes). Mode coverage at 1,500 is not stable: with
  // seed 1 the generator hops between mode sets (1, 2, 1, 2, ... modes at steps 250, 500, ...; seed 2 holds
  // all 3 from step 500), so only a partial collapse is ruled out here.
  it('GP (lambda 10) keeps gradient norms on 1,000 interpolates at 1 +- 0.15 and does not collapse', () => {
    const final = trainNotebook('gp');
    expect(final.modesTotal).toBe(3);
    expect(final['quality.modes']).toBeGreaterThanOrEqual(2);
    expect(final['interp.gradNorm.mean']).toBeGreaterThan(0.85);
    expect(final['interp.gradNorm.mean']).toBeLessThan(1.15);
  }, 900_000);
});
