import type { BuiltinDatasetId } from '../../shared/run-config';
import { loadMnist } from './mnist';
import { getToyDataset } from './toy2d';
import type { Dataset } from './types';

/** Open a built-in dataset by id (2D distributions are sampled on the fly; MNIST is read once). */
export function loadBuiltinDataset(id: BuiltinDatasetId): Dataset {
  return id === 'mnist' ? loadMnist() : getToyDataset(id);
}
