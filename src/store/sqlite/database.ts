/**
 * Opening a samlgate SQLite database: the pragmas every connection needs, the version check and
 * the migrations, and the one place that turns driver errors into the store's typed errors.
 */
import Database from 'better-sqlite3';
import { StoreConflictError, StoreUnavailableError } from '../types.ts';
import type { Migration } from './migrations.ts';
import { SamlgateError } from '../../errors.ts';

export type Db = Database.Database;

/**
 * `PRAGMA application_id` of samlgate's databases: tells ours from other SQLite files, and the
 * gateway's ("SGAT") from the IdP's ("SGID"), so one is never migrated as the other.
 */
export const APPLICATION_ID = 0x53474154;
export const IDP_APPLICATION_ID = 0x53474944;

/**
 * How long a connection waits for another connection's write lock before giving up with
 * SQLITE_BUSY. better-sqlite3 is synchronous, so this wait blocks the event loop: keep it short.
 * Writers take the lock up front (BEGIN IMMEDIATE), so the wait is at most one short transaction.
 */
export const BUSY_TIMEOUT_MS = 2000;

/** The database is unusable at start-up: newer schema, not a samlgate file, corrupt. */
export class DatabaseOpenError extends SamlgateError {
  readonly code = 'ERR_DATABASE_OPEN';
  readonly kind = 'runtime';
}

/** Driver codes that mean "the request was fine, the storage is not" (disk full, I/O, locked, corrupt). */
const UNAVAILABLE: Record<string, string> = {
  SQLITE_FULL: 'the disk holding the database is full',
  SQLITE_IOERR: 'the database file could not be read or written (I/O error)',
  SQLITE_BUSY: 'the database is locked by another process',
  SQLITE_LOCKED: 'the database is locked',
  SQLITE_CORRUPT: 'the database file is corrupt',
  SQLITE_NOTADB: 'the file is not a database',
  SQLITE_READONLY: 'the database is read-only',
  SQLITE_CANTOPEN: 'the database file cannot be opened',
  SQLITE_PROTOCOL: 'the database lock protocol failed',
};

function primaryCode(code: string): string {
  // Extended codes (SQLITE_IOERR_WRITE, SQLITE_BUSY_SNAPSHOT...) share their primary's meaning.
  for (const primary of Object.keys(UNAVAILABLE)) if (code === primary || code.startsWith(`${primary}_`)) return primary;
  return code;
}

/**
 * The one mapping from SQLite errors to the store's errors: storage trouble becomes
 * StoreUnavailableError (the gateway answers 503 naming the cause), a uniqueness violation
 * becomes StoreConflictError; anything else is a bug and propagates unchanged.
 */
export function mapSqliteError(err: unknown, file: string): unknown {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return err;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return new StoreConflictError((err as Error).message);
  const primary = primaryCode(code);
  const what = UNAVAILABLE[primary];
  if (what) return new StoreUnavailableError(`${what} (${code}, ${file}); nothing was written`, code);
  return err;
}

export interface OpenOptions {
  /** Used in error messages; `:memory:` for a throwaway database. */
  file: string;
  migrations: readonly Migration[];
  /** What the database holds, for messages ("gateway", "IdP"). */
  label: string;
  /** Default: the gateway's APPLICATION_ID. */
  applicationId?: number;
}

/** Opens (creating if missing) and migrates. Throws DatabaseOpenError with a message naming the file. */
export function openDatabase(o: OpenOptions): Db {
  let db: Db;
  try {
    db = new Database(o.file);
  } catch (err) {
    throw new DatabaseOpenError(`cannot open the ${o.label} database ${o.file}: ${(err as Error).message}`);
  }
  try {
    prepare(db, o);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function prepare(db: Db, o: OpenOptions): void {
  const last = o.migrations.at(-1)?.version ?? 0;
  const applicationId = o.applicationId ?? APPLICATION_ID;
  let version: number;
  let appId: number;
  let tables: number;
  try {
    // The first read of the header: a file that is not SQLite fails here (SQLITE_NOTADB), and
    // nothing has been written to it yet.
    appId = db.pragma('application_id', { simple: true }) as number;
    version = db.pragma('user_version', { simple: true }) as number;
    tables = (db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as { n: number }).n;
  } catch (err) {
    throw new DatabaseOpenError(
      `${o.file} is not a usable samlgate ${o.label} database (${(err as { code?: string }).code ?? 'error'}: ${(err as Error).message}). ` +
        'It was left untouched: move it away to start with an empty database, or restore it from a backup.',
    );
  }
  if (appId !== applicationId && !(appId === 0 && tables === 0)) {
    throw new DatabaseOpenError(`${o.file} is an SQLite database but not a samlgate ${o.label} database (application_id ${appId}); it was left untouched: choose another --data directory`);
  }
  if (version > last) {
    throw new DatabaseOpenError(
      `${o.file} has schema version ${version}, written by a newer samlgate; this samlgate knows versions up to ${last}. ` +
        'It was left untouched: run the newer samlgate, or use another --data directory.',
    );
  }
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (o.file !== ':memory:') {
      // WAL: readers never block the writer; synchronous=NORMAL in WAL mode survives a process
      // crash (kill -9) without losing a committed transaction (only a power loss can drop the
      // last ones), which is the durability a local test tool needs at a fraction of FULL's fsyncs.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    for (const m of o.migrations) {
      if (m.version <= version) continue;
      db.transaction(() => {
        db.exec(m.sql);
        db.pragma(`application_id = ${applicationId}`);
        db.pragma(`user_version = ${m.version}`);
      }).immediate();
    }
  } catch (err) {
    if (err instanceof DatabaseOpenError) throw err;
    const mapped = mapSqliteError(err, o.file);
    throw new DatabaseOpenError(`cannot prepare the ${o.label} database ${o.file}: ${(mapped as Error).message}`);
  }
}

/** The schema version a database file has (0 when new), for tests and diagnostics. */
export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Closes the database once (later calls do nothing), folding the WAL back into the main file so
 * the directory holds one self-contained file. A failed checkpoint loses nothing: the WAL is
 * replayed at the next open.
 */
export function closeOnce(db: Db): () => Promise<void> {
  let closed = false;
  return async () => {
    if (closed) return;
    closed = true;
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // Replayed at the next open.
    }
    db.close();
  };
}
