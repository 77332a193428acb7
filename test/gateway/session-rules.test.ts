/**
 * Rules S1-S4 and F2, one test per rule, on the manual clock through real HTTP: how a web session
 * ends, and what that does to the API tokens of ordinary users and of service accounts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { callWithToken, createHarness } from '../support/harness.ts';

const EXPIRED_DETAIL = /^the SSO session of user alice has expired, so their API tokens are not valid; log in again at http:\/\/localhost:8080\/session/;

describe('S1: the web session ends at the earliest limit', () => {
  it('idle timeout: no web request for --idle-timeout ends the session', async () => {
    const h = await createHarness({ 'gateway.idleTimeout': '20m' });
    const alice = await h.login('alice');
    h.advance('19m');
    await alice.browser.gw.get('/api/v2/account/details').expect(200); // web activity resets idle time
    h.advance('19m');
    await alice.browser.gw.get('/api/v2/account/details').expect(200);
    h.advance('20m');
    await alice.browser.gw.get('/api/v2/account/details').expect(401);
    const page = await alice.browser.gw.get('/').expect(200);
    assert.match(page.text, /Sign in with SSO/);
  });

  it('absolute timeout: --session-expiration ends even an active session', async () => {
    const h = await createHarness({ 'gateway.idleTimeout': '1h', 'gateway.sessionExpiration': '2h' });
    const alice = await h.login('alice');
    for (const step of ['40m', '40m', '39m']) {
      h.advance(step);
      await alice.browser.gw.get('/api/v2/account/details').expect(200);
    }
    h.advance('1m'); // 2h since login, last activity 1m ago
    await alice.browser.gw.get('/api/v2/account/details').expect(401);
  });

  it("SessionNotOnOrAfter: the IdP's session limit ends the gateway session", async () => {
    const h = await createHarness({ 'gateway.idleTimeout': '2h', 'idp.sessionNotOnOrAfter': '30m' });
    const alice = await h.login('alice');
    const token = await alice.createToken();
    h.advance('29m');
    await callWithToken(h, token.secret).expect(200);
    h.advance('1m');
    await alice.browser.gw.get('/api/v2/account/details').expect(401);
    const res = await callWithToken(h, token.secret).expect(401);
    assert.match(res.body.errors[0].detail, EXPIRED_DETAIL);
  });

  it('logout ends the session and with it the token of a non-service-account user', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const token = await alice.createToken();
    await callWithToken(h, token.secret).expect(200);
    const out = await alice.browser.gw.post('/logout').type('form').send({ _csrf: alice.csrf }).expect(303);
    assert.match(out.headers.location!, /^http:\/\/localhost:7000\/slo\?SAMLRequest=/);
    await alice.browser.gw.get('/api/v2/account/details').expect(401);
    await callWithToken(h, token.secret).expect(401);
  });

  it('logout without the CSRF token is refused', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    await alice.browser.gw.post('/logout').type('form').send({}).expect(403);
    await alice.browser.gw.get('/api/v2/account/details').expect(200);
  });

  it('API calls with a token are not web activity and do not extend the session', async () => {
    const h = await createHarness({ 'gateway.idleTimeout': '20m' });
    const alice = await h.login('alice');
    const token = await alice.createToken();
    for (let i = 0; i < 4; i++) {
      h.advance('5m');
      if (i < 3) await callWithToken(h, token.secret).expect(200);
    }
    await callWithToken(h, token.secret).expect(401);
  });
});

describe('S2: an ordinary user token needs a live session and a recent SAML login', () => {
  it('gets exactly the JSON:API 401 body once the session has expired', async () => {
    const h = await createHarness({ 'gateway.idleTimeout': '20m' });
    const alice = await h.login('alice');
    const token = await alice.createToken();
    await callWithToken(h, token.secret).expect(200);
    h.advance('21m');
    const res = await callWithToken(h, token.secret).expect(401).expect('Content-Type', /application\/vnd\.api\+json/);
    assert.deepEqual(Object.keys(res.body), ['errors']);
    assert.equal(res.body.errors.length, 1);
    const [error] = res.body.errors;
    assert.deepEqual(Object.keys(error).sort(), ['detail', 'status', 'title']);
    assert.equal(error.status, '401');
    assert.equal(error.title, 'unauthorized');
    assert.match(error.detail, EXPIRED_DETAIL);
  });

  it('the token is not deleted: logging in again makes it valid again', async () => {
    const h = await createHarness({ 'gateway.idleTimeout': '20m' });
    const alice = await h.login('alice');
    const token = await alice.createToken();
    h.advance('1h');
    await callWithToken(h, token.secret).expect(401);
    await h.login('alice');
    await callWithToken(h, token.secret).expect(200);
  });

  it('sso-api-token-session-timeout: a live but old session is not enough', async () => {
    const h = await createHarness({ 'gateway.idleTimeout': '1h', 'gateway.sessionExpiration': '14d', 'gateway.apiTokenTimeout': '2h' });
    const alice = await h.login('alice');
    const token = await alice.createToken();
    for (let i = 0; i < 4; i++) {
      h.advance('30m');
      await alice.browser.gw.get('/').expect(200); // keeps the web session alive
    }
    const res = await callWithToken(h, token.secret).expect(401);
    assert.match(res.body.errors[0].detail, /last SAML login was more than 2h ago \(sso-api-token-session-timeout\)/);
    await alice.browser.gw.get('/api/v2/account/details').expect(200); // the web session itself is live
  });
});

describe('S3: a service account token outlives the session', () => {
  it("bob's token keeps working after the session and the token timeout pass", async () => {
    const h = await createHarness({ 'gateway.idleTimeout': '20m', 'gateway.apiTokenTimeout': '1h' });
    const bob = await h.login('bob');
    const token = await bob.createToken();
    h.advance('30d');
    const res = await callWithToken(h, token.secret).expect(200);
    assert.equal(res.body.data.attributes.username, 'bob');
    await bob.browser.gw.get('/').expect(200).expect(/Sign in with SSO/);
  });

  it('…until it is revoked', async () => {
    const h = await createHarness();
    const bob = await h.login('bob');
    const token = await bob.createToken();
    await bob.browser.gw.delete(`/api/v2/authentication-tokens/${token.id}`).set('X-CSRF-Token', bob.csrf).expect(204);
    const res = await callWithToken(h, token.secret).expect(401);
    assert.equal(res.body.errors[0].detail, 'the token is invalid or has been revoked');
  });

  it("…or its own expired-at passes", async () => {
    const h = await createHarness();
    const bob = await h.login('bob');
    const expiredAt = new Date(h.clock.now() + 3_600_000).toISOString();
    const created = await bob.browser.gw
      .post(`/api/v2/users/${bob.userId}/authentication-tokens`)
      .set('X-CSRF-Token', bob.csrf)
      .send({ data: { type: 'authentication-tokens', attributes: { 'expired-at': expiredAt } } })
      .expect(201);
    assert.equal(created.body.data.attributes['expired-at'], expiredAt);
    const secret = created.body.data.attributes.token;
    await callWithToken(h, secret).expect(200);
    h.advance('1h');
    const res = await callWithToken(h, secret).expect(401);
    assert.match(res.body.errors[0].detail, /^this token expired at /);
  });
});

describe('S4: suspension', () => {
  it('a suspended service account gets 401 on every token; unsuspending restores them', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    const bob = await h.login('bob');
    const token = await bob.createToken();
    const admin = (path: string) => carol.browser.gw.post(path).set('X-CSRF-Token', carol.csrf);
    const suspended = await admin(`/api/v2/admin/users/${bob.userId}/actions/suspend`).expect(200);
    assert.equal(suspended.body.data.attributes['is-suspended'], true);
    const res = await callWithToken(h, token.secret).expect(401);
    assert.match(res.body.errors[0].detail, /user bob is suspended/);
    // Suspension also ended bob's web session.
    await bob.browser.gw.get('/api/v2/account/details').expect(401);
    await admin(`/api/v2/admin/users/${bob.userId}/actions/suspend`).expect(400);
    await admin(`/api/v2/admin/users/${bob.userId}/actions/unsuspend`).expect(200);
    await callWithToken(h, token.secret).expect(200);
    await admin(`/api/v2/admin/users/${bob.userId}/actions/unsuspend`).expect(400);
  });

  it('a suspended user cannot log in', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    const alice = await h.login('alice');
    await carol.browser.gw.post(`/api/v2/admin/users/${alice.userId}/actions/suspend`).set('X-CSRF-Token', carol.csrf).expect(200);
    await assert.rejects(h.login('alice'), /ACS refused the login of alice \(HTTP 403\)/);
  });

  it('unsuspending an ordinary user restores tokens only subject to S2', async () => {
    const h = await createHarness({ 'gateway.idleTimeout': '20m' });
    const carol = await h.login('carol');
    const alice = await h.login('alice');
    const token = await alice.createToken();
    await carol.browser.gw.post(`/api/v2/admin/users/${alice.userId}/actions/suspend`).set('X-CSRF-Token', carol.csrf).expect(200);
    await carol.browser.gw.post(`/api/v2/admin/users/${alice.userId}/actions/unsuspend`).set('X-CSRF-Token', carol.csrf).expect(200);
    // Suspension ended alice's web session, so her token stays unusable until she logs in.
    const res = await callWithToken(h, token.secret).expect(401);
    assert.match(res.body.errors[0].detail, EXPIRED_DETAIL);
  });

  it('non-admins get 404 from the admin endpoints (T7), with session or token', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const token = await alice.createToken();
    await alice.browser.gw.post(`/api/v2/admin/users/${alice.userId}/actions/suspend`).set('X-CSRF-Token', alice.csrf).expect(404);
    await request(h.gateway.app).post(`/api/v2/admin/users/${alice.userId}/actions/suspend`).set('Authorization', `Bearer ${token.secret}`).expect(404);
    await request(h.gateway.app).get('/api/v2/admin/users').set('Authorization', `Bearer ${token.secret}`).expect(404);
  });
});

describe('session housekeeping', () => {
  it('long-ended sessions are purged from the store', async () => {
    const h = await createHarness({ 'gateway.idleTimeout': '20m' });
    const alice = await h.login('alice');
    await h.browser().gw.get('/session').expect(302); // a login nobody finishes: stores nothing
    assert.equal((await h.store.sessions.listByUser(alice.userId)).length, 1);
    h.advance('25h');
    const bob = await h.login('bob'); // any session write triggers the purge
    await new Promise((r) => setImmediate(r));
    assert.equal((await h.store.sessions.listByUser(alice.userId)).length, 0);
    assert.equal((await h.store.sessions.listByUser(bob.userId)).length, 1);
    assert.equal(await h.store.sessions.purgeExpired(h.clock.now() + 3_600_000), 1, "only bob's session was left");
  });
});
