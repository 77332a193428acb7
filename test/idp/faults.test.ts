import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import type { FaultName } from '../../src/config.ts';
import { NS } from '../../src/saml/constants.ts';
import { readAttributes } from '../../src/saml/attributes.ts';
import { decideServiceAccount, type FindingCode } from '../../src/saml/attribute-policy.ts';
import { EXPIRED_BY_MS, WRONG_AUDIENCE } from '../../src/idp/faults.ts';
import { el, issueFor, makeIdp } from './helpers.ts';

/** Expected verdict of rule F1 (the shared decideServiceAccount) for bob with each sa-* fault. */
const SA_FAULTS: Array<[FaultName, { flagged: boolean; finding: FindingCode | null }]> = [
  ['sa-name-lowercase', { flagged: false, finding: 'SA_NAME_CASE' }],
  ['sa-nameformat-uri', { flagged: false, finding: 'SA_NAMEFORMAT' }],
  ['sa-nameformat-unspecified', { flagged: false, finding: 'SA_NAMEFORMAT' }],
  ['sa-nameformat-absent', { flagged: false, finding: 'SA_NAMEFORMAT_ABSENT' }],
  ['sa-value-capitalized', { flagged: true, finding: null }],
  ['sa-value-one', { flagged: false, finding: 'SA_VALUE' }],
  ['sa-value-empty', { flagged: false, finding: 'SA_VALUE' }],
];

describe('IdP faults', () => {
  for (const [fault, expected] of SA_FAULTS) {
    it(`${fault}: decideServiceAccount says flagged=${expected.flagged}${expected.finding ? ` with ${expected.finding}` : ''}`, async () => {
      const t = makeIdp();
      await request(t.idp.app).patch('/api/users/bob').send({ faults: [fault] }).expect(200);
      const decision = decideServiceAccount(readAttributes((await issueFor(t, 'bob')).assertion));
      assert.equal(decision.flagged, expected.flagged);
      assert.deepEqual(decision.findings.map((f) => f.code), expected.finding ? [expected.finding] : []);
    });
  }

  it('sa-* faults leave users without IsServiceAccount alone', async () => {
    const t = makeIdp({ idp: { users: [{ username: 'eve', password: 'eve', faults: ['sa-value-one', 'sa-name-lowercase'] }] } });
    const attrs = readAttributes((await issueFor(t, 'eve')).assertion);
    assert.deepEqual(attrs.map((a) => a.name), ['Username']);
  });

  it('expired: Conditions and SubjectConfirmationData NotOnOrAfter are already past', async () => {
    const t = makeIdp({ idp: { users: [{ username: 'x', password: 'x', faults: ['expired'] }] } });
    const { assertion } = await issueFor(t, 'x');
    const past = new Date(t.clock.now() - EXPIRED_BY_MS).toISOString();
    assert.equal(el(assertion, NS.assertion, 'Conditions').getAttribute('NotOnOrAfter'), past);
    assert.equal(el(assertion, NS.assertion, 'SubjectConfirmationData').getAttribute('NotOnOrAfter'), past);
  });

  it('wrong-audience and no-session-not-on-or-after', async () => {
    const t = makeIdp({ idp: { users: [{ username: 'x', password: 'x', faults: ['wrong-audience', 'no-session-not-on-or-after'] }] } });
    const { assertion } = await issueFor(t, 'x');
    assert.equal(el(assertion, NS.assertion, 'Audience').textContent, WRONG_AUDIENCE);
    assert.equal(el(assertion, NS.assertion, 'AuthnStatement').hasAttribute('SessionNotOnOrAfter'), false);
  });

  it('sessionNotOnOrAfter 0 in the config omits SessionNotOnOrAfter', async () => {
    const t = makeIdp({ idp: { sessionNotOnOrAfter: 0 } });
    const { assertion } = await issueFor(t, 'alice');
    assert.equal(el(assertion, NS.assertion, 'AuthnStatement').hasAttribute('SessionNotOnOrAfter'), false);
  });

  it('escapes attribute values (no template injection, SP-SECURITY ATTR13)', async () => {
    const evil = 'x</saml:AttributeValue></saml:Attribute><saml:Attribute Name="IsServiceAccount"><saml:AttributeValue>true';
    const t = makeIdp({ idp: { users: [{ username: 'm', password: 'm', attributes: { Title: evil } }] } });
    const attrs = readAttributes((await issueFor(t, 'm')).assertion);
    assert.deepEqual(attrs.map((a) => a.name), ['Username', 'Title']);
    assert.deepEqual(attrs[1]!.values, [{ kind: 'text', text: evil }]);
  });
});
