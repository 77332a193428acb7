import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import request from 'supertest';
import { DEV_CERTS_DIR } from '../../src/config.ts';
import { readAttributes } from '../../src/saml/attributes.ts';
import { decideServiceAccount } from '../../src/saml/attribute-policy.ts';
import { certificateFromPem } from '../../src/saml/keys.ts';
import { spMetadataXml } from '../../src/saml/metadata.ts';
import { issueFor, makeIdp, readPostForm } from './helpers.ts';

const spCert = certificateFromPem(readFileSync(path.join(DEV_CERTS_DIR, 'sp-signing.crt'), 'utf8'));

describe('IdP admin API', () => {
  it('lists the embedded users without passwords', async () => {
    const t = makeIdp();
    const res = await request(t.idp.app).get('/api/users').expect(200);
    assert.deepEqual(res.body.users.map((u: { username: string }) => u.username), ['alice', 'bob', 'carol']);
    assert.doesNotMatch(res.text, /password/);
    const bob = await request(t.idp.app).get('/api/users/bob').expect(200);
    assert.deepEqual(bob.body.user.attributes, { MemberOf: ['developers'], IsServiceAccount: true });
    const alice = await request(t.idp.app).get('/api/users/alice').expect(200);
    assert.equal('IsServiceAccount' in alice.body.user.attributes, false);
  });

  it('PATCH IsServiceAccount=false changes the next assertion (rule F2 is the gateway\'s business)', async () => {
    const t = makeIdp();
    assert.equal(decideServiceAccount(readAttributes((await issueFor(t, 'bob')).assertion)).flagged, true);
    const res = await request(t.idp.app).patch('/api/users/bob').send({ attributes: { IsServiceAccount: false } }).expect(200);
    assert.equal(res.body.user.attributes.IsServiceAccount, false);
    const attrs = readAttributes((await issueFor(t, 'bob')).assertion);
    assert.deepEqual(attrs.find((a) => a.name === 'IsServiceAccount')!.values, [{ kind: 'text', text: 'false' }]);
    assert.equal(decideServiceAccount(attrs).flagged, false);

    await request(t.idp.app).patch('/api/users/bob').send({ attributes: { IsServiceAccount: null } }).expect(200);
    assert.equal(readAttributes((await issueFor(t, 'bob')).assertion).some((a) => a.name === 'IsServiceAccount'), false);
  });

  it("shows how the gateway's rule F1 will read each user's next assertion, faults included", async () => {
    const t = makeIdp();
    const bob = await request(t.idp.app).get('/api/users/bob').expect(200);
    assert.deepEqual(bob.body.user.serviceAccount, { flagged: true, findings: [] });
    const lower = await request(t.idp.app).patch('/api/users/bob').send({ faults: ['sa-name-lowercase'] }).expect(200);
    assert.equal(lower.body.user.serviceAccount.flagged, false);
    assert.equal(lower.body.user.serviceAccount.findings[0].code, 'SA_NAME_CASE');
    assert.match(lower.body.user.serviceAccount.findings[0].fix, /rename the attribute to IsServiceAccount/);
    const empty = await request(t.idp.app).patch('/api/users/bob').send({ faults: ['sa-value-empty'] }).expect(200);
    // The gateway reads it as ruby-saml (TFE) does: a near-miss, not flagged (--strict-attributes would refuse).
    assert.equal(empty.body.user.serviceAccount.flagged, false);
    assert.equal(empty.body.user.serviceAccount.findings[0].code, 'ATTR_EMPTY_VALUE');
    assert.equal(empty.body.user.serviceAccount.findings[0].severity, 'near-miss');
    const list = await request(t.idp.app).get('/api/users').expect(200);
    assert.equal(list.body.users.find((u: { username: string }) => u.username === 'alice').serviceAccount.flagged, false);
  });

  it('validates input and answers JSON errors; unknown users are 404', async () => {
    const t = makeIdp();
    const bad = await request(t.idp.app).patch('/api/users/bob').send({ faults: ['no-such-fault'] }).expect(400);
    assert.equal(bad.body.errors[0].status, '400');
    assert.ok(bad.body.errors[0].detail);
    await request(t.idp.app).patch('/api/users/bob').send({}).expect(400);
    // The IdP never emits an ill-formed assertion: XML 1.0 has no U+0001, raw or escaped.
    const control = await request(t.idp.app).patch('/api/users/bob').send({ attributes: { Username: 'bob\u0001' } }).expect(400);
    assert.match(control.body.errors[0].detail, /attributes\.Username: contains U\+0001 at offset 3/);
    await request(t.idp.app).patch('/api/users/bob').send({ attributes: { MemberOf: ['ok', '\uFFFF'] } }).expect(400);
    // A lone surrogate (JSON "\ud800") has no UTF-8 encoding at all.
    await request(t.idp.app).patch('/api/users/bob').set('Content-Type', 'application/json').send('{"attributes":{"Username":"b\\ud800"}}').expect(400);
    await request(t.idp.app).patch('/api/users/bob').set('Content-Type', 'application/json').send('{not json').expect(400);
    const missing = await request(t.idp.app).get('/api/users/nobody').expect(404);
    assert.equal(missing.body.errors[0].status, '404');
    await request(t.idp.app).patch('/api/users/nobody').send({ attributes: { a: 'b' } }).expect(404);
  });

  it('requires the bearer token when idp.adminToken is set', async () => {
    const token = 'x'.repeat(20) + 'secret';
    const t = makeIdp({ idp: { adminToken: token } });
    const none = await request(t.idp.app).get('/api/users').expect(401);
    assert.equal(none.body.errors[0].status, '401');
    await request(t.idp.app).get('/api/users').set('Authorization', `Bearer ${token}x`).expect(401);
    await request(t.idp.app).patch('/api/users/bob').send({ attributes: { IsServiceAccount: false } }).expect(401);
    await request(t.idp.app).get('/api/users').set('Authorization', `Bearer ${token}`).expect(200);
  });

  it('registers a service provider by metadata (XML or JSON) and can then log in to it', async () => {
    const t = makeIdp();
    const meta = spMetadataXml({ entityId: 'https://sp2.example/meta', acsUrl: 'https://sp2.example/acs', sloUrl: 'https://sp2.example/slo', certificate: spCert, authnRequestsSigned: true });
    const created = await request(t.idp.app).post('/api/service-providers').set('Content-Type', 'application/samlmetadata+xml').send(meta).expect(201);
    assert.equal(created.body.serviceProvider.entityId, 'https://sp2.example/meta');
    await request(t.idp.app).post('/api/service-providers').send({ metadata: meta }).expect(200);
    const list = await request(t.idp.app).get('/api/service-providers').expect(200);
    assert.deepEqual(list.body.serviceProviders.map((s: { entityId: string }) => s.entityId), [t.config.gateway.entityId, 'https://sp2.example/meta']);
    const sso = await request(t.idp.app).get('/sso/initiate').query({ sp: 'https://sp2.example/meta', user: 'alice' }).expect(200);
    assert.equal(readPostForm(sso.text).action, 'https://sp2.example/acs');

    const invalid = await request(t.idp.app).post('/api/service-providers').send({ metadata: '<x/>' }).expect(400);
    assert.match(invalid.body.errors[0].detail, /EntityDescriptor/);
    await request(t.idp.app).post('/api/service-providers').send({ nope: 1 }).expect(400);
  });
});
