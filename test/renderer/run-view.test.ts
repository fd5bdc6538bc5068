// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import RunView from '../../src/renderer/src/views/RunView.svelte';
import { fake, makeRun, stubCanvas } from './helpers';

vi.mock('../../src/renderer/src/lib/client', async () => {
  const { fake } = await import('./helpers');
  return { createClient: () => fake.conn };
});

const running = makeRun({
  id: 5,
  name: 'live gp',
  status: 'running',
  step: 500,
  lastMetrics: { itPerSec: 10 },
});

beforeEach(() => {
  fake.reset();
  stubCanvas();
  fake.client.getRun.mockResolvedValue(running);
  fake.client.sampleSteps.mockResolvedValue([250, 500]);
  fake.client.sample.mockImplementation(async ({ step }) => ({ step, kind: '2d', png: 'AAAA', shape: [2] }));
});

describe('run view', () => {
  it('shows progress, ETA and the latest sample, and pauses', async () => {
    fake.client.pauseRun.mockResolvedValue({ ...running, status: 'paused' });
    render(RunView, { props: { runId: 5 } });
    expect(await screen.findByText('iteration 500 / 1500')).toBeTruthy();
    expect(screen.getByText('ETA 1 min 40 s')).toBeTruthy();
    await waitFor(() => expect(fake.client.sample).toHaveBeenCalledWith({ runId: 5, step: 500 }));
    await fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    expect(fake.client.pauseRun).toHaveBeenCalledWith({ runId: 5 });
    expect(await screen.findByRole('button', { name: 'Resume' })).toBeTruthy();
  });

  it('re-reads metrics on metrics events, at most once per 2 s', async () => {
    render(RunView, { props: { runId: 5 } });
    await screen.findByText('iteration 500 / 1500');
    await waitFor(() => expect(fake.client.readMetrics).toHaveBeenCalledTimes(1));
    fake.emit({
      type: 'metrics',
      runId: 5,
      step: 510,
      seconds: 51,
      values: { wasserstein: 1 },
      source: 'train',
    });
    fake.emit({
      type: 'metrics',
      runId: 5,
      step: 520,
      seconds: 52,
      values: { wasserstein: 1 },
      source: 'train',
    });
    fake.emit({
      type: 'metrics',
      runId: 6,
      step: 520,
      seconds: 52,
      values: { wasserstein: 1 },
      source: 'train',
    });
    expect(await screen.findByText('iteration 520 / 1500')).toBeTruthy();
    expect(fake.client.readMetrics).toHaveBeenCalledTimes(2);
  });
});
