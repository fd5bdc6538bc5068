import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createHandlers } from '../../src/main/api/handlers';
import { type RunningServer, startServer } from '../../src/main/serve/server';
import { Workbench } from '../../src/main/service/workbench';
import { openDatabase } from '../../src/main/store/db';
import { RunStore } from '../../src/main/store/run-store';
import { forkLauncher } from '../../src/main/training/launcher';
import { TrainingManager } from '../../src/main/training/manager';
import type { ContractError, ServerInfo } from '../../src/shared/contract';
import type { RunRecord } from '../../src/shared/runs';
import type { WorkbenchEvent } from '../../src/shared/workbench-events';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const info = (): ServerInfo => ({
  name: 'test',
  version: '0',
  platform: process.platform,
  transport: 'http',
  backend: { choice: 'wasm', note: 'test' },
});

async function setup(opts: { token?: string } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'wgan-serve-'));
  const db: Database.Database = openDatabase(join(dir, 'w.db'));
  const wb = new Workbench({
    store: new RunStore(db),
    manager: new TrainingManager({ launcher: forkLauncher() }),
    backend: 'wasm',
    flushMs: 50,
  });
  const web = join(dir, 'web');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(web);
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>wb</title>');
  writeFileSync(join(dir, 'secret.txt'), 'secret');
  const server: RunningServer = await startServer({
    handlers: createHandlers(wb, info),
    subscribe: (l) => wb.subscribe(l),
    staticDir: web,
    port: 0,
    token: opts.token,
  });
  cleanup.push(async () => {
    await server.close();
    await wb.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const base = server.url.replace(/\/(\?.*)?$/, '');
  return { wb, server, base, db };
}

async function call(base: string, method: string, params: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/api/call/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(params),
  });
  return {
    status: res.status,
    body: (await res.json()) as { ok: boolean; result?: unknown; error: ContractError },
  };
}

/** A raw request, to send headers fetch would not let us set (Host). */
function raw(base: string, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serve mode', () => {
  it('serves the contract over HTTP, validating every input', async () => {
    const { base } = await setup();
    expect(await call(base, 'listRuns', {})).toEqual({ status: 200, body: { ok: true, result: [] } });
    const info = await call(base, 'appInfo', {});
    expect(info.body.result).toMatchObject({ transport: 'http' });

    const bad = await call(base, 'createRun', {
      dataset: 'mixture3',
      method: 'gp',
      overrides: { batchSize: 0 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ name: 'ConfigError', field: 'batchSize' });
    const unknownField = await call(base, 'listRuns', { evil: 1 });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error.field).toBe('evil');
    expect((await call(base, 'getRun', { runId: 'x' })).body.error.field).toBe('runId');
    expect((await call(base, 'getRun', { runId: 99 })).status).toBe(404);
    expect((await call(base, 'dropTables', {})).status).toBe(400);
  });

  it('refuses other hosts, other origins, non-JSON calls and paths outside the renderer', async () => {
    const { base } = await setup();
    expect(await raw(base, '/', { Host: 'evil.example:80' })).toBe(421);
    const form = await fetch(`${base}/api/call/listRuns`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: '{}',
    });
    expect(form.status).toBe(415);
    const cross = await call(base, 'listRuns', {}, { Origin: 'http://evil.example' });
    expect(cross.status).toBe(403);
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(await page.text()).toMatch(/<title>wb<\/title>/);
    // Escapes resolve inside the renderer folder (unknown paths get index.html, as a single-page app).
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%2e%2e%5csecret.txt']) {
      const res = await fetch(`${base}${path}`);
      expect(await res.text()).not.toMatch(/^secret/);
    }
  });

  it('needs a token when one is set, and off loopback', async () => {
    await expect(
      startServer({ handlers: {} as never, subscribe: () => () => undefined, host: '0.0.0.0' }),
    ).rejects.toThrow(/needs a token/);
    const { base } = await setup({ token: 's3cret' });
    expect((await call(base, 'listRuns', {})).status).toBe(401);
    expect((await call(base, 'listRuns', {}, { Authorization: 'Bearer nope' })).status).toBe(401);
    expect((await call(base, 'listRuns', {}, { Authorization: 'Bearer s3cret' })).status).toBe(200);
  });

  it('streams live events while a clip-vs-GP pair trains', async () => {
    const { base } = await setup();
    const events: WorkbenchEvent[] = [];
    const done = new Set<number>();
    let resolveDone: () => void = () => undefined;
    const allDone = new Promise<void>((r) => (resolveDone = r));
    const stream = get(`${base}/api/events`, (res) => {
      expect(res.headers['content-type']).toBe('text/event-stream');
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        const parts = buffer.split('\n\n');
        buffer = parts.pop() ?? '';
        for (const part of parts) {
          const line = part.split('\n').find((l) => l.startsWith('data: '));
          if (!line) continue;
          const e = JSON.parse(line.slice(6)) as WorkbenchEvent;
          events.push(e);
          if (e.type === 'run' && e.run.status === 'completed') done.add(e.run.id);
          if (done.size === 2) resolveDone();
        }
      });
    });
    cleanup.push(() => void stream.destroy());
    await new Promise((r) => setTimeout(r, 100));
    const pair = await call(base, 'createPair', {
      dataset: 'mixture3',
      preset: 'notebook',
      start: true,
      overrides: { iterations: 30, mlpWidth: 16, logEvery: 5, sampleEvery: 15, checkpointEvery: 15 },
    });
    expect(pair.status).toBe(200);
    const runs = pair.body.result as RunRecord[];
    expect(runs.map((r) => r.method)).toEqual(['clip', 'gp']);
    await allDone;
    for (const run of runs) {
      expect(events.some((e) => e.type === 'metrics' && e.runId === run.id)).toBe(true);
      expect(events.some((e) => e.type === 'diagnostics' && e.runId === run.id)).toBe(true);
      const steps = (await call(base, 'sampleSteps', { runId: run.id })).body.result;
      expect(steps).toEqual([15, 30]);
      const sample = (await call(base, 'sample', { runId: run.id, step: 20 })).body.result as { png: string };
      expect(Buffer.from(sample.png, 'base64').subarray(1, 4).toString()).toBe('PNG');
      const diag = (await call(base, 'diagnostics', { runId: run.id, kind: 'gradNorms', step: 30 })).body
        .result as { step: number; data: { count: number } };
      expect(diag).toMatchObject({ step: 30, data: { count: 1000 } });
      const metrics = (await call(base, 'readMetrics', { runId: run.id, names: ['wasserstein'] })).body
        .result as Record<string, { step: number[] }>;
      expect(metrics['wasserstein']?.step).toEqual([5, 10, 15, 20, 25, 30]);
    }
  });
});
