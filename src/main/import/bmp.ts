/**
 * A small BMP (Windows bitmap) decoder: sharp's libvips build reads no BMP, so the import decodes these
 * itself and hands sharp raw RGBA pixels.
 *
 * Read: the 14-byte file header, then a BITMAPCOREHEADER (12 bytes), BITMAPINFOHEADER (40) or its V2-V5
 * extensions (52, 56, 108, 124); uncompressed 1-, 4- and 8-bit palette images, 16-bit (5-5-5, or any masks
 * with BI_BITFIELDS), 24-bit BGR and 32-bit (BGRX or any masks with BI_BITFIELDS / BI_ALPHABITFIELDS);
 * bottom-up (positive height) and top-down (negative height) rows, each padded to 4 bytes. A 32-bit image
 * whose alpha bytes are all 0 is taken as opaque (the usual meaning of 'unused'). Not read (refused with the
 * reason): RLE4 / RLE8 compression, embedded JPEG / PNG, and colour profiles (pixels are taken as sRGB).
 */
import { tooLargeReason } from './options';

export class BmpError extends Error {
  constructor(
    readonly kind: 'corrupt' | 'unsupported-format' | 'too-large',
    message: string,
  ) {
    super(message);
    this.name = 'BmpError';
  }
}

export interface BmpHeader {
  readonly width: number;
  readonly height: number;
  readonly bitsPerPixel: number;
  readonly compression: number;
  readonly topDown: boolean;
}

export interface BmpImage {
  readonly width: number;
  readonly height: number;
  /** width x height x 4 bytes, RGBA, rows top to bottom. */
  readonly rgba: Uint8Array;
}

const FILE_HEADER = 14;
const BI_RGB = 0;
const BI_RLE8 = 1;
const BI_RLE4 = 2;
const BI_BITFIELDS = 3;
const BI_JPEG = 4;
const BI_PNG = 5;
const BI_ALPHABITFIELDS = 6;

/** Whether the bytes start like a BMP file ('BM' and a known DIB header size). */
export function looksLikeBmp(bytes: Uint8Array): boolean {
  if (bytes.length < FILE_HEADER + 4 || bytes[0] !== 0x42 || bytes[1] !== 0x4d) return false;
  const dib = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(FILE_HEADER, true);
  return [12, 40, 52, 56, 64, 108, 124].includes(dib);
}

interface Layout extends BmpHeader {
  readonly dataOffset: number;
  readonly dibSize: number;
  readonly masks: readonly [number, number, number, number] | undefined;
  readonly paletteOffset: number;
  readonly paletteEntryBytes: 3 | 4;
  readonly paletteCount: number;
}

function readLayout(bytes: Uint8Array): Layout {
  if (!looksLikeBmp(bytes)) throw new BmpError('corrupt', 'not a BMP file header');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataOffset = v.getUint32(10, true);
  const dibSize = v.getUint32(FILE_HEADER, true);
  if (bytes.length < FILE_HEADER + dibSize) {
    throw new BmpError('corrupt', `truncated BMP header (${bytes.length} bytes)`);
  }
  let width: number;
  let height: number;
  let bitsPerPixel: number;
  let compression = BI_RGB;
  let colorsUsed = 0;
  if (dibSize === 12) {
    width = v.getUint16(18, true);
    height = v.getInt16(20, true);
    bitsPerPixel = v.getUint16(24, true);
  } else {
    width = v.getInt32(18, true);
    height = v.getInt32(22, true);
    bitsPerPixel = v.getUint16(28, true);
    compression = v.getUint32(30, true);
    colorsUsed = v.getUint32(46, true);
  }
  const topDown = height < 0;
  height = Math.abs(height);
  if (width <= 0 || height <= 0) {
    throw new BmpError('corrupt', `BMP has an invalid size ${width} x ${height}`);
  }
  if (compression === BI_RLE8 || compression === BI_RLE4) {
    throw new BmpError('unsupported-format', 'unsupported BMP: RLE-compressed');
  }
  if (compression === BI_JPEG || compression === BI_PNG) {
    throw new BmpError('unsupported-format', 'unsupported BMP: embedded JPEG or PNG');
  }
  if (compression !== BI_RGB && compression !== BI_BITFIELDS && compression !== BI_ALPHABITFIELDS) {
    throw new BmpError('unsupported-format', `unsupported BMP: compression type ${compression}`);
  }
  if (![1, 4, 8, 16, 24, 32].includes(bitsPerPixel)) {
    throw new BmpError('unsupported-format', `unsupported BMP: ${bitsPerPixel} bits per pixel`);
  }
  let masks: [number, number, number, number] | undefined;
  let paletteOffset = FILE_HEADER + dibSize;
  if (compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS) {
    if (bitsPerPixel !== 16 && bitsPerPixel !== 32) {
      throw new BmpError('corrupt', `BMP bit-field masks with ${bitsPerPixel} bits per pixel`);
    }
    // V2+ headers hold the masks themselves; a 40-byte header is followed by them (3 or 4 masks).
    const at = dibSize >= 52 ? FILE_HEADER + 40 : FILE_HEADER + dibSize;
    const count = compression === BI_ALPHABITFIELDS || dibSize >= 56 ? 4 : 3;
    if (bytes.length < at + 4 * count) throw new BmpError('corrupt', 'truncated BMP colour masks');
    masks = [
      v.getUint32(at, true),
      v.getUint32(at + 4, true),
      v.getUint32(at + 8, true),
      count === 4 ? v.getUint32(at + 12, true) : 0,
    ];
    if (dibSize < 52) paletteOffset += 4 * count;
  } else if (bitsPerPixel === 16) {
    masks = [0x7c00, 0x03e0, 0x001f, 0];
  } else if (bitsPerPixel === 32 && dibSize >= 56) {
    // BI_RGB 32-bit: BGRX; a V3+ header may still declare an alpha mask.
    const alpha = v.getUint32(FILE_HEADER + 52, true);
    masks = [0x00ff0000, 0x0000ff00, 0x000000ff, alpha];
  }
  const paletteEntryBytes = dibSize === 12 ? 3 : 4;
  // More colours than the bits can index are never used: read only those that can be.
  const paletteCount =
    bitsPerPixel <= 8 ? Math.min(colorsUsed > 0 ? colorsUsed : 1 << bitsPerPixel, 1 << bitsPerPixel) : 0;
  return {
    width,
    height,
    bitsPerPixel,
    compression,
    topDown,
    dataOffset,
    dibSize,
    masks,
    paletteOffset,
    paletteEntryBytes,
    paletteCount,
  };
}

/** The size and pixel format of a BMP, from its headers alone (for the pixel limit, before decoding). */
export function readBmpHeader(bytes: Uint8Array): BmpHeader {
  const { width, height, bitsPerPixel, compression, topDown } = readLayout(bytes);
  return { width, height, bitsPerPixel, compression, topDown };
}

/** Shift and scale to read one channel through a bit mask as 0..255. */
function maskReader(mask: number): (px: number) => number {
  if (mask === 0) return () => 255;
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const max = mask >>> shift;
  return (px) => Math.round((((px & mask) >>> shift) * 255) / max);
}

/** Decode a BMP to RGBA; refuses images over maxPixels before allocating anything. */
export function decodeBmp(bytes: Uint8Array, maxPixels = Number.POSITIVE_INFINITY): BmpImage {
  const l = readLayout(bytes);
  const { width, height, bitsPerPixel: bpp } = l;
  if (width * height > maxPixels) {
    throw new BmpError('too-large', tooLargeReason(width, height, maxPixels));
  }
  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  if (l.dataOffset + stride * height > bytes.length) {
    throw new BmpError(
      'corrupt',
      `corrupt or truncated (BMP pixel data needs ${l.dataOffset + stride * height} bytes, file has ${bytes.length})`,
    );
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rgba = new Uint8Array(width * height * 4);
  let palette: Uint8Array | undefined;
  if (bpp <= 8) {
    if (l.paletteOffset + l.paletteCount * l.paletteEntryBytes > l.dataOffset) {
      throw new BmpError('corrupt', 'corrupt or truncated (BMP palette overlaps the pixel data)');
    }
    palette = new Uint8Array(256 * 3);
    for (let i = 0; i < l.paletteCount; i++) {
      const at = l.paletteOffset + i * l.paletteEntryBytes;
      palette[i * 3] = bytes[at + 2] as number;
      palette[i * 3 + 1] = bytes[at + 1] as number;
      palette[i * 3 + 2] = bytes[at] as number;
    }
  }
  const readers = l.masks?.map(maskReader);
  let anyAlpha = false;
  for (let y = 0; y < height; y++) {
    const row = l.dataOffset + (l.topDown ? y : height - 1 - y) * stride;
    let o = y * width * 4;
    for (let x = 0; x < width; x++, o += 4) {
      if (palette !== undefined) {
        const bitPos = x * bpp;
        const byte = bytes[row + (bitPos >> 3)] as number;
        const index = (byte >> (8 - bpp - (bitPos & 7))) & ((1 << bpp) - 1);
        if (index >= l.paletteCount) {
          throw new BmpError(
            'corrupt',
            `corrupt BMP: colour index ${index} outside a palette of ${l.paletteCount}`,
          );
        }
        rgba[o] = palette[index * 3] as number;
        rgba[o + 1] = palette[index * 3 + 1] as number;
        rgba[o + 2] = palette[index * 3 + 2] as number;
        rgba[o + 3] = 255;
      } else if (bpp === 24 || (bpp === 32 && readers === undefined)) {
        const at = row + x * (bpp >> 3);
        rgba[o] = bytes[at + 2] as number;
        rgba[o + 1] = bytes[at + 1] as number;
        rgba[o + 2] = bytes[at] as number;
        if (bpp === 32) {
          rgba[o + 3] = bytes[at + 3] as number;
          if (rgba[o + 3] !== 0) anyAlpha = true;
        } else {
          rgba[o + 3] = 255;
        }
      } else if (readers !== undefined) {
        const px = bpp === 16 ? v.getUint16(row + x * 2, true) : v.getUint32(row + x * 4, true);
        const [r, g, b, a] = readers as [
          (p: number) => number,
          (p: number) => number,
          (p: number) => number,
          (p: number) => number,
        ];
        rgba[o] = r(px);
        rgba[o + 1] = g(px);
        rgba[o + 2] = b(px);
        rgba[o + 3] = a(px);
        if (rgba[o + 3] !== 0) anyAlpha = true;
      }
    }
  }
  // 32-bit pixels whose alpha is 0 everywhere carry no alpha ('X' bytes): opaque.
  const hasAlphaChannel = bpp === 32 && (readers === undefined || (l.masks?.[3] ?? 0) !== 0);
  if (hasAlphaChannel && !anyAlpha) {
    for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
  }
  return { width, height, rgba };
}
