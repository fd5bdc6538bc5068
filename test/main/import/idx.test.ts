import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grayResampler, IdxError, importIdx, parseIdx, readIdxFile } from '../../../src/main/import/idx';
import { resolveImportOptions } from '../../../src/main/import/options';
import { encodeIdx, type IdxFixtures, writeIdxFixtures } from '../../fixtures/hostile';
import { fashionMnist } from '../../helpers/fashion-mnist';

let dir: string;
let fx: IdxFixtures;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wgan-idx-'));
  fx = await writeIdxFixtures(dir);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('IDX parsing', () => {
  it('reads images and labels, plain and gzipped alike', async () => {
    for (const [images, labels] of [
      [fx.images, fx.labels],
      [fx.imagesGz, fx.labelsGz],
    ] as const) {
      const r = await importIdx(images, labels, resolveImportOptions({ size: 28, channels: 'gray' }));
      expect(r).toMatchObject({
        count: 10,
        height: 28,
        width: 28,
        channels: 1,
        sourceRows: 28,
        sourceCols: 28,
      });
      expect(Array.from(r.images)).toEqual(Array.from(fx.pixels)); // same size: copied exactly
      expect(Array.from(r.labels ?? [])).toEqual(Array.from(fx.labelValues));
      expect(r.contentHash).toMatch(/^[0-9a-f]{64}$/);
      expect(r.mosaic.subarray(1, 4).toString()).toBe('PNG');
    }
  });

  it('refuses a file whose header disagrees with its length', async () => {
    await expect(readIdxFile(fx.shortImages)).rejects.toThrow(
      /the header says 10 x 28 x 28 unsigned byte values \(7,856 bytes with the header\), the file has 7,464 bytes/,
    );
    await expect(readIdxFile(fx.longImages)).rejects.toThrow(/the file has 7,956 bytes/);
  });

  it('refuses labels whose count differs from the images', async () => {
    await expect(importIdx(fx.images, fx.fewLabels, resolveImportOptions())).rejects.toThrow(
      /9 labels for 10 images in .*; the counts must match/,
    );
  });

  it('refuses unsupported type codes, wrong dimensions, bad magic and broken gzip', async () => {
    await expect(importIdx(fx.floatImages, undefined, resolveImportOptions())).rejects.toThrow(
      /unsupported IDX type code 0x0d \(float32\); images must be unsigned bytes \(0x08\)/,
    );
    await expect(importIdx(fx.labels, undefined, resolveImportOptions())).rejects.toThrow(
      /images need 3 dimensions, the file has 1 \(10\)/,
    );
    await expect(importIdx(fx.brokenGz, undefined, resolveImportOptions())).rejects.toThrow(
      /cannot decompress \(corrupt or truncated gzip data/,
    );
    expect(() => parseIdx(Buffer.from('\x89PNG....', 'latin1'), 'x')).toThrow(
      /not an IDX file \(magic 0x89504e47/,
    );
    expect(() => parseIdx(encodeIdx(0x07, [1], new Uint8Array(1)), 'x')).toThrow(
      /unknown IDX type code 0x07/,
    );
    expect(() => parseIdx(new Uint8Array([0, 0, 8]), 'x')).toThrow(IdxError);
    await expect(importIdx(join(dir, 'missing'), undefined, resolveImportOptions())).rejects.toThrow(
      /cannot read .*missing: .*ENOENT/,
    );
  });

  it('resizes to the target size and replicates grey to RGB', async () => {
    const r = await importIdx(fx.images, undefined, resolveImportOptions({ size: 64, channels: 'rgb' }));
    expect(r).toMatchObject({ count: 10, height: 64, width: 64, channels: 3 });
    expect(r.labels).toBeUndefined();
    for (let p = 0; p < 64 * 64; p++) {
      expect(r.images[p * 3]).toBe(r.images[p * 3 + 1]);
      expect(r.images[p * 3]).toBe(r.images[p * 3 + 2]);
    }
    // Image 0 is the ramp x + y (0..54): upscaled, the corners keep roughly their values.
    expect(r.images[0]).toBeLessThanOrEqual(1);
    expect(r.images[(64 * 64 - 1) * 3]).toBeGreaterThanOrEqual(53);
  });

  it('applies the fit mode to non-square IDX images', async () => {
    const pad = await importIdx(
      fx.wideImages,
      undefined,
      resolveImportOptions({ size: 28, fit: 'pad', channels: 'gray' }),
    );
    // 10 wide x 6 high of 200 inside 28 x 28: 28 x 17 (rounded) in the middle, black above and below.
    expect(pad.images[0]).toBe(0);
    expect(pad.images[14 * 28 + 14]).toBe(200);
    const crop = await importIdx(
      fx.wideImages,
      undefined,
      resolveImportOptions({ size: 28, fit: 'crop', channels: 'gray' }),
    );
    expect(new Set(crop.images.subarray(0, 28 * 28))).toEqual(new Set([200]));
  });

  it('resamples exactly a constant image, in every fit mode', () => {
    for (const fit of ['crop', 'pad', 'stretch'] as const) {
      const resample = grayResampler(20, 20, { size: 32, fit, padColor: [0, 0, 0] });
      const out = new Uint8Array(32 * 32);
      resample(new Uint8Array(400).fill(90), out);
      expect(new Set(out)).toEqual(new Set([90]));
    }
  });

  it('can be cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      importIdx(fx.images, fx.labels, resolveImportOptions(), { signal: controller.signal }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });

  const fashion = fashionMnist();
  // Debian's dataset-fashion-mnist package ships the real files; where it is not installed (CI installs it)
  // this test is skipped.
  it.skipIf(fashion === undefined)(
    'imports the real Fashion-MNIST test set (dataset-fashion-mnist)',
    async () => {
      const f = fashion as { images: string; labels: string };
      const r = await importIdx(f.images, f.labels, resolveImportOptions({ size: 28, channels: 'gray' }));
      expect(r).toMatchObject({ count: 10_000, height: 28, width: 28, channels: 1 });
      expect(r.labels?.length).toBe(10_000);
      expect(Math.max(...(r.labels ?? []))).toBe(9);
      // Fashion-MNIST pixels: mean about 0.286, std about 0.353.
      expect(r.mean[0]).toBeGreaterThan(0.25);
      expect(r.mean[0]).toBeLessThan(0.32);
      expect(r.std[0]).toBeGreaterThan(0.3);
      expect(r.std[0]).toBeLessThan(0.4);
    },
  );
});
