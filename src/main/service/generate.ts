/**
 * Single images from a checkpoint's generator, written as PNGs. The only part of the service that runs
 * tfjs in its own process; run-export.ts loads it on demand.
 */
import { selectBackend } from '../../engine/backend';
import { parseCheckpoint } from '../../engine/checkpoint';
import { generateFromCheckpoint } from '../../engine/evaluate';
import type { BackendChoice } from '../../shared/trainer-protocol';
import { exportSinglePngs } from '../export/export';
import type { ImageShape } from './run-export';

export async function writeGeneratedPngs(
  checkpoint: Uint8Array,
  shape: ImageShape,
  opts: { count: number; seed: number; backend: BackendChoice; outDir: string; prefix: string },
): Promise<string[]> {
  await selectBackend(opts.backend);
  const dataset = { kind: 'image' as const, count: 0, images: new Float32Array(0), ...shape };
  const images = generateFromCheckpoint(parseCheckpoint(checkpoint), dataset, opts.count, opts.seed);
  return exportSinglePngs(images, opts.count, shape.height, shape.width, shape.channels, opts.outDir, {
    prefix: opts.prefix,
  });
}
