/**
 * The validator on metadata documents (test/static/metadata.*, named by the property they
 * exercise): usable IdP metadata, a weak signing key, no HTTP-Redirect SSO endpoint, an
 * aggregate with two IdPs, and the gateway's own SP metadata (which publishes an encryption key).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import request from 'supertest';
import { createHarness } from '../support/harness.ts';
import { FIXTURE_TIME, staticPath } from '../support/static-fixtures.ts';
import { codes, FULL, validateText } from './support.ts';

const md = (name: string) => readFileSync(staticPath(name), 'utf8');

describe('validate: metadata documents', () => {
  it('metadata.idp.key-without-use.xml: a KeyDescriptor without use signs (metadata 2.4.1.1): clean', async () => {
    const r = await validateText(md('metadata.idp.key-without-use.xml'), { at: FIXTURE_TIME, ...FULL });
    assert.equal(r.input.kind, 'metadata');
    assert.deepEqual(codes(r, 'error'), []);
    assert.deepEqual(codes(r, 'warning'), []);
  });

  it('metadata.idp.rsa1024-signing-key.xml: CERT_KEY_SIZE', async () => {
    const r = await validateText(md('metadata.idp.rsa1024-signing-key.xml'), { at: FIXTURE_TIME });
    assert.deepEqual(codes(r, 'error'), ['CERT_KEY_SIZE']);
    assert.match(r.findings.find((f) => f.code === 'CERT_KEY_SIZE')!.message, /1024-bit/);
  });

  it('an expired signing certificate, judged 20 years later: CERT_EXPIRED', async () => {
    const r = await validateText(md('metadata.idp.key-without-use.xml'), { at: FIXTURE_TIME + 20 * 365 * 86_400_000 });
    assert.deepEqual(codes(r, 'warning'), ['CERT_EXPIRED']);
  });

  it('metadata.idp.post-only-sso.xml: META_INVALID names the missing HTTP-Redirect endpoint', async () => {
    const r = await validateText(md('metadata.idp.post-only-sso.xml'), { at: FIXTURE_TIME });
    assert.deepEqual(codes(r, 'error'), ['META_INVALID']);
    assert.match(r.findings[0]!.message, /HTTP-Redirect/);
  });

  it('metadata.entities.two-idps.xml: an aggregate with two IdPs is ambiguous (META_INVALID) but schema-valid', async () => {
    const r = await validateText(md('metadata.entities.two-idps.xml'), { at: FIXTURE_TIME, ...FULL });
    assert.deepEqual(codes(r, 'error'), ['META_INVALID']);
    assert.match(r.findings[0]!.message, /2 entities/);
  });

  it("the gateway's SP metadata is schema-valid and publishes a signing and an encryption key", async () => {
    const h = await createHarness();
    const res = await request(h.gateway.app).get('/users/saml/metadata').expect(200);
    assert.match(res.text, /<md:KeyDescriptor use="encryption">[\s\S]*aes256-gcm/);
    const r = await validateText(res.text, FULL);
    assert.deepEqual(codes(r, 'error'), []);
    assert.deepEqual(codes(r, 'warning'), []);
  });
});
