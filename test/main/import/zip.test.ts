import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { DatasetImporter } from '../../../src/main/service/datasets';
import { openDatabase } from '../../../src/main/store/db';
import { RunStore } from '../../../src/main/store/run-store';
import { extractZip, safeEntryPath } from '../../../src/main/import/zip';

interface Entry {
  readonly name: string;
  readonly data: Buffer;
  readonly deflate?: boolean;
  /** Unix mode for the external attributes (e.g. 0o120777 for a symlink). */
  readonly mode?: number;
  /** Declare a different uncompressed size than the data has. */
  readonly lieSize?: number;
}

/** A minimal zip writer for fixtures (local headers, central directory, end record; no zip64). */
function zip(entries: readonly Entry[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const body = e.deflate ? deflateRawSync(e.data) : e.data;
    const size = e.lieSize ?? e.data.length;
    const crc = crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE((3 << 8) | 20, 4); // made by Unix
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(0x0800, 8);
    c.writeUInt16LE(e.deflate ? 8 : 0, 10);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(body.length, 20);
    c.writeUInt32LE(size, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE(((e.mode ?? 0o100644) << 16) >>> 0, 38);
    c.writeUInt32LE(offset, 42);
    central.push(c, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'wgan-zip-'));
  dirs.push(d);
  return d;
}

async function png(r: number, g: number, b: number): Promise<Buffer> {
  return sharp({ create: { width: 12, height: 10, channels: 3, background: { r, g, b } } })
    .png()
    .toBuffer();
}

describe('zip archives as import sources', () => {
  it('keeps entry paths inside the staging folder', () => {
    expect(safeEntryPath('a/b/c.png')).toBe(join('a', 'b', 'c.png'));
    expect(safeEntryPath('./a//b.png')).toBe(join('a', 'b.png'));
    for (const bad of [
      '../x.png',
      'a/../../x.png',
      '/etc/x.png',
      'C:/x.png',
      'a\\..\\..\\x.png',
      'x\0.png',
    ]) {
      expect(safeEntryPath(bad), bad).toBeUndefined();
    }
  });

  it('extracts regular entries and reports hostile ones with a reason', async () => {
    const dir = temp();
    const archive = join(dir, 'pics.zip');
    const red = await png(255, 0, 0);
    writeFileSync(
      archive,
      zip([
        { name: 'flags/red.png', data: red },
        { name: 'flags/green.png', data: await png(0, 255, 0), deflate: true },
        { name: 'flags/', data: Buffer.alloc(0), mode: 0o040755 },
        { name: '../escape.png', data: red },
        { name: '/abs.png', data: red },
        { name: 'link.png', data: Buffer.from('/etc/passwd'), mode: 0o120777 },
        { name: 'flags/red.png', data: red },
        { name: 'liar.png', data: red, deflate: true, lieSize: red.length + 100 },
      ]),
    );
    const out = join(dir, 'out');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(out);
    const x = await extractZip(archive, out);
    expect(x.extracted).toBe(2);
    expect(readdirSync(join(out, 'flags')).sort()).toEqual(['green.png', 'red.png']);
    expect(readdirSync(dir).sort()).toEqual(['out', 'pics.zip']); // nothing escaped
    const reasons = Object.fromEntries(x.skipped.map((s) => [s.path.split('!/')[1], s.reason]));
    expect(reasons['../escape.png']).toMatch(/unsafe path/);
    expect(reasons['/abs.png']).toMatch(/unsafe path/);
    expect(reasons['link.png']).toMatch(/symlink/);
    expect(reasons['flags/red.png']).toMatch(/same name twice/);
    expect(reasons['liar.png']).toMatch(/corrupt entry/);
    expect(x.skipped.every((s) => s.path.startsWith(`${archive}!/`))).toBe(true);
  });

  it('refuses a file that is not a zip, and caps what an archive may unpack to', async () => {
    const dir = temp();
    const notZip = join(dir, 'fake.zip');
    writeFileSync(notZip, 'this is not an archive');
    await expect(extractZip(notZip, dir)).rejects.toThrow(/not a readable zip archive/);
    const big = join(dir, 'bomb.zip');
    writeFileSync(big, zip([{ name: 'zeros.bin', data: Buffer.alloc(200_000), deflate: true }]));
    await expect(extractZip(big, dir, { limits: { maxTotalBytes: 100_000 } })).rejects.toThrow(/refused/);
    const many = join(dir, 'many.zip');
    writeFileSync(
      many,
      zip(Array.from({ length: 5 }, (_, i) => ({ name: `${i}.png`, data: Buffer.from('x') }))),
    );
    await expect(extractZip(many, dir, { limits: { maxEntries: 3 } })).rejects.toThrow(/more than 3 entries/);
  });

  it('imports a zip like a folder, cleans up its staging folder, and hits the cache on re-import', async () => {
    const dir = temp();
    const archive = join(dir, 'flags.zip');
    writeFileSync(
      archive,
      zip([
        { name: 'a.png', data: await png(255, 0, 0) },
        { name: 'sub/b.png', data: await png(0, 0, 255), deflate: true },
        { name: 'broken.png', data: Buffer.from('\x89PNG\r\n\x1a\nbroken', 'latin1') },
      ]),
    );
    const db = openDatabase(join(dir, 'w.db'));
    try {
      const importer = new DatasetImporter(new RunStore(db), join(dir, 'datasets'));
      const first = await importer.importFolder([archive], { size: 28, channels: 'rgb' });
      expect(first.cached).toBe(false);
      expect(first.dataset.count).toBe(2);
      const skipped = first.report.skipped;
      expect(skipped).toHaveLength(1);
      expect(skipped[0]?.path).toBe(`${archive}!/broken.png`);
      expect(skipped[0]?.reason).toMatch(/corrupt|not an image/);
      // Only the cache file remains in the datasets folder: the staging folder is gone.
      expect(readdirSync(join(dir, 'datasets')).filter((f) => f.startsWith('.unzip-'))).toEqual([]);
      const again = await importer.importFolder([archive], { size: 28, channels: 'rgb' });
      expect(again.cached).toBe(true);
      expect(again.dataset.id).toBe(first.dataset.id);
    } finally {
      db.close();
    }
  });
});
