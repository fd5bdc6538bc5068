import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { get, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { createHandlers } from '../../src/main/api/handlers';
import { type RunningServer, startServer } from '../../src/main/serve/server';
import { UploadStaging } from '../../src/main/serve/uploads';
import type { ContractError, ServerInfo, UploadResult } from '../../src/shared/contract';
import type { ImportOutcome } from '../../src/shared/imports';
import type { RunRecord } from '../../src/shared/runs';
import type { WorkbenchEvent } from '../../src/shared/workbench-events';
import { solidPng } from '../fixtures/hostile';
import { openTempWorkbench, testServerInfo } from '../helpers/workbench';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const info = (): ServerInfo => testServerInfo('http', 'test');

async function setup(opts: { token?: string; uploads?: Parameters<typeof startServer>[0]['uploads'] } = {}) {
  const { dir, db, wb, close } = openTempWorkbench('wgan-serve-', { flushMs: 50 });
  cleanup.push(close);
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
    exporter: (runId, req) => wb.exportRun(runId, req),
    uploads: { dir, ...opts.uploads },
  });
  cleanup.push(() => server.close());
  const base = server.url.replace(/\/(\?.*)?$/, '');
  return { wb, server, base, db, dir };
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

/** A GET of the export endpoint: status, headers and the body's bytes. */
async function download(base: string, query: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/api/export?${query}`, { headers });
  const body = Buffer.from(await res.arrayBuffer());
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    disposition: res.headers.get('content-disposition'),
    body,
  };
}

function errorOf(body: Buffer): ContractError {
  return (JSON.parse(body.toString('utf8')) as { error: ContractError }).error;
}

/** The files of a ZIP archive (stored entries only), checking each CRC-32 against its data. */
function readZip(zip: Buffer): Map<string, Buffer> {
  const end = zip.length - 22;
  expect(zip.readUInt32LE(end)).toBe(0x06054b50);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const crc = zip.readUInt32LE(at + 16);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const offset = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    expect(zip.readUInt32LE(offset)).toBe(0x04034b50);
    expect(zip.readUInt16LE(offset + 8)).toBe(0); // stored
    const start = offset + 30 + zip.readUInt16LE(offset + 26) + zip.readUInt16LE(offset + 28);
    const data = zip.subarray(start, start + size);
    expect(crc32(data)).toBe(crc);
    files.set(name, data);
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return files;
}

function upload(
  base: string,
  importId: string,
  name: string,
  data: Uint8Array,
  type = 'application/octet-stream',
) {
  return fetch(`${base}/api/upload?importId=${encodeURIComponent(importId)}`, {
    method: 'POST',
    headers: { 'Content-Type': type, 'X-Upload-Name': encodeURIComponent(name) },
    body: data,
  }).then(async (res) => ({
    status: res.status,
    body: (await res.json()) as { ok: boolean; result: UploadResult; error: ContractError },
  }));
}

const exportTemps = () => readdirSync(tmpdir()).filter((f) => f.startsWith('wgan-download-'));

describe('serve mode: export downloads', () => {
  it('downloads a grid PNG, a GIF, CSV and JSON; refuses bad queries naming the field', async () => {
    const { base, wb } = await setup();
    const created = await call(base, 'createRun', {
      dataset: 'mixture3',
      method: 'gp',
      preset: 'notebook',
      start: true,
      overrides: { iterations: 30, mlpWidth: 16, logEvery: 5, sampleEvery: 10, checkpointEvery: 15 },
    });
    const id = (created.body.result as RunRecord).id;
    expect((await wb.whenEnded(id)).status).toBe('completed');
    const before = exportTemps();

    const grid = await download(base, `runId=${id}&format=grid`);
    expect(grid.status).toBe(200);
    expect(grid.type).toBe('image/png');
    expect(grid.disposition).toBe(`attachment; filename="run-${id}-step-30.png"`);
    const meta = await sharp(grid.body).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(100);
    const early = await download(base, `runId=${id}&format=grid&step=12`);
    expect(early.disposition).toBe(`attachment; filename="run-${id}-step-10.png"`);

    const gif = await download(base, `runId=${id}&format=gif`);
    expect([gif.status, gif.type]).toEqual([200, 'image/gif']);
    expect((await sharp(gif.body, { animated: true }).metadata()).pages).toBe(3);
    const shortGif = await download(base, `runId=${id}&format=gif&step=20`);
    expect((await sharp(shortGif.body, { animated: true }).metadata()).pages).toBe(2);

    const csv = await download(base, `runId=${id}&format=csv`);
    expect([csv.status, csv.type, csv.disposition]).toEqual([
      200,
      'text/csv; charset=utf-8',
      `attachment; filename="run-${id}-metrics.csv"`,
    ]);
    const lines = csv.body.toString('utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^step,seconds,.*wasserstein/);
    expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual([5, 10, 15, 20, 25, 30]);
    const json = await download(base, `runId=${id}&format=json`);
    expect((JSON.parse(json.body.toString('utf8')) as unknown[]).length).toBe(6);

    // A 2D run has no single images; bad queries name their field.
    const pngs = await download(base, `runId=${id}&format=pngs`);
    expect(pngs.status).toBe(400);
    expect(errorOf(pngs.body)).toMatchObject({
      name: 'ExportError',
      message: expect.stringMatching(/image dataset/),
    });
    const bad: [string, string][] = [
      [`runId=${id}&format=tiff`, 'format'],
      [`runId=abc&format=grid`, 'runId'],
      [`format=grid`, 'runId'],
      [`runId=${id}&format=grid&step=-1`, 'step'],
      [`runId=${id}&format=pngs&count=0`, 'count'],
      [`runId=${id}&format=grid&evil=1`, 'evil'],
      [`runId=${id}&runId=2&format=grid`, 'runId'],
    ];
    for (const [query, field] of bad) {
      const r = await download(base, query);
      expect(r.status, query).toBe(400);
      expect(errorOf(r.body), query).toMatchObject({ name: 'RequestError', field });
    }
    expect((await download(base, 'runId=99&format=grid')).status).toBe(404);
    expect((await download(base, `runId=${id}&format=grid`, { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(
      403,
    );
    expect((await fetch(`${base}/api/export?runId=${id}&format=grid`, { method: 'POST' })).status).toBe(405);
    // Every temporary export folder is gone once its answer is sent.
    await new Promise((r) => setTimeout(r, 100));
    expect(exportTemps()).toEqual(before);

    // The desktop-only methods say what to do instead.
    const viaCall = await call(base, 'exportRun', { runId: id, format: 'grid' });
    expect(viaCall.status).toBe(400);
    expect(viaCall.body.error.message).toMatch(/GET \/api\/export\?runId=\d+&format=grid/);
    expect((await call(base, 'chooseImportPaths', {})).body.error.message).toMatch(/upload/);
  });

  it('needs the token for downloads too', async () => {
    const { base } = await setup({ token: 's3cret' });
    expect((await download(base, 'runId=1&format=grid')).status).toBe(401);
    expect((await download(base, 'runId=1&format=grid&token=s3cret')).status).toBe(404);
  });
});

describe('serve mode: uploads', () => {
  it('imports a folder uploaded file by file (6 pictures, 1 corrupt), trains on it, downloads a ZIP of PNGs', async () => {
    const { base, dir, wb } = await setup();
    const colours: [number, number, number][] = [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
      [255, 255, 0],
      [0, 255, 255],
      [255, 0, 255],
    ];
    let folder = '';
    for (const [i, c] of colours.entries()) {
      const r = await upload(base, 'up-1', `pics/${i}.png`, solidPng(12, 10, c));
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.result).toMatchObject({ files: i + 1, stored: `pics/${i}.png` });
      folder = r.body.result.folder;
    }
    expect((await upload(base, 'up-1', 'pics/broken.png', Buffer.from('not a png at all'))).status).toBe(200);
    expect(folder.startsWith(dir)).toBe(true);
    expect(readdirSync(join(folder, 'pics')).sort()).toEqual([
      '0.png',
      '1.png',
      '2.png',
      '3.png',
      '4.png',
      '5.png',
      'broken.png',
    ]);

    const imported = await call(base, 'importDataset', {
      paths: [folder],
      importId: 'up-1',
      name: 'pics',
      options: { size: 28, channels: 'gray' },
    });
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    const outcome = imported.body.result as ImportOutcome;
    expect(outcome.report).toMatchObject({ imported: 6, skippedCount: 1 });
    expect(outcome.report.skipped[0]?.path).toBe(join(folder, 'pics', 'broken.png'));
    expect(outcome.report.skipped[0]?.reason).toBeTruthy();
    expect(outcome.dataset).toMatchObject({ name: 'pics', count: 6, height: 28, channels: 1 });
    // The staging folder went with the import.
    expect(existsSync(folder)).toBe(false);

    const run = await call(base, 'createRun', {
      dataset: outcome.dataset.id,
      method: 'gp',
      start: true,
      overrides: { iterations: 2, batchSize: 4, convWidth: 8, sampleEvery: 0, diagnosticsEvery: 0 },
    });
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    const id = (run.body.result as RunRecord).id;
    expect((await wb.whenEnded(id)).status).toBe('completed');
    const zip = await download(base, `runId=${id}&format=pngs&count=3`);
    expect([zip.status, zip.type]).toEqual([200, 'application/zip']);
    expect(zip.disposition).toBe(`attachment; filename="run-${id}-samples-step-2.zip"`);
    const files = readZip(zip.body);
    expect([...files.keys()]).toEqual(
      [1, 2, 3].map((i) => `run-${id}-samples-step-2/run${id}-step2-000${i}.png`),
    );
    for (const png of files.values()) {
      const m = await sharp(png).metadata();
      expect([m.format, m.width, m.height, m.channels]).toEqual(['png', 28, 28, 1]);
    }
  });

  it('sanitises names, caps sizes and counts, refuses what is not an upload, discards', async () => {
    const { base } = await setup({ uploads: { maxFileBytes: 1000, maxFiles: 3 } });
    const png = solidPng(4, 4, [1, 2, 3]);
    const stored = async (name: string) => (await upload(base, 'x', name, png)).body.result.stored;
    expect(await stored('../../etc/passwd.png')).toBe('etc/passwd.png');
    expect(await stored('a/./b/..\\c:d.png')).toBe('a/b/c_d.png');
    const dup = await upload(base, 'x', 'a/b/c_d.png', png);
    expect(dup.status).toBe(409);
    const full = await upload(base, 'x', 'three.png', png);
    expect(full.status).toBe(200);
    expect((await upload(base, 'x', 'four.png', png)).status).toBe(413);
    const folder = full.body.result.folder;

    const big = await upload(base, 'y', 'big.png', new Uint8Array(1001));
    expect(big.status).toBe(413);
    expect(big.body.error.message).toMatch(/larger than 1000 bytes/);
    for (const name of ['..', '/', '%E0%A4%A']) {
      const r = await fetch(`${base}/api/upload?importId=y`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream', 'X-Upload-Name': name },
        body: png,
      });
      expect(r.status, name).toBe(400);
      expect(((await r.json()) as { error: ContractError }).error.field).toBe('X-Upload-Name');
    }
    expect((await upload(base, 'y', 'a.png', png, 'text/plain')).status).toBe(415);
    const noId = await upload(base, '', 'a.png', png);
    expect([noId.status, noId.body.error.field]).toEqual([400, 'importId']);
    const cross = await fetch(`${base}/api/upload?importId=y`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/octet-stream',
        'X-Upload-Name': 'a.png',
        Origin: 'http://evil.example',
      },
      body: png,
    });
    expect(cross.status).toBe(403);

    const discard = await fetch(`${base}/api/upload?importId=x`, { method: 'DELETE' });
    expect(((await discard.json()) as { result: unknown }).result).toEqual({ discarded: true });
    expect(existsSync(folder)).toBe(false);
  });

  it('sweeps idle uploads (not those being imported) and removes everything on close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wgan-staging-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const staging = new UploadStaging({ idleMs: 1000 }, dir);
    const body = async function* () {
      yield Buffer.from('data');
    };
    const idle = (await staging.receive('idle', 'a.png', body())).folder;
    const busy = (await staging.receive('busy', 'b.png', body())).folder;
    expect(staging.claim('busy')).toBe(true);
    expect(staging.claim('nothing')).toBe(false);
    await staging.sweep(Date.now() + 2000);
    expect([existsSync(idle), existsSync(busy)]).toEqual([false, true]);
    expect(staging.folderOf('idle')).toBeUndefined();
    await staging.close();
    expect(readdirSync(dir)).toEqual([]);
  });
});
