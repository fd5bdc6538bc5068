import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/engine/data/mnist';
import {
  type ImageSet,
  laplacianPyramid,
  pyramidLevelSizes,
  pyrDown,
  pyrUp,
  reconstructLaplacianPyramid,
  swd,
  swdDescriptors,
  sortFloat32,
  swdFromDescriptors,
  type SwdOptions,
  wasserstein1Sorted,
} from '../../src/engine/metrics/swd';
import { Rng } from '../../src/engine/rng';

function randomSet(seed: number, count: number, height: number, width: number, channels: number): ImageSet {
  const images = new Rng(seed).fillUniform(new Float32Array(count * height * width * channels), -1, 1);
  return { images, count, height, width, channels };
}

function digits(start: number, count: number): ImageSet {
  const ds = loadMnist();
  return {
    images: ds.images.slice(start * 784, (start + count) * 784),
    count,
    height: 28,
    width: 28,
    channels: 1,
  };
}

/** 3 x 3 box blur (edges clamped), `times` times. */
function blur(set: ImageSet, times: number): ImageSet {
  let src = set.images;
  const { count, height: h, width: w } = set;
  for (let t = 0; t < times; t++) {
    const out = new Float32Array(src.length);
    for (let n = 0; n < count; n++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          let s = 0;
          for (let dy = -1; dy <= 1; dy++) {
            for (let dx = -1; dx <= 1; dx++) {
              const yy = Math.min(h - 1, Math.max(0, y + dy));
              const xx = Math.min(w - 1, Math.max(0, x + dx));
              s += src[(n * h + yy) * w + xx]!;
            }
          }
          out[(n * h + y) * w + x] = s / 9;
        }
      }
    }
    src = out;
  }
  return { ...set, images: src };
}

function noisy(set: ImageSet, std: number, seed: number): ImageSet {
  const rng = new Rng(seed);
  return { ...set, images: set.images.map((v) => Math.min(1, Math.max(-1, v + std * rng.normal()))) };
}

describe('Laplacian pyramid', () => {
  it('levels: halve while even and at least minSide (default 8), never below the patch', () => {
    expect(pyramidLevelSizes(28, 28)).toEqual([
      [28, 28],
      [14, 14],
    ]);
    expect(pyramidLevelSizes(32, 32)).toEqual([
      [32, 32],
      [16, 16],
      [8, 8],
    ]);
    expect(pyramidLevelSizes(64, 64, { minSide: 16 })).toEqual([
      [64, 64],
      [32, 32],
      [16, 16],
    ]);
    expect(pyramidLevelSizes(28, 28, { minSide: 16 })).toEqual([[28, 28]]);
    expect(pyramidLevelSizes(64, 48)).toEqual([
      [64, 48],
      [32, 24],
      [16, 12],
    ]);
    expect(pyramidLevelSizes(7, 7)).toEqual([[7, 7]]);
    expect(pyramidLevelSizes(16, 16, { minSide: 2 })).toEqual([
      [16, 16],
      [8, 8],
    ]);
    expect(() => pyramidLevelSizes(6, 28)).toThrow(/smaller than the 7 x 7 patches/);
  });

  it('keeps constants constant; pyrDown halves and pyrUp doubles', () => {
    const flat: ImageSet = {
      images: new Float32Array(2 * 8 * 6 * 3).fill(0.25),
      count: 2,
      height: 8,
      width: 6,
      channels: 3,
    };
    const down = pyrDown(flat);
    expect([down.height, down.width, down.channels, down.count]).toEqual([4, 3, 3, 2]);
    for (const v of down.images) expect(v).toBeCloseTo(0.25, 6);
    const up = pyrUp(down);
    expect([up.height, up.width]).toEqual([8, 6]);
    for (const v of up.images) expect(v).toBeCloseTo(0.25, 6);
    const [band, low] = laplacianPyramid(flat, 2);
    for (const v of band!.images) expect(Math.abs(v)).toBeLessThan(1e-6);
    for (const v of low!.images) expect(v).toBeCloseTo(0.25, 6);
  });

  it('reconstructs the images (RGB 32 x 32, 3 levels; digits 28 x 28, 2 levels)', () => {
    const rgb = randomSet(1, 3, 32, 32, 3);
    const pyramid = laplacianPyramid(rgb, 3);
    expect(pyramid.map((l) => [l.height, l.width, l.channels, l.count])).toEqual([
      [32, 32, 3, 3],
      [16, 16, 3, 3],
      [8, 8, 3, 3],
    ]);
    const back = reconstructLaplacianPyramid(pyramid);
    expect([back.height, back.width]).toEqual([32, 32]);
    let err = 0;
    for (let i = 0; i < rgb.images.length; i++)
      err = Math.max(err, Math.abs(back.images[i]! - rgb.images[i]!));
    expect(err).toBeLessThan(1e-5);

    const d = digits(0, 20);
    const dp = laplacianPyramid(d, 2);
    expect(dp.map((l) => l.height)).toEqual([28, 14]);
    const db = reconstructLaplacianPyramid(dp);
    err = 0;
    for (let i = 0; i < d.images.length; i++) err = Math.max(err, Math.abs(db.images[i]! - d.images[i]!));
    expect(err).toBeLessThan(1e-5);
    // The input is not modified.
    expect(d.images).toEqual(digits(0, 20).images);
    expect(() => laplacianPyramid(randomSet(2, 1, 14, 14, 1), 3)).toThrow(/not even/);
  });
});

describe('sortFloat32', () => {
  it('sorts like TypedArray#sort (negatives, zeros, ties, extremes)', () => {
    const rng = new Rng(21);
    const values = new Float32Array(5000).map((_, i) =>
      i % 7 === 0
        ? Math.round(rng.normal())
        : rng.normal() * 10 ** rng.int(12) * (rng.uniform() < 0.5 ? -1 : 1),
    );
    values[0] = 3.4e38;
    values[1] = -3.4e38;
    values[2] = 1e-45;
    values[3] = -1e-45;
    const expected = Float32Array.from(values).sort();
    sortFloat32(values);
    expect(values).toEqual(expected);
    const one = Float32Array.of(2);
    sortFloat32(one);
    expect(Array.from(one)).toEqual([2]);
  });
});

describe('wasserstein1Sorted', () => {
  it('is the mean absolute difference for equal sizes and the exact quantile integral otherwise', () => {
    expect(wasserstein1Sorted(Float32Array.of(0, 1, 2), Float32Array.of(1, 2, 3))).toBeCloseTo(1, 12);
    expect(wasserstein1Sorted(Float32Array.of(0, 1), Float32Array.of(0, 0.5, 1))).toBeCloseTo(1 / 6, 12);
    expect(wasserstein1Sorted(Float32Array.of(0, 0.5, 1), Float32Array.of(0, 1))).toBeCloseTo(1 / 6, 12);
    expect(wasserstein1Sorted(Float32Array.of(5), Float32Array.of(1, 2, 3, 4))).toBeCloseTo(2.5, 12);
    // The same distribution sampled twice as densely.
    expect(wasserstein1Sorted(Float32Array.of(1, 2), Float32Array.of(1, 1, 2, 2))).toBe(0);
  });
});

describe('sliced Wasserstein distance (ProGAN)', () => {
  // Fewer patches and directions than the paper's 128 and 4 x 128 keep this file fast; one test below
  // uses the defaults.
  const quick: SwdOptions = { descriptorsPerImage: 32, dirRepeats: 1, dirsPerRepeat: 128 };

  it('paper defaults on 28 x 28 digits: levels 28 and 14, small for two real sets, large for noise', () => {
    const a = digits(0, 150);
    const b = digits(150, 150);
    const da = swdDescriptors(a);
    expect(da.levels.map((l) => [l.count, l.dim])).toEqual([
      [150 * 128, 49],
      [150 * 128, 49],
    ]);
    const real = swdFromDescriptors(da, swdDescriptors(b));
    expect(real.levels.map((l) => [l.height, l.width])).toEqual([
      [28, 28],
      [14, 14],
    ]);
    const noise = swdFromDescriptors(da, swdDescriptors(randomSet(3, 150, 28, 28, 1)));
    console.log(
      `SWD x1e3 (defaults, 150 vs 150 digits): real ${real.levels.map((l) => l.swdX1e3.toFixed(1)).join(' / ')} ` +
        `avg ${real.averageX1e3.toFixed(1)}; uniform noise ${noise.levels.map((l) => l.swdX1e3.toFixed(1)).join(' / ')} ` +
        `avg ${noise.averageX1e3.toFixed(1)}`,
    );
    expect(real.averageX1e3).toBeGreaterThan(0);
    expect(noise.averageX1e3).toBeGreaterThan(5 * real.averageX1e3);
    for (let i = 0; i < 2; i++) expect(noise.levels[i]!.swdX1e3).toBeGreaterThan(real.levels[i]!.swdX1e3);
  });

  it('grows with the corruption: blur and additive noise', () => {
    const a = swdDescriptors(digits(0, 300), quick);
    const b = digits(300, 300);
    const score = (set: ImageSet) => swdFromDescriptors(a, swdDescriptors(set, quick)).averageX1e3;
    const real = score(b);
    const blur1 = score(blur(b, 1));
    const blur2 = score(blur(b, 3));
    const noise1 = score(noisy(b, 0.1, 1));
    const noise2 = score(noisy(b, 0.3, 2));
    const noise3 = score(noisy(b, 1, 3));
    console.log(
      `SWD x1e3 avg (32 patches/image, 128 directions): real ${real.toFixed(1)}, blur 1x ${blur1.toFixed(1)}, ` +
        `blur 3x ${blur2.toFixed(1)}, noise 0.1 ${noise1.toFixed(1)}, 0.3 ${noise2.toFixed(1)}, 1.0 ${noise3.toFixed(1)}`,
    );
    expect(blur1).toBeGreaterThan(real);
    expect(blur2).toBeGreaterThan(blur1);
    expect(noise1).toBeGreaterThan(real);
    expect(noise2).toBeGreaterThan(noise1);
    expect(noise3).toBeGreaterThan(noise2);
  });

  it('is deterministic per seed, accepts sets of different sizes and refuses mismatched ones', () => {
    const a = digits(0, 100);
    const b = digits(100, 60);
    const r1 = swd(a, b, { ...quick, seed: 7 });
    const r2 = swd(a, b, { ...quick, seed: 7 });
    const r3 = swd(a, b, { ...quick, seed: 8 });
    expect(r2).toEqual(r1);
    expect(swd(a, a, quick).averageX1e3).toBe(0);
    expect(r3.averageX1e3).not.toBe(r1.averageX1e3);
    // Another seed draws other patches and directions: the same ballpark.
    expect(r3.averageX1e3 / r1.averageX1e3).toBeGreaterThan(0.5);
    expect(r3.averageX1e3 / r1.averageX1e3).toBeLessThan(2);

    const rgb = randomSet(4, 10, 32, 32, 3);
    const rgbResult = swd(rgb, randomSet(5, 12, 32, 32, 3), quick);
    expect(rgbResult.levels.map((l) => l.height)).toEqual([32, 16, 8]);
    expect(swdDescriptors(rgb, quick).levels[0]!.dim).toBe(147);

    expect(() => swd(a, rgb, quick)).toThrow(/shapes differ/);
    expect(() =>
      swdFromDescriptors(swdDescriptors(a, quick), swdDescriptors(b, { ...quick, seed: 1 })),
    ).toThrow(/differ in seed/);
    const bad = digits(0, 2);
    bad.images[5] = NaN;
    expect(() => swd(bad, bad, quick)).toThrow(/NaN/);
    expect(() => swd({ ...bad, count: 3 }, bad, quick)).toThrow(/expected 3 x 28 x 28 x 1/);
    expect(() => swd(a, a, { patchSize: 6 })).toThrow(/odd/);
    // A blank set (std 0) is centred, not divided by zero.
    const blank: ImageSet = {
      images: new Float32Array(4 * 784).fill(-1),
      count: 4,
      height: 28,
      width: 28,
      channels: 1,
    };
    expect(Number.isFinite(swd(blank, a, quick).averageX1e3)).toBe(true);
  });
});
