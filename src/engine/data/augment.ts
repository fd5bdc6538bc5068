/**
 * Augmentation of real image batches at training time (run-config fields augmentFlip, augmentShift,
 * augmentJitter, augmentViews). Each drawn image gets its own view: an optional left-right mirror, a shift
 * by whole pixels with the edge pixels repeated into the uncovered border, and a brightness / contrast
 * jitter around the image's own mean, clipped to the data range [-1, 1].
 *
 * Determinism: every random number comes from the run's data stream (or, with a fixed number of views,
 * from a generator seeded by (seed, image, view)), drawn in a fixed order and only for the augmentations
 * that are on. With augmentation off nothing extra is drawn, so runs without it are what they always were,
 * and a checkpoint's data-stream state resumes an augmented run exactly.
 */
import type { RunConfig } from '../../shared/run-config';
import { Rng } from '../rng';

export interface Augmentation {
  readonly flip: boolean;
  /** Largest shift in pixels, in x and y. */
  readonly shift: number;
  /** Brightness and contrast jitter amplitude j (see the run config). */
  readonly jitter: number;
  /** Fixed views per image (0: a fresh view for every draw; 1: the original only). */
  readonly views: number;
  /** Seeds the fixed views. */
  readonly seed: number;
}

/** What one view does to an image. */
export interface ViewParams {
  readonly flip: boolean;
  /** Content moves right by dx and down by dy pixels (negative: left / up). */
  readonly dx: number;
  readonly dy: number;
  /** Added, in [0, 1] pixel units (so 2 x brightness in the data's [-1, 1] units). */
  readonly brightness: number;
  /** Multiplies the distance from the image's mean. */
  readonly contrast: number;
}

export const IDENTITY_VIEW: ViewParams = { flip: false, dx: 0, dy: 0, brightness: 0, contrast: 1 };

/** The augmentation a config asks for, or undefined when none is on (or views is 1: the originals only). */
export function augmentationOf(
  config: Pick<RunConfig, 'augmentFlip' | 'augmentShift' | 'augmentJitter' | 'augmentViews' | 'seed'>,
): Augmentation | undefined {
  const on = config.augmentFlip || config.augmentShift > 0 || config.augmentJitter > 0;
  if (!on || config.augmentViews === 1) return undefined;
  return {
    flip: config.augmentFlip,
    shift: config.augmentShift,
    jitter: config.augmentJitter,
    views: config.augmentViews,
    seed: config.seed,
  };
}

/** Draw one view's parameters, in a fixed order, only for the augmentations that are on. */
export function drawView(rng: Rng, a: Pick<Augmentation, 'flip' | 'shift' | 'jitter'>): ViewParams {
  const flip = a.flip ? rng.uniform() < 0.5 : false;
  const dx = a.shift > 0 ? rng.int(2 * a.shift + 1) - a.shift : 0;
  const dy = a.shift > 0 ? rng.int(2 * a.shift + 1) - a.shift : 0;
  const brightness = a.jitter > 0 ? (2 * rng.uniform() - 1) * a.jitter : 0;
  const contrast = a.jitter > 0 ? 1 + (2 * rng.uniform() - 1) * a.jitter : 1;
  return { flip, dx, dy, brightness, contrast };
}

/** A generator for view `view` of image `image`: the same three numbers always give the same view. */
export function viewRng(seed: number, image: number, view: number): Rng {
  let h = Math.imul(seed ^ 0x6a09e667, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15) ^ image, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ view, 0xc2b2ae35);
  return new Rng((h ^ (h >>> 16)) >>> 0);
}

/**
 * Write view `p` of one HWC image `src` (values in [-1, 1]) into `out` (same shape, not the same array).
 */
export function applyView(
  src: Float32Array,
  out: Float32Array,
  height: number,
  width: number,
  channels: number,
  p: ViewParams,
): void {
  const clampInt = (v: number, hi: number): number => (v < 0 ? 0 : v > hi ? hi : v);
  for (let y = 0; y < height; y++) {
    const sy = clampInt(y - p.dy, height - 1);
    for (let x = 0; x < width; x++) {
      const shifted = clampInt(x - p.dx, width - 1);
      const sx = p.flip ? width - 1 - shifted : shifted;
      const from = (sy * width + sx) * channels;
      const to = (y * width + x) * channels;
      for (let c = 0; c < channels; c++) out[to + c] = src[from + c] as number;
    }
  }
  if (p.brightness === 0 && p.contrast === 1) return;
  let sum = 0;
  for (let i = 0; i < out.length; i++) sum += out[i] as number;
  const mean = out.length === 0 ? 0 : sum / out.length;
  const add = 2 * p.brightness;
  for (let i = 0; i < out.length; i++) {
    const v = ((out[i] as number) - mean) * p.contrast + mean + add;
    out[i] = v < -1 ? -1 : v > 1 ? 1 : v;
  }
}

/**
 * Fill `out` with n images drawn with replacement from `images` (count HWC images), each augmented; the
 * indices and views come from `rng` as described in the module comment.
 */
export function drawAugmented(
  images: Float32Array,
  shape: {
    readonly count: number;
    readonly height: number;
    readonly width: number;
    readonly channels: number;
  },
  rng: Rng,
  n: number,
  a: Augmentation,
  out: Float32Array,
): void {
  const { count, height, width, channels } = shape;
  const per = height * width * channels;
  for (let i = 0; i < n; i++) {
    let image: number;
    let view: ViewParams;
    if (a.views === 0) {
      image = rng.int(count);
      view = drawView(rng, a);
    } else {
      const k = rng.int(count * a.views);
      image = k % count;
      const v = Math.floor(k / count);
      view = v === 0 ? IDENTITY_VIEW : drawView(viewRng(a.seed, image, v), a);
    }
    const src = images.subarray(image * per, (image + 1) * per);
    applyView(src, out.subarray(i * per, (i + 1) * per), height, width, channels, view);
  }
}
