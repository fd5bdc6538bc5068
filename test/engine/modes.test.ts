import { describe, expect, it } from 'vitest';
import { getToyDataset } from '../../src/engine/data/toy2d';
import type { Modes } from '../../src/engine/data/types';
import { modeStats } from '../../src/engine/metrics/modes';
import { Rng } from '../../src/engine/rng';

const square: Modes = {
  centers: [
    [0, 0],
    [10, 0],
    [0, 10],
    [10, 10],
  ],
  std: 1,
};

function pointsAt(list: Array<readonly [number, number]>): Float32Array {
  return Float32Array.from(list.flat());
}

function repeat(p: readonly [number, number], n: number): Array<readonly [number, number]> {
  return Array.from({ length: n }, () => p);
}

describe('modeStats', () => {
  it('all samples on one mode: 1 covered, KL = log K', () => {
    const s = modeStats(pointsAt(repeat([10, 0.5], 100)), square);
    expect(s.modesCovered).toBe(1);
    expect(s.modesTotal).toBe(4);
    expect(s.highQualityPct).toBe(100);
    expect(s.counts).toEqual([0, 100, 0, 0]);
    expect(s.klToUniform).toBeCloseTo(Math.log(4), 12);
  });

  it('samples spread evenly over the modes: all covered, KL = 0', () => {
    const pts = [
      ...repeat([0, 0], 25),
      ...repeat([10, 0], 25),
      ...repeat([0, 10], 25),
      ...repeat([10, 10], 25),
    ];
    const s = modeStats(pointsAt(pts), square);
    expect(s.modesCovered).toBe(4);
    expect(s.counts).toEqual([25, 25, 25, 25]);
    expect(s.klToUniform).toBe(0);
  });

  it('far-away samples are not high quality', () => {
    const s = modeStats(pointsAt(repeat([5, 5], 50)), square);
    expect(s.highQualityPct).toBe(0);
    expect(s.modesCovered).toBe(0);
    expect(s.counts).toEqual([0, 0, 0, 0]);
    expect(s.klToUniform).toBeCloseTo(Math.log(4), 12);
  });

  it('uses the Euclidean 3-std radius', () => {
    // (2.9, 0) and (2.1, 2.1) (distance 2.97) are inside; (3.1, 0) and (2.2, 2.2) (3.11) are outside.
    const s = modeStats(
      pointsAt([
        [2.9, 0],
        [2.1, 2.1],
        [3.1, 0],
        [2.2, 2.2],
      ]),
      square,
    );
    expect(s.counts).toEqual([2, 0, 0, 0]);
    expect(s.highQualityPct).toBe(50);
  });

  it('a mode needs 1% of all samples to be covered', () => {
    // 2,500 samples: 24 at mode 1 is not enough, 25 at mode 2 is; the rest sit on mode 0.
    const pts = [...repeat([10, 0], 24), ...repeat([0, 10], 25), ...repeat([0, 0], 2451)];
    const s = modeStats(pointsAt(pts), square);
    expect(s.counts).toEqual([2451, 24, 25, 0]);
    expect(s.modesCovered).toBe(2);
  });

  it('KL of an uneven histogram matches the formula; NaN samples count as low quality', () => {
    const pts = [...repeat([0, 0], 30), ...repeat([10, 0], 10), ...repeat([Number.NaN, 0], 10)];
    const s = modeStats(pointsAt(pts), square);
    expect(s.counts).toEqual([30, 10, 0, 0]);
    expect(s.highQualityPct).toBe(80);
    const expected = 0.75 * Math.log(0.75 * 4) + 0.25 * Math.log(0.25 * 4);
    expect(s.klToUniform).toBeCloseTo(expected, 12);
  });

  it('real 8gaussians data covers all modes with almost all samples high quality', () => {
    const ds = getToyDataset('8gaussians');
    const s = modeStats(ds.sample(new Rng(11), 2500), ds.modes!);
    expect(s.modesCovered).toBe(8);
    expect(s.highQualityPct).toBeGreaterThan(98);
    expect(s.klToUniform).toBeLessThan(0.01);
  });

  it('25gaussians data shifted by half a grid step covers nothing', () => {
    const ds = getToyDataset('25gaussians');
    const pts = ds.sample(new Rng(12), 2500);
    for (let i = 0; i < pts.length; i += 2) pts[i] = pts[i]! + 1 / 2.828;
    const s = modeStats(pts, ds.modes!);
    expect(s.highQualityPct).toBe(0);
    expect(s.modesCovered).toBe(0);
  });

  it('handles no samples and rejects bad input', () => {
    const s = modeStats(new Float32Array(0), square);
    expect(s.highQualityPct).toBe(0);
    expect(s.modesCovered).toBe(0);
    expect(() => modeStats(new Float32Array(3), square)).toThrow(/n x 2/);
    expect(() => modeStats(new Float32Array(2), { centers: [], std: 1 })).toThrow(/at least one mode/);
  });
});
