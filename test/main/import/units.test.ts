import { describe, expect, it } from 'vitest';
import { BmpError, decodeBmp, readBmpHeader } from '../../../src/main/import/bmp';
import { decodeImageBytes } from '../../../src/main/import/decode';
import { ImportOptionsError, resolveImportOptions } from '../../../src/main/import/options';
import { displayPath, unescapePath } from '../../../src/main/import/walk';
import { encodeBmp } from '../../fixtures/hostile';

describe('import options', () => {
  it('fills in defaults', () => {
    expect(resolveImportOptions()).toEqual({
      size: 32,
      fit: 'crop',
      padColor: [0, 0, 0],
      channels: 'rgb',
      background: [0, 0, 0],
      recursive: true,
      includeHidden: false,
      maxPixels: 100_000_000,
      maxFileBytes: 512 * 1024 * 1024,
    });
  });

  it('reads colours as #rrggbb, #rgb or [r, g, b]', () => {
    expect(resolveImportOptions({ padColor: '#ff8000', background: '#fff' })).toMatchObject({
      padColor: [255, 128, 0],
      background: [255, 255, 255],
    });
    expect(resolveImportOptions({ background: [1, 2, 3] }).background).toEqual([1, 2, 3]);
  });

  it('names every bad field', () => {
    const err = (() => {
      try {
        resolveImportOptions({ size: 48, fit: 'zoom', padColor: 'red', maxPixels: 0, extra: 1 });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ImportOptionsError);
    const fields = (err as ImportOptionsError).issues.map((i) => i.field).sort();
    expect(fields).toEqual(['extra', 'fit', 'maxPixels', 'padColor', 'size']);
  });
});

describe('display paths', () => {
  it('shows UTF-8 names as they are, other bytes escaped, losslessly', () => {
    const plain = Buffer.from('/data/ünïcode\\name.png');
    expect(displayPath(plain)).toBe('/data/ünïcode\\name.png');
    const bad = Buffer.concat([Buffer.from('/d/a\\b-'), Buffer.from([0xff, 0xc3]), Buffer.from('é.png')]);
    const shown = displayPath(bad);
    expect(shown).toBe('/d/a\\\\b-\\xFF\\xC3é.png');
    expect(unescapePath(shown).equals(bad)).toBe(true);
    expect(unescapePath(displayPath(plain)).equals(plain)).toBe(true);
    // Overlong encodings and surrogates are not valid UTF-8.
    expect(displayPath(Buffer.from([0xc0, 0xaf]))).toBe('\\xC0\\xAF');
    expect(displayPath(Buffer.from([0xed, 0xa0, 0x80]))).toBe('\\xED\\xA0\\x80');
  });
});

describe('BMP decoder', () => {
  const px = (x: number, y: number): [number, number, number, number] => [x * 40, y * 60, 200, 128 + x];

  it('decodes 24-bit, 32-bit (with alpha) and 8-bit palette images, rows top to bottom', () => {
    for (const bpp of [24, 32, 8] as const) {
      const img = decodeBmp(encodeBmp(5, 3, bpp, px));
      expect([img.width, img.height]).toEqual([5, 3]);
      for (let y = 0; y < 3; y++) {
        for (let x = 0; x < 5; x++) {
          const o = (y * 5 + x) * 4;
          const [r, g, b, a] = px(x, y);
          expect(Array.from(img.rgba.subarray(o, o + 4)), `${bpp}-bit (${x}, ${y})`).toEqual([
            r,
            g,
            b,
            bpp === 32 ? a : 255,
          ]);
        }
      }
    }
  });

  it('reads top-down rows (negative height)', () => {
    const bmp = encodeBmp(2, 2, 24, (x, y) => [y === 0 ? 255 : 0, 0, 0, 255]);
    // Flip the stored rows and declare them top-down.
    const stride = 8;
    const data = bmp.subarray(54);
    const flipped = Buffer.concat([data.subarray(stride, 2 * stride), data.subarray(0, stride)]);
    flipped.copy(bmp, 54);
    bmp.writeInt32LE(-2, 22);
    const img = decodeBmp(bmp);
    expect(img.rgba[0]).toBe(255);
    expect(img.rgba[8]).toBe(0);
    expect(readBmpHeader(bmp)).toMatchObject({ width: 2, height: 2, topDown: true, bitsPerPixel: 24 });
  });

  it('refuses truncated data, RLE compression and oversized images with reasons', () => {
    const bmp = encodeBmp(8, 8, 24, () => [1, 2, 3, 255]);
    expect(() => decodeBmp(bmp.subarray(0, bmp.length - 10))).toThrow(/BMP pixel data needs \d+ bytes/);
    const rle = Buffer.from(encodeBmp(4, 4, 8, () => [1, 2, 3, 255]));
    rle.writeUInt32LE(1, 30);
    expect(() => decodeBmp(rle)).toThrow(/unsupported BMP: RLE-compressed/);
    expect(() => decodeBmp(bmp, 10)).toThrow(BmpError);
  });

  it('goes through the decode pipeline as any picture', async () => {
    const r = await decodeImageBytes(
      encodeBmp(4, 4, 24, () => [10, 20, 30, 255]),
      resolveImportOptions({ size: 28 }),
    );
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.format).toBe('bmp');
      expect(Array.from(r.pixels.subarray(0, 3))).toEqual([10, 20, 30]);
    }
    const rle = Buffer.from(encodeBmp(4, 4, 8, () => [1, 2, 3, 255]));
    rle.writeUInt32LE(1, 30);
    expect(await decodeImageBytes(rle, resolveImportOptions())).toEqual({
      ok: false,
      kind: 'unsupported-format',
      reason: 'unsupported BMP: RLE-compressed',
    });
  });
});
