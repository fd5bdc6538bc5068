import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Bounds } from '../../src/engine/data/types';
import {
  FAKE_COLOR,
  REAL_COLOR,
  renderGridPng,
  renderHeatmapPng,
  renderScatterPng,
  scatterPixel,
} from '../../src/engine/render';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

async function decode(png: Buffer) {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number): number[] => {
    const o = (y * info.width + x) * info.channels;
    return Array.from(data.subarray(o, o + info.channels));
  };
  return { data, info, at };
}

const bounds: Bounds = { xMin: -1, xMax: 1, yMin: -1, yMax: 1 };

describe('renderScatterPng', () => {
  it('draws fake points orange and real points blue where they were placed', async () => {
    const real = Float32Array.from([-0.5, -0.5]);
    const fake = Float32Array.from([0.5, 0.5]);
    const png = await renderScatterPng(real, fake, bounds, { title: 'gp step 100' });
    expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    const { info, at } = await decode(png);
    expect([info.width, info.height]).toEqual([512, 512]);

    // (0.5, 0.5) is 3/4 across and 1/4 down (y points up in data, down in pictures).
    expect(scatterPixel(0.5, 0.5, bounds, 512)).toEqual([384, 128]);
    const [fr, fg, fb] = at(384, 128);
    expect(fr).toBeGreaterThan(230);
    expect(fg).toBeGreaterThan(120);
    expect(fg).toBeLessThan(200);
    expect(fb).toBeLessThan(110);

    const [rr, rg, rb] = at(128, 384);
    expect(rb).toBeGreaterThan(rr! + 40);
    expect(rb).toBeGreaterThan(rg! + 20);

    // Blank plot area stays (nearly) white; the title wrote dark pixels in the top-left corner.
    expect(at(300, 300).slice(0, 3)).toEqual([255, 255, 255]);
    let dark = 0;
    for (let y = 0; y < 30; y++) for (let x = 0; x < 200; x++) if (at(x, y)[0]! < 100) dark++;
    expect(dark).toBeGreaterThan(50);
  });

  it('an opaque stack of fake points converges to the fake colour exactly', async () => {
    const fake = new Float32Array(40).fill(0.25);
    const { at } = await decode(await renderScatterPng(new Float32Array(0), fake, bounds, { size: 200 }));
    const [x, y] = scatterPixel(0.25, 0.25, bounds, 200).map(Math.floor) as [number, number];
    expect(at(x, y).slice(0, 3)).toEqual([...FAKE_COLOR]);
  });

  it('honours the size option and skips points outside the bounds', async () => {
    const real = Float32Array.from([5, 5, Number.NaN, 0]);
    const png = await renderScatterPng(real, new Float32Array(0), bounds, { size: 256 });
    const { info, data } = await decode(png);
    expect([info.width, info.height]).toEqual([256, 256]);
    let blue = 0;
    for (let i = 0; i < data.length; i += info.channels) {
      if (data[i + 2]! > data[i]! + 40) blue++;
    }
    // Only the legend swatch (about 7 x 7 px) is blue.
    expect(blue).toBeLessThan(100);
    expect(REAL_COLOR[2]).toBeGreaterThan(REAL_COLOR[0] + 40);
  });

  it('rejects empty bounds', async () => {
    await expect(
      renderScatterPng(new Float32Array(0), new Float32Array(0), { xMin: 1, xMax: 1, yMin: 0, yMax: 1 }),
    ).rejects.toThrow(/bounds/);
  });
});

describe('renderGridPng', () => {
  it('lays out grey-scale images with padding and maps [-1, 1] to 0..255', async () => {
    // 5 images of 3 x 2: default 3 columns, 2 rows, pad 2 -> (3*2 + 4*2) x (2*3 + 3*2).
    const n = 5;
    const images = new Float32Array(n * 3 * 2);
    for (let i = 0; i < n; i++) images.fill(-1 + i * 0.5, i * 6, (i + 1) * 6);
    images[6] = 7; // clipped to 1
    images[7] = -3; // clipped to -1
    const { info, at } = await decode(await renderGridPng(images, n, 3, 2, 1));
    expect([info.width, info.height]).toEqual([14, 12]);
    expect(at(2, 2)[0]).toBe(0); // image 0, value -1
    expect(at(2 + 2 + 2, 2)[0]).toBe(255); // image 1, first pixel clipped to 1
    expect(at(2 + 2 + 2 + 1, 2)[0]).toBe(0); // image 1, second pixel clipped to -1
    expect(at(2 + 2 + 2, 3)[0]).toBe(Math.round(0.5 * 127.5)); // image 1, value -0.5
    expect(at(2, 2 + 3 + 2)[0]).toBe(Math.round(1.5 * 127.5)); // image 3 starts row 2, value 0.5
    expect(at(0, 0)[0]).toBe(128); // padding
    expect(at(13, 11)[0]).toBe(128); // empty sixth cell region stays padding
  });

  it('supports RGB images, cols, pad and scale', async () => {
    const images = Float32Array.from([1, -1, -1, -1, 1, -1]); // two 1 x 1 RGB images: red, green
    const { info, at } = await decode(await renderGridPng(images, 2, 1, 1, 3, { cols: 1, pad: 1, scale: 4 }));
    expect([info.width, info.height]).toEqual([6, 11]);
    expect(info.channels).toBe(3);
    expect(at(1, 1)).toEqual([255, 0, 0]);
    expect(at(4, 4)).toEqual([255, 0, 0]);
    expect(at(1, 6)).toEqual([0, 255, 0]);
    expect(at(0, 5)).toEqual([128, 128, 128]);
  });

  it('rejects a length that does not match n x h x w x c', async () => {
    await expect(renderGridPng(new Float32Array(10), 2, 2, 2, 1)).rejects.toThrow(/expected 2 x 2 x 2 x 1/);
  });
});

describe('renderHeatmapPng', () => {
  it('maps the minimum to blue, the maximum to red and the middle to white', async () => {
    const values = Float32Array.from([0, 5, 10, Number.NaN]);
    const { info, at } = await decode(await renderHeatmapPng(values, 2, 2, { scale: 3 }));
    expect([info.width, info.height]).toEqual([6, 6]);
    const lo = at(0, 0);
    const mid = at(3, 0);
    const hi = at(0, 3);
    expect(lo[2]).toBeGreaterThan(lo[0]! + 100);
    expect(mid).toEqual([255, 255, 255]);
    expect(hi[0]).toBeGreaterThan(hi[2]! + 100);
    expect(at(5, 5)).toEqual([0, 0, 0]);
  });
});

describe('grid channel count', () => {
  it('writes grey-scale grids as 1-channel PNGs and colour grids as 3-channel', async () => {
    const grey = await renderGridPng(new Float32Array(4 * 8 * 8).fill(0.5), 4, 8, 8, 1);
    expect((await sharp(grey).metadata()).channels).toBe(1);
    const rgb = await renderGridPng(new Float32Array(4 * 8 * 8 * 3).fill(0.5), 4, 8, 8, 3);
    expect((await sharp(rgb).metadata()).channels).toBe(3);
  });
});
