/**
 * Trains 3 tiny iterations on wasm and prints the backend's device line and a hash of the generated
 * samples (for test/engine/wasm-threads.test.ts, which runs it with different thread counts).
 */
import { createHash } from 'node:crypto';
import { selectBackend } from '../../src/engine/backend';
import { loadBuiltinDataset } from '../../src/engine/data/index';
import { train } from '../../src/engine/train';
import { resolveRunConfig } from '../../src/shared/run-config';

const report = await selectBackend('wasm');
const hashes: Record<string, string> = {};
for (const dataset of ['8gaussians', 'mnist'] as const) {
  const config = resolveRunConfig({
    dataset,
    method: 'gp',
    preset: 'wgan-gp',
    iterations: 2,
    sampleEvery: 0,
    diagnosticsEvery: 0,
    checkpointEvery: 0,
    ...(dataset === 'mnist' ? { convWidth: 16, batchSize: 16 } : { mlpWidth: 64 }),
  });
  await train({
    config,
    dataset: loadBuiltinDataset(dataset),
    onEvent: (e) => {
      if (e.type !== 'samples') return;
      const a = e.kind === '2d' ? e.fake : e.images;
      hashes[dataset] = createHash('sha256')
        .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
        .digest('hex');
    },
  });
}
console.log(JSON.stringify({ device: report.device, hashes }));
