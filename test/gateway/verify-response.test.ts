/** verifyLoginResponse happy paths: what the ACS gets back from a correctly signed response. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifyLoginResponse } from '../../src/sp/acs.ts';
import { ATTRNAME_FORMAT, NAMEID_FORMAT } from '../../src/saml/constants.ts';
import { craft, NOW, options, REQUEST_ID } from '../security/harness.ts';
import { encode } from '../support/craft-response.ts';

const attributes = [
  { name: 'IsServiceAccount', nameFormat: ATTRNAME_FORMAT.basic, values: ['true'] },
  { name: 'Username', nameFormat: ATTRNAME_FORMAT.basic, values: ['bob'] },
  { name: 'MemberOf', nameFormat: ATTRNAME_FORMAT.basic, values: ['developers,owners'] },
];

for (const [label, signing] of [
  ['assertion signed', {}],
  ['response signed', { signAssertion: false as const, signResponse: {} }],
  ['both signed', { signResponse: {} }],
] as const) {
  test(`a correctly signed response (${label}) verifies and returns the login`, async () => {
    const xml = craft({ nameId: 'bob@example.com', attributes, ...signing });
    const login = await verifyLoginResponse(encode(xml), [REQUEST_ID], options());
    assert.deepEqual(
      { ...login, attributes: login.attributes.map((a) => a.name) },
      {
        assertionId: '_assert-0001',
        issuer: 'http://localhost:7000/metadata',
        nameId: 'bob@example.com',
        nameIdFormat: NAMEID_FORMAT.email,
        sessionIndex: '_session-1',
        sessionNotOnOrAfter: NOW + 8 * 3600_000,
        authnInstant: NOW - 10_000,
        inResponseTo: REQUEST_ID,
        attributes: ['IsServiceAccount', 'Username', 'MemberOf'],
        serviceAccount: { flagged: true, findings: [] },
        attributeNotes: [],
        user: { username: 'bob', memberOf: ['developers', 'owners'], siteAdmin: false, memberOfSent: true },
      },
    );
  });
}

test('base64 wrapped in lines (as IdP forms often post it) is accepted', async () => {
  const wrapped = encode(craft()).replace(/.{76}/g, '$&\r\n');
  const login = await verifyLoginResponse(wrapped, [REQUEST_ID], options());
  assert.equal(login.nameId, 'alice@example.com');
  assert.equal(login.serviceAccount.flagged, false);
  assert.deepEqual(login.user, { username: 'alice', memberOf: ['developers', 'site-admins'], siteAdmin: true, memberOfSent: true });
});

test('an XML declaration and a byte-order mark are accepted', async () => {
  const login = await verifyLoginResponse(encode(`\ufeff<?xml version="1.0" encoding="UTF-8"?>\n${craft()}`), [REQUEST_ID], options());
  assert.equal(login.nameId, 'alice@example.com');
});
