/**
 * The one XML-DSig verifier (src/saml/verify/xmldsig.ts) for every signed message, and the
 * parser's depth limit. Regression tests for the two bugs issue 8 reports.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPrivateKey, sign as cryptoSign } from 'node:crypto';
import { ExclusiveCanonicalization, SignedXml } from 'xml-crypto';
import { authnRequestXml } from '../../src/sp/authn-request.ts';
import { receivePost } from '../../src/idp/requests.ts';
import { ALGORITHMS } from '../../src/saml/constants.ts';
import { certificateFromPem } from '../../src/saml/keys.ts';
import { SamlRejection } from '../../src/saml/rejection.ts';
import type { SpTrust } from '../../src/saml/trust.ts';
import { parseXml } from '../../src/saml/xml.ts';
import { OTHER_KEY as SP_KEY } from '../support/craft-response.ts';
import { craft, encode, rejects, verifyXml } from './harness.ts';

const DSIG = 'http://www.w3.org/2000/09/xmldsig#';
const SP_ENTITY = 'http://localhost:8080/users/saml/metadata';
const sp: SpTrust = { entityId: SP_ENTITY, acsUrl: 'http://localhost:8080/users/saml/auth', sloUrl: null, signingCertificate: certificateFromPem(SP_KEY.certPem), authnRequestsSigned: true };
const lookup = (id: string) => (id === SP_ENTITY ? sp : undefined);

function signedAuthnRequest(signatureAlgorithm: string): string {
  const xml = authnRequestXml({ id: '_ar-1', issueInstant: Date.parse('2026-03-02T10:00:00Z'), spEntityId: SP_ENTITY, acsUrl: sp.acsUrl, destination: 'http://localhost:7000/sso' });
  const sig = new SignedXml({ privateKey: SP_KEY.keyPem, signatureAlgorithm: signatureAlgorithm as never, canonicalizationAlgorithm: ALGORITHMS.excC14n as never });
  sig.addReference({ xpath: "/*[local-name(.)='AuthnRequest']", transforms: [ALGORITHMS.envelopedSignature, ALGORITHMS.excC14n] as never, digestAlgorithm: ALGORITHMS.sha256 as never });
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: "/*/*[local-name(.)='Issuer']", action: 'after' } });
  return sig.getSignedXml();
}

function receive(xml: string) {
  return receivePost(encode(xml), undefined, 'AuthnRequest', lookup, () => true);
}

function refusal(fn: () => unknown): SamlRejection {
  try {
    fn();
  } catch (err) {
    if (err instanceof SamlRejection) return err;
    throw err;
  }
  assert.fail('expected a SamlRejection');
}

test('a signed AuthnRequest (HTTP-POST, RSA-SHA256) verifies through the shared verifier', () => {
  assert.equal(receive(signedAuthnRequest(ALGORITHMS.rsaSha256)).id, '_ar-1');
});

test('an RSA-SHA1 AuthnRequest is refused by the one allow-list (E_ALGORITHM)', () => {
  const err = refusal(() => receive(signedAuthnRequest('http://www.w3.org/2000/09/xmldsig#rsa-sha1')));
  assert.equal(err.code, 'E_ALGORITHM');
  assert.equal(err.claim, 'SignatureMethod');
});

/**
 * The attack: SignedInfo says RSA-SHA256 (what an allow-list reading the dsig-namespaced
 * SignatureMethod sees), the SignatureValue is RSA-SHA1 over that SignedInfo, and a decoy
 * `SignatureMethod` in another namespace inside ds:Object, first in document order, is what
 * xml-crypto's local-name XPath picks to verify with.
 */
function decoyRequest(): string {
  const xml = signedAuthnRequest(ALGORITHMS.rsaSha256);
  const doc = parseXml(xml, { maxBytes: 65536, maxDepth: 16 });
  const signedInfo = doc.getElementsByTagNameNS(DSIG, 'SignedInfo')[0]!;
  const c14n = new ExclusiveCanonicalization().process(signedInfo.cloneNode(true) as never, { inclusiveNamespacesPrefixList: [], ancestorNamespaces: [] }).toString();
  const sha1Value = cryptoSign('sha1', Buffer.from(c14n, 'utf8'), createPrivateKey(SP_KEY.keyPem)).toString('base64');
  return xml
    .replace(/<ds:SignatureValue>[^<]*<\/ds:SignatureValue>/, `<ds:SignatureValue>${sha1Value}</ds:SignatureValue>`)
    .replace(`<ds:Signature xmlns:ds="${DSIG}">`, `$&<ds:Object><d:SignatureMethod xmlns:d="urn:decoy" Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"/></ds:Object>`);
}

test('regression: a decoy SignatureMethod inside ds:Object does not slip an RSA-SHA1 AuthnRequest through', () => {
  const decoy = decoyRequest();
  // xml-crypto's own checkSignature accepts it (it verifies with the decoy's RSA-SHA1)...
  const doc = parseXml(decoy, { maxBytes: 65536, maxDepth: 16 });
  const check = new SignedXml({ publicCert: SP_KEY.certPem, getCertFromKeyInfo: () => null });
  check.loadSignature(doc.getElementsByTagNameNS(DSIG, 'Signature')[0] as never);
  assert.equal(check.checkSignature(decoy), true);
  // ...and the shared verifier does not: its allow-list and its crypto read the same node.
  const err = refusal(() => receive(decoy));
  assert.equal(err.code, 'E_STRUCT');
  assert.match(err.detail, /Object/);
  // Without the ds:Object shape rule the verifier still uses SignedInfo's own SignatureMethod.
  const moved = decoy.replace(/<ds:Object>.*?<\/ds:Object>/, '');
  assert.equal(refusal(() => receive(moved)).code, 'E_SIGNATURE');
});

test('a decoy SignatureMethod inside ds:Object is refused on login responses too', async () => {
  const xml = craft().replace(/(<ds:Signature[^>]*>)/, `$1<ds:Object><ds:SignatureMethod Algorithm="${ALGORITHMS.rsaSha256}"/></ds:Object>`);
  await rejects(verifyXml(xml), 'E_STRUCT', /Object/);
});

test('regression: 20,000 nested non-ASCII elements (<é>) are refused with E_XML, not a stack overflow', async () => {
  const deep = `${'<é>'.repeat(20_000)}x${'</é>'.repeat(20_000)}`;
  const err = refusal(() => parseXml(deep, { maxBytes: 1024 * 1024, maxDepth: 32 }));
  assert.equal(err.code, 'E_XML');
  assert.match(err.detail, /nested deeper/);
  // Through the ACS as well (inside a Response, under the size cap).
  const inResponse = craft().replace('</samlp:Response>', `<samlp:Extensions>${'<é>'.repeat(2_000)}${'</é>'.repeat(2_000)}</samlp:Extensions></samlp:Response>`);
  await rejects(verifyXml(inResponse), 'E_XML', /nested deeper/);
});

test('the verifier reads algorithms through own properties only (an algorithm URI named constructor is refused)', async () => {
  for (const alg of ['constructor', '__proto__', 'toString']) {
    const xml = craft().replace(`SignatureMethod Algorithm="${ALGORITHMS.rsaSha256}"`, `SignatureMethod Algorithm="${alg}"`);
    await rejects(verifyXml(xml), 'E_ALGORITHM');
  }
});

test('the verifier refuses a second Reference and another CanonicalizationMethod by itself', async () => {
  const twoRefs = craft().replace(/(<ds:Reference[\s\S]*?<\/ds:Reference>)/, '$1$1');
  await rejects(verifyXml(twoRefs), 'E_STRUCT', /References/);
  const inclusive = craft().replace(`CanonicalizationMethod Algorithm="${ALGORITHMS.excC14n}"`, 'CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"');
  await rejects(verifyXml(inclusive), 'E_ALGORITHM', /canonicalization/);
});
