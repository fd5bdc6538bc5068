import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { selectBackend } from '../engine/backend';
import { renderHistogramPng, renderLineChartPng, renderSurfacePng } from '../engine/charts';
import { histogram } from '../engine/diagnostics';
import {
  deepCriticGradients,
  type DeepCriticResult,
  optimalCriticSurface,
  SURFACE_DATASETS,
  type SurfaceResult,
} from '../engine/figures';
import { writeFileAtomic } from '../main/export/atomic';
import { CliError, integer, oneOf } from './args';
import { formatDuration } from './progress';
import { BACKEND_CHOICES } from './train-command';

export const FIGURES_USAGE = `  figures --out DIR [--fig <1a|1b|all>] [--steps N] [--iterations N] [--quick] [--backend B] [--json]
      Recomputes the WGAN-GP paper's Fig. 1: (1a) value surfaces of critics trained to optimality against
      real data + unit noise on 8 gaussians, 25 gaussians and the Swiss roll, clipping vs penalty
      (--steps critic steps, default 1000); (1b) per-layer gradient norms of a 12-layer critic on the Swiss
      roll for c = 0.1, 0.01, 0.001 and GP, log scale, and weight histograms (--iterations, default 100).
      --quick shrinks everything (for a smoke test). Writes PNGs and figures.json into DIR.`;

const CLIP_VALUES = [0.1, 0.01, 0.001] as const;

export async function figuresCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      out: { type: 'string' },
      fig: { type: 'string', default: 'all' },
      steps: { type: 'string' },
      iterations: { type: 'string' },
      quick: { type: 'boolean', default: false },
      backend: { type: 'string', default: 'wasm' },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.out) throw new CliError('--out DIR is required');
  const fig = oneOf('fig', values.fig, ['1a', '1b', 'all'] as const);
  const backend = oneOf('backend', values.backend, BACKEND_CHOICES);
  const quick = values.quick;
  const steps = integer('steps', values.steps) ?? (quick ? 40 : 1000);
  const iterations = integer('iterations', values.iterations) ?? (quick ? 5 : 100);
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  const report = await selectBackend(backend);
  const log = (line: string) => (values.json ? undefined : console.error(line));
  log(`backend: ${report.name}`);
  const started = performance.now();
  const files: string[] = [];
  const summary: Record<string, unknown> = { backend: report.name, quick };

  if (fig === '1a' || fig === 'all') {
    const panels: { result: SurfaceResult; png: Buffer }[] = [];
    for (const method of ['clip', 'gp'] as const) {
      for (const dataset of SURFACE_DATASETS) {
        const t0 = performance.now();
        const result = optimalCriticSurface({
          dataset,
          method,
          steps,
          ...(quick ? { width: 32, res: 48 } : {}),
        });
        const title = `${dataset} ${method === 'clip' ? 'weight clipping' : 'gradient penalty'}`;
        const png = await renderSurfacePng(result.values, result.res, result.bounds, result.real, {
          title,
          size: quick ? 192 : 384,
        });
        const file = join(out, `fig1a-${dataset}-${method}.png`);
        await writeFileAtomic(file, png);
        files.push(file);
        panels.push({ result, png });
        log(`fig 1a ${title}: ${formatDuration((performance.now() - t0) / 1000)}`);
      }
    }
    const file = join(out, 'fig1a.png');
    await writeFileAtomic(
      file,
      await mosaic(
        panels.map((p) => p.png),
        SURFACE_DATASETS.length,
      ),
    );
    files.push(file);
    summary['fig1a'] = panels.map(({ result }) => ({
      dataset: result.dataset,
      method: result.method,
      wasserstein: result.wasserstein,
      steps,
    }));
  }

  if (fig === '1b' || fig === 'all') {
    const shrink = quick ? { depth: 6, width: 32, batchSize: 32 } : {};
    const runs: DeepCriticResult[] = [];
    for (const c of CLIP_VALUES) {
      runs.push(deepCriticGradients({ method: 'clip', clipValue: c, iterations, ...shrink }));
      log(`fig 1b clip c=${c} done`);
    }
    runs.push(deepCriticGradients({ method: 'gp', iterations, ...shrink }));
    log('fig 1b gradient penalty done');
    const layers = runs[0]?.layerNorms.length ?? 0;
    const normsFile = join(out, 'fig1b-gradnorms.png');
    await writeFileAtomic(
      normsFile,
      await renderLineChartPng(
        runs.map((r) => ({ label: r.label, values: r.layerNorms })),
        {
          title: 'Gradient norm per critic layer (Swiss roll)',
          xLabels: Array.from({ length: layers }, (_, i) => String(i + 1)),
          xTitle: 'critic layer (input side first)',
          logY: true,
        },
      ),
    );
    files.push(normsFile);
    for (const r of [runs[1], runs[3]]) {
      if (!r) continue;
      const clip = r.config.method === 'clip' ? r.config.clipValue : undefined;
      // Without clipping, the 99.9th percentile of |w| (the first layer's few large weights would squash the
      // bulk into a few bins); the rest is counted as overflow.
      const range =
        clip ??
        (Float32Array.from(r.weights, Math.abs).sort()[Math.floor(0.999 * (r.weights.length - 1))] || 1);
      const edges = Array.from({ length: 61 }, (_, i) => -range + (2 * range * i) / 60);
      const h = histogram(r.weights, edges);
      const file = join(out, `fig1b-weights-${r.config.method}.png`);
      await writeFileAtomic(
        file,
        await renderHistogramPng(edges, h.counts, {
          title: `Critic weights, ${r.label}`,
          markers: clip === undefined ? [] : [-clip, clip],
        }),
      );
      files.push(file);
    }
    summary['fig1b'] = runs.map((r) => ({
      label: r.label,
      layerNorms: r.layerNorms,
      depth: r.config.mlpDepth,
      width: r.config.mlpWidth,
      iterations: r.config.iterations,
      ...(r.config.method === 'clip'
        ? {
            atClipBounds:
              r.weights.filter((w) => Math.abs(Math.abs(w) - r.config.clipValue) <= 0.01 * r.config.clipValue)
                .length / r.weights.length,
          }
        : {}),
    }));
  }

  summary['seconds'] = (performance.now() - started) / 1000;
  summary['files'] = files;
  await writeFileAtomic(join(out, 'figures.json'), JSON.stringify(summary, null, 2));
  if (values.json) console.log(JSON.stringify(summary));
  else {
    for (const f of files) console.log(f);
    log(`done in ${formatDuration(summary['seconds'] as number)}`);
  }
  return 0;
}

/** Panels of equal size in rows of `columns`. */
async function mosaic(pngs: readonly Buffer[], columns: number): Promise<Buffer> {
  const metas = await Promise.all(pngs.map((p) => sharp(p).metadata()));
  const w = metas[0]?.width ?? 1;
  const h = metas[0]?.height ?? 1;
  const rows = Math.ceil(pngs.length / columns);
  return sharp({ create: { width: w * columns, height: h * rows, channels: 4, background: '#ffffff' } })
    .composite(pngs.map((input, i) => ({ input, left: (i % columns) * w, top: Math.floor(i / columns) * h })))
    .png()
    .toBuffer();
}
