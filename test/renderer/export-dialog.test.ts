// @vitest-environment jsdom
/** The Export dialog from the run view and the compare view, as the desktop app and as a browser. */
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { toasts } from '../../src/renderer/src/lib/toasts.svelte';
import CompareView from '../../src/renderer/src/views/CompareView.svelte';
import RunView from '../../src/renderer/src/views/RunView.svelte';
import { fake, makeRun, stubCanvas } from './helpers';

vi.mock('../../src/renderer/src/lib/client', async () => {
  const { fake } = await import('./helpers');
  return { createClient: () => fake.conn };
});

beforeEach(() => {
  fake.reset();
  stubCanvas();
  toasts.items = [];
  fake.client.getRun.mockImplementation(async ({ runId }) =>
    makeRun({ id: runId, name: `run ${runId}`, step: 600, total: 600 }),
  );
  fake.client.sampleSteps.mockResolvedValue([200, 400, 600]);
  fake.client.sample.mockImplementation(async ({ step }) => ({ step, kind: '2d', png: 'AAAA', shape: [2] }));
});

/** Opens the run view of run 5 at step 400 and its Export dialog. */
async function openDialog() {
  render(RunView, { props: { runId: 5 } });
  await screen.findByText('iteration 600 / 600');
  await waitFor(() => expect(fake.client.sample).toHaveBeenCalledWith({ runId: 5, step: 600 }));
  const slider = document.querySelector('.step-slider input[type=range]') as HTMLInputElement;
  await fireEvent.input(slider, { target: { value: '1' } });
  await waitFor(() => expect(fake.client.sample).toHaveBeenCalledWith({ runId: 5, step: 400 }));
  await fireEvent.click(screen.getByRole('button', { name: 'Export…' }));
  return screen.getByRole('dialog', { name: 'Export “run 5”' });
}

describe('export dialog in the desktop app (IPC)', () => {
  it('starts at the step shown, calls exportRun and toasts the written path', async () => {
    fake.client.exportRun.mockResolvedValue({
      cancelled: false,
      format: 'gif',
      paths: ['/home/me/Downloads/run-5-gallery-step-400.gif'],
      step: 400,
      frameSteps: [200, 400],
    });
    const dialog = await openDialog();
    const step = within(dialog).getByLabelText('Step') as HTMLInputElement;
    expect(step.value).toBe('400');
    // A 2D run has no single images to export.
    expect(within(dialog).queryByLabelText('Single samples (PNGs)')).toBeNull();
    await fireEvent.click(within(dialog).getByLabelText('Gallery over the steps (animated GIF)'));
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Save as…' }));
    expect(fake.client.exportRun).toHaveBeenCalledWith({ runId: 5, format: 'gif', step: 400 });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(toasts.items.at(-1)?.text).toBe('Exported to /home/me/Downloads/run-5-gallery-step-400.gif');
  });

  it('stays open when the save dialog is cancelled, and shows a failure', async () => {
    fake.client.exportRun.mockResolvedValueOnce({ cancelled: true });
    const dialog = await openDialog();
    await fireEvent.click(within(dialog).getByLabelText('Metrics (CSV)'));
    expect(within(dialog).queryByLabelText('Step')).toBeNull();
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Save as…' }));
    expect(fake.client.exportRun).toHaveBeenCalledWith({ runId: 5, format: 'csv' });
    await waitFor(() => expect(within(dialog).getByRole('button', { name: 'Save as…' })).toBeTruthy());
    expect(toasts.items).toEqual([]);
    fake.client.exportRun.mockRejectedValueOnce(new Error('cannot write /x.csv: permission denied (EACCES)'));
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Save as…' }));
    expect((await within(dialog).findByRole('alert')).textContent).toMatch(/permission denied/);
    await fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});

describe('export dialog in a browser (serve mode)', () => {
  it('is a download link with the step, the format and the token', async () => {
    fake.useHttp();
    const dialog = await openDialog();
    const link = () => within(dialog).queryByRole('link', { name: /Download/ }) as HTMLAnchorElement | null;
    expect(link()?.getAttribute('href')).toBe('/api/export?runId=5&format=grid&step=400&token=t0k');
    expect(link()?.hasAttribute('download')).toBe(true);
    await fireEvent.input(within(dialog).getByLabelText('Step'), { target: { value: '250' } });
    expect(link()?.getAttribute('href')).toBe('/api/export?runId=5&format=grid&step=250&token=t0k');
    await fireEvent.input(within(dialog).getByLabelText('Step'), { target: { value: 'x' } });
    expect(link()).toBeNull();
    expect(within(dialog).getByRole('alert').textContent).toMatch(/whole number/);
    await fireEvent.click(within(dialog).getByLabelText('Metrics (JSON)'));
    expect(link()?.getAttribute('href')).toBe('/api/export?runId=5&format=json&token=t0k');
    expect(fake.client.exportRun).not.toHaveBeenCalled();
  });

  it('offers single PNGs (a ZIP) for an image run, with the count', async () => {
    fake.useHttp();
    fake.client.getRun.mockResolvedValue(
      makeRun({ id: 5, name: 'run 5', datasetId: 'mnist', step: 600, total: 600 }),
    );
    const dialog = await openDialog();
    await fireEvent.click(within(dialog).getByLabelText('Single samples (PNGs)'));
    await fireEvent.input(within(dialog).getByLabelText(/^Images/), { target: { value: '8' } });
    const link = within(dialog).getByRole('link', { name: 'Download (ZIP)' });
    expect(link.getAttribute('href')).toBe('/api/export?runId=5&format=pngs&step=400&count=8&token=t0k');
  });
});

describe('export from the compare view', () => {
  it('opens the dialog for the run whose button was pressed, at the common step', async () => {
    fake.useHttp();
    render(CompareView, { props: { ids: [1, 2] } });
    await fireEvent.click(await screen.findByRole('button', { name: 'Export run 2…' }));
    const dialog = screen.getByRole('dialog', { name: 'Export “run 2”' });
    await waitFor(() =>
      expect(within(dialog).getByRole('link', { name: 'Download' }).getAttribute('href')).toBe(
        '/api/export?runId=2&format=grid&step=600&token=t0k',
      ),
    );
  });
});
