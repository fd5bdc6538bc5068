// @vitest-environment jsdom
/**
 * Importing a folder from the new-run form: a native folder dialog and dropped folders in the desktop app,
 * uploads in a browser; progress with Cancel, then the report, the mosaic, and the new dataset selected.
 */
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkbenchError } from '../../src/renderer/src/lib/client';
import NewRunView from '../../src/renderer/src/views/NewRunView.svelte';
import type { ImportOutcome } from '../../src/shared/imports';
import type { DatasetRecord } from '../../src/shared/runs';
import { fake } from './helpers';

vi.mock('../../src/renderer/src/lib/client', async () => {
  const { fake } = await import('./helpers');
  const actual = await vi.importActual<typeof import('../../src/renderer/src/lib/client')>(
    '../../src/renderer/src/lib/client',
  );
  return { ...actual, createClient: () => fake.conn };
});

const DATASET: DatasetRecord = {
  id: 'ds-0123456789ab',
  name: 'pics',
  kind: 'folder',
  sourcePath: '/data/pics',
  count: 6,
  height: 32,
  width: 32,
  channels: 3,
  meta: { mosaicPng: 'iVBORw0KGgo=' },
  createdAt: 0,
};

function outcome(root: string): ImportOutcome {
  return {
    dataset: DATASET,
    cached: false,
    cacheFile: '/db/datasets/ds-0123456789ab.wgds',
    report: {
      kind: 'folder',
      cached: false,
      imported: 6,
      skipped: [
        {
          path: `${root}/broken.png`,
          kind: 'corrupt',
          reason: 'not a readable image (corrupt or truncated)',
        },
      ],
      skippedCount: 1,
      notes: [],
      labels: false,
      summary: 'imported 6 images; skipped 1',
      elapsedMs: 12,
    },
  };
}

/** A promise with its resolve function, to hold a call open. */
function deferred<T>() {
  let resolve: (v: T) => void = () => undefined;
  let reject: (e: unknown) => void = () => undefined;
  const promise = new Promise<T>((ok, ko) => {
    resolve = ok;
    reject = ko;
  });
  return { promise, resolve, reject };
}

function file(name: string, relative?: string): File {
  const f = new File(['x'], name, { type: 'image/png' });
  if (relative) Object.defineProperty(f, 'webkitRelativePath', { value: relative });
  return f;
}

/** What previewImport answers: three pictures found, two shown. */
function previewOf(root: string, size = 32) {
  return {
    images: ['iVBORw0KGgo=', 'iVBORw0KGgo='],
    files: [`${root}/a.png`, `${root}/b.png`],
    skipped: [],
    notes: [],
    size,
    channels: 3 as const,
    candidates: 3,
    partial: true,
  };
}

/** Confirm the preview: the import starts. */
async function confirmPreview(panel: HTMLElement) {
  await fireEvent.click(await within(panel).findByRole('button', { name: /^Import \d+ files?$/ }));
}

beforeEach(() => {
  fake.reset();
  fake.client.previewImport.mockImplementation(
    async ({ paths, options }: { paths: string[]; options?: { size?: number } }) =>
      previewOf(paths[0] ?? '', options?.size ?? 32),
  );
  window.location.hash = '#/new';
  fake.client.listDatasets.mockResolvedValue([
    {
      ...DATASET,
      id: 'mixture3',
      name: 'mixture3',
      kind: 'builtin',
      sourcePath: null,
      count: null,
      meta: {},
    },
  ]);
});

async function openPanel() {
  render(NewRunView);
  await fireEvent.click(screen.getByRole('button', { name: 'Import folder…' }));
  return screen.getByRole('region', { name: 'Import a folder of pictures' });
}

describe('import in the desktop app', () => {
  it('picks folders in a native dialog, shows progress with Cancel, then the report and selects the dataset', async () => {
    fake.client.chooseImportPaths.mockResolvedValue({ cancelled: false, paths: ['/data/pics'] });
    const pending = deferred<ImportOutcome>();
    fake.client.importDataset.mockReturnValue(pending.promise);
    const panel = await openPanel();
    await fireEvent.change(within(panel).getByLabelText('Colour'), { target: { value: 'gray' } });
    await fireEvent.click(within(panel).getByRole('button', { name: 'Choose folders…' }));
    // First a preview of the pictures as they will be imported; nothing is imported yet.
    expect(await within(panel).findByText(/3 files found; the first 2 pictures/)).toBeTruthy();
    expect(fake.client.previewImport).toHaveBeenCalledWith({
      paths: ['/data/pics'],
      options: { size: 32, channels: 'gray' },
      limit: 16,
    });
    expect(
      within(panel)
        .getAllByRole('img')
        .map((i) => i.getAttribute('alt')),
    ).toEqual(['Preview of a.png', 'Preview of b.png']);
    expect(fake.client.importDataset).not.toHaveBeenCalled();
    await confirmPreview(panel);
    await waitFor(() => expect(fake.client.importDataset).toHaveBeenCalledTimes(1));
    const params = fake.client.importDataset.mock.calls[0]?.[0];
    expect(params).toMatchObject({ paths: ['/data/pics'], options: { size: 32, channels: 'gray' } });
    const importId = params?.importId as string;

    fake.emit({
      type: 'import-progress',
      importId: 'another',
      phase: 'decoding',
      done: 1,
      total: 9,
      imported: 1,
      skipped: 0,
      etaSeconds: 1,
    });
    fake.emit({
      type: 'import-progress',
      importId,
      phase: 'decoding',
      done: 3,
      total: 7,
      imported: 2,
      skipped: 1,
      etaSeconds: 65,
    });
    const status = await within(panel).findByText(/^Decoding/);
    expect(status.textContent).toBe('Decoding 3 / 7 files · 2 imported · 1 skipped · about 1 min 5 s left');
    expect((within(panel).getByLabelText('Import progress') as HTMLProgressElement).value).toBeCloseTo(3 / 7);
    await fireEvent.click(within(panel).getByRole('button', { name: 'Cancel' }));
    expect(fake.client.cancelImport).toHaveBeenCalledWith({ importId });

    // (The cancel came too late: the import finishes.)
    fake.emit({ type: 'dataset', dataset: DATASET });
    pending.resolve(outcome('/data/pics'));
    expect(await within(panel).findByText(/^Imported 6 images/)).toBeTruthy();
    expect(within(panel).getByRole('list').textContent).toContain(
      'broken.png: not a readable image (corrupt or truncated)',
    );
    expect(within(panel).getByRole('img').getAttribute('src')).toBe('data:image/png;base64,iVBORw0KGgo=');
    const select = screen.getByLabelText('Dataset') as HTMLSelectElement;
    await waitFor(() => expect(select.value).toBe('ds-0123456789ab'));
    // Imported datasets are trainable: their option is enabled.
    expect(select.selectedOptions[0]?.textContent).toBe('pics (imported, 6 images)');
    expect(select.selectedOptions[0]?.disabled).toBe(false);
  });

  it('imports dropped folders by their paths, and says when the import was cancelled', async () => {
    fake.client.importDataset.mockRejectedValue(new WorkbenchError('import cancelled', 'AbortError'));
    const panel = await openPanel();
    const zone = within(panel).getByRole('group', { name: /Drop zone/ });
    await fireEvent.drop(zone, { dataTransfer: { files: [file('pics')], items: [] } });
    expect(fake.pathForFile).toHaveBeenCalled();
    await confirmPreview(panel);
    await waitFor(() =>
      expect(fake.client.importDataset).toHaveBeenCalledWith(
        expect.objectContaining({ paths: ['/home/me/pics'] }),
      ),
    );
    expect(await within(panel).findByText('Import cancelled.')).toBeTruthy();
  });
});

describe('import in a browser (serve mode)', () => {
  it('uploads the chosen folder file by file, imports it, and reports the upload refusals too', async () => {
    fake.useHttp();
    const folder = '/tmp/wgan-uploads-1/abc';
    let sent = 0;
    fake.http.upload.mockImplementation(async (_id, name) => {
      if (name === 'pics/huge.png')
        throw new WorkbenchError('pics/huge.png: larger than 67108864 bytes', 'RequestError');
      sent++;
      return { folder, files: sent, bytes: sent, stored: name };
    });
    fake.client.importDataset.mockResolvedValue(outcome(folder));
    const panel = await openPanel();
    expect(within(panel).queryByRole('button', { name: 'Choose folders…' })).toBeNull();
    const input = within(panel).getByLabelText('Choose a folder to upload…') as HTMLInputElement;
    expect(input.hasAttribute('webkitdirectory')).toBe(true);
    const files = ['a.png', 'b.png', 'huge.png', 'broken.png'].map((n) => file(n, `pics/${n}`));
    Object.defineProperty(input, 'files', { value: files, configurable: true });
    await fireEvent.change(input);

    // The preview can be redone with other options before anything is imported.
    await within(panel).findByText(/3 files found/);
    await fireEvent.change(within(panel).getByLabelText('Size'), { target: { value: '64' } });
    await fireEvent.click(within(panel).getByRole('button', { name: 'Update preview' }));
    expect(await within(panel).findByText(/\(64×64, colour\)/)).toBeTruthy();
    expect(fake.client.previewImport).toHaveBeenLastCalledWith({
      paths: [folder],
      options: { size: 64, channels: 'rgb' },
      limit: 16,
    });
    await confirmPreview(panel);
    await waitFor(() => expect(fake.client.importDataset).toHaveBeenCalledTimes(1));
    const importId = fake.http.upload.mock.calls[0]?.[0];
    expect(fake.http.upload.mock.calls.map((c) => [c[0], c[1]])).toEqual(
      files.map((f) => [importId, f.webkitRelativePath]),
    );
    expect(fake.client.importDataset).toHaveBeenCalledWith({
      paths: [folder],
      importId,
      name: 'pics',
      options: { size: 64, channels: 'rgb' },
    });
    expect(await within(panel).findByText(/^Imported 6 images/)).toBeTruthy();
    expect(within(panel).getByRole('status').textContent).toMatch(/skipped 2/);
    const items = within(panel)
      .getAllByRole('listitem')
      .map((li) => li.textContent);
    expect(items).toEqual([
      'pics/huge.png: larger than 67108864 bytes',
      'broken.png: not a readable image (corrupt or truncated)',
    ]);
    await waitFor(() =>
      expect((screen.getByLabelText('Dataset') as HTMLSelectElement).value).toBe(DATASET.id),
    );
  });

  it('cancelling at the preview discards the upload and imports nothing', async () => {
    fake.useHttp();
    fake.http.upload.mockResolvedValue({ folder: '/tmp/up/x', files: 1, bytes: 1, stored: 'pics/a.png' });
    const panel = await openPanel();
    const input = within(panel).getByLabelText('Choose a folder to upload…') as HTMLInputElement;
    Object.defineProperty(input, 'files', { value: [file('a.png', 'pics/a.png')], configurable: true });
    await fireEvent.change(input);
    await within(panel).findByText(/3 files found/);
    await fireEvent.click(within(panel).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(fake.http.discardUpload).toHaveBeenCalledTimes(1));
    expect(await within(panel).findByText('Import cancelled.')).toBeTruthy();
    expect(fake.client.importDataset).not.toHaveBeenCalled();
  });

  it('cancels an upload and discards what was sent', async () => {
    fake.useHttp();
    const hold = deferred<never>();
    fake.http.upload.mockImplementation((_id, _name, _file, signal) => {
      signal?.addEventListener('abort', () => hold.reject(new DOMException('aborted', 'AbortError')));
      return hold.promise;
    });
    const panel = await openPanel();
    const input = within(panel).getByLabelText('Choose a folder to upload…') as HTMLInputElement;
    Object.defineProperty(input, 'files', { value: [file('a.png', 'pics/a.png')], configurable: true });
    await fireEvent.change(input);
    expect(await within(panel).findByText('Uploading 0 / 1 files')).toBeTruthy();
    await fireEvent.click(within(panel).getByRole('button', { name: 'Cancel' }));
    await waitFor(() =>
      expect(fake.http.discardUpload).toHaveBeenCalledWith(fake.http.upload.mock.calls[0]?.[0]),
    );
    expect(await within(panel).findByText('Import cancelled.')).toBeTruthy();
    expect(fake.client.importDataset).not.toHaveBeenCalled();
  });
});
