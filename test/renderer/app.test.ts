// @vitest-environment jsdom
import { fireEvent, render, screen } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import App from '../../src/renderer/src/App.svelte';
import { toasts } from '../../src/renderer/src/lib/toasts.svelte';
import { fake, stubCanvas } from './helpers';

vi.mock('../../src/renderer/src/lib/client', async () => {
  const { fake } = await import('./helpers');
  return { createClient: () => fake.conn };
});

beforeEach(() => {
  fake.reset();
  stubCanvas();
});

describe('shell', () => {
  it('routes by hash, shows the compute backend and why, and shows error toasts', async () => {
    window.location.hash = '#/runs';
    render(App);
    expect(await screen.findByText(/No runs yet/)).toBeTruthy();
    expect(await screen.findByText('tfjs-node not installed')).toBeTruthy();
    expect(screen.getByText(/Compute:/).parentElement?.textContent).toContain('wasm');

    window.location.hash = '#/explorer';
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    expect(await screen.findByRole('heading', { name: 'Distance explorer' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Distance explorer' }).getAttribute('aria-current')).toBe('page');

    toasts.error(new Error('disk full'), 'Start');
    const alert = await screen.findByText('Start: disk full');
    await fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(alert.isConnected).toBe(false);
  });
});
