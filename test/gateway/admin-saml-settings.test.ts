/**
 * GET/PATCH /api/v2/admin/saml-settings: every attribute TFE documents, site admins only (404
 * otherwise), and each behaviour-changing setting taking effect on the very next request.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { ATTRNAME_FORMAT } from '../../src/saml/constants.ts';
import { craftResponse, encode, OTHER_KEY } from '../support/craft-response.ts';
import { callWithToken, createHarness, type Harness } from '../support/harness.ts';
import { api, NOT_FOUND } from '../support/tfe-api.ts';

const PATH = '/api/v2/admin/saml-settings';
const patch = (attributes: Record<string, unknown>) => ({ data: { type: 'saml-settings', attributes } });

let seq = 0;
/** An unsolicited response crafted and signed with the dev IdP key, posted straight to the ACS. */
function postCrafted(h: Harness, o: Parameters<typeof craftResponse>[0] extends infer T ? Partial<T> : never) {
  seq++;
  const xml = craftResponse({ now: h.clock.now(), inResponseTo: null, responseId: `_r${seq}`, assertionId: `_a${seq}`, ...o } as Parameters<typeof craftResponse>[0]);
  return request(h.gateway.app).post('/users/saml/auth').type('form').send({ SAMLResponse: encode(xml), _samlgate_relay: '1' });
}

describe('admin SAML settings', () => {
  it('non-admins get 404 for reading and writing, whatever the token type', async () => {
    const h = await createHarness({ 'gateway.samlDebug': false });
    const before = h.gateway.context.samlSettings.current().debug;
    const carol = await h.login('carol');
    const alice = await h.login('alice');
    const orgToken = (await api(h, carol).post('/api/v2/organizations/example-org/authentication-token').expect(201)).body.data.attributes.token;
    for (const caller of [alice, orgToken]) {
      assert.deepEqual((await api(h, caller).get(PATH).expect(404)).body, NOT_FOUND);
      await api(h, caller).patch(PATH, patch({ debug: true })).expect(404);
    }
    assert.equal(h.gateway.context.samlSettings.current().debug, before, 'unchanged by the refused PATCHes');
  });

  it('shows every attribute TFE documents, with the live values', async () => {
    const h = await createHarness({ 'gateway.apiTokenTimeout': '2h' });
    const carol = await h.login('carol');
    const doc = (await api(h, carol).get(PATH).expect(200)).body.data;
    assert.equal(doc.type, 'saml-settings');
    for (const key of ['enabled', 'debug', 'old-idp-cert', 'idp-cert', 'slo-endpoint-url', 'sso-endpoint-url', 'attr-username', 'attr-groups', 'attr-site-admin', 'site-admin-role', 'sso-api-token-session-timeout', 'acs-consumer-url', 'metadata-url', 'team-management-enabled', 'certificate', 'signature-signing-method', 'signature-digest-method', 'want-assertions-signed', 'authn-requests-signed']) {
      assert.ok(key in doc.attributes, key);
    }
    assert.equal(doc.attributes['sso-api-token-session-timeout'], 7200);
    assert.equal(doc.attributes['acs-consumer-url'], 'http://localhost:8080/users/saml/auth');
    assert.match(doc.attributes['idp-cert'], /BEGIN CERTIFICATE/);
    assert.ok(!('private-key' in doc.attributes), 'the SP private key is never shown');
  });

  it('every invalid attribute is a 422 naming it', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    const res = await api(h, carol).patch(PATH, patch({ 'sso-api-token-session-timeout': -5, 'sso-endpoint-url': 'javascript:alert(1)', debug: 'yes' })).expect(422);
    assert.deepEqual(res.body.errors.map((e: { source: { pointer: string } }) => e.source.pointer).sort(), ['/data/attributes/debug', '/data/attributes/sso-api-token-session-timeout', '/data/attributes/sso-endpoint-url']);
    const cert = await api(h, carol).patch(PATH, patch({ 'idp-cert': 'not a certificate' })).expect(422);
    assert.equal(cert.body.errors[0].source.pointer, '/data/attributes/idp-cert');
    const unknown = await api(h, carol).patch(PATH, patch({ 'attr-colour': 'blue' })).expect(422);
    assert.equal(unknown.body.errors[0].status, '422');
  });

  it('sso-api-token-session-timeout replaces the configured value at once (rule S2)', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    const alice = await h.login('alice');
    const token = await alice.createToken();
    h.advance('61m');
    await alice.browser.gw.get('/').expect(200);
    await callWithToken(h, token.secret).expect(200);
    await api(h, carol).patch(PATH, patch({ 'sso-api-token-session-timeout': 3600 })).expect(200);
    const refused = await callWithToken(h, token.secret).expect(401);
    assert.match(refused.body.errors[0].detail, /sso-api-token-session-timeout/);
    assert.deepEqual(await h.store.settings.get('saml-settings').then((s) => (s as Record<string, unknown>)['sso-api-token-session-timeout']), 3600, 'persisted in the store');
  });

  it('want-assertions-signed: an assertion covered only by the Response signature is refused', async () => {
    const h = await createHarness({ 'gateway.allowIdpInitiated': true });
    const carol = await h.login('carol');
    const responseOnly = { signAssertion: false as const, signResponse: {} };
    await postCrafted(h, responseOnly).expect(303);
    await api(h, carol).patch(PATH, patch({ 'want-assertions-signed': true })).expect(200);
    const refused = await postCrafted(h, responseOnly).expect(403);
    assert.match(refused.text, /Sign-in failed/);
    assert.equal(h.gateway.context.rejections.latest()[0]!.code, 'E_SIGNATURE');
    assert.match(h.gateway.context.rejections.latest()[0]!.detail, /want-assertions-signed/);
    await postCrafted(h, { signAssertion: {} }).expect(303);
  });

  it('attr-username, attr-groups and site-admin-role choose what the login reads', async () => {
    const h = await createHarness({ 'gateway.allowIdpInitiated': true });
    const carol = await h.login('carol');
    await api(h, carol).patch(PATH, patch({ 'attr-username': 'uid', 'attr-groups': 'groups', 'site-admin-role': 'tfe-admins' })).expect(200);
    await postCrafted(h, {
      nameId: 'erin@example.com',
      attributes: [
        { name: 'uid', nameFormat: ATTRNAME_FORMAT.basic, values: ['erin'] },
        { name: 'groups', nameFormat: ATTRNAME_FORMAT.basic, values: ['developers,tfe-admins'] },
        { name: 'Username', nameFormat: ATTRNAME_FORMAT.basic, values: ['not-this'] },
      ],
    }).expect(303);
    const erin = await h.store.users.getByEmail('erin@example.com');
    assert.equal(erin?.username, 'erin');
    assert.equal(erin?.isSiteAdmin, true);
    assert.deepEqual((await h.store.teams.teamsOfUser(erin!.id)).map((t) => t.name), ['developers']);
  });

  it('idp-cert replaces the trusted certificate: responses signed with the old key are refused', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    await api(h, carol).patch(PATH, patch({ 'idp-cert': OTHER_KEY.certPem })).expect(200);
    await assert.rejects(h.login('alice'), /ACS refused the login of alice \(HTTP 403\)/);
    assert.equal(h.gateway.context.rejections.latest()[0]!.code, 'E_SIGNATURE');
  });

  it('debug shows the rejection detail on the failure page; off, only the generic message', async () => {
    const h = await createHarness({ 'gateway.allowIdpInitiated': true, 'gateway.samlDebug': false });
    const carol = await h.login('carol');
    const bad = { audiences: [['https://elsewhere.invalid/metadata']] };
    const quiet = await postCrafted(h, bad).expect(403);
    assert.ok(!quiet.text.includes('elsewhere.invalid'));
    await api(h, carol).patch(PATH, patch({ debug: true })).expect(200);
    const loud = await postCrafted(h, bad).expect(403);
    assert.match(loud.text, /SAML debug/);
    assert.match(loud.text, /elsewhere\.invalid/);
  });

  it('enabled: false refuses SAML logins with a clear page', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    await api(h, carol).patch(PATH, patch({ enabled: false })).expect(200);
    const start = await request(h.gateway.app).get('/session').expect(403);
    assert.match(start.text, /single sign-on is disabled in the admin SAML settings/);
    assert.match(start.text, /enabled&#34;: true/);
    const org = (await api(h, carol).get('/api/v2/organizations/example-org').expect(200)).body.data;
    assert.equal(org.attributes['saml-enabled'], false);
  });
});
