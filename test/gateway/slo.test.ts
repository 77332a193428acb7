/** SAML single logout at the gateway (S1 "logout (local or SAML SLO)"; SP-SECURITY SLO1-4). */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import request from 'supertest';
import { DEV_CERTS_DIR } from '../../src/config.ts';
import { loadSigningCredentials } from '../../src/saml/keys.ts';
import { logoutRequestXml } from '../../src/saml/logout.ts';
import { encodeRedirectMessage, signRedirectQuery } from '../../src/saml/sign.ts';
import type { GatewaySessionData } from '../../src/gateway/web-session.ts';
import { callWithToken, createHarness, type Harness } from '../support/harness.ts';

const IDP_KEY = loadSigningCredentials(path.join(DEV_CERTS_DIR, 'idp-signing.key'), path.join(DEV_CERTS_DIR, 'idp-signing.crt'));
const OTHER_KEY = loadSigningCredentials(path.join(DEV_CERTS_DIR, 'sp-signing.key'), path.join(DEV_CERTS_DIR, 'sp-signing.crt'));

async function sessionIndexOf(h: Harness, userId: string): Promise<string> {
  const [record] = await h.store.sessions.listByUser(userId);
  return (JSON.parse(record!.data) as GatewaySessionData).login!.sessionIndex!;
}

function idpLogoutRequest(h: Harness, o: { nameId?: string; sessionIndex?: string | null; id?: string; key?: typeof IDP_KEY; unsigned?: boolean; xml?: string } = {}): string {
  const xml = o.xml ?? logoutRequestXml({
    id: o.id ?? '_logout-1', issueInstant: h.clock.now(), issuer: h.config.idp.entityId, destination: h.config.gateway.sloUrl,
    nameId: o.nameId ?? 'alice@example.com', sessionIndex: o.sessionIndex ?? null,
  });
  const message = encodeRedirectMessage(xml);
  const query = o.unsigned ? `SAMLRequest=${encodeURIComponent(message)}` : signRedirectQuery({ type: 'SAMLRequest', message, privateKey: (o.key ?? IDP_KEY).privateKey });
  return `/users/saml/slo?${query}`;
}

describe('single logout', () => {
  it('POST /logout ends the gateway session, then the IdP session, and comes back signed out', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const out = await alice.browser.gw.post('/logout').type('form').send({ _csrf: alice.csrf }).expect(303);
    const atIdp = new URL(out.headers.location!);
    const idpAnswer = await alice.browser.idp.get(atIdp.pathname + atIdp.search).expect(302);
    const back = new URL(idpAnswer.headers.location!);
    assert.equal(back.origin + back.pathname, 'http://localhost:8080/users/saml/slo');
    await alice.browser.gw.get(back.pathname + back.search).expect(303);
    const home = await alice.browser.gw.get('/').expect(200);
    assert.match(home.text, /You are signed out of the gateway and the IdP\./);
    // The IdP session is gone too: the next login shows the form again.
    const again = await alice.browser.gw.get('/session').expect(302);
    const sso = new URL(again.headers.location!);
    const form = await alice.browser.idp.get(sso.pathname + sso.search).expect(200);
    assert.match(form.text, /name="password"/);
  });

  it('an IdP-initiated LogoutRequest ends the named user\'s session (and so their token, S2)', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const bob = await h.login('bob');
    const token = await alice.createToken();
    const res = await request(h.gateway.app).get(idpLogoutRequest(h, { sessionIndex: await sessionIndexOf(h, alice.userId) })).expect(302);
    assert.match(res.headers.location!, /^http:\/\/localhost:7000\/slo\?SAMLResponse=.*&SigAlg=.*&Signature=/);
    await alice.browser.gw.get('/api/v2/account/details').expect(401);
    await callWithToken(h, token.secret).expect(401);
    await bob.browser.gw.get('/api/v2/account/details').expect(200);
  });

  it('SLO1: an unsigned LogoutRequest, or one signed by another key, is refused and ends nothing', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    for (const bad of [{ unsigned: true, id: '_a' }, { key: OTHER_KEY, id: '_b' }]) {
      const res = await request(h.gateway.app).get(idpLogoutRequest(h, bad)).expect(400);
      assert.match(res.text, /Sign-out failed/);
      assert.equal(h.gateway.context.rejections.latest()[0]?.code, 'E_SIGNATURE');
    }
    await alice.browser.gw.get('/api/v2/account/details').expect(200);
  });

  it('SLO2: a LogoutRequest carrying an Assertion is refused', async () => {
    const h = await createHarness();
    const xml = logoutRequestXml({ id: '_x', issueInstant: h.clock.now(), issuer: h.config.idp.entityId, destination: h.config.gateway.sloUrl, nameId: 'alice@example.com', sessionIndex: null })
      .replace('</samlp:LogoutRequest>', '<saml:Assertion ID="_evil" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"/></samlp:LogoutRequest>');
    await request(h.gateway.app).get(idpLogoutRequest(h, { xml })).expect(400);
    assert.equal(h.gateway.context.rejections.latest()[0]?.code, 'E_STRUCT');
  });

  it('SLO3: the same LogoutRequest twice is a replay', async () => {
    const h = await createHarness();
    await h.login('alice');
    const url = idpLogoutRequest(h, { id: '_once' });
    await request(h.gateway.app).get(url).expect(302);
    await request(h.gateway.app).get(url).expect(400);
    assert.equal(h.gateway.context.rejections.latest()[0]?.code, 'E_REPLAY');
  });

  it('SLO4: a SessionIndex from another login ends nothing', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    await request(h.gateway.app).get(idpLogoutRequest(h, { sessionIndex: '_not-this-session' })).expect(302);
    await alice.browser.gw.get('/api/v2/account/details').expect(200);
  });

  it('a LogoutRequest from another issuer is refused', async () => {
    const h = await createHarness();
    const xml = logoutRequestXml({ id: '_y', issueInstant: h.clock.now(), issuer: 'https://evil.example/idp', destination: h.config.gateway.sloUrl, nameId: 'alice@example.com', sessionIndex: null });
    await request(h.gateway.app).get(idpLogoutRequest(h, { xml })).expect(400);
    assert.equal(h.gateway.context.rejections.latest()[0]?.code, 'E_ISSUER');
  });
});
