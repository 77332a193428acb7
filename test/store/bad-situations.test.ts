/**
 * Bad situations around the durable store, each with the message or status a person sees:
 * a bad --data, a database in use, a corrupt or newer database, and a disk that fills up during
 * a write (on a real small filesystem where the machine allows it, else SQLite's own
 * max_page_count limit: both make SQLite itself report SQLITE_FULL).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import request from 'supertest';
import { resolveConfig } from '../../src/config.ts';
import { exitCodeOf } from '../../src/errors.ts';
import { silentLogger } from '../../src/log.ts';
import { startServices } from '../../src/server.ts';
import { acquireLock, DataDirError, DataLockedError } from '../../src/store/data-dir.ts';
import { openStore, StoreOpenError } from '../../src/store/open.ts';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';
import { GATEWAY_MIGRATIONS } from '../../src/store/sqlite/migrations.ts';
import { StoreUnavailableError } from '../../src/store/types.ts';
import { createHarness } from '../support/harness.ts';
import { runSamlgate } from '../support/samlgate-process.ts';

const tmp = (name: string) => mkdtempSync(path.join(os.tmpdir(), `samlgate-${name}-`));
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const LAST = GATEWAY_MIGRATIONS.at(-1)!.version;

const mounts: string[] = [];
after(() => {
  for (const m of mounts) spawnSync('umount', [m]);
});

/** A tmpfs of `size` (root only); null when this machine does not allow mounting. */
function smallFilesystem(size: string, opts = ''): string | null {
  const dir = tmp('mnt');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}${opts ? `,${opts}` : ''}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  mounts.push(dir);
  return dir;
}

describe('--data that cannot be used is a usage error (exit 2) naming the path and what to do', () => {
  it('a file instead of a directory (exit 2, through the CLI)', async () => {
    const file = path.join(tmp('file'), 'not-a-dir');
    writeFileSync(file, 'x');
    const r = await runSamlgate(['start', '--idp-port', '0', '--gateway-port', '0', '--data', file]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`--data ${file}: ${file} is a file, not a directory; choose another with --data DIR, or --data :memory: to keep nothing`));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('a missing parent directory', async () => {
    await assert.rejects(openStore('/nonexistent-samlgate/parent/data'), (err: unknown) => err instanceof DataDirError && exitCodeOf(err) === 2 && /the parent directory \/nonexistent-samlgate\/parent does not exist; create it first/.test(err.message));
  });

  it('a directory that is not writable (a read-only mount, or mode 0500 for non-root)', async (t) => {
    let dir = smallFilesystem('1m', 'ro');
    if (!dir) {
      if (process.getuid?.() === 0) return t.skip('root without mount: permissions cannot make a directory unwritable');
      dir = tmp('ro');
      execFileSync('chmod', ['0500', dir]);
    }
    await assert.rejects(openStore(dir), (err: unknown) => err instanceof DataDirError && new RegExp(`${dir} is not writable \\((EROFS|EACCES)\\); fix its permissions`).test(err.message));
  });

  it('a missing directory whose parent exists is created', async () => {
    const dir = path.join(tmp('parent'), 'state');
    const store = await openStore(dir);
    assert.equal(store.kind, 'sqlite');
    await store.close();
  });
});

describe('a database that cannot be used is refused, never altered (exit 1)', () => {
  it('a corrupt file: refused naming the file, left byte-for-byte untouched (through the CLI)', async () => {
    const dir = tmp('corrupt');
    const file = path.join(dir, 'gateway.db');
    writeFileSync(file, Buffer.concat([Buffer.from('this is not an SQLite database'), Buffer.alloc(8192, 7)]));
    const before = sha(file);
    const r = await runSamlgate(['start', '--idp-port', '0', '--gateway-port', '0', '--data', dir]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`${file} is not a usable samlgate gateway database \\(SQLITE_NOTADB: file is not a database\\)\\. It was left untouched: move it away`));
    assert.equal(sha(file), before);
  });

  it('a database written by a newer samlgate: refused naming both versions, not migrated', async () => {
    const dir = tmp('newer');
    const file = path.join(dir, 'gateway.db');
    const store = createSqliteStore(file);
    store.db.pragma(`user_version = ${LAST + 7}`);
    await store.close();
    const before = sha(file);
    await assert.rejects(openStore(dir), (err: unknown) => err instanceof StoreOpenError && err.message.includes(`has schema version ${LAST + 7}, written by a newer samlgate; this samlgate knows versions up to ${LAST}`));
    assert.equal(sha(file), before);
  });

  it('an SQLite file that is not a samlgate database is refused', async () => {
    const dir = tmp('foreign');
    const file = path.join(dir, 'gateway.db');
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(file);
    db.exec('CREATE TABLE other (x)');
    db.close();
    await assert.rejects(openStore(dir), /is an SQLite database but not a samlgate gateway database/);
  });

  it('migrations are applied once: reopening an up-to-date database changes nothing', async () => {
    const dir = tmp('reopen');
    const first = await openStore(dir);
    await first.settings.set('k', 1);
    await first.close();
    const again = await openStore(dir);
    assert.equal(await again.settings.get('k'), 1);
    await again.close();
  });
});

describe('a second samlgate on the same directory is refused with the PID holding it', () => {
  it('the refusal names the directory, the holder and what to do (exit 1, through the CLI)', async () => {
    const dir = tmp('locked');
    // This test process holds the gateway lock; the CLI is the second process.
    const held = acquireLock(dir, 'gateway', 'gateway');
    try {
      const r = await runSamlgate(['gateway', '--gateway-port', '0', '--data', dir]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`the data directory ${dir} is in use by another samlgate process \\(PID ${process.pid}, started at \\S+Z, holding the gateway database\\); stop it or use another --data`));
    } finally {
      held.release();
    }
  });

  it('in one process: the second opener gets DataLockedError; closing releases the lock', async () => {
    const dir = tmp('lock2');
    const first = acquireLock(dir, 'gateway', 'gateway');
    assert.throws(() => acquireLock(dir, 'gateway', 'gateway'), (err: unknown) => err instanceof DataLockedError && err.pid === process.pid);
    assert.equal(readFileSync(first.holderFile, 'utf8').split('\n')[0], String(process.pid), 'the refused opener left the holder note alone');
    first.release();
    const store = await openStore(dir);
    await store.close();
    const again = await openStore(dir);
    await again.close();
  });

  it('a lock file left by a crashed process (its PID is gone) does not block; the new holder replaces it', async () => {
    const dir = tmp('stale');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(path.join(dir, 'gateway.lock'), `${dead.stdout}\n`);
    const store = await openStore(dir);
    assert.equal(readFileSync(path.join(dir, 'gateway.lock'), 'utf8').split('\n')[0], String(process.pid));
    await store.close();
  });

  it('the IdP and the gateway lock separately, so each half can run alone on one directory', () => {
    const dir = tmp('halves');
    const gw = acquireLock(dir, 'gateway', 'gateway');
    const idp = acquireLock(dir, 'idp', 'IdP');
    gw.release();
    idp.release();
  });
});

describe('disk full during a write', () => {
  /** A gateway on SQLite whose disk is full (a real small tmpfs), or whose database may not grow. */
  async function fullGateway() {
    const mnt = smallFilesystem('4m');
    const dir = mnt ?? tmp('full');
    const store = createSqliteStore(path.join(dir, 'gateway.db'));
    const h = await createHarness({}, {}, { store });
    const alice = await h.login('alice');
    const token = await alice.createToken('before');
    let fill = () => {};
    let free = () => {};
    if (mnt) {
      const filler = path.join(mnt, 'filler');
      fill = () => {
        store.db.pragma('wal_checkpoint(TRUNCATE)');
        const fd = openSync(filler, 'w');
        const chunk = Buffer.alloc(64 * 1024);
        try {
          for (;;) writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        } finally {
          closeSync(fd);
        }
      };
      free = () => rmSync(filler);
    } else {
      fill = () => {
        store.db.pragma('wal_checkpoint(TRUNCATE)');
        store.db.pragma(`max_page_count = ${store.db.pragma('page_count', { simple: true })}`);
      };
      free = () => void store.db.pragma('max_page_count = 1073741823');
    }
    return { h, store, alice, token, fill, free, how: mnt ? 'a 4 MB tmpfs filled to ENOSPC' : 'PRAGMA max_page_count' };
  }

  it('the request fails with a 503 JSON:API error naming the cause, the process stays up, nothing is half-written', async () => {
    const { h, store, alice, token, fill, free, how } = await fullGateway();
    const before = await store.tokens.count();
    fill();
    // Many token rows, each a new page sooner or later: the write must hit the full disk.
    let res;
    for (let i = 0; i < 200; i++) {
      res = await alice.browser.gw
        .post(`/api/v2/users/${alice.userId}/authentication-tokens`)
        .set('Content-Type', 'application/vnd.api+json')
        .set('X-CSRF-Token', alice.csrf)
        .send(JSON.stringify({ data: { type: 'authentication-tokens', attributes: { description: `x${'y'.repeat(200)}${i}` } } }));
      if (res.status !== 201) break;
    }
    assert.equal(res!.status, 503, `${how}: ${res!.text}`);
    assert.equal(res!.headers['content-type'], 'application/vnd.api+json; charset=utf-8');
    assert.equal(res!.headers['retry-after'], '30');
    assert.deepEqual(Object.keys(res!.body.errors[0]).sort(), ['detail', 'status', 'title']);
    assert.equal(res!.body.errors[0].status, '503');
    assert.match(res!.body.errors[0].detail, /^the gateway could not save or read its state: the disk holding the database is full \(SQLITE_FULL, .*gateway\.db\); nothing was written$/);
    const afterFull = await store.tokens.count();
    // Reads keep working while the disk is full, and the refused write left no trace.
    const listed = await alice.browser.gw.get(`/api/v2/users/${alice.userId}/authentication-tokens`).expect(200);
    assert.equal(listed.body.data.length, afterFull - before + 1);
    await request(h.gateway.app).get('/api/v2/account/details').set('Authorization', `Bearer ${token.secret}`).expect(200);
    free();
    await alice.createToken('after');
    assert.equal(await store.tokens.count(), afterFull + 1);
    await store.close();
  });

  it('the store reports SQLITE_FULL as StoreUnavailableError (one mapping for every write)', async () => {
    const dir = tmp('full-store');
    const store = createSqliteStore(path.join(dir, 'gateway.db'));
    store.db.pragma(`max_page_count = ${store.db.pragma('page_count', { simple: true })}`);
    const big = 'v'.repeat(8000);
    await assert.rejects(
      (async () => {
        for (let i = 0; i < 100; i++) await store.settings.set(`k${i}`, big);
      })(),
      (err: unknown) => err instanceof StoreUnavailableError && err.cause_ === 'SQLITE_FULL',
    );
    await store.close();
  });
});

describe('a database locked by another connection during a request', () => {
  it('the write waits the busy timeout, then fails as StoreUnavailableError (SQLITE_BUSY), and nothing is written', async () => {
    const dir = tmp('busy');
    const file = path.join(dir, 'gateway.db');
    const store = createSqliteStore(file);
    const { default: Database } = await import('better-sqlite3');
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE'); // another process holding the write lock (e.g. the sqlite3 shell)
    try {
      await assert.rejects(store.settings.set('k', 1), (err: unknown) => err instanceof StoreUnavailableError && err.cause_ === 'SQLITE_BUSY' && /the database is locked by another process \(SQLITE_BUSY, .*gateway\.db\); nothing was written/.test(err.message));
      assert.equal(await store.settings.get('k'), undefined, 'reads still work');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    await store.settings.set('k', 2);
    assert.equal(await store.settings.get('k'), 2);
    await store.close();
  });
});

describe('startServices with an unusable --data closes what it opened', () => {
  it('a bad directory fails before anything listens', async () => {
    const file = path.join(tmp('svc'), 'file');
    writeFileSync(file, '');
    await assert.rejects(startServices(resolveConfig({}, { data: file, 'gateway.port': 0, 'idp.port': 0 }), { idp: true, gateway: true }, { logger: silentLogger }), DataDirError);
  });
});
