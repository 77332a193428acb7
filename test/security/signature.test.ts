/** SP-SECURITY 10.2 steps 4 and 6: SIG (unsigned, tampered, wrong key, KeyInfo pinning) and ALG1/ALG2. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALGORITHMS } from '../../src/saml/constants.ts';
import { IDP_KEY, OTHER_KEY } from '../support/craft-response.ts';
import { craft, rejects, verifyXml } from './harness.ts';

test('SIG: a response where neither the Response nor the Assertion is signed is refused', async () => {
  await rejects(verifyXml(craft({ signAssertion: false })), 'E_SIGNATURE', /must sign the assertion or the response/);
});

test('SIG: a signed assertion changed after signing is refused (digest mismatch)', async () => {
  const xml = craft();
  await rejects(verifyXml(xml.replace('alice@example.com', 'admin@example.com')), 'E_SIGNATURE', /digest mismatch/);
  await rejects(verifyXml(xml.replace('>alice<', '>carol<')), 'E_SIGNATURE');
});

test('SIG: a signed Response whose assertion was changed after signing is refused', async () => {
  const xml = craft({ signAssertion: false, signResponse: {} });
  await rejects(verifyXml(xml.replace('alice@example.com', 'admin@example.com')), 'E_SIGNATURE');
});

test('SIG: a tampered SignatureValue is refused', async () => {
  const xml = craft();
  const tampered = xml.replace(/<ds:SignatureValue>(.)/, (_m, c: string) => `<ds:SignatureValue>${c === 'A' ? 'B' : 'A'}`);
  await rejects(verifyXml(tampered), 'E_SIGNATURE');
});

test('SIG: an assertion signed by another key is refused', async () => {
  await rejects(verifyXml(craft({ signAssertion: { key: OTHER_KEY } })), 'E_SIGNATURE', /does not verify/);
  await rejects(verifyXml(craft({ signAssertion: false, signResponse: { key: OTHER_KEY } })), 'E_SIGNATURE');
});

test('SIG: an invalid Response signature is refused even when the Assertion signature is valid', async () => {
  await rejects(verifyXml(craft({ signResponse: { key: OTHER_KEY } })), 'E_SIGNATURE');
});

test('SIG: a KeyInfo certificate that is not in the IdP metadata is refused, and never used as the key', async () => {
  await rejects(verifyXml(craft({ signAssertion: { key: OTHER_KEY, keyInfoCertPem: OTHER_KEY.certPem } })), 'E_SIGNATURE', /not in the IdP metadata/);
  await rejects(verifyXml(craft({ signAssertion: { key: IDP_KEY, keyInfoCertPem: OTHER_KEY.certPem } })), 'E_SIGNATURE', /not in the IdP metadata/);
});

test('SIG: a KeyInfo certificate equal to the metadata certificate is accepted', async () => {
  const login = await verifyXml(craft({ signAssertion: { keyInfoCertPem: IDP_KEY.certPem } }));
  assert.equal(login.nameId, 'alice@example.com');
});

test('SIG: an IdP with no configured certificate accepts nothing', async () => {
  const { options } = await import('./harness.ts');
  const idp = { ...options().idp, signingCertificates: [] };
  await rejects(verifyXml(craft(), { idp }), 'E_SIGNATURE', /no IdP signing certificate/);
});

test('ALG1: an RSA-SHA1 signature is refused before verification', async () => {
  await rejects(verifyXml(craft({ signAssertion: { signatureAlgorithm: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1' } })), 'E_ALGORITHM', /rsa-sha1/);
});

test('ALG2: a SHA-1 digest is refused', async () => {
  await rejects(verifyXml(craft({ signAssertion: { digestAlgorithm: 'http://www.w3.org/2000/09/xmldsig#sha1' } })), 'E_ALGORITHM', /digest/);
});

test('ALG: canonicalization with comments or an unexpected transform is refused', async () => {
  await rejects(verifyXml(craft({ signAssertion: { canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#WithComments' } })), 'E_ALGORITHM');
  const xml = craft().replace(ALGORITHMS.envelopedSignature, 'http://www.w3.org/TR/1999/REC-xslt-19991116');
  await rejects(verifyXml(xml), 'E_ALGORITHM', /transform/);
});

test('ALG: RSA-SHA512 with a SHA-512 digest is accepted', async () => {
  const login = await verifyXml(craft({ signAssertion: { signatureAlgorithm: ALGORITHMS.rsaSha512, digestAlgorithm: ALGORITHMS.sha512 } }));
  assert.equal(login.nameId, 'alice@example.com');
});

test('CMT1: a comment inside the NameID of a signed Response yields the full signed text', async () => {
  const login = await verifyXml(craft({ signAssertion: false, signResponse: {}, nameId: 'alice@evil.com<!---->.example.com' }));
  assert.equal(login.nameId, 'alice@evil.com.example.com');
});
