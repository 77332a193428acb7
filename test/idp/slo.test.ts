/**
 * Single logout in both directions, through the real IdP and the real gateway (one browser = a
 * pair of supertest agents): IdP-initiated logout ends the gateway session; an SP-initiated
 * logout at the gateway also logs the user out of a second SP that speaks the POST binding; and
 * LogoutRequest/LogoutResponse over Redirect and POST, signatures checked by xmlsec1.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { parseAutoPostForm } from '../../src/client/saml-browser.ts';
import { NAMEID_FORMAT, NS, STATUS_SUCCESS } from '../../src/saml/constants.ts';
import { logoutResponseXml } from '../../src/saml/logout.ts';
import { spMetadataXml } from '../../src/saml/metadata.ts';
import { decodeRedirectMessage, encodeRedirectMessage, parseRedirectQuery, signElement, signRedirectQuery, verifyRedirectSignature } from '../../src/saml/sign.ts';
import { parseXml } from '../../src/saml/xml.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { xmlsecVerify } from '../support/xmlsec.ts';
import { IDP_CERT, makeIdp, postLogin, sessionCookie, SP_CREDENTIALS } from './helpers.ts';

const POST_SP = 'https://post-sp.example/metadata';

/** A second SP whose metadata offers SLO only over HTTP-POST. */
function postSpMetadata(): string {
  return spMetadataXml({ entityId: POST_SP, acsUrl: 'https://post-sp.example/acs', sloUrl: 'https://post-sp.example/slo', certificate: SP_CREDENTIALS.certificate, authnRequestsSigned: false }).replace(
    'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
    'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
  );
}

const pathOf = (url: string) => {
  const u = new URL(url);
  return u.pathname + u.search;
};

async function accountStatus(h: Harness, b: ReturnType<Harness['browser']>) {
  return (await b.gw.get('/api/v2/account/details').set('Accept', 'application/vnd.api+json')).status;
}

describe('IdP-initiated single logout', () => {
  it('GET /slo at the IdP ends the gateway session: signed LogoutRequest (Redirect) -> gateway -> signed LogoutResponse -> signed-out page', async () => {
    const h = await createHarness();
    const { browser: b } = await h.login('alice');
    assert.equal(await accountStatus(h, b), 200);

    const start = await b.idp.get('/slo').expect(302);
    const location = start.headers.location!;
    assert.ok(location.startsWith(`${h.config.gateway.sloUrl}?`), location);
    const query = parseRedirectQuery(location.slice(location.indexOf('?') + 1), 'SAMLRequest');
    verifyRedirectSignature(query, h.gateway.context.idp.signingCertificates);
    const request0 = parseXml(decodeRedirectMessage(query.message)).documentElement as Element;
    assert.equal(request0.localName, 'LogoutRequest');
    const nameId = request0.getElementsByTagNameNS(NS.assertion, 'NameID')[0]!;
    assert.deepEqual([nameId.textContent, nameId.getAttribute('Format')], ['alice@example.com', NAMEID_FORMAT.email]);
    assert.ok(request0.getAttribute('NotOnOrAfter'));
    assert.ok(request0.getElementsByTagNameNS(NS.protocol, 'SessionIndex')[0]!.textContent);

    const atGateway = await b.gw.get(pathOf(location)).expect(302);
    assert.ok(atGateway.headers.location!.startsWith(`${h.config.idp.baseUrl}/slo?SAMLResponse=`));
    assert.equal(await accountStatus(h, b), 401, 'the gateway session is over');

    const done = await b.idp.get(pathOf(atGateway.headers.location!)).expect(200);
    assert.match(done.text, /You are signed out of the test IdP/);
    assert.match(done.text, /<li class="ok"><code>http:\/\/localhost:8080\/users\/saml\/metadata<\/code>: signed out<\/li>/);
    const again = await b.idp.get('/login').expect(200);
    assert.match(again.text, /name="password"/, 'and the IdP session too');
    // The same LogoutResponse again is not waited for any more.
    const replay = await b.idp.get(pathOf(atGateway.headers.location!));
    assert.equal(replay.status, 400);
    assert.match(replay.text, /is not waiting for[\s\S]*What to do/);
  });
});

describe('signing out at the gateway signs out of the IdP too (regression, issue 9: the next login silently reused the IdP session)', () => {
  it('POST /logout -> IdP /slo -> LogoutResponse; then /session shows the IdP login form instead of answering at once', async () => {
    const h = await createHarness();
    const me = await h.login('alice');
    const b = me.browser;
    const logout = await b.gw.post('/logout').type('form').send({ _csrf: me.csrf }).expect(303);
    const atIdp = await b.idp.get(pathOf(logout.headers.location!)).expect(302);
    await b.gw.get(pathOf(atIdp.headers.location!)).expect(303);
    assert.equal(await accountStatus(h, b), 401);
    const start = await b.gw.get('/session').expect(302);
    const next = await b.idp.get(pathOf(start.headers.location!)).expect(200);
    assert.match(next.text, /name="password"/, 'the IdP asks who you are');
    assert.doesNotMatch(next.text, /name="SAMLResponse"/);
  });
});

describe('SP-initiated single logout reaching another SP over HTTP-POST', () => {
  it('POST /logout at the gateway -> IdP -> LogoutRequest POSTed to the second SP -> its LogoutResponse (POST) -> LogoutResponse to the gateway', async () => {
    const h = await createHarness();
    await request(h.idp.app).post('/api/service-providers').send({ metadata: postSpMetadata() }).expect(201);
    const me = await h.login('alice');
    const b = me.browser;
    // The same IdP session signs in to the second SP.
    const second = await b.idp.get('/sso/initiate').query({ sp: POST_SP }).expect(200);
    assert.equal(parseAutoPostForm(second.text)!.action, 'https://post-sp.example/acs');

    const logout = await b.gw.post('/logout').type('form').send({ _csrf: me.csrf }).expect(303);
    assert.ok(logout.headers.location!.startsWith(`${h.config.idp.baseUrl}/slo?SAMLRequest=`));
    const atIdp = await b.idp.get(pathOf(logout.headers.location!)).expect(200);
    const form = parseAutoPostForm(atIdp.text)!;
    assert.equal(form.action, 'https://post-sp.example/slo');
    const logoutRequest = Buffer.from(form.fields.SAMLRequest!, 'base64').toString('utf8');
    const r = xmlsecVerify(logoutRequest, { certFile: IDP_CERT, element: 'LogoutRequest' });
    assert.ok(r.ok, r.output);
    const reqDoc = parseXml(logoutRequest).documentElement as Element;
    assert.equal(reqDoc.getAttribute('Destination'), 'https://post-sp.example/slo');

    // The second SP answers over POST, signed with its key.
    const answer = signElement(
      logoutResponseXml({ id: '_post-sp-answer', issueInstant: h.clock.now(), issuer: POST_SP, destination: `${h.config.idp.baseUrl}/slo`, inResponseTo: reqDoc.getAttribute('ID')! }),
      { credentials: SP_CREDENTIALS, elementLocalName: 'LogoutResponse' },
    );
    const back = await b.idp.post('/slo').type('form').send({ SAMLResponse: Buffer.from(answer).toString('base64'), RelayState: form.fields.RelayState }).expect(302);
    const toGateway = back.headers.location!;
    assert.ok(toGateway.startsWith(`${h.config.gateway.sloUrl}?SAMLResponse=`));
    const final = await b.gw.get(pathOf(toGateway)).expect(303);
    assert.equal(final.headers.location, '/');
    assert.match((await b.gw.get('/')).text, /signed out of the gateway and the IdP/);
  });

  it('an unsigned LogoutResponse from an SP with a signing certificate is refused', async () => {
    const h = await createHarness();
    await request(h.idp.app).post('/api/service-providers').send({ metadata: postSpMetadata() }).expect(201);
    const { browser: b } = await h.login('alice');
    await b.idp.get('/sso/initiate').query({ sp: POST_SP }).expect(200);
    const first = await b.idp.get('/slo').expect(302); // the gateway first (its Redirect binding)
    const atGateway = await b.gw.get(pathOf(first.headers.location!)).expect(302);
    const atIdp = await b.idp.get(pathOf(atGateway.headers.location!)).expect(200);
    const form = parseAutoPostForm(atIdp.text)!;
    const id = (parseXml(Buffer.from(form.fields.SAMLRequest!, 'base64').toString('utf8')).documentElement as Element).getAttribute('ID')!;
    const unsigned = logoutResponseXml({ id: '_u', issueInstant: h.clock.now(), issuer: POST_SP, destination: `${h.config.idp.baseUrl}/slo`, inResponseTo: id });
    const res = await b.idp.post('/slo').type('form').send({ SAMLResponse: Buffer.from(unsigned).toString('base64') });
    assert.equal(res.status, 400);
    assert.match(res.text, /not signed/);
  });
});

describe('LogoutRequest over HTTP-POST from an SP', () => {
  it('ends the IdP session and answers with a signed LogoutResponse over the SP\'s POST binding', async () => {
    const t = makeIdp();
    await request(t.idp.app).post('/api/service-providers').send({ metadata: postSpMetadata(), settings: { signatureAlgorithm: 'rsa-sha512' } }).expect(201);
    const page = await request(t.idp.app).get('/sso/initiate').query({ sp: POST_SP });
    const cookie = sessionCookie((await postLogin(t.idp.app, page, { username: 'bob', password: 'bob' })).headers['set-cookie']);
    const xml = signElement(
      `<samlp:LogoutRequest xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="_lr-post" Version="2.0" IssueInstant="${new Date(t.clock.now()).toISOString()}" Destination="${t.config.idp.baseUrl}/slo"><saml:Issuer>${POST_SP}</saml:Issuer><saml:NameID>bob@example.com</saml:NameID></samlp:LogoutRequest>`,
      { credentials: SP_CREDENTIALS, elementLocalName: 'LogoutRequest' },
    );
    const res = await request(t.idp.app).post('/slo').set('Cookie', cookie).type('form').send({ SAMLRequest: Buffer.from(xml).toString('base64'), RelayState: 'rs-1' }).expect(200);
    const form = parseAutoPostForm(res.text)!;
    assert.equal(form.action, 'https://post-sp.example/slo');
    assert.equal(form.fields.RelayState, 'rs-1');
    const answer = Buffer.from(form.fields.SAMLResponse!, 'base64').toString('utf8');
    assert.ok(xmlsecVerify(answer, { certFile: IDP_CERT, element: 'LogoutResponse' }).ok);
    assert.match(answer, /SignatureMethod Algorithm="http:\/\/www\.w3\.org\/2001\/04\/xmldsig-more#rsa-sha512"/);
    const doc = parseXml(answer).documentElement as Element;
    assert.equal(doc.getAttribute('InResponseTo'), '_lr-post');
    assert.equal(doc.getElementsByTagNameNS(NS.protocol, 'StatusCode')[0]!.getAttribute('Value'), STATUS_SUCCESS);
    const after = await request(t.idp.app).get('/').set('Cookie', cookie);
    assert.equal(after.status, 303, 'the IdP session is gone');
  });

  it('a Redirect LogoutRequest with a forged signature is refused with the reason', async () => {
    const t = makeIdp();
    const xml = `<samlp:LogoutRequest xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="_x" Version="2.0" IssueInstant="${new Date(t.clock.now()).toISOString()}"><saml:Issuer>${t.config.gateway.entityId}</saml:Issuer><saml:NameID>a@b</saml:NameID></samlp:LogoutRequest>`;
    const q = signRedirectQuery({ type: 'SAMLRequest', message: encodeRedirectMessage(xml), privateKey: SP_CREDENTIALS.privateKey, relayState: 'a' }).replace('RelayState=a', 'RelayState=b');
    const res = await request(t.idp.app).get(`/slo?${q}`);
    assert.equal(res.status, 400);
    assert.match(res.text, /does not verify[\s\S]*What to do/);
  });

  it('an SP without a SingleLogoutService is reported on the signed-out page', async () => {
    const t = makeIdp({ idp: { serviceProviders: [{ entityId: 'https://noslo.example/sp', acsUrl: 'https://noslo.example/acs' }] } });
    const page = await request(t.idp.app).get('/sso/initiate').query({ sp: 'https://noslo.example/sp' });
    const cookie = sessionCookie((await postLogin(t.idp.app, page, { username: 'alice', password: 'alice' })).headers['set-cookie']);
    const res = await request(t.idp.app).get('/slo').set('Cookie', cookie).expect(200);
    assert.match(res.text, /<li class="bad"><code>https:\/\/noslo\.example\/sp<\/code>: has no SingleLogoutService/);
  });
});
