/**
 * Minimal types for gifenc 1.0.3 (the package ships none): only what the exporter uses.
 * The package is CommonJS; load it with createRequire (Node's ESM loader does not see its named exports).
 */
declare module 'gifenc' {
  /** Palette colours as [r, g, b] (or [r, g, b, a] with the 'rgba4444' format), 0..255. */
  export type GifPalette = number[][];
  export type GifColorFormat = 'rgb565' | 'rgb444' | 'rgba4444';

  export interface QuantizeOptions {
    format?: GifColorFormat;
    oneBitAlpha?: boolean | number;
    clearAlpha?: boolean;
    clearAlphaThreshold?: number;
    clearAlphaColor?: number;
  }

  /**
   * A palette of at most `maxColors` colours for RGBA pixels. Note: reads `rgba.buffer` as a whole, so pass
   * an array that owns its buffer (offset 0, length a multiple of 4).
   */
  export function quantize(
    rgba: Uint8Array | Uint8ClampedArray,
    maxColors: number,
    options?: QuantizeOptions,
  ): GifPalette;

  /** One palette index per pixel (same caveat about `rgba.buffer` as quantize). */
  export function applyPalette(
    rgba: Uint8Array | Uint8ClampedArray,
    palette: GifPalette,
    format?: GifColorFormat,
  ): Uint8Array;

  export interface WriteFrameOptions {
    /** Required on the first frame (becomes the global colour table); later frames: a local table. */
    palette?: GifPalette;
    /** Milliseconds; stored in hundredths of a second. */
    delay?: number;
    /** -1: play once, 0: loop forever, n > 0: n extra loops. Only read on the first frame. */
    repeat?: number;
    transparent?: boolean;
    transparentIndex?: number;
    colorDepth?: number;
    dispose?: number;
    first?: boolean;
  }

  export interface GifEncoderInstance {
    writeFrame(index: Uint8Array, width: number, height: number, opts?: WriteFrameOptions): void;
    writeHeader(): void;
    finish(): void;
    bytes(): Uint8Array;
    bytesView(): Uint8Array;
    reset(): void;
  }

  export function GIFEncoder(opts?: { auto?: boolean; initialCapacity?: number }): GifEncoderInstance;
}
