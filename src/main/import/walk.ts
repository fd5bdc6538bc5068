/**
 * Finding the candidate files of an import: sources are folders (searched, recursively if asked) and single
 * files (taken as they are, whatever their name). Nothing here reads a file's content.
 *
 * Decisions:
 * - Every entry met is either a candidate or reported as skipped with a reason; nothing disappears
 *   silently. Hidden entries (name starting with '.') are reported as skipped 'hidden' unless
 *   includeHidden; a hidden folder is one report ('hidden folder, not searched'), its content is not read.
 * - Inside folders only names with an image extension are candidates (IMAGE_EXTENSIONS); other files are
 *   reported 'not an image file name (.txt)'. A file given explicitly is a candidate whatever its name (its
 *   content decides).
 * - Symbolic links are followed. A folder whose real path is one of the folders being searched above it is
 *   a loop ('symlink loop'); one already searched by another way is reported once ('folder already
 *   searched'). The same file reached twice (links, hard links) is imported once ('same file as ...').
 * - Anything that cannot be read (EACCES, ELOOP, broken links, FIFOs, devices) is reported and the walk
 *   goes on.
 * - Names are read as raw bytes, so names that are not valid UTF-8 survive: files keep their raw path for
 *   every file-system call, and their display form (displayPath) escapes the bytes that are not UTF-8.
 * - The order is deterministic: sources in the order given; inside a folder, entries sorted by the bytes
 *   of their names, folders searched where they sort (depth first).
 */
import { Stats } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { sep } from 'node:path';
import { describeFsError } from '../export/atomic';

/** Lower-case extensions (with the dot) of the formats an import reads. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  '.png',
  '.jpg',
  '.jpeg',
  '.jpe',
  '.jfif',
  '.webp',
  '.gif',
  '.bmp',
  '.dib',
  '.tif',
  '.tiff',
  '.avif',
]);

/** A candidate file. */
export interface SourceFile {
  /** The path's raw bytes, for every file-system call (lossless for any name). */
  readonly raw: Buffer;
  /** The display form of the path (see displayPath). */
  readonly path: string;
  /** The path relative to the source it was found in (the file's own name for a file source), raw bytes. */
  readonly rawRel: Buffer;
  readonly size: number;
  readonly mtimeMs: number;
  /** File mode bits (type and permissions), part of the source fingerprint. */
  readonly mode: number;
}

/** Why something was not imported, as a code (the reason text says it for people, with details). */
export type SkipKind =
  | 'hidden'
  | 'not-image-name'
  | 'folder-not-searched'
  | 'symlink-loop'
  | 'duplicate'
  | 'not-found'
  | 'not-regular'
  | 'unreadable'
  | 'empty'
  | 'not-image'
  | 'unsupported-format'
  | 'corrupt'
  | 'too-large';

/** A file or folder that is not imported, and why. */
export interface SkippedFile {
  /** Display form of the path (see displayPath). */
  readonly path: string;
  readonly kind: SkipKind;
  /** One line for people, e.g. 'corrupt or truncated (vipspng: libpng read error)'. */
  readonly reason: string;
}

export interface WalkOptions {
  readonly recursive: boolean;
  readonly includeHidden: boolean;
  readonly signal?: AbortSignal;
  /** Called after each folder is listed, with the candidates and skips found so far. */
  readonly onFolder?: (found: number, skipped: number) => void;
}

export interface WalkResult {
  readonly files: SourceFile[];
  readonly skipped: SkippedFile[];
}

/** A source: a path as a string (UTF-8) or as raw bytes. */
export type SourcePath = string | Uint8Array;

const SEP = Buffer.from(sep);
const DOT = 0x2e;

/**
 * A path's bytes as text, losslessly: a path that is valid UTF-8 is shown as it is; in one that is not,
 * each byte outside a valid UTF-8 sequence is shown as \xHH (upper-case hex) and each backslash as \\, so
 * the bytes can be recovered (unescapePath) and two different paths never show the same.
 */
export function displayPath(raw: Uint8Array): string {
  if (isUtf8(raw)) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const len = utf8SequenceLength(raw, i);
    if (len === 0) {
      out += `\\x${(raw[i] as number).toString(16).toUpperCase().padStart(2, '0')}`;
      i += 1;
    } else {
      const s = Buffer.from(raw.subarray(i, i + len)).toString('utf8');
      out += s === '\\' ? '\\\\' : s;
      i += len;
    }
  }
  return out;
}

/** The bytes of a path shown by displayPath (escaped form, with \xHH present) or as given (plain UTF-8). */
export function unescapePath(shown: string): Buffer {
  if (!/\\x[0-9A-F]{2}/.test(shown)) return Buffer.from(shown, 'utf8');
  const parts: Buffer[] = [];
  let i = 0;
  let text = '';
  const flush = (): void => {
    if (text !== '') parts.push(Buffer.from(text, 'utf8'));
    text = '';
  };
  while (i < shown.length) {
    if (shown.startsWith('\\\\', i)) {
      text += '\\';
      i += 2;
    } else if (/^\\x[0-9A-F]{2}/.test(shown.slice(i, i + 4))) {
      flush();
      parts.push(Buffer.from([parseInt(shown.slice(i + 2, i + 4), 16)]));
      i += 4;
    } else {
      text += shown[i];
      i += 1;
    }
  }
  flush();
  return Buffer.concat(parts);
}

function isUtf8(raw: Uint8Array): boolean {
  let i = 0;
  while (i < raw.length) {
    const len = utf8SequenceLength(raw, i);
    if (len === 0) return false;
    i += len;
  }
  return true;
}

/** Length of the valid UTF-8 sequence at i (1-4), or 0 if none starts there (overlongs, surrogates refused). */
function utf8SequenceLength(b: Uint8Array, i: number): number {
  const c0 = b[i] as number;
  if (c0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    const c = b[i + k];
    return c !== undefined && c >= lo && c <= hi;
  };
  if (c0 >= 0xc2 && c0 <= 0xdf) return cont(1) ? 2 : 0;
  if (c0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if (c0 === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c0 >= 0xe1 && c0 <= 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c0 >= 0xf1 && c0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

function toBuffer(p: SourcePath): Buffer {
  return typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p.buffer, p.byteOffset, p.byteLength);
}

function joinRaw(dir: Buffer, name: Buffer): Buffer {
  return dir.length > 0 && dir.subarray(dir.length - SEP.length).equals(SEP)
    ? Buffer.concat([dir, name])
    : Buffer.concat([dir, SEP, name]);
}

/** The lower-case extension of a raw name ('.png'), '' for none. */
export function extensionOf(name: Uint8Array): string {
  const s = displayPath(name);
  const dot = s.lastIndexOf('.');
  return dot <= 0 ? '' : s.slice(dot).toLowerCase();
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}

function fsSkip(path: string, err: unknown, what: 'file' | 'folder'): SkippedFile {
  const code = errorCode(err);
  if (code === 'ELOOP') return { path, kind: 'symlink-loop', reason: 'symlink loop (ELOOP)' };
  if (code === 'ENOENT') return { path, kind: 'not-found', reason: 'not found (ENOENT)' };
  const prefix = what === 'folder' ? 'unreadable folder' : 'unreadable';
  return { path, kind: 'unreadable', reason: `${prefix}: ${describeFsError(err)}` };
}

/** Enumerate the candidate files of the sources (see the module comment for what is skipped and why). */
export async function walkSources(sources: readonly SourcePath[], opts: WalkOptions): Promise<WalkResult> {
  const files: SourceFile[] = [];
  const skipped: SkippedFile[] = [];
  /** dev:ino of every file taken, to the display path that took it. */
  const seenFiles = new Map<string, string>();
  /** Real paths (as latin1 strings, byte-exact) of folders searched, to their display path. */
  const seenDirs = new Map<string, string>();

  const addFile = (raw: Buffer, rawRel: Buffer, st: Stats): void => {
    const path = displayPath(raw);
    const key = `${st.dev}:${st.ino}`;
    const first = seenFiles.get(key);
    if (first !== undefined) {
      skipped.push({ path, kind: 'duplicate', reason: `same file as ${first}` });
      return;
    }
    seenFiles.set(key, path);
    files.push({ raw, path, rawRel, size: st.size, mtimeMs: st.mtimeMs, mode: st.mode });
  };

  const searchDir = async (dir: Buffer, rel: Buffer, ancestors: ReadonlySet<string>): Promise<void> => {
    opts.signal?.throwIfAborted();
    const dirPath = displayPath(dir);
    let real: string;
    try {
      real = (await realpath(dir, { encoding: 'buffer' })).toString('latin1');
    } catch (err) {
      skipped.push(fsSkip(dirPath, err, 'folder'));
      return;
    }
    if (ancestors.has(real)) {
      skipped.push({
        path: dirPath,
        kind: 'symlink-loop',
        reason: `symlink loop (leads back to ${seenDirs.get(real) ?? real})`,
      });
      return;
    }
    const earlier = seenDirs.get(real);
    if (earlier !== undefined) {
      skipped.push({
        path: dirPath,
        kind: 'duplicate',
        reason: `folder already searched (same folder as ${earlier})`,
      });
      return;
    }
    seenDirs.set(real, dirPath);
    let names: Buffer[];
    try {
      names = (await readdir(dir, { encoding: 'buffer' })).map((n) => Buffer.from(n));
    } catch (err) {
      skipped.push(fsSkip(dirPath, err, 'folder'));
      return;
    }
    names.sort(Buffer.compare);
    opts.onFolder?.(files.length, skipped.length);
    const inner = new Set(ancestors).add(real);
    // Stat a batch of entries at once (the order of the results is kept), then handle them in order.
    const BATCH = 64;
    for (let b = 0; b < names.length; b += BATCH) {
      opts.signal?.throwIfAborted();
      const batch = names.slice(b, b + BATCH).map((name) => ({ name, raw: joinRaw(dir, name) }));
      const stats = await Promise.all(batch.map(({ raw }) => stat(raw).catch((err: unknown) => err)));
      for (let k = 0; k < batch.length; k++) {
        const { name, raw } = batch[k] as { name: Buffer; raw: Buffer };
        const st = stats[k];
        const path = displayPath(raw);
        if (!(st instanceof Stats)) {
          skipped.push(
            errorCode(st) === 'ENOENT'
              ? { path, kind: 'not-found', reason: 'broken symlink (target does not exist)' }
              : fsSkip(path, st, 'file'),
          );
          continue;
        }
        const childRel = rel.length === 0 ? name : joinRaw(rel, name);
        const hidden = name[0] === DOT;
        if (st.isDirectory()) {
          if (hidden && !opts.includeHidden) {
            skipped.push({ path, kind: 'hidden', reason: 'hidden folder, not searched' });
          } else if (!opts.recursive) {
            skipped.push({
              path,
              kind: 'folder-not-searched',
              reason: 'folder not searched (recursive is off)',
            });
          } else {
            await searchDir(raw, childRel, inner);
          }
        } else if (hidden && !opts.includeHidden) {
          skipped.push({ path, kind: 'hidden', reason: 'hidden' });
        } else if (!st.isFile()) {
          skipped.push({ path, kind: 'not-regular', reason: 'not a regular file' });
        } else {
          const ext = extensionOf(name);
          if (IMAGE_EXTENSIONS.has(ext)) {
            addFile(raw, childRel, st);
          } else {
            const what = ext === '' ? 'no extension' : ext;
            skipped.push({ path, kind: 'not-image-name', reason: `not an image file name (${what})` });
          }
        }
      }
    }
  };

  for (const source of sources) {
    opts.signal?.throwIfAborted();
    const raw = toBuffer(source);
    const path = displayPath(raw);
    if (raw.length === 0) {
      skipped.push({ path: '(empty path)', kind: 'not-found', reason: 'not found (empty path)' });
      continue;
    }
    let st: Stats;
    try {
      st = await stat(raw);
    } catch (err) {
      skipped.push(fsSkip(path, err, 'file'));
      continue;
    }
    if (st.isDirectory()) {
      await searchDir(raw, Buffer.alloc(0), new Set());
    } else if (st.isFile()) {
      const slash = raw.lastIndexOf(SEP);
      addFile(raw, slash < 0 ? raw : raw.subarray(slash + SEP.length), st);
    } else {
      skipped.push({ path, kind: 'not-regular', reason: 'not a regular file' });
    }
  }
  return { files, skipped };
}
