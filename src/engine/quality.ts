/**
 * Sample-quality metrics of a generator, against a fixed real reference computed once per run:
 *
 * - 2D data: VEEGAN/PacGAN mode coverage on 2,500 samples (mixtures), the sliced Wasserstein-1 distance
 *   (512 directions) and the exact W1 (optimal assignment) between 1,000 generated and 1,000 real points.
 * - MNIST digits: the Frechet distance on the project classifier's 64 penultimate features (Heusel et al.
 *   2017, with our classifier instead of Inception) and the histogram of predicted classes (modes covered:
 *   at least 1% of samples), on 500 generated vs the held-out (or 1,000 training) digits.
 * - Any images: ProGAN's SWD on Laplacian-pyramid patches (Karras et al. 2018). Departure, to stay cheap
 *   during training: 64 patches per image per level and 128 directions (the paper: 128 and 4 x 128).
 */
import type { QualityDiagnostic } from '../shared/diagnostics';
import type { ImageDataset, Toy2DDataset } from './data/types';
import { classHistogram, fitGaussian, frechetDistance, type Gaussian } from './metrics/frechet';
import { loadMnistClassifier, type MnistClassifier } from './metrics/mnist-classifier';
import { modeStats } from './metrics/modes';
import { exactW1, slicedWasserstein } from './metrics/point-metrics';
import { type SwdDescriptors, swdDescriptors, swdFromDescriptors, type SwdOptions } from './metrics/swd';
import { Rng } from './rng';

const LIVE_SWD: SwdOptions = { descriptorsPerImage: 64, dirRepeats: 1, dirsPerRepeat: 128, seed: 0 };

export interface QualityJudge {
  /** Generated samples, as many as `sampleCount` (2D: n x 2 points; images: NHWC in [-1, 1]). */
  readonly sampleCount: number;
  judge(samples: Float32Array): QualityDiagnostic;
  dispose(): void;
}

/** 2D points: modes on all 2,500 samples, sliced and exact W1 on the first 1,000 against 1,000 real. */
export function pointJudge(data: Toy2DDataset, seed: number): QualityJudge {
  const real = data.sample(new Rng(seed), 1000);
  return {
    sampleCount: 2500,
    judge(points) {
      const out: { -readonly [K in keyof QualityDiagnostic]: QualityDiagnostic[K] } = {};
      if (data.modes) {
        const s = modeStats(points, data.modes);
        out.modes = {
          covered: s.modesCovered,
          total: s.modesTotal,
          highQualityPct: s.highQualityPct,
          klToUniform: s.klToUniform,
          counts: s.counts,
          samples: points.length / 2,
        };
      }
      const first = points.subarray(0, 2000);
      // The same directions at every step, so the curve shows the generator, not the projections.
      out.slicedW1 = slicedWasserstein(first, real, 2, { rng: new Rng(seed ^ 0x51ce), projections: 512 });
      out.exactW1 = exactW1(first, real, 2);
      out.points = 1000;
      return out;
    },
    dispose: () => undefined,
  };
}

/** Images: SWD for any set; FID and classes too for 28 x 28 grey digits (the built-in MNIST). */
export function imageJudge(reference: ImageDataset, opts: { digits: boolean; seed: number }): QualityJudge {
  const per = reference.height * reference.width * reference.channels;
  const n = Math.min(1000, reference.count);
  const rng = new Rng(opts.seed);
  const images = new Float32Array(n * per);
  for (let i = 0; i < n; i++) {
    const k = reference.count <= 1000 ? i : rng.int(reference.count);
    images.set(reference.images.subarray(k * per, (k + 1) * per), i * per);
  }
  const shape = { height: reference.height, width: reference.width, channels: reference.channels };
  const realSwd: SwdDescriptors = swdDescriptors({ images, count: n, ...shape }, LIVE_SWD);
  let classifier: MnistClassifier | undefined;
  let realGaussian: Gaussian | undefined;
  if (opts.digits) {
    classifier = loadMnistClassifier();
    realGaussian = fitGaussian(classifier.features(images, n), n, classifier.featureDim);
  }
  return {
    sampleCount: 500,
    judge(fake) {
      const count = fake.length / per;
      const out: { -readonly [K in keyof QualityDiagnostic]: QualityDiagnostic[K] } = {};
      if (!fake.every(Number.isFinite)) return out;
      const s = swdFromDescriptors(realSwd, swdDescriptors({ images: fake, count, ...shape }, LIVE_SWD));
      out.swd = { levels: s.levels.map((l) => l.swdX1e3), average: s.averageX1e3 };
      if (classifier && realGaussian) {
        const { features, labels } = classifier.run(fake, count);
        out.fid = frechetDistance(realGaussian, fitGaussian(features, count, classifier.featureDim)).distance;
        const h = classHistogram(labels, 10);
        out.classes = { counts: h.counts, covered: h.modesCovered, klToUniform: h.klToUniform };
      }
      return out;
    },
    dispose: () => classifier?.dispose(),
  };
}
