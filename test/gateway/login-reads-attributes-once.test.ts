/**
 * Rule S5 is read once, by the verification core, with the admin's attribute names; the login
 * applies exactly that reading (the validator and the SAML debug view show the same one).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { ATTRNAME_FORMAT } from '../../src/saml/constants.ts';
import { craftResponse, encode } from '../support/craft-response.ts';
import { createHarness } from '../support/harness.ts';

describe('the login applies what the verification core read', () => {
  it('regression: two MemberOf attributes are both applied (teams and site admin), as the debug view and the validator read them', async () => {
    const h = await createHarness({ 'gateway.allowIdpInitiated': true, 'gateway.samlDebug': true });
    const xml = craftResponse({
      now: h.clock.now(),
      inResponseTo: null,
      responseId: '_r-two-memberof',
      assertionId: '_a-two-memberof',
      nameId: 'dave@example.com',
      attributes: [
        { name: 'Username', nameFormat: ATTRNAME_FORMAT.basic, values: ['dave'] },
        { name: 'MemberOf', nameFormat: ATTRNAME_FORMAT.basic, values: ['developers'] },
        { name: 'MemberOf', nameFormat: ATTRNAME_FORMAT.basic, values: ['owners', 'site-admins'] },
      ],
    } as Parameters<typeof craftResponse>[0]);
    await request(h.gateway.app).post('/users/saml/auth').type('form').send({ SAMLResponse: encode(xml), _samlgate_relay: '1' }).expect(303);
    const dave = await h.store.users.getByEmail('dave@example.com');
    assert.ok(dave);
    assert.deepEqual(dave.memberOf, ['developers', 'owners', 'site-admins']);
    assert.equal(dave.isSiteAdmin, true);
    const teams = (await h.store.teams.teamsOfUser(dave.id)).map((t) => t.name).sort();
    assert.deepEqual(teams, ['developers', 'owners']);
    // The debug view's record of this login holds the same attributes the login applied.
    const attempt = h.gateway.context.loginAttempts.latest()[0]!;
    assert.equal(attempt.outcome, 'accepted');
    assert.deepEqual(attempt.attributes.filter((a) => a.name === 'MemberOf').flatMap((a) => a.values.map((v) => (v.kind === 'text' ? v.text : ''))), ['developers', 'owners', 'site-admins']);
  });
});
