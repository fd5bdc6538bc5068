// @vitest-environment jsdom
import { fireEvent, render, screen } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import ExplorerView from '../../src/renderer/src/views/ExplorerView.svelte';
import { stubCanvas } from './helpers';

vi.mock('../../src/renderer/src/lib/client', async () => {
  const { fake } = await import('./helpers');
  return { createClient: () => fake.conn };
});

beforeEach(() => stubCanvas());

describe('distance explorer', () => {
  it('shows W = 5 for the piles 5,2,2,5 -> 3,3,5,3 with the plan as arrows', async () => {
    const { container } = render(ExplorerView);
    expect(screen.getByText('W = 5')).toBeTruthy();
    // North-west corner plan: 2 from bin 0 to 1, 1 from 1 to 2, 2 from 3 to 2 (the rest stays): 3 arrows.
    expect(container.querySelectorAll('line.move').length).toBe(3);
    await fireEvent.input(screen.getByLabelText(/^b \(to\)/), { target: { value: '5, 2, 2, 6' } });
    expect(screen.getByRole('alert').textContent).toMatch(/same total mass/);
  });

  it('shows JS saturating at ln 2 while W1 keeps growing', async () => {
    render(ExplorerView);
    const slider = screen.getByLabelText(/^Shift/) as HTMLInputElement;
    await fireEvent.input(slider, { target: { value: '30' } });
    const continuous = screen.getByText('continuous').closest('tr') as HTMLElement;
    const [kl, js, w1] = [...continuous.querySelectorAll('td')].map((td) => td.textContent);
    expect(kl).toBe('450');
    expect(js).toBe('0.6931');
    expect(w1).toBe('30');
  });
});
