/**
 * Session records are stored without express-session's copy of the cookie's attributes, which is
 * the same for every session of the gateway (src/gateway/session-store.ts): ~105 bytes of each
 * record (bench session-memory). The cookie still behaves as before, and records stored with
 * their own copy (written before this change) still load.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.ts';
import { GatewaySessionStore } from '../../src/gateway/session-store.ts';
import { createMemoryStore } from '../../src/store/memory.ts';
import { createHarness } from '../support/harness.ts';

const policy = { idleTimeoutMs: 3_600_000, sessionExpirationMs: 8 * 3_600_000 };

function read(s: GatewaySessionStore, sid: string): Promise<Record<string, unknown> | null> {
  return new Promise((resolve, reject) => s.get(sid, (err, data) => (err ? reject(err) : resolve((data ?? null) as Record<string, unknown> | null))));
}

describe('session records without the cookie copy', () => {
  it('a login stores no cookie copy, and the browser stays signed in on its next requests', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const [record] = await h.store.sessions.listByUser(alice.userId);
    assert.ok(record);
    const data = JSON.parse(record.data) as Record<string, unknown>;
    assert.equal(data.cookie, undefined, 'the stored session has no cookie copy');
    assert.ok(data.login && data.csrfToken);
    for (let i = 0; i < 2; i++) {
      const page = await alice.browser.gw.get('/app/settings/tokens');
      assert.equal(page.status, 200, page.text.slice(0, 200));
      assert.match(page.text, /<title>Tokens · samlgate<\/title>/, 'the token page, not a sign-in redirect');
    }
    assert.equal(JSON.parse((await h.store.sessions.listByUser(alice.userId))[0]!.data).cookie, undefined, 'nor after it was saved again');
  });

  it('on read, a record gets the configured attributes back; one stored with its own copy keeps it', async () => {
    const store = createMemoryStore();
    const clock = new ManualClock(Date.UTC(2026, 11, 7));
    const sessions = new GatewaySessionStore(store, clock, policy, { secure: true, httpOnly: true, sameSite: 'lax', path: '/' });
    const now = clock.now();
    await store.sessions.set({ sid: 'new', userId: null, expiresAt: now + 60_000, data: JSON.stringify({ notice: 'x' }) });
    const older = { originalMaxAge: null, expires: null, secure: false, httpOnly: true, path: '/', sameSite: 'lax' };
    await store.sessions.set({ sid: 'old', userId: null, expiresAt: now + 60_000, data: JSON.stringify({ cookie: older, notice: 'y' }) });
    assert.deepEqual((await read(sessions, 'new'))?.cookie, { originalMaxAge: null, expires: null, secure: true, httpOnly: true, sameSite: 'lax', path: '/' });
    assert.deepEqual((await read(sessions, 'old'))?.cookie, older);
    assert.equal(await read(sessions, 'missing'), null);
  });

  it('a cookie with an expiry keeps its copy in the record', async () => {
    const store = createMemoryStore();
    const sessions = new GatewaySessionStore(store, new ManualClock(Date.UTC(2026, 11, 7)), policy);
    const expires = new Date(Date.UTC(2026, 11, 8)).toISOString();
    await new Promise<void>((resolve, reject) =>
      sessions.set('s1', { cookie: { originalMaxAge: 86_400_000, expires, httpOnly: true, path: '/' } } as never, (err) => (err ? reject(err) : resolve())),
    );
    const stored = JSON.parse((await store.sessions.get('s1'))!.data) as { cookie?: { originalMaxAge: number } };
    assert.equal(stored.cookie?.originalMaxAge, 86_400_000);
  });
});
