import type { DiagnosticsBundle } from './diagnostics';

/**
 * Events a training loop emits (and a training process forwards to main). Discriminated unions, no `any`.
 */
export const METRIC_NAMES = [
  'critic.real',
  'critic.fake',
  'critic.penalty',
  'critic.loss',
  'wasserstein',
  'generator',
  'gradNorm.mean',
  'gradNorm.std',
  'itPerSec',
  // From the diagnostics (src/shared/diagnostics.ts), logged at their steps.
  'heldOut.wasserstein',
  'interp.gradNorm.mean',
  'interp.gradNorm.nearOne',
  'weights.atClip',
  'quality.modes',
  'quality.highQuality',
  'quality.modeKl',
  'quality.slicedW1',
  'quality.exactW1',
  'quality.fid',
  'quality.classes',
  'quality.swd',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];
export type MetricValues = Partial<Record<MetricName, number>>;

export type EndStatus = 'completed' | 'stopped' | 'diverged';

export type TrainEvent =
  | { readonly type: 'started'; readonly step: number; readonly total: number; readonly resumed: boolean }
  | {
      readonly type: 'metrics';
      readonly step: number;
      /** Training seconds since the run began (continues across resumes). */
      readonly seconds: number;
      readonly values: MetricValues;
    }
  | {
      readonly type: 'samples';
      readonly step: number;
      readonly kind: '2d';
      /** Generated points from the fixed latent batch, n x 2. */
      readonly fake: Float32Array;
      /** A real batch of the same size, for the scatter plot. */
      readonly real: Float32Array;
    }
  | {
      readonly type: 'samples';
      readonly step: number;
      readonly kind: 'image';
      /** NHWC in [-1, 1]. */
      readonly images: Float32Array;
      readonly count: number;
      readonly height: number;
      readonly width: number;
      readonly channels: 1 | 3;
    }
  | { readonly type: 'checkpoint'; readonly step: number; readonly bytes: Uint8Array }
  | {
      readonly type: 'diagnostics';
      readonly step: number;
      readonly seconds: number;
      readonly data: DiagnosticsBundle;
    }
  | {
      readonly type: 'end';
      readonly status: EndStatus;
      readonly step: number;
      readonly seconds: number;
      /** For 'diverged': which value was not finite. */
      readonly reason?: string;
    };
