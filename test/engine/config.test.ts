import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  PRESETS,
  parseRunConfig,
  resolveRunConfig,
  BUILTIN_DATASETS,
  METHODS,
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
});
