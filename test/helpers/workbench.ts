import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach } from 'vitest';
import { Workbench } from '../../src/main/service/workbench';
import { openDatabase } from '../../src/main/store/db';
import { RunStore } from '../../src/main/store/run-store';
import { forkLauncher } from '../../src/main/training/launcher';
import { TrainingManager } from '../../src/main/training/manager';
import type { ServerInfo } from '../../src/shared/contract';

export interface TempWorkbench {
  /** The temporary folder: the database `w.db` and, next to it, `datasets/`. */
  readonly dir: string;
  readonly db: Database.Database;
  readonly store: RunStore;
  readonly wb: Workbench;
  /** Closes the workbench (stopping its runs) and the database, and deletes the folder. */
  close(): Promise<void>;
}

export interface TempWorkbenchOptions {
  /** How often the workbench flushes metrics and emits progress (the service's default when left out). */
  readonly flushMs?: number;
}

/**
 * A Workbench on a new database in a new temporary folder (named `prefix` and random letters), its runs
 * trained in forked processes on wasm.
 */
export function openTempWorkbench(prefix: string, opts: TempWorkbenchOptions = {}): TempWorkbench {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const db = openDatabase(join(dir, 'w.db'));
  const store = new RunStore(db);
  const wb = new Workbench({
    store,
    manager: new TrainingManager({ launcher: forkLauncher() }),
    backend: 'wasm',
    ...(opts.flushMs !== undefined ? { flushMs: opts.flushMs } : {}),
  });
  return {
    dir,
    db,
    store,
    wb,
    close: async () => {
      await wb.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * For a test file: a function that opens a temporary workbench (see openTempWorkbench), every one of which
 * is closed and deleted after the test that opened it.
 */
export function tempWorkbenchPerTest(prefix: string, opts: TempWorkbenchOptions = {}): () => TempWorkbench {
  const open: TempWorkbench[] = [];
  afterEach(async () => {
    for (const t of open.splice(0)) await t.close();
  });
  return () => {
    const t = openTempWorkbench(prefix, opts);
    open.push(t);
    return t;
  };
}

/** The ServerInfo main reports, as a test's handlers give it. */
export function testServerInfo(transport: ServerInfo['transport'], note = ''): ServerInfo {
  return {
    name: 'test',
    version: '0',
    platform: process.platform,
    transport,
    backend: { choice: 'wasm', note },
  };
}
