import type { Rng } from '../rng';

/** Mode centres and per-mode std of a 2D mixture (for the VEEGAN/PacGAN mode metrics). */
export interface Modes {
  readonly centers: ReadonlyArray<readonly [number, number]>;
  readonly std: number;
}

export interface Bounds {
  readonly xMin: number;
  readonly xMax: number;
  readonly yMin: number;
  readonly yMax: number;
}

/** An infinite 2D distribution sampled on the fly (as the WGAN-GP toy code does). */
export interface Toy2DDataset {
  readonly kind: '2d';
  readonly id: string;
  readonly title: string;
  /** n points as a row-major n x 2 array. */
  sample(rng: Rng, n: number): Float32Array;
  readonly modes?: Modes;
  /** A box that holds (almost) all the data, for plots and value surfaces. */
  readonly bounds: Bounds;
}

/** A finite image set held in memory, NHWC, values scaled to the generator's range [-1, 1]. */
export interface ImageDataset {
  readonly kind: 'image';
  readonly id: string;
  readonly title: string;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
  readonly images: Float32Array;
  readonly labels?: Uint8Array;
}

export type Dataset = Toy2DDataset | ImageDataset;
