/**
 * End to end: the built renderer in Debian's Chromium (driven by playwright-core) against `serve` on a
 * temporary database, with real training processes: a clip-vs-GP pair trained and compared, a grid PNG
 * downloaded from the Export dialog, a folder imported by upload. Screenshots go to test-artifacts/e2e/.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, TSX } from '../helpers/cli';

const CHROMIUM = process.env['WGAN_CHROMIUM'] ?? '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts', 'e2e');

let dir = '';
let server: ChildProcess | undefined;
let browser: Browser | undefined;
let base = '';

async function startServe(db: string): Promise<string> {
  const child = spawn(TSX, ['src/cli/index.ts', 'serve', '--port', '0', '--db', db, '--backend', 'wasm'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = child;
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /serving on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1].replace(/\/$/, ''));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
}

async function api<T>(method: string, params: unknown): Promise<T> {
  const res = await fetch(`${base}/api/call/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(params),
  });
  const body = (await res.json()) as { ok: boolean; result: T; error?: { message: string } };
  if (!body.ok) throw new Error(body.error?.message);
  return body.result;
}

/** An element's text as a reader sees it: runs of white space (line breaks in the markup) as one space. */
async function shownText(locator: Locator): Promise<string> {
  return ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

const haveChromium = existsSync(CHROMIUM);

describe.skipIf(!haveChromium)('the workbench in a browser (serve mode)', () => {
  beforeAll(async () => {
    // The renderer the server serves is the built one.
    const build = spawnSync(join(ROOT, 'node_modules/.bin/electron-vite'), ['build'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(build.status, build.stderr).toBe(0);
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'wgan-e2e-'));
    base = await startServe(join(dir, 'w.db'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server?.once('exit', r));
      server.kill('SIGINT');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('creates a clip-vs-GP pair on a 2D set, trains both, compares them with one step slider', async () => {
    const page = await (browser as Browser).newPage({ viewport: { width: 1400, height: 1000 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));

    await page.goto(`${base}/#/runs`);
    await expect.poll(() => page.getByText('Start your first clip vs GP pair').count()).toBe(1);
    await page.goto(`${base}/#/new`);
    await page.locator('#new-dataset').selectOption('mixture3');
    const set = async (key: string, value: string) => page.locator(`#field-${key}`).fill(value);
    await set('iterations', '60');
    await set('mlpWidth', '32');
    await set('sampleEvery', '20');
    await set('checkpointEvery', '20');
    await set('diagnosticsEvery', '20');
    await shot(page, '1-new-pair');
    await page.getByRole('button', { name: /Start clip vs GP pair/ }).click();

    // The app navigates to Compare for the two new runs; both train to completion.
    await page.waitForURL(/#\/compare\/\d+,\d+/);
    const ids = /#\/compare\/(\d+),(\d+)/.exec(page.url())?.slice(1).map(Number) as [number, number];
    await expect
      .poll(async () => (await api<{ status: string }[]>('listRuns', {})).map((r) => r.status).sort(), {
        timeout: 240_000,
        interval: 1000,
      })
      .toEqual(['completed', 'completed']);
    const runs = await Promise.all(ids.map((runId) => api<{ method: string }>('getRun', { runId })));
    expect(runs.map((r) => r.method)).toEqual(['clip', 'gp']);

    // Every gallery shows the last stored step; one slider moves them all.
    const images = page.locator('figure.gallery img');
    await expect.poll(() => images.count(), { timeout: 30_000 }).toBe(2);
    await expect
      .poll(() => images.evaluateAll((els) => els.map((e) => e.getAttribute('data-step'))))
      .toEqual(['60', '60']);
    await shot(page, '2-compare-end');
    const slider = page.locator('.step-slider input[type=range]').first();
    await slider.focus();
    await page.keyboard.press('Home');
    await expect
      .poll(() => images.evaluateAll((els) => els.map((e) => e.getAttribute('data-step'))), {
        timeout: 15_000,
      })
      .toEqual(['20', '20']);
    await shot(page, '3-compare-step-20');

    // The run list shows both, with their status.
    await page.goto(`${base}/#/runs`);
    await expect.poll(() => page.locator('tbody tr').count()).toBeGreaterThanOrEqual(2);
    await shot(page, '4-runs');
    expect(problems).toEqual([]);
    await page.close();
  }, 400_000);

  it('downloads a grid PNG from the Export dialog, and imports a folder by upload', async () => {
    const page = await (browser as Browser).newPage({
      viewport: { width: 1400, height: 1000 },
      acceptDownloads: true,
    });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));

    // The first test's runs: export the latest sample grid of one.
    const runs = await api<{ id: number; status: string }[]>('listRuns', {});
    const run = runs.find((r) => r.status === 'completed');
    expect(run).toBeDefined();
    const id = (run as { id: number }).id;
    await page.goto(`${base}/#/run/${id}`);
    await expect
      .poll(() => page.locator('figure.gallery img').getAttribute('data-step'), { timeout: 30_000 })
      .toBe('60');
    await page.getByRole('button', { name: 'Export…' }).click();
    const dialog = page.getByRole('dialog', { name: /^Export/ });
    await expect.poll(() => dialog.getByLabel('Step', { exact: true }).inputValue()).toBe('60');
    await shot(page, '5-export-dialog');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      dialog.getByRole('link', { name: 'Download' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`run-${id}-step-60.png`);
    const file = join(dir, 'grid.png');
    await download.saveAs(file);
    const stored = await api<{ png: string }>('sample', { runId: id, step: 60 });
    const want = await sharp(Buffer.from(stored.png, 'base64')).metadata();
    const got = await sharp(file).metadata();
    expect([got.format, got.width, got.height]).toEqual(['png', want.width, want.height]);
    expect(got.width).toBeGreaterThan(100);
    await dialog.getByRole('button', { name: 'Close' }).click();

    // A folder of six small pictures and one corrupt file, uploaded from the new-run form.
    const pics = join(dir, 'upload', 'pics');
    mkdirSync(pics, { recursive: true });
    for (let i = 0; i < 6; i++) {
      const png = await sharp({
        create: { width: 40, height: 30, channels: 3, background: { r: 40 * i, g: 255 - 40 * i, b: 128 } },
      })
        .png()
        .toBuffer();
      writeFileSync(join(pics, `pic-${i}.png`), png);
    }
    writeFileSync(join(pics, 'corrupt.png'), Buffer.from('this is not a PNG file'));
    await page.goto(`${base}/#/new`);
    await page.getByRole('button', { name: 'Import folder…' }).click();
    const panel = page.getByRole('region', { name: 'Import a folder of pictures' });
    await panel.locator('input[type=file]').setInputFiles(pics);
    // A preview of the pictures as they will be imported comes first; then the import is confirmed.
    await expect
      .poll(() => shownText(panel.getByRole('status')), { timeout: 60_000 })
      .toMatch(/7 files found; the first 6 pictures/);
    await expect.poll(() => panel.getByRole('img').count()).toBe(6);
    await shot(page, '6-import-preview');
    await panel.getByRole('button', { name: 'Import 7 files' }).click();
    await expect
      .poll(() => shownText(panel.getByRole('status')), { timeout: 60_000 })
      .toMatch(/Imported 6 images.*skipped 1/);
    const skipped = await panel.getByRole('listitem').allTextContents();
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatch(/^pics\/corrupt\.png: .+/);
    await expect.poll(() => panel.getByRole('img').count()).toBe(1);
    await shot(page, '7-import-report');
    const select = page.locator('#new-dataset');
    expect(await select.inputValue()).toMatch(/^ds-[0-9a-f]{12}$/);
    expect(await shownText(select.locator('option:checked'))).toBe('pics (imported, 6 images)');
    const chosen = await select.inputValue();
    const datasets = await api<{ id: string; name: string; count: number }[]>('listDatasets', {});
    expect(datasets.find((d) => d.id === chosen)).toMatchObject({ name: 'pics', count: 6 });
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);
});
