/**
 * Options of an image import (folder or file list, and IDX files): the target shape and how pictures are
 * brought to it, plus the guards against hostile input. Validated with zod, unknown keys refused, every
 * problem named (ImportOptionsError). The resolved options are plain JSON, so they can be stored with the
 * dataset and hashed into its source fingerprint.
 */
import { z } from 'zod';

export const IMPORT_SIZES = [28, 32, 64] as const;
export type ImportSize = (typeof IMPORT_SIZES)[number];

/** crop: scale to cover the square, cut the overhang (centred); pad: scale to fit, fill with padColor; stretch. */
export const FIT_MODES = ['crop', 'pad', 'stretch'] as const;
export type FitMode = (typeof FIT_MODES)[number];

export const CHANNEL_MODES = ['gray', 'rgb'] as const;
export type ChannelMode = (typeof CHANNEL_MODES)[number];

/** An sRGB colour, 0..255 per channel. */
export type Rgb = readonly [number, number, number];

/** 100 megapixels: a 10,000 x 10,000 picture still imports, a 20,000 x 20,000 one is refused unread. */
export const DEFAULT_MAX_PIXELS = 100_000_000;
/** Files larger than this are not read (no photo of a sane size comes near it). */
export const DEFAULT_MAX_FILE_BYTES = 512 * 1024 * 1024;

const channel = z.number().int().min(0).max(255);

/** '#rrggbb', '#rgb' or [r, g, b] with 0..255 integers; read as an Rgb tuple. */
const colour = z.union(
  [
    z.tuple([channel, channel, channel]),
    z
      .string()
      .regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, "expected '#rrggbb', '#rgb' or [r, g, b]")
      .transform((s): [number, number, number] => {
        const hex = s.length === 4 ? [...s.slice(1)].map((c) => c + c).join('') : s.slice(1);
        return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
      }),
  ],
  { error: "expected '#rrggbb', '#rgb' or [r, g, b] with 0..255 integers" },
);

export const importOptionsSchema = z.strictObject({
  /** Side of the square output images in pixels. */
  size: z.union([z.literal(28), z.literal(32), z.literal(64)]).default(32),
  /** How a non-square picture becomes square. */
  fit: z.enum(FIT_MODES).default('crop'),
  /** Fill colour of the borders in fit mode 'pad'. */
  padColor: colour.default([0, 0, 0]),
  /** 'gray': one channel (luminance); 'rgb': three. */
  channels: z.enum(CHANNEL_MODES).default('rgb'),
  /** Transparent pixels are composited onto this colour before anything else. */
  background: colour.default([0, 0, 0]),
  /** Search sub-folders of a folder source. */
  recursive: z.boolean().default(true),
  /** Import files and search folders whose names start with '.' (otherwise reported as skipped 'hidden'). */
  includeHidden: z.boolean().default(false),
  /** Pictures with more pixels (width x height, as declared in their header) are refused without decoding. */
  maxPixels: z.number().int().positive().max(1_000_000_000).default(DEFAULT_MAX_PIXELS),
  /** Files larger than this many bytes are refused without reading them. */
  maxFileBytes: z
    .number()
    .int()
    .positive()
    .max(4 * 1024 * 1024 * 1024)
    .default(DEFAULT_MAX_FILE_BYTES),
});

export type ImportOptions = Readonly<z.output<typeof importOptionsSchema>> & {
  readonly padColor: Rgb;
  readonly background: Rgb;
};
export type ImportOptionsInput = z.input<typeof importOptionsSchema>;

export class ImportOptionsError extends Error {
  constructor(readonly issues: readonly { field: string; message: string }[]) {
    super(`invalid import options: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
    this.name = 'ImportOptionsError';
  }
}

/** Validate and complete import options (defaults filled in); throws ImportOptionsError naming each problem. */
export function resolveImportOptions(input: unknown = {}): ImportOptions {
  const result = importOptionsSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new ImportOptionsError(
    result.error.issues.map((issue) => {
      const path = issue.path.map(String).join('.');
      const keys = 'keys' in issue && Array.isArray(issue.keys) ? issue.keys.join(', ') : '';
      if (issue.code === 'unrecognized_keys') return { field: keys || '(root)', message: 'unknown key' };
      return { field: path || '(root)', message: issue.message };
    }),
  );
}

/** The options in a fixed key order, as JSON: the form hashed into a source fingerprint. */
export function canonicalOptions(o: ImportOptions): string {
  return JSON.stringify({
    size: o.size,
    fit: o.fit,
    padColor: o.padColor,
    channels: o.channels,
    background: o.background,
    recursive: o.recursive,
    includeHidden: o.includeHidden,
    maxPixels: o.maxPixels,
    maxFileBytes: o.maxFileBytes,
  });
}

export function channelCount(o: Pick<ImportOptions, 'channels'>): 1 | 3 {
  return o.channels === 'gray' ? 1 : 3;
}

/** The reason given for a picture over the pixel limit. */
export function tooLargeReason(width: number, height: number, maxPixels: number): string {
  return `too large (${width} x ${height} pixels > limit of ${maxPixels.toLocaleString('en-US')} pixels)`;
}
