import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, jsonLines, ROOT, TSX } from '../helpers/cli';

const dirs: string[] = [];

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'wgan-cli-'));
  dirs.push(d);
  return d;
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('cli', () => {
  it('refuses bad arguments with exit code 2 and a one-line reason', () => {
    const db = join(tempDir(), 'w.db');
    const cases: [string[], RegExp][] = [
      [['train', '--dataset', 'cifar', '--method', 'gp'], /--dataset must be one of/],
      [['train', '--dataset', 'mixture3'], /--method is required/],
      [['train', '--dataset', 'mixture3', '--method', 'gp', '--set', 'lambda=-1'], /lambda/],
      [['train', '--dataset', 'mixture3', '--method', 'gp', '--set', 'nope=1'], /nope: unknown key/],
      [['train', '--dataset', 'mixture3', '--method', 'gp', '--bogus'], /bogus/],
      [['pair', '--dataset', 'mixture3', '--a', 'gp', '--b', 'gp'], /must differ/],
      [['resume', '999', '--db', db], /no run with id 999/],
      [['export', '1', '--format', 'tiff', '--out', 'x'], /--format must be one of/],
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

  it('trains a short 2D run, records it, writes the --out files and exports it', async () => {
    const dir = tempDir();
    const db = join(dir, 'w.db');
    const out = join(dir, 'run');
    const args = [
      '--iterations',
      '40',
      '--set',
      'logEvery=10',
      '--set',
      'sampleEvery=20',
      '--set',
      'checkpointEvery=20',
    ];
    const r = cli([
      'train',
      '--dataset',
      '8gaussians',
      '--method',
      'clip',
      ...args,
      '--backend',
      'wasm',
      '--json',
      '--db',
      db,
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const [ids, summary] = jsonLines(r.stdout) as [
      { runIds: number[] },
      Record<string, unknown> & { final: Record<string, number> },
    ];
    expect(ids.runIds).toEqual([1]);
    expect(summary).toMatchObject({ runId: 1, backend: 'wasm', iterations: 40, status: 'completed' });
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
    expect((await sharp(join(out, 'samples-40.png')).metadata()).format).toBe('png');
    expect(readdirSync(out)).toContain('checkpoint.bin');

    const runs = cli(['runs', '--db', db, '--json']);
    expect(runs.code).toBe(0);
    expect(JSON.parse(runs.stdout)).toEqual([
      expect.objectContaining({
        id: 1,
        status: 'completed',
        method: 'clip',
        dataset: '8gaussians',
        iteration: 40,
      }),
    ]);

    const gif = join(dir, 'gallery.gif');
    expect(cli(['export', '1', '--format', 'gif', '--out', gif, '--db', db]).code).toBe(0);
    expect((await sharp(gif, { animated: true }).metadata()).pages).toBe(2);
    const grid = join(dir, 'grid.png');
    expect(cli(['export', '1', '--format', 'grid', '--step', '25', '--out', grid, '--db', db]).code).toBe(0);
    expect((await sharp(grid).metadata()).width).toBeGreaterThan(100);
    const csv = join(dir, 'metrics.csv');
    expect(cli(['export', '1', '--format', 'csv', '--out', csv, '--db', db]).code).toBe(0);
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    expect(rows[0]).toMatch(/^step,seconds,.*wasserstein/);
    expect(rows.slice(1).map((l) => Number(l.split(',')[0]))).toEqual([10, 20, 30, 40]);
    // A completed run cannot be resumed.
    expect(cli(['resume', '1', '--db', db]).stderr).toMatch(/completed; it cannot be resumed/);
  });

  it('pair trains clip and GP side by side with the same settings', () => {
    const dir = tempDir();
    const db = join(dir, 'w.db');
    const r = cli([
      'pair',
      '--dataset',
      'mixture3',
      '--iterations',
      '20',
      '--set',
      'logEvery=10',
      '--seed',
      '5',
      '--backend',
      'wasm',
      '--json',
      '--db',
      db,
      '--out',
      join(dir, 'pair'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const [ids, ...summaries] = jsonLines(r.stdout) as [
      { runIds: number[]; pairId: number },
      ...Record<string, unknown>[],
    ];
    expect(ids.runIds).toEqual([1, 2]);
    expect(summaries.map((s) => [s['method'], s['status'], s['iterations']])).toEqual([
      ['clip', 'completed', 20],
      ['gp', 'completed', 20],
    ]);
    expect(readdirSync(join(dir, 'pair')).sort()).toEqual(['clip', 'gp']);
    const runs = JSON.parse(cli(['runs', '--db', db, '--json']).stdout) as {
      pairId: number;
      method: string;
    }[];
    expect(new Set(runs.map((x) => x.pairId))).toEqual(new Set([ids.pairId]));
  });

  it('kill -9 of the CLI mid-run leaves an intact database and a resumable run', async () => {
    const dir = tempDir();
    const db = join(dir, 'w.db');
    const child: ChildProcess = spawn(
      TSX,
      [
        'src/cli/index.ts',
        'train',
        '--dataset',
        'mixture3',
        '--method',
        'gp',
        '--iterations',
        '100000',
        '--set',
        'mlpWidth=16',
        '--set',
        'logEvery=5',
        '--set',
        'checkpointEvery=20',
        '--backend',
        'wasm',
        '--db',
        db,
      ],
      { cwd: ROOT, stdio: 'ignore', detached: true },
    );
    // Wait until a checkpoint has been written.
    const started = Date.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      let n = 0;
      try {
        const probe = new Database(db, { readonly: true, fileMustExist: true });
        n = probe.prepare('SELECT count(*) FROM checkpoints').pluck().get() as number;
        probe.close();
      } catch {
        // The CLI has not created the database (or its tables) yet.
      }
      if (n > 0) break;
      if (Date.now() - started > 60_000) throw new Error('no checkpoint within a minute');
    }
    // Kill the whole process group (tsx, node and the training process) at once.
    process.kill(-(child.pid as number), 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    const check = new Database(db);
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    check.close();
    const runs = JSON.parse(cli(['runs', '--db', db, '--json']).stdout) as {
      id: number;
      status: string;
      iteration: number;
    }[];
    expect(runs[0]?.status).toBe('interrupted');
    // Resume with a small budget: --set cannot change a run, so stop it after a few more iterations.
    const resumed = spawn(TSX, ['src/cli/index.ts', 'resume', String(runs[0]?.id), '--db', db, '--json'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    resumed.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    // Wait until the resumed run has gone past where it was killed (not a fixed time: a busy machine
    // can take many seconds to start a training process), then Ctrl-C, which pauses.
    const resumedAt = Date.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      const probe = new Database(db, { readonly: true, fileMustExist: true });
      const step = probe.prepare('SELECT step FROM runs WHERE id = ?').pluck().get(runs[0]?.id) as number;
      probe.close();
      if (step > (runs[0]?.iteration ?? 0)) break;
      if (Date.now() - resumedAt > 90_000) throw new Error('the resumed run made no progress in 90 s');
    }
    resumed.kill('SIGINT');
    const code = await new Promise<number | null>((r) => resumed.on('exit', r));
    expect(code).toBe(4);
    const after = JSON.parse(cli(['runs', '--db', db, '--json']).stdout) as {
      status: string;
      iteration: number;
    }[];
    expect(after[0]?.status).toBe('paused');
    expect(after[0]?.iteration).toBeGreaterThan(runs[0]?.iteration ?? 0);
    expect(jsonLines(stdout)[0]).toEqual({ runIds: [runs[0]?.id] });
  }, 240_000);
});
