/**
 * SP-SECURITY section 8 through the ACS: ATTR3-ATTR14 and rule F1 on the signed assertion.
 *
 * Two tiers (src/saml/attribute-policy.ts): where TFE (ruby-saml) would log the user in - an
 * empty value, several values, a repeated attribute - the gateway logs in too by default,
 * reading the first value as ruby-saml does, and reports the near-miss; with
 * --strict-attributes it refuses (E_ATTR). The security cases - a Name-less attribute,
 * case-colliding names, an EncryptedAttribute, an attribute outside the signed assertion - are
 * refused in every mode.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ATTRNAME_FORMAT } from '../../src/saml/constants.ts';
import type { CraftAttribute } from '../support/craft-response.ts';
import { craft, rejects, STRICT, verifyXml } from './harness.ts';

const sa = (value: string, extra: Partial<CraftAttribute> = {}): CraftAttribute => ({ name: 'IsServiceAccount', nameFormat: ATTRNAME_FORMAT.basic, values: [value], ...extra });
const withAttrs = (attributes: CraftAttribute[]) => verifyXml(craft({ attributes }));
const strictly = (attributes: CraftAttribute[]) => verifyXml(craft({ attributes }), STRICT);
const codes = (login: { attributeNotes: { code: string }[] }) => login.attributeNotes.map((f) => f.code);

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

test('ATTR7 lenient: an empty IsServiceAccount value logs in unflagged (as at TFE) and is reported', async () => {
  const login = await withAttrs([sa('')]);
  assert.equal(login.serviceAccount.flagged, false);
  assert.deepEqual(codes(login), ['ATTR_EMPTY_VALUE', 'SA_VALUE']);
  assert.match(login.attributeNotes[0]!.message, /TFE \(ruby-saml\) reads the first value/);
});

test('ATTR7 strict: an empty IsServiceAccount value is refused with --strict-attributes', async () => {
  await rejects(strictly([sa('')]), 'E_ATTR', /IsServiceAccount has an empty value/);
});

test('ATTR3 lenient: the same attribute twice (false, then true) reads the first value, as ruby-saml merges them', async () => {
  const login = await withAttrs([sa('false'), sa('true')]);
  assert.equal(login.serviceAccount.flagged, false);
  assert.ok(codes(login).includes('ATTR_DUPLICATE'));
  assert.ok(codes(login).includes('SA_MULTIPLE_VALUES'));
  const trueFirst = await withAttrs([sa('true'), sa('false')]);
  assert.equal(trueFirst.serviceAccount.flagged, true);
});

test('ATTR3 strict: the same attribute twice is refused', async () => {
  await rejects(strictly([sa('false'), sa('true')]), 'E_ATTR', /appears 2 times/);
});

test('ATTR4: case-colliding names are refused in every mode', async () => {
  for (const overrides of [{}, STRICT]) {
    await rejects(verifyXml(craft({ attributes: [sa('false'), sa('true', { name: 'isserviceaccount' })] }), overrides), 'E_ATTR', /differ only/);
    await rejects(verifyXml(craft({ attributes: [sa('false'), sa('true', { name: 'IsServiceAccount\u200b' })] }), overrides), 'E_ATTR');
  }
});

test('ATTR5 lenient: two values for IsServiceAccount read the first (false, true -> not flagged)', async () => {
  const login = await withAttrs([{ name: 'IsServiceAccount', nameFormat: ATTRNAME_FORMAT.basic, values: ['false', 'true'] }]);
  assert.equal(login.serviceAccount.flagged, false);
  assert.deepEqual(codes(login), ['ATTR_MULTIPLE_VALUES', 'SA_MULTIPLE_VALUES']);
});

test('ATTR5 strict: two values for a single-valued attribute are refused', async () => {
  await rejects(strictly([{ name: 'IsServiceAccount', nameFormat: ATTRNAME_FORMAT.basic, values: ['false', 'true'] }]), 'E_ATTR', /2 values/);
});

test('ATTR6: the same attribute in two AttributeStatements is read merged by default and refused with --strict-attributes', async () => {
  const second = `<saml:AttributeStatement><saml:Attribute Name="IsServiceAccount" NameFormat="${ATTRNAME_FORMAT.basic}"><saml:AttributeValue>true</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>`;
  const login = await verifyXml(craft({ attributes: [sa('false')], assertionTail: second }));
  assert.equal(login.serviceAccount.flagged, false);
  assert.ok(codes(login).includes('ATTR_DUPLICATE'));
  await rejects(verifyXml(craft({ attributes: [sa('false')], assertionTail: second }), STRICT), 'E_ATTR');
});

test('ATTR7: nil and element values do not flag by default and are refused with --strict-attributes', async () => {
  for (const attribute of [sa('', { valueAttrs: 'xsi:nil="true"' }), sa('<x xmlns="urn:x">true</x>'), { name: 'IsServiceAccount', nameFormat: ATTRNAME_FORMAT.basic, values: [] }]) {
    const login = await withAttrs([attribute]);
    assert.equal(login.serviceAccount.flagged, false);
    assert.ok(codes(login).some((c) => c.startsWith('ATTR_')), JSON.stringify(codes(login)));
  }
  await rejects(strictly([sa('', { valueAttrs: 'xsi:nil="true"' })]), 'E_ATTR', /xsi:nil/);
  await rejects(strictly([sa('<x xmlns="urn:x">true</x>')]), 'E_ATTR', /element/);
  await rejects(strictly([{ name: 'IsServiceAccount', nameFormat: ATTRNAME_FORMAT.basic, values: [] }]), 'E_ATTR');
});

test('ATTR9: a Name-less attribute before IsServiceAccount=false is refused as a schema violation in every mode', async () => {
  const attrs = [{ name: null, friendlyName: 'IsServiceAccount', values: ['true'] }, sa('false')];
  await rejects(withAttrs(attrs), 'E_SCHEMA', /no Name/);
  await rejects(strictly(attrs), 'E_SCHEMA', /no Name/);
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
  assert.deepEqual(login.user, { username: null, memberOf: [], siteAdmin: false, memberOfSent: false });
});

test('ATTR12: comments inside a value read as the signed canonical text', async () => {
  assert.equal((await withAttrs([sa('tr<!-- x -->ue')])).serviceAccount.flagged, true);
  assert.equal((await withAttrs([sa('fal<!---->se')])).serviceAccount.flagged, false);
  assert.equal((await withAttrs([sa('<![CDATA[true]]>')])).serviceAccount.flagged, true);
  const viaResponse = await verifyXml(craft({ signAssertion: false, signResponse: {}, attributes: [sa('tr<!-- x -->ue')] }));
  assert.equal(viaResponse.serviceAccount.flagged, true);
});

test('ATTR14: an EncryptedAttribute is refused in every mode, never read as absent', async () => {
  const enc = `<saml:AttributeStatement><saml:EncryptedAttribute><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/></saml:EncryptedAttribute></saml:AttributeStatement>`;
  await rejects(verifyXml(craft({ attributes: [], assertionTail: enc })), 'E_ATTR', /EncryptedAttribute/);
  await rejects(verifyXml(craft({ attributes: [], assertionTail: enc }), STRICT), 'E_ATTR', /EncryptedAttribute/);
});

test('ATTR2: xsi:type is ignored as TFE ignores it; xs:boolean 1 does not flag, an odd type is reported', async () => {
  const typed = (type: string, value: string) => sa(value, { valueAttrs: `xsi:type="${type}"` });
  assert.equal((await withAttrs([typed('xs:boolean', 'true')])).serviceAccount.flagged, true);
  assert.equal((await withAttrs([typed('xs:string', 'true')])).serviceAccount.flagged, true);
  const one = await withAttrs([typed('xs:boolean', '1')]);
  assert.equal(one.serviceAccount.flagged, false);
  assert.match(one.serviceAccount.findings.find((f) => f.code === 'SA_VALUE')!.message, /true in XML Schema, but TFE compares the text/);
  const integer = await withAttrs([typed('xs:integer', 'true')]);
  assert.equal(integer.serviceAccount.flagged, true);
  assert.deepEqual(codes(integer), ['SA_XSI_TYPE']);
});
