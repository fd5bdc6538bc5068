import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp, { type OutputInfo } from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/main/export/atomic';
import {
  exportGif,
  exportGridPng,
  exportMetrics,
  exportSinglePngs,
  gridFromImages,
  metricsCsv,
  metricsJson,
  type MetricsRow,
} from '../../src/main/export/export';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wgan-export-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function solidPng(width: number, height: number, rgb: [number, number, number]): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .png()
    .toBuffer();
}

async function rawPixels(file: string | Buffer, page = 0): Promise<{ data: Buffer; info: OutputInfo }> {
  return sharp(file, { page }).raw().toBuffer({ resolveWithObject: true });
}

describe('grid PNG', () => {
  it('writes the grid, which decodes to the expected size', async () => {
    const count = 5;
    const [h, w] = [8, 6];
    const images = new Float32Array(count * h * w).fill(0.5);
    const png = await gridFromImages(images, count, h, w, 1, { cols: 3, pad: 1 });
    const out = join(dir, 'grid.png');
    await exportGridPng(png, out);
    const meta = await sharp(await readFile(out)).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBe(3 * w + 4 * 1);
    expect(meta.height).toBe(2 * h + 3 * 1);
  });

  it('rejects data that is not a PNG and a size that does not match the array', async () => {
    await expect(exportGridPng(Buffer.from('hello world'), join(dir, 'x.png'))).rejects.toThrow(/not a PNG/);
    await expect(gridFromImages(new Float32Array(10), 1, 3, 3, 1)).rejects.toThrow(
      /1 x 3 x 3 x 1 = 9 values, got 10/,
    );
    await expect(readdir(dir)).resolves.toEqual([]);
  });

  it('names the path when the folder is missing', async () => {
    const png = await solidPng(4, 4, [0, 0, 0]);
    const out = join(dir, 'nope', 'grid.png');
    await expect(exportGridPng(png, out)).rejects.toThrow(out);
  });
});

describe('single PNGs', () => {
  it('writes one grey-scale PNG per image, upscaled, and pixel values round-trip', async () => {
    const [count, h, w, scale] = [3, 5, 4, 3];
    const images = new Float32Array(count * h * w).fill(-1);
    // Image k is -1 everywhere but +1 at (y = k + 1, x = k).
    for (let k = 0; k < count; k++) images[k * h * w + (k + 1) * w + k] = 1;
    const outDir = join(dir, 'singles'); // created by the export
    const paths = await exportSinglePngs(images, count, h, w, 1, outDir, { prefix: 'digit', scale });
    expect(paths).toEqual([1, 2, 3].map((i) => join(outDir, `digit-000${i}.png`)));
    expect((await readdir(outDir)).sort()).toEqual(['digit-0001.png', 'digit-0002.png', 'digit-0003.png']);
    for (let k = 0; k < count; k++) {
      const meta = await sharp(paths[k] as string).metadata();
      expect([meta.width, meta.height, meta.channels, meta.space]).toEqual([w * scale, h * scale, 1, 'b-w']);
      // sharp converts to sRGB on output unless told otherwise; read the single grey channel.
      const { data, info } = await sharp(paths[k] as string)
        .toColourspace('b-w')
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect(info.channels).toBe(1);
      let bright = 0;
      for (let y = 0; y < h * scale; y++) {
        for (let x = 0; x < w * scale; x++) {
          const v = data[y * w * scale + x];
          const hot = Math.floor(y / scale) === k + 1 && Math.floor(x / scale) === k;
          expect(v).toBe(hot ? 255 : 0);
          if (v === 255) bright++;
        }
      }
      expect(bright).toBe(scale * scale);
    }
  });

  it('keeps RGB images as 3-channel PNGs with the same value mapping as the grid', async () => {
    const [h, w] = [2, 2];
    const images = new Float32Array(2 * h * w * 3).fill(0);
    images.set([1, -1, 0.5], 0); // image 0, pixel (0, 0)
    images.set([-1, 1, -2], h * w * 3 + 3); // image 1, pixel (0, 1); -2 is clipped to -1
    const paths = await exportSinglePngs(images, 2, h, w, 3, dir);
    expect(paths).toEqual([join(dir, 'sample-0001.png'), join(dir, 'sample-0002.png')]);
    expect((await sharp(paths[0] as string).metadata()).channels).toBe(3);
    const a = await rawPixels(paths[0] as string);
    expect([a.info.width, a.info.height, a.info.channels]).toEqual([2, 2, 3]);
    expect([...a.data.subarray(0, 6)]).toEqual([255, 0, 191, 128, 128, 128]);
    const b = await rawPixels(paths[1] as string);
    expect([...b.data.subarray(0, 6)]).toEqual([128, 128, 128, 0, 255, 0]);
  });

  it('rejects a count that does not match the array, bad scales and bad prefixes', async () => {
    const images = new Float32Array(2 * 4 * 4);
    await expect(exportSinglePngs(images, 3, 4, 4, 1, dir)).rejects.toThrow(
      /3 x 4 x 4 x 1 = 48 values, got 32/,
    );
    await expect(exportSinglePngs(images, 2, 4, 4, 1, dir, { scale: 1.5 })).rejects.toThrow(/scale/);
    await expect(exportSinglePngs(images, 2, 4, 4, 1, dir, { prefix: '../x' })).rejects.toThrow(/prefix/);
    await expect(readdir(dir)).resolves.toEqual([]);
  });
});

describe('GIF', () => {
  const colours: [number, number, number][] = [
    [220, 30, 40],
    [20, 200, 60],
    [30, 60, 230],
  ];

  it('encodes frames as an animated GIF that decodes back to the same frames', async () => {
    const frames = await Promise.all(colours.map((c) => solidPng(16, 12, c)));
    const out = join(dir, 'progress.gif');
    await exportGif(frames, out, { delayMs: 120 });
    const gif = await readFile(out);
    expect(gif.subarray(0, 6).toString('latin1')).toBe('GIF89a');
    const meta = await sharp(gif, { animated: true }).metadata();
    expect(meta.format).toBe('gif');
    expect(meta.pages).toBe(3);
    expect(meta.width).toBe(16);
    expect(meta.pageHeight).toBe(12);
    expect(meta.loop).toBe(0); // forever
    expect(meta.delay).toEqual([120, 120, 120]);
    for (let page = 0; page < 3; page++) {
      const { data, info } = await rawPixels(gif, page);
      expect([info.width, info.height]).toEqual([16, 12]);
      const expected = colours[page] as [number, number, number];
      // Every pixel of the frame is close to the input colour.
      for (let p = 0; p < info.width * info.height; p++) {
        for (let c = 0; c < 3; c++) {
          expect(Math.abs((data[p * info.channels + c] as number) - expected[c]!)).toBeLessThanOrEqual(4);
        }
      }
    }
  });

  it('plays once when loop is false', async () => {
    const frames = await Promise.all(colours.slice(0, 2).map((c) => solidPng(5, 5, c)));
    const out = join(dir, 'once.gif');
    await exportGif(frames, out, { loop: false });
    const meta = await sharp(await readFile(out), { animated: true }).metadata();
    expect(meta.pages).toBe(2);
    expect(meta.loop).toBe(1); // no NETSCAPE loop block: shown once
  });

  it('keeps grey-scale frames with few levels exact', async () => {
    const levels = [0, 64, 128, 255];
    const raw = new Uint8Array(levels.flatMap((v) => [v, v, v, v])); // 4 x 4: one level per row
    const frame = await sharp(raw, { raw: { width: 4, height: 4, channels: 1 } })
      .png()
      .toBuffer();
    const out = join(dir, 'grey.gif');
    await exportGif([frame, frame], out);
    const { data, info } = await rawPixels(await readFile(out), 1);
    for (let y = 0; y < 4; y++) expect(data[y * 4 * info.channels]).toBe(levels[y]);
  });

  it('rejects an empty list, frames of different sizes and data that is not an image', async () => {
    const out = join(dir, 'bad.gif');
    await expect(exportGif([], out)).rejects.toThrow(/no frames/);
    const frames = [await solidPng(8, 8, [0, 0, 0]), await solidPng(8, 9, [0, 0, 0])];
    await expect(exportGif(frames, out)).rejects.toThrow(/frame 1 is 8x9, frame 0 is 8x8/);
    await expect(exportGif([Buffer.from('not a png')], out)).rejects.toThrow(
      /frame 0 is not a readable image/,
    );
    await expect(readdir(dir)).resolves.toEqual([]);
  });
});

describe('metrics', () => {
  const rows: MetricsRow[] = [
    { step: 0, seconds: 0.5, values: { wasserstein: 1.25, 'critic.loss': -0.1 } },
    { step: 10, values: { wasserstein: 0.1 + 0.2, 'gradNorm.mean': 1e-7 } },
    { step: 20, seconds: 2.75, values: { 'critic.loss': Number.NaN, wasserstein: undefined } },
  ];

  it('writes CSV with a sorted union header, empty cells for missing values and full precision', () => {
    const csv = metricsCsv(rows);
    expect(csv).toBe(
      [
        'step,seconds,critic.loss,gradNorm.mean,wasserstein',
        '0,0.5,-0.1,,1.25',
        '10,,,1e-7,0.30000000000000004',
        '20,2.75,NaN,,',
        '',
      ].join('\n'),
    );
    // Parse back: every present value round-trips exactly.
    const [header, ...lines] = csv.trimEnd().split('\n');
    const names = (header as string).split(',').slice(2);
    lines.forEach((line, i) => {
      const cells = line.split(',');
      const row = rows[i] as MetricsRow;
      expect(Number(cells[0])).toBe(row.step);
      expect(cells[1] === '' ? undefined : Number(cells[1])).toBe(row.seconds);
      names.forEach((name, j) => {
        const cell = cells[j + 2] as string;
        expect(cell === '' ? undefined : Number(cell)).toBe(row.values[name]);
      });
    });
  });

  it('quotes names per RFC 4180 and refuses names that clash with the fixed columns', () => {
    expect(metricsCsv([{ step: 1, values: { 'a,"b"': 2, plain: 3 } }])).toBe(
      'step,seconds,"a,""b""",plain\n1,,2,3\n',
    );
    expect(metricsCsv([])).toBe('step,seconds\n');
    expect(() => metricsCsv([{ step: 1, values: { step: 2 } }])).toThrow(/may not be called 'step'/);
  });

  it('writes JSON that parses back, with missing values left out and NaN as null', () => {
    const parsed: unknown = JSON.parse(metricsJson(rows));
    expect(parsed).toEqual([
      { step: 0, seconds: 0.5, values: { 'critic.loss': -0.1, wasserstein: 1.25 } },
      { step: 10, values: { 'gradNorm.mean': 1e-7, wasserstein: 0.30000000000000004 } },
      { step: 20, seconds: 2.75, values: { 'critic.loss': null } },
    ]);
    expect(metricsJson([])).toBe('[]\n');
  });

  it('exports to a file in either format', async () => {
    await exportMetrics(rows, join(dir, 'm.csv'), 'csv');
    await exportMetrics(rows, join(dir, 'm.json'), 'json');
    expect(await readFile(join(dir, 'm.csv'), 'utf8')).toBe(metricsCsv(rows));
    expect(await readFile(join(dir, 'm.json'), 'utf8')).toBe(metricsJson(rows));
    await expect(exportMetrics(rows, join(dir, 'm.txt'), 'txt' as 'csv')).rejects.toThrow(
      /unknown metrics format/,
    );
  });
});

describe('writeFileAtomic', () => {
  it('replaces an existing file and leaves nothing else behind', async () => {
    const path = join(dir, 'a.txt');
    await writeFile(path, 'old content that is longer');
    await writeFileAtomic(path, 'new');
    expect(await readFile(path, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['a.txt']);
  });

  it('fails naming the path when the folder is missing, leaving no temp file', async () => {
    const path = join(dir, 'missing', 'a.txt');
    await expect(writeFileAtomic(path, 'x')).rejects.toThrow(
      `cannot write ${path}: its folder does not exist`,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('removes its temp file when the final rename fails', async () => {
    // The destination is a folder, so the temp file is written but cannot be renamed over it.
    const path = join(dir, 'taken');
    await mkdir(path);
    await expect(writeFileAtomic(path, 'x')).rejects.toThrow(`cannot write ${path}`);
    expect(await readdir(dir)).toEqual(['taken']);
    expect(await readdir(path)).toEqual([]);
  });
});
