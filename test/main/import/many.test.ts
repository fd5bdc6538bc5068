import { readdir, rm, utimes } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintSources, importImages, type ImportProgress } from '../../../src/main/import/import';
import { resolveImportOptions } from '../../../src/main/import/options';
import { writeManyPngs } from '../../fixtures/hostile';

const COUNT = 2000;
let dir: string;
let folder: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wgan-import-many-'));
  folder = join(dir, 'many');
  const started = performance.now();
  await writeManyPngs(folder, COUNT);
  console.log(`wrote ${COUNT} PNGs in ${Math.round(performance.now() - started)} ms`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe(`a folder of ${COUNT} pictures`, () => {
  it('imports them all, in name order, with progress and an ETA', async () => {
    const options = resolveImportOptions({ size: 64, channels: 'rgb' });
    const events: ImportProgress[] = [];
    const r = await importImages([folder], options, { onProgress: (p) => events.push(p) });
    console.log(
      `imported ${r.count} files (64 x 64 RGB) in ${Math.round(r.elapsedMs)} ms ` +
        `(${(r.elapsedMs / r.count).toFixed(2)} ms per file)`,
    );
    expect(r.count).toBe(COUNT);
    expect(r.skipped).toEqual([]);
    expect(r.files[0]).toBe(join(folder, 'img-00000.png'));
    expect(r.files[COUNT - 1]).toBe(join(folder, `img-${String(COUNT - 1).padStart(5, '0')}.png`));
    // Image i's first pixel: red (i * 37) & 255, green (i * 91) & 255.
    for (const i of [0, 1, 777, COUNT - 1]) {
      const at = i * 64 * 64 * 3;
      expect(Math.abs((r.images[at] as number) - ((i * 37) & 0xff))).toBeLessThanOrEqual(1);
      expect(Math.abs((r.images[at + 1] as number) - ((i * 91) & 0xff))).toBeLessThanOrEqual(1);
    }
    expect(events[0]?.phase).toBe('scanning');
    const decoding = events.filter((e) => e.phase === 'decoding');
    expect(decoding.length).toBeGreaterThanOrEqual(2);
    expect(decoding.at(-1)).toMatchObject({ done: COUNT, total: COUNT, imported: COUNT, skipped: 0 });
    expect(decoding.some((e) => e.etaMs !== null && e.etaMs > 0 && e.done < COUNT)).toBe(true);
    for (let i = 1; i < decoding.length; i++) {
      expect((decoding[i] as ImportProgress).done).toBeGreaterThanOrEqual(
        (decoding[i - 1] as ImportProgress).done,
      );
    }
  });

  it('is cancelled by its AbortSignal mid-import, leaving no files behind', async () => {
    const before = await readdir(dir);
    const controller = new AbortController();
    let seen = 0;
    const promise = importImages([folder], resolveImportOptions({ size: 32 }), {
      signal: controller.signal,
      progressIntervalMs: 0,
      onProgress: (p) => {
        seen = p.done;
        if (p.done >= 200) controller.abort();
      },
    });
    const err = await promise.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('AbortError');
    expect((err as Error).message).toMatch(/^import cancelled after \d+ of 2000 files$/);
    expect(seen).toBeLessThan(COUNT);
    expect(await readdir(dir)).toEqual(before);
  });

  it('an already aborted signal stops the import before any decoding', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      importImages([folder], resolveImportOptions(), { signal: controller.signal }),
    ).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('recognises an unchanged folder from its fingerprint, and a changed one', async () => {
    const options = resolveImportOptions({ size: 28 });
    const started = performance.now();
    const first = await fingerprintSources([folder], options);
    const took = performance.now() - started;
    console.log(`fingerprint of ${COUNT} files: ${Math.round(took)} ms`);
    expect(await fingerprintSources([folder], options)).toBe(first);
    expect(await fingerprintSources([folder], resolveImportOptions({ size: 32 }))).not.toBe(first);
    const file = join(folder, 'img-00005.png');
    await utimes(file, new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect(await fingerprintSources([folder], options)).not.toBe(first);
  });
});
