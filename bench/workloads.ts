/**
 * The two reference workloads of the speed issue, shared by `npm run bench` (Node), `bench:profile` and
 * `bench:browser` (the page): the same run configs everywhere, so their numbers compare.
 */
import { resolveRunConfig, type RunConfig } from '../src/shared/run-config';

export type WorkloadName = 'toy' | 'mnist';

export const WORKLOADS: Record<WorkloadName, { description: string; config: () => RunConfig }> = {
  toy: {
    description: 'toy WGAN-GP: G and D 2-512-512-512 MLPs, batch 256, n_critic 5',
    config: () => resolveRunConfig({ dataset: '8gaussians', method: 'gp', preset: 'wgan-gp' }),
  },
  mnist: {
    description:
      'MNIST DCGAN WGAN-GP: critic 64-128-256 5x5 stride 2, mirrored generator, batch 50, n_critic 5',
    config: () => resolveRunConfig({ dataset: 'mnist', method: 'gp', preset: 'wgan-gp' }),
  },
};
