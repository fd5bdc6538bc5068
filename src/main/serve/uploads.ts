/**
 * Serve mode's file upload (see UPLOAD_QUERY in the contract): a browser cannot name folders on the
 * server, so it sends the pictures one request each into a staging folder per importId, then imports that
 * folder with importDataset. Names are sanitised (no '..', no absolute paths, no control or reserved
 * characters), every file and the whole upload have size caps, the number of files and of uploads at
 * once are capped, and a staging folder goes away when its import ends, when discarded, after an idle
 * hour, or when the server closes.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { type FileHandle, mkdir, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import type { UploadResult } from '../../shared/contract';
import { RequestError } from '../api/handlers';

export interface UploadLimits {
  /** Bytes of one file (default 64 MiB). */
  readonly maxFileBytes: number;
  /** Files of one upload (default 20,000). */
  readonly maxFiles: number;
  /** Bytes of one upload, all files together (default 2 GiB). */
  readonly maxBytes: number;
  /** Uploads staged at once (default 4). */
  readonly maxUploads: number;
  /** An upload untouched this long (and not being imported) is removed (default 1 hour). */
  readonly idleMs: number;
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  maxFileBytes: 64 * 1024 * 1024,
  maxFiles: 20_000,
  maxBytes: 2 * 1024 * 1024 * 1024,
  maxUploads: 4,
  idleMs: 60 * 60 * 1000,
};

/** An upload refused: its HTTP status and, for a bad name, the header it came in. */
export class UploadError extends RequestError {
  constructor(
    message: string,
    readonly status: number,
    field?: string,
  ) {
    super(message, field);
  }
}

const MAX_NAME_CHARS = 1024;
const MAX_PART_BYTES = 255;
const MAX_DEPTH = 32;

/**
 * A relative name as the browser gave it ('holiday/img 1.png', URI-encoded) made safe to create under the
 * staging folder: '/' and '\' separate folders; empty, '.' and '..' parts are dropped; control characters
 * and < > : " | ? * become '_'; trailing dots and spaces are cut (Windows would). Throws UploadError.
 */
export function sanitiseUploadName(encoded: string, header = 'X-Upload-Name'): string {
  let name: string;
  try {
    name = decodeURIComponent(encoded);
  } catch {
    throw new UploadError(`${header}: not URI-encoded`, 400, header);
  }
  if (name.length > MAX_NAME_CHARS) {
    throw new UploadError(`${header}: longer than ${MAX_NAME_CHARS} characters`, 400, header);
  }
  const parts = name
    .normalize('NFC')
    .split(/[\\/]+/)
    .map((p) => p.replace(/[\p{Cc}<>:"|?*]/gu, '_').replace(/[. ]+$/, ''))
    .filter((p) => p !== '' && p !== '.' && p !== '..');
  if (parts.length === 0) throw new UploadError(`${header}: no file name left after sanitising`, 400, header);
  if (parts.length > MAX_DEPTH) throw new UploadError(`${header}: nested too deep`, 400, header);
  if (parts.some((p) => Buffer.byteLength(p) > MAX_PART_BYTES)) {
    throw new UploadError(`${header}: a part is longer than ${MAX_PART_BYTES} bytes`, 400, header);
  }
  return parts.join('/');
}

interface Staged {
  readonly dir: string;
  files: number;
  bytes: number;
  touched: number;
  /** Being imported: not swept, removed when the import ends. */
  busy: boolean;
}

export class UploadStaging {
  readonly limits: UploadLimits;
  readonly #uploads = new Map<string, Staged>();
  readonly #parent: string;
  #root: string | undefined;
  readonly #sweeper: NodeJS.Timeout;

  constructor(limits: Partial<UploadLimits> = {}, parent = tmpdir()) {
    this.limits = { ...DEFAULT_UPLOAD_LIMITS, ...limits };
    this.#parent = parent;
    this.#sweeper = setInterval(() => void this.sweep(), Math.min(60_000, this.limits.idleMs));
    this.#sweeper.unref();
  }

  /** The staging folder of an upload, if there is one. */
  folderOf(importId: string): string | undefined {
    return this.#uploads.get(importId)?.dir;
  }

  /**
   * Store one file of an upload from `body`; `declared` is the request's Content-Length, if any. A file
   * over a cap is refused with 413 (and nothing of it kept); a name given twice with 409.
   */
  async receive(
    importId: string,
    encodedName: string,
    body: AsyncIterable<Buffer>,
    declared?: number,
  ): Promise<UploadResult> {
    const stored = sanitiseUploadName(encodedName);
    const { maxFileBytes, maxFiles, maxBytes } = this.limits;
    if (declared !== undefined && declared > maxFileBytes) {
      throw new UploadError(`${stored}: larger than ${maxFileBytes} bytes`, 413);
    }
    const up = this.#open(importId);
    if (up.busy) throw new UploadError(`upload '${importId}' is being imported; start another`, 409);
    if (up.files >= maxFiles) throw new UploadError(`an upload takes at most ${maxFiles} files`, 413);
    const path = resolve(up.dir, ...stored.split('/'));
    if (!path.startsWith(up.dir + sep)) throw new UploadError(`${stored}: outside the upload`, 400);
    // Counted before the first await, so requests in parallel cannot pass the cap together.
    up.files++;
    let handle: FileHandle;
    try {
      await mkdir(dirname(path), { recursive: true });
      handle = await open(path, 'wx');
    } catch (err) {
      up.files--;
      const code = (err as { code?: string }).code;
      if (code === 'EEXIST') throw new UploadError(`${stored}: uploaded twice`, 409);
      if (code === 'EISDIR' || code === 'ENOTDIR') {
        throw new UploadError(`${stored}: clashes with a folder of the upload`, 409);
      }
      throw err;
    }
    let size = 0;
    try {
      for await (const chunk of body) {
        // Counted as they come, so files sent in parallel share the upload's cap.
        size += chunk.length;
        up.bytes += chunk.length;
        up.touched = Date.now();
        if (size > maxFileBytes) throw new UploadError(`${stored}: larger than ${maxFileBytes} bytes`, 413);
        if (up.bytes > maxBytes) {
          throw new UploadError(`the upload is larger than ${maxBytes} bytes in all`, 413);
        }
        await handle.write(chunk);
      }
      await handle.close();
    } catch (err) {
      up.files--;
      up.bytes -= size;
      await handle.close().catch(() => undefined);
      await rm(path, { force: true }).catch(() => undefined);
      throw err;
    }
    up.touched = Date.now();
    return { folder: up.dir, files: up.files, bytes: up.bytes, stored };
  }

  /** Mark an upload as being imported (not swept; discard it when the import ends); false if there is none. */
  claim(importId: string): boolean {
    const up = this.#uploads.get(importId);
    if (!up) return false;
    up.busy = true;
    return true;
  }

  /** Remove an upload's staging folder; false when there was none. */
  async discard(importId: string): Promise<boolean> {
    const up = this.#uploads.get(importId);
    if (!up) return false;
    this.#uploads.delete(importId);
    await rm(up.dir, { recursive: true, force: true }).catch(() => undefined);
    return true;
  }

  /** Remove uploads idle for longer than idleMs (not those being imported). */
  async sweep(now = Date.now()): Promise<void> {
    for (const [id, up] of [...this.#uploads]) {
      if (!up.busy && now - up.touched > this.limits.idleMs) await this.discard(id);
    }
  }

  /** Remove every staging folder (the server is closing). */
  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#uploads.clear();
    const root = this.#root;
    this.#root = undefined;
    if (root) await rm(root, { recursive: true, force: true }).catch(() => undefined);
  }

  #open(importId: string): Staged {
    const found = this.#uploads.get(importId);
    if (found) return found;
    if (this.#uploads.size >= this.limits.maxUploads) {
      throw new UploadError(`at most ${this.limits.maxUploads} uploads at once; finish or discard one`, 429);
    }
    // One private folder (mode 0700) for this server's uploads, made once.
    this.#root ??= mkdtempSync(join(this.#parent, 'wgan-uploads-'));
    const up: Staged = {
      dir: join(this.#root, randomUUID()),
      files: 0,
      bytes: 0,
      touched: Date.now(),
      busy: false,
    };
    this.#uploads.set(importId, up);
    return up;
  }
}
