import { readFileSync } from 'node:fs';
/**
 * Opening the run store's SQLite database (better-sqlite3; plain Node, no Electron). Main is the single
 * writer to one database file per user. Opening sets the pragmas, applies pending migrations (each in its
 * own transaction), refuses a schema newer than this app, and marks runs whose training process died with
 * the previous app as 'interrupted'. Every SQLite failure leaves as a `StoreError` with a stable `code`.
 */
import Database from 'better-sqlite3';
import { LATEST_VERSION, MIGRATIONS, type Migration } from './migrations';

export type StoreErrorCode =
  /** The file was written by a newer WGAN Workbench. */
  | 'SCHEMA_TOO_NEW'
  /** Opened read-only, but the schema needs a migration first. */
  | 'SCHEMA_OUTDATED'
  | 'NOT_A_DATABASE'
  | 'CORRUPT'
  | 'READ_ONLY'
  | 'DISK_FULL'
  | 'CANNOT_OPEN'
  /** Another process holds the lock for longer than the busy timeout. */
  | 'BUSY'
  | 'IO_ERROR'
  /** A run or dataset that the call names does not exist. */
  | 'NOT_FOUND'
  /** A bad argument (unknown status, negative step, ...). */
  | 'INVALID'
  | 'CONSTRAINT'
  | 'DATABASE_ERROR';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Translates a better-sqlite3 error into a StoreError that says what happened to which file, for the
 * caller to throw. A StoreError and anything not from SQLite (a programming error) come back unchanged.
 */
export function toStoreError(err: unknown, file: string): unknown {
  if (err instanceof StoreError) return err;
  const where = `database '${file}'`;
  if (err instanceof Database.SqliteError) {
    const code = err.code;
    const is = (prefix: string): boolean => code === prefix || code.startsWith(`${prefix}_`);
    const detail = `(${code}: ${err.message})`;
    const make = (c: StoreErrorCode, msg: string): StoreError =>
      new StoreError(c, `${msg} ${detail}`, { cause: err });
    if (is('SQLITE_NOTADB')) return make('NOT_A_DATABASE', `${where} is not a WGAN Workbench database`);
    if (is('SQLITE_CORRUPT')) return make('CORRUPT', `${where} is damaged; restore it from a backup`);
    if (is('SQLITE_READONLY'))
      return make(
        'READ_ONLY',
        `cannot write ${where}: it is read-only (check the file and folder permissions)`,
      );
    if (is('SQLITE_FULL'))
      return make('DISK_FULL', `cannot write ${where}: the disk is full; free some space`);
    if (is('SQLITE_CANTOPEN')) return make('CANNOT_OPEN', `cannot open ${where}`);
    if (is('SQLITE_BUSY') || is('SQLITE_LOCKED'))
      return make('BUSY', `${where} is locked by another process (is WGAN Workbench already open?)`);
    if (is('SQLITE_IOERR')) return make('IO_ERROR', `input/output error on ${where}`);
    if (is('SQLITE_CONSTRAINT')) return make('CONSTRAINT', `constraint failed in ${where}`);
    return make('DATABASE_ERROR', `SQLite error on ${where}`);
  }
  if (err instanceof TypeError && /directory does not exist/i.test(err.message)) {
    return new StoreError('CANNOT_OPEN', `cannot open ${where}: its folder does not exist`, { cause: err });
  }
  return err;
}

export interface OpenOptions {
  /** Open without writing anything: no pragmas that write, no migrations, no crash recovery. */
  readonly readonly?: boolean;
  /**
   * The compiled better-sqlite3 addon to load instead of the one in node_modules: the Electron app passes
   * a build for Electron's ABI (see scripts/prepare-electron.ts); Node (tests, CLI, serve) uses the default.
   */
  readonly nativeBinding?: string;
}

/**
 * Opens (creating if needed) the database at `path` and brings its schema to `LATEST_VERSION`.
 * Throws StoreError: SCHEMA_TOO_NEW (file left untouched), NOT_A_DATABASE, READ_ONLY, DISK_FULL, ...
 */
export function openDatabase(path: string, opts: OpenOptions = {}): Database.Database {
  const readonly = opts.readonly === true;
  let db: Database.Database | undefined;
  try {
    db = new Database(path, {
      readonly,
      fileMustExist: readonly,
      ...(opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}),
    });
    db.pragma('busy_timeout = 5000');
    // Read the version before anything writes, so a newer or foreign file is left byte-for-byte as it was.
    const version = userVersion(db);
    if (version > LATEST_VERSION) {
      throw new StoreError(
        'SCHEMA_TOO_NEW',
        `database schema version ${version} is newer than this app (${LATEST_VERSION}); update WGAN Workbench`,
      );
    }
    db.pragma('foreign_keys = ON');
    if (readonly) {
      if (version < LATEST_VERSION) {
        throw new StoreError(
          'SCHEMA_OUTDATED',
          `database '${path}' has schema version ${version} but this app needs ${LATEST_VERSION}, ` +
            'and it was opened read-only so it cannot be upgraded',
        );
      }
      return db;
    }
    db.pragma('journal_mode = WAL');
    // WAL + NORMAL: a commit survives a crash of the app (not necessarily of the OS) and needs no fsync.
    db.pragma('synchronous = NORMAL');
    migrate(db);
    recoverInterrupted(db);
    // Main writes for the whole session: find out now, with a clear READ_ONLY, if it cannot.
    db.prepare('CREATE TABLE IF NOT EXISTS write_probe (x)').run();
    db.prepare('DROP TABLE write_probe').run();
    return db;
  } catch (err) {
    db?.close();
    throw toStoreError(err, path);
  }
}

export function userVersion(db: Database.Database): number {
  const v = db.pragma('user_version', { simple: true });
  return typeof v === 'number' ? v : 0;
}

/**
 * Applies each migration newer than the database's user_version, up to `to` (default: all), each with its
 * user_version bump in one transaction. Returns the version reached.
 */
export function migrate(
  db: Database.Database,
  opts: { to?: number; migrations?: readonly Migration[] } = {},
): number {
  const migrations = opts.migrations ?? MIGRATIONS;
  const to = opts.to ?? migrations.at(-1)?.version ?? 0;
  checkMigrationList(migrations);
  let version = userVersion(db);
  for (const m of migrations) {
    if (m.version <= version || m.version > to) continue;
    db.transaction(() => {
      m.up(db);
      // PRAGMA takes no bound parameters; the version is an integer from the list above, never input.
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
    version = m.version;
  }
  return version;
}

function checkMigrationList(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1 || !Number.isInteger(m.version)) {
      throw new Error(`migration '${m.name}' has version ${m.version}; expected ${i + 1}`);
    }
  });
}

/**
 * A run still 'running' at open whose owning process (see migration 3) is gone died with it: it becomes
 * 'interrupted' and can resume from its last checkpoint. 'paused' runs were checkpointed and stay paused;
 * 'queued' runs never had a process and stay queued. `ended_at` stays NULL: when the process died is
 * unknown. Returns the ids changed.
 */
export function recoverInterrupted(db: Database.Database): number[] {
  const running = db.prepare("SELECT id, owner_pid FROM runs WHERE status = 'running'").all() as {
    id: number;
    owner_pid: number | null;
  }[];
  const dead = running.filter((r) => r.owner_pid === null || !processAlive(r.owner_pid)).map((r) => r.id);
  const mark = db.prepare("UPDATE runs SET status = 'interrupted' WHERE id = ?");
  db.transaction(() => {
    for (const id of dead) mark.run(id);
  })();
  return dead;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return false; // this process is opening the database anew: the run is not ours
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed process nobody has reaped yet (a zombie) still answers signal 0; on Linux /proc tells.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
