/**
 * Interop: Debian's ruby-saml (the SAML library Terraform Enterprise itself uses) validates the
 * IdP's responses as a TFE-like SP would, in the clear and encrypted (AES-256-GCM), signed with
 * RSA-SHA256 or RSA-SHA512, and reads IsServiceAccount for bob and not for alice. Driven through
 * test/support/ruby-saml-check.rb; a missing ruby or ruby-saml is a failure, not a skip.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { DEV_CERTS_DIR } from '../../src/config.ts';
import { IDP_CERT, makeIdp, postLogin, readPostForm, type TestIdp } from './helpers.ts';
import { encodeRedirectMessage } from '../../src/saml/sign.ts';
import { authnRequestXml } from './helpers.ts';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), '../support/ruby-saml-check.rb');
const SP = { entityId: 'https://tfe.example/users/saml/metadata', acsUrl: 'https://tfe.example/users/saml/auth' };
const SP_KEY = readFileSync(path.join(DEV_CERTS_DIR, 'sp-signing.key'), 'utf8');
const SP_CERT_FILE = path.join(DEV_CERTS_DIR, 'sp-signing.crt');

interface RubySamlResult {
  valid: boolean;
  errors: string[];
  name_id: string | null;
  name_id_format: string | null;
  attributes: Record<string, string[]>;
  session_index: string | null;
  session_expires_at: string | null;
}

function rubySaml(t: TestIdp, samlResponse: string, extra: Record<string, string> = {}): RubySamlResult {
  const input = { response: samlResponse, idp_cert: readFileSync(IDP_CERT, 'utf8'), idp_entity_id: t.config.idp.entityId, sp_entity_id: SP.entityId, acs_url: SP.acsUrl, sp_key: SP_KEY, sp_cert: readFileSync(SP_CERT_FILE, 'utf8'), ...extra };
  const r = spawnSync('ruby', [SCRIPT], { input: JSON.stringify(input), encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`ruby-saml-check.rb failed (needs ruby and Debian's ruby-saml: apt-get install ruby-saml): ${r.error?.message ?? r.stderr}`);
  return JSON.parse(r.stdout) as RubySamlResult;
}

const tfe = (settings: object) => makeIdp({ idp: { serviceProviders: [{ ...SP, encryptionCert: SP_CERT_FILE, ...settings }] } });

async function initiate(t: TestIdp, user: string): Promise<string> {
  const res = await request(t.idp.app).get('/sso/initiate').query({ sp: SP.entityId, user }).expect(200);
  return readPostForm(res.text).fields.SAMLResponse!;
}

describe('interop: ruby-saml (as in Terraform Enterprise) as the SP', () => {
  for (const settings of [{}, { encryptAssertion: true }, { signatureAlgorithm: 'rsa-sha512' }, { encryptAssertion: true, signatureAlgorithm: 'rsa-sha512', sign: 'assertion' }]) {
    it(`validates the response (${JSON.stringify(settings)}); IsServiceAccount is true for bob and absent for alice`, async () => {
      const t = tfe(settings);
      const bob = rubySaml(t, await initiate(t, 'bob'));
      assert.equal(bob.valid, true, bob.errors.join('; '));
      assert.equal(bob.name_id, 'bob@example.com');
      assert.equal(bob.name_id_format, 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
      assert.deepEqual(bob.attributes.IsServiceAccount, ['true']);
      assert.deepEqual(bob.attributes.Username, ['bob']);
      assert.deepEqual(bob.attributes.MemberOf, ['developers']);
      assert.ok(bob.session_index);
      assert.equal(bob.session_expires_at, new Date(Math.floor(t.clock.now() / 1000) * 1000 + 8 * 3_600_000).toISOString().replace('.000Z', 'Z'));
      const alice = rubySaml(t, await initiate(t, 'alice'));
      assert.equal(alice.valid, true, alice.errors.join('; '));
      assert.equal(alice.attributes.IsServiceAccount, undefined);
    });
  }

  it('checks InResponseTo of an SP-initiated login', async () => {
    const t = tfe({});
    const xml = authnRequestXml({ id: '_tfe-req-1', issuer: SP.entityId, acsUrl: SP.acsUrl, destination: `${t.config.idp.baseUrl}/sso`, issueInstant: t.clock.now() });
    const page = await request(t.idp.app).get('/sso').query({ SAMLRequest: encodeRedirectMessage(xml) }).expect(200);
    const res = await postLogin(t.idp.app, page, { username: 'bob', password: 'bob' });
    const samlResponse = readPostForm(res.text).fields.SAMLResponse!;
    assert.equal(rubySaml(t, samlResponse, { request_id: '_tfe-req-1' }).valid, true);
    const wrong = rubySaml(t, samlResponse, { request_id: '_another' });
    assert.equal(wrong.valid, false);
    assert.match(wrong.errors.join(' '), /InResponseTo/);
  });

  it('refuses our faults as TFE would: bad-signature and wrong-audience are invalid', async () => {
    for (const fault of ['bad-signature', 'wrong-audience']) {
      const t = tfe({});
      await request(t.idp.app).patch('/api/users/bob').send({ faults: [fault] }).expect(200);
      const r = rubySaml(t, await initiate(t, 'bob'));
      assert.equal(r.valid, false, fault);
      assert.ok(r.errors.length > 0);
    }
  });
});
