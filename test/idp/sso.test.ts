import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import request from 'supertest';
import { ATTRNAME_FORMAT, NAMEID_FORMAT, NS } from '../../src/saml/constants.ts';
import { readAttributes } from '../../src/saml/attributes.ts';
import { certificateFromPem } from '../../src/saml/keys.ts';
import { encodeRedirectMessage, parseRedirectQuery, signRedirectQuery, verifyRedirectSignature } from '../../src/saml/sign.ts';
import { parseXml } from '../../src/saml/xml.ts';
import { readFileSync } from 'node:fs';
import { decodeSamlResponse, el, gatewayRedirectQuery, hiddenRequestRef, IDP_CERT, makeIdp, postLogin, readPostForm, sessionCookie, SP_CREDENTIALS } from './helpers.ts';

const A = NS.assertion;

describe('SP-initiated SSO (HTTP-Redirect)', () => {
  it('shows the login form, then answers the SP with a signed Response carrying the request context and TFE attributes', async () => {
    const t = makeIdp();
    const agent = request(t.idp.app);
    const login = await agent.get(`/sso?${gatewayRedirectQuery(t, { id: '_req-alice', relayState: '/app/after?x=1&y=2' })}`);
    assert.equal(login.status, 200, login.text);
    assert.match(login.text, /name="username"/);
    assert.match(login.text, /name="password"/);
    assert.match(login.text, /samlgate test IdP — not for production/);
    hiddenRequestRef(login.text);

    t.clock.advance(30_000);
    const loginAt = t.clock.now();
    const posted = await postLogin(t.idp.app, login, { username: 'alice', password: 'alice' });
    assert.equal(posted.status, 200, posted.text);
    const cookie = posted.headers['set-cookie'] as unknown as string[];
    assert.match(cookie.find((c) => c.startsWith('samlgate_idp='))!, /HttpOnly/i);
    assert.match(cookie.find((c) => c.startsWith('samlgate_idp='))!, /SameSite=Lax/i);
    assert.match(posted.text, /<noscript><button type="submit">/);

    const form = readPostForm(posted.text);
    assert.equal(form.action, t.config.gateway.acsUrl);
    assert.equal(form.fields.RelayState, '/app/after?x=1&y=2');
    const { response, assertion } = decodeSamlResponse(form.fields.SAMLResponse!);
    const iso = (ms: number) => new Date(ms).toISOString();

    assert.equal(response.getAttribute('Version'), '2.0');
    assert.equal(response.getAttribute('Destination'), t.config.gateway.acsUrl);
    assert.equal(response.getAttribute('InResponseTo'), '_req-alice');
    assert.equal(response.getAttribute('IssueInstant'), iso(loginAt));
    assert.equal(el(response, NS.protocol, 'StatusCode').getAttribute('Value'), 'urn:oasis:names:tc:SAML:2.0:status:Success');
    assert.equal(el(assertion, A, 'Issuer').textContent, t.config.idp.entityId);
    const nameId = el(assertion, A, 'NameID');
    assert.equal(nameId.textContent, 'alice@example.com');
    assert.equal(nameId.getAttribute('Format'), NAMEID_FORMAT.email);
    assert.equal(el(assertion, A, 'SubjectConfirmation').getAttribute('Method'), 'urn:oasis:names:tc:SAML:2.0:cm:bearer');
    const scd = el(assertion, A, 'SubjectConfirmationData');
    assert.equal(scd.getAttribute('Recipient'), t.config.gateway.acsUrl);
    assert.equal(scd.getAttribute('InResponseTo'), '_req-alice');
    assert.equal(scd.getAttribute('NotOnOrAfter'), iso(loginAt + 5 * 60_000));
    const conditions = el(assertion, A, 'Conditions');
    assert.equal(conditions.getAttribute('NotBefore'), iso(loginAt));
    assert.equal(conditions.getAttribute('NotOnOrAfter'), iso(loginAt + 5 * 60_000));
    assert.equal(el(assertion, A, 'Audience').textContent, t.config.gateway.entityId);
    const authn = el(assertion, A, 'AuthnStatement');
    assert.equal(authn.getAttribute('AuthnInstant'), iso(loginAt));
    assert.equal(authn.getAttribute('SessionNotOnOrAfter'), iso(loginAt + 8 * 3600_000));
    assert.ok(authn.getAttribute('SessionIndex'));

    const attrs = readAttributes(assertion);
    assert.deepEqual(
      attrs.map((a) => [a.name, a.nameFormat, a.values]),
      [
        ['Username', ATTRNAME_FORMAT.basic, [{ kind: 'text', text: 'alice' }]],
        ['MemberOf', ATTRNAME_FORMAT.basic, [{ kind: 'text', text: 'developers' }]],
      ],
    );
  });

  it('answers a second AuthnRequest from the IdP session cookie without showing the form', async () => {
    const t = makeIdp();
    const agent = request(t.idp.app);
    const first = await postLogin(t.idp.app, await agent.get(`/sso?${gatewayRedirectQuery(t, { id: '_one' })}`), { username: 'carol', password: 'carol' });
    const cookie = sessionCookie(first.headers['set-cookie']);

    t.clock.advance(60 * 60_000);
    const second = await agent.get(`/sso?${gatewayRedirectQuery(t, { id: '_two' })}`).set('Cookie', cookie);
    assert.equal(second.status, 200);
    assert.doesNotMatch(second.text, /name="password"/);
    const { response, assertion } = decodeSamlResponse(readPostForm(second.text).fields.SAMLResponse!);
    assert.equal(response.getAttribute('InResponseTo'), '_two');
    assert.equal(el(assertion, A, 'NameID').textContent, 'carol@example.com');
    // AuthnInstant is the login, not this request (SAML core 2.7.2).
    assert.equal(el(assertion, A, 'AuthnStatement').getAttribute('AuthnInstant'), new Date(t.clock.now() - 60 * 60_000).toISOString());
    assert.equal(readPostForm(second.text).fields.RelayState, undefined, 'no RelayState sent, none echoed');
  });

  it('forgets the IdP session after idp.sessionDuration on the injected clock', async () => {
    const t = makeIdp({ idp: { sessionDuration: '1h' } });
    const agent = request(t.idp.app);
    const cookie = sessionCookie((await postLogin(t.idp.app, await agent.get(`/sso?${gatewayRedirectQuery(t)}`), { username: 'alice', password: 'alice' })).headers['set-cookie']);
    t.clock.advance(60 * 60_000);
    const again = await agent.get(`/sso?${gatewayRedirectQuery(t, { id: '_later' })}`).set('Cookie', cookie);
    assert.match(again.text, /name="password"/);
  });

  it('refuses a wrong password with 401 and the form again', async () => {
    const t = makeIdp();
    const agent = request(t.idp.app);
    const page = await agent.get(`/sso?${gatewayRedirectQuery(t)}`);
    const ref = hiddenRequestRef(page.text);
    const res = await postLogin(t.idp.app, page, { username: 'alice', password: 'bob' });
    assert.equal(res.status, 401);
    assert.match(res.text, /wrong password/i);
    assert.equal(hiddenRequestRef(res.text), ref, 'the pending request survives a typo');
    assert.equal(((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []).some((c) => c.startsWith('samlgate_idp=')), false, 'no IdP session');
  });

  it('lets pick-only config users in without a password', async () => {
    const t = makeIdp({ idp: { users: [{ username: 'dave', email: 'dave@corp.example', attributes: { IsServiceAccount: 'true', Team: ['a', 'b'], Level: 3 } }] } });
    const agent = request(t.idp.app);
    const page = await agent.get(`/sso?${gatewayRedirectQuery(t)}`);
    assert.match(page.text, /<a href="\/login\?request=[^"]+&amp;user=dave">dave<\/a> <code>dave<\/code> · no password/);
    const res = await postLogin(t.idp.app, page, { username: 'dave' });
    assert.equal(res.status, 200);
    const attrs = readAttributes(decodeSamlResponse(readPostForm(res.text).fields.SAMLResponse!).assertion);
    assert.deepEqual(attrs.map((a) => [a.name, a.values.map((v) => (v.kind === 'text' ? v.text : v.kind))]), [
      ['Username', ['dave']],
      ['IsServiceAccount', ['true']],
      ['Team', ['a', 'b']],
      ['Level', ['3']],
    ]);
  });

  it('refuses an AuthnRequest from an unregistered SP with a 400 page', async () => {
    const t = makeIdp();
    const res = await request(t.idp.app).get(`/sso?${gatewayRedirectQuery(t, { issuer: 'https://stranger.example/sp' })}`);
    assert.equal(res.status, 400);
    assert.match(res.text, /not a registered service provider/);
    assert.doesNotMatch(res.text, /at .*\.ts:\d+/, 'no stack trace');
  });

  it('refuses an unsigned or tampered AuthnRequest when the SP signs its requests', async () => {
    const t = makeIdp();
    const unsigned = await request(t.idp.app).get(`/sso?${gatewayRedirectQuery(t, { sign: false })}`);
    assert.equal(unsigned.status, 400);
    assert.match(unsigned.text, /not signed/);

    const signed = gatewayRedirectQuery(t, { relayState: '/home' });
    const tampered = await request(t.idp.app).get(`/sso?${signed.replace('RelayState=%2Fhome', 'RelayState=%2Fevil')}`);
    assert.equal(tampered.status, 400);
    assert.match(tampered.text, /does not verify/);

    const sha1 = signed.replace(/SigAlg=[^&]+/, `SigAlg=${encodeURIComponent('http://www.w3.org/2000/09/xmldsig#rsa-sha1')}`);
    const weak = await request(t.idp.app).get(`/sso?${sha1}`);
    assert.equal(weak.status, 400);
    assert.match(weak.text, /not allowed/);
  });

  it('refuses an AssertionConsumerServiceURL other than the registered ACS', async () => {
    const t = makeIdp();
    const res = await request(t.idp.app).get(`/sso?${gatewayRedirectQuery(t, { acsUrl: 'https://evil.example/acs' })}`);
    assert.equal(res.status, 400);
    assert.match(res.text, /registered with ACS/);
  });

  it('refuses garbage: no SAMLRequest, bad base64, a DOCTYPE', async () => {
    const t = makeIdp();
    for (const q of ['', 'SAMLRequest=%%%', `SAMLRequest=${encodeURIComponent(encodeRedirectMessage('<!DOCTYPE x><x/>'))}`]) {
      const res = await request(t.idp.app).get(`/sso?${q}`);
      assert.equal(res.status, 400, q);
    }
  });
});

describe('SP-initiated SSO (HTTP-POST)', () => {
  it('accepts an unsigned AuthnRequest from an SP that does not sign', async () => {
    const t = makeIdp({ idp: { serviceProviders: [{ entityId: 'https://plain.example/sp', acsUrl: 'https://plain.example/acs' }] } });
    const xml = `<samlp:AuthnRequest xmlns:samlp="${NS.protocol}" xmlns:saml="${A}" ID="_p1" Version="2.0" IssueInstant="${new Date(t.clock.now()).toISOString()}"><saml:Issuer>https://plain.example/sp</saml:Issuer></samlp:AuthnRequest>`;
    const agent = request(t.idp.app);
    const page = await agent.post('/sso').type('form').send({ SAMLRequest: Buffer.from(xml).toString('base64'), RelayState: 'r1' });
    assert.equal(page.status, 200, page.text);
    const res = await postLogin(t.idp.app, page, { username: 'bob', password: 'bob' });
    const form = readPostForm(res.text);
    assert.equal(form.action, 'https://plain.example/acs');
    assert.equal(form.fields.RelayState, 'r1');
    assert.equal(el(decodeSamlResponse(form.fields.SAMLResponse!).assertion, A, 'Audience').textContent, 'https://plain.example/sp');
  });

  it('refuses an unsigned POST AuthnRequest from the gateway (it signs its requests)', async () => {
    const t = makeIdp();
    const xml = `<samlp:AuthnRequest xmlns:samlp="${NS.protocol}" xmlns:saml="${A}" ID="_p2" Version="2.0" IssueInstant="${new Date(t.clock.now()).toISOString()}"><saml:Issuer>${t.config.gateway.entityId}</saml:Issuer></samlp:AuthnRequest>`;
    const res = await request(t.idp.app).post('/sso').type('form').send({ SAMLRequest: Buffer.from(xml).toString('base64') });
    assert.equal(res.status, 400);
    assert.match(res.text, /not signed/);
  });
});

describe('IdP-initiated SSO', () => {
  it('/sso/initiate?sp=&user= answers at once, unsolicited (no InResponseTo)', async () => {
    const t = makeIdp();
    const res = await request(t.idp.app).get('/sso/initiate').query({ sp: t.config.gateway.entityId, user: 'bob' });
    assert.equal(res.status, 200);
    const { response, assertion } = decodeSamlResponse(readPostForm(res.text).fields.SAMLResponse!);
    assert.equal(response.hasAttribute('InResponseTo'), false);
    assert.equal(el(assertion, A, 'SubjectConfirmationData').hasAttribute('InResponseTo'), false);
    assert.equal(el(assertion, A, 'NameID').textContent, 'bob@example.com');
  });

  it('without user, shows the login form and then continues', async () => {
    const t = makeIdp();
    const agent = request(t.idp.app);
    const page = await agent.get('/sso/initiate').query({ sp: t.config.gateway.entityId });
    const res = await postLogin(t.idp.app, page, { username: 'alice', password: 'alice' });
    assert.equal(readPostForm(res.text).action, t.config.gateway.acsUrl);
  });

  it('refuses an unknown SP or user with 400', async () => {
    const t = makeIdp();
    assert.equal((await request(t.idp.app).get('/sso/initiate').query({ sp: 'nope' })).status, 400);
    assert.equal((await request(t.idp.app).get('/sso/initiate').query({ sp: t.config.gateway.entityId, user: 'nobody' })).status, 400);
  });
});

describe('Single logout', () => {
  it('ends the IdP session and redirects a signed LogoutResponse to the SP', async () => {
    const t = makeIdp();
    const agent = request(t.idp.app);
    const cookie = sessionCookie((await postLogin(t.idp.app, await agent.get(`/sso?${gatewayRedirectQuery(t)}`), { username: 'alice', password: 'alice' })).headers['set-cookie']);

    const logoutRequest = `<samlp:LogoutRequest xmlns:samlp="${NS.protocol}" xmlns:saml="${A}" ID="_lo1" Version="2.0" IssueInstant="${new Date(t.clock.now()).toISOString()}"><saml:Issuer>${t.config.gateway.entityId}</saml:Issuer><saml:NameID>alice@example.com</saml:NameID></samlp:LogoutRequest>`;
    const q = signRedirectQuery({ type: 'SAMLRequest', message: encodeRedirectMessage(logoutRequest), relayState: 'bye', privateKey: SP_CREDENTIALS.privateKey });
    const res = await agent.get(`/slo?${q}`).set('Cookie', cookie);
    assert.equal(res.status, 302, res.text);
    const location = res.headers.location!;
    assert.ok(location.startsWith(`${t.config.gateway.sloUrl}?`));
    const query = parseRedirectQuery(location.slice(location.indexOf('?') + 1), 'SAMLResponse');
    verifyRedirectSignature(query, [certificateFromPem(readFileSync(IDP_CERT, 'utf8'))]);
    assert.equal(query.relayState, 'bye');
    const doc = parseXml(inflateRawSync(Buffer.from(query.message, 'base64')).toString('utf8'));
    assert.equal(doc.documentElement.localName, 'LogoutResponse');
    assert.equal(doc.documentElement.getAttribute('InResponseTo'), '_lo1');

    const again = await agent.get(`/sso?${gatewayRedirectQuery(t, { id: '_after' })}`).set('Cookie', cookie);
    assert.match(again.text, /name="password"/, 'the IdP session is gone');
  });

  it('refuses an unsigned LogoutRequest from an SP with a signing key', async () => {
    const t = makeIdp();
    const logoutRequest = `<samlp:LogoutRequest xmlns:samlp="${NS.protocol}" xmlns:saml="${A}" ID="_lo2" Version="2.0" IssueInstant="${new Date(t.clock.now()).toISOString()}"><saml:Issuer>${t.config.gateway.entityId}</saml:Issuer></samlp:LogoutRequest>`;
    const res = await request(t.idp.app).get(`/slo?SAMLRequest=${encodeURIComponent(encodeRedirectMessage(logoutRequest))}`);
    assert.equal(res.status, 400);
  });

  it('without a SAMLRequest, just signs out of the IdP', async () => {
    const t = makeIdp();
    const res = await request(t.idp.app).get('/slo');
    assert.equal(res.status, 200);
    assert.match(res.text, /signed out/);
  });
});
