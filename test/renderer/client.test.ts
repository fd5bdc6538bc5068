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
  const ipc = (call: (method: string, params: unknown) => Promise<unknown>) => {
    const onEvent = vi.fn(() => () => undefined);
    const pathForFile = vi.fn(() => '/home/me/pics');
    const spy = vi.fn(call);
    window.workbench = { call: spy, onEvent, pathForFile };
    return { conn: createClient(), call: spy, onEvent };
  };

  it('calls window.workbench and unwraps an ok envelope into its result', async () => {
    const run = { id: 4, name: 'r' };
    const { conn, call, onEvent } = ipc(async () => ({ ok: true, result: run }));
    expect(conn.transport).toBe('ipc');
    await expect(conn.client.getRun({ runId: 4 })).resolves.toEqual(run);
    expect(call).toHaveBeenCalledWith('getRun', { runId: 4 });
    // null is a result like any other.
    ipc(async () => ({ ok: true, result: null }));
    await expect(createClient().client.sample({ runId: 4, step: 0 })).resolves.toBeNull();
    conn.subscribe(() => undefined);
    expect(onEvent).toHaveBeenCalledTimes(1);
    expect(conn.pathForFile?.(new File([], 'pics'))).toBe('/home/me/pics');
    // Downloads and uploads are serve mode's; the app uses dialogs and paths instead.
    expect([conn.exportUrl, conn.upload]).toEqual([undefined, undefined]);
  });

  it('rejects with the error in the envelope: its name, message and field', async () => {
    const error = {
      name: 'ConfigError',
      message: 'batchSize: Too small: expected number to be >=1',
      field: 'batchSize',
    };
    const { conn } = ipc(async () => ({ ok: false, error }));
    const err = await conn.client.createRun({ dataset: 'mixture3', method: 'gp' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkbenchError);
    expect(err).toMatchObject(error);
    // Without a field, and with a message that looks like the old text format: taken as it is.
    const plain = { name: 'Error', message: 'Error: disk full [field x]' };
    const { conn: c2 } = ipc(async () => ({ ok: false, error: plain }));
    const err2 = (await c2.client.listRuns({}).catch((e: unknown) => e)) as WorkbenchError;
    expect(err2).toMatchObject(plain);
    expect(err2.field).toBeUndefined();
  });

  it.each([
    ['undefined', undefined],
    ['a bare value', [{ id: 1 }]],
    ['a string', 'ok'],
    ['ok without a result', { ok: true }],
    ['ok as a string', { ok: 'true', result: 1 }],
    ['an error without a message', { ok: false, error: { name: 'ConfigError' } }],
    ['an error that is a string', { ok: false, error: 'ConfigError: bad' }],
    ['a failure without an error', { ok: false }],
  ])('refuses a malformed envelope (%s) with a clear error', async (_what, envelope) => {
    const { conn } = ipc(async () => envelope);
    const err = (await conn.client.listRuns({}).catch((e: unknown) => e)) as WorkbenchError;
    expect(err).toBeInstanceOf(WorkbenchError);
    expect(err.name).toBe('ProtocolError');
    expect(err.message).toBe('listRuns: malformed answer from the main process');
  });

  it('reports an invoke that rejects (IPC itself failed) without parsing its text', async () => {
    const { conn } = ipc(async () => {
      throw new Error("Error invoking remote method 'workbench:call': Error: An object could not be cloned.");
    });
    const err = (await conn.client.listRuns({}).catch((e: unknown) => e)) as WorkbenchError;
    expect(err).toBeInstanceOf(WorkbenchError);
    expect(err.name).toBe('IpcError');
    expect(err.field).toBeUndefined();
    expect(err.message).toMatch(/^listRuns: the call did not reach the main process \(Error invoking/);
  });
});
