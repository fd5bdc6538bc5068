/**
 * The built-in 2D distributions, sampled on the fly from the run's seeded Rng (as the WGAN-GP toy code
 * does, so a batch is never reused).
 *
 * - mixture3: the three-Gaussian mixture of the classic WGAN notebook (equal weights, std 0.5).
 * - 8gaussians / 25gaussians: Gulrajani et al. 2017 (WGAN-GP), toy experiments: mixtures on a ring and a
 *   grid, divided by 1.414 and 2.828 respectively.
 * - swissroll: sklearn's make_swiss_roll with noise 0.25, keeping (x, z), divided by 7.5 (WGAN-GP).
 *
 * Every sample draws its random numbers in a fixed order (component index, then x noise, then y noise), so
 * the same Rng state always gives the same points. All bounds are square so plots keep the aspect ratio.
 */
import type { Rng } from '../rng';
import type { Bounds, Modes, Toy2DDataset } from './types';

export type ToyDatasetId = 'mixture3' | '8gaussians' | '25gaussians' | 'swissroll';

type Point = readonly [number, number];

/** A mixture of equal-weight isotropic Gaussians, the whole set divided by `divisor`. */
function gaussianMixture(
  id: ToyDatasetId,
  title: string,
  rawCenters: readonly Point[],
  rawStd: number,
  divisor: number,
  bounds: Bounds,
): Toy2DDataset {
  const centers: Point[] = rawCenters.map(([x, y]) => [x / divisor, y / divisor] as const);
  const modes: Modes = { centers, std: rawStd / divisor };
  const k = rawCenters.length;
  return {
    kind: '2d',
    id,
    title,
    modes,
    bounds,
    sample(rng: Rng, n: number): Float32Array {
      const out = new Float32Array(n * 2);
      for (let i = 0; i < n; i++) {
        const c = rawCenters[rng.int(k)] as Point;
        const x = c[0] + rawStd * rng.normal();
        const y = c[1] + rawStd * rng.normal();
        out[2 * i] = x / divisor;
        out[2 * i + 1] = y / divisor;
      }
      return out;
    },
  };
}

const mixture3 = gaussianMixture(
  'mixture3',
  '3 Gaussians',
  [
    [0, 0],
    [3, 3],
    [-2, 3],
  ],
  0.5,
  1,
  // Data spans x in [-2, 3] and y in [0, 3] around the means; at least 5 std of margin on x, 7 on y.
  { xMin: -4.5, xMax: 5.5, yMin: -3.5, yMax: 6.5 },
);

const ringCenters: Point[] = Array.from(
  { length: 8 },
  (_, k) => [2 * Math.cos((k * Math.PI) / 4), 2 * Math.sin((k * Math.PI) / 4)] as const,
);

// Ring radius 2 / 1.414 ~ 1.414, std 0.014: [-2, 2] leaves about 0.6 of margin.
const eightGaussians = gaussianMixture('8gaussians', '8 Gaussians', ringCenters, 0.02, 1.414, {
  xMin: -2,
  xMax: 2,
  yMin: -2,
  yMax: 2,
});

const gridCenters: Point[] = [];
for (let i = -2; i <= 2; i++) for (let j = -2; j <= 2; j++) gridCenters.push([2 * i, 2 * j]);

// Outer centres at 4 / 2.828 ~ 1.414, std 0.018: [-2, 2] leaves about 0.6 of margin.
const twentyFiveGaussians = gaussianMixture('25gaussians', '25 Gaussians', gridCenters, 0.05, 2.828, {
  xMin: -2,
  xMax: 2,
  yMin: -2,
  yMax: 2,
});

const SWISS_NOISE = 0.25;
const SWISS_SCALE = 7.5;

const swissroll: Toy2DDataset = {
  kind: '2d',
  id: 'swissroll',
  title: 'Swiss roll',
  // Noise-free curve spans x in [-1.26, 1.68], y in [-1.47, 1.89] after scaling; noise std is 0.033.
  bounds: { xMin: -2, xMax: 2.5, yMin: -2, yMax: 2.5 },
  sample(rng: Rng, n: number): Float32Array {
    const out = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      const t = 1.5 * Math.PI * (1 + 2 * rng.uniform());
      const x = t * Math.cos(t) + SWISS_NOISE * rng.normal();
      const z = t * Math.sin(t) + SWISS_NOISE * rng.normal();
      out[2 * i] = x / SWISS_SCALE;
      out[2 * i + 1] = z / SWISS_SCALE;
    }
    return out;
  },
};

export const toyDatasets: Record<ToyDatasetId, Toy2DDataset> = {
  mixture3,
  '8gaussians': eightGaussians,
  '25gaussians': twentyFiveGaussians,
  swissroll,
};

/** The built-in 2D distribution with this id (throws for an unknown id). */
export function getToyDataset(id: ToyDatasetId): Toy2DDataset {
  if (!Object.hasOwn(toyDatasets, id)) throw new Error(`unknown 2D dataset '${String(id)}'`);
  return toyDatasets[id];
}
