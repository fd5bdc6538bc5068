/**
 * Writing a file so that readers see either the old content or the complete new content, never a partial
 * file: the data goes to a temporary file in the same folder (same file system, so the rename is atomic),
 * is flushed to disk, then renamed over the destination. On any failure the temporary file is removed and
 * the error names the destination path.
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const REASONS: Record<string, string> = {
  ENOENT: 'its folder does not exist',
  ENOTDIR: 'a part of the path is not a folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'it is a folder',
  ENAMETOOLONG: 'the name is too long',
};

function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') {
    return err.code;
  }
  return undefined;
}

/** A readable reason for a file-system error (the code's meaning, else the error's own message). */
export function describeFsError(err: unknown): string {
  const code = errorCode(err);
  const reason = code === undefined ? undefined : REASONS[code];
  if (reason !== undefined && code !== undefined) return `${reason} (${code})`;
  return err instanceof Error ? err.message : String(err);
}

/** The temporary name used while writing `path`: hidden, unique, in the same folder. */
function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Writes `data` (or its chunks, in order) to `path` atomically (replacing an existing file). Rejects with
 * `cannot write <path>: <reason>` and leaves no temporary file behind when anything fails.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array | readonly Uint8Array[],
): Promise<void> {
  const tmp = tempPathFor(path);
  let handle: FileHandle | undefined;
  try {
    handle = await open(tmp, 'wx');
    if (typeof data === 'string' || data instanceof Uint8Array) await handle.writeFile(data);
    else for (const chunk of data) await handle.write(chunk);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
  } catch (err) {
    if (handle !== undefined) await handle.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new Error(`cannot write ${path}: ${describeFsError(err)}`, { cause: err });
  }
}
