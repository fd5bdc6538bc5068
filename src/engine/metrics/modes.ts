/**
 * Mode coverage of 2D samples from a Gaussian mixture, as defined by VEEGAN (Srivastava et al. 2017) and
 * PacGAN (Lin et al. 2018) for the ring and grid toy sets:
 *
 * - a sample is high quality when its Euclidean distance to the nearest mode centre is at most 3 std;
 * - a mode is covered when the high-quality samples assigned to it are at least 1% of all samples
 *   (25 of the usual 2,500);
 * - klToUniform is KL(p || uniform) in nats, where p is the histogram of high-quality samples over the
 *   K modes: sum_k p_k log(K p_k), with 0 log 0 = 0. It is 0 for a perfectly balanced generator and
 *   log K when all high-quality samples sit in one mode. When no sample is high quality we return log K
 *   too (the worst value: the generator reproduces no mode).
 *
 * Samples with a non-finite coordinate are never high quality.
 */
import type { Modes } from '../data/types';

export interface ModeStats {
  readonly modesCovered: number;
  readonly modesTotal: number;
  /** Percentage (0..100) of all samples that are high quality. */
  readonly highQualityPct: number;
  /** High-quality samples per mode, in the order of modes.centers. */
  readonly counts: number[];
  readonly klToUniform: number;
}

export function modeStats(samples: Float32Array, modes: Modes): ModeStats {
  if (samples.length % 2 !== 0) throw new Error(`samples must be n x 2, got ${samples.length} values`);
  const k = modes.centers.length;
  if (k === 0) throw new Error('modeStats needs at least one mode');
  const n = samples.length / 2;
  const radius2 = (3 * modes.std) ** 2;
  const counts = new Array<number>(k).fill(0);
  let highQuality = 0;
  for (let i = 0; i < n; i++) {
    const x = samples[2 * i] as number;
    const y = samples[2 * i + 1] as number;
    let best = -1;
    let bestD2 = Infinity;
    for (let m = 0; m < k; m++) {
      const c = modes.centers[m] as readonly [number, number];
      const d2 = (x - c[0]) ** 2 + (y - c[1]) ** 2;
      if (d2 < bestD2) {
        bestD2 = d2;
        best = m;
      }
    }
    if (best >= 0 && bestD2 <= radius2) {
      counts[best] = (counts[best] as number) + 1;
      highQuality++;
    }
  }
  // counts >= 1% of n, in integers; a mode with no sample is never covered (matters only for n < 100).
  const modesCovered = counts.filter((c) => c > 0 && c * 100 >= n).length;
  let klToUniform = Math.log(k);
  if (highQuality > 0) {
    klToUniform = 0;
    for (const c of counts) {
      if (c > 0) {
        const p = c / highQuality;
        klToUniform += p * Math.log(p * k);
      }
    }
    klToUniform = Math.max(0, klToUniform); // rounding can leave -1e-17 for a uniform histogram
  }
  return {
    modesCovered,
    modesTotal: k,
    highQualityPct: n === 0 ? 0 : (100 * highQuality) / n,
    counts,
    klToUniform,
  };
}
