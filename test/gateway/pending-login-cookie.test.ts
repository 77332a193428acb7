/**
 * Pending logins travel in a signed, short-lived cookie (src/sp/pending-login-cookie.ts),
 * not in a stored session row. Regression (security issue): 10,000 anonymous GET /session
 * requests, which any web page can send with <img> tags, locked every new login out with 503 for
 * 15 minutes (forever under the manual clock). Also: the cookie's binding to the response
 * (InResponseTo and RelayState), and each way a cookie can be unusable, refused with
 * E_IN_RESPONSE_TO and a page, never a 500.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import express from 'express';
import request from 'supertest';
import { hiddenFields, parseAutoPostForm } from '../../src/client/saml-browser.ts';
import { MAX_PENDING_COOKIE_BYTES, MAX_PENDING_LOGINS, PENDING_COOKIE, PendingLoginCookie } from '../../src/sp/pending-login-cookie.ts';
import { PENDING_LOGIN_TTL_MS } from '../../src/gateway/web-session.ts';
import { createMemoryStore } from '../../src/store/memory.ts';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';
import type { Store } from '../../src/store/types.ts';
import { createHarness, type Browser, type Harness } from '../support/harness.ts';
import { floodGet } from '../support/http-flood.ts';

/** Counts the writes a store's web-session API receives (the real store underneath). */
function countSessionWrites(store: Store): { readonly count: number } {
  const counter = { count: 0 };
  const sessions = store.sessions;
  const set = sessions.set.bind(sessions);
  const destroy = sessions.destroy.bind(sessions);
  sessions.set = async (record) => (counter.count++, set(record));
  sessions.destroy = async (sid) => (counter.count++, destroy(sid));
  return counter;
}

function setCookieLine(res: request.Response, name: string): string | undefined {
  return ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith(`${name}=`));
}

function pendingCookieOf(res: request.Response): string {
  const line = setCookieLine(res, PENDING_COOKIE);
  assert.ok(line, `GET /session set the ${PENDING_COOKIE} cookie`);
  return line.split(';')[0]!;
}

/** GET /session in browser `b`, the IdP part of the login, and the auto-post form (not posted). */
async function startLogin(b: Browser, username = 'alice', query = 'force=1') {
  const start = await b.gw.get(`/session?${query}`).expect(302);
  const sso = new URL(start.headers.location!);
  let page = await b.idp.get(sso.pathname + sso.search);
  if (/name="password"/.test(page.text)) page = await b.idp.post('/login').type('form').send({ ...hiddenFields(page.text), username, password: username });
  const form = parseAutoPostForm(page.text);
  assert.ok(form, 'the IdP answered with a SAML form');
  return { start, sso, fields: form.fields, cookie: pendingCookieOf(start) };
}

function inResponseToOf(fields: Record<string, string>): string {
  const xml = Buffer.from(fields.SAMLResponse!, 'base64').toString('utf8');
  const irt = /InResponseTo="([^"]+)"/.exec(xml)?.[1];
  assert.ok(irt);
  return irt;
}

/** Posts a response with exactly this Cookie header (no jar): what a browser holding it sends. */
function postWithCookie(h: Harness, cookie: string, fields: Record<string, string>) {
  return request(h.gateway.app).post('/users/saml/auth').set('Cookie', cookie).type('form').send(fields);
}

/** A refusal the browser can read: 403, a page, the code the operator sees. Returns the detail. */
function assertRefusedAsUnknownRequest(h: Harness, res: request.Response): string {
  assert.equal(res.status, 403, res.text.slice(0, 300));
  assert.match(res.headers['content-type']!, /text\/html/);
  assert.match(res.text, /Sign-in failed|E_IN_RESPONSE_TO/);
  const entry = h.gateway.context.rejections.latest()[0];
  assert.equal(entry?.code, 'E_IN_RESPONSE_TO');
  return entry!.detail;
}

const b64url = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
const fromB64url = (s: string) => Buffer.from(s, 'base64url').toString('utf8');

/** Memory after a full collection: what is retained, not the garbage V8 has not collected yet. */
async function retainedMemory(): Promise<{ rss: number; heap: number }> {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  // Several times, with pauses: V8 sweeps and hands pages back to the OS concurrently.
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const m = process.memoryUsage();
  return { rss: m.rss / 2 ** 20, heap: m.heapUsed / 2 ** 20 };
}

async function listen(h: Harness): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(h.gateway.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

describe('regression: anonymous GET /session requests cannot lock logins out', () => {
  it('anonymous GET /session requests cannot lock logins out', { timeout: 600_000 }, async (t) => {
    const store = createMemoryStore();
    const writes = countSessionWrites(store);
    const h = await createHarness({}, {}, { store });
    const server = await listen(h);
    try {
      const TOTAL = 20_000;
      const statuses = new Map<number, number>();
      // A lean client (test/support/http-flood.ts): fetch's own cost per request was most of this
      // test's time, and the bound is on the server.
      const flood = async (n: number) => {
        for (const [status, count] of await floodGet(`${server.url}/session`, n, { connections: 50 })) statuses.set(status, (statuses.get(status) ?? 0) + count);
      };
      // The first requests size V8's heap and the allocator for the connections in flight (the
      // same with or without any per-request state); the bound is on what the next 20,000 add.
      const WARM_UP = 2_000;
      await flood(WARM_UP);
      const before = await retainedMemory();
      await flood(TOTAL);
      const after = await retainedMemory();
      const growth = { rss: after.rss - before.rss, heap: after.heap - before.heap };
      assert.deepEqual([...statuses], [[302, TOTAL + WARM_UP]], 'every anonymous GET /session is a redirect to the IdP (none is a 503)');
      assert.equal(writes.count, 0, 'no session row was written');
      // A memory bound, not a timing one: before the fix each request kept a session row.
      assert.ok(growth.rss < 30, `RSS grew by ${growth.rss.toFixed(1)} MB over ${TOTAL} requests`);
      assert.ok(growth.heap < 10, `the retained heap grew by ${growth.heap.toFixed(1)} MB over ${TOTAL} requests`);
      t.diagnostic(`over ${TOTAL} requests: RSS ${growth.rss.toFixed(1)} MB, retained heap ${growth.heap.toFixed(1)} MB`);
      // A real login still works, and it is the only session the store now holds.
      const alice = await h.login('alice');
      assert.equal((await store.sessions.listByUser(alice.userId)).length, 1);
      assert.ok(writes.count >= 1);
      assert.equal(await store.sessions.purgeExpired(Number.MAX_SAFE_INTEGER), 1, "alice's session is the only row in the store");
    } finally {
      await server.close();
    }
  });

  it('an anonymous GET /session writes nothing to the store (memory: no session set; SQLite: no row changed)', async () => {
    const memory = createMemoryStore();
    const memoryWrites = countSessionWrites(memory);
    const hm = await createHarness({}, {}, { store: memory });
    const sqlite = createSqliteStore(path.join(mkdtempSync(path.join(os.tmpdir(), 'samlgate-pending-')), 'gateway.db'));
    const hs = await createHarness({}, {}, { store: sqlite });
    try {
      await request(hs.gateway.app).get('/api/v2/ping').expect(204); // start-up writes (settings, embedded organization) are done
      const changes = () => sqlite.db.prepare<[], { n: number }>('SELECT total_changes() AS n').get()!.n;
      const rows = () => sqlite.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sessions').get()!.n;
      const [changesBefore, rowsBefore] = [changes(), rows()];
      for (const h of [hm, hs]) {
        for (const query of ['', '?return_to=%2Fapp%2Fsettings%2Ftokens', '?force=1']) {
          const res = await request(h.gateway.app).get(`/session${query}`).expect(302);
          assert.equal(setCookieLine(res, 'samlgate_session'), undefined, 'no session cookie: no session');
          assert.ok(setCookieLine(res, PENDING_COOKIE));
        }
        // A browser adding a second tab's login sends its cookie back: still no write.
        const first = await request(h.gateway.app).get('/session').expect(302);
        await request(h.gateway.app).get('/session').set('Cookie', pendingCookieOf(first)).expect(302);
      }
      assert.equal(memoryWrites.count, 0);
      assert.equal(changes(), changesBefore, 'no SQLite row was inserted, updated or deleted');
      assert.equal(rows(), rowsBefore);
    } finally {
      await sqlite.close();
    }
  });
});

describe('GET /session runs without express-session only for a browser that sends no session cookie', () => {
  it('a signed-in browser (its session cookie sent) is still sent on with 303, not to the IdP; force=1 or a stale cookie starts a login', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const home = await alice.browser.gw.get('/session?return_to=%2Fapp%2Fsettings%2Ftokens').expect(303);
    assert.equal(home.headers.location, '/app/settings/tokens');
    assert.match((await alice.browser.gw.get('/session?force=1').expect(302)).headers.location!, /SAMLRequest=/);
    for (const cookie of ['samlgate_session=s%3Astale.forged', `other=1; ${PENDING_COOKIE}=x`]) {
      const res = await request(h.gateway.app).get('/session').set('Cookie', cookie).expect(302);
      assert.match(res.headers.location!, /SAMLRequest=/);
      assert.equal(setCookieLine(res, 'samlgate_session'), undefined, 'no session is saved for a login start');
    }
  });
});

describe('regression: an anonymous POST /logout wrote a session tombstone (never purged under the manual clock)', () => {
  it('an anonymous POST /logout writes nothing; a real logout still ends the session', async () => {
    const sqlite = createSqliteStore(':memory:');
    const h = await createHarness({}, {}, { store: sqlite });
    await request(h.gateway.app).get('/api/v2/ping').expect(204);
    const rows = () => sqlite.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sessions').get()!.n;
    for (const cookie of [undefined, 'samlgate_session=s%3Anot-a-session.forged']) {
      for (let i = 0; i < 20; i++) {
        const r = request(h.gateway.app).post('/logout').type('form');
        if (cookie) r.set('Cookie', cookie);
        await r.send({}).expect(303);
      }
    }
    assert.equal(rows(), 0, 'no row (not even a tombstone) for sessions that never existed');
    const alice = await h.login('alice');
    await alice.browser.gw.post('/logout').type('form').send({ _csrf: alice.csrf }).expect(303);
    await alice.browser.gw.get('/api/v2/account/details').expect(401);
    assert.deepEqual(await sqlite.sessions.listByUser(alice.userId), []);
    await sqlite.close();
  });
});

describe('the pending-login cookie', () => {
  it('is HttpOnly, SameSite=Lax, Path=/, a compact HS256 JWS well under 4 KB, with no Max-Age (the signed expiry counts)', async () => {
    const h = await createHarness();
    const res = await request(h.gateway.app).get('/session').expect(302);
    const line = setCookieLine(res, PENDING_COOKIE)!;
    assert.match(line, /; HttpOnly/);
    assert.match(line, /; SameSite=Lax/);
    assert.match(line, /; Path=\//);
    assert.doesNotMatch(line, /Max-Age|Expires|Secure/);
    const [header, payload] = line.split(';')[0]!.slice(PENDING_COOKIE.length + 1).split('.');
    assert.deepEqual(JSON.parse(fromB64url(header!)), { alg: 'HS256', typ: 'samlgate-pending+jwt' });
    const claims = JSON.parse(fromB64url(payload!));
    const location = new URL(res.headers.location!);
    assert.equal(claims.p.length, 1);
    assert.equal(claims.p[0].rs, location.searchParams.get('RelayState'));
    assert.equal(claims.p[0].until, h.clock.now() + PENDING_LOGIN_TTL_MS, 'on the injected clock');
  });

  it("writes the Set-Cookie line express's res.cookie writes with the same attributes (plain and Secure)", async () => {
    for (const secure of [false, true]) {
      const cookie = new PendingLoginCookie({ secret: 'a-session-secret-of-the-gateway', secure });
      const now = Date.UTC(2026, 11, 7);
      const logins = [{ requestId: '_abc', relayState: 'rs1', expiresAt: now + PENDING_LOGIN_TTL_MS, returnTo: '/app' }];
      const app = express();
      app.set('trust proxy', true);
      app.get('/ours', (req, res) => {
        cookie.write(req, res, logins, now);
        res.end();
      });
      app.get('/express', (req, res) => {
        res.cookie(PENDING_COOKIE, String(req.query.value), cookie.attributes());
        res.end();
      });
      const ours = setCookieLine(await request(app).get('/ours').set('X-Forwarded-Proto', 'https'), PENDING_COOKIE)!;
      const value = ours.split(';')[0]!.slice(PENDING_COOKIE.length + 1);
      const theirs = setCookieLine(await request(app).get('/express').query({ value }), PENDING_COOKIE)!;
      assert.equal(ours, theirs);
      assert.equal(ours.includes('; Secure'), secure);
    }
  });

  it('keeps parallel logins (two tabs): each completes, in either order', async () => {
    const h = await createHarness();
    const b = h.browser();
    const tab1 = await startLogin(b, 'alice', 'force=1&return_to=%2Fone');
    const tab2 = await startLogin(b, 'alice', 'force=1&return_to=%2Ftwo');
    assert.equal((await b.gw.post('/users/saml/auth').type('form').send(tab2.fields).expect(303)).headers.location, '/two');
    assert.equal((await b.gw.post('/users/saml/auth').type('form').send(tab1.fields).expect(303)).headers.location, '/one');
  });

  it(`stays bounded: at most ${MAX_PENDING_LOGINS} logins and ${MAX_PENDING_COOKIE_BYTES} bytes, oldest dropped, even with the longest return paths`, async () => {
    const h = await createHarness();
    const b = h.browser();
    const longPath = `/${'é'.repeat(511)}`; // 512 characters, 1,023 bytes of UTF-8
    let last!: request.Response;
    for (let i = 0; i < MAX_PENDING_LOGINS + 3; i++) {
      last = await b.gw.get(`/session?force=1&return_to=${encodeURIComponent(longPath)}`).expect(302);
      const line = setCookieLine(last, PENDING_COOKIE)!;
      assert.ok(line.length < 4096, `Set-Cookie is ${line.length} bytes`);
      const value = line.split(';')[0]!.slice(PENDING_COOKIE.length + 1);
      assert.ok(value.length <= MAX_PENDING_COOKIE_BYTES);
      assert.ok(JSON.parse(fromB64url(value.split('.')[1]!)).p.length <= MAX_PENDING_LOGINS);
    }
    // The newest login is always kept.
    const sso = new URL(last.headers.location!);
    const page = await b.idp.get(sso.pathname + sso.search);
    const posted = await b.idp.post('/login').type('form').send({ ...hiddenFields(page.text), username: 'alice', password: 'alice' });
    const res = await b.gw.post('/users/saml/auth').type('form').send(parseAutoPostForm(posted.text)!.fields).expect(303);
    assert.equal(decodeURIComponent(res.headers.location!), longPath);
  });

  it('the used login leaves the cookie on success (the cookie is cleared when it was the only one)', async () => {
    const h = await createHarness();
    const b = h.browser();
    const { fields } = await startLogin(b);
    const res = await b.gw.post('/users/saml/auth').type('form').send(fields).expect(303);
    assert.match(setCookieLine(res, PENDING_COOKIE)!, /^samlgate_pending=;.*Expires=Thu, 01 Jan 1970/);
  });

  it('a response posted again with the old cookie is refused: the same response by the replay cache, another response to the same request by the burned request ID', async () => {
    const h = await createHarness();
    const b = h.browser();
    const { sso, fields, cookie } = await startLogin(b);
    await postWithCookie(h, cookie, fields).expect(303);
    // The same response (an attacker kept the cookie and the form).
    await postWithCookie(h, cookie, fields).expect(403);
    assert.equal(h.gateway.context.rejections.latest()[0]?.code, 'E_REPLAY');
    // A second, fresh response from the IdP (its session answers without a password) to the same AuthnRequest.
    const again = parseAutoPostForm((await b.idp.get(sso.pathname + sso.search).expect(200)).text)!;
    assert.equal(inResponseToOf(again.fields), inResponseToOf(fields));
    assert.notEqual(again.fields.SAMLResponse, fields.SAMLResponse);
    const detail = assertRefusedAsUnknownRequest(h, await postWithCookie(h, cookie, again.fields));
    assert.match(detail, /already completed a login/);
  });
});

describe('an unusable pending-login cookie is refused with E_IN_RESPONSE_TO and a page, not a 500', () => {
  it('a tampered cookie (payload changed, signature kept)', async () => {
    const h = await createHarness();
    const { fields, cookie } = await startLogin(h.browser());
    const [header, payload, signature] = cookie.slice(PENDING_COOKIE.length + 1).split('.');
    const claims = JSON.parse(fromB64url(payload!));
    claims.p[0].rt = '/elsewhere';
    const detail = assertRefusedAsUnknownRequest(h, await postWithCookie(h, `${PENDING_COOKIE}=${header}.${b64url(JSON.stringify(claims))}.${signature}`, fields));
    assert.match(detail, /not signed by this gateway/);
    assert.equal(await h.store.users.count(), 0);
  });

  it('an unsigned cookie (alg none) with the right request ID and RelayState', async () => {
    const h = await createHarness();
    const { fields, cookie } = await startLogin(h.browser());
    const payload = cookie.slice(PENDING_COOKIE.length + 1).split('.')[1]!;
    const forged = `${b64url(JSON.stringify({ alg: 'none', typ: 'samlgate-pending+jwt' }))}.${payload}.`;
    assertRefusedAsUnknownRequest(h, await postWithCookie(h, `${PENDING_COOKIE}=${forged}`, fields));
  });

  it('garbage in the cookie', async () => {
    const h = await createHarness();
    const { fields } = await startLogin(h.browser());
    for (const value of ['x', 'a.b.c', '%%%', '.'.repeat(5000)]) {
      assertRefusedAsUnknownRequest(h, await postWithCookie(h, `${PENDING_COOKIE}=${value}`, fields));
    }
  });

  it('an expired cookie (the manual clock moved past the pending TTL)', async () => {
    const h = await createHarness();
    const b = h.browser();
    const start = await b.gw.get('/session?force=1').expect(302);
    const cookie = pendingCookieOf(start);
    h.advance(PENDING_LOGIN_TTL_MS + 1_000);
    // The IdP answers now, so the assertion itself is fresh: only the cookie has expired.
    const sso = new URL(start.headers.location!);
    const page = await b.idp.get(sso.pathname + sso.search);
    const posted = await b.idp.post('/login').type('form').send({ ...hiddenFields(page.text), username: 'alice', password: 'alice' });
    const fields = parseAutoPostForm(posted.text)!.fields;
    const detail = assertRefusedAsUnknownRequest(h, await postWithCookie(h, cookie, fields));
    assert.match(detail, /cookie is expired/);
  });

  it("a cookie whose request ID is not the response's InResponseTo", async () => {
    const h = await createHarness();
    const { fields } = await startLogin(h.browser());
    const other = await request(h.gateway.app).get('/session').expect(302); // a valid cookie for another request
    const detail = assertRefusedAsUnknownRequest(h, await postWithCookie(h, pendingCookieOf(other), fields));
    assert.match(detail, new RegExp(`answers request "${inResponseToOf(fields)}", which this browser session did not send`));
  });

  it('a RelayState that does not match the cookie (changed or left out)', async () => {
    const h = await createHarness();
    for (const relay of [{ RelayState: 'something-else' }, { RelayState: undefined }]) {
      const { fields, cookie } = await startLogin(h.browser());
      const body = { ...fields, ...relay };
      if (relay.RelayState === undefined) delete body.RelayState;
      const detail = assertRefusedAsUnknownRequest(h, await postWithCookie(h, cookie, body as Record<string, string>));
      assert.match(detail, relay.RelayState === undefined ? /RelayState is missing/ : /RelayState does not match/);
    }
    assert.equal(await h.store.users.count(), 0);
  });

  it('a cookie from a gateway with another session secret (same IdP, same request ID and RelayState)', async () => {
    const h = await createHarness();
    const elsewhere = await createHarness(); // another gateway: its own random session secret
    const { fields, cookie } = await startLogin(elsewhere.browser());
    const detail = assertRefusedAsUnknownRequest(h, await postWithCookie(h, cookie, fields));
    assert.match(detail, /not signed by this gateway/);
    // The same cookie and response are good at the gateway that made them.
    await postWithCookie(elsewhere, cookie, fields).expect(303);
  });
});
