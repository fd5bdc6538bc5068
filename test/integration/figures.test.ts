import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli';

describe('figures command', () => {
  it('--quick writes every Fig. 1 panel as a PNG and the numbers as JSON', async () => {
    const out = mkdtempSync(join(tmpdir(), 'wgan-figures-'));
    try {
      const r = cli(['figures', '--out', out, '--quick', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const summary = JSON.parse(readFileSync(join(out, 'figures.json'), 'utf8')) as {
        files: string[];
        fig1a: { dataset: string; method: string }[];
        fig1b: { label: string; layerNorms: number[] }[];
      };
      expect(summary.fig1a).toHaveLength(6);
      expect(summary.fig1b.map((f) => f.label)).toEqual([
        'weight clipping c=0.1',
        'weight clipping c=0.01',
        'weight clipping c=0.001',
        'gradient penalty',
      ]);
      expect(summary.files).toHaveLength(10);
      const mosaic = await sharp(join(out, 'fig1a.png')).metadata();
      expect([mosaic.width, mosaic.height]).toEqual([3 * 192, 2 * 192]);
      for (const f of summary.files) expect((await sharp(f).metadata()).format).toBe('png');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
