import type { MetricValues } from './train-events';

/**
 * Diagnostics a training process computes every few iterations, as plain JSON (stored one row per kind
 * and step, read by the UI and the CLI). No Node, Electron or tfjs imports here.
 *
 * - gradNorms: ||grad_x f(x_hat)|| on interpolates between a real and a fake batch (WGAN-GP, Sec. 4; the
 *   classic WGAN notebook's diagnostic), with fixed log-spaced bins shared by every run.
 * - layers: the critic loss's gradient norm with respect to each layer's pre-activations (WGAN-GP, Fig. 1b).
 * - weights: a histogram per critic weight tensor and the fraction at the clip bounds (Fig. 1b, right).
 * - wasserstein: E[f(real)] - E[f(fake)] on a training batch and on a held-out batch.
 * - surface (2D data): the critic's value on a grid, real and generated points and grad_x f at the
 *   generated points (Fig. 1a; GAN Lab's heatmap). Float32 arrays travel as base64 (little-endian).
 * - quality: sample-quality metrics (modes, sliced / exact W1 for 2D; FID, classes, SWD for images).
 */

export interface HistogramData {
  readonly edges: readonly number[];
  readonly counts: readonly number[];
  /** Values below the first edge and above the last. */
  readonly under: number;
  readonly over: number;
}

export interface GradNormDiagnostic {
  readonly count: number;
  readonly histogram: HistogramData;
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly median: number;
  readonly max: number;
  /** Fraction within 1 +- 0.1. */
  readonly nearOne: number;
  readonly verdict: string;
}

export interface LayerNormDiagnostic {
  /** Layer names, input side first. */
  readonly names: readonly string[];
  readonly norms: readonly number[];
}

export interface WeightLayerDiagnostic {
  readonly name: string;
  readonly histogram: HistogramData;
  readonly count: number;
  readonly maxAbs: number;
  /** Fraction within 1% of +-c (weight clipping only). */
  readonly atClipBounds?: number;
}

export interface WeightDiagnostic {
  readonly layers: readonly WeightLayerDiagnostic[];
  /** Over all critic weights (weight clipping only). */
  readonly atClipBounds?: number;
  readonly clipValue?: number;
}

export interface WassersteinDiagnostic {
  /** On a fresh training batch. */
  readonly train: number;
  /** On a held-out batch the critic never trained on. */
  readonly heldOut: number;
  readonly batch: number;
}

export interface SurfaceDiagnostic {
  readonly res: number;
  readonly bounds: {
    readonly xMin: number;
    readonly xMax: number;
    readonly yMin: number;
    readonly yMax: number;
  };
  /** f on a res x res grid, row 0 at yMax, column 0 at xMin; base64 Float32. */
  readonly values: string;
  readonly min: number;
  readonly max: number;
  /** n x 2 points, base64 Float32. */
  readonly real: string;
  readonly fake: string;
  /** grad_x f at each fake point (n x 2), base64 Float32: the direction the generator moves them. */
  readonly field: string;
}

export interface QualityDiagnostic {
  /** 2D mixtures (VEEGAN/PacGAN definitions, 2,500 samples). */
  readonly modes?: {
    readonly covered: number;
    readonly total: number;
    readonly highQualityPct: number;
    readonly klToUniform: number;
    readonly counts: readonly number[];
    readonly samples: number;
  };
  /** 2D: sliced Wasserstein-1 and exact W1 between real and generated points. */
  readonly slicedW1?: number;
  readonly exactW1?: number;
  readonly points?: number;
  /** Images (MNIST): Frechet distance on the project classifier's features, class histogram. */
  readonly fid?: number;
  readonly classes?: {
    readonly counts: readonly number[];
    readonly covered: number;
    readonly klToUniform: number;
  };
  /** Images: SWD on Laplacian-pyramid patches (x 1e3, per level and the average). */
  readonly swd?: { readonly levels: readonly number[]; readonly average: number };
}

export interface DiagnosticsBundle {
  readonly gradNorms?: GradNormDiagnostic;
  readonly layers?: LayerNormDiagnostic;
  readonly weights?: WeightDiagnostic;
  readonly wasserstein?: WassersteinDiagnostic;
  readonly surface?: SurfaceDiagnostic;
  readonly quality?: QualityDiagnostic;
}

export const DIAGNOSTIC_KINDS = [
  'gradNorms',
  'layers',
  'weights',
  'wasserstein',
  'surface',
  'quality',
] as const;
export type DiagnosticKind = (typeof DIAGNOSTIC_KINDS)[number];

export function isDiagnosticKind(value: unknown): value is DiagnosticKind {
  return typeof value === 'string' && (DIAGNOSTIC_KINDS as readonly string[]).includes(value);
}

/** Float32 values as base64 of their little-endian bytes (btoa/atob exist in browsers and Node >= 16). */
export function encodeFloat32(values: Float32Array): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i] as number, true);
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

export function decodeFloat32(base64: string): Float32Array {
  const binary = atob(base64);
  if (binary.length % 4 !== 0) throw new Error(`not a Float32 array: ${binary.length} bytes`);
  const view = new DataView(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) view.setUint8(i, binary.charCodeAt(i));
  const out = new Float32Array(binary.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

/** The scalar series a diagnostics bundle adds to the run's metrics (for curves and the run list). */
export function diagnosticMetrics(d: DiagnosticsBundle): MetricValues {
  const m: MetricValues = {};
  if (d.wasserstein) m['heldOut.wasserstein'] = d.wasserstein.heldOut;
  if (d.gradNorms) {
    m['interp.gradNorm.mean'] = d.gradNorms.mean;
    m['interp.gradNorm.nearOne'] = d.gradNorms.nearOne;
  }
  if (d.weights?.atClipBounds !== undefined) m['weights.atClip'] = d.weights.atClipBounds;
  const q = d.quality;
  if (q?.modes) {
    m['quality.modes'] = q.modes.covered;
    m['quality.highQuality'] = q.modes.highQualityPct;
    m['quality.modeKl'] = q.modes.klToUniform;
  }
  if (q?.slicedW1 !== undefined) m['quality.slicedW1'] = q.slicedW1;
  if (q?.exactW1 !== undefined) m['quality.exactW1'] = q.exactW1;
  if (q?.fid !== undefined) m['quality.fid'] = q.fid;
  if (q?.classes) m['quality.classes'] = q.classes.covered;
  if (q?.swd) m['quality.swd'] = q.swd.average;
  return m;
}
