/**
 * Interop: @node-saml/node-saml (the SP library behind passport-saml, not used by samlgate's own
 * SP) against the real IdP over HTTP: its signed AuthnRequest, our Response with the Assertion in
 * the clear or encrypted (AES-256-GCM) and with RSA-SHA256 or RSA-SHA512, and single logout in
 * both directions with node-saml's POST-binding SLO endpoint.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import request from 'supertest';
import { parseAutoPostForm } from '../../src/client/saml-browser.ts';
import { DEV_CERTS_DIR } from '../../src/config.ts';
import { IDP_CERT, makeIdp, postLogin, sessionCookie, type TestIdp } from './helpers.ts';

const SP_KEY = readFileSync(path.join(DEV_CERTS_DIR, 'sp-signing.key'), 'utf8');
const SP_CERT = readFileSync(path.join(DEV_CERTS_DIR, 'sp-signing.crt'), 'utf8');
const ENTITY = 'https://node-saml.example/sp';

function nodeSaml(t: TestIdp, validateInResponseTo = ValidateInResponseTo.always, extra: Record<string, unknown> = {}): SAML {
  return new SAML({
    issuer: ENTITY,
    callbackUrl: 'https://node-saml.example/acs',
    logoutCallbackUrl: 'https://node-saml.example/slo',
    entryPoint: `${t.config.idp.baseUrl}/sso`,
    logoutUrl: `${t.config.idp.baseUrl}/slo`,
    idpCert: readFileSync(IDP_CERT, 'utf8'),
    idpIssuer: t.config.idp.entityId,
    privateKey: SP_KEY,
    decryptionPvk: SP_KEY,
    signatureAlgorithm: 'sha256',
    digestAlgorithm: 'sha256', // node-saml's default SHA-1 digest is refused by the shared verifier (ALG1)
    audience: ENTITY,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: true,
    validateInResponseTo,
    ...extra,
  });
}

const pathOf = (url: string) => {
  const u = new URL(url);
  return u.pathname + u.search;
};

/** node-saml's AuthnRequest -> the IdP's login form -> a Response that node-saml validates. */
async function loginThroughNodeSaml(t: TestIdp, saml: SAML, user: string) {
  const url = await saml.getAuthorizeUrlAsync('relay-1', undefined, {});
  const page = await request(t.idp.app).get(pathOf(url));
  assert.equal(page.status, 200, page.text);
  const res = await postLogin(t.idp.app, page, { username: user, password: user });
  const form = parseAutoPostForm(res.text)!;
  assert.equal(form.action, 'https://node-saml.example/acs');
  assert.equal(form.fields.RelayState, 'relay-1');
  const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: form.fields.SAMLResponse! });
  return { profile: profile!, xml: Buffer.from(form.fields.SAMLResponse!, 'base64').toString('utf8'), cookie: sessionCookie(res.headers['set-cookie']) };
}

async function register(t: TestIdp, saml: SAML, settings: object) {
  const metadata = saml.generateServiceProviderMetadata(SP_CERT, SP_CERT);
  const res = await request(t.idp.app).post('/api/service-providers').send({ metadata, settings });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.body.serviceProvider.sloBinding, 'post');
  assert.ok(res.body.serviceProvider.encryptionCertificate);
}

describe('interop: @node-saml/node-saml as the SP', () => {
  for (const settings of [{}, { encryptAssertion: true }, { encryptAssertion: true, signatureAlgorithm: 'rsa-sha512' }, { signatureAlgorithm: 'rsa-sha512' }] as const) {
    it(`accepts the IdP's response (${JSON.stringify(settings)}) and reads NameID and IsServiceAccount for bob, not for alice`, async () => {
      const t = makeIdp();
      const saml = nodeSaml(t);
      await register(t, saml, settings);
      const bob = await loginThroughNodeSaml(t, saml, 'bob');
      assert.equal(bob.profile.nameID, 'bob@example.com');
      assert.equal(bob.profile.nameIDFormat, 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
      assert.equal(bob.profile.IsServiceAccount, 'true');
      assert.equal(bob.profile.Username, 'bob');
      assert.ok(bob.profile.sessionIndex);
      assert.equal(/EncryptedAssertion/.test(bob.xml), 'encryptAssertion' in settings, 'encrypted as configured');
      const t2 = makeIdp();
      await register(t2, saml, settings);
      const a = await loginThroughNodeSaml(t2, saml, 'alice');
      assert.equal(a.profile.nameID, 'alice@example.com');
      assert.equal(a.profile.IsServiceAccount, undefined);
    });
  }

  it("node-saml's HTTP-POST binding: its enveloped-signed AuthnRequest is accepted and answered", async () => {
    const t = makeIdp();
    // skipRequestCompression: the POST binding carries plain base64, no DEFLATE (bindings 3.5.4).
    const saml = nodeSaml(t, ValidateInResponseTo.always, { authnRequestBinding: 'HTTP-POST', skipRequestCompression: true });
    await register(t, saml, { encryptAssertion: true });
    const html = await saml.getAuthorizeFormAsync('relay-post');
    const fields = Object.fromEntries([...html.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    assert.match(Buffer.from(fields.SAMLRequest!, 'base64').toString('utf8'), /<(ds:)?Signature/, 'node-saml signed the AuthnRequest');
    const page = await request(t.idp.app).post('/sso').type('form').send(fields);
    assert.equal(page.status, 200, page.text);
    const res = await postLogin(t.idp.app, page, { username: 'carol', password: 'carol' });
    const form = parseAutoPostForm(res.text)!;
    assert.equal(form.fields.RelayState, 'relay-post');
    const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: form.fields.SAMLResponse! });
    assert.equal(profile!.nameID, 'carol@example.com');
    assert.equal(profile!.SiteAdmin, 'true');
  });

  it("IsPassive with nobody signed in: node-saml reads our signed NoPassive answer as 'no user', not as an error", async () => {
    const t = makeIdp();
    const saml = nodeSaml(t, ValidateInResponseTo.always, { passive: true });
    await register(t, saml, {});
    const page = await request(t.idp.app).get(pathOf(await saml.getAuthorizeUrlAsync('p', undefined, {}))).expect(200);
    assert.doesNotMatch(page.text, /name="password"/);
    const result = await saml.validatePostResponseAsync({ SAMLResponse: parseAutoPostForm(page.text)!.fields.SAMLResponse! });
    assert.deepEqual(result, { profile: null, loggedOut: false });
  });

  it('refuses what it should: node-saml rejects a bad-signature response from us', async () => {
    const t = makeIdp();
    const saml = nodeSaml(t);
    await register(t, saml, {});
    await request(t.idp.app).patch('/api/users/bob').send({ faults: ['bad-signature'] }).expect(200);
    await assert.rejects(loginThroughNodeSaml(t, saml, 'bob'), /signature/i);
  });

  it('IdP-initiated SLO: node-saml validates our POSTed LogoutRequest and its LogoutResponse ends the run', async () => {
    const t = makeIdp();
    const saml = nodeSaml(t);
    await register(t, saml, { encryptAssertion: true });
    const { cookie } = await loginThroughNodeSaml(t, saml, 'bob');
    const start = await request(t.idp.app).get('/slo').set('Cookie', cookie).expect(200);
    const form = parseAutoPostForm(start.text)!;
    assert.equal(form.action, 'https://node-saml.example/slo');
    const { profile, loggedOut } = await saml.validatePostRequestAsync({ SAMLRequest: form.fields.SAMLRequest! });
    assert.equal(loggedOut, true);
    assert.equal(profile.nameID, 'bob@example.com');
    const answer = await saml.getLogoutResponseUrlAsync(profile, form.fields.RelayState!, {}, true);
    const done = await request(t.idp.app).get(pathOf(answer)).expect(200);
    assert.match(done.text, /<li class="ok"><code>https:\/\/node-saml\.example\/sp<\/code>: signed out<\/li>/);
  });

  it('SP-initiated SLO: node-saml signs a LogoutRequest (Redirect); our LogoutResponse (POST) validates as a logout', async () => {
    const t = makeIdp();
    // node-saml checks InResponseTo only on a Response root, so its "always" mode cannot take a
    // LogoutResponse over POST; ifPresent still validates the login's InResponseTo.
    const saml = nodeSaml(t, ValidateInResponseTo.ifPresent);
    await register(t, saml, {});
    const { profile, cookie } = await loginThroughNodeSaml(t, saml, 'alice');
    const url = await saml.getLogoutUrlAsync(profile, 'bye', {});
    const res = await request(t.idp.app).get(pathOf(url)).set('Cookie', cookie).expect(200);
    const form = parseAutoPostForm(res.text)!;
    assert.equal(form.action, 'https://node-saml.example/slo');
    assert.equal(form.fields.RelayState, 'bye');
    const result = await saml.validatePostResponseAsync({ SAMLResponse: form.fields.SAMLResponse! });
    assert.equal(result.loggedOut, true);
  });
});
