import { type ParsedCheckpoint, restoreCheckpoint } from './checkpoint';
import type { Dataset } from './data/types';
import { Rng } from './rng';
import { generate, latentBatch } from './train';
import { buildGan } from './wgan';

/**
 * Draw n samples from a checkpoint's generator with a fresh latent batch from `seed` (for metrics and
 * exports). Generation runs in chunks so batch-norm statistics match training-sized batches.
 */
export function generateFromCheckpoint(
  ckpt: ParsedCheckpoint,
  dataset: Dataset,
  n: number,
  seed: number,
  chunk = 500,
): Float32Array {
  const gan = buildGan(ckpt.config, dataset, new Rng(0));
  try {
    restoreCheckpoint(gan, ckpt);
    const per = gan.sampleShape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(n * per);
    const rng = new Rng(seed);
    for (let at = 0; at < n; at += chunk) {
      const m = Math.min(chunk, n - at);
      const z = latentBatch(rng, m, ckpt.config.latentDim);
      out.set(generate(gan, z), at * per);
      z.dispose();
    }
    return out;
  } finally {
    gan.dispose();
  }
}
