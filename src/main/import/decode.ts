/**
 * Decoding one picture into the import's target shape: size x size pixels, 1 or 3 channels, uint8, rows
 * top to bottom (HWC). Never throws for bad input: every failure comes back as a skip kind and a reason.
 *
 * The steps, in order:
 *   1. size checks: an empty file, or one over maxFileBytes, is refused unread;
 *   2. the header (sharp metadata, or the BMP headers) gives the format and size: content that is no
 *      image, a format the import does not take (e.g. SVG), or more than maxPixels pixels (a decompression
 *      bomb) is refused before any pixel is decoded; sharp's own limitInputPixels guards again;
 *   3. sharp decodes the first frame / page only, turns it upright by its EXIF orientation, converts any
 *      colour space and bit depth (CMYK, 16-bit, grey, palette) to 8-bit sRGB with an alpha channel and
 *      resizes: 'crop' covers the square and cuts the overhang centred, 'stretch' fills it, 'pad' fits the
 *      picture inside;
 *   4. here in code: alpha is composited onto the background colour, 'pad' borders are filled with
 *      padColor, and 'gray' takes the ITU-R 601-2 luma (0.299 R + 0.587 G + 0.114 B, as PIL and
 *      torchvision do), so borders and backgrounds get exactly the grey of their colour.
 */
import { open, readFile } from 'node:fs/promises';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { describeFsError } from '../export/atomic';
import { BmpError, decodeBmp, looksLikeBmp } from './bmp';
import { channelCount, type ImportOptions, type Rgb, tooLargeReason } from './options';
import type { SkipKind } from './walk';

export type DecodeResult =
  | {
      readonly ok: true;
      /** size x size x channels bytes, HWC. */
      readonly pixels: Uint8Array;
      /** The format read ('png', 'jpeg', 'bmp', ...). */
      readonly format: string;
      /** The picture's own size, upright. */
      readonly sourceWidth: number;
      readonly sourceHeight: number;
      /** What was done beyond the plain resize, for the import report ('first of 3 frames', ...). */
      readonly notes: readonly string[];
    }
  | { readonly ok: false; readonly kind: SkipKind; readonly reason: string };

type DecodeOptions = Pick<
  ImportOptions,
  'size' | 'fit' | 'padColor' | 'channels' | 'background' | 'maxPixels' | 'maxFileBytes'
>;

/** Formats decoded with sharp (its names; 'heif' only as AVIF). */
const SHARP_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif']);

function fail(kind: SkipKind, reason: string): DecodeResult {
  return { ok: false, kind, reason };
}

/** A one-line summary of a sharp / libvips error message. */
function sharpDetail(message: string): string {
  const lines = [
    ...new Set(
      message
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== ''),
    ),
  ];
  const text = lines.join('; ').replace(/^Input (?:buffer|file) (?:has )?/i, '');
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

function classifySharpError(err: unknown): DecodeResult {
  const message = err instanceof Error ? err.message : String(err);
  if (/unsupported image format/i.test(message)) {
    return fail('not-image', 'not an image (unrecognised content)');
  }
  if (/pixel limit/i.test(message)) return fail('too-large', `too large (${sharpDetail(message)})`);
  return fail('corrupt', `corrupt or truncated (${sharpDetail(message)})`);
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}

/** Read and decode one file (a path as text or raw bytes); failures, reading included, come back as reasons. */
export async function decodeImageFile(path: string | Uint8Array, o: DecodeOptions): Promise<DecodeResult> {
  let bytes: Buffer;
  try {
    const raw = typeof path === 'string' ? path : Buffer.from(path.buffer, path.byteOffset, path.byteLength);
    bytes = await readLimited(raw, o.maxFileBytes);
  } catch (err) {
    if (err instanceof TooBigError) {
      return fail(
        'too-large',
        `too large a file (${err.size.toLocaleString('en-US')} bytes > limit of ${o.maxFileBytes.toLocaleString('en-US')})`,
      );
    }
    const code = errorCode(err);
    if (code === 'ENOENT') return fail('not-found', 'not found (ENOENT): removed during the import');
    if (code === 'ELOOP') return fail('symlink-loop', 'symlink loop (ELOOP)');
    return fail('unreadable', `unreadable: ${describeFsError(err)}`);
  }
  return decodeImageBytes(bytes, o);
}

class TooBigError extends Error {
  constructor(readonly size: number) {
    super(`file of ${size} bytes`);
  }
}

async function readLimited(path: string | Buffer, maxBytes: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw new TooBigError(size);
    return await readFile(handle);
  } finally {
    await handle.close();
  }
}

/** Decode a picture held in memory (see the module comment). */
export async function decodeImageBytes(bytes: Uint8Array, o: DecodeOptions): Promise<DecodeResult> {
  if (bytes.length === 0) return fail('empty', 'empty file (0 bytes)');
  if (bytes.length > o.maxFileBytes) {
    return fail('too-large', `too large a file (${bytes.length.toLocaleString('en-US')} bytes)`);
  }
  if (looksLikeBmp(bytes)) return decodeBmpBytes(bytes, o);

  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    return classifySharpError(err);
  }
  const format = meta.format;
  if (!SHARP_FORMATS.has(format) || (format === 'heif' && meta.compression !== 'av1')) {
    const name = format === 'heif' ? `heif/${meta.compression ?? 'unknown'}` : format;
    return fail('unsupported-format', `unsupported format (${name})`);
  }
  const width = meta.width;
  const height = meta.pageHeight ?? meta.height;
  if (!(width > 0 && height > 0)) {
    return fail('corrupt', 'corrupt or truncated (no image size in the header)');
  }
  if (width * height > o.maxPixels) return fail('too-large', tooLargeReason(width, height, o.maxPixels));

  const notes: string[] = [];
  const pages = meta.pages ?? 1;
  if (pages > 1) {
    notes.push(`first of ${pages} ${format === 'tiff' ? 'pages' : 'frames'}`);
  }
  const orientation = meta.orientation ?? 1;
  if (orientation > 1 && orientation <= 8) notes.push(`EXIF orientation ${orientation} applied`);
  if (meta.depth === 'ushort' || meta.depth === 'short') notes.push('16-bit reduced to 8-bit');
  else if (meta.depth !== undefined && meta.depth !== 'uchar' && meta.depth !== 'char') {
    notes.push(`${meta.depth} samples reduced to 8-bit`);
  }
  if (meta.space === 'cmyk') notes.push('CMYK converted to sRGB');
  const swap = orientation >= 5 && orientation <= 8;
  const upW = swap ? height : width;
  const upH = swap ? width : height;

  const input = sharp(bytes, { limitInputPixels: o.maxPixels, failOn: 'error', pages: 1 }).rotate();
  return finish(input, upW, upH, format, notes, o);
}

function decodeBmpBytes(bytes: Uint8Array, o: DecodeOptions): Promise<DecodeResult> | DecodeResult {
  let bmp;
  try {
    bmp = decodeBmp(bytes, o.maxPixels);
  } catch (err) {
    if (err instanceof BmpError) {
      if (err.kind === 'too-large') return fail('too-large', err.message);
      const wrap = err.kind === 'corrupt' && !err.message.startsWith('corrupt or truncated');
      return fail(err.kind, wrap ? `corrupt or truncated (${err.message})` : err.message);
    }
    return fail('corrupt', `corrupt or truncated (${err instanceof Error ? err.message : String(err)})`);
  }
  const input = sharp(bmp.rgba, { raw: { width: bmp.width, height: bmp.height, channels: 4 } });
  return finish(input, bmp.width, bmp.height, 'bmp', [], o);
}

/** The picture's placement inside the square for fit 'pad' (the others fill it). */
export function padPlacement(
  width: number,
  height: number,
  size: number,
): { width: number; height: number; left: number; top: number } {
  const scale = size / Math.max(width, height);
  const w = Math.max(1, Math.min(size, Math.round(width * scale)));
  const h = Math.max(1, Math.min(size, Math.round(height * scale)));
  return { width: w, height: h, left: Math.floor((size - w) / 2), top: Math.floor((size - h) / 2) };
}

async function finish(
  input: Sharp,
  upW: number,
  upH: number,
  format: string,
  notes: string[],
  o: DecodeOptions,
): Promise<DecodeResult> {
  const size = o.size;
  const place =
    o.fit === 'pad' ? padPlacement(upW, upH, size) : { width: size, height: size, left: 0, top: 0 };
  let data: Buffer;
  try {
    const out = await input
      .toColourspace('srgb')
      .ensureAlpha()
      .resize(place.width, place.height, {
        fit: o.fit === 'crop' ? 'cover' : 'fill',
        position: 'centre',
      })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (out.info.channels !== 4 || out.info.width !== place.width || out.info.height !== place.height) {
      return fail(
        'corrupt',
        `corrupt or truncated (decoded to ${out.info.width} x ${out.info.height} x ${out.info.channels})`,
      );
    }
    data = out.data;
  } catch (err) {
    return classifySharpError(err);
  }
  const { pixels, translucent } = composite(data, place, o);
  if (translucent) notes.push('transparency composited onto the background');
  return { ok: true, pixels, format, sourceWidth: upW, sourceHeight: upH, notes };
}

/** Luma of an sRGB colour (ITU-R 601-2), rounded: the grey that 'gray' imports give it. */
export function lumaOf(r: number, g: number, b: number): number {
  return Math.round((299 * r + 587 * g + 114 * b) / 1000);
}

/** RGBA (the placed picture) onto the background, into the padColor-filled square, as 1 or 3 channels. */
function composite(
  rgba: Uint8Array,
  place: { width: number; height: number; left: number; top: number },
  o: DecodeOptions,
): { pixels: Uint8Array; translucent: boolean } {
  const size = o.size;
  const c = channelCount(o);
  const out = new Uint8Array(size * size * c);
  fill(out, c, o.padColor);
  const [br, bg, bb] = o.background;
  let translucent = false;
  for (let y = 0; y < place.height; y++) {
    for (let x = 0; x < place.width; x++) {
      const i = (y * place.width + x) * 4;
      let r = rgba[i] as number;
      let g = rgba[i + 1] as number;
      let b = rgba[i + 2] as number;
      const a = rgba[i + 3] as number;
      if (a !== 255) {
        translucent = true;
        r = Math.round((r * a + br * (255 - a)) / 255);
        g = Math.round((g * a + bg * (255 - a)) / 255);
        b = Math.round((b * a + bb * (255 - a)) / 255);
      }
      const j = ((place.top + y) * size + place.left + x) * c;
      if (c === 1) {
        out[j] = lumaOf(r, g, b);
      } else {
        out[j] = r;
        out[j + 1] = g;
        out[j + 2] = b;
      }
    }
  }
  return { pixels: out, translucent };
}

function fill(out: Uint8Array, c: 1 | 3, color: Rgb): void {
  if (c === 1) {
    out.fill(lumaOf(color[0], color[1], color[2]));
    return;
  }
  for (let i = 0; i < out.length; i += 3) {
    out[i] = color[0];
    out[i + 1] = color[1];
    out[i + 2] = color[2];
  }
}
