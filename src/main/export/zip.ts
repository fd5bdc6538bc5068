/**
 * An uncompressed ZIP archive (method 0, "stored") of a few files, for serve mode's 'pngs' download: a
 * browser gets one file, and PNGs would not shrink anyway. PKWARE APPNOTE 6.3.x: a local header and the
 * data per file, then the central directory and its end record. No ZIP64, so at most 65,535 files and
 * 4 GiB in all; names are UTF-8 (flag bit 11) with forward slashes.
 */
import { crc32 } from 'node:zlib';

export interface ZipEntry {
  /** The path inside the archive ('a/b.png'): relative, '/'-separated, no '..'. */
  readonly name: string;
  readonly data: Uint8Array;
}

const UTF8_NAMES = 0x0800;
const VERSION = 20;
const MAX_ENTRIES = 0xffff;
const MAX_OFFSET = 0xffffffff;

/** MS-DOS date and time fields (local time, two-second resolution, 1980..2107). */
function dosDateTime(d: Date): { date: number; time: number } {
  const year = Math.min(2107, Math.max(1980, d.getFullYear()));
  return {
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
  };
}

function checkName(name: string): Buffer {
  if (
    name.length === 0 ||
    name.startsWith('/') ||
    name.includes('\\') ||
    name.split('/').some((part) => part === '..' || part === '') ||
    /\p{Cc}/u.test(name)
  ) {
    throw new Error(`bad name in ZIP archive: ${JSON.stringify(name)}`);
  }
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length > 0xffff) throw new Error(`name too long for a ZIP archive: ${name.slice(0, 40)}…`);
  return bytes;
}

/** The archive's bytes. */
export function zipStored(entries: readonly ZipEntry[], modified = new Date()): Buffer {
  if (entries.length > MAX_ENTRIES) throw new Error(`too many files for a ZIP archive (${entries.length})`);
  const { date, time } = dosDateTime(modified);
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  const seen = new Set<string>();
  for (const entry of entries) {
    const name = checkName(entry.name);
    if (seen.has(entry.name)) throw new Error(`duplicate name in ZIP archive: ${entry.name}`);
    seen.add(entry.name);
    const size = entry.data.byteLength;
    const crc = crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(VERSION, 4);
    local.writeUInt16LE(UTF8_NAMES, 6);
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(size, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const head = Buffer.alloc(46);
    head.writeUInt32LE(0x02014b50, 0);
    head.writeUInt16LE(VERSION, 4);
    head.writeUInt16LE(VERSION, 6);
    head.writeUInt16LE(UTF8_NAMES, 8);
    head.writeUInt16LE(0, 10);
    head.writeUInt16LE(time, 12);
    head.writeUInt16LE(date, 14);
    head.writeUInt32LE(crc, 16);
    head.writeUInt32LE(size, 20);
    head.writeUInt32LE(size, 24);
    head.writeUInt16LE(name.length, 28);
    // extra, comment, disk number, internal attributes, external attributes: all 0
    head.writeUInt32LE(offset, 42);
    central.push(head, name);
    parts.push(local, name, Buffer.from(entry.data.buffer, entry.data.byteOffset, size));
    offset += local.length + name.length + size;
    if (offset > MAX_OFFSET) throw new Error('files too large for a ZIP archive without ZIP64 (4 GiB)');
  }
  const centralSize = central.reduce((n, b) => n + b.length, 0);
  if (offset + centralSize > MAX_OFFSET) throw new Error('files too large for a ZIP archive (4 GiB)');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, ...central, end]);
}
