import type { Toy2DDataset } from '../../src/engine/data/types';
import type { Rng } from '../../src/engine/rng';

/** A tiny 2D dataset for engine tests that must not depend on the built-in data module. */
export function gaussianBlob(opts: { nanAfter?: number } = {}): Toy2DDataset {
  let calls = 0;
  return {
    kind: '2d',
    id: 'blob',
    title: 'test blob',
    bounds: { xMin: -3, xMax: 3, yMin: -3, yMax: 3 },
    sample(rng: Rng, n: number) {
      calls += 1;
      const out = rng.fillNormal(new Float32Array(2 * n), 1, 0.5);
      if (opts.nanAfter !== undefined && calls > opts.nanAfter) out[0] = Number.NaN;
      return out;
    },
  };
}
