/**
 * What a training process does: on 'start', pick the backend, open the dataset, train, and forward every
 * event to main (samples rendered to PNG here, so main only stores them). Never touches the database.
 * An imported dataset is read from the cache file main names (never from the pictures it came from).
 */
import { parseCheckpoint } from '../engine/checkpoint';
import { loadBuiltinDataset } from '../engine/data/index';
import type { Dataset } from '../engine/data/types';
import { selectBackend } from '../engine/backend';
import { renderGridPng, renderScatterPng } from '../engine/render';
import { train } from '../engine/train';
import { readDatasetCache } from '../main/import/cache';
import { isImportedDatasetId, parseRunConfig } from '../shared/run-config';
import type { TrainEvent } from '../shared/train-events';
import type { TrainerStart } from '../shared/trainer-protocol';
import type { TrainerPort } from './port';

export async function runTrainer(port: TrainerPort, start: TrainerStart, stopRequested: () => boolean) {
  if (start.resourcesDir) process.env['WGAN_RESOURCES_DIR'] = start.resourcesDir;
  // The manager's share of the cores for this run, unless the user chose a thread count.
  if (start.wasmThreads !== undefined && !process.env['WGAN_WASM_THREADS']) {
    process.env['WGAN_WASM_THREADS'] = String(start.wasmThreads);
  }
  const backend = await selectBackend(start.backend);
  await port.post({ type: 'backend', backend });
  const dataset: Dataset = injectFaults(await openDataset(start));
  const resume = start.checkpoint ? parseCheckpoint(start.checkpoint) : undefined;
  let final = {};
  const forward = async (event: TrainEvent): Promise<void> => {
    switch (event.type) {
      case 'started':
        return port.post(event);
      case 'metrics':
        final = event.values;
        return port.post(event);
      case 'checkpoint':
      case 'diagnostics':
        return port.post(event);
      case 'samples': {
        if (event.kind === '2d') {
          if (dataset.kind !== '2d') throw new Error('2D samples from an image dataset');
          const png = await renderScatterPng(event.real, event.fake, dataset.bounds, {
            title: `${start.config.method} step ${event.step}`,
          });
          return port.post({
            type: 'samples',
            step: event.step,
            kind: '2d',
            png: new Uint8Array(png),
            raw: event.fake,
            shape: [event.fake.length / 2, 2],
          });
        }
        const png = await renderGridPng(event.images, event.count, event.height, event.width, event.channels);
        return port.post({
          type: 'samples',
          step: event.step,
          kind: 'image',
          png: new Uint8Array(png),
          raw: event.images,
          shape: [event.count, event.height, event.width, event.channels],
        });
      }
      case 'end':
        return port.post({ ...event, final });
    }
  };
  // Fill defaults a run stored by an older version may lack (as checkpoints do when parsed).
  const config = parseRunConfig(start.config);
  await train({ config, dataset, resume, onEvent: forward, shouldStop: stopRequested });
}

/** The run's dataset: built in, or an imported one from its cache file (content hash checked). */
async function openDataset(start: TrainerStart): Promise<Dataset> {
  const id = start.config.dataset;
  if (!isImportedDatasetId(id)) return loadBuiltinDataset(id);
  if (start.datasetFile === undefined) {
    throw new Error(`dataset '${id}' is imported, but the start message names no cache file`);
  }
  return readDatasetCache(start.datasetFile, { id, title: start.datasetTitle ?? id });
}

/**
 * Test-only fault injection, off unless the environment asks for it: with WGAN_FAULT_NAN_AFTER_BATCHES=K,
 * real 2D batches after the K-th contain a NaN, which exercises the 'diverged' path end to end (the
 * training loop's own NaN detection, the stored status, step and last good checkpoint).
 */
function injectFaults(dataset: Dataset): Dataset {
  const after = Number(process.env['WGAN_FAULT_NAN_AFTER_BATCHES'] ?? NaN);
  if (!Number.isInteger(after) || dataset.kind !== '2d') return dataset;
  let batches = 0;
  return {
    ...dataset,
    sample: (rng, n) => {
      const out = dataset.sample(rng, n);
      if (++batches > after) out[0] = Number.NaN;
      return out;
    },
  };
}
