/**
 * The IdP's login page as a person (and an attacker) meets it: pick a user, see exactly what will
 * be asserted, choose a fault for one login, switch user, ForceAuthn and IsPassive, CSRF and
 * framing protection, error pages that say what to do, and no password in the log.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import request from 'supertest';
import { ManualClock } from '../../src/clock.ts';
import { resolveConfig } from '../../src/config.ts';
import { createGateway } from '../../src/gateway/app.ts';
import { SECURITY_HEADERS } from '../../src/http/security-headers.ts';
import { createIdp } from '../../src/idp/app.ts';
import { randomIds } from '../../src/ids.ts';
import { createLogger } from '../../src/log.ts';
import { ATTRNAME_FORMAT, NAMEID_FORMAT, NS } from '../../src/saml/constants.ts';
import { encodeRedirectMessage, signRedirectQuery } from '../../src/saml/sign.ts';
import { createMemoryStore } from '../../src/store/memory.ts';
import { builtInIdpTrust } from '../../src/server.ts';
import { formatTime } from '../../src/util/time-text.ts';
import { xmlsecVerify } from '../support/xmlsec.ts';
import { csrfOf, decodeSamlResponse, el, gatewayRedirectQuery, IDP_CERT, makeIdp, pendingCookieOf, postLogin, readPostForm, sessionCookie, SP_CREDENTIALS, type TestIdp } from './helpers.ts';

const A = NS.assertion;

/** A signed gateway AuthnRequest with ForceAuthn / IsPassive, as the Redirect binding carries it. */
function requestWith(t: TestIdp, o: { id: string; forceAuthn?: boolean; isPassive?: boolean }): string {
  const xml =
    `<samlp:AuthnRequest xmlns:samlp="${NS.protocol}" xmlns:saml="${A}" ID="${o.id}" Version="2.0" IssueInstant="${new Date(t.clock.now()).toISOString()}" ` +
    `Destination="${t.config.idp.baseUrl}/sso" AssertionConsumerServiceURL="${t.config.gateway.acsUrl}"${o.forceAuthn ? ' ForceAuthn="true"' : ''}${o.isPassive ? ' IsPassive="true"' : ''}>` +
    `<saml:Issuer>${t.config.gateway.entityId}</saml:Issuer></samlp:AuthnRequest>`;
  return signRedirectQuery({ type: 'SAMLRequest', message: encodeRedirectMessage(xml), privateKey: SP_CREDENTIALS.privateKey });
}

const linkTo = (html: string, user: string) => {
  const m = new RegExp(`<a href="(/login\\?[^"]*user=${user})">`).exec(html);
  assert.ok(m, `no directory link for ${user}`);
  return m[1]!.replace(/&amp;/g, '&');
};

async function signIn(t: TestIdp, user: string): Promise<string> {
  const page = await request(t.idp.app).get(`/sso?${gatewayRedirectQuery(t, { id: `_in-${user}` })}`);
  return sessionCookie((await postLogin(t.idp.app, page, { username: user, password: user })).headers['set-cookie']);
}

describe('IdP login page', () => {
  it('lists the directory; picking bob shows the NameID, every attribute with its NameFormat and values, and SessionNotOnOrAfter as a readable time', async () => {
    const t = makeIdp();
    const page = await request(t.idp.app).get(`/sso?${gatewayRedirectQuery(t)}`).expect(200);
    for (const u of ['alice', 'bob', 'carol']) linkTo(page.text, u);
    assert.match(page.text, /Bob \(service account\)<\/a> <code>bob<\/code> · <span class="ok">IsServiceAccount: flagged/);

    const confirm = await request(t.idp.app).get(linkTo(page.text, 'bob')).set('Cookie', pendingCookieOf(page)).expect(200);
    assert.match(confirm.text, /Signing in to <code>http:\/\/localhost:8080\/users\/saml\/metadata<\/code> as <strong>Bob \(service account\)<\/strong>/);
    assert.match(confirm.text, /<code>bob@example\.com<\/code><br><small>Format <code>urn:oasis:names:tc:SAML:1\.1:nameid-format:emailAddress<\/code>/);
    for (const [name, values] of [['Username', 'bob'], ['MemberOf', 'developers'], ['IsServiceAccount', 'true']]) {
      assert.match(confirm.text, new RegExp(`<tr><td><code>${name}</code></td><td><code>${ATTRNAME_FORMAT.basic}</code></td><td><code>${values}</code></td></tr>`));
    }
    // The shared formatter (src/util/time-text.ts): local and relative, the instant in the tooltip.
    const ends = new Date(t.clock.now() + 8 * 3_600_000).toISOString();
    const shown = formatTime(t.clock.now() + 8 * 3_600_000, t.clock.now());
    assert.match(shown, /, in 8 h$/);
    assert.ok(confirm.text.includes(`<time datetime="${ends}" title="${ends}" data-now="${t.clock.now()}">${shown}</time>`), 'SessionNotOnOrAfter shown local and relative');
    assert.match(confirm.text, /id="sa-reading">The gateway will read IsServiceAccount as <strong>flagged/);
    assert.match(confirm.text, /<select id="fault" name="fault"><option value="">none<\/option><option value="sa-name-lowercase">/);
    assert.match(confirm.text, /Not you\? Switch user/);

    const alice = await request(t.idp.app).get(linkTo(page.text, 'alice')).set('Cookie', pendingCookieOf(page)).expect(200);
    assert.match(alice.text, /will <strong>not<\/strong> flag this user/);
  });

  it("the preview follows the SP's settings and the user's standing faults", async () => {
    const t = makeIdp();
    await request(t.idp.app).patch(`/api/service-providers/${encodeURIComponent(t.config.gateway.entityId)}`).send({ nameIdFormat: 'unspecified', sessionNotOnOrAfter: 0 }).expect(200);
    await request(t.idp.app).patch('/api/users/bob').send({ faults: ['sa-nameformat-uri'] }).expect(200);
    const page = await request(t.idp.app).get(`/sso?${gatewayRedirectQuery(t)}`);
    const confirm = await request(t.idp.app).get(linkTo(page.text, 'bob')).set('Cookie', pendingCookieOf(page)).expect(200);
    assert.match(confirm.text, /<code>bob<\/code><br><small>Format <code>urn:oasis:names:tc:SAML:1\.1:nameid-format:unspecified/);
    assert.match(confirm.text, /not sent \(the SP decides how long the session lasts\)/);
    assert.match(confirm.text, new RegExp(`<code>IsServiceAccount</code></td><td><code>${ATTRNAME_FORMAT.uri}</code>`));
    assert.match(confirm.text, /will <strong>not<\/strong> flag/);
  });

  it('a fault chosen on the page applies to that one login only', async () => {
    const t = makeIdp();
    const page = await request(t.idp.app).get(`/sso?${gatewayRedirectQuery(t, { id: '_f1' })}`);
    const confirm = await request(t.idp.app).get(linkTo(page.text, 'bob')).set('Cookie', [csrfOf(page).cookie, pendingCookieOf(page)]);
    const res = await postLogin(t.idp.app, confirm, { username: 'bob', password: 'bob', fault: 'wrong-audience' }, { csrfCookie: csrfOf(page).cookie, cookies: [pendingCookieOf(page)] });
    assert.equal(res.status, 200, res.text);
    assert.match(el(decodeSamlResponse(readPostForm(res.text).fields.SAMLResponse!).assertion, A, 'Audience').textContent!, /wrong-audience/);
    const again = await request(t.idp.app).get(`/sso?${gatewayRedirectQuery(t, { id: '_f2' })}`).set('Cookie', sessionCookie(res.headers['set-cookie']));
    assert.equal(el(decodeSamlResponse(readPostForm(again.text).fields.SAMLResponse!).assertion, A, 'Audience').textContent, t.config.gateway.entityId);

    const fresh = await request(t.idp.app).get(`/sso?${gatewayRedirectQuery(t, { id: '_f3' })}`);
    const bogus = await postLogin(t.idp.app, fresh, { username: 'bob', password: 'bob', fault: 'no-such-fault' });
    assert.equal(bogus.status, 400);
    assert.match(bogus.text, /no-such-fault is not a fault the IdP knows[\s\S]*What to do/);
  });

  it('"not you? switch user" ends the IdP session, so the next request asks who you are', async () => {
    const t = makeIdp();
    const cookie = await signIn(t, 'alice');
    const signedIn = await request(t.idp.app).get('/').set('Cookie', cookie).expect(200);
    assert.match(signedIn.text, /href="\/login\?switch=1" id="switch-user">Not you\? Switch user/);
    const sw = await request(t.idp.app).get('/login?switch=1').set('Cookie', cookie).expect(200);
    assert.match(String(sw.headers['set-cookie']), /samlgate_idp=;/);
    const next = await request(t.idp.app).get(`/sso?${gatewayRedirectQuery(t, { id: '_after-switch' })}`).set('Cookie', cookie);
    assert.match(next.text, /name="password"/, 'the old cookie no longer signs in');
  });

  it('ForceAuthn: a live IdP session is not reused; the new login replaces it (regression, issue 9)', async () => {
    const t = makeIdp();
    const aliceCookie = await signIn(t, 'alice');
    const forced = await request(t.idp.app).get(`/sso?${requestWith(t, { id: '_force', forceAuthn: true })}`).set('Cookie', aliceCookie);
    assert.equal(forced.status, 200);
    assert.match(forced.text, /name="password"/, 'ForceAuthn shows the login form despite the session');
    assert.match(forced.text, /You are signed in to the IdP as <code>alice<\/code>; signing in here replaces that session/);
    const res = await postLogin(t.idp.app, forced, { username: 'bob', password: 'bob' }, { cookies: [aliceCookie] });
    const { response, assertion } = decodeSamlResponse(readPostForm(res.text).fields.SAMLResponse!);
    assert.equal(response.getAttribute('InResponseTo'), '_force');
    assert.equal(el(assertion, A, 'NameID').textContent, 'bob@example.com');
    assert.equal(el(assertion, A, 'AuthnStatement').getAttribute('AuthnInstant'), new Date(t.clock.now()).toISOString());
    const stale = await request(t.idp.app).get(`/sso?${gatewayRedirectQuery(t, { id: '_stale' })}`).set('Cookie', aliceCookie);
    assert.match(stale.text, /name="password"/, "alice's old session is gone");
  });

  it('IsPassive with nobody signed in: a signed Responder/NoPassive Response, no login page (SAML core 3.4.1)', async () => {
    const t = makeIdp();
    const res = await request(t.idp.app).get(`/sso?${requestWith(t, { id: '_passive', isPassive: true })}`).expect(200);
    assert.doesNotMatch(res.text, /name="password"/);
    const form = readPostForm(res.text);
    assert.equal(form.action, t.config.gateway.acsUrl);
    const xml = Buffer.from(form.fields.SAMLResponse!, 'base64').toString('utf8');
    const response = (await import('../../src/saml/xml.ts')).parseXml(xml).documentElement as Element;
    assert.equal(response.getAttribute('InResponseTo'), '_passive');
    const top = el(response, NS.protocol, 'StatusCode');
    assert.equal(top.getAttribute('Value'), 'urn:oasis:names:tc:SAML:2.0:status:Responder');
    assert.equal(el(top, NS.protocol, 'StatusCode').getAttribute('Value'), 'urn:oasis:names:tc:SAML:2.0:status:NoPassive');
    assert.equal(response.getElementsByTagNameNS(A, 'Assertion').length, 0);
    assert.ok(xmlsecVerify(xml, { certFile: IDP_CERT, element: 'Response' }).ok);

    // With a session, IsPassive is answered normally.
    const cookie = await signIn(t, 'carol');
    const ok = await request(t.idp.app).get(`/sso?${requestWith(t, { id: '_passive2', isPassive: true })}`).set('Cookie', cookie);
    assert.equal(el(decodeSamlResponse(readPostForm(ok.text).fields.SAMLResponse!).assertion, A, 'NameID').textContent, 'carol@example.com');
    // ForceAuthn + IsPassive cannot both be met: NoPassive even with a session.
    const both = await request(t.idp.app).get(`/sso?${requestWith(t, { id: '_both', isPassive: true, forceAuthn: true })}`).set('Cookie', cookie);
    assert.match(Buffer.from(readPostForm(both.text).fields.SAMLResponse!, 'base64').toString('utf8'), /NoPassive/);
  });

  it('an expired or unknown request reference gets a page with the reason and the next step', async () => {
    const t = makeIdp();
    const page = await request(t.idp.app).get(`/sso?${gatewayRedirectQuery(t)}`);
    t.clock.advance(16 * 60_000);
    const res = await postLogin(t.idp.app, page, { username: 'alice', password: 'alice' });
    assert.equal(res.status, 400);
    assert.match(res.text, /unknown or has expired[\s\S]*<strong>What to do:<\/strong> Start the login again at the service provider/);
    const unknownUser = await request(t.idp.app).get('/login?user=nobody');
    assert.equal(unknownUser.status, 404);
    assert.match(unknownUser.text, /There is no user nobody in the directory: pick one below/);
  });
});

describe('IdP login CSRF and framing (regression: login CSRF shown in a real browser, issue 9)', () => {
  it('refuses a login POST without the CSRF token, with a token from another browser, or from a foreign Origin', async () => {
    const t = makeIdp();
    const page = await request(t.idp.app).get(`/sso?${gatewayRedirectQuery(t)}`);
    const { token, cookie } = csrfOf(page);
    const ref = /name="request" value="([^"]+)"/.exec(page.text)![1]!;
    const fields = { username: 'mallory', password: 'mallory', request: ref };

    const none = await request(t.idp.app).post('/login').type('form').send(fields);
    assert.equal(none.status, 403);
    assert.match(none.text, /missing its security token[\s\S]*What to do/);

    const otherBrowser = csrfOf(await request(t.idp.app).get('/login'));
    const mixed = await request(t.idp.app).post('/login').set('Cookie', [otherBrowser.cookie, pendingCookieOf(page)]).type('form').send({ ...fields, csrf: token });
    assert.equal(mixed.status, 403, 'a token is bound to its own cookie');

    const foreign = await request(t.idp.app).post('/login').set('Cookie', [cookie, pendingCookieOf(page)]).set('Origin', 'https://evil.example').type('form').send({ ...fields, csrf: token });
    assert.equal(foreign.status, 403);
    assert.match(foreign.text, /sent from another site \(https:\/\/evil\.example\)/);

    const good = await request(t.idp.app).post('/login').set('Cookie', [cookie, pendingCookieOf(page)]).set('Origin', 'http://localhost:7000').type('form').send({ ...fields, username: 'alice', password: 'alice', csrf: token });
    assert.equal(good.status, 200);
    assert.equal(readPostForm(good.text).action, t.config.gateway.acsUrl);
  });

  it('the CSRF cookie is HttpOnly and SameSite=Strict', async () => {
    const t = makeIdp();
    const res = await request(t.idp.app).get('/login');
    const c = (res.headers['set-cookie'] as unknown as string[]).find((h) => h.startsWith('samlgate_idp_csrf='))!;
    assert.match(c, /HttpOnly/);
    assert.match(c, /SameSite=Strict/);
  });

  it("sends the gateway's security headers on every IdP response: no framing (X-Frame-Options DENY, frame-ancestors 'none')", async () => {
    const t = makeIdp();
    const gateway = createGateway({ config: t.config, clock: t.clock, ids: randomIds, store: createMemoryStore(), logger: createLogger('silent'), idp: await builtInIdpTrust(t.config), sp: SP_CREDENTIALS });
    const gw = await request(gateway.app).get('/users/saml/metadata');
    for (const path of ['/login', '/metadata', '/api/users', '/no-such-page', `/sso?${gatewayRedirectQuery(t)}`]) {
      const res = await request(t.idp.app).get(path);
      assert.equal(res.headers['x-frame-options'], 'DENY', path);
      assert.match(res.headers['content-security-policy']!, /frame-ancestors 'none'/, path);
      for (const [name, value] of SECURITY_HEADERS) {
        if (name === 'Content-Security-Policy') assert.ok(res.headers['content-security-policy']!.startsWith(value), `${path}: the gateway's CSP plus the IdP's two script hashes`);
        else assert.equal(res.headers[name.toLowerCase()], value, `${path} ${name}`);
        assert.equal(gw.headers[name.toLowerCase()], value, `gateway ${name}`);
      }
    }
  });
});

describe('IdP login logging', () => {
  it('regression (issue 9): a password typed into the username field never reaches the log', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    const config = resolveConfig({});
    const clock = new ManualClock();
    const idp = createIdp({ config, clock, ids: randomIds, logger: createLogger('trace', sink) });
    const t = { idp, clock, config };
    const page = await request(idp.app).get(`/sso?${gatewayRedirectQuery(t)}`);
    const secret = 'Tr0ub4dor&3-typed-in-the-wrong-field';
    const res = await postLogin(idp.app, page, { username: secret, password: '' });
    assert.equal(res.status, 401);
    assert.doesNotMatch(res.text, /Tr0ub4dor/, 'nor echoed back into the form');
    await postLogin(idp.app, page, { username: 'alice', password: 'not-alices-password' });
    const log = lines.join('');
    assert.ok(log.includes('"event":"idp.login.failed"'), 'the failures are logged');
    assert.ok(!log.includes('Tr0ub4dor'), `the log holds the typed secret:\n${log}`);
    assert.ok(!log.includes('not-alices-password'));
    assert.match(log, /"knownUser":true,"username":"alice"/, 'a real username is still logged');
  });
});
