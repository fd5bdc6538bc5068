import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CACHE_HEADER_BYTES,
  DatasetCacheError,
  readDatasetCache,
  readDatasetCacheInfo,
  tensorHash,
  writeDatasetCache,
} from '../../../src/main/import/cache';
import { cacheMeta, importImages } from '../../../src/main/import/import';
import { resolveImportOptions } from '../../../src/main/import/options';
import { solidPng } from '../../fixtures/hostile';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wgan-cache-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ident = { id: 'ds-test', title: 'Test set' };

function sample(count = 3, h = 4, w = 5, c: 1 | 3 = 3): Uint8Array {
  return Uint8Array.from({ length: count * h * w * c }, (_, i) => (i * 13) & 0xff);
}

describe('dataset cache', () => {
  it('round-trips pixels, labels and metadata; values scaled as v / 127.5 - 1', async () => {
    const images = sample();
    const labels = Uint8Array.from([7, 0, 255]);
    const path = join(dir, 'set.wgds');
    await writeDatasetCache(path, {
      images,
      labels,
      count: 3,
      height: 4,
      width: 5,
      channels: 3,
      meta: { name: 'Test', mean: [0.5, 0.5, 0.5] },
    });
    expect(await readdir(dir)).toEqual(['set.wgds']);
    const ds = await readDatasetCache(path, ident);
    expect(ds).toMatchObject({
      kind: 'image',
      id: 'ds-test',
      title: 'Test set',
      count: 3,
      height: 4,
      width: 5,
    });
    expect(ds.channels).toBe(3);
    expect(Array.from(ds.labels ?? [])).toEqual([7, 0, 255]);
    expect(ds.images.length).toBe(images.length);
    for (let i = 0; i < images.length; i++)
      expect(ds.images[i]).toBeCloseTo((images[i] as number) / 127.5 - 1, 6);
    expect(ds.images[0]).toBe(-1);
    const info = await readDatasetCacheInfo(path);
    expect(info).toMatchObject({ count: 3, height: 4, width: 5, channels: 3, hasLabels: true });
    expect(info.meta).toEqual({
      name: 'Test',
      mean: [0.5, 0.5, 0.5],
      contentHash: tensorHash(images, { count: 3, height: 4, width: 5, channels: 3 }, labels),
    });
    expect(info.bytes).toBe(CACHE_HEADER_BYTES + images.length + 3 + JSON.stringify(info.meta).length);
  });

  it('writes an imported dataset whose hash matches the import', async () => {
    const png = join(dir, 'red.png');
    await writeFile(png, solidPng(10, 10, [255, 0, 0]));
    const r = await importImages([png], resolveImportOptions({ size: 28, channels: 'gray' }));
    const path = join(dir, 'red.wgds');
    await writeDatasetCache(path, {
      ...r,
      meta: cacheMeta(r, { name: 'red', kind: 'folder', sourcePath: png }),
    });
    const info = await readDatasetCacheInfo(path);
    expect(info.meta.contentHash).toBe(r.contentHash);
    expect(info.meta).toMatchObject({
      name: 'red',
      kind: 'folder',
      sourcePath: png,
      count: 1,
      size: 28,
      channels: 1,
    });
    expect(info.meta.sourceFingerprint).toBe(r.sourceFingerprint);
    expect(Buffer.from(info.meta.mosaicPng as string, 'base64').equals(r.mosaic)).toBe(true);
    const ds = await readDatasetCache(path, ident);
    expect(ds.channels).toBe(1);
    expect(ds.labels).toBeUndefined();
    expect(ds.images[0]).toBeCloseTo(76 / 127.5 - 1, 6);
  });

  it('refuses a truncated file, naming the sizes', async () => {
    const path = join(dir, 'set.wgds');
    await writeDatasetCache(path, { images: sample(), count: 3, height: 4, width: 5, channels: 3 });
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 40));
    await expect(readDatasetCache(path, ident)).rejects.toThrow(
      /truncated: the header promises 3 images of 4 x 5 x 3 \(\d+ bytes\), the file has \d+/,
    );
    await writeFile(path, bytes.subarray(0, 10));
    await expect(readDatasetCache(path, ident)).rejects.toThrow(/truncated header \(10 of 32 bytes\)/);
    await writeFile(path, Buffer.concat([bytes, Buffer.from('xx')]));
    await expect(readDatasetCache(path, ident)).rejects.toThrow(/2 unexpected bytes after the data/);
  });

  it('refuses a file with the wrong magic or version', async () => {
    const path = join(dir, 'set.wgds');
    await writeDatasetCache(path, { images: sample(), count: 3, height: 4, width: 5, channels: 3 });
    const bytes = await readFile(path);
    const png = Buffer.from(bytes);
    png.write('\x89PNG', 0, 'latin1');
    await writeFile(path, png);
    await expect(readDatasetCache(path, ident)).rejects.toThrow(
      /not a dataset cache \(magic .*expected 'WGDS'\)/,
    );
    const v2 = Buffer.from(bytes);
    v2.writeUInt32LE(2, 4);
    await writeFile(path, v2);
    await expect(readDatasetCache(path, ident)).rejects.toThrow(/unsupported cache version 2/);
  });

  it('refuses a damaged file by its content hash', async () => {
    const path = join(dir, 'set.wgds');
    await writeDatasetCache(path, { images: sample(), count: 3, height: 4, width: 5, channels: 3 });
    const bytes = await readFile(path);
    bytes[CACHE_HEADER_BYTES + 5] = (bytes[CACHE_HEADER_BYTES + 5] as number) ^ 0xff;
    await writeFile(path, bytes);
    await expect(readDatasetCache(path, ident)).rejects.toThrow(/content hash mismatch/);
    await expect(readDatasetCache(path, ident, { verify: false })).resolves.toMatchObject({ count: 3 });
  });

  it('names a missing file', async () => {
    const err = await readDatasetCache(join(dir, 'nope.wgds'), ident).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetCacheError);
    expect((err as Error).message).toMatch(
      /cannot read dataset cache .*nope\.wgds: its folder does not exist|ENOENT/,
    );
  });

  it('refuses inconsistent data and leaves nothing when the folder is missing', async () => {
    await expect(
      writeDatasetCache(join(dir, 'x.wgds'), {
        images: sample(),
        count: 2,
        height: 4,
        width: 5,
        channels: 3,
      }),
    ).rejects.toThrow(/180 pixel bytes for 2 x 4 x 5 x 3/);
    await expect(
      writeDatasetCache(join(dir, 'missing', 'x.wgds'), {
        images: sample(),
        count: 3,
        height: 4,
        width: 5,
        channels: 3,
      }),
    ).rejects.toThrow(/cannot write .*missing.*ENOENT/);
    expect(await readdir(dir)).toEqual([]);
  });
});
