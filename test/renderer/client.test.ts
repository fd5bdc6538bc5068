// @vitest-environment jsdom
/** The client module itself (every other renderer test mocks it): HTTP + SSE and IPC transports. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient, WorkbenchError } from '../../src/renderer/src/lib/client';
import type { WorkbenchEvent } from '../../src/shared/workbench-events';

class FakeEventSource {
  static last: FakeEventSource | null = null;
  onmessage: ((msg: MessageEvent<string>) => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeEventSource.last = this;
  }
  close() {
    this.closed = true;
  }
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

beforeEach(() => {
  window.history.replaceState(null, '', '/?token=s3cret');
  vi.stubGlobal('EventSource', FakeEventSource);
});

afterEach(() => {
  vi.unstubAllGlobals();
  delete window.workbench;
});

describe('HTTP transport (serve mode)', () => {
  it('posts JSON params with the bearer token and unwraps the result', async () => {
    const fetch = vi.fn(async () => json(200, { ok: true, result: [{ id: 1 }] }));
    vi.stubGlobal('fetch', fetch);
    const { client, transport } = createClient();
    expect(transport).toBe('http');
    await expect(client.listRuns({})).resolves.toEqual([{ id: 1 }]);
    expect(fetch).toHaveBeenCalledWith('/api/call/listRuns', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer s3cret' },
      body: '{}',
    });
  });

  it('rejects with the contract error, its name and field', async () => {
    const error = { name: 'ConfigError', message: 'batchSize: Too small', field: 'batchSize' };
    vi.stubGlobal('fetch', async () => json(400, { ok: false, error }));
    const err = await createClient()
      .client.createRun({ dataset: 'mixture3', method: 'gp' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkbenchError);
    expect(err).toMatchObject(error);
  });

  it('builds export download links with the token, and uploads raw files with their name', async () => {
    const conn = createClient();
    expect(conn.exportUrl?.({ runId: 3, format: 'grid', step: 60 })).toBe(
      '/api/export?runId=3&format=grid&step=60&token=s3cret',
    );
    expect(conn.exportUrl?.({ runId: 3, format: 'pngs', count: 8 })).toBe(
      '/api/export?runId=3&format=pngs&count=8&token=s3cret',
    );
    const result = { folder: '/tmp/up', files: 1, bytes: 3, stored: 'pics/a b.png' };
    const fetch = vi.fn(async () => json(200, { ok: true, result }));
    vi.stubGlobal('fetch', fetch);
    const file = new Blob(['abc']);
    await expect(conn.upload?.('imp 1', 'pics/a b.png', file)).resolves.toEqual(result);
    expect(fetch).toHaveBeenCalledWith('/api/upload?importId=imp%201', {
      method: 'POST',
      headers: {
        Authorization: 'Bearer s3cret',
        'Content-Type': 'application/octet-stream',
        'x-upload-name': 'pics%2Fa%20b.png',
      },
      body: file,
    });
    vi.stubGlobal('fetch', async () =>
      json(413, { ok: false, error: { name: 'RequestError', message: 'big.png: larger than 64 bytes' } }),
    );
    await expect(conn.upload?.('imp 1', 'big.png', file)).rejects.toMatchObject({
      message: 'big.png: larger than 64 bytes',
    });
  });

  it('shares one event stream (with the token) among listeners', () => {
    const conn = createClient();
    const got: WorkbenchEvent[] = [];
    const off1 = conn.subscribe((e) => got.push(e));
    const off2 = conn.subscribe((e) => got.push(e));
    const es = FakeEventSource.last as FakeEventSource;
    expect(es.url).toBe('/api/events?token=s3cret');
    es.onmessage?.({ data: JSON.stringify({ type: 'run-deleted', runId: 3 }) } as MessageEvent<string>);
    expect(got).toEqual([
      { type: 'run-deleted', runId: 3 },
      { type: 'run-deleted', runId: 3 },
    ]);
    off1();
    expect(es.closed).toBe(false);
    off2();
    expect(es.closed).toBe(true);
  });
});

describe('IPC transport (Electron)', () => {
  it('calls window.workbench and turns IPC error text back into name, message and field', async () => {
    const call = vi.fn(async () => {
      throw new Error(
        "Error invoking remote method 'workbench:call': Error: ConfigError: batchSize: Too small [field batchSize]",
      );
    });
    const onEvent = vi.fn(() => () => undefined);
    const pathForFile = vi.fn(() => '/home/me/pics');
    window.workbench = { call, onEvent, pathForFile };
    const conn = createClient();
    expect(conn.transport).toBe('ipc');
    const err = await conn.client.getRun({ runId: 4 }).catch((e: unknown) => e);
    expect(call).toHaveBeenCalledWith('getRun', { runId: 4 });
    expect(err).toMatchObject({ name: 'ConfigError', message: 'batchSize: Too small', field: 'batchSize' });
    conn.subscribe(() => undefined);
    expect(onEvent).toHaveBeenCalledTimes(1);
    expect(conn.pathForFile?.(new File([], 'pics'))).toBe('/home/me/pics');
    // Downloads and uploads are serve mode's; the app uses dialogs and paths instead.
    expect([conn.exportUrl, conn.upload]).toEqual([undefined, undefined]);
  });
});
