/**
 * The new-run form's field table: a label and a one-line explanation for every hyperparameter of the
 * run-config schema (src/shared/run-config.ts; its comments are the source). Defaults are not written
 * here: the form shows resolveRunConfig's values, so a preset shows its own.
 */
import { isImageDataset, type RunConfig } from '../../../shared/run-config';

export type FieldKey = Exclude<keyof RunConfig, 'dataset' | 'method'>;

export type FieldSpec =
  | { readonly kind: 'int' | 'float'; readonly label: string; readonly help: string; readonly group: Group }
  | {
      readonly kind: 'enum';
      readonly label: string;
      readonly help: string;
      readonly group: Group;
      readonly options: readonly (string | number)[];
    }
  | { readonly kind: 'bool'; readonly label: string; readonly help: string; readonly group: Group };

export const GROUPS = [
  'Training',
  'Lipschitz constraint',
  'Optimizer',
  'Architecture',
  'Augmentation (images)',
  'Logging',
] as const;
export type Group = (typeof GROUPS)[number];

const int = (label: string, group: Group, help: string): FieldSpec => ({ kind: 'int', label, group, help });
const float = (label: string, group: Group, help: string): FieldSpec => ({
  kind: 'float',
  label,
  group,
  help,
});

export const FIELDS: Record<FieldKey, FieldSpec> = {
  loss: {
    kind: 'enum',
    label: 'Critic loss',
    group: 'Training',
    options: ['wasserstein', 'hinge'],
    help: "'wasserstein': E[f(fake)] − E[f(real)]; 'hinge': labml's relu(1 − f(real)) + relu(1 + f(fake)).",
  },
  seed: int('Seed', 'Training', 'Random seed for weights, latent batches and data sampling.'),
  iterations: int(
    'Generator iterations',
    'Training',
    'Each is nCritic critic steps, then one generator step.',
  ),
  batchSize: int('Batch size', 'Training', 'Real and generated examples per step.'),
  nCritic: int('Critic steps (n_critic)', 'Training', 'Critic updates per generator update.'),
  criticRealBatch: {
    kind: 'enum',
    label: 'Real batch per critic step',
    group: 'Training',
    options: ['fresh', 'shared'],
    help: "'fresh': a new real batch every critic step (both papers); 'shared': one per generator iteration (the notebook).",
  },
  criticBurnIn: {
    kind: 'bool',
    label: 'Critic burn-in',
    group: 'Training',
    help: 'WGAN paper: 100 critic steps for the first 25 generator iterations and every 500th.',
  },
  clipValue: float(
    'Clip value c',
    'Lipschitz constraint',
    'Weight clipping bound: weights are kept in [−c, c] (clip).',
  ),
  lambda: float(
    'Penalty weight λ',
    'Lipschitz constraint',
    'Weight of the gradient / Lipschitz penalty (gp, lp).',
  ),
  optimizer: {
    kind: 'enum',
    label: 'Optimizer',
    group: 'Optimizer',
    options: ['adam', 'rmsprop'],
    help: 'Adam (WGAN-GP) or RMSProp (WGAN, which found momentum unstable with clipping).',
  },
  lrCritic: float('Critic learning rate', 'Optimizer', 'Step size of the critic optimizer.'),
  lrGenerator: float('Generator learning rate', 'Optimizer', 'Step size of the generator optimizer.'),
  beta1: float('Adam β1', 'Optimizer', 'First-moment decay (WGAN-GP: 0.5).'),
  beta2: float('Adam β2', 'Optimizer', 'Second-moment decay (WGAN-GP: 0.9).'),
  rmspropDecay: float(
    'RMSProp decay',
    'Optimizer',
    "Smoothing constant of the squared gradients (PyTorch's alpha).",
  ),
  model: {
    kind: 'enum',
    label: 'Architecture',
    group: 'Architecture',
    options: ['auto', 'mlp', 'dcgan'],
    help: "'auto' = MLP for 2D data, DCGAN for images.",
  },
  latentDim: int('Latent dimension', 'Architecture', 'Size of the generator’s noise input z.'),
  mlpWidth: int('MLP width', 'Architecture', 'Hidden units per layer (notebook 128; WGAN-GP toy 512).'),
  mlpDepth: int('MLP depth', 'Architecture', 'Hidden layers (notebook 2; WGAN-GP toy 3).'),
  convWidth: int(
    'DCGAN width',
    'Architecture',
    'Base channels: the critic uses 1x-2x-4x (64 gives 64-128-256).',
  ),
  convKernel: {
    kind: 'enum',
    label: 'DCGAN kernel',
    group: 'Architecture',
    options: [4, 5],
    help: 'Kernel size of the stride-2 convolutions.',
  },
  leakySlope: float(
    'Leaky ReLU slope',
    'Architecture',
    'Negative slope of the critic’s leaky ReLU (0 = plain ReLU).',
  ),
  logEvery: int('Log every', 'Logging', 'Log metrics every K generator iterations.'),
  sampleEvery: int('Samples every', 'Logging', 'Render samples every M iterations (0 = only at the end).'),
  diagnosticsEvery: int(
    'Diagnostics every',
    'Logging',
    'Gradient norms, layer norms, weight histograms, held-out W every D iterations (0 = only at the end).',
  ),
  holdOut: int(
    'Held-out images',
    'Logging',
    'Images kept out of training for the held-out Wasserstein estimate.',
  ),
  checkpointEvery: int(
    'Checkpoint every',
    'Logging',
    'Save a checkpoint every N iterations (0 = only at the end).',
  ),
  sampleCount: int(
    'Sample count',
    'Logging',
    'Size of the fixed latent batch for samples (2D: scatter points).',
  ),
  augmentFlip: {
    kind: 'bool',
    label: 'Random flips',
    group: 'Augmentation (images)',
    help: 'Mirror each drawn real image left-right with probability 1/2.',
  },
  augmentShift: int(
    'Random shift (px)',
    'Augmentation (images)',
    'Shift each real image by up to this many pixels in x and y.',
  ),
  augmentJitter: float(
    'Brightness / contrast jitter',
    'Augmentation (images)',
    'Brightness + b and contrast x c with b in [−j, j], c in [1 − j, 1 + j] (0 = off).',
  ),
  augmentViews: int(
    'Augmented views',
    'Augmentation (images)',
    '0: a fresh augmentation every draw; k: k fixed views per image (the dataset multiplier).',
  ),
};

export const FIELD_KEYS = Object.keys(FIELDS) as FieldKey[];

/**
 * Whether a field matters for a config (the form still shows it, dimmed). clipValue and lambda always
 * count: the pair button trains one run with each.
 */
export function fieldApplies(key: FieldKey, c: RunConfig): boolean {
  const images = isImageDataset(c.dataset);
  const mlp = c.model === 'mlp' || (c.model === 'auto' && !images);
  switch (key) {
    case 'beta1':
    case 'beta2':
      return c.optimizer === 'adam';
    case 'rmspropDecay':
      return c.optimizer === 'rmsprop';
    case 'mlpWidth':
    case 'mlpDepth':
      return mlp;
    case 'convWidth':
    case 'convKernel':
      return !mlp;
    case 'holdOut':
    case 'augmentFlip':
    case 'augmentShift':
    case 'augmentJitter':
    case 'augmentViews':
      return images;
    default:
      return true;
  }
}
