// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { toasts } from '../../src/renderer/src/lib/toasts.svelte';
import NewRunView from '../../src/renderer/src/views/NewRunView.svelte';
import { fake, makeRun } from './helpers';

vi.mock('../../src/renderer/src/lib/client', async () => {
  const { fake } = await import('./helpers');
  return { createClient: () => fake.conn };
});

const field = (label: RegExp) => screen.getByLabelText(label) as HTMLInputElement;
const pairButton = () => screen.getByRole('button', { name: 'Start clip vs GP pair' }) as HTMLButtonElement;

beforeEach(() => {
  fake.reset();
  window.location.hash = '#/new';
});

describe('new run form', () => {
  it('shows the preset values with their explanations', async () => {
    render(NewRunView);
    // mixture3's default preset is the notebook: batch 64, MLP 128 x 2.
    expect(field(/^Batch size/).value).toBe('64');
    expect(field(/^MLP width/).value).toBe('128');
    expect(screen.getByText('Real and generated examples per step.', { exact: false })).toBeTruthy();
    await fireEvent.change(screen.getByLabelText('Preset'), { target: { value: 'wgan-gp' } });
    expect(field(/^Batch size/).value).toBe('256');
    expect(field(/^MLP width/).value).toBe('512');
  });

  it('shows a field error next to the field and blocks starting', async () => {
    render(NewRunView);
    const batch = field(/^Batch size/);
    await fireEvent.input(batch, { target: { value: '0' } });
    const box = batch.closest('.field') as HTMLElement;
    expect(box.querySelector('.field-error')?.textContent).toMatch(/>\s*0|too small|positive/i);
    expect(batch.getAttribute('aria-invalid')).toBe('true');
    expect(pairButton().disabled).toBe(true);
    await fireEvent.input(batch, { target: { value: 'abc' } });
    expect(box.querySelector('.field-error')?.textContent).toBe('not a number');
    await fireEvent.input(batch, { target: { value: '128' } });
    expect(box.querySelector('.field-error')).toBeNull();
    expect(pairButton().disabled).toBe(false);
  });

  it('calls createPair with the dataset, preset, changed fields and start', async () => {
    fake.client.createPair.mockResolvedValue([
      makeRun({ id: 7, method: 'clip' }),
      makeRun({ id: 8, method: 'gp' }),
    ]);
    render(NewRunView);
    await fireEvent.input(field(/^Batch size/), { target: { value: '128' } });
    await fireEvent.input(field(/^Generator iterations/), { target: { value: '1500' } }); // the default: not sent
    await fireEvent.input(screen.getByLabelText(/^Name/), { target: { value: 'my pair' } });
    await fireEvent.click(pairButton());
    expect(fake.client.createPair).toHaveBeenCalledWith({
      dataset: 'mixture3',
      preset: 'notebook',
      overrides: { batchSize: 128 },
      name: 'my pair',
      start: true,
      a: 'clip',
      b: 'gp',
      sameOptimizer: false,
    });
    await waitFor(() => expect(window.location.hash).toBe('#/compare/7,8'));
  });

  it('starts a single run of the chosen method', async () => {
    fake.client.createRun.mockResolvedValue(makeRun({ id: 9, method: 'clip' }));
    render(NewRunView);
    await fireEvent.change(screen.getByLabelText(/^Method/), { target: { value: 'clip' } });
    // The notebook preset gives clipping RMSProp.
    expect((screen.getByLabelText(/^Optimizer/) as HTMLSelectElement).value).toBe('rmsprop');
    await fireEvent.click(screen.getByRole('button', { name: 'Start run' }));
    expect(fake.client.createRun).toHaveBeenCalledWith({
      dataset: 'mixture3',
      preset: 'notebook',
      method: 'clip',
      start: true,
    });
    await waitFor(() => expect(window.location.hash).toBe('#/run/9'));
  });

  it('shows a field error from the server next to its field until the form changes', async () => {
    fake.client.createPair.mockRejectedValue(
      Object.assign(new Error('batchSize: more than this machine can hold'), { field: 'batchSize' }),
    );
    render(NewRunView);
    const batch = field(/^Batch size/);
    await fireEvent.input(batch, { target: { value: '4096' } });
    await fireEvent.click(pairButton());
    const box = batch.closest('.field') as HTMLElement;
    await waitFor(() =>
      expect(box.querySelector('.field-error')?.textContent).toBe('more than this machine can hold'),
    );
    expect(toasts.items.at(-1)?.text).toMatch(/^Could not start the pair: batchSize/);
    await fireEvent.input(batch, { target: { value: '512' } });
    expect(box.querySelector('.field-error')).toBeNull();
  });
});
