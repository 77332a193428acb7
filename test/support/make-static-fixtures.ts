/**
 * Regenerates the fixtures in test/static/ that other SAML implementations made: samlify's IdP
 * (signing with xml-crypto, encrypting with xml-encryption), xmlsec1 (libxmlsec) and pysaml2
 * (test/support/pysaml2-response.py). Each signs with its own test key (test/static/keys/).
 * The fixtures are committed, so the tests do not depend on the generators' clocks:
 *
 *   node --import tsx test/support/make-static-fixtures.ts
 *
 * Every fixture is issued at FIXTURE_TIME for the gateway's default SP, answering REQUEST_ID.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import samlify from 'samlify';
import { ATTRNAME_FORMAT, NS } from '../../src/saml/constants.ts';
import { buildResponseXml, SP } from './craft-response.ts';
import { xmlsecSign } from './xmlsec.ts';
import { FIXTURE_TIME, REQUEST_ID, staticPath } from './static-fixtures.ts';

const keys = (name: string) => ({ key: readFileSync(staticPath(`keys/${name}.key`), 'utf8'), cert: readFileSync(staticPath(`keys/${name}.crt`), 'utf8') });
const spCert = readFileSync(fileURLToPath(new URL('../../certs/sp-signing.crt', import.meta.url)), 'utf8');
const iso = (ms: number) => new Date(ms).toISOString();

const ATTRIBUTES = [
  { name: 'IsServiceAccount', nameFormat: ATTRNAME_FORMAT.basic, values: ['true'] },
  { name: 'Username', nameFormat: ATTRNAME_FORMAT.basic, values: ['deploy-bot'] },
  { name: 'MemberOf', nameFormat: ATTRNAME_FORMAT.basic, values: ['developers'] },
];

function template(issuer: string): string {
  return buildResponseXml({
    now: FIXTURE_TIME,
    responseId: '_other-resp-1',
    assertionId: '_other-assert-1',
    responseIssuer: issuer,
    assertionIssuer: issuer,
    inResponseTo: REQUEST_ID,
    nameId: 'deploy-bot@example.com',
    attributes: ATTRIBUTES,
  });
}

async function samlifyFixture(o: { assertionSigned: boolean; responseSigned: boolean; encrypt?: string; encryptThenSign?: boolean }): Promise<string> {
  samlify.setSchemaValidator({ validate: async () => 'skipped' });
  const k = keys('samlify-idp');
  const entityID = 'https://samlify-idp.example/metadata';
  const idp = samlify.IdentityProvider({
    entityID,
    privateKey: k.key,
    signingCert: k.cert,
    singleSignOnService: [{ Binding: samlify.Constants.namespace.binding.redirect, Location: 'https://samlify-idp.example/sso' }],
    requestSignatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    isAssertionEncrypted: Boolean(o.encrypt),
    ...(o.encrypt ? { dataEncryptionAlgorithm: o.encrypt, keyEncryptionAlgorithm: 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p' } : {}),
  } as never);
  const sp = samlify.ServiceProvider({
    entityID: SP.entityId,
    assertionConsumerService: [{ Binding: samlify.Constants.namespace.binding.post, Location: SP.acsUrl }],
    wantAssertionsSigned: o.assertionSigned,
    wantMessageSigned: o.responseSigned,
    encryptCert: spCert,
  } as never);
  const xml = template(entityID);
  const { context } = await idp.createLoginResponse(sp, { extract: { request: { id: REQUEST_ID } } } as never, 'post', { email: 'deploy-bot@example.com' }, {
    customTagReplacement: () => ({ id: '_other-resp-1', context: xml }),
    encryptThenSign: o.encryptThenSign ?? false,
  } as never);
  return Buffer.from(context, 'base64').toString('utf8');
}

function xmlsecFixture(): string {
  const issuer = 'https://xmlsec1-idp.example/metadata';
  const tpl = `<ds:Signature xmlns:ds="${NS.dsig}"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#_other-assert-1"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/></ds:Signature>`;
  const xml = template(issuer).replace(`<saml:Issuer>${issuer}</saml:Issuer><saml:Subject>`, `<saml:Issuer>${issuer}</saml:Issuer>${tpl}<saml:Subject>`);
  return xmlsecSign(xml, { keyFile: staticPath('keys/xmlsec1-idp.key'), element: 'Assertion', id: '_other-assert-1' });
}

function pysaml2Fixture(): string {
  return execFileSync(existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3', [fileURLToPath(new URL('./pysaml2-response.py', import.meta.url)), staticPath('keys/pysaml2-idp.key'), staticPath('keys/pysaml2-idp.crt'), iso(FIXTURE_TIME), REQUEST_ID, SP.entityId, SP.acsUrl], { encoding: 'utf8' });
}

const fixtures: Record<string, () => Promise<string> | string> = {
  'samlify.assertion-signed.xml': () => samlifyFixture({ assertionSigned: true, responseSigned: false }),
  'samlify.response-signed.assertion-unsigned.xml': () => samlifyFixture({ assertionSigned: false, responseSigned: true }),
  'samlify.encrypted-aes256gcm.assertion-signed.xml': () => samlifyFixture({ assertionSigned: true, responseSigned: false, encrypt: 'http://www.w3.org/2009/xmlenc11#aes256-gcm' }),
  'samlify.encrypted-aes128gcm.response-signed.xml': () => samlifyFixture({ assertionSigned: false, responseSigned: true, encrypt: 'http://www.w3.org/2009/xmlenc11#aes128-gcm', encryptThenSign: true }),
  'samlify.encrypted-aes256cbc.assertion-signed.xml': () => samlifyFixture({ assertionSigned: true, responseSigned: false, encrypt: 'http://www.w3.org/2001/04/xmlenc#aes256-cbc' }),
  'xmlsec1.assertion-signed.xml': xmlsecFixture,
  'pysaml2.assertion-signed.xml': pysaml2Fixture,
};

for (const [name, make] of Object.entries(fixtures)) {
  writeFileSync(staticPath(name), await make());
  process.stdout.write(`wrote test/static/${name}\n`);
}
