/**
 * The admin API routes added for issue 9: users (add, remove), faults for the next N responses,
 * service-provider settings, the responses feed; attribute names with control characters
 * refused (regression); and the admin token on every admin route, page and the scripted login.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import request from 'supertest';
import { DEV_CERTS_DIR } from '../../src/config.ts';
import { readAttributes } from '../../src/saml/attributes.ts';
import { certificateFromPem } from '../../src/saml/keys.ts';
import { spMetadataXml } from '../../src/saml/metadata.ts';
import { csrfOf, decodeSamlResponse, el, issueFor, makeIdp, readPostForm } from './helpers.ts';
import { NS } from '../../src/saml/constants.ts';

const spCert = certificateFromPem(readFileSync(path.join(DEV_CERTS_DIR, 'sp-signing.crt'), 'utf8'));
const TOKEN = 'idp-admin-token-for-tests-0123456789';

describe('IdP admin API: users', () => {
  it('POST /api/users adds a user who can log in at once; a second POST is 409; DELETE removes (204, then 404)', async () => {
    const t = makeIdp();
    const created = await request(t.idp.app).post('/api/users').send({ username: 'deploy-bot', attributes: { IsServiceAccount: true, MemberOf: ['developers'] } }).expect(201);
    assert.equal(created.body.user.email, 'deploy-bot@example.com');
    assert.equal(created.body.user.pickOnly, true);
    assert.equal(created.body.user.serviceAccount.flagged, true);
    assert.equal(el((await issueFor(t, 'deploy-bot')).assertion, NS.assertion, 'NameID').textContent, 'deploy-bot@example.com');
    const again = await request(t.idp.app).post('/api/users').send({ username: 'deploy-bot' }).expect(409);
    assert.match(again.body.errors[0].detail, /exists/);
    await request(t.idp.app).post('/api/users').send({ username: 'bad name' }).expect(400);
    await request(t.idp.app).post('/api/users').send({ username: 'x', password: 'p', extra: 1 }).expect(400);
    await request(t.idp.app).delete('/api/users/deploy-bot').expect(204);
    await request(t.idp.app).delete('/api/users/deploy-bot').expect(404);
    await request(t.idp.app).get('/sso/initiate').query({ sp: t.config.gateway.entityId, user: 'deploy-bot' }).expect(400);
  });

  it('nextFaults applies faults to the next N responses only, counting down, on top of the standing faults', async () => {
    const t = makeIdp();
    const res = await request(t.idp.app).patch('/api/users/bob').send({ faults: ['no-session-not-on-or-after'], nextFaults: { faults: ['sa-name-lowercase'], count: 2 } }).expect(200);
    assert.deepEqual(res.body.user.nextFaults, { faults: ['sa-name-lowercase'], remaining: 2 });
    const names = async () => readAttributes((await issueFor(t, 'bob')).assertion).map((a) => a.name);
    assert.ok((await names()).includes('isServiceAccount'));
    assert.equal((await request(t.idp.app).get('/api/users/bob')).body.user.nextFaults.remaining, 1);
    assert.ok((await names()).includes('isServiceAccount'));
    assert.equal((await request(t.idp.app).get('/api/users/bob')).body.user.nextFaults, null);
    const third = await issueFor(t, 'bob');
    assert.ok(readAttributes(third.assertion).some((a) => a.name === 'IsServiceAccount'), 'back to normal after 2');
    assert.equal(el(third.assertion, NS.assertion, 'AuthnStatement').hasAttribute('SessionNotOnOrAfter'), false, 'the standing fault stays');
    await request(t.idp.app).patch('/api/users/bob').send({ nextFaults: { faults: ['expired'], count: 5 } }).expect(200);
    assert.equal((await request(t.idp.app).patch('/api/users/bob').send({ nextFaults: null }).expect(200)).body.user.nextFaults, null);
    for (const bad of [{ faults: [], count: 1 }, { faults: ['expired'], count: 0 }, { faults: ['nope'], count: 1 }, { faults: ['expired'] }]) {
      await request(t.idp.app).patch('/api/users/bob').send({ nextFaults: bad }).expect(400);
    }
  });

  it('regression (issue 9): attribute NAMES with control characters are refused with 400, and logins keep working', async () => {
    const t = makeIdp();
    for (const name of ['Is\u0001ServiceAccount', 'Tab\tName', 'New\nLine', 'Del\u007f', 'C1\u0085', 'Sep\u2028']) {
      const res = await request(t.idp.app).patch('/api/users/bob').send({ attributes: { [name]: 'x' } });
      assert.equal(res.status, 400, JSON.stringify(name));
      assert.match(res.body.errors[0].detail, /attribute names may not contain control characters/);
      await request(t.idp.app).post('/api/users').send({ username: 'n', attributes: { [name]: 'x' } }).expect(400);
    }
    assert.equal((await issueFor(t, 'bob')).response.getAttribute('Version'), '2.0', 'bob can still log in');
  });
});

describe('IdP admin API: service providers and responses', () => {
  it('GET/PATCH/DELETE /api/service-providers/:entityId (URL-encoded); the gateway cannot be removed', async () => {
    const t = makeIdp();
    const meta = spMetadataXml({ entityId: 'https://sp3.example/meta', acsUrl: 'https://sp3.example/acs', sloUrl: 'https://sp3.example/slo', certificate: spCert, authnRequestsSigned: false });
    const created = await request(t.idp.app).post('/api/service-providers').send({ metadata: meta, settings: { sign: 'response', nameIdFormat: 'transient' } }).expect(201);
    assert.deepEqual([created.body.serviceProvider.settings.sign, created.body.serviceProvider.settings.nameIdFormat, created.body.serviceProvider.source], ['response', 'transient', 'api']);
    const p = `/api/service-providers/${encodeURIComponent('https://sp3.example/meta')}`;
    const patched = await request(t.idp.app).patch(p).send({ signatureAlgorithm: 'rsa-sha512' }).expect(200);
    assert.deepEqual([patched.body.serviceProvider.settings.sign, patched.body.serviceProvider.settings.signatureAlgorithm], ['response', 'rsa-sha512'], 'settings merge');
    await request(t.idp.app).delete(p).expect(204);
    await request(t.idp.app).get(p).expect(404);
    await request(t.idp.app).patch(p).send({ sign: 'both' }).expect(404);
    const gw = await request(t.idp.app).delete(`/api/service-providers/${encodeURIComponent(t.config.gateway.entityId)}`).expect(409);
    assert.match(gw.body.errors[0].detail, /always registered/);
  });

  it('idp.serviceProviders takes a metadata URL, fetched at start (idp.ready)', async () => {
    const meta = spMetadataXml({ entityId: 'https://remote.example/sp', acsUrl: 'https://remote.example/acs', sloUrl: 'https://remote.example/slo', certificate: spCert, authnRequestsSigned: false });
    const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(meta));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sp.xml`;
      const t = makeIdp({ idp: { serviceProviders: [{ metadata: url, encryptAssertion: false, sign: 'assertion' }, { metadata: `${url.replace(/\d+\/sp\.xml$/, '1')}/missing.xml` }] } });
      await t.idp.ready;
      const sp = (await request(t.idp.app).get(`/api/service-providers/${encodeURIComponent('https://remote.example/sp')}`).expect(200)).body.serviceProvider;
      assert.equal(sp.settings.sign, 'assertion');
      assert.equal(sp.acsUrl, 'https://remote.example/acs');
    } finally {
      server.close();
    }
  });

  it('GET /api/responses lists what was issued, newest first, with the XML as sent', async () => {
    const t = makeIdp();
    await issueFor(t, 'alice');
    await issueFor(t, 'bob');
    const list = (await request(t.idp.app).get('/api/responses').expect(200)).body.responses;
    assert.deepEqual(list.map((r: { username: string }) => r.username), ['bob', 'alice']);
    assert.equal(list[0].sp, t.config.gateway.entityId);
    assert.match(list[0].xml, /^<samlp:Response /);
  });
});

describe('--idp-admin-token on every admin route, page and the scripted login', () => {
  const routes: Array<[string, string, object?]> = [
    ['get', '/api/users'],
    ['post', '/api/users', { username: 'x' }],
    ['get', '/api/users/bob'],
    ['patch', '/api/users/bob', { attributes: { IsServiceAccount: false } }],
    ['delete', '/api/users/bob'],
    ['get', '/api/service-providers'],
    ['post', '/api/service-providers', { metadata: '<x/>' }],
    ['get', `/api/service-providers/${encodeURIComponent('http://localhost:8080/users/saml/metadata')}`],
    ['patch', `/api/service-providers/${encodeURIComponent('http://localhost:8080/users/saml/metadata')}`, { sign: 'both' }],
    ['delete', `/api/service-providers/${encodeURIComponent('http://localhost:8080/users/saml/metadata')}`],
    ['get', '/api/responses'],
  ];
  for (const [method, path, body] of routes) {
    it(`${method.toUpperCase()} ${path}: 401 without the token, not 401 with it`, async () => {
      const t = makeIdp({ idp: { adminToken: TOKEN } });
      const agent = request(t.idp.app) as unknown as Record<string, (p: string) => request.Test>;
      const none = await agent[method]!(path).send(body ?? {});
      assert.equal(none.status, 401);
      assert.equal(none.body.errors[0].title, 'unauthorized');
      assert.equal((await agent[method]!(path).set('Authorization', `Bearer ${TOKEN}-wrong`).send(body ?? {})).status, 401);
      assert.notEqual((await agent[method]!(path).set('Authorization', `Bearer ${TOKEN}`).send(body ?? {})).status, 401);
    });
  }

  it('regression (issue 9): /sso/initiate?user= needs the token (bearer header or the admin cookie); without ?user= it is the normal login', async () => {
    const t = makeIdp({ idp: { adminToken: TOKEN } });
    const q = { sp: t.config.gateway.entityId, user: 'carol' };
    const refused = await request(t.idp.app).get('/sso/initiate').query(q).expect(401);
    assert.match(refused.text, /Admin token required[\s\S]*What to do/);
    assert.doesNotMatch(refused.text, /SAMLResponse/);
    await request(t.idp.app).get('/sso/initiate').query({ ...q, token: TOKEN }).expect(401);
    const ok = await request(t.idp.app).get('/sso/initiate').query(q).set('Authorization', `Bearer ${TOKEN}`).expect(200);
    assert.equal(el(decodeSamlResponse(readPostForm(ok.text).fields.SAMLResponse!).assertion, NS.assertion, 'NameID').textContent, 'carol@example.com');
    const page = await request(t.idp.app).get('/sso/initiate').query({ sp: t.config.gateway.entityId }).expect(200);
    assert.match(page.text, /name="password"/);
  });

  it('admin pages ask for the token; signing in at /admin sets an HttpOnly SameSite=Strict cookie that is not the token', async () => {
    const t = makeIdp({ idp: { adminToken: TOKEN } });
    for (const p of ['/directory', '/responses']) {
      const res = await request(t.idp.app).get(p).expect(401);
      assert.match(res.text, /IdP admin sign-in/);
    }
    const form = await request(t.idp.app).get('/admin').expect(200);
    const { token, cookie } = csrfOf(form);
    const wrong = await request(t.idp.app).post('/admin/sign-in').set('Cookie', cookie).type('form').send({ csrf: token, token: 'nope', next: '/directory' }).expect(401);
    assert.match(wrong.text, /not the admin token/);
    await request(t.idp.app).post('/admin/sign-in').type('form').send({ token: TOKEN }).expect(403);
    const signedIn = await request(t.idp.app).post('/admin/sign-in').set('Cookie', cookie).type('form').send({ csrf: token, token: TOKEN, next: '//evil.example/' }).expect(303);
    assert.equal(signedIn.headers.location, '/directory', 'no open redirect');
    const adminCookie = (signedIn.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('samlgate_idp_admin='))!;
    assert.match(adminCookie, /HttpOnly/);
    assert.match(adminCookie, /SameSite=Strict/);
    assert.ok(!adminCookie.includes(TOKEN));
    const dir = await request(t.idp.app).get('/directory').set('Cookie', adminCookie.split(';')[0]!).expect(200);
    assert.match(dir.text, /id="users"/);
    await request(t.idp.app).get('/api/users').set('Cookie', adminCookie.split(';')[0]!).expect(200);
    await request(t.idp.app).get('/sso/initiate').query({ sp: t.config.gateway.entityId, user: 'bob' }).set('Cookie', adminCookie.split(';')[0]!).expect(200);
  });
});
