import { type DatasetId, isImportedDatasetId } from '../../shared/run-config';
import { loadMnist } from './mnist';
import { getToyDataset } from './toy2d';
import type { Dataset } from './types';

/**
 * Open a built-in dataset by id (2D distributions are sampled on the fly; MNIST is read once). Imported
 * datasets ('ds-...') are not built in: the training process reads them from their cache file
 * (readDatasetCache in src/main/import/cache.ts), which main names in the start message.
 */
export function loadBuiltinDataset(id: DatasetId): Dataset {
  if (isImportedDatasetId(id)) {
    throw new Error(`'${id}' is an imported dataset, not a built-in one: read it from its cache file`);
  }
  return id === 'mnist' ? loadMnist() : getToyDataset(id);
}
