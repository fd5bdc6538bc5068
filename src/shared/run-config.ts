/**
 * The one typed, serialisable run configuration (flat, with commented defaults, unknown keys refused).
 * Saved with every run and checkpoint. Shared by main, the training process, the CLI and the renderer:
 * no Node, Electron or tfjs imports here.
 */
import { z } from 'zod';

export const BUILTIN_DATASETS = ['mixture3', '8gaussians', '25gaussians', 'swissroll', 'mnist'] as const;
export type BuiltinDatasetId = (typeof BUILTIN_DATASETS)[number];
export const TOY_DATASETS = ['mixture3', '8gaussians', '25gaussians', 'swissroll'] as const;

/**
 * Imported datasets (a folder of pictures or IDX files, see src/main/import) are named 'ds-' and the first
 * 12 hex digits of their content hash, so the same pictures always get the same id.
 */
export type ImportedDatasetId = `ds-${string}`;
export type DatasetId = BuiltinDatasetId | ImportedDatasetId;
export const IMPORTED_DATASET_ID = /^ds-[0-9a-f]{12}$/;

export function isBuiltinDatasetId(id: unknown): id is BuiltinDatasetId {
  return typeof id === 'string' && (BUILTIN_DATASETS as readonly string[]).includes(id);
}

export function isImportedDatasetId(id: unknown): id is ImportedDatasetId {
  return typeof id === 'string' && IMPORTED_DATASET_ID.test(id);
}

export function isDatasetId(id: unknown): id is DatasetId {
  return isBuiltinDatasetId(id) || isImportedDatasetId(id);
}

/** The id of an imported dataset from its content hash (hex SHA-256). */
export function importedDatasetId(contentHash: string): ImportedDatasetId {
  if (!/^[0-9a-f]{12}/.test(contentHash)) throw new Error(`not a hex content hash: '${contentHash}'`);
  return `ds-${contentHash.slice(0, 12)}`;
}

/** Whether a dataset is pictures (MNIST and every imported set) rather than 2D points. */
export function isImageDataset(id: DatasetId): boolean {
  return id === 'mnist' || isImportedDatasetId(id);
}

/** A built-in id or an imported 'ds-<12 hex>' id; the message lists what is accepted. */
export const datasetIdSchema = z.custom<DatasetId>(isDatasetId, {
  error: (issue) =>
    `unknown dataset ${typeof issue.input === 'string' ? `'${issue.input}'` : String(issue.input)} ` +
    `(expected one of ${BUILTIN_DATASETS.join(', ')} or an imported dataset id ds-<12 hex digits>)`,
});

export const METHODS = ['clip', 'gp', 'lp', 'sn'] as const;
export type LipschitzMethod = (typeof METHODS)[number];
export const METHOD_TITLES: Record<LipschitzMethod, string> = {
  clip: 'Weight clipping (Arjovsky et al. 2017)',
  gp: 'Gradient penalty (Gulrajani et al. 2017)',
  lp: 'One-sided Lipschitz penalty (Petzka et al. 2018)',
  sn: 'Spectral normalisation (Miyato et al. 2018)',
};

export const PRESETS = ['notebook', 'wgan', 'wgan-gp', 'toy-fast'] as const;
export type PresetId = (typeof PRESETS)[number];

const positiveInt = z.number().int().positive();

export const runConfigSchema = z.strictObject({
  /** Built-in dataset id, or an imported one ('ds-' and 12 hex digits; see src/main/import). */
  dataset: datasetIdSchema,
  /** How the critic is kept (approximately) 1-Lipschitz. */
  method: z.enum(METHODS),
  /** 'wasserstein': E[f(fake)] - E[f(real)]; 'hinge': labml's relu(1 - f(real)) + relu(1 + f(fake)). */
  loss: z.enum(['wasserstein', 'hinge']).default('wasserstein'),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .default(1),
  /** Generator iterations; each is nCritic critic steps then one generator step. */
  iterations: positiveInt.max(10_000_000).default(1500),
  batchSize: positiveInt.max(4096).default(64),
  nCritic: positiveInt.max(1000).default(5),
  /**
   * 'fresh': a new real batch for every critic step (both papers' Algorithm 1); 'shared': one real batch
   * per generator iteration, reused by its nCritic steps (the seed notebook's loop).
   */
  criticRealBatch: z.enum(['fresh', 'shared']).default('fresh'),
  /** WGAN paper: 100 critic steps for the first 25 generator iterations and every 500th. */
  criticBurnIn: z.boolean().default(false),
  /** Weight-clipping bound c (method 'clip'). */
  clipValue: z.number().positive().max(10).default(0.01),
  /** Penalty weight lambda (methods 'gp' and 'lp'). */
  lambda: z.number().nonnegative().max(1e6).default(10),
  optimizer: z.enum(['adam', 'rmsprop']).default('adam'),
  lrCritic: z.number().positive().max(1).default(1e-4),
  lrGenerator: z.number().positive().max(1).default(1e-4),
  /** Adam betas (WGAN-GP: 0.5, 0.9). */
  beta1: z.number().min(0).lt(1).default(0.5),
  beta2: z.number().min(0).lt(1).default(0.9),
  /** RMSProp smoothing constant (PyTorch's alpha, as the WGAN code used). */
  rmspropDecay: z.number().min(0).lt(1).default(0.99),
  /** Architecture: 'auto' = MLP for 2D data, DCGAN for images. */
  model: z.enum(['auto', 'mlp', 'dcgan']).default('auto'),
  latentDim: positiveInt.max(1024).default(2),
  /** MLP hidden width and number of hidden layers (notebook: 128 x 2; WGAN-GP toy: 512 x 3). */
  mlpWidth: positiveInt.max(4096).default(128),
  mlpDepth: positiveInt.max(16).default(2),
  /** DCGAN base channels: critic 1x-2x-4x (64 gives the paper's 64-128-256). */
  convWidth: positiveInt.max(512).default(64),
  /** DCGAN kernel size (stride 2 layers). */
  convKernel: z.union([z.literal(4), z.literal(5)]).default(5),
  /** Negative slope of the critic's leaky ReLU (0 = plain ReLU). */
  leakySlope: z.number().min(0).max(1).default(0.2),
  /** Log metrics every K generator iterations. */
  logEvery: positiveInt.default(10),
  /** Render samples from the fixed latent batch every M generator iterations (0 = only at the end). */
  sampleEvery: z.number().int().nonnegative().default(250),
  /**
   * Diagnostics (gradient norms on interpolates, per-layer gradient norms, weight histograms, held-out
   * Wasserstein estimate) every D generator iterations (0 = only at the end). Value surfaces and quality
   * metrics come with the samples (every sampleEvery).
   */
  diagnosticsEvery: z.number().int().nonnegative().default(100),
  /** Images held out from training (the dataset's last ones) for the held-out Wasserstein estimate. */
  holdOut: z.number().int().nonnegative().max(100_000).default(0),
  /** Checkpoint every N generator iterations (0 = only at the end). */
  checkpointEvery: z.number().int().nonnegative().default(500),
  /** Size of the fixed latent batch for samples (2D: points in the scatter plot). */
  sampleCount: positiveInt.max(10_000).default(64),
  // Augmentation of real image batches, applied when a batch is drawn (src/engine/data/augment.ts), from
  // the data random stream, so a seed still gives one run and a resume continues it exactly. Off by
  // default; ignored for 2D datasets. The diagnostics' fixed batches are never augmented.
  /** Mirror each drawn image left-right with probability 1/2. */
  augmentFlip: z.boolean().default(false),
  /** Shift each drawn image by up to this many pixels in x and y (uniform integers); edge pixels repeat. */
  augmentShift: z.number().int().min(0).max(8).default(0),
  /**
   * Brightness and contrast jitter: each drawn image gets brightness + b and contrast x c around its own
   * mean, b uniform in [-j, j] (in [0, 1] pixel units) and c uniform in [1 - j, 1 + j]; clipped to range.
   */
  augmentJitter: z.number().min(0).max(0.5).default(0),
  /**
   * Augmented views per image, the dataset multiplier. 0: every draw gets a fresh random augmentation (no
   * limit on the views). k >= 1: each image has k fixed views, the original and k - 1 augmented copies
   * (as if the dataset had been written out k times, augmented), so an epoch is k x count images.
   * Batches are drawn with replacement either way; the multiplier fixes which variations exist.
   */
  augmentViews: z.number().int().min(0).max(64).default(0),
});

export type RunConfig = z.output<typeof runConfigSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly issues: readonly { field: string; message: string }[]) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; '));
    this.name = 'ConfigError';
  }
}

/** Validate a full config; throws ConfigError naming each bad field and the reason. */
export function parseRunConfig(input: unknown): RunConfig {
  const result = runConfigSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const path = issue.path.map(String).join('.');
      const keys = 'keys' in issue && Array.isArray(issue.keys) ? issue.keys.join(', ') : '';
      if (issue.code === 'unrecognized_keys') return { field: keys || '(root)', message: 'unknown key' };
      return { field: path || '(root)', message: issue.message };
    }),
  );
}

/** The 2D point datasets (imported datasets are always images). */
export function isToyDataset(id: DatasetId): boolean {
  return (TOY_DATASETS as readonly string[]).includes(id);
}

/** Whether any augmentation is switched on in a config. */
export function augments(c: Pick<RunConfig, 'augmentFlip' | 'augmentShift' | 'augmentJitter'>): boolean {
  return c.augmentFlip || c.augmentShift > 0 || c.augmentJitter > 0;
}

/** Presets that reproduce the papers; each maps a method to the fields it sets. */
type PresetFn = (method: LipschitzMethod, dataset: DatasetId) => Partial<RunConfigInput>;

const penaltyAdam = { optimizer: 'adam', lrCritic: 1e-4, lrGenerator: 1e-4, beta1: 0.5, beta2: 0.9 } as const;
const clipRmsprop = { optimizer: 'rmsprop', lrCritic: 5e-5, lrGenerator: 5e-5 } as const;

export const PRESET_DEFS: Record<PresetId, { title: string; apply: PresetFn }> = {
  // The classic WGAN notebook: MLP 2-128-128 (leaky 0.2 critic), latent 2, batch 64, n_critic 5, one real
  // batch per generator iteration shared by the critic steps;
  // clip: RMSProp 5e-5, c = 0.01; GP: Adam 1e-4, betas (0.5, 0.9), lambda = 10.
  notebook: {
    title: 'WGAN notebook (MLP 128x2, batch 64)',
    apply: (method) => ({
      model: 'mlp',
      mlpWidth: 128,
      mlpDepth: 2,
      latentDim: 2,
      batchSize: 64,
      nCritic: 5,
      leakySlope: 0.2,
      clipValue: 0.01,
      lambda: 10,
      criticRealBatch: 'shared',
      ...(method === 'clip' ? clipRmsprop : penaltyAdam),
    }),
  },
  // Arjovsky et al. 2017, Algorithm 1: RMSProp lr 5e-5, c = 0.01, n_critic = 5, batch 64, and 100 critic
  // iterations for the first 25 generator iterations and every 500th.
  wgan: {
    title: 'WGAN paper (RMSProp 5e-5, c 0.01, n_critic 5)',
    apply: (_method, dataset) => ({
      ...clipRmsprop,
      clipValue: 0.01,
      nCritic: 5,
      batchSize: 64,
      criticBurnIn: true,
      ...(isImageDataset(dataset) ? { latentDim: 128 } : {}),
    }),
  },
  // Gulrajani et al. 2017, Algorithm 1: Adam lr 1e-4, betas (0.5, 0.9), lambda = 10, n_critic = 5; the toy
  // experiments use 512-unit, 3-hidden-layer MLPs and batch 256; MNIST uses batch 50 and latent 128.
  'wgan-gp': {
    title: 'WGAN-GP paper (Adam 1e-4 (0.5, 0.9), lambda 10, n_critic 5)',
    apply: (_method, dataset) => ({
      ...penaltyAdam,
      lambda: 10,
      nCritic: 5,
      leakySlope: 0.2,
      ...(isImageDataset(dataset)
        ? { batchSize: 50, latentDim: 128, convWidth: 64, convKernel: 5 }
        : { batchSize: 256, mlpWidth: 512, mlpDepth: 3, latentDim: 2 }),
    }),
  },
  // Fast toy preset for the 8/25-gaussian mixtures: a 3x128 MLP, batch 256, Adam 1e-3 (0.5, 0.9) and the
  // WGAN-GP toy code's lambda = 0.1 ("smaller lambda makes things faster for toy tasks").
  'toy-fast': {
    title: 'Fast toy (MLP 128x3, batch 256, Adam 1e-3, lambda 0.1)',
    apply: (method) => ({
      model: 'mlp',
      mlpWidth: 128,
      mlpDepth: 3,
      latentDim: 2,
      batchSize: 256,
      nCritic: 5,
      leakySlope: 0.2,
      optimizer: 'adam',
      lrCritic: 1e-3,
      lrGenerator: 1e-3,
      beta1: 0.5,
      beta2: 0.9,
      lambda: 0.1,
      ...(method === 'clip' ? { clipValue: 0.01 } : {}),
    }),
  },
};

export const DEFAULT_PRESET: Record<BuiltinDatasetId, PresetId> = {
  mixture3: 'notebook',
  '8gaussians': 'toy-fast',
  '25gaussians': 'toy-fast',
  swissroll: 'wgan-gp',
  mnist: 'wgan-gp',
};

/** The preset a dataset gets when none is named: DEFAULT_PRESET for built-ins, 'wgan-gp' for imported sets. */
export function defaultPresetFor(id: DatasetId): PresetId {
  return isBuiltinDatasetId(id) ? DEFAULT_PRESET[id] : 'wgan-gp';
}

/**
 * Build a full config: defaults, then the preset (the dataset's default when none is named), then the
 * caller's overrides. Throws ConfigError on any bad field.
 *
 * Image datasets sample 64 images and use a 128-dimensional latent space. MNIST holds out its last 500
 * digits for the held-out Wasserstein estimate; an imported dataset holds out none by default (its size is
 * not known here, and a small folder cannot spare images), so its estimate is on training images unless
 * the caller sets holdOut (it must stay below the dataset's count).
 */
export function resolveRunConfig(
  input: { dataset: DatasetId; method: LipschitzMethod; preset?: PresetId } & Partial<RunConfigInput>,
): RunConfig {
  const { preset, ...rest } = input;
  if (!isDatasetId(input.dataset)) return parseRunConfig(rest); // throws, naming the bad dataset
  const presetId = preset ?? defaultPresetFor(input.dataset);
  const presetDef = PRESET_DEFS[presetId];
  if (!presetDef) throw new ConfigError([{ field: 'preset', message: `unknown preset '${String(preset)}'` }]);
  const base: Partial<RunConfigInput> =
    input.dataset === 'mnist'
      ? { latentDim: 128, sampleCount: 64, holdOut: 500 }
      : isImportedDatasetId(input.dataset)
        ? { latentDim: 128, sampleCount: 64, holdOut: 0 }
        : { sampleCount: 1000 };
  return parseRunConfig({ ...base, ...presetDef.apply(input.method, input.dataset), ...rest });
}
