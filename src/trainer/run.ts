/**
 * What a training process does: on 'start', pick the backend, open the dataset, train, and forward every
 * event to main (samples rendered to PNG here, so main only stores them). Never touches the database.
 */
import { parseCheckpoint } from '../engine/checkpoint';
import { loadBuiltinDataset } from '../engine/data/index';
import type { Dataset } from '../engine/data/types';
import { selectBackend } from '../engine/backend';
import { renderGridPng, renderScatterPng } from '../engine/render';
import { train } from '../engine/train';
import type { TrainEvent } from '../shared/train-events';
import type { TrainerStart } from '../shared/trainer-protocol';
import type { TrainerPort } from './port';

export async function runTrainer(port: TrainerPort, start: TrainerStart, stopRequested: () => boolean) {
  if (start.resourcesDir) process.env['WGAN_RESOURCES_DIR'] = start.resourcesDir;
  const backend = await selectBackend(start.backend);
  await port.post({ type: 'backend', backend });
  const dataset: Dataset = loadBuiltinDataset(start.config.dataset);
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
  await train({ config: start.config, dataset, resume, onEvent: forward, shouldStop: stopRequested });
}
