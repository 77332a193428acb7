/**
 * Regression: "with a public https URL behind a proxy every login fails (no trust proxy, the cookie
 * is never set)". The gateway's cookie is Secure when its public URL is https; behind a
 * TLS-terminating proxy the connection is plain HTTP, and express-session silently refuses to set a
 * Secure cookie on it unless express trusts the proxy's X-Forwarded-Proto.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { hiddenFields, parseAutoPostForm } from '../../src/client/saml-browser.ts';
import { resolveConfig } from '../../src/config.ts';
import { createHarness } from '../support/harness.ts';

const cookieOf = (res: request.Response, name: string) => {
  const line = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith(`${name}=`));
  return line;
};

describe('behind a TLS-terminating proxy', () => {
  it('regression: a login through a proxy with a public https URL sets the Secure session cookie and completes', async () => {
    const h = await createHarness({ 'gateway.baseUrl': 'https://gw.example.test' });
    const gw = request(h.gateway.app);
    const viaProxy = (r: request.Test) => r.set('Host', 'gw.example.test').set('X-Forwarded-Proto', 'https');

    const start = await viaProxy(gw.get('/session?force=1')).expect(302);
    // The login in flight travels in the signed pending-login cookie, Secure like the session's.
    const pending = cookieOf(start, 'samlgate_pending');
    assert.ok(pending, 'the pending-login cookie is set at /session');
    assert.match(pending, /; Secure/);
    const sso = new URL(start.headers.location!);
    const idp = request.agent(h.idp.app);
    const form = await idp.get(sso.pathname + sso.search).expect(200);
    const posted = await idp.post('/login').type('form').send({ ...hiddenFields(form.text), username: 'alice', password: 'alice' });
    const saml = parseAutoPostForm(posted.text)!;
    assert.equal(saml.action, 'https://gw.example.test/users/saml/auth');
    const acs = await viaProxy(gw.post('/users/saml/auth')).set('Cookie', pending.split(';')[0]!).type('form').send(saml.fields).expect(303);
    const session = cookieOf(acs, 'samlgate_session')!;
    assert.match(session, /; Secure/);
    const home = await viaProxy(gw.get('/')).set('Cookie', session.split(';')[0]!).expect(200);
    assert.match(home.text, /<h2>alice<\/h2>/);
  });

  it('trust proxy defaults: private peers only when the public URL is https without --tls; off otherwise; the flag overrides', () => {
    assert.equal(resolveConfig({}, { 'gateway.baseUrl': 'https://gw.example.test' }).trustProxy.gateway, 'loopback, linklocal, uniquelocal');
    assert.equal(resolveConfig().trustProxy.gateway, false);
    assert.equal(resolveConfig({}, { 'tls.enabled': true }).trustProxy.gateway, false);
    assert.equal(resolveConfig({}, { trustProxy: true }).trustProxy.idp, true);
  });

  it('an X-Forwarded-Proto from a peer that is not trusted changes nothing (no Secure cookie over plain HTTP)', async () => {
    const h = await createHarness({ 'gateway.baseUrl': 'https://gw.example.test', trustProxy: false });
    const start = await request(h.gateway.app).get('/session?force=1').set('X-Forwarded-Proto', 'https').expect(302);
    assert.equal(cookieOf(start, 'samlgate_session'), undefined);
    assert.equal(cookieOf(start, 'samlgate_pending'), undefined);
  });
});
