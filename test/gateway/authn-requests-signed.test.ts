/**
 * The admin SAML setting authn-requests-signed (TFE's own; default false in TFE, true in samlgate
 * because the embedded IdP wants signed requests) was stored but ignored: the gateway always
 * signed. It now decides both the AuthnRequest redirect (SigAlg + Signature, SAML bindings
 * 3.4.4.1, or neither) and the SP metadata's AuthnRequestsSigned, on the next request.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { hiddenFields, parseAutoPostForm } from '../../src/client/saml-browser.ts';
import { resolveConfig } from '../../src/config.ts';
import { createHarness, type Browser, type Harness } from '../support/harness.ts';
import { api } from '../support/tfe-api.ts';

const PATH = '/api/v2/admin/saml-settings';

async function setSigned(h: Harness, admin: Parameters<typeof api>[1], value: boolean) {
  const res = await api(h, admin).patch(PATH, { data: { type: 'saml-settings', attributes: { 'authn-requests-signed': value } } }).expect(200);
  assert.equal(res.body.data.attributes['authn-requests-signed'], value);
}

async function redirectOf(h: Harness, b: Browser = h.browser()) {
  const res = await b.gw.get('/session?force=1').expect(302);
  return new URL(res.headers.location!);
}

async function metadataFlag(h: Harness): Promise<string | undefined> {
  const xml = (await request(h.gateway.app).get('/users/saml/metadata').expect(200)).text;
  return /AuthnRequestsSigned="([^"]*)"/.exec(xml)?.[1];
}

/** The IdP's part of a login from this redirect, to the auto-post form; null when the IdP refused. */
async function idpAnswer(b: Browser, sso: URL, username = 'alice') {
  let page = await b.idp.get(sso.pathname + sso.search);
  if (page.status !== 200) return { page, form: null };
  if (/name="password"/.test(page.text)) page = await b.idp.post('/login').type('form').send({ ...hiddenFields(page.text), username, password: username });
  return { page, form: parseAutoPostForm(page.text) };
}

describe('admin SAML setting authn-requests-signed', () => {
  it('by default the AuthnRequest redirect is signed and the SP metadata says AuthnRequestsSigned="true"', async () => {
    const h = await createHarness();
    const sso = await redirectOf(h);
    assert.equal(sso.searchParams.get('SigAlg'), 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    assert.ok(sso.searchParams.get('Signature'));
    assert.equal(await metadataFlag(h), 'true');
    assert.equal(h.gateway.context.samlSettings.current()['authn-requests-signed'], true);
  });

  it('authn-requests-signed=false: the redirect carries no SigAlg and no Signature, the metadata says "false", on the next request; true signs again', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    await setSigned(h, carol, false);
    const sso = await redirectOf(h);
    assert.equal(sso.searchParams.get('SigAlg'), null);
    assert.equal(sso.searchParams.get('Signature'), null);
    assert.ok(sso.searchParams.get('SAMLRequest'));
    assert.ok(sso.searchParams.get('RelayState'));
    assert.equal(await metadataFlag(h), 'false');
    await setSigned(h, carol, true);
    assert.ok((await redirectOf(h)).searchParams.get('Signature'));
    assert.equal(await metadataFlag(h), 'true');
  });

  it('the embedded IdP, which wants signed requests from the gateway, refuses the unsigned AuthnRequest with a page saying so (not a 500)', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    await setSigned(h, carol, false);
    const { page, form } = await idpAnswer(h.browser(), await redirectOf(h));
    assert.equal(form, null);
    assert.equal(page.status, 400, page.text.slice(0, 300));
    assert.match(page.text, /not signed/);
  });

  it('an IdP that does not require the gateway to sign accepts the unsigned AuthnRequest and the login completes', async () => {
    // The gateway registered at the IdP without a signing certificate: AuthnRequestsSigned false there.
    const gw = resolveConfig({}, { clock: 'manual' }).gateway;
    const h = await createHarness({}, { idp: { serviceProviders: [{ entityId: gw.entityId, acsUrl: gw.acsUrl, sloUrl: gw.sloUrl }] } });
    const carol = await h.login('carol');
    await setSigned(h, carol, false);
    const b = h.browser();
    const sso = await redirectOf(h, b);
    assert.equal(sso.searchParams.get('Signature'), null);
    const { page, form } = await idpAnswer(b, sso);
    assert.ok(form, `the IdP answered with a SAML form (HTTP ${page.status}): ${page.text.slice(0, 300)}`);
    await b.gw.post(new URL(form.action).pathname).type('form').send(form.fields).expect(303);
    assert.equal((await b.gw.get('/api/v2/account/details').expect(200)).body.data.attributes.username, 'alice');
  });
});
