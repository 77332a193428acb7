/**
 * The IdP's pending logins as an attacker meets them. They used to live in a bounded map in the
 * IdP, one entry per AuthnRequest received: replaying one signed /sso URL 10,000 times filled it
 * and evicted every open login form of everyone else. Now each pending login is a signed,
 * short-lived cookie in the browser that came from the SP (src/idp/pending-login.ts), so an
 * anonymous /sso stores nothing, and the cookie itself cannot be forged, moved or stretched.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import request from 'supertest';
import { hiddenFields, parseAutoPostForm } from '../../src/client/saml-browser.ts';
import { ManualClock } from '../../src/clock.ts';
import { resolveConfig } from '../../src/config.ts';
import { createIdp } from '../../src/idp/app.ts';
import { MAX_OPEN_LOGINS, PENDING_COOKIE_PREFIX } from '../../src/idp/pending-login.ts';
import { randomIds } from '../../src/ids.ts';
import { silentLogger } from '../../src/log.ts';
import { NS } from '../../src/saml/constants.ts';
import { cookiesOf, decodeSamlResponse, gatewayRedirectQuery, makeIdp, pendingCookieOf, postLogin, readPostForm, type TestIdp } from '../idp/helpers.ts';
import { createHarness, type Browser } from '../support/harness.ts';
import { floodGet } from '../support/http-flood.ts';

/** The gateway's signed AuthnRequest for this browser, as the path + query it redirects to at the IdP. */
async function ssoPathFor(b: Browser): Promise<string> {
  const start = await b.gw.get('/session?force=1').expect(302);
  const sso = new URL(start.headers.location!);
  return sso.pathname + sso.search;
}

const pendingCookies = (res: { headers: Record<string, unknown> }) => cookiesOf(res).filter((c) => c.startsWith(PENDING_COOKIE_PREFIX));

describe('IdP pending logins (regression: a stranger could evict them)', () => {
  it('replaying one signed /sso URL 10,000 times does not evict other open login forms', { timeout: 600_000 }, async () => {
    const h = await createHarness();
    // User A's browser reaches the IdP's login form for its own AuthnRequest.
    const a = h.browser();
    const formA = await a.idp.get(await ssoPathFor(a)).expect(200);
    assert.match(formA.text, /name="password"/);

    // A stranger takes one signed /sso URL (their own login start) and replays it, cookie-less.
    const replayed = await ssoPathFor(h.browser());
    const server = http.createServer(h.idp.app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${replayed}`;
      // node:http with a keep-alive Agent (test/support/http-flood.ts), not fetch: the client's cost was most of this test's time.
      const statuses = await floodGet(url, 10_000, { connections: 10 });
      assert.deepEqual([...statuses], [[200, 10_000]], 'every replay is answered with the login form');
    } finally {
      server.close();
      server.closeAllConnections();
    }

    // A's form still completes, and the gateway accepts the Response it produces.
    const posted = await a.idp.post('/login').type('form').send({ ...hiddenFields(formA.text), username: 'alice', password: 'alice' });
    assert.equal(posted.status, 200, posted.text.slice(0, 400));
    const saml = parseAutoPostForm(posted.text);
    assert.ok(saml, 'the IdP answers with the auto-posting SAML form');
    assert.equal(saml.action, h.config.gateway.acsUrl);
    await a.gw.post(new URL(saml.action).pathname).type('form').send(saml.fields).expect(303);
    const me = await a.gw.get('/api/v2/account/details').expect(200);
    assert.equal(me.body.data.attributes.username, 'alice');
  });

  it('an anonymous /sso stores nothing at the IdP: the pending login is an HttpOnly, SameSite=Strict cookie of 15 minutes', async () => {
    const t = makeIdp();
    const page = await request(t.idp.app).get(`/sso?${gatewayRedirectQuery(t)}`).expect(200);
    const set = ((page.headers['set-cookie'] as unknown as string[]) ?? []).find((c) => c.startsWith(PENDING_COOKIE_PREFIX));
    assert.ok(set, 'the pending login travels in a cookie');
    assert.match(set, /HttpOnly/);
    assert.match(set, /SameSite=Strict/);
    assert.match(set, /Max-Age=900/);
    assert.equal(t.idp.sessions.size, 0, 'no IdP session either');
  });

  it('a pending-login cookie that was altered, or moved to another login reference, is refused', async () => {
    const t = makeIdp();
    const page = await request(t.idp.app).get(`/sso?${gatewayRedirectQuery(t, { id: '_victim' })}`).expect(200);
    const cookie = pendingCookieOf(page);
    const [name, token] = [cookie.slice(0, cookie.indexOf('=')), cookie.slice(cookie.indexOf('=') + 1)];
    const [header, payload, mac] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const evil = Buffer.from(JSON.stringify({ ...claims, acs: 'https://evil.example/acs' })).toString('base64url');
    const altered = await postLogin(t.idp.app, page, { username: 'alice', password: 'alice' }, { cookies: [`${name}=${header}.${evil}.${mac}`] });
    // Two cookies of the name: the page's genuine one and the altered one; drop the genuine one.
    const onlyAltered = await request(t.idp.app).post('/login').set('Cookie', [cookiesOf(page).find((c) => c.startsWith('samlgate_idp_csrf='))!, `${name}=${header}.${evil}.${mac}`]).type('form').send({ ...hiddenFields(page.text), username: 'alice', password: 'alice' });
    for (const res of [altered, onlyAltered]) {
      assert.equal(res.status, 400);
      assert.match(res.text, /unknown or has expired[\s\S]*What to do/);
      assert.doesNotMatch(res.text, /evil\.example/);
    }

    // The genuine cookie under another login's name (say, to answer another request ID) is refused too.
    const other = await request(t.idp.app).get(`/sso?${gatewayRedirectQuery(t, { id: '_other' })}`).expect(200);
    const otherName = pendingCookieOf(other).split('=')[0]!;
    const moved = await request(t.idp.app).post('/login').set('Cookie', [cookiesOf(other).find((c) => c.startsWith('samlgate_idp_csrf='))!, `${otherName}=${token}`]).type('form').send({ ...hiddenFields(other.text), username: 'alice', password: 'alice' });
    assert.equal(moved.status, 400);
    assert.match(moved.text, /unknown or has expired/);
  });

  it('a pending login expires on the injected clock, not the wall clock', async () => {
    const t = makeIdp();
    const page = await request(t.idp.app).get(`/sso?${gatewayRedirectQuery(t)}`).expect(200);
    t.clock.advance(14 * 60_000);
    assert.equal((await request(t.idp.app).get(`/login?request=${hiddenFields(page.text).request}&user=bob`).set('Cookie', pendingCookieOf(page))).status, 200);
    t.clock.advance(2 * 60_000);
    const late = await postLogin(t.idp.app, page, { username: 'alice', password: 'alice' });
    assert.equal(late.status, 400);
    assert.match(late.text, /stays valid for 15 minutes/);
  });

  it('a login completes once in the browser: its cookie is cleared with the Response', async () => {
    const t = makeIdp();
    const page = await request(t.idp.app).get(`/sso?${gatewayRedirectQuery(t)}`).expect(200);
    const done = await postLogin(t.idp.app, page, { username: 'alice', password: 'alice' });
    assert.equal(done.status, 200);
    const cleared = ((done.headers['set-cookie'] as unknown as string[]) ?? []).find((c) => c.startsWith(pendingCookieOf(page).split('=')[0]!));
    assert.ok(cleared && /Expires=Thu, 01 Jan 1970/.test(cleared), `the pending cookie is cleared: ${cleared}`);
  });

  it('two logins open in one browser (two SPs) each answer their own SP; a replay in that browser overwrites only its own entry', async () => {
    const other = { entityId: 'https://other-sp.example/metadata', acsUrl: 'https://other-sp.example/acs' };
    const t = makeIdp({ idp: { serviceProviders: [other] } });
    const gw = await request(t.idp.app).get(`/sso?${gatewayRedirectQuery(t, { id: '_to-gateway', relayState: 'gw' })}`).expect(200);
    const xml = `<samlp:AuthnRequest xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="_to-other" Version="2.0" IssueInstant="${new Date(t.clock.now()).toISOString()}"><saml:Issuer>${other.entityId}</saml:Issuer></samlp:AuthnRequest>`;
    const second = await request(t.idp.app).post('/sso').set('Cookie', pendingCookies(gw)).type('form').send({ SAMLRequest: Buffer.from(xml).toString('base64'), RelayState: 'other' }).expect(200);
    assert.notEqual(pendingCookieOf(gw).split('=')[0], pendingCookieOf(second).split('=')[0], 'one cookie per pending login');
    const jar = [...pendingCookies(gw), ...pendingCookies(second)];

    // The same AuthnRequest again in this browser: the same cookie name, so it replaces itself.
    const again = await request(t.idp.app).get(`/sso?${gatewayRedirectQuery(t, { id: '_to-gateway', relayState: 'gw' })}`).set('Cookie', jar).expect(200);
    assert.equal(pendingCookieOf(again).split('=')[0], pendingCookieOf(gw).split('=')[0]);

    const toOther = await postLogin(t.idp.app, second, { username: 'bob', password: 'bob' }, { cookies: pendingCookies(gw) });
    const toGateway = await postLogin(t.idp.app, gw, { username: 'alice', password: 'alice' }, { cookies: pendingCookies(second) });
    for (const [res, acs, inResponseTo, relay] of [[toOther, other.acsUrl, '_to-other', 'other'], [toGateway, t.config.gateway.acsUrl, '_to-gateway', 'gw']] as const) {
      assert.equal(res.status, 200, res.text);
      const form = readPostForm(res.text);
      assert.equal(form.action, acs);
      assert.equal(form.fields.RelayState, relay);
      assert.equal(decodeSamlResponse(form.fields.SAMLResponse!).response.getAttribute('InResponseTo'), inResponseTo);
    }
  });

  it(`a browser keeps at most ${MAX_OPEN_LOGINS} pending logins: a new one clears that browser's oldest`, async () => {
    const t = makeIdp();
    let jar = new Map<string, string>();
    const names: string[] = [];
    for (let i = 0; i < MAX_OPEN_LOGINS + 1; i++) {
      t.clock.advance(1000);
      const page = await request(t.idp.app).get(`/sso?${gatewayRedirectQuery(t, { id: `_open-${i}` })}`).set('Cookie', [...jar].map(([n, v]) => `${n}=${v}`)).expect(200);
      for (const h of (page.headers['set-cookie'] as unknown as string[]) ?? []) {
        const [pair] = h.split(';');
        const [n, v] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
        if (!n.startsWith(PENDING_COOKIE_PREFIX)) continue;
        if (v === '' || /Expires=Thu, 01 Jan 1970/.test(h)) jar.delete(n);
        else jar.set(n, v);
      }
      names.push(pendingCookieOf(page).split('=')[0]!);
    }
    jar = new Map(jar);
    assert.equal(jar.size, MAX_OPEN_LOGINS);
    assert.equal(jar.has(names[0]!), false, 'the oldest was dropped');
    assert.ok(names.slice(1).every((n) => jar.has(n)));
  });

  it('a RelayState too long to carry is refused with a 400 that says the limit', async () => {
    const t = makeIdp();
    const res = await request(t.idp.app).get(`/sso?${gatewayRedirectQuery(t, { relayState: 'r'.repeat(1025) })}`);
    assert.equal(res.status, 400);
    assert.match(res.text, /RelayState is 1025 bytes[^<]*at most 1024/);
  });

  it('a login form opened before an IdP restart still completes after it (the key comes from the persisted IdP secret)', async () => {
    const config = resolveConfig({});
    const clock = new ManualClock();
    const secret = randomIds.random(48);
    const before = createIdp({ config, clock, ids: randomIds, logger: silentLogger, secret });
    const t: TestIdp = { idp: before, clock, config };
    const page = await request(before.app).get(`/sso?${gatewayRedirectQuery(t, { id: '_across-restart' })}`).expect(200);
    const after = createIdp({ config, clock, ids: randomIds, logger: silentLogger, secret });
    const res = await postLogin(after.app, page, { username: 'carol', password: 'carol' });
    assert.equal(res.status, 200, res.text);
    assert.equal(decodeSamlResponse(readPostForm(res.text).fields.SAMLResponse!).response.getAttribute('InResponseTo'), '_across-restart');
  });
});
