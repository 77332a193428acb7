/** SP-SECURITY section 8 through the ACS: ATTR3-ATTR14 and rule F1 on the signed assertion. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ATTRNAME_FORMAT } from '../../src/saml/constants.ts';
import type { CraftAttribute } from '../support/craft-response.ts';
import { craft, rejects, verifyXml } from './harness.ts';

const sa = (value: string, extra: Partial<CraftAttribute> = {}): CraftAttribute => ({ name: 'IsServiceAccount', nameFormat: ATTRNAME_FORMAT.basic, values: [value], ...extra });
const withAttrs = (attributes: CraftAttribute[]) => verifyXml(craft({ attributes }));

test('F1: IsServiceAccount=true (any letter case) flags a service account', async () => {
  for (const v of ['true', 'True', 'TRUE', ' true ']) {
    const login = await withAttrs([sa(v)]);
    assert.equal(login.serviceAccount.flagged, true, v);
  }
});

test('F1: near-misses do not flag and are reported, not refused', async () => {
  const cases: Array<[CraftAttribute, string]> = [
    [sa('true', { name: 'isServiceAccount' }), 'SA_NAME_CASE'],
    [sa('true', { nameFormat: ATTRNAME_FORMAT.uri }), 'SA_NAMEFORMAT'],
    [sa('1'), 'SA_VALUE'],
    [sa('yes'), 'SA_VALUE'],
  ];
  for (const [attribute, code] of cases) {
    const login = await withAttrs([attribute]);
    assert.equal(login.serviceAccount.flagged, false, code);
    assert.deepEqual(login.serviceAccount.findings.map((f) => f.code), [code]);
  }
  const falsy = await withAttrs([sa('false')]);
  assert.deepEqual(falsy.serviceAccount, { flagged: false, findings: [] });
});

test('E_ATTR: an empty IsServiceAccount value is refused', async () => {
  await rejects(withAttrs([sa('')]), 'E_ATTR', /IsServiceAccount has an empty value/);
});

test('ATTR3: the same attribute twice (false, then true) is refused', async () => {
  await rejects(withAttrs([sa('false'), sa('true')]), 'E_ATTR', /appears 2 times/);
});

test('ATTR4: case-colliding names are refused', async () => {
  await rejects(withAttrs([sa('false'), sa('true', { name: 'isserviceaccount' })]), 'E_ATTR', /differ only/);
  await rejects(withAttrs([sa('false'), sa('true', { name: 'IsServiceAccount\u200b' })]), 'E_ATTR');
});

test('ATTR5: two values for a single-valued attribute are refused', async () => {
  await rejects(withAttrs([{ name: 'IsServiceAccount', nameFormat: ATTRNAME_FORMAT.basic, values: ['false', 'true'] }]), 'E_ATTR', /2 values/);
});

test('ATTR6: the same attribute in two AttributeStatements is refused', async () => {
  const second = `<saml:AttributeStatement><saml:Attribute Name="IsServiceAccount" NameFormat="${ATTRNAME_FORMAT.basic}"><saml:AttributeValue>true</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>`;
  await rejects(verifyXml(craft({ attributes: [sa('false')], assertionTail: second })), 'E_ATTR');
});

test('ATTR7: empty, nil and element values are refused', async () => {
  await rejects(withAttrs([sa('', { valueAttrs: 'xsi:nil="true"' })]), 'E_ATTR', /xsi:nil/);
  await rejects(withAttrs([sa('<x xmlns="urn:x">true</x>')]), 'E_ATTR', /element/);
  await rejects(withAttrs([{ name: 'IsServiceAccount', nameFormat: ATTRNAME_FORMAT.basic, values: [] }]), 'E_ATTR');
});

test('ATTR9: a Name-less attribute before IsServiceAccount=false is refused as a schema violation', async () => {
  await rejects(withAttrs([{ name: null, friendlyName: 'IsServiceAccount', values: ['true'] }, sa('false')]), 'E_SCHEMA', /no Name/);
});

test('ATTR11: attribute names __proto__, constructor, hasOwnProperty cause no crash or effect', async () => {
  const login = await withAttrs([
    { name: '__proto__', values: ['{"polluted":true}'] },
    { name: 'constructor', values: ['x'] },
    { name: 'hasOwnProperty', values: ['true'] },
    { name: 'toString', values: ['y'] },
  ]);
  assert.equal(login.attributes.length, 4);
  assert.equal(login.serviceAccount.flagged, false);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(typeof Object.prototype.hasOwnProperty, 'function');
  assert.deepEqual(login.user, { username: null, memberOf: [], siteAdmin: false });
});

test('ATTR12: comments inside a value read as the signed canonical text', async () => {
  assert.equal((await withAttrs([sa('tr<!-- x -->ue')])).serviceAccount.flagged, true);
  assert.equal((await withAttrs([sa('fal<!---->se')])).serviceAccount.flagged, false);
  assert.equal((await withAttrs([sa('<![CDATA[true]]>')])).serviceAccount.flagged, true);
  const viaResponse = await verifyXml(craft({ signAssertion: false, signResponse: {}, attributes: [sa('tr<!-- x -->ue')] }));
  assert.equal(viaResponse.serviceAccount.flagged, true);
});

test('ATTR14: an EncryptedAttribute is refused, never read as absent', async () => {
  const enc = `<saml:AttributeStatement><saml:EncryptedAttribute><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/></saml:EncryptedAttribute></saml:AttributeStatement>`;
  await rejects(verifyXml(craft({ attributes: [], assertionTail: enc })), 'E_ATTR', /EncryptedAttribute/);
});
