/**
 * The desktop app's exportRun and chooseImportPaths: main's handlers with the dialogs replaced by fakes
 * (Electron cannot run here), and the workbench's exportRun on a run whose samples and metrics are stored
 * directly, so nothing trains.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it, vi } from 'vitest';
import { createHandlers, dispatch, type DesktopHooks } from '../../src/main/api/handlers';
import { ExportError } from '../../src/main/service/run-export';
import { solidPng } from '../fixtures/hostile';
import { tempWorkbenchPerTest, testServerInfo } from '../helpers/workbench';

const INFO = testServerInfo('ipc');

const openWorkbench = tempWorkbenchPerTest('wgan-desk-');

function setup(hooks?: DesktopHooks) {
  const { dir, store, wb } = openWorkbench();
  // A 2D run with samples at steps 10 and 20 (different colours) and two rows of metrics.
  const run = wb.createRun({ dataset: 'mixture3', method: 'gp', overrides: { iterations: 20 } });
  store.putSample(run.id, 10, { kind: '2d', png: solidPng(30, 20, [255, 0, 0]), shape: [2] });
  store.putSample(run.id, 20, { kind: '2d', png: solidPng(30, 20, [0, 0, 255]), shape: [2] });
  store.insertMetrics(run.id, [
    { step: 10, seconds: 1, values: { wasserstein: 0.5 } },
    { step: 20, seconds: 2, values: { wasserstein: 0.25 } },
  ]);
  const handlers = createHandlers(wb, () => INFO, hooks);
  return { dir, wb, run, call: (method: string, params: unknown) => dispatch(handlers, method, params) };
}

describe('exportRun in the desktop app', () => {
  it('asks for a destination with a suggested name, writes there and returns the paths', async () => {
    let dir = '';
    const chooseDestination = vi.fn(async ({ suggestedName }: { suggestedName: string }) =>
      join(dir, suggestedName),
    );
    const s = setup({ chooseDestination });
    dir = s.dir;
    const grid = await s.call('exportRun', { runId: s.run.id, format: 'grid', step: 12 });
    expect(chooseDestination).toHaveBeenCalledWith({
      runId: s.run.id,
      format: 'grid',
      suggestedName: `run-${s.run.id}-step-12.png`,
    });
    const file = join(dir, `run-${s.run.id}-step-12.png`);
    expect(grid).toEqual({ cancelled: false, format: 'grid', paths: [file], step: 10 });
    const { data } = await sharp(readFileSync(file)).raw().toBuffer({ resolveWithObject: true });
    expect([...data.subarray(0, 3)]).toEqual([255, 0, 0]);

    const gif = (await s.call('exportRun', { runId: s.run.id, format: 'gif' })) as {
      paths: string[];
      frameSteps: number[];
    };
    expect(gif.frameSteps).toEqual([10, 20]);
    expect((await sharp(gif.paths[0] as string, { animated: true }).metadata()).pages).toBe(2);

    const csv = (await s.call('exportRun', { runId: s.run.id, format: 'csv' })) as { paths: string[] };
    expect(chooseDestination).toHaveBeenLastCalledWith(
      expect.objectContaining({ suggestedName: `run-${s.run.id}-metrics.csv` }),
    );
    expect(readFileSync(csv.paths[0] as string, 'utf8')).toBe(
      'step,seconds,wasserstein\n10,,0.5\n20,,0.25\n',
    );
  });

  it('returns { cancelled: true } when the dialog is cancelled, and writes nothing', async () => {
    const s = setup({ chooseDestination: async () => null });
    expect(await s.call('exportRun', { runId: s.run.id, format: 'grid' })).toEqual({ cancelled: true });
  });

  it('says what the run cannot give, and validates the params', async () => {
    const s = setup({ chooseDestination: async ({ suggestedName }) => join(tmpdir(), suggestedName) });
    await expect(s.call('exportRun', { runId: s.run.id, format: 'pngs' })).rejects.toMatchObject({
      name: 'ExportError',
      message: 'pngs export needs an image dataset; use grid for 2D runs',
    });
    await expect(s.call('exportRun', { runId: s.run.id, format: 'tiff' })).rejects.toMatchObject({
      field: 'format',
    });
    await expect(s.call('exportRun', { runId: s.run.id, format: 'pngs', count: 5000 })).rejects.toMatchObject(
      {
        field: 'count',
      },
    );
    await expect(s.call('exportRun', { runId: 99, format: 'grid' })).rejects.toMatchObject({
      message: 'no run with id 99',
    });
    await expect(
      s.wb.exportRun(s.run.id, { format: 'gif', step: 5, out: join(s.dir, 'x.gif') }),
    ).rejects.toThrow(new ExportError(`run ${s.run.id} has no samples up to step 5`));
  });

  it('without the desktop hooks (serve mode) both methods are refused with what to do instead', async () => {
    const s = setup();
    await expect(s.call('exportRun', { runId: s.run.id, format: 'csv' })).rejects.toMatchObject({
      name: 'RequestError',
      message: expect.stringContaining(`GET /api/export?runId=${s.run.id}&format=csv`),
    });
    await expect(s.call('chooseImportPaths', {})).rejects.toMatchObject({
      message: expect.stringMatching(/upload/),
    });
  });
});

describe('chooseImportPaths in the desktop app', () => {
  it('returns the chosen folders, or { cancelled: true }', async () => {
    const pick = vi.fn<() => Promise<string[] | null>>(async () => ['/data/a', '/data/b']);
    const s = setup({ chooseImportPaths: pick });
    expect(await s.call('chooseImportPaths', {})).toEqual({
      cancelled: false,
      paths: ['/data/a', '/data/b'],
    });
    pick.mockResolvedValueOnce(null);
    expect(await s.call('chooseImportPaths', {})).toEqual({ cancelled: true });
    await expect(s.call('chooseImportPaths', { kind: 'idx' })).rejects.toMatchObject({ field: 'kind' });
  });
});
