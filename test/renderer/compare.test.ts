// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import CompareView from '../../src/renderer/src/views/CompareView.svelte';
import { fake, makeRun, stubCanvas } from './helpers';

vi.mock('../../src/renderer/src/lib/client', async () => {
  const { fake } = await import('./helpers');
  return { createClient: () => fake.conn };
});

const STEPS: Record<number, number[]> = { 1: [0, 100, 200], 2: [0, 150, 300] };

beforeEach(() => {
  fake.reset();
  stubCanvas();
  fake.client.getRun.mockImplementation(async ({ runId }) =>
    makeRun({
      id: runId,
      name: runId === 1 ? 'clip run' : 'gp run',
      method: runId === 1 ? 'clip' : 'gp',
      lastMetrics:
        runId === 1
          ? { 'quality.modes': 2, 'quality.exactW1': 0.4 }
          : { 'quality.modes': 3, 'quality.exactW1': 0.1 },
    }),
  );
  fake.client.sampleSteps.mockImplementation(async ({ runId }) => STEPS[runId] ?? []);
  fake.client.sample.mockImplementation(async ({ step }) => ({ step, kind: '2d', png: 'AAAA', shape: [2] }));
});

/** The step each gallery shows, by run name. */
function galleries(): Record<string, string | null> {
  const imgs = screen.getAllByRole('img').filter((el) => el.tagName === 'IMG');
  return Object.fromEntries(
    imgs.map((img) => [img.getAttribute('alt')?.split(':')[0], img.getAttribute('data-step')]),
  );
}

describe('compare view', () => {
  it('drives every gallery from one step slider (nearest stored sample per run)', async () => {
    render(CompareView, { props: { ids: [1, 2] } });
    await waitFor(() => expect(galleries()).toEqual({ 'clip run': '200', 'gp run': '300' }));
    const slider = screen.getByLabelText(/Step \(every run\)/) as HTMLInputElement;
    // The slider runs over the union of stored steps: 0, 100, 150, 200, 300.
    expect(slider.max).toBe('4');
    fake.client.sample.mockClear();
    await fireEvent.input(slider, { target: { value: '1' } }); // step 100
    await waitFor(() => expect(galleries()).toEqual({ 'clip run': '100', 'gp run': '150' }));
    expect(fake.client.sample).toHaveBeenCalledWith({ runId: 1, step: 100 });
    expect(fake.client.sample).toHaveBeenCalledWith({ runId: 2, step: 150 });
    await fireEvent.input(slider, { target: { value: '0' } });
    await waitFor(() => expect(galleries()).toEqual({ 'clip run': '0', 'gp run': '0' }));
  });

  it('marks the better final metric', async () => {
    render(CompareView, { props: { ids: [1, 2] } });
    const row = (await screen.findByText('quality.modes')).closest('tr') as HTMLElement;
    const cells = [...row.querySelectorAll('td')];
    expect(cells.map((c) => c.classList.contains('best'))).toEqual([false, true]);
    const w1 = (screen.getByText('quality.exactW1').closest('tr') as HTMLElement).querySelectorAll('td');
    expect([...w1].map((c) => c.classList.contains('best'))).toEqual([false, true]);
  });
});
