/**
 * The data directory (`--data DIR`, default `./.samlgate`): checked before anything is opened,
 * locked per database so two samlgate processes never share one (the lock file names the PID
 * holding it), and home of the session-cookie secret (a 0600 file, generated once).
 *
 * Layout:
 *   DIR/gateway.db (+ -wal, -shm)   users, tokens, web sessions, replay cache, settings
 *   DIR/idp.db     (+ -wal, -shm)   the test IdP's directory edits, registered SPs, login sessions
 *   DIR/gateway.lock, DIR/idp.lock  PID of the process using each database
 *   DIR/session-secret              the gateway's cookie-signing secret (mode 0600)
 *   DIR/idp-secret                  the IdP's key for CSRF tokens and pending-login cookies (0600)
 * The gateway and the IdP lock separately, so `samlgate idp` and `samlgate gateway` can run as two
 * processes on one directory; a second `samlgate start` on it is refused.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, chmodSync, closeSync, constants, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

/** A bad `--data` value: a usage/configuration error (the CLI exits 2). */
export class DataDirError extends Error {
  readonly code = 'ERR_DATA_DIR';
  readonly exitCode = 2;
}

/** The database is in use by another live process (the CLI exits 1). */
export class DataLockedError extends Error {
  readonly code = 'ERR_DATA_LOCKED';
  constructor(
    message: string,
    readonly pid: number,
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

function isAlive(pid: number): boolean {
  if (pid === process.pid) return false; // our own PID from an earlier life (containers reuse PID 1)
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DataLock {
  file: string;
  release(): void;
}

/**
 * Takes DIR/<name>.lock, created exclusively with our PID. A lock left by a process that is gone
 * (kill -9, power loss) is taken over; one held by a live process is refused with its PID.
 */
export function acquireLock(dir: string, name: string, what: string): DataLock {
  const file = path.join(dir, `${name}.lock`);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      return {
        file,
        release() {
          if (released) return;
          released = true;
          try {
            if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new DataDirError(`cannot create the lock file ${file} (${(err as NodeJS.ErrnoException).code})`);
    }
    let pid = NaN;
    try {
      pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    } catch {
      // Vanished between our open and read: try again.
      continue;
    }
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
      throw new DataLockedError(
        `the ${what} database in ${dir} is in use by another samlgate (PID ${pid}, lock file ${file}); stop that process, or start this one with another --data directory`,
        pid,
        file,
      );
    }
    // Stale: the process that wrote it is gone.
    try {
      unlinkSync(file);
    } catch {
      // Someone else took it over first; the next attempt sees their PID.
    }
  }
  throw new DataDirError(`cannot take the lock file ${file}: it keeps changing; is another samlgate starting on ${dir}?`);
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
