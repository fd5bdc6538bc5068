/**
 * Zip archives as import sources: the entries are extracted (with yauzl, a maintained streaming reader)
 * into a private staging folder that the ordinary folder import then reads, and which is deleted after.
 *
 * Hostile archives lose nothing and crash nothing: entries whose names escape the folder (absolute, '..',
 * drive letters), symlinks, encrypted entries and entries over the size limit are skipped with a reason;
 * the number of entries and the total unpacked size are capped (zip bombs), and yauzl checks each entry's
 * real size against the size its header declares. A file that is not a readable zip is refused whole.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import type { SkippedFile } from './walk';

export interface ZipLimits {
  readonly maxEntries: number;
  /** Bytes, per entry (uncompressed). */
  readonly maxEntryBytes: number;
  /** Bytes, all entries together (uncompressed). */
  readonly maxTotalBytes: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 200_000,
  maxEntryBytes: 512 * 2 ** 20,
  maxTotalBytes: 8 * 2 ** 30,
};

export interface ZipExtraction {
  /** Files written into the staging folder. */
  readonly extracted: number;
  /** Entries not extracted, with the reason; paths shown as '<archive>!/<entry>'. */
  readonly skipped: SkippedFile[];
}

export class ZipError extends Error {
  override readonly name = 'ZipError';
}

export function isZipPath(path: string): boolean {
  return /\.zip$/i.test(path);
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(
      path,
      { lazyEntries: true, autoClose: true, validateEntrySizes: true, decodeStrings: false },
      (err, zip) =>
        err || !zip
          ? reject(new ZipError(`${path}: not a readable zip archive (${err?.message ?? 'no data'})`))
          : resolve(zip),
    );
  });
}

/** A safe relative path for an entry name, or undefined when it would leave the staging folder. */
export function safeEntryPath(name: string): string | undefined {
  const unified = name.replaceAll('\\', '/');
  if (unified.startsWith('/') || /^[a-zA-Z]:/.test(unified) || unified.includes('\0')) return undefined;
  const parts = unified.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.some((p) => p === '..')) return undefined;
  return normalize(parts.join(sep));
}

/** Extract the archive's regular files into `dest` (which must exist and be empty). */
export async function extractZip(
  zipPath: string,
  dest: string,
  opts: { limits?: Partial<ZipLimits>; signal?: AbortSignal } = {},
): Promise<ZipExtraction> {
  const limits = { ...DEFAULT_ZIP_LIMITS, ...opts.limits };
  const zip = await openZip(zipPath);
  const skipped: SkippedFile[] = [];
  let extracted = 0;
  let entries = 0;
  let total = 0;
  const shown = (name: string) => `${zipPath}!/${name}`;
  const skip = (name: string, kind: SkippedFile['kind'], reason: string) =>
    skipped.push({ path: shown(name), kind, reason });

  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (err: unknown) => {
        zip.close();
        reject(err instanceof Error ? err : new Error(String(err)));
      };
      zip.on('error', fail);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        void (async () => {
          if (opts.signal?.aborted) throw new DOMException('import cancelled', 'AbortError');
          entries += 1;
          if (entries > limits.maxEntries) {
            throw new ZipError(`${zipPath}: more than ${limits.maxEntries.toLocaleString('en-US')} entries`);
          }
          // Names are decoded here (UTF-8 when the entry says so, else Latin-1 for CP437) so that a bad name
          // skips its entry instead of failing the archive.
          const raw = entry.fileName as unknown as Buffer;
          const name = raw.toString(entry.generalPurposeBitFlag & 0x800 ? 'utf8' : 'latin1');
          const rel = safeEntryPath(name);
          const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
          if (name.endsWith('/') || mode === 0o040000) {
            // A folder entry: folders are made for the files in them.
          } else if (rel === undefined)
            skip(name, 'not-regular', 'unsafe path in archive (absolute or leaves the folder)');
          else if (mode === 0o120000) skip(name, 'not-regular', 'symlink in archive, not followed');
          else if (entry.isEncrypted()) skip(name, 'unreadable', 'encrypted entry in archive');
          else if (entry.uncompressedSize > limits.maxEntryBytes) {
            skip(
              name,
              'too-large',
              `too large in archive (${entry.uncompressedSize.toLocaleString('en-US')} bytes)`,
            );
          } else if (total + entry.uncompressedSize > limits.maxTotalBytes) {
            throw new ZipError(
              `${zipPath}: unpacks to more than ${(limits.maxTotalBytes / 2 ** 30).toFixed(0)} GiB; refused`,
            );
          } else {
            total += entry.uncompressedSize;
            const target = join(dest, rel);
            await mkdir(dirname(target), { recursive: true });
            const stream = await new Promise<NodeJS.ReadableStream>((ok, ko) =>
              zip.openReadStream(entry, (err, s) => (err || !s ? ko(err ?? new Error('no stream')) : ok(s))),
            );
            try {
              await pipeline(stream, createWriteStream(target, { flags: 'wx' }));
              extracted += 1;
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code === 'EEXIST')
                skip(name, 'duplicate', 'same name twice in archive');
              else
                skip(
                  name,
                  'corrupt',
                  `corrupt entry in archive (${err instanceof Error ? err.message : String(err)})`,
                );
            }
          }
          zip.readEntry();
        })().catch(fail);
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return { extracted, skipped };
}
