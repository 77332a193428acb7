/**
 * The ACS through real HTTP: the transport rules, the browser binding of InResponseTo, replay,
 * RelayState, and what the browser and the operator see when a response is refused. The full
 * attack matrix runs against verifyLoginResponse in test/security/; these check the wiring.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { hiddenFields, parseAutoPostForm } from '../../src/client/saml-browser.ts';
import { createHarness, sessionCookie, type Browser, type Harness } from '../support/harness.ts';

/** Runs the IdP part of a login and returns the auto-post form instead of posting it. */
async function samlResponseFor(h: Harness, b: Browser, username: string, returnTo?: string) {
  const start = await b.gw.get(`/session?force=1${returnTo ? `&return_to=${encodeURIComponent(returnTo)}` : ''}`).expect(302);
  const sso = new URL(start.headers.location!);
  let page = await b.idp.get(sso.pathname + sso.search);
  if (/name="password"/.test(page.text)) page = await b.idp.post('/login').type('form').send({ ...hiddenFields(page.text), username, password: username });
  const form = parseAutoPostForm(page.text);
  assert.ok(form, 'IdP answered with a SAML form');
  return form.fields;
}

describe('ACS over HTTP', () => {
  it('only POST is accepted (SAML bindings 3.5)', async () => {
    const h = await createHarness();
    const res = await request(h.gateway.app).get('/users/saml/auth').expect(405);
    assert.equal(res.headers.allow, 'POST');
  });

  it('a repeated SAMLResponse parameter is a 400 with a generic page (PARAM1)', async () => {
    const h = await createHarness({ 'gateway.samlDebug': false });
    const res = await request(h.gateway.app).post('/users/saml/auth').type('form').send('SAMLResponse=AAAA&SAMLResponse=BBBB').expect(400);
    assert.match(res.text, /Sign-in failed/);
    assert.match(res.text, /code E_TRANSPORT/);
    assert.equal(h.gateway.context.rejections.latest()[0]?.code, 'E_TRANSPORT');
  });

  it('an oversized body is refused before any parsing, not a 500 (SIZE1)', async () => {
    const h = await createHarness();
    const res = await request(h.gateway.app).post('/users/saml/auth').type('form').send(`SAMLResponse=${'A'.repeat(300 * 1024)}`);
    assert.equal(res.status, 413);
  });

  it('a refused response shows the browser a generic message and the operator the detail (debug off)', async () => {
    const h = await createHarness({ 'gateway.samlDebug': false });
    await h.patchIdpUser('alice', { faults: ['wrong-audience'] });
    const b = h.browser();
    const fields = await samlResponseFor(h, b, 'alice');
    const res = await b.gw.post('/users/saml/auth').type('form').send(fields).expect(403);
    assert.match(res.text, /the assertion was issued for another service provider/);
    assert.ok(!res.text.includes('wrong-audience.invalid'), 'no document values reach the browser');
    const [entry] = h.gateway.context.rejections.latest();
    assert.equal(entry?.code, 'E_AUDIENCE');
    assert.match(entry!.detail, /wrong-audience\.invalid/);
    assert.match(entry!.detail, /http:\/\/localhost:8080\/users\/saml\/metadata/);
    const carol = await h.login('carol');
    const debug = await carol.browser.gw.get('/app/admin/users').expect(200);
    assert.match(debug.text, /E_AUDIENCE/);
  });

  for (const [fault, code] of [['unsigned', 'E_SIGNATURE'], ['bad-signature', 'E_SIGNATURE'], ['expired', 'E_TIME']] as const) {
    it(`the IdP fault ${fault} is refused with ${code}`, async () => {
      const h = await createHarness();
      await h.patchIdpUser('alice', { faults: [fault] });
      const b = h.browser();
      const fields = await samlResponseFor(h, b, 'alice');
      await b.gw.post('/users/saml/auth').type('form').send(fields).expect(403);
      assert.equal(h.gateway.context.rejections.latest()[0]?.code, code);
      assert.equal((await h.store.users.count()), 0);
    });
  }

  it("a response is bound to the browser that asked for it (IRT, login CSRF)", async () => {
    const h = await createHarness();
    const victim = h.browser();
    const attacker = h.browser();
    const fields = await samlResponseFor(h, attacker, 'alice');
    await victim.gw.get('/session?force=1').expect(302); // the victim has a login of their own in flight
    await victim.gw.post('/users/saml/auth').type('form').send(fields).expect(403);
    assert.equal(h.gateway.context.rejections.latest()[0]?.code, 'E_IN_RESPONSE_TO');
  });

  it('a cross-site POST without the session cookie is re-posted from our own origin once (SameSite=Lax)', async () => {
    const h = await createHarness();
    const b = h.browser();
    const fields = await samlResponseFor(h, b, 'alice');
    // What a browser sends for the IdP's cross-site form: no Lax cookie.
    const relay = await request(h.gateway.app).post('/users/saml/auth').type('form').send(fields).expect(200);
    assert.match(relay.headers['content-security-policy']!, /script-src 'nonce-[A-Za-z0-9]+'/);
    const form = parseAutoPostForm(relay.text);
    assert.ok(form);
    assert.equal(form.action, 'http://localhost:8080/users/saml/auth');
    assert.equal(form.fields.SAMLResponse, fields.SAMLResponse);
    assert.equal(form.fields._samlgate_relay, '1');
    // The same-site re-post carries the cookie and completes the login.
    await b.gw.post('/users/saml/auth').type('form').send(form.fields).expect(303);
    await b.gw.get('/api/v2/account/details').expect(200);
    // A relayed post that still has no cookie is judged, not relayed again.
    await request(h.gateway.app).post('/users/saml/auth').type('form').send(form.fields).expect(403);
  });

  it('posting the same response twice fails the second time', async () => {
    const h = await createHarness();
    const b = h.browser();
    const fields = await samlResponseFor(h, b, 'alice');
    await b.gw.post('/users/saml/auth').type('form').send(fields).expect(303);
    await b.gw.post('/users/saml/auth').type('form').send(fields).expect(403);
    assert.equal(h.gateway.context.rejections.latest()[0]?.code, 'E_IN_RESPONSE_TO');
  });

  it('a tampered RelayState is refused', async () => {
    const h = await createHarness();
    const b = h.browser();
    const fields = await samlResponseFor(h, b, 'alice');
    await b.gw.post('/users/saml/auth').type('form').send({ ...fields, RelayState: 'something-else' }).expect(403);
  });

  it('return_to lands on a local path and never off-site (RELAY1-2)', async () => {
    const h = await createHarness();
    for (const [returnTo, landing] of [
      ['/app/settings/tokens', '/app/settings/tokens'],
      ['//evil.example/x', '/'],
      ['https://evil.example/', '/'],
      ['/\\evil.example', '/'],
    ] as const) {
      const b = h.browser();
      const fields = await samlResponseFor(h, b, 'alice', returnTo);
      const res = await b.gw.post('/users/saml/auth').type('form').send(fields).expect(303);
      assert.equal(res.headers.location, landing, returnTo);
    }
  });

  it('unsolicited (IdP-initiated) responses are refused by default and accepted with --allow-idp-initiated', async () => {
    for (const allow of [false, true]) {
      const h = await createHarness({ 'gateway.allowIdpInitiated': allow });
      const b = h.browser();
      const page = await b.idp.get(`/sso/initiate?sp=${encodeURIComponent(h.config.gateway.entityId)}&user=alice`).expect(200);
      const form = parseAutoPostForm(page.text);
      assert.ok(form);
      // A browser with no gateway cookie yet gets the same-site relay page first.
      const relay = parseAutoPostForm((await b.gw.post('/users/saml/auth').type('form').send(form.fields).expect(200)).text);
      assert.ok(relay);
      const res = await b.gw.post('/users/saml/auth').type('form').send(relay.fields);
      if (!allow) {
        assert.equal(res.status, 403);
        assert.equal(h.gateway.context.rejections.latest()[0]?.code, 'E_UNSOLICITED');
      } else {
        assert.equal(res.status, 303);
        // Replay of an unsolicited response is caught by the assertion-ID cache.
        await b.gw.post('/users/saml/auth').type('form').send(relay.fields).expect(403);
        assert.equal(h.gateway.context.rejections.latest()[0]?.code, 'E_REPLAY');
      }
    }
  });

  it('the session id changes at login (session fixation)', async () => {
    const h = await createHarness();
    const b = h.browser();
    // GET /session sets no session cookie at all (only the signed pending-login cookie), so the
    // session to replace is the one of an earlier login in the same browser.
    const first = await h.login('alice', b);
    const start = await b.gw.get('/session?force=1').expect(302);
    assert.equal(/samlgate_session=/.exec(String(start.headers['set-cookie'])), null, 'GET /session leaves the session alone');
    const before = /samlgate_session=([^;]+)/.exec(sessionCookie(first.browser))?.[1];
    assert.ok(before);
    const sso = new URL(start.headers.location!);
    const page = await b.idp.get(sso.pathname + sso.search);
    const fields = parseAutoPostForm(page.text)!.fields;
    const res = await b.gw.post('/users/saml/auth').type('form').send(fields).expect(303);
    const after = /samlgate_session=([^;]+)/.exec(String(res.headers['set-cookie']))?.[1];
    assert.ok(after);
    assert.notEqual(after, before);
    assert.match(String(res.headers['set-cookie']), /HttpOnly/);
    assert.match(String(res.headers['set-cookie']), /SameSite=Lax/);
  });
});

describe('SAML debug view (TFE SAML debug setting; on by default with the manual clock)', () => {
  it('a refused login page shows the reason and the fix, and the admin debug page the full report', async () => {
    const h = await createHarness();
    await h.patchIdpUser('alice', { faults: ['wrong-audience', 'sa-name-lowercase'] });
    const b = h.browser();
    const fields = await samlResponseFor(h, b, 'alice');
    const res = await b.gw.post('/users/saml/auth').type('form').send(fields).expect(403);
    assert.match(res.text, /E_AUDIENCE/);
    assert.match(res.text, /wrong-audience\.invalid/);
    assert.match(res.text, /Fix:<\/strong> set the SP entity ID \(audience\) in your IdP to http:\/\/localhost:8080\/users\/saml\/metadata/);
    const id = /\/app\/admin\/saml\/attempts\/(\d+)/.exec(res.text)?.[1];
    assert.ok(id);
    const carol = await h.login('carol');
    const list = await carol.browser.gw.get('/app/admin/saml/attempts').expect(200);
    assert.match(list.text, /refused <code>E_AUDIENCE<\/code>/);
    const page = await carol.browser.gw.get(`/app/admin/saml/attempts/${id}`).expect(200);
    assert.match(page.text, /class="signed"/, 'the signed assertion is marked');
    assert.match(page.text, /<code>E_AUDIENCE<\/code>/);
    assert.match(page.text, /<code>Username<\/code><\/td><td><code>urn:oasis:names:tc:SAML:2.0:attrname-format:basic<\/code>/);
    const alice = await h.login('alice', undefined).catch(() => null);
    assert.equal(alice, null, 'still refused');
    // Non-admins get 404 for the debug pages, as for every admin page.
    await h.patchIdpUser('alice', { faults: [] });
    const ok = await h.login('alice');
    await ok.browser.gw.get(`/app/admin/saml/attempts/${id}`).expect(404);
    // The accepted logins are recorded too, with the F1 decision.
    const again = await carol.browser.gw.get('/app/admin/saml/attempts').expect(200);
    assert.match(again.text, /accepted/);
  });

  it('with debug off nothing is recorded and the refusal page stays generic', async () => {
    const h = await createHarness({ 'gateway.samlDebug': false });
    await h.patchIdpUser('alice', { faults: ['wrong-audience'] });
    const b = h.browser();
    const fields = await samlResponseFor(h, b, 'alice');
    const res = await b.gw.post('/users/saml/auth').type('form').send(fields).expect(403);
    assert.ok(!res.text.includes('wrong-audience.invalid'));
    assert.equal(h.gateway.context.loginAttempts.latest().length, 0);
  });
});
