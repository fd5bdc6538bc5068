import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EmptyImportError,
  importImages,
  type ImportResult,
  previewImport,
  summarizeImport,
} from '../../../src/main/import/import';
import { resolveImportOptions } from '../../../src/main/import/options';
import { displayPath } from '../../../src/main/import/walk';
import { TSX } from '../../helpers/cli';
import { type HostileFixtures, type Rgb, solidPng, writeHostileFixtures } from '../../fixtures/hostile';

let fx: HostileFixtures;
let result: ImportResult;
const BACKGROUND: Rgb = [0, 255, 0];
const SIZE = 32;

beforeAll(async () => {
  fx = await writeHostileFixtures(await mkdtemp(join(tmpdir(), 'wgan-import-')));
  result = await importImages(
    [fx.root],
    resolveImportOptions({ size: SIZE, fit: 'stretch', channels: 'rgb', background: BACKGROUND }),
  );
});

const extraDirs: string[] = [];

async function tempDir(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `wgan-import-${name}-`));
  extraDirs.push(dir);
  return dir;
}

afterAll(async () => {
  await fx?.cleanup();
  for (const dir of extraDirs) await rm(dir, { recursive: true, force: true });
});

function pathOf(rel: Buffer): string {
  return displayPath(Buffer.concat([Buffer.from(fx.root + '/'), rel]));
}

/** The image of a file in a result, as HWC bytes. */
function imageOf(r: ImportResult, path: string): Uint8Array {
  const i = r.files.indexOf(path);
  expect(i, `${path} imported`).toBeGreaterThanOrEqual(0);
  const per = r.height * r.width * r.channels;
  return r.images.subarray(i * per, (i + 1) * per);
}

/** Mean colour of rows [y0, y1) of an RGB image. */
function meanRgb(img: Uint8Array, size: number, y0 = 0, y1 = size): [number, number, number] {
  const sum = [0, 0, 0];
  for (let y = y0; y < y1; y++) {
    for (let x = 0; x < size; x++)
      for (let c = 0; c < 3; c++) sum[c]! += img[(y * size + x) * 3 + c] as number;
  }
  const n = (y1 - y0) * size;
  return sum.map((s) => s / n) as [number, number, number];
}

function expectColour(actual: readonly number[], expected: Rgb, tolerance = 6): void {
  for (let c = 0; c < 3; c++) {
    expect(Math.abs((actual[c] as number) - (expected[c] as number))).toBeLessThanOrEqual(tolerance);
  }
}

describe('importing the hostile folder', () => {
  it('accounts for every entry: each case imported or skipped, nothing else', () => {
    const seen = new Set([...result.files, ...result.skipped.map((s) => s.path)]);
    const expected = new Set(fx.cases.map((c) => pathOf(c.rel)));
    expect([...seen].sort()).toEqual([...expected].sort());
    expect(result.files.length + result.skipped.length).toBe(fx.cases.length);
  });

  it('reports each hostile case with its reason', () => {
    for (const c of fx.cases) {
      if (c.expect.imported) continue;
      const path = pathOf(c.rel);
      const skip = result.skipped.find((s) => s.path === path);
      expect(skip, `${c.what} (${path}) skipped`).toBeDefined();
      expect(skip?.kind, c.what).toBe(c.expect.kind);
      expect(skip?.reason, c.what).toMatch(c.expect.reason);
    }
  });

  it('imports the good ones with the right pixels, and notes the conversions', () => {
    for (const c of fx.cases) {
      if (!c.expect.imported) continue;
      const path = pathOf(c.rel);
      const img = imageOf(result, path);
      if (c.expect.rgb) expectColour(meanRgb(img, SIZE), c.expect.rgb);
      if (c.expect.note) {
        const notes = result.notes.filter((n) => n.path === path).map((n) => n.note);
        expect(notes.join('; '), c.what).toMatch(c.expect.note);
      }
    }
  });

  it('has the shape and statistics of the imported images', () => {
    expect(result.height).toBe(SIZE);
    expect(result.width).toBe(SIZE);
    expect(result.channels).toBe(3);
    expect(result.images.length).toBe(result.count * SIZE * SIZE * 3);
    expect(result.mean).toHaveLength(3);
    expect(result.std).toHaveLength(3);
    for (const m of result.mean) expect(m).toBeGreaterThan(0);
    for (const s of result.std) expect(s).toBeGreaterThan(0);
    expect(result.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(result.sourceFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(summarizeImport(result)).toMatch(/^imported \d+ images; skipped \d+ \(/);
  });

  it('orders the files by the bytes of their names', () => {
    const raw = result.files.map((f) => Buffer.from(f));
    const top = raw.filter((b) => !b.subarray(fx.root.length + 1).includes('/'));
    expect(top.map(String)).toEqual([...top].sort(Buffer.compare).map(String));
  });

  it('renders a mosaic PNG of the first images', async () => {
    const meta = await sharp(result.mosaic).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBe(8 * SIZE);
    expect(meta.height).toBe(Math.ceil(Math.min(64, result.count) / 8) * SIZE);
  });

  it('turns an EXIF-rotated picture upright', () => {
    const img = imageOf(result, join(fx.root, 'exif-rotated.jpg'));
    // Stored 40 x 20, left red / right blue, orientation 6 (rotate 90 degrees clockwise): top red, bottom blue.
    expectColour(meanRgb(img, SIZE, 0, SIZE / 2 - 2), [255, 0, 0], 12);
    expectColour(meanRgb(img, SIZE, SIZE / 2 + 2, SIZE), [0, 0, 255], 12);
  });

  it('composites transparency onto the background colour', () => {
    expectColour(meanRgb(imageOf(result, join(fx.root, 'transparent.png')), SIZE), BACKGROUND, 0);
  });

  it('takes the first frame of an animated GIF', () => {
    expectColour(meanRgb(imageOf(result, join(fx.root, 'animated.gif')), SIZE), [255, 0, 0], 2);
  });

  it('converts CMYK to red-ish sRGB', () => {
    const [r, g, b] = meanRgb(imageOf(result, join(fx.root, 'cmyk.jpg')), SIZE);
    expect(r).toBeGreaterThan(200);
    expect(g).toBeLessThan(60);
    expect(b).toBeLessThan(60);
  });

  it('keeps non-UTF-8 names, shown with escapes', () => {
    if (!fx.nonUtf8Names) return; // the file system refused the name: nothing to check
    const shown = result.files.find((f) => f.includes('bad-'));
    expect(shown).toBe(join(fx.root, 'bad-\\xFF\\xFE-name.png'));
  });

  it('reports unreadable files and folders (when permissions are enforced)', () => {
    // As root, mode 000 does not stop reads (CAP_DAC_OVERRIDE): the fixture then expects both imported,
    // which the case checks above verify; the next test sees the EACCES reasons as an unprivileged user.
    const unreadable = result.skipped.find((s) => s.path === join(fx.root, 'unreadable.png'));
    if (fx.permissionsEnforced) expect(unreadable?.reason).toMatch(/EACCES/);
    else expect(result.files).toContain(join(fx.root, 'unreadable.png'));
  });

  it('reports EACCES for an unprivileged user when the tests run as root', async (ctx) => {
    if (fx.permissionsEnforced || process.getuid?.() !== 0) {
      ctx.skip('not root: the case checks above already saw the EACCES reasons');
      return;
    }
    await chmod(dirname(fx.root), 0o755); // mkdtemp made it 0700
    const child = spawnSync(TSX, [join(import.meta.dirname, 'as-user.child.ts'), fx.root], {
      uid: 65534,
      gid: 65534,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, HOME: '/tmp' },
    });
    if (child.status !== 0) {
      // No 'nobody' user, or tsx cannot run as one here: nothing more to see than the checks above.
      ctx.skip(`could not run as uid 65534: ${child.error?.message ?? child.stderr.slice(0, 300)}`);
      return;
    }
    const r = JSON.parse(child.stdout) as {
      files: string[];
      skipped: { path: string; kind: string; reason: string }[];
    };
    expect(r.skipped).toContainEqual({
      path: join(fx.root, 'unreadable.png'),
      kind: 'unreadable',
      reason: 'unreadable: permission denied (EACCES)',
    });
    expect(r.skipped).toContainEqual({
      path: join(fx.root, 'locked'),
      kind: 'unreadable',
      reason: 'unreadable folder: permission denied (EACCES)',
    });
    expect(r.files).toContain(join(fx.root, 'good-red.png'));
  });
});

describe('import options', () => {
  it('gray: one channel with the luma of the colour', async () => {
    const r = await importImages(
      [join(fx.root, 'good-red.png')],
      resolveImportOptions({ size: 28, channels: 'gray' }),
    );
    expect(r.channels).toBe(1);
    expect(r.images.length).toBe(28 * 28);
    expect(new Set(r.images)).toEqual(new Set([76])); // 0.299 * 255
    expect(r.mean[0]).toBeCloseTo(76 / 255, 5);
    expect(r.std[0]).toBeCloseTo(0, 5);
  });

  it('pad: fits a 40 x 30 picture inside the square with the pad colour above and below', async () => {
    const r = await importImages(
      [join(fx.root, 'good-red.png')],
      resolveImportOptions({ size: 32, fit: 'pad', padColor: '#0000ff' }),
    );
    const img = r.images;
    // 40 x 30 scaled to 32 x 24: 4 rows of padding at the top and bottom.
    expectColour(meanRgb(img, 32, 0, 4), [0, 0, 255], 0);
    expectColour(meanRgb(img, 32, 28, 32), [0, 0, 255], 0);
    expectColour(meanRgb(img, 32, 5, 27), [255, 0, 0], 2);
  });

  it('crop: cuts the centre square of a non-square picture', async () => {
    const dir = await tempDir('crop');
    // 60 x 20: left third red, middle blue, right third green; the centre square is all blue.
    const raw = Buffer.alloc(60 * 20 * 3);
    for (let y = 0; y < 20; y++) {
      for (let x = 0; x < 60; x++)
        raw.set(x < 20 ? [255, 0, 0] : x < 40 ? [0, 0, 255] : [0, 255, 0], (y * 60 + x) * 3);
    }
    const file = join(dir, 'thirds.png');
    await writeFile(
      file,
      await sharp(raw, { raw: { width: 60, height: 20, channels: 3 } })
        .png()
        .toBuffer(),
    );
    const crop = await importImages([file], resolveImportOptions({ size: 28, fit: 'crop' }));
    // The resampling kernel reaches a pixel or two past the cut, so the edge columns mix in a little red/green.
    expectColour(meanRgb(crop.images, 28, 0, 28), [0, 0, 255], 8);
    const stretch = await importImages([file], resolveImportOptions({ size: 28, fit: 'stretch' }));
    const [r, g, b] = meanRgb(stretch.images, 28);
    expect(r).toBeGreaterThan(60);
    expect(g).toBeGreaterThan(60);
    expect(b).toBeGreaterThan(60);
  });

  it('recursive off: sub-folders are reported, not searched', async () => {
    const r = await importImages([fx.root], resolveImportOptions({ recursive: false }));
    expect(r.files).not.toContain(join(fx.root, 'sub', 'nested.png'));
    expect(r.skipped).toContainEqual({
      path: join(fx.root, 'sub'),
      kind: 'folder-not-searched',
      reason: 'folder not searched (recursive is off)',
    });
  });

  it('includeHidden: hidden files and folders are imported', async () => {
    const r = await importImages([fx.root], resolveImportOptions({ includeHidden: true, size: 28 }));
    expect(r.files).toContain(join(fx.root, '.hidden.png'));
    expect(r.files).toContain(join(fx.root, '.hidden-dir', 'inside.png'));
  });

  it('a lower pixel limit refuses smaller pictures too', async () => {
    const r = await importImages(
      [join(fx.root, 'good-red.png'), join(fx.root, 'good-cyan-24.bmp'), join(fx.root, 'sub', 'nested.png')],
      resolveImportOptions({ maxPixels: 50 }),
    );
    expect(r.files).toEqual([join(fx.root, 'sub', 'nested.png')]); // 6 x 6 = 36 pixels
    expect(r.skipped.map((s) => s.reason)).toEqual([
      'too large (40 x 30 pixels > limit of 50 pixels)',
      'too large (10 x 6 pixels > limit of 50 pixels)',
    ]);
  });
});

describe('sources and errors', () => {
  it('takes explicit files whatever their names, and reports missing sources', async () => {
    const r = await importImages(
      [join(fx.root, 'mislabelled-jpeg.png'), join(fx.root, 'text.jpg'), join(fx.root, 'no-such-file.png')],
      resolveImportOptions(),
    );
    expect(r.files).toEqual([join(fx.root, 'mislabelled-jpeg.png')]);
    expect(r.skipped).toEqual([
      { path: join(fx.root, 'no-such-file.png'), kind: 'not-found', reason: 'not found (ENOENT)' },
      { path: join(fx.root, 'text.jpg'), kind: 'not-image', reason: 'not an image (unrecognised content)' },
    ]);
  });

  it('an import of nothing but hostile files is a clear error, not an empty dataset', async () => {
    const files = ['empty.png', 'text.jpg', 'truncated.png', 'huge.png'].map((f) => join(fx.root, f));
    const err = await importImages(files, resolveImportOptions()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmptyImportError);
    expect((err as Error).message).toBe(
      'no image could be imported: 4 files skipped (1 corrupt or truncated, 1 empty file, 1 not an image, 1 too large)',
    );
    expect((err as EmptyImportError).skipped).toHaveLength(4);
  });

  it('an empty folder is a clear error too', async () => {
    const dir = await tempDir('empty');
    await expect(importImages([dir], resolveImportOptions())).rejects.toThrow(
      'no image could be imported: no files found',
    );
  });

  it('previews the first images only', async () => {
    const r = await previewImport([fx.root], resolveImportOptions({ size: 28 }), { limit: 4 });
    expect(r.count).toBe(4);
    expect(r.partial).toBe(true);
    expect(r.files).toEqual(result.files.slice(0, 4));
  });

  it('decodes a file given as raw bytes of its path', async () => {
    const dir = await tempDir('raw');
    const file = join(dir, 'plain.png');
    await writeFile(file, solidPng(3, 3, [9, 9, 9]));
    const r = await importImages([Buffer.from(file)], resolveImportOptions({ size: 28 }));
    expect(r.files).toEqual([file]);
  });
});
