/**
 * The IPC envelope main answers the renderer with (src/main/api/ipc-envelope.ts), over the real handlers
 * and a real Workbench on a temporary database: results, contract errors and unexpected errors all come
 * back as { ok, result } / { ok: false, error } that survive IPC's structured clone as they are.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlers, dispatch, RequestError } from '../../src/main/api/handlers';
import { envelopeCalls, errorEnvelope } from '../../src/main/api/ipc-envelope';
import type { Workbench } from '../../src/main/service/workbench';
import type { CallEnvelope } from '../../src/shared/contract';
import { ConfigError } from '../../src/shared/run-config';
import type { RunRecord } from '../../src/shared/runs';
import { openTempWorkbench, testServerInfo } from '../helpers/workbench';

const info = () => testServerInfo('ipc', 'test');

let wb: Workbench;
let close: () => Promise<void>;
let call: (method: unknown, params: unknown) => Promise<CallEnvelope>;

beforeAll(() => {
  ({ wb, close } = openTempWorkbench('wgan-ipc-'));
  const handlers = createHandlers(wb, info);
  call = envelopeCalls((method, params) => dispatch(handlers, method, params));
});

afterAll(() => close());

/** What the renderer receives: IPC copies the answer with the structured clone algorithm. */
const overIpc = (env: CallEnvelope): CallEnvelope => structuredClone(env);

describe('IPC envelopes over the real handlers', () => {
  it('answers a successful call with { ok: true, result }', async () => {
    const env = overIpc(await call('createRun', { dataset: 'mixture3', method: 'gp', name: 'env' }));
    expect(env.ok).toBe(true);
    const run = (env as { result: RunRecord }).result;
    expect(run).toMatchObject({
      name: 'env',
      method: 'gp',
      datasetId: 'mixture3',
      status: 'queued',
      step: 0,
    });
    expect(overIpc(await call('listRuns', {}))).toEqual({ ok: true, result: [run] });
    expect(overIpc(await call('sample', { runId: run.id, step: 0 }))).toEqual({ ok: true, result: null });
  });

  it('refuses a bad run config with the field name and the reason inside the envelope', async () => {
    const env = overIpc(
      await call('createRun', { dataset: 'mixture3', method: 'gp', overrides: { batchSize: 0 } }),
    );
    expect(env.ok).toBe(false);
    const { error } = env as Extract<CallEnvelope, { ok: false }>;
    expect(error.name).toBe('ConfigError');
    expect(error.field).toBe('batchSize');
    expect(error.message).toMatch(/^batchSize: Too small/);
    // Only the contract error's own keys: no stack, no cause, no issues.
    expect(Object.keys(error).sort()).toEqual(['field', 'message', 'name']);

    const unknownField = overIpc(
      await call('createRun', { dataset: 'mixture3', method: 'gp', overrides: { batchSise: 64 } }),
    );
    expect(unknownField).toMatchObject({ ok: false, error: { name: 'ConfigError', field: 'batchSise' } });
  });

  it('refuses bad params, unknown methods and missing runs as envelopes, never as rejections', async () => {
    expect(overIpc(await call('getRun', { runId: -1 }))).toEqual({
      ok: false,
      error: { name: 'RequestError', message: expect.stringMatching(/^getRun: runId: /), field: 'runId' },
    });
    expect(overIpc(await call('getRun', { runId: 1, extra: true }))).toMatchObject({
      ok: false,
      error: { name: 'RequestError', message: 'getRun: extra: unknown field', field: 'extra' },
    });
    expect(overIpc(await call('rm -rf', {}))).toEqual({
      ok: false,
      error: { name: 'RequestError', message: "unknown method 'rm -rf'" },
    });
    const missing = overIpc(await call('getRun', { runId: 999_999 }));
    expect(missing).toMatchObject({ ok: false, error: { message: expect.stringMatching(/no run with id/) } });
    expect((missing as { error: object }).error).not.toHaveProperty('field');
    // exportRun needs a desktop hook these handlers were not given: refused, not thrown.
    expect(overIpc(await call('exportRun', { runId: 1, format: 'csv' }))).toMatchObject({
      ok: false,
      error: { name: 'RequestError' },
    });
  });
});

describe('errorEnvelope / envelopeCalls', () => {
  it('turns an unexpected error into a plain name and message: no stack, no cause, no extra keys', async () => {
    const boom = Object.assign(new TypeError('x is not a function', { cause: new Error('deep') }), {
      secret: '/home/me/.config',
    });
    const failing = envelopeCalls(() => Promise.reject(boom));
    const env = await failing('listRuns', {});
    expect(env).toEqual({ ok: false, error: { name: 'TypeError', message: 'x is not a function' } });
    expect(JSON.stringify(env)).not.toMatch(/at |deep|secret|\.config/);
    // A dispatch that throws synchronously is caught as well.
    const sync = envelopeCalls(() => {
      throw new Error('sync');
    });
    await expect(sync('listRuns', {})).resolves.toEqual({
      ok: false,
      error: { name: 'Error', message: 'sync' },
    });
  });

  it('keeps the contract error of a plain object, a ConfigError and a RequestError, and copes with odd throws', () => {
    const plain = { name: 'ExportError', message: 'nothing to export', field: 'step', stack: 'at x' };
    expect(errorEnvelope(plain)).toEqual({
      ok: false,
      error: { name: 'ExportError', message: 'nothing to export', field: 'step' },
    });
    expect(errorEnvelope(new ConfigError([{ field: 'lrCritic', message: 'too big' }]))).toEqual({
      ok: false,
      error: { name: 'ConfigError', message: 'lrCritic: too big', field: 'lrCritic' },
    });
    expect(errorEnvelope(new RequestError('untrusted sender'))).toEqual({
      ok: false,
      error: { name: 'RequestError', message: 'untrusted sender' },
    });
    expect(errorEnvelope('a string')).toEqual({ ok: false, error: { name: 'Error', message: 'a string' } });
    expect(errorEnvelope(undefined)).toEqual({ ok: false, error: { name: 'Error', message: 'undefined' } });
    const hostile = {
      toString() {
        throw new Error('no');
      },
    };
    expect(errorEnvelope(hostile)).toEqual({
      ok: false,
      error: { name: 'Error', message: 'unexpected error' },
    });
  });
});
