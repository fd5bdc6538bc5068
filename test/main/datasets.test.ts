import { existsSync, statSync } from 'node:fs';
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createHandlers, dispatch } from '../../src/main/api/handlers';
import { readDatasetCache } from '../../src/main/import/cache';
import { EmptyImportError } from '../../src/main/import/import';
import { UnknownDatasetError } from '../../src/main/service/workbench';
import type { ImportOutcome } from '../../src/shared/imports';
import type { WorkbenchEvent } from '../../src/shared/workbench-events';
import { solidPng, writeIdxFixtures, writeManyPngs } from '../fixtures/hostile';
import { tempWorkbenchPerTest, testServerInfo } from '../helpers/workbench';

const openWorkbench = tempWorkbenchPerTest('wgan-ds-', { flushMs: 50 });

function setup() {
  const t = openWorkbench();
  const events: WorkbenchEvent[] = [];
  t.wb.subscribe((e) => events.push(e));
  return { ...t, events };
}

const INFO = testServerInfo('http');

function progressOf(events: WorkbenchEvent[], importId: string) {
  return events.flatMap((e) => (e.type === 'import-progress' && e.importId === importId ? [e] : []));
}

describe('importing datasets through the workbench', () => {
  it('stores the cache file and the row; an unchanged folder is a cache hit without decoding', async () => {
    const { wb, dir, events } = setup();
    const pics = join(dir, 'pics');
    await writeManyPngs(pics, 30, 20);
    await writeFile(join(pics, 'empty.png'), new Uint8Array(0));
    await writeFile(join(pics, 'readme.txt'), 'hello');

    const first = await wb.importFolder([pics], { size: 32 }, { name: 'colours', importId: 'a' });
    const d = first.dataset;
    expect(first.cached).toBe(false);
    expect(d).toMatchObject({
      name: 'colours',
      kind: 'folder',
      sourcePath: pics,
      count: 30,
      height: 32,
      width: 32,
      channels: 3,
    });
    const meta = d.meta as Record<string, unknown> & { contentHash: string; skipped: { reason: string }[] };
    expect(d.id).toBe(`ds-${meta.contentHash.slice(0, 12)}`);
    expect(meta).toMatchObject({
      kind: 'folder',
      sources: [pics],
      skippedCount: 2,
      labels: false,
      options: { size: 32, fit: 'crop', channels: 'rgb' },
      cacheFile: join(dir, 'datasets', `${d.id}.wgds`),
    });
    expect(meta['mean']).toHaveLength(3);
    expect(meta['std']).toHaveLength(3);
    expect(meta['sourceFingerprint']).toMatch(/^[0-9a-f]{64}$/);
    expect(meta.skipped.map((s) => s.reason).sort()).toEqual([
      expect.stringMatching(/^empty file/),
      expect.stringMatching(/^not an image file name \(\.txt\)/),
    ]);
    const mosaic = await sharp(Buffer.from(meta['mosaicPng'] as string, 'base64')).metadata();
    expect([mosaic.format, mosaic.width, mosaic.height]).toEqual(['png', 8 * 32, 4 * 32]);
    expect(first.report).toMatchObject({ cached: false, imported: 30, skippedCount: 2 });
    expect(first.report.skipped.map((s) => s.kind).sort()).toEqual(['empty', 'not-image-name']);
    expect(first.cacheFile).toBe(join(dir, 'datasets', `${d.id}.wgds`));
    expect(wb.listDatasets().map((x) => x.id)).toContain(d.id);
    expect(events.some((e) => e.type === 'dataset' && e.dataset.id === d.id)).toBe(true);

    // The cache file holds the tensor; the row and the file agree.
    const cached = await readDatasetCache(first.cacheFile, { id: d.id, title: d.name });
    expect([cached.count, cached.height, cached.width, cached.channels]).toEqual([30, 32, 32, 3]);

    // Progress: scanning, then decoding up to done = total (31 candidates), then writing.
    const progress = progressOf(events, 'a');
    expect(progress.map((p) => p.phase)).toEqual(expect.arrayContaining(['scanning', 'decoding', 'writing']));
    const lastDecoding = progress.filter((p) => p.phase === 'decoding').at(-1);
    expect(lastDecoding).toMatchObject({ done: 31, total: 31, imported: 30, skipped: 2 });

    // Again, unchanged: the stored dataset at once, nothing decoded, the cache file not rewritten.
    const mtime = statSync(first.cacheFile).mtimeMs;
    const again = await wb.importFolder([pics], { size: 32 }, { name: 'other name', importId: 'b' });
    expect(again.cached).toBe(true);
    expect(again.report).toMatchObject({ cached: true, imported: 30, skippedCount: 2 });
    expect(again.report.summary).toMatch(/^unchanged since the last import: imported 30 images; skipped 2/);
    expect(again.report.skipped).toEqual(first.report.skipped);
    expect(again.dataset).toEqual(d);
    expect(progressOf(events, 'b').map((p) => p.phase)).toEqual(['scanning']);
    expect(statSync(first.cacheFile).mtimeMs).toBe(mtime);

    // Other options, or a changed file, import again.
    const gray = await wb.importFolder([pics], { size: 28, channels: 'gray' });
    expect(gray.cached).toBe(false);
    expect(gray.dataset).toMatchObject({ height: 28, channels: 1 });
    expect(gray.dataset.id).not.toBe(d.id);
    await writeFile(join(pics, 'img-00000.png'), solidPng(20, 20, [1, 2, 3]));
    const changed = await wb.importFolder([pics], { size: 32 });
    expect(changed.cached).toBe(false);
    expect(changed.dataset.id).not.toBe(d.id);

    // The original picture back (a new modification time): decoded again, the same content, the same id.
    await writeManyPngs(join(dir, 'tmp'), 1, 20);
    await copyFile(join(dir, 'tmp', 'img-00000.png'), join(pics, 'img-00000.png'));
    const restored = await wb.importFolder([pics], { size: 32 });
    expect(restored.dataset.id).toBe(d.id); // same content, same id
    expect(restored.cached).toBe(false);
    await rm(first.cacheFile);
    // A deleted cache file is not a cache hit: the import runs again and writes it back.
    const rewritten = await wb.importFolder([pics], { size: 32 });
    expect(rewritten.cached).toBe(false);
    expect(existsSync(first.cacheFile)).toBe(true);
    const back = await wb.importFolder([pics], { size: 32 });
    expect(back.cached).toBe(true);
  });

  it('imports IDX images with labels, gzipped, and gives the same content the same id', async () => {
    const { wb, dir } = setup();
    const fx = await writeIdxFixtures(join(dir, 'idx'));
    const gz = await wb.importIdx(
      fx.imagesGz,
      fx.labelsGz,
      { size: 28, channels: 'gray' },
      { name: 'digits' },
    );
    expect(gz.dataset).toMatchObject({ kind: 'idx', name: 'digits', count: 10, height: 28, channels: 1 });
    expect(gz.dataset.sourcePath).toBe(fx.imagesGz);
    expect(gz.dataset.meta).toMatchObject({
      labels: true,
      sources: [fx.imagesGz, fx.labelsGz],
      sourceRows: 28,
    });
    expect(gz.report).toMatchObject({ kind: 'idx', imported: 10, labels: true, skippedCount: 0 });
    const data = await readDatasetCache(gz.cacheFile, { id: gz.dataset.id, title: 'digits' });
    expect(Array.from(data.labels ?? [])).toEqual(Array.from(fx.labelValues));
    expect(data.images[0]).toBeCloseTo((fx.pixels[0] as number) / 127.5 - 1, 6);
    // The plain files hold the same content: same dataset, first name kept, both sources known.
    const plain = await wb.importIdx(fx.images, fx.labels, { size: 28, channels: 'gray' }, { name: 'again' });
    expect(plain.cached).toBe(false);
    expect(plain.dataset.id).toBe(gz.dataset.id);
    expect(plain.dataset.name).toBe('digits');
    expect((await wb.importIdx(fx.imagesGz, fx.labelsGz, { size: 28, channels: 'gray' })).cached).toBe(true);
    expect((await wb.importIdx(fx.images, fx.labels, { size: 28, channels: 'gray' })).cached).toBe(true);
    // Refused files keep their reasons.
    await expect(wb.importIdx(fx.images, fx.fewLabels, {})).rejects.toThrow(/9 labels for 10 images/);
    await expect(wb.importIdx(join(dir, 'nope'), undefined, {})).rejects.toThrow(/cannot read .*nope/);
  });

  it('trains on an imported dataset from its cache file, even after the pictures are deleted', async () => {
    const { wb, dir } = setup();
    const pics = join(dir, 'pics');
    await writeManyPngs(pics, 12, 16);
    const { dataset } = await wb.importFolder([pics], { size: 28, channels: 'gray' });
    await rm(pics, { recursive: true });
    const run = wb.createRun({
      dataset: dataset.id as `ds-${string}`,
      method: 'clip',
      overrides: {
        iterations: 3,
        batchSize: 4,
        convWidth: 4,
        nCritic: 1,
        sampleCount: 4,
        logEvery: 1,
        sampleEvery: 0,
        diagnosticsEvery: 0,
        checkpointEvery: 0,
        augmentFlip: true,
        augmentShift: 1,
      },
    });
    expect(run).toMatchObject({ datasetId: dataset.id, config: { dataset: dataset.id, holdOut: 0 } });
    expect(run.name).toMatch(/^pics clip #/);
    wb.start(run.id);
    const done = await wb.whenEnded(run.id);
    expect(done.error).toBeNull();
    expect(done).toMatchObject({ status: 'completed', step: 3 });
    const sample = wb.sample(run.id, 3);
    expect(sample?.shape).toEqual([4, 28, 28, 1]);

    // Without the cache file a run cannot start, and says why.
    await rm(wb.datasetCacheFile(dataset.id));
    const next = wb.createRun({ dataset: dataset.id as `ds-${string}`, method: 'gp' });
    expect(() => wb.start(next.id)).toThrow(UnknownDatasetError);
    expect(() => wb.start(next.id)).toThrow(
      new RegExp(`cache file of dataset '${dataset.id}' \\(pics\\) is missing`),
    );
  });

  it('refuses runs on datasets that are not in the database, naming them', () => {
    const { wb } = setup();
    expect(() => wb.createRun({ dataset: 'ds-0123456789ab', method: 'gp' })).toThrow(
      /no dataset 'ds-0123456789ab' in this database: import it first/,
    );
    expect(() => wb.createPair({ dataset: 'ds-0123456789ab' })).toThrow(UnknownDatasetError);
  });

  it('reports an empty import with every reason and stores nothing; cancels on request', async () => {
    const { wb, dir, events } = setup();
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await expect(wb.importFolder([empty], {})).rejects.toThrow(/no image could be imported: no files found/);
    await writeFile(join(empty, 'bad.jpg'), 'not a jpeg');
    const err = await wb.importFolder([empty], {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmptyImportError);
    expect((err as EmptyImportError).skipped).toEqual([
      expect.objectContaining({ kind: 'not-image', reason: expect.stringMatching(/^not an image/) }),
    ]);
    expect(wb.listDatasets().filter((d) => d.kind !== 'builtin')).toEqual([]);

    const many = join(dir, 'many');
    await writeManyPngs(many, 200, 16);
    let sawDecoding = false;
    const off = wb.subscribe((e) => {
      if (e.type === 'import-progress' && e.importId === 'c' && e.phase === 'decoding' && !sawDecoding) {
        sawDecoding = true;
        expect(wb.cancelImport('c')).toBe(true);
      }
    });
    await expect(wb.importFolder([many], {}, { importId: 'c' })).rejects.toMatchObject({
      name: 'AbortError',
    });
    off();
    expect(sawDecoding).toBe(true);
    expect(wb.cancelImport('c')).toBe(false);
    expect(wb.listDatasets().filter((d) => d.kind !== 'builtin')).toEqual([]);
    expect(existsSync(join(dir, 'datasets')) ? await readdir(join(dir, 'datasets')) : []).toEqual([]);
    expect(progressOf(events, 'c').at(-1)?.phase).toBe('decoding');
  });
});

describe('the contract', () => {
  it('previews, imports and trains on imported datasets; validates inputs', async () => {
    const { wb, dir } = setup();
    const handlers = createHandlers(wb, () => INFO);
    const call = (method: string, params: unknown) => dispatch(handlers, method, params);
    const pics = join(dir, 'pics');
    await writeManyPngs(pics, 10, 24);
    await writeFile(join(pics, 'broken.png'), solidPng(8, 8, [9, 9, 9]).subarray(0, 30));

    const preview = (await call('previewImport', {
      paths: [pics],
      options: { size: 28, channels: 'gray' },
      limit: 4,
    })) as { images: string[]; files: string[]; partial: boolean; size: number; channels: number };
    expect(preview.images).toHaveLength(4);
    expect(preview.files).toHaveLength(4);
    expect(preview).toMatchObject({ partial: true, size: 28, channels: 1 });
    const thumb = await sharp(Buffer.from(preview.images[0] as string, 'base64')).metadata();
    expect([thumb.format, thumb.width, thumb.height, thumb.channels]).toEqual(['png', 28, 28, 1]);
    expect(wb.listDatasets().filter((d) => d.kind !== 'builtin')).toEqual([]); // a preview stores nothing

    const outcome = (await call('importDataset', {
      paths: [pics],
      name: ' mine ',
      options: { size: 32, background: '#fff', fit: 'pad' },
      importId: 'x1',
    })) as ImportOutcome;
    expect(outcome.dataset).toMatchObject({ name: 'mine', count: 10, height: 32 });
    expect(outcome.report.skipped).toEqual([expect.objectContaining({ kind: 'corrupt' })]);
    expect(await call('getDataset', { datasetId: outcome.dataset.id })).toEqual(outcome.dataset);
    const run = (await call('createRun', { dataset: outcome.dataset.id, method: 'gp' })) as {
      datasetId: string;
    };
    expect(run.datasetId).toBe(outcome.dataset.id);

    const fx = await writeIdxFixtures(join(dir, 'idx'));
    const idx = (await call('importDataset', {
      kind: 'idx',
      paths: [fx.imagesGz, fx.labelsGz],
      options: { size: 28, channels: 'gray' },
    })) as ImportOutcome;
    expect(idx.dataset).toMatchObject({ kind: 'idx', count: 10 });

    await expect(call('importDataset', { paths: [pics], options: { size: 30 } })).rejects.toMatchObject({
      field: 'options.size',
    });
    await expect(call('importDataset', { paths: [pics], options: { maxPixels: 1e9 } })).rejects.toMatchObject(
      {
        message: expect.stringMatching(/unknown field/),
      },
    );
    await expect(call('importDataset', { paths: [] })).rejects.toMatchObject({ field: 'paths' });
    await expect(
      call('importDataset', { kind: 'idx', paths: [fx.images, fx.labels, fx.images] }),
    ).rejects.toMatchObject({ field: 'paths' });
    await expect(call('createRun', { dataset: 'ds-ffffffffffff', method: 'gp' })).rejects.toMatchObject({
      name: 'UnknownDatasetError',
      message: expect.stringMatching(/no dataset 'ds-ffffffffffff'/),
    });
    await expect(call('createRun', { dataset: 'cifar', method: 'gp' })).rejects.toMatchObject({
      field: 'dataset',
    });
    await expect(call('getDataset', { datasetId: 'ds-ffffffffffff' })).rejects.toMatchObject({
      message: expect.stringMatching(/no dataset 'ds-ffffffffffff'/),
    });
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await expect(call('importDataset', { paths: [empty] })).rejects.toMatchObject({
      name: 'EmptyImportError',
    });
    expect(await call('cancelImport', { importId: 'none' })).toEqual({ cancelled: false });
  });
});
