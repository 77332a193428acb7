/**
 * Store semantics across processes on one SQLite file: correctness comes from the store's
 * transactions, not from the gateway's in-process per-user login lock.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PACKAGE_ROOT } from '../../src/config.ts';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';

const WORKER = path.join(PACKAGE_ROOT, 'test', 'store', 'fixtures', 'login-worker.ts');

function worker(...args: string[]): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`worker exited ${code}: ${out}`)))));
}

const dbFile = (name: string) => path.join(mkdtempSync(path.join(os.tmpdir(), `samlgate-${name}-`)), 'gateway.db');

describe('two processes on one database', () => {
  it('a suspension committed while another process keeps logging the user in is never undone', async () => {
    const file = dbFile('race-suspend');
    const store = createSqliteStore(file);
    const first = await store.users.recordLogin({ email: 'racer@example.com', username: 'racer', isSiteAdmin: false, isServiceAccount: true, memberOf: [], loginFindings: [], now: Date.now(), newUserId: 'user-racer' });
    assert.ok(first.ok);
    const results = worker('logins', file, 'racer@example.com', '3000');
    writeFileSync(`${file}.go`, '');
    // Suspend once the other process is well into its logins.
    let suspendedAt = 0;
    for (;;) {
      await new Promise((r) => setTimeout(r, 20));
      const u = await store.users.get('user-racer');
      if (u!.lastLoginAt > first.user.lastLoginAt) break;
    }
    const s = await store.users.setSuspended('user-racer', true);
    assert.ok(s.ok);
    suspendedAt = Date.now();
    const out = await results;
    assert.ok(out.every((r) => r === 'ok' || r === 'suspended'), `only typed results: ${[...new Set(out)].join(', ')}`);
    const firstRefusal = out.indexOf('suspended');
    assert.ok(firstRefusal > 0, 'some logins ran before the suspension and some after it');
    assert.ok(out.slice(firstRefusal).every((r) => r === 'suspended'), 'no login after the suspension succeeded');
    const finalUser = (await store.users.get('user-racer'))!;
    assert.equal(finalUser.isSuspended, true, 'the suspension held');
    assert.ok(finalUser.lastLoginAt <= suspendedAt);
    await store.close();
  });

  it('two first logins whose usernames collide, from two processes at once: exactly one wins, the other gets one clear refusal', async () => {
    const file = dbFile('race-names');
    const store = createSqliteStore(file); // creates the schema before the workers start
    const n = 300;
    const both = Promise.all([worker('collide', file, 'p1', String(n)), worker('collide', file, 'p2', String(n))]);
    writeFileSync(`${file}.go`, '');
    const [a, b] = await both;
    for (let i = 0; i < n; i++) {
      assert.deepEqual([a![i], b![i]].sort(), ['ok', 'username-taken'], `username sam-${i}: ${a![i]} / ${b![i]}`);
    }
    assert.equal(await store.users.count(), n);
    await store.close();
  });
});
