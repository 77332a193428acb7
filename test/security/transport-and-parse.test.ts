/** SP-SECURITY 10.2 steps 1-2: transport (PARAM1, B64, UTF1, SIZE1) and the parser limits (DTD1, PI1, DEPTH1, ROOT2), root (ROOTNS1, VER1). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifyLoginResponse } from '../../src/sp/acs.ts';
import { MAX_DECODED_BYTES, MAX_ENCODED_CHARS } from '../../src/saml/verify/transport.ts';
import { craft, encode, options, REQUEST_ID, rejects, verifyXml } from './harness.ts';

const verifyRaw = (encoded: unknown) => verifyLoginResponse(encoded, [REQUEST_ID], options());

test('PARAM1: two SAMLResponse values (an array) are refused', async () => {
  const one = encode(craft());
  await rejects(verifyRaw([one, one]), 'E_TRANSPORT', /2 SAMLResponse fields/);
});

test('PARAM1: a missing or non-string SAMLResponse is refused', async () => {
  await rejects(verifyRaw(undefined), 'E_TRANSPORT');
  await rejects(verifyRaw({ toString: () => encode(craft()) }), 'E_TRANSPORT');
  await rejects(verifyRaw(42), 'E_TRANSPORT');
});

test('B64: characters outside the base64 alphabet, URL-safe base64, bad padding and non-zero pad bits are refused', async () => {
  const good = encode(craft());
  await rejects(verifyRaw(good.slice(0, 40) + '!' + good.slice(41)), 'E_TRANSPORT', /strict base64/);
  await rejects(verifyRaw(good.replace(/\+/g, '-').replace(/\//g, '_') + '-_'), 'E_TRANSPORT');
  await rejects(verifyRaw('QUJD='), 'E_TRANSPORT');
  await rejects(verifyRaw('QR=='), 'E_TRANSPORT', /padding bits/);
  await rejects(verifyRaw('%3D' + good), 'E_TRANSPORT');
});

test('UTF1: bytes that are not valid UTF-8 are refused', async () => {
  const bytes = Buffer.concat([Buffer.from(craft().replace('alice@example.com', 'alice@example.com')), Buffer.from([0xff, 0xfe])]);
  await rejects(verifyRaw(bytes.toString('base64')), 'E_TRANSPORT', /UTF-8/);
  const overlong = Buffer.concat([Buffer.from('<samlp:Response>'), Buffer.from([0xc0, 0xbc])]);
  await rejects(verifyRaw(overlong.toString('base64')), 'E_TRANSPORT', /UTF-8/);
});

test('SIZE1: oversized messages are refused before decoding and after decoding', async () => {
  await rejects(verifyRaw('A'.repeat(MAX_ENCODED_CHARS + 4)), 'E_TRANSPORT', /characters/);
  const big = Buffer.alloc(MAX_DECODED_BYTES + 3, 0x20).toString('base64');
  await rejects(verifyRaw(big), 'E_TRANSPORT', /decodes to/);
});

test('DTD1: a DOCTYPE is refused, even without entity references', async () => {
  const xml = craft();
  await rejects(verifyXml(`<!DOCTYPE samlp:Response>${xml}`), 'E_XML', /DOCTYPE/);
  await rejects(verifyXml(`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "alice@example.com">]>${xml}`), 'E_XML');
});

test('PI1: processing instructions are refused (the XML declaration is allowed)', async () => {
  const xml = craft();
  await rejects(verifyXml(xml.replace('<samlp:Status>', '<?evil data?><samlp:Status>')), 'E_XML', /processing instruction/);
  await rejects(verifyXml(`<?xml-stylesheet href="x"?>${xml}`), 'E_XML');
});

test('CHAR: characters XML 1.0 does not allow are refused, raw or as character references', async () => {
  const xml = craft();
  await rejects(verifyXml(xml.replace('alice@example.com', 'alice\u0001@example.com')), 'E_XML', /U\+0001 at offset \d+, a character XML 1\.0 does not allow/);
  await rejects(verifyXml(xml.replace('alice@example.com', 'alice\uFFFE@example.com')), 'E_XML', /U\+FFFE/);
  await rejects(verifyXml(xml.replace('alice@example.com', 'alice&#1;@example.com')), 'E_XML', /character reference &#1; \(U\+0001\)/);
  await rejects(verifyXml(xml.replace('alice@example.com', 'alice&#x0;@example.com')), 'E_XML', /&#x0;/);
  await rejects(verifyXml(xml.replace('alice@example.com', 'alice&#99999999999;@example.com')), 'E_XML', /out of range/);
});

test('CHAR: tabs, newlines, astral characters and valid character references are ordinary text', async () => {
  const login = await verifyXml(craft({ attributes: [{ name: 'Username', values: ['al&#233;\u{1F600}\tx'] }] }));
  assert.equal(login.user.username, 'al\u00e9\u{1F600}\tx');
});

test('DEPTH1: nesting deeper than the limit is refused', async () => {
  const deep = '<x>'.repeat(40) + '</x>'.repeat(40);
  await rejects(verifyXml(craft({ extensions: `<samlp:Extensions>${deep}</samlp:Extensions>` })), 'E_XML', /nested deeper/);
});

test('ROOT2: trailing content and multiple roots are refused', async () => {
  const xml = craft();
  await rejects(verifyXml(`${xml}<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>`), 'E_XML');
  await rejects(verifyXml(`${xml}trailing`), 'E_XML');
  await rejects(verifyXml(xml.slice(0, -5)), 'E_XML');
});

test('ROOTNS1: a Response in the wrong namespace, or a bare Assertion, is refused', async () => {
  const xml = craft();
  await rejects(verifyXml(xml.replace('xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"', 'xmlns:samlp="urn:oasis:names:tc:SAML:1.0:protocol"')), 'E_STRUCT', /Response/);
  const assertion = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(xml)![0];
  await rejects(verifyXml(assertion), 'E_STRUCT');
});

test('VER1: a Response or Assertion whose Version is not 2.0 is refused', async () => {
  await rejects(verifyXml(craft({ version: '1.1' })), 'E_VERSION');
  await rejects(verifyXml(craft({ version: null })), 'E_VERSION');
  await rejects(verifyXml(craft({ assertionVersion: '1.0' })), 'E_VERSION');
});
