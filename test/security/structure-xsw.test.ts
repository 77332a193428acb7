/** SP-SECURITY 10.2 step 5: MULTI, ATTR8, XSW/SIG9/SIG10, duplicate IDs, encrypted assertions. */
import { test } from 'node:test';
import { NS } from '../../src/saml/constants.ts';
import { craft, rejects, verifyXml } from './harness.ts';

const ASSERTION = /<saml:Assertion[\s\S]*<\/saml:Assertion>/;
const SIGNATURE = /<ds:Signature[\s\S]*?<\/ds:Signature>/;

function evilCopy(signedAssertion: string, id = '_evil'): string {
  return signedAssertion.replace(SIGNATURE, '').replace('ID="_assert-0001"', `ID="${id}"`).replace('alice@example.com', 'mallory@example.com');
}

test('MULTI: two Assertions in one Response are refused', async () => {
  const xml = craft();
  const assertion = ASSERTION.exec(xml)![0];
  await rejects(verifyXml(xml.replace(assertion, evilCopy(assertion) + assertion)), 'E_STRUCT', /2 Assertion/);
  await rejects(verifyXml(xml.replace(assertion, assertion + evilCopy(assertion))), 'E_STRUCT');
});

test('XSW: a forged assertion at the top with the signed original wrapped in Extensions is refused', async () => {
  const xml = craft();
  const assertion = ASSERTION.exec(xml)![0];
  const wrapped = xml
    .replace(assertion, evilCopy(assertion))
    .replace('<samlp:Status>', `<samlp:Extensions>${assertion}</samlp:Extensions><samlp:Status>`);
  await rejects(verifyXml(wrapped), 'E_STRUCT', /signature wrapping/);
});

test('XSW: the signed assertion hidden in Advice or SubjectConfirmationData of a forged one is refused', async () => {
  const xml = craft();
  const assertion = ASSERTION.exec(xml)![0];
  const forged = evilCopy(assertion).replace('</saml:Issuer>', `</saml:Issuer><saml:Advice>${assertion}</saml:Advice>`);
  await rejects(verifyXml(xml.replace(assertion, forged)), 'E_STRUCT');
  const inScd = evilCopy(assertion).replace(/<saml:SubjectConfirmationData([^>]*)\/>/, `<saml:SubjectConfirmationData$1>${assertion}</saml:SubjectConfirmationData>`);
  await rejects(verifyXml(xml.replace(assertion, inScd)), 'E_STRUCT');
});

test('XSW/SIG9: a signature moved from the Assertion to the Response is refused', async () => {
  const xml = craft();
  const sig = SIGNATURE.exec(xml)![0];
  const moved = xml.replace(sig, '').replace('<samlp:Status>', `${sig}<samlp:Status>`);
  await rejects(verifyXml(moved), 'E_STRUCT', /references URI="#_assert-0001", expected "#_resp-0001"/);
});

test('SIG10: a signature whose Reference points at another element is refused', async () => {
  // The Response's own signature is moved into the Assertion, still pointing at the Response.
  const xml = craft({ signAssertion: false, signResponse: {} });
  const sig = SIGNATURE.exec(xml)![0];
  const moved = xml.replace(sig, '').replace(/(<saml:Assertion[^>]*><saml:Issuer>[^<]*<\/saml:Issuer>)/, `$1${sig}`);
  await rejects(verifyXml(moved), 'E_STRUCT', /references URI="#_resp-0001"/);
});

test('XSW: a signature anywhere but directly under the Response or Assertion is refused', async () => {
  const xml = craft();
  const sig = SIGNATURE.exec(xml)![0];
  await rejects(verifyXml(xml.replace('<samlp:Status>', `<samlp:Extensions>${sig}</samlp:Extensions><samlp:Status>`)), 'E_STRUCT', /Extensions/);
});

test('XSW: two signatures on the Assertion are refused', async () => {
  const xml = craft();
  const sig = SIGNATURE.exec(xml)![0];
  await rejects(verifyXml(xml.replace(sig, sig + sig)), 'E_STRUCT', /more than one ds:Signature/);
});

test('XSW: a Signature with two References is refused', async () => {
  const xml = craft();
  const ref = /<ds:Reference[\s\S]*?<\/ds:Reference>/.exec(xml)![0];
  await rejects(verifyXml(xml.replace(ref, ref + ref.replace('#_assert-0001', '#_resp-0001'))), 'E_STRUCT', /2 References/);
});

test('XSW: duplicate ID attributes are refused', async () => {
  const xml = craft({ extensions: `<samlp:Extensions><x xmlns="urn:x" ID="_assert-0001"/></samlp:Extensions>` });
  await rejects(verifyXml(xml), 'E_STRUCT', /appears on both/);
  await rejects(verifyXml(craft({ extensions: `<samlp:Extensions><x xmlns="urn:x" id="_resp-0001"/></samlp:Extensions>` })), 'E_STRUCT');
});

test('ATTR8: an Attribute in Extensions, StatusDetail, Advice or at Response level is refused', async () => {
  const attr = `<saml:Attribute xmlns:saml="${NS.assertion}" Name="IsServiceAccount"><saml:AttributeValue>true</saml:AttributeValue></saml:Attribute>`;
  await rejects(verifyXml(craft({ extensions: `<samlp:Extensions>${attr}</samlp:Extensions>` })), 'E_STRUCT', /ATTR8/);
  await rejects(verifyXml(craft({ statusExtra: `<samlp:StatusDetail>${attr}</samlp:StatusDetail>` })), 'E_STRUCT', /ATTR8/);
  await rejects(verifyXml(craft({ assertionHead: `<saml:Advice>${attr}</saml:Advice>` })), 'E_STRUCT', /ATTR8/);
  await rejects(verifyXml(craft({ assertionHead: `<saml:Advice><saml:AttributeStatement>${attr}</saml:AttributeStatement></saml:Advice>` })), 'E_STRUCT', /ATTR8/);
  await rejects(verifyXml(craft({ responseTail: attr })), 'E_SCHEMA');
});

test('ENC: an EncryptedAssertion without an allowed EncryptionMethod is refused before any crypto', async () => {
  const xml = craft({ signAssertion: false }).replace(ASSERTION, `<saml:EncryptedAssertion xmlns:saml="${NS.assertion}"><xenc:EncryptedData xmlns:xenc="${NS.xenc}"/></saml:EncryptedAssertion>`);
  await rejects(verifyXml(xml), 'E_ALGORITHM', /AES-256-GCM or AES-128-GCM/);
});

test('ENC3: an EncryptedAssertion next to a plaintext Assertion is refused', async () => {
  const xml = craft().replace('</samlp:Response>', `<saml:EncryptedAssertion xmlns:saml="${NS.assertion}"><xenc:EncryptedData xmlns:xenc="${NS.xenc}"/></saml:EncryptedAssertion></samlp:Response>`);
  await rejects(verifyXml(xml), 'E_STRUCT', /EncryptedAssertion/);
});

test('A Response without an Assertion is refused', async () => {
  await rejects(verifyXml(craft({ signAssertion: false }).replace(ASSERTION, '')), 'E_STRUCT', /no Assertion/);
});
