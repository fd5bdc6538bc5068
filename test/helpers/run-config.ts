import {
  type LipschitzMethod,
  type PresetId,
  resolveRunConfig,
  type RunConfig,
  type RunConfigInput,
} from '../../src/shared/run-config';

/** What makes a 2D run small and quick in a test: a 16-unit MLP, batches of 16, 50 samples, a log every 5. */
export const TINY_RUN = {
  mlpWidth: 16,
  batchSize: 16,
  sampleCount: 50,
  logEvery: 5,
} as const satisfies Partial<RunConfigInput>;

/** A tiny run (TINY_RUN) on the 3-gaussian mixture, resolved with its preset, `extra` set on top. */
export function tinyRunConfig(
  method: LipschitzMethod,
  extra: Partial<RunConfig> & { preset?: PresetId } = {},
): RunConfig {
  return resolveRunConfig({ dataset: 'mixture3', method, ...TINY_RUN, ...extra });
}
