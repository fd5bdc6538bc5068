import { describe, expect, it } from 'vitest';
import { bandLines, seriesPoints, specLines, xValues } from '../../src/renderer/src/lib/series';
import type { SeriesData } from '../../src/shared/runs';

const mean: SeriesData = {
  step: [10, 20, 30],
  value: [1, 2, 3],
  min: [1, 2, 3],
  max: [1, 2, 3],
  seconds: [0.5, 1.5, 4],
};
const std: SeriesData = {
  step: [10, 30],
  value: [0.1, 0.3],
  min: [0.1, 0.3],
  max: [0.1, 0.3],
  seconds: [0.5, 4],
};

describe('chart series on an iteration or a wall-time axis', () => {
  it('puts points at the steps or at the training seconds', () => {
    expect(seriesPoints(mean, 0).map((p) => p.x)).toEqual([10, 20, 30]);
    expect(seriesPoints(mean, 0, 'seconds').map((p) => p.x)).toEqual([0.5, 1.5, 4]);
    expect(seriesPoints(mean, 0, 'seconds').map((p) => p.y)).toEqual([1, 2, 3]);
    // A series without seconds (an older server) stays on steps.
    const old = { step: [1, 2], value: [5, 6], min: [5, 6], max: [5, 6] } as unknown as SeriesData;
    expect(xValues(old, 'seconds')).toEqual([1, 2]);
  });

  it('matches the band by step but draws it on the chosen axis', () => {
    const [upper, lower] = bandLines(mean, std, 0, '#000', 'seconds');
    expect(upper?.points).toEqual([
      { x: 0.5, y: 1.1 },
      { x: 4, y: 3.3 },
    ]);
    expect(lower?.points.map((p) => p.x)).toEqual([0.5, 4]);
    const lines = specLines(
      { id: 'w', title: 'W', metrics: ['wasserstein'] },
      { wasserstein: mean },
      0,
      'seconds',
    );
    expect(lines[0]?.points.map((p) => p.x)).toEqual([0.5, 1.5, 4]);
  });
});
