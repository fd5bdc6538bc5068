// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import RunsView from '../../src/renderer/src/views/RunsView.svelte';
import { fake, makeRun } from './helpers';

vi.mock('../../src/renderer/src/lib/client', async () => {
  const { fake } = await import('./helpers');
  return { createClient: () => fake.conn };
});

const RUNS = [
  makeRun({
    id: 1,
    name: 'bravo clip',
    method: 'clip',
    status: 'completed',
    lastMetrics: { wasserstein: 0.5 },
  }),
  makeRun({
    id: 2,
    name: 'alpha gp',
    method: 'gp',
    status: 'running',
    step: 300,
    lastMetrics: { wasserstein: 2 },
  }),
  makeRun({ id: 3, name: 'charlie gp', method: 'gp', status: 'failed', lastMetrics: { 'quality.modes': 3 } }),
];

/** The run names in table order. */
function names(): string[] {
  const rows = screen.getAllByRole('row').slice(1);
  return rows.map((r) => within(r).getAllByRole('link')[0]?.textContent ?? '');
}

beforeEach(() => {
  fake.reset();
  fake.client.listRuns.mockResolvedValue(RUNS);
});

describe('run list', () => {
  it('renders one row per run, newest first, and sorts by a column', async () => {
    render(RunsView);
    expect(await screen.findByText('alpha gp')).toBeTruthy();
    expect(names()).toEqual(['charlie gp', 'alpha gp', 'bravo clip']);
    await fireEvent.click(screen.getByRole('button', { name: /^Name/ }));
    expect(names()).toEqual(['alpha gp', 'bravo clip', 'charlie gp']);
    await fireEvent.click(screen.getByRole('button', { name: /^Name/ }));
    expect(names()).toEqual(['charlie gp', 'bravo clip', 'alpha gp']);
    await fireEvent.click(screen.getByRole('button', { name: /^W estimate/ }));
    expect(names()).toEqual(['alpha gp', 'bravo clip', 'charlie gp']);
  });

  it('filters by text and by status', async () => {
    render(RunsView);
    await screen.findByText('alpha gp');
    await fireEvent.input(screen.getByLabelText('Filter'), { target: { value: 'gp' } });
    expect(names()).toEqual(['charlie gp', 'alpha gp']);
    await fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'running' } });
    expect(names()).toEqual(['alpha gp']);
  });

  it('enables Compare for 2 selected runs and opens the compare view', async () => {
    render(RunsView);
    await screen.findByText('alpha gp');
    const compare = screen.getByRole('button', { name: 'Compare' }) as HTMLButtonElement;
    expect(compare.disabled).toBe(true);
    await fireEvent.click(screen.getByLabelText('Select bravo clip'));
    expect(compare.disabled).toBe(true);
    await fireEvent.click(screen.getByLabelText('Select alpha gp'));
    expect(compare.disabled).toBe(false);
    await fireEvent.click(compare);
    expect(window.location.hash).toBe('#/compare/1,2');
  });

  it('follows run, metrics and run-deleted events', async () => {
    render(RunsView);
    await screen.findByText('alpha gp');
    fake.emit({ type: 'run', run: makeRun({ id: 4, name: 'delta new', createdAt: Date.UTC(2026, 0, 1) }) });
    expect(await screen.findByText('delta new')).toBeTruthy();
    fake.emit({
      type: 'metrics',
      runId: 2,
      step: 400,
      seconds: 9,
      values: { wasserstein: 1.25 },
      source: 'train',
    });
    expect(await screen.findByText('400/1500')).toBeTruthy();
    expect(screen.getByText('1.25')).toBeTruthy();
    fake.emit({ type: 'run-deleted', runId: 1 });
    await waitFor(() => expect(screen.queryByText('bravo clip')).toBeNull());
  });

  it('deletes only after confirmation and renames inline', async () => {
    fake.client.renameRun.mockImplementation(async ({ runId, name }) =>
      makeRun({ ...RUNS[0]!, id: runId, name }),
    );
    render(RunsView);
    await screen.findByText('alpha gp');
    await fireEvent.click(screen.getByRole('button', { name: 'Delete bravo clip' }));
    expect(fake.client.deleteRun).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    expect(fake.client.deleteRun).toHaveBeenCalledWith({ runId: 1 });
    await waitFor(() => expect(screen.queryByText('bravo clip')).toBeNull());

    await fireEvent.click(screen.getByRole('button', { name: 'Rename alpha gp' }));
    const input = screen.getByLabelText('New name for run 2');
    await fireEvent.input(input, { target: { value: 'alpha renamed' } });
    await fireEvent.keyDown(input, { key: 'Enter' });
    expect(fake.client.renameRun).toHaveBeenCalledWith({ runId: 2, name: 'alpha renamed' });
    expect(await screen.findByText('alpha renamed')).toBeTruthy();
  });

  it('shows a call to action when there are no runs', async () => {
    fake.client.listRuns.mockResolvedValue([]);
    render(RunsView);
    const cta = await screen.findByRole('link', { name: /Start your first clip vs GP pair/ });
    expect(cta.getAttribute('href')).toBe('#/new');
  });
});
