/**
 * The validator on responses from samlgate's own IdP, one per fault preset (src/idp/faults.ts):
 * each preset yields exactly its finding, and a clean response yields no error and no warning.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { FAULT_NAMES, type FaultName } from '../../src/config.ts';
import { makeIdp, readPostForm } from '../idp/helpers.ts';
import { BENIGN_INFO, codes, FULL, validateText } from './support.ts';

/**
 * Per preset: error and warning codes expected (sorted), and info codes that must be present.
 * A near-miss of rule F1 is an error: TFE would silently treat the automation user as a person.
 */
const EXPECTED: Record<FaultName, { errors: string[]; warnings: string[]; info?: string[] }> = {
  'sa-name-lowercase': { errors: ['SA_NAME_CASE'], warnings: [] },
  'sa-nameformat-uri': { errors: ['SA_NAMEFORMAT'], warnings: [] },
  'sa-nameformat-unspecified': { errors: ['SA_NAMEFORMAT'], warnings: [] },
  'sa-nameformat-absent': { errors: ['SA_NAMEFORMAT_ABSENT'], warnings: [] },
  'sa-value-capitalized': { errors: [], warnings: [], info: ['SA_OK'] },
  'sa-value-one': { errors: ['SA_VALUE'], warnings: [] },
  'sa-value-empty': { errors: ['SA_VALUE'], warnings: ['ATTR_EMPTY_VALUE'] },
  unsigned: { errors: ['E_SIGNATURE'], warnings: ['SAMLIFY_REFUSES'] },
  'bad-signature': { errors: ['E_SIGNATURE', 'E_SIGNATURE'], warnings: ['SAMLIFY_REFUSES', 'XMLSEC_REFUSES', 'XMLSEC_REFUSES'] },
  expired: { errors: ['E_TIME', 'E_TIME'], warnings: ['SAMLIFY_REFUSES'] },
  // samlify does not check the audience (SP-SECURITY AUD1): its second opinion accepts.
  'wrong-audience': { errors: ['E_AUDIENCE'], warnings: [] },
  'no-session-not-on-or-after': { errors: [], warnings: [], info: ['SESSION_NOT_ON_OR_AFTER_ABSENT'] },
  // Response and Assertion signed with RSA-SHA1: both signatures refused by the allow-list.
  'signature-sha1': { errors: ['E_ALGORITHM', 'E_ALGORITHM'], warnings: [] },
  // The assertion is encrypted with AES-256-CBC: refused unless gateway.allowCbcEncryption.
  'encryption-aes-cbc': { errors: ['E_ALGORITHM'], warnings: [] },
  'not-yet-valid': { errors: ['E_TIME'], warnings: [] },
  'wrong-recipient': { errors: ['E_RECIPIENT'], warnings: [] },
  'wrong-destination': { errors: ['E_DESTINATION'], warnings: [] },
  // Without IdP metadata there is no trusted entity ID to compare with (the test below passes one).
  'wrong-issuer': { errors: [], warnings: [], info: ['ISSUER_NOT_CHECKED'] },
};

/** Full reports (XSD, samlify, xmlsec1) for the clean responses and the signature faults. */
async function reportFor(faults: FaultName[], username = 'bob', full = faults.length === 0 || faults.some((f) => ['unsigned', 'bad-signature', 'expired'].includes(f))) {
  const t = makeIdp();
  await request(t.idp.app).patch(`/api/users/${username}`).send({ faults }).expect(200);
  // The raw Response as posted (encrypted presets carry no Assertion in the clear).
  const res = await request(t.idp.app).get('/sso/initiate').query({ sp: t.config.gateway.entityId, user: username }).expect(200);
  const xml = Buffer.from(readPostForm(res.text).fields.SAMLResponse!, 'base64').toString('utf8');
  return validateText(xml, { at: t.clock.now(), ...(full ? FULL : {}) });
}

describe('validate: samlgate IdP fault presets', () => {
  it('every preset has an expectation', () => {
    assert.deepEqual(Object.keys(EXPECTED).sort(), [...FAULT_NAMES].sort());
  });

  for (const who of ['alice', 'bob', 'carol']) {
    it(`a clean response for ${who} has no error and no warning, and samlify and xmlsec1 agree`, async () => {
      const r = await reportFor([], who);
      assert.equal(r.ok, true, JSON.stringify(r.findings, null, 1));
      assert.deepEqual(codes(r, 'error'), []);
      assert.deepEqual(codes(r, 'warning'), []);
      for (const c of codes(r, 'info')) assert.ok(BENIGN_INFO.has(c), c);
      assert.equal(r.secondOpinions.samlify?.accepted, true);
      assert.ok(r.secondOpinions.xmlsec?.verdicts.length && r.secondOpinions.xmlsec.verdicts.every((v) => v.ok));
      assert.ok(codes(r, 'info').includes(who === 'bob' ? 'SA_OK' : 'SA_ABSENT'));
    });
  }

  for (const [fault, expected] of Object.entries(EXPECTED) as [FaultName, (typeof EXPECTED)[FaultName]][]) {
    it(`${fault}: ${[...expected.errors, ...expected.warnings, ...(expected.info ?? [])].join(', ') || 'no finding'}`, async () => {
      const r = await reportFor([fault]);
      assert.deepEqual(codes(r, 'error'), expected.errors, JSON.stringify(r.findings.map((f) => [f.code, f.message]), null, 1));
      assert.deepEqual(codes(r, 'warning'), expected.warnings, JSON.stringify(r.findings.map((f) => [f.code, f.message]), null, 1));
      for (const c of expected.info ?? []) assert.ok(codes(r, 'info').includes(c), c);
      assert.equal(r.ok, expected.errors.length === 0);
      for (const f of r.findings) {
        assert.ok(f.message && f.fix && f.why, `${f.code} has message, why and fix`);
      }
    });
  }

  it('wrong-issuer with the IdP metadata given: E_ISSUER', async () => {
    const t = makeIdp();
    await request(t.idp.app).patch('/api/users/bob').send({ faults: ['wrong-issuer'] }).expect(200);
    const metadata = (await request(t.idp.app).get('/metadata').expect(200)).text;
    const res = await request(t.idp.app).get('/sso/initiate').query({ sp: t.config.gateway.entityId, user: 'bob' }).expect(200);
    const xml = Buffer.from(readPostForm(res.text).fields.SAMLResponse!, 'base64').toString('utf8');
    const r = await validateText(xml, { at: t.clock.now(), idpMetadata: metadata });
    assert.ok(codes(r, 'error').includes('E_ISSUER'), JSON.stringify(r.findings.map((f) => f.code)));
    assert.equal(r.ok, false);
  });

  it('samlify accepts a wrong-audience response (its known AUD1 gap); the validator still refuses it', async () => {
    const r = await reportFor(['wrong-audience'], 'bob', true);
    assert.equal(r.secondOpinions.samlify?.accepted, true);
    assert.equal(r.ok, false);
  });

  it('the near-miss fix names the setting in Okta, Entra ID, ADFS, Keycloak and Google Workspace', async () => {
    const r = await reportFor(['sa-name-lowercase']);
    const f = r.findings.find((x) => x.code === 'SA_NAME_CASE')!;
    assert.match(f.message, /the IdP sent `isServiceAccount`: TFE ignores it/);
    for (const idp of ['Okta:', 'Entra ID:', 'ADFS:', 'Keycloak:', 'Google Workspace:']) assert.ok(f.fix.includes(idp), idp);
  });
});
