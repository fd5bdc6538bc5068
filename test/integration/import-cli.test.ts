import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { readDatasetCache } from '../../src/main/import/cache';
import { displayPath } from '../../src/main/import/walk';
import { cli, jsonLines } from '../helpers/cli';
import { type HostileFixtures, writeHostileFixtures } from '../fixtures/hostile';
import { fashionMnist } from '../helpers/fashion-mnist';

const dirs: string[] = [];
const fixtures: HostileFixtures[] = [];

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'wgan-import-cli-'));
  dirs.push(d);
  return d;
}

afterAll(async () => {
  for (const fx of fixtures) await fx.cleanup();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface ImportJson {
  datasetId: string;
  name: string;
  kind: string;
  cached: boolean;
  count: number;
  height: number;
  width: number;
  channels: number;
  labels: boolean;
  imported: number;
  skippedCount: number;
  skipped: { path: string; kind: string; reason: string }[];
  notes: { path: string; note: string }[];
  cacheFile: string;
  elapsedMs: number;
}

describe('cli import', () => {
  it('imports the hostile folder, reports every file, hits the cache again, and trains on it', async () => {
    const dir = tempDir();
    const db = join(dir, 'w.db');
    const fx = await writeHostileFixtures(join(dir, 'fixtures'));
    fixtures.push(fx);
    const args = ['import', '--folder', fx.root, '--name', 'hostile', '--size', '32', '--channels', 'rgb'];

    const r = cli([...args, '--db', db, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const [report] = jsonLines(r.stdout) as unknown as [ImportJson];
    expect(report.datasetId).toMatch(/^ds-[0-9a-f]{12}$/);
    expect(report).toMatchObject({ name: 'hostile', kind: 'folder', cached: false, height: 32, channels: 3 });
    // Every hostile case: imported, or skipped with its kind and reason.
    const pathOf = (rel: Buffer) => displayPath(Buffer.concat([Buffer.from(`${fx.root}/`), rel]));
    const imported = fx.cases.filter((c) => c.expect.imported);
    expect(report.count).toBe(imported.length);
    expect(report.imported).toBe(imported.length);
    expect(report.skippedCount).toBe(fx.cases.length - imported.length);
    expect(report.skipped).toHaveLength(report.skippedCount);
    for (const c of fx.cases) {
      const found = report.skipped.find((s) => s.path === pathOf(c.rel));
      if (c.expect.imported) {
        expect(found, c.what).toBeUndefined();
      } else {
        expect(found, c.what).toBeDefined();
        expect(found?.kind, c.what).toBe(c.expect.kind);
        expect(found?.reason, c.what).toMatch(c.expect.reason);
      }
    }
    expect(report.notes.map((n) => n.note)).toEqual(expect.arrayContaining([expect.stringMatching(/CMYK/)]));
    expect(report.cacheFile).toBe(join(dir, 'datasets', `${report.datasetId}.wgds`));
    const mtime = statSync(report.cacheFile).mtimeMs;

    // Again, unchanged: a cache hit (nothing decoded, the cache file untouched), the same report.
    const again = cli([...args, '--db', db, '--json']);
    expect(again.code, again.stderr).toBe(0);
    const [hit] = jsonLines(again.stdout) as unknown as [ImportJson];
    expect(hit).toMatchObject({ datasetId: report.datasetId, cached: true, count: report.count });
    expect(hit.skipped).toEqual(report.skipped);
    expect(statSync(report.cacheFile).mtimeMs).toBe(mtime);
    // On screen: the summary, the skipped files with their reasons, the dataset id.
    const text = cli([...args, '--db', db]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      /^unchanged since the last import: imported \d+ images; skipped \d+ .*\(cache hit/,
    );
    expect(text.stdout).toMatch(/empty\.png: empty file/);
    expect(text.stdout).toMatch(/huge\.png: too large \(20000 x 20000 pixels/);
    expect(text.stdout).toContain(`dataset ${report.datasetId}: "hostile"`);

    const train = cli([
      'train',
      '--dataset',
      report.datasetId,
      '--method',
      'gp',
      '--iterations',
      '4',
      '--set',
      'batchSize=8',
      '--set',
      'convWidth=8',
      '--set',
      'sampleEvery=0',
      '--set',
      'augmentFlip=true',
      '--backend',
      'wasm',
      '--json',
      '--db',
      db,
    ]);
    expect(train.code, train.stderr).toBe(0);
    const [ids, summary] = jsonLines(train.stdout) as [{ runIds: number[] }, Record<string, unknown>];
    expect(summary).toMatchObject({ dataset: report.datasetId, status: 'completed', iterations: 4 });
    const runs = JSON.parse(cli(['runs', '--db', db, '--json']).stdout) as Record<string, unknown>[];
    expect(runs).toEqual([expect.objectContaining({ id: ids.runIds[0], dataset: report.datasetId })]);
    const out = join(dir, 'pngs');
    const exported = cli([
      'export',
      String(ids.runIds[0]),
      '--format',
      'pngs',
      '--count',
      '2',
      '--out',
      out,
      '--db',
      db,
    ]);
    expect(exported.code, exported.stderr).toBe(0);
    const files = readdirSync(out);
    expect(files).toHaveLength(2);
    const png = await sharp(join(out, files[0] as string)).metadata();
    expect([png.format, png.width, png.height, png.channels]).toEqual(['png', 32, 32, 3]);
  });

  it('exits 1 with a clear message when nothing can be imported, 2 for bad arguments', () => {
    const dir = tempDir();
    const db = join(dir, 'w.db');
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const r = cli(['import', '--folder', empty, '--db', db]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: ${empty}: no image could be imported: no files found`);
    const missing = cli(['import', '--folder', join(dir, 'nowhere'), '--db', db]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nowhere: not found/);

    const cases: [string[], RegExp][] = [
      [['import'], /needs --folder PATH/],
      [['import', '--folder', empty, '--idx', 'x'], /not both/],
      [['import', '--folder', empty, '--labels', 'x'], /--labels goes with --idx/],
      [['import', '--folder', empty, '--size', '30'], /--size must be one of 28, 32, 64/],
      [['import', '--folder', empty, '--fit', 'zoom'], /--fit must be one of crop, pad, stretch/],
      [['import', '--folder', empty, '--background', 'red'], /background: expected '#rrggbb'/],
      [
        ['train', '--dataset', 'ds-0123456789ab', '--method', 'gp'],
        /no dataset 'ds-0123456789ab' in this database/,
      ],
      [
        ['train', '--dataset', 'ds-01234', '--method', 'gp'],
        /--dataset must be one of .* or an imported dataset id/,
      ],
    ];
    for (const [args, pattern] of cases) {
      const bad = cli([...args, '--db', db]);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stderr).toMatch(pattern);
    }
    expect(existsSync(join(dir, 'datasets'))).toBe(false);
  });

  const fashion = fashionMnist();
  it.skipIf(fashion === undefined)(
    'imports the Fashion-MNIST test set: 10,000 images with labels',
    async () => {
      const { images, labels } = fashion as { images: string; labels: string };
      const dir = tempDir();
      const db = join(dir, 'w.db');
      const r = cli([
        'import',
        '--idx',
        images,
        '--labels',
        labels,
        '--name',
        'fashion',
        '--json',
        '--db',
        db,
      ]);
      expect(r.code, r.stderr).toBe(0);
      const [report] = jsonLines(r.stdout) as unknown as [ImportJson];
      expect(report).toMatchObject({
        kind: 'idx',
        count: 10000,
        height: 28,
        width: 28,
        channels: 1,
        labels: true,
      });
      const data = await readDatasetCache(report.cacheFile, { id: report.datasetId, title: 'fashion' });
      expect(data.labels).toHaveLength(10000);
      const perClass = new Array<number>(10).fill(0);
      for (const l of data.labels ?? []) perClass[l] = (perClass[l] ?? 0) + 1;
      expect(perClass).toEqual(new Array<number>(10).fill(1000));
      const again = cli(['import', '--idx', images, '--labels', labels, '--json', '--db', db]);
      expect((jsonLines(again.stdout)[0] as unknown as ImportJson).cached).toBe(true);
    },
  );
});
