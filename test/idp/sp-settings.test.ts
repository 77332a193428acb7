/**
 * Per-SP settings, each checked in the XML, by xmlsec1 and (where it applies) by the gateway:
 * what is signed and with which algorithm, assertion encryption (decrypted by xmlsec1), NameID
 * format, assertion lifetime, SessionNotOnOrAfter and attribute NameFormats.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import request from 'supertest';
import { DEV_CERTS_DIR } from '../../src/config.ts';
import { ATTRNAME_FORMAT, NAMEID_FORMAT, NS } from '../../src/saml/constants.ts';
import { XMLENC } from '../../src/saml/encrypt.ts';
import { certificateFromPem } from '../../src/saml/keys.ts';
import { spMetadataXml } from '../../src/saml/metadata.ts';
import { parseXml } from '../../src/saml/xml.ts';
import { createHarness } from '../support/harness.ts';
import { xmlsecVerify } from '../support/xmlsec.ts';
import { el, IDP_CERT, makeIdp, readPostForm, type TestIdp } from './helpers.ts';
import { xmlsecDecrypt } from './xmlsec-decrypt.ts';

const A = NS.assertion;
const SP_KEY = path.join(DEV_CERTS_DIR, 'sp-signing.key');
const spCert = certificateFromPem(readFileSync(path.join(DEV_CERTS_DIR, 'sp-signing.crt'), 'utf8'));
const ALG = {
  'rsa-sha256': ['http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', 'http://www.w3.org/2001/04/xmlenc#sha256'],
  'rsa-sha512': ['http://www.w3.org/2001/04/xmldsig-more#rsa-sha512', 'http://www.w3.org/2001/04/xmlenc#sha512'],
} as const;

const spPath = (entityId: string) => `/api/service-providers/${encodeURIComponent(entityId)}`;

async function settle(t: TestIdp, settings: object, entityId = t.config.gateway.entityId) {
  const res = await request(t.idp.app).patch(spPath(entityId)).send(settings);
  assert.equal(res.status, 200, res.text);
  return res.body.serviceProvider;
}

async function issue(t: TestIdp, user = 'bob', sp = t.config.gateway.entityId) {
  const res = await request(t.idp.app).get('/sso/initiate').query({ sp, user }).expect(200);
  const xml = Buffer.from(readPostForm(res.text).fields.SAMLResponse!, 'base64').toString('utf8');
  return { xml, response: parseXml(xml).documentElement as Element };
}

/** The direct ds:Signature child of `parent`, or null. */
function signatureOf(parent: Element): Element | null {
  for (let n = parent.firstChild; n; n = n.nextSibling) if (n.nodeType === 1 && (n as Element).localName === 'Signature') return n as Element;
  return null;
}

describe('per-SP signing: Response, Assertion or both; RSA-SHA256 or RSA-SHA512', () => {
  for (const sign of ['response', 'assertion', 'both'] as const) {
    for (const algorithm of ['rsa-sha256', 'rsa-sha512'] as const) {
      it(`sign=${sign}, ${algorithm}: xmlsec1 verifies exactly the signed elements and the gateway accepts the login`, async () => {
        const t = makeIdp();
        const described = await settle(t, { sign, signatureAlgorithm: algorithm });
        assert.equal(described.settings.sign, sign);
        assert.equal(described.settings.signatureAlgorithm, algorithm);
        const { xml, response } = await issue(t);
        const assertion = el(response, A, 'Assertion');
        for (const [element, node, expected] of [['Response', response, sign !== 'assertion'], ['Assertion', assertion, sign !== 'response']] as const) {
          const sig = signatureOf(node);
          assert.equal(sig !== null, expected, `${element} signed?`);
          if (!sig) continue;
          assert.equal(el(sig, NS.dsig, 'SignatureMethod').getAttribute('Algorithm'), ALG[algorithm][0]);
          assert.equal(el(sig, NS.dsig, 'DigestMethod').getAttribute('Algorithm'), ALG[algorithm][1]);
          const r = xmlsecVerify(xml, { certFile: IDP_CERT, element });
          assert.ok(r.ok, `${element}: ${r.output}`);
        }
        const h = await createHarness();
        await request(h.idp.app).patch(spPath(h.config.gateway.entityId)).send({ sign, signatureAlgorithm: algorithm }).expect(200);
        await h.login('bob');
        assert.equal((await h.store.users.getByEmail('bob@example.com'))!.isServiceAccount, true);
      });
    }
  }

  it('refuses an unknown sign mode or SHA-1 as a setting (SHA-1 exists only as the signature-sha1 fault)', async () => {
    const t = makeIdp();
    for (const body of [{ sign: 'none' }, { signatureAlgorithm: 'rsa-sha1' }, { bogus: true }]) {
      const res = await request(t.idp.app).patch(spPath(t.config.gateway.entityId)).send(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.errors[0].title, 'invalid request');
    }
  });
});

describe('assertion encryption (AES-256-GCM, RSA-OAEP key transport)', () => {
  for (const sign of ['both', 'response', 'assertion'] as const) {
    it(`sign=${sign}: an EncryptedAssertion that xmlsec1 decrypts with the SP key; the signatures inside and outside verify`, async () => {
      const t = makeIdp();
      await settle(t, { encryptAssertion: true, sign });
      const { xml, response } = await issue(t);
      assert.equal(response.getElementsByTagNameNS(A, 'Assertion').length, 0, 'no Assertion in the clear');
      const encrypted = el(response, A, 'EncryptedAssertion');
      const data = el(encrypted, NS.xenc, 'EncryptedData');
      assert.equal(data.getAttribute('Type'), XMLENC.element);
      const methods = Array.from(data.getElementsByTagNameNS(NS.xenc, 'EncryptionMethod')).map((m) => m.getAttribute('Algorithm'));
      assert.deepEqual(methods, [XMLENC.aes256Gcm, XMLENC.rsaOaepMgf1p]);
      const key = el(data, NS.xenc, 'EncryptedKey');
      assert.equal(el(key, NS.dsig, 'DigestMethod').getAttribute('Algorithm'), XMLENC.sha1);
      assert.equal(el(key, NS.dsig, 'X509Certificate').textContent, spCert.base64, 'names the SP certificate it is encrypted to');
      assert.doesNotMatch(xml, /bob@example\.com/, 'the NameID is not readable');

      if (sign !== 'assertion') assert.ok(xmlsecVerify(xml, { certFile: IDP_CERT, element: 'Response' }).ok, 'Response signature over the EncryptedAssertion');
      const dec = xmlsecDecrypt(xml, SP_KEY);
      assert.ok(dec.ok, dec.output);
      const assertion = el(parseXml(dec.xml.replace(/^<\?xml[^>]*>\s*/, '')).documentElement as Element, A, 'Assertion');
      assert.equal(el(assertion, A, 'NameID').textContent, 'bob@example.com');
      assert.equal(signatureOf(assertion) !== null, sign !== 'response');
      if (sign !== 'response') assert.ok(xmlsecVerify(dec.xml, { certFile: IDP_CERT, element: 'Assertion' }).ok, 'Assertion signature after decryption');
    });
  }

  it('refuses encryptAssertion for an SP without an encryption certificate, and keeps it off', async () => {
    const t = makeIdp({ idp: { serviceProviders: [{ entityId: 'https://plain.example/sp', acsUrl: 'https://plain.example/acs' }] } });
    const res = await request(t.idp.app).patch(spPath('https://plain.example/sp')).send({ encryptAssertion: true });
    assert.equal(res.status, 400);
    assert.match(res.body.errors[0].detail, /no encryption certificate/);
    assert.equal((await request(t.idp.app).get(spPath('https://plain.example/sp')).expect(200)).body.serviceProvider.settings.encryptAssertion, false);
  });

  it('reads the encryption certificate from SP metadata (KeyDescriptor use="encryption")', async () => {
    const t = makeIdp();
    const signingOnly = spMetadataXml({ entityId: 'https://enc.example/sp', acsUrl: 'https://enc.example/acs', sloUrl: 'https://enc.example/slo', certificate: spCert, authnRequestsSigned: false });
    const withEncryption = signingOnly.replace('</md:KeyDescriptor>', `</md:KeyDescriptor><md:KeyDescriptor use="encryption"><ds:KeyInfo xmlns:ds="${NS.dsig}"><ds:X509Data><ds:X509Certificate>${spCert.base64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`);
    const res = await request(t.idp.app).post('/api/service-providers').send({ metadata: withEncryption, settings: { encryptAssertion: true } }).expect(201);
    assert.equal(res.body.serviceProvider.encryptionCertificate.fingerprint256, spCert.x509.fingerprint256);
    const { response } = await issue(t, 'alice', 'https://enc.example/sp');
    assert.equal(response.getElementsByTagNameNS(A, 'EncryptedAssertion').length, 1);
    // Metadata with only use="signing" keys yields no encryption certificate.
    const plain = await request(t.idp.app).post('/api/service-providers').type('application/samlmetadata+xml').send(signingOnly.replace('https://enc.example/sp', 'https://plain2.example/sp')).expect(201);
    assert.equal(plain.body.serviceProvider.encryptionCertificate, null);
  });
});

describe('NameID format, assertion lifetime, SessionNotOnOrAfter, attribute NameFormats', () => {
  it('nameIdFormat: email (default), unspecified (the username), persistent (stable, per SP, opaque), transient (new every time)', async () => {
    const t = makeIdp({ idp: { serviceProviders: [{ entityId: 'https://other.example/sp', acsUrl: 'https://other.example/acs', nameIdFormat: 'persistent' }] } });
    const nameId = async (sp?: string) => el((await issue(t, 'alice', sp)).response, A, 'NameID');
    const email = await nameId();
    assert.deepEqual([email.textContent, email.getAttribute('Format')], ['alice@example.com', NAMEID_FORMAT.email]);
    await settle(t, { nameIdFormat: 'unspecified' });
    const unspecified = await nameId();
    assert.deepEqual([unspecified.textContent, unspecified.getAttribute('Format')], ['alice', NAMEID_FORMAT.unspecified]);
    await settle(t, { nameIdFormat: 'persistent' });
    const p1 = (await nameId()).textContent!;
    const p2 = (await nameId()).textContent!;
    const other = (await nameId('https://other.example/sp')).textContent!;
    assert.equal(p1, p2, 'persistent: the same for the same SP');
    assert.notEqual(p1, other, 'persistent: pairwise, another SP gets another value');
    assert.doesNotMatch(p1, /alice/, 'persistent: opaque');
    await settle(t, { nameIdFormat: 'transient' });
    const tr = await nameId();
    assert.equal(tr.getAttribute('Format'), NAMEID_FORMAT.transient);
    assert.notEqual(tr.textContent, (await nameId()).textContent, 'transient: new for every response');
  });

  it('assertionLifetime and sessionNotOnOrAfter override the IdP-wide defaults for one SP', async () => {
    const t = makeIdp();
    await settle(t, { assertionLifetime: '90s', sessionNotOnOrAfter: '2h' });
    const now = t.clock.now();
    const { response } = await issue(t);
    assert.equal(el(response, A, 'Conditions').getAttribute('NotOnOrAfter'), new Date(now + 90_000).toISOString());
    assert.equal(el(response, A, 'SubjectConfirmationData').getAttribute('NotOnOrAfter'), new Date(now + 90_000).toISOString());
    assert.equal(el(response, A, 'AuthnStatement').getAttribute('SessionNotOnOrAfter'), new Date(now + 2 * 3_600_000).toISOString());
    await settle(t, { sessionNotOnOrAfter: 0 });
    assert.equal(el((await issue(t)).response, A, 'AuthnStatement').hasAttribute('SessionNotOnOrAfter'), false);
  });

  it('attributeNameFormats sets the NameFormat per attribute; the gateway then does not flag IsServiceAccount sent as uri', async () => {
    const file = { idp: { serviceProviders: [{ entityId: 'http://localhost:8080/users/saml/metadata', attributeNameFormats: { MemberOf: 'uri', Username: 'absent', IsServiceAccount: 'uri' } }] } };
    const t = makeIdp(file);
    const attrs = Array.from(el((await issue(t)).response, A, 'AttributeStatement').getElementsByTagNameNS(A, 'Attribute'));
    assert.deepEqual(
      attrs.map((a) => [a.getAttribute('Name'), a.hasAttribute('NameFormat') ? a.getAttribute('NameFormat') : null]),
      [['Username', null], ['MemberOf', ATTRNAME_FORMAT.uri], ['IsServiceAccount', ATTRNAME_FORMAT.uri]],
    );
    const h = await createHarness({}, file);
    await h.login('bob');
    assert.equal((await h.store.users.getByEmail('bob@example.com'))!.isServiceAccount, false, 'rule F1: NameFormat must be basic');
  });

  it('an SP from a metadata file in the config, with its settings', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'samlgate-sp-'));
    const file = path.join(dir, 'sp.xml');
    writeFileSync(file, spMetadataXml({ entityId: 'https://file.example/sp', acsUrl: 'https://file.example/acs', sloUrl: 'https://file.example/slo', certificate: spCert, authnRequestsSigned: false }));
    const t = makeIdp({ idp: { serviceProviders: [{ metadata: file, sign: 'assertion', nameIdFormat: 'unspecified' }] } });
    const sp = (await request(t.idp.app).get(spPath('https://file.example/sp')).expect(200)).body.serviceProvider;
    assert.equal(sp.acsUrl, 'https://file.example/acs');
    assert.deepEqual([sp.settings.sign, sp.settings.nameIdFormat, sp.source], ['assertion', 'unspecified', 'config']);
    const { response } = await issue(t, 'alice', 'https://file.example/sp');
    assert.equal(signatureOf(response), null);
    assert.equal(el(response, A, 'NameID').textContent, 'alice');
  });
});
