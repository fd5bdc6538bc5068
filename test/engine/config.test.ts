import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  PRESETS,
  parseRunConfig,
  resolveRunConfig,
  BUILTIN_DATASETS,
  METHODS,
  defaultPresetFor,
  importedDatasetId,
  isDatasetId,
  isImageDataset,
  isToyDataset,
} from '../../src/shared/run-config';

describe('run config', () => {
  it('fills defaults and validates a minimal config', () => {
    const c = parseRunConfig({ dataset: 'mixture3', method: 'gp' });
    expect(c.loss).toBe('wasserstein');
    expect(c.nCritic).toBe(5);
    expect(c.lambda).toBe(10);
  });

  it('names the field and the reason for each bad value', () => {
    try {
      parseRunConfig({ dataset: 'mixture3', method: 'gp', lrCritic: -1, batchSize: 1.5 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const fields = (error as ConfigError).issues.map((i) => i.field).sort();
      expect(fields).toEqual(['batchSize', 'lrCritic']);
      expect((error as Error).message).toMatch(/lrCritic: .*>0/);
    }
  });

  it('refuses unknown keys', () => {
    expect(() => parseRunConfig({ dataset: 'mnist', method: 'clip', learningRate: 1 })).toThrow(
      /learningRate: unknown key/,
    );
  });

  it('refuses an unknown method and dataset', () => {
    expect(() => parseRunConfig({ dataset: 'cifar', method: 'gp' })).toThrow(/dataset/);
    expect(() => parseRunConfig({ dataset: 'mnist', method: 'dropout' })).toThrow(/method/);
  });

  it('the notebook preset uses RMSProp 5e-5 for clip and Adam 1e-4 (0.5, 0.9) for GP', () => {
    const clip = resolveRunConfig({ dataset: 'mixture3', method: 'clip', preset: 'notebook' });
    expect([clip.optimizer, clip.lrCritic, clip.clipValue, clip.batchSize, clip.mlpWidth]).toEqual([
      'rmsprop',
      5e-5,
      0.01,
      64,
      128,
    ]);
    const gp = resolveRunConfig({ dataset: 'mixture3', method: 'gp', preset: 'notebook' });
    expect([gp.optimizer, gp.lrCritic, gp.beta1, gp.beta2, gp.lambda]).toEqual(['adam', 1e-4, 0.5, 0.9, 10]);
  });

  it('the WGAN-GP preset gives the paper toy and MNIST settings', () => {
    const toy = resolveRunConfig({ dataset: '8gaussians', method: 'gp', preset: 'wgan-gp' });
    expect([toy.mlpWidth, toy.mlpDepth, toy.batchSize]).toEqual([512, 3, 256]);
    const mnist = resolveRunConfig({ dataset: 'mnist', method: 'gp', preset: 'wgan-gp' });
    expect([mnist.batchSize, mnist.latentDim, mnist.convWidth, mnist.convKernel]).toEqual([50, 128, 64, 5]);
    const wgan = resolveRunConfig({ dataset: 'mnist', method: 'clip', preset: 'wgan' });
    expect([wgan.optimizer, wgan.lrCritic, wgan.criticBurnIn]).toEqual(['rmsprop', 5e-5, true]);
  });

  it('every preset resolves for every dataset and method', () => {
    for (const preset of PRESETS)
      for (const dataset of BUILTIN_DATASETS)
        for (const method of METHODS)
          expect(() => resolveRunConfig({ dataset, method, preset })).not.toThrow();
  });

  it('caller overrides win over the preset', () => {
    const c = resolveRunConfig({ dataset: 'mixture3', method: 'gp', preset: 'notebook', lambda: 3, seed: 9 });
    expect([c.lambda, c.seed]).toEqual([3, 9]);
  });

  it('accepts imported dataset ids (ds- and 12 hex digits) and names what it accepts otherwise', () => {
    const id = importedDatasetId('0123456789abcdef'.repeat(4));
    expect(id).toBe('ds-0123456789ab');
    expect(parseRunConfig({ dataset: id, method: 'gp' }).dataset).toBe(id);
    for (const bad of ['ds-0123', 'ds-0123456789AB', 'ds-0123456789abc', 'DS-0123456789ab', 'ds-', 7]) {
      expect(isDatasetId(bad)).toBe(false);
      expect(() => parseRunConfig({ dataset: bad, method: 'gp' })).toThrow(
        /dataset: unknown dataset .*expected one of mixture3, .*mnist or an imported dataset id ds-<12 hex digits>/,
      );
    }
    expect(() => resolveRunConfig({ dataset: 'ds-nothex000000' as 'ds-x', method: 'gp' })).toThrow(/dataset/);
  });

  it('an imported dataset is an image set: WGAN-GP image defaults, 64 samples, no held-out images', () => {
    const id = 'ds-00000000abcd';
    expect([isToyDataset(id), isImageDataset(id), defaultPresetFor(id)]).toEqual([false, true, 'wgan-gp']);
    expect(BUILTIN_DATASETS.filter(isToyDataset)).toEqual([
      'mixture3',
      '8gaussians',
      '25gaussians',
      'swissroll',
    ]);
    expect(isImageDataset('mnist')).toBe(true);
    const c = resolveRunConfig({ dataset: id, method: 'gp' });
    expect([c.batchSize, c.latentDim, c.convWidth, c.convKernel, c.sampleCount, c.holdOut]).toEqual([
      50, 128, 64, 5, 64, 0,
    ]);
    const wgan = resolveRunConfig({ dataset: id, method: 'clip', preset: 'wgan' });
    expect([wgan.optimizer, wgan.latentDim]).toEqual(['rmsprop', 128]);
    for (const preset of PRESETS)
      for (const method of METHODS)
        expect(() => resolveRunConfig({ dataset: id, method, preset })).not.toThrow();
  });

  it('augmentation is off by default, recorded in the config and range-checked', () => {
    const c = parseRunConfig({ dataset: 'mnist', method: 'gp' });
    expect([c.augmentFlip, c.augmentShift, c.augmentJitter, c.augmentViews]).toEqual([false, 0, 0, 0]);
    const on = parseRunConfig({
      dataset: 'mnist',
      method: 'gp',
      augmentFlip: true,
      augmentShift: 3,
      augmentJitter: 0.25,
      augmentViews: 4,
    });
    expect([on.augmentFlip, on.augmentShift, on.augmentJitter, on.augmentViews]).toEqual([true, 3, 0.25, 4]);
    for (const [field, value] of [
      ['augmentShift', 9],
      ['augmentShift', 1.5],
      ['augmentJitter', 0.6],
      ['augmentJitter', -0.1],
      ['augmentViews', 65],
      ['augmentFlip', 1],
    ] as const) {
      expect(() => parseRunConfig({ dataset: 'mnist', method: 'gp', [field]: value })).toThrow(
        new RegExp(`^${field}: `),
      );
    }
  });
});
