import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const tsx = join(root, 'node_modules/.bin/tsx');
const dirs: string[] = [];

function cli(args: string[]) {
  const r = spawnSync(tsx, ['src/cli/index.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 600_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'wgan-cli-'));
  dirs.push(d);
  return d;
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('cli train', () => {
  it('refuses bad arguments with exit code 2 and a one-line reason', () => {
    const cases: [string[], RegExp][] = [
      [['train', '--dataset', 'cifar', '--method', 'gp', '--out', 'x'], /--dataset must be one of/],
      [['train', '--dataset', 'mixture3', '--out', 'x'], /--method is required/],
      [['train', '--dataset', 'mixture3', '--method', 'gp'], /--out DIR is required/],
      [['train', '--dataset', 'mixture3', '--method', 'gp', '--out', 'x', '--set', 'lambda=-1'], /lambda/],
      [
        ['train', '--dataset', 'mixture3', '--method', 'gp', '--out', 'x', '--set', 'nope=1'],
        /nope: unknown key/,
      ],
      [['train', '--dataset', 'mixture3', '--method', 'gp', '--out', 'x', '--bogus'], /bogus/],
      [['frobnicate'], /unknown command/],
    ];
    for (const [args, pattern] of cases) {
      const r = cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(
        r.stderr
          .trim()
          .split('\n')
          .filter((l) => !l.startsWith('npm warn')),
      ).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    }
  });

  it('trains a short 2D run and writes metrics, samples, a checkpoint and the summary', async () => {
    const out = tempDir();
    const r = cli([
      'train',
      '--dataset',
      '8gaussians',
      '--method',
      'clip',
      '--iterations',
      '40',
      '--set',
      'logEvery=10',
      '--set',
      'sampleEvery=20',
      '--backend',
      'wasm',
      '--json',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim()) as Record<string, unknown> & {
      final: Record<string, number>;
    };
    expect(summary).toMatchObject({ backend: 'wasm', iterations: 40, status: 'completed' });
    expect(summary.final.modesTotal).toBe(8);
    expect(summary.final.modesCovered).toBeGreaterThanOrEqual(0);
    expect(typeof summary.final.highQualityPct).toBe('number');
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toEqual(summary);
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { step: number }).step)).toEqual([10, 20, 30, 40]);
    expect(
      readdirSync(out)
        .filter((f) => f.startsWith('samples-'))
        .sort(),
    ).toEqual(['samples-20.png', 'samples-40.png']);
    const meta = await sharp(join(out, 'samples-40.png')).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(100);

    // --resume continues from the checkpoint to a larger budget.
    const r2 = cli([
      'train',
      '--dataset',
      '8gaussians',
      '--method',
      'clip',
      '--iterations',
      '50',
      '--backend',
      'wasm',
      '--resume',
      '--json',
      '--out',
      out,
    ]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(JSON.parse(r2.stdout.trim())).toMatchObject({ iterations: 50, status: 'completed' });
  });
});
