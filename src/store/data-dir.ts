/**
 * The data directory (`--data DIR`, default `./.samlgate`): checked before anything is opened,
 * locked per database so two samlgate processes never share one (a lock the kernel holds for the
 * process and drops when it dies), and home of the session-cookie secret (a 0600 file, generated once).
 *
 * Layout:
 *   DIR/gateway.db (+ -wal, -shm)   users, tokens, web sessions, replay cache, settings
 *   DIR/idp.db     (+ -wal, -shm)   the test IdP's directory edits, registered SPs, login sessions
 *   DIR/gateway.lock.db, idp.lock.db  the locks: empty SQLite files held in exclusive locking mode
 *   DIR/gateway.lock, DIR/idp.lock  PID and start time of each lock's holder (for messages only)
 *   DIR/session-secret              the gateway's cookie-signing secret (mode 0600)
 *   DIR/idp-secret                  the IdP's key for CSRF tokens and pending-login cookies (0600)
 * The gateway and the IdP lock separately, so `samlgate idp` and `samlgate gateway` can run as two
 * processes on one directory; a second `samlgate start` on it is refused.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, chmodSync, closeSync, constants, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { SamlgateError } from '../errors.ts';

/** A bad `--data` value: a usage/configuration error (the CLI exits 2). */
export class DataDirError extends SamlgateError {
  readonly code = 'ERR_DATA_DIR';
  readonly kind = 'usage';
}

/** The database is locked by another live process, or another opener in this one (the CLI exits 1). */
export class DataLockedError extends SamlgateError {
  readonly code = 'ERR_DATA_LOCKED';
  readonly kind = 'runtime';
  constructor(
    message: string,
    /** The holder's PID as its holder note gives it (information only), or null when unknown. */
    readonly pid: number | null,
    readonly lockFile: string,
  ) {
    super(message);
  }
}

export const DEFAULT_DATA_DIR = './.samlgate';

/**
 * Resolves and checks the directory, creating it (not its parents) when missing. Throws
 * DataDirError naming the path and what to do.
 */
export function prepareDataDir(data: string): string {
  const dir = path.resolve(data);
  const hint = 'choose another with --data DIR, or --data :memory: to keep nothing';
  let st;
  try {
    st = statSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new DataDirError(`--data ${data}: cannot inspect ${dir} (${(err as NodeJS.ErrnoException).code}); ${hint}`);
  }
  if (st && !st.isDirectory()) throw new DataDirError(`--data ${data}: ${dir} is a file, not a directory; ${hint}`);
  if (!st) {
    const parent = path.dirname(dir);
    if (!isDirectory(parent)) throw new DataDirError(`--data ${data}: the parent directory ${parent} does not exist; create it first, or ${hint}`);
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (err) {
      throw new DataDirError(`--data ${data}: cannot create ${dir} (${(err as NodeJS.ErrnoException).code}); check the permissions of ${parent}, or ${hint}`);
    }
  }
  // A real write, not access(W_OK): root passes access() on a read-only mount or a 0500 directory.
  const probe = path.join(dir, `.write-test-${process.pid}`);
  try {
    accessSync(dir, constants.W_OK);
    closeSync(openSync(probe, 'w'));
    unlinkSync(probe);
  } catch (err) {
    throw new DataDirError(`--data ${data}: ${dir} is not writable (${(err as NodeJS.ErrnoException).code}); fix its permissions, or ${hint}`);
  }
  return dir;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * How long a start waits for a lock held by a process that is dying (`kill -9` returns before the
 * kernel has closed the victim's files). A live holder is refused after this wait.
 */
export const LOCK_WAIT_MS = 1000;

export interface DataLock {
  /** DIR/<name>.lock.db: the file the kernel lock is on. */
  file: string;
  /** DIR/<name>.lock: who holds it (information for the refusal message only). */
  holderFile: string;
  release(): void;
}

/**
 * Held locks, so a lock connection is never garbage-collected (better-sqlite3 closes a collected
 * connection, which would drop the lock while the store is still in use).
 */
const held = new Set<Database.Database>();

/**
 * Takes the lock on DIR/<name>.lock.db: an empty SQLite file opened in `locking_mode=EXCLUSIVE`,
 * where `BEGIN EXCLUSIVE; COMMIT` leaves the connection holding SQLite's exclusive lock (an fcntl
 * lock) until it is closed. The kernel drops an fcntl lock when its process's files are closed,
 * which happens as it dies, however it dies (kill -9, OOM, crash) and before it is a zombie; so
 * no PID decides anything, and a PID reused by an unrelated process, a zombie nobody reaps, or a
 * lock file naming PID 1 cannot block a start. A second process (or a second opener in this
 * process: SQLite tracks its own locks per file) gets SQLITE_BUSY and a DataLockedError naming the
 * holder from DIR/<name>.lock, which the holder writes after it has the lock.
 *
 * Never open DIR/<name>.lock.db with node:fs in a process that holds it: closing any descriptor
 * of a file drops all of the process's fcntl locks on it (POSIX), SQLite's own opens excepted.
 */
export function acquireLock(dir: string, name: string, what: string): DataLock {
  const file = path.join(dir, `${name}.lock.db`);
  const holderFile = path.join(dir, `${name}.lock`);
  let db: Database.Database;
  try {
    db = new Database(file);
  } catch (err) {
    throw new DataDirError(`cannot open the lock file ${file} (${(err as { code?: string }).code ?? 'error'}: ${(err as Error).message}); check the permissions of ${dir}`);
  }
  try {
    db.pragma(`busy_timeout = ${LOCK_WAIT_MS}`);
    db.pragma('locking_mode = EXCLUSIVE');
    // No journal file beside the lock: the file holds no data (only SQLite's empty page 1).
    db.pragma('journal_mode = MEMORY');
    db.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (err) {
    db.close();
    const code = (err as { code?: string }).code ?? 'error';
    if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_')) {
      const holder = readHolder(holderFile);
      const who = holder ? `PID ${holder.pid}${holder.startedAt ? `, started at ${holder.startedAt}` : ''}` : 'PID unknown';
      throw new DataLockedError(`the data directory ${dir} is in use by another samlgate process (${who}, holding the ${what} database); stop it or use another --data`, holder?.pid ?? null, file);
    }
    if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
      throw new DataDirError(`the lock file ${file} is damaged (${code}); it holds no data: with no samlgate running on ${dir}, delete it and start again`);
    }
    throw new DataDirError(`cannot take the lock ${file} (${code}: ${(err as Error).message}); check the permissions of ${dir}`);
  }
  held.add(db);
  try {
    writeHolder(holderFile);
  } catch (err) {
    held.delete(db);
    db.close();
    throw new DataDirError(`cannot write ${holderFile} (${(err as NodeJS.ErrnoException).code}); check the permissions of ${dir}`);
  }
  let released = false;
  return {
    file,
    holderFile,
    release() {
      if (released) return;
      released = true;
      // Remove our holder note while we still hold the lock, so it can never delete the next holder's.
      try {
        if (readHolder(holderFile)?.pid === process.pid) unlinkSync(holderFile);
      } catch {
        // Already gone: nothing to remove.
      }
      held.delete(db);
      db.close();
    },
  };
}

/**
 * DIR/<name>.lock: the holder's PID on the first line (as the PID lock files of earlier versions
 * had it), its start time on the second. Replaced atomically so a refused start never reads half of it.
 */
function writeHolder(file: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${process.pid}\nstarted ${new Date(performance.timeOrigin).toISOString()}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

function readHolder(file: string): { pid: number; startedAt: string | null } | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const pid = Number.parseInt(text.split('\n', 1)[0]!.trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  return { pid, startedAt: /^started (\S+)$/m.exec(text)?.[1] ?? null };
}

/**
 * The gateway's session-cookie secret: read from DIR/session-secret, or generated once (48 random
 * bytes, base64url) and written with mode 0600 so cookies signed before a restart stay valid.
 */
export function loadSessionSecret(dir: string): string {
  return loadSecretFile(dir, 'session-secret', 'a session secret', 'everyone will have to sign in again');
}

/**
 * The IdP's secret (DIR/idp-secret, made like the session secret): keys its CSRF tokens and the
 * signed cookies that carry pending logins, so a login form left open across a restart still works.
 */
export function loadIdpSecret(dir: string): string {
  return loadSecretFile(dir, 'idp-secret', 'the IdP secret', 'open IdP login forms will have to be reloaded');
}

function loadSecretFile(dir: string, name: string, what: string, consequence: string): string {
  const file = path.join(dir, name);
  try {
    const fd = openSync(file, 'wx', 0o600);
    const secret = randomBytes(48).toString('base64url');
    writeSync(fd, `${secret}\n`);
    closeSync(fd);
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new DataDirError(`cannot create ${file} (${(err as NodeJS.ErrnoException).code})`);
  }
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < 32) throw new DataDirError(`${file} holds ${secret.length} characters; ${what} needs at least 32. Delete the file to generate a new one (${consequence}).`);
  // Keep it private even if someone loosened the mode.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return secret;
}
