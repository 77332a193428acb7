/**
 * The ACS's own xmldsig core validation (src/gateway/saml/signature.ts) against signatures made
 * by xmlsec1, an implementation that shares no code with it: line-wrapped base64, an
 * InclusiveNamespaces PrefixList naming a prefix declared only on an ancestor (as Okta and
 * Shibboleth sign), and a transform chain the verifier must not accept.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ALGORITHMS, ATTRNAME_FORMAT, NS } from '../../src/saml/constants.ts';
import { xmlsecSign } from '../support/xmlsec.ts';
import { craft, rejects, verifyXml } from './harness.ts';

const IDP_KEY_FILE = fileURLToPath(new URL('../../certs/idp-signing.key', import.meta.url));
const ASSERTION_ID = '_assert-0001';

function signatureTemplate(o: { prefixList?: string } = {}): string {
  const inclusive = o.prefixList ? `<ec:InclusiveNamespaces xmlns:ec="${ALGORITHMS.excC14n}" PrefixList="${o.prefixList}"/>` : '';
  return (
    `<ds:Signature xmlns:ds="${NS.dsig}"><ds:SignedInfo>` +
    `<ds:CanonicalizationMethod Algorithm="${ALGORITHMS.excC14n}"/>` +
    `<ds:SignatureMethod Algorithm="${ALGORITHMS.rsaSha256}"/>` +
    `<ds:Reference URI="#${ASSERTION_ID}"><ds:Transforms>` +
    `<ds:Transform Algorithm="${ALGORITHMS.envelopedSignature}"/>` +
    `<ds:Transform Algorithm="${ALGORITHMS.excC14n}">${inclusive}</ds:Transform>` +
    `</ds:Transforms><ds:DigestMethod Algorithm="${ALGORITHMS.sha256}"/><ds:DigestValue/></ds:Reference>` +
    `</ds:SignedInfo><ds:SignatureValue/></ds:Signature>`
  );
}

/** An unsigned crafted response with the template after the assertion's Issuer, signed by xmlsec1. */
function signedByXmlsec(o: { prefixList?: string; hoistXs?: boolean } = {}): string {
  let xml = craft({
    signAssertion: false,
    attributes: [
      { name: 'Username', nameFormat: ATTRNAME_FORMAT.basic, values: ['alice'], valueAttrs: 'xsi:type="xs:string"' },
      { name: 'IsServiceAccount', nameFormat: ATTRNAME_FORMAT.basic, values: ['true'], valueAttrs: 'xsi:type="xs:string"' },
    ],
  });
  if (o.hoistXs) {
    // xs is then declared only on the Response: it reaches the signed assertion's canonical
    // form only through the PrefixList and the ancestor's declaration.
    const decl = ` xmlns:xs="${NS.xs}"`;
    assert.ok(xml.includes(decl));
    xml = xml.replace(decl, '').replace('<samlp:Response ', `<samlp:Response${decl} `);
  }
  const withTemplate = xml.replace(/(<saml:Assertion\b[^>]*>\s*<saml:Issuer>[^<]*<\/saml:Issuer>)/, `$1${signatureTemplate(o)}`);
  assert.notEqual(withTemplate, xml, 'template inserted');
  return xmlsecSign(withTemplate, { keyFile: IDP_KEY_FILE, element: 'Assertion', id: ASSERTION_ID });
}

test('an assertion signed by xmlsec1 (line-wrapped base64) verifies, and its attributes are read', async () => {
  const xml = signedByXmlsec();
  assert.match(xml, /<ds:SignatureValue>[A-Za-z0-9+/=]+\n/, 'xmlsec1 wraps the signature value');
  const login = await verifyXml(xml);
  assert.equal(login.nameId, 'alice@example.com');
  assert.equal(login.user.username, 'alice');
  assert.equal(login.serviceAccount.flagged, true);
});

test('an InclusiveNamespaces PrefixList draws the prefix from an ancestor declaration, as the signer did', async () => {
  const xml = signedByXmlsec({ prefixList: 'xs', hoistXs: true });
  const login = await verifyXml(xml);
  assert.equal(login.user.username, 'alice');
});

test('an xmlsec1 signature still catches a change after signing (digest mismatch)', async () => {
  const xml = signedByXmlsec({ prefixList: 'xs', hoistXs: true });
  await rejects(verifyXml(xml.replace('>alice<', '>carol<')), 'E_SIGNATURE', /digest mismatch/);
  // Dropping the prefix list changes the canonical form of the assertion, so the digest no longer matches.
  await rejects(verifyXml(xml.replace(' PrefixList="xs"', '')), 'E_SIGNATURE', /digest mismatch/);
});

test('a Reference without exclusive C14N after enveloped-signature is refused before any digest', async () => {
  const xml = craft({ signAssertion: { transforms: [ALGORITHMS.envelopedSignature] } });
  await rejects(verifyXml(xml), 'E_ALGORITHM', /exactly enveloped-signature followed by exclusive C14N/);
});
