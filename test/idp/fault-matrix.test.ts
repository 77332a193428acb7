/**
 * Every IdP fault, three ways: the XML it produces (structure), what xmlsec1 makes of its
 * signatures (and, for encryption, of its EncryptedAssertion), and how the gateway reacts to it
 * in a real IdP -> gateway login (the rejection code the ACS gives, or the flag it stores).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import request from 'supertest';
import { DEV_CERTS_DIR, FAULT_NAMES, type FaultName } from '../../src/config.ts';
import { ATTRNAME_FORMAT, NS } from '../../src/saml/constants.ts';
import { XMLENC } from '../../src/saml/encrypt.ts';
import { NOT_YET_VALID_BY_MS, WRONG_DESTINATION, WRONG_ISSUER, WRONG_RECIPIENT } from '../../src/idp/faults.ts';
import { parseXml } from '../../src/saml/xml.ts';
import { createHarness } from '../support/harness.ts';
import { xmlsecVerify } from '../support/xmlsec.ts';
import { el, IDP_CERT, issueFor, makeIdp } from './helpers.ts';
import { xmlsecDecrypt } from './xmlsec-decrypt.ts';

const SP_KEY = path.join(DEV_CERTS_DIR, 'sp-signing.key');
const A = NS.assertion;

type Sig = 'valid' | 'invalid' | 'unsigned';
interface Expectation {
  /** xmlsec1's verdict on the Response and the (decrypted) Assertion signatures. */
  response: Sig;
  assertion: Sig;
  /** What the document must show. */
  structure: (doc: { response: Element; assertion: Element | null; xml: string }, now: number) => void;
  /** null: the gateway accepts the login; then `flagged` is bob's stored service-account flag. */
  gateway: string | null;
  flagged?: boolean;
}

const saFormat = (format: string | null) => ({ assertion }: { assertion: Element | null }) => {
  const attr = Array.from(assertion!.getElementsByTagNameNS(A, 'Attribute')).find((a) => a.getAttribute('Name') === 'IsServiceAccount')!;
  assert.equal(attr.hasAttribute('NameFormat') ? attr.getAttribute('NameFormat') : null, format);
};
const saValue = (value: string) => ({ assertion }: { assertion: Element | null }) => {
  const attr = Array.from(assertion!.getElementsByTagNameNS(A, 'Attribute')).find((a) => a.getAttribute('Name') === 'IsServiceAccount')!;
  assert.equal(attr.getElementsByTagNameNS(A, 'AttributeValue')[0]!.textContent, value);
};

const MATRIX: Record<FaultName, Expectation> = {
  'sa-name-lowercase': {
    response: 'valid', assertion: 'valid', gateway: null, flagged: false,
    structure: ({ assertion }) => assert.deepEqual(Array.from(assertion!.getElementsByTagNameNS(A, 'Attribute')).map((a) => a.getAttribute('Name')), ['Username', 'MemberOf', 'isServiceAccount']),
  },
  'sa-nameformat-uri': { response: 'valid', assertion: 'valid', gateway: null, flagged: false, structure: saFormat(ATTRNAME_FORMAT.uri) },
  'sa-nameformat-unspecified': { response: 'valid', assertion: 'valid', gateway: null, flagged: false, structure: saFormat(ATTRNAME_FORMAT.unspecified) },
  'sa-nameformat-absent': { response: 'valid', assertion: 'valid', gateway: null, flagged: false, structure: saFormat(null) },
  'sa-value-capitalized': { response: 'valid', assertion: 'valid', gateway: null, flagged: true, structure: saValue('True') },
  'sa-value-one': { response: 'valid', assertion: 'valid', gateway: null, flagged: false, structure: saValue('1') },
  'sa-value-empty': { response: 'valid', assertion: 'valid', gateway: 'E_ATTR', structure: saValue('') },
  unsigned: { response: 'unsigned', assertion: 'unsigned', gateway: 'E_SIGNATURE', structure: ({ xml }) => assert.doesNotMatch(xml, /Signature/) },
  'bad-signature': { response: 'invalid', assertion: 'invalid', gateway: 'E_SIGNATURE', structure: ({ assertion }) => assert.equal(el(assertion!, A, 'NameID').textContent, 'mallory@example.com') },
  expired: {
    response: 'valid', assertion: 'valid', gateway: 'E_TIME',
    structure: ({ assertion }, now) => assert.ok(Date.parse(el(assertion!, A, 'Conditions').getAttribute('NotOnOrAfter')!) < now),
  },
  'wrong-audience': { response: 'valid', assertion: 'valid', gateway: 'E_AUDIENCE', structure: ({ assertion }) => assert.match(el(assertion!, A, 'Audience').textContent!, /wrong-audience/) },
  'no-session-not-on-or-after': { response: 'valid', assertion: 'valid', gateway: null, flagged: true, structure: ({ assertion }) => assert.equal(el(assertion!, A, 'AuthnStatement').hasAttribute('SessionNotOnOrAfter'), false) },
  'signature-sha1': {
    response: 'valid', assertion: 'valid', gateway: 'E_ALGORITHM',
    structure: ({ response }) => {
      for (const m of Array.from(response.getElementsByTagNameNS(NS.dsig, 'SignatureMethod'))) assert.equal(m.getAttribute('Algorithm'), 'http://www.w3.org/2000/09/xmldsig#rsa-sha1');
      for (const m of Array.from(response.getElementsByTagNameNS(NS.dsig, 'DigestMethod'))) assert.equal(m.getAttribute('Algorithm'), 'http://www.w3.org/2000/09/xmldsig#sha1');
    },
  },
  // The gateway's decryption lands on the validate branch; whatever it does then, CBC is refused.
  'encryption-aes-cbc': {
    response: 'valid', assertion: 'valid', gateway: 'refused',
    structure: ({ response }) => {
      assert.equal(response.getElementsByTagNameNS(A, 'Assertion').length, 0, 'no Assertion in the clear');
      const methods = Array.from(response.getElementsByTagNameNS(NS.xenc, 'EncryptionMethod')).map((m) => m.getAttribute('Algorithm'));
      assert.deepEqual(methods, [XMLENC.aes256Cbc, XMLENC.rsaOaepMgf1p]);
    },
  },
  'not-yet-valid': {
    response: 'valid', assertion: 'valid', gateway: 'E_TIME',
    structure: ({ assertion }, now) => assert.equal(el(assertion!, A, 'Conditions').getAttribute('NotBefore'), new Date(now + NOT_YET_VALID_BY_MS).toISOString()),
  },
  'wrong-recipient': { response: 'valid', assertion: 'valid', gateway: 'E_RECIPIENT', structure: ({ assertion }) => assert.equal(el(assertion!, A, 'SubjectConfirmationData').getAttribute('Recipient'), WRONG_RECIPIENT) },
  'wrong-destination': { response: 'valid', assertion: 'valid', gateway: 'E_DESTINATION', structure: ({ response }) => assert.equal(response.getAttribute('Destination'), WRONG_DESTINATION) },
  'wrong-issuer': {
    response: 'valid', assertion: 'valid', gateway: 'E_ISSUER',
    structure: ({ response, assertion }) => {
      assert.equal(el(response, A, 'Issuer').textContent, WRONG_ISSUER);
      assert.equal(el(assertion!, A, 'Issuer').textContent, WRONG_ISSUER);
    },
  },
};

function xmlsecStatus(xml: string, element: 'Response' | 'Assertion'): Sig {
  if (!new RegExp(`<(samlp|saml):${element}\\b[^>]*>(<saml:Issuer>[^<]*</saml:Issuer>)?<ds:Signature`).test(xml)) return 'unsigned';
  return xmlsecVerify(xml, { certFile: IDP_CERT, element }).ok ? 'valid' : 'invalid';
}

describe('every IdP fault: XML, xmlsec1 and the gateway', () => {
  it('the matrix covers every fault in FAULT_NAMES', () => {
    assert.deepEqual(Object.keys(MATRIX).sort(), [...FAULT_NAMES].sort());
  });

  for (const fault of FAULT_NAMES) {
    const x = MATRIX[fault];
    it(`${fault}: Response ${x.response}, Assertion ${x.assertion} (xmlsec1); gateway ${x.gateway === null ? `accepts (flagged=${x.flagged})` : `refuses${x.gateway === 'refused' ? '' : ` with ${x.gateway}`}`}`, async () => {
      const t = makeIdp();
      await request(t.idp.app).patch('/api/users/bob').send({ faults: [fault] }).expect(200);
      const res = await request(t.idp.app).get('/sso/initiate').query({ sp: t.config.gateway.entityId, user: 'bob' }).expect(200);
      const xml = Buffer.from(/name="SAMLResponse" value="([^"]+)"/.exec(res.text)![1]!, 'base64').toString('utf8');
      const response = parseXml(xml).documentElement as Element;
      let assertionXml = xml;
      if (response.getElementsByTagNameNS(A, 'EncryptedAssertion').length) {
        const dec = xmlsecDecrypt(xml, SP_KEY);
        assert.ok(dec.ok, `xmlsec1 --decrypt: ${dec.output}`);
        assertionXml = dec.xml;
      }
      const assertion = (parseXml(assertionXml.replace(/^<\?xml[^>]*>\s*/, '')).documentElement as Element).getElementsByTagNameNS(A, 'Assertion')[0] ?? null;
      x.structure({ response, assertion, xml }, t.clock.now());
      assert.equal(xmlsecStatus(xml, 'Response'), x.response, 'Response signature');
      assert.equal(xmlsecStatus(assertionXml, 'Assertion'), x.assertion, 'Assertion signature');

      const h = await createHarness();
      await h.patchIdpUser('bob', { faults: [fault] });
      const outcome = await h.login('bob').then(() => null, (err: Error) => err.message);
      const rejection = h.gateway.context.rejections.latest()[0];
      if (x.gateway === null) {
        assert.equal(outcome, null, 'the gateway accepts the login');
        assert.equal((await h.store.users.getByEmail('bob@example.com'))!.isServiceAccount, x.flagged);
      } else {
        assert.match(outcome ?? '', /ACS refused the login of bob \(HTTP 403\)/);
        if (x.gateway !== 'refused') assert.equal(rejection?.code, x.gateway, rejection?.detail);
      }
    });
  }
});
