/**
 * Golden files of the IdP's wire format: the signed Response for alice, for bob (the service
 * account) and for bob under every fault, and the IdP's metadata. With a fixed clock, fixed keys
 * (certs/) and a counting id generator the IdP is deterministic (RSA PKCS#1 v1.5 signatures are),
 * so each document is compared byte for byte: any change to what an SP receives is a diff in
 * test/idp/golden/ that someone reviews. `UPDATE_GOLDEN=1` rewrites the files.
 *
 * Only XML Encryption is randomised (a fresh AES key and IV, and RSA-OAEP's random seed), so an
 * encrypted Response is stored with its CipherValues and its Response signature values replaced
 * by placeholders, and the Assertion it carries, decrypted, is a golden file of its own.
 */
import assert from 'node:assert/strict';
import { createDecipheriv, createHash, constants, privateDecrypt } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { ManualClock } from '../../src/clock.ts';
import { DEV_CERTS_DIR, FAULT_NAMES, resolveConfig, type FaultName } from '../../src/config.ts';
import { createIdp } from '../../src/idp/app.ts';
import type { IdGenerator } from '../../src/ids.ts';
import { silentLogger } from '../../src/log.ts';
import { loadSigningCredentials } from '../../src/saml/keys.ts';
import { xmlsecVerify } from '../support/xmlsec.ts';
import { gatewayRedirectQuery, IDP_CERT, postLogin, readPostForm, type TestIdp } from './helpers.ts';

const GOLDEN_DIR = fileURLToPath(new URL('./golden/', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const UPDATE_HINT = 'if the change is intended, run `UPDATE_GOLDEN=1 node --import tsx --test test/idp/golden.test.ts` and review the diff of test/idp/golden/';

/** A fixed instant, so every IssueInstant, NotBefore and NotOnOrAfter is the same on every run. */
const NOW = Date.UTC(2025, 0, 15, 9, 30, 0);
const AUTHN_REQUEST_ID = '_golden-authn-request-1';
const SP_KEY = loadSigningCredentials(path.join(DEV_CERTS_DIR, 'sp-signing.key'), path.join(DEV_CERTS_DIR, 'sp-signing.crt')).privateKey;

/**
 * Counts instead of drawing random bytes. SAML IDs and secrets (cookies, CSRF keys) have their
 * own counters, so a new secret somewhere in the login flow does not shift the IDs in the XML.
 * IDs keep the production shape: `_` and 40 hex digits.
 */
function countingIds(): IdGenerator {
  let saml = 0;
  let secret = 0;
  return {
    samlId: () => `_${(++saml).toString(16).padStart(40, '0')}`,
    random: (length) => {
      const n = ++secret;
      let out = '';
      for (let block = 0; out.length < length; block++) out += createHash('sha256').update(`${n}/${block}`).digest('hex');
      return out.slice(0, length);
    },
  };
}

function goldenIdp(): TestIdp {
  const config = resolveConfig({});
  const clock = new ManualClock(NOW);
  return { idp: createIdp({ config, clock, ids: countingIds(), logger: silentLogger }), clock, config };
}

/** SP-initiated login at the gateway SP, as TFE does it: a signed AuthnRequest, then the login form. */
async function issue(username: string, faults: readonly FaultName[] = []): Promise<string> {
  const t = goldenIdp();
  if (faults.length) await request(t.idp.app).patch(`/api/users/${username}`).send({ faults }).expect(200);
  const page = await request(t.idp.app).get(`/sso?${gatewayRedirectQuery(t, { id: AUTHN_REQUEST_ID })}`);
  assert.equal(page.status, 200, page.text);
  const res = await postLogin(t.idp.app, page, { username, password: username });
  assert.equal(res.status, 200, res.text);
  return Buffer.from(readPostForm(res.text).fields.SAMLResponse!, 'base64').toString('utf8');
}

const CIPHER_VALUE = /<xenc:CipherValue>[^<]*<\/xenc:CipherValue>/g;

/**
 * Replaces what XML Encryption randomises: the wrapped key and the ciphertext, and so the digest
 * and signature of a Response that signs them. A document without encryption is left alone.
 */
function normaliseEncryption(xml: string): string {
  if (!xml.includes('<saml:EncryptedAssertion>')) return xml;
  const placeholders = ['RANDOMISED:rsa-oaep-wrapped-aes-key', 'RANDOMISED:aes-ciphertext-of-the-signed-assertion'];
  assert.equal(xml.match(CIPHER_VALUE)?.length, placeholders.length, 'an EncryptedKey and an EncryptedData CipherValue');
  let i = 0;
  return xml
    .replace(CIPHER_VALUE, () => `<xenc:CipherValue>${placeholders[i++]}</xenc:CipherValue>`)
    .replace(/<ds:DigestValue>[^<]*<\/ds:DigestValue>/g, '<ds:DigestValue>RANDOMISED:digest-over-the-ciphertext</ds:DigestValue>')
    .replace(/<ds:SignatureValue>[^<]*<\/ds:SignatureValue>/g, '<ds:SignatureValue>RANDOMISED:signature-over-the-ciphertext</ds:SignatureValue>');
}

/** The Assertion inside an aes-256-cbc EncryptedAssertion, opened with the SP's key (XML Encryption 1.1 5.2.2, 5.5.2). */
function decryptCbcAssertion(xml: string): string {
  const [wrapped, data] = [...xml.matchAll(/<xenc:CipherValue>([^<]*)<\/xenc:CipherValue>/g)].map((m) => Buffer.from(m[1]!, 'base64'));
  const key = privateDecrypt({ key: SP_KEY, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, wrapped!);
  const decipher = createDecipheriv('aes-256-cbc', key, data!.subarray(0, 16));
  return Buffer.concat([decipher.update(data!.subarray(16)), decipher.final()]).toString('utf8');
}

/** Faults that encrypt the Assertion (the rest of the responses are sent in the clear). */
const ENCRYPTING: ReadonlySet<FaultName> = new Set(['encryption-aes-cbc']);

/** Every file test/idp/golden/ should hold. */
const GOLDEN_FILES = [
  'metadata.xml',
  'response.alice.default.xml',
  'response.bob.service-account.xml',
  ...FAULT_NAMES.flatMap((f) => [`response.bob.${f}.xml`, ...(ENCRYPTING.has(f) ? [`response.bob.${f}.assertion.xml`] : [])]),
];

/** Byte-for-byte comparison with test/idp/golden/<name> (rewritten under UPDATE_GOLDEN=1). */
function assertGolden(name: string, actual: string): void {
  assert.ok(GOLDEN_FILES.includes(name), `${name} is listed in GOLDEN_FILES`);
  const file = path.join(GOLDEN_DIR, name);
  if (UPDATE) {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  let expected: string;
  try {
    expected = readFileSync(file, 'utf8');
  } catch {
    assert.fail(`there is no golden file test/idp/golden/${name}: ${UPDATE_HINT}`);
  }
  if (expected === actual) return;
  let at = 0;
  while (at < Math.min(expected.length, actual.length) && expected[at] === actual[at]) at++;
  const around = (s: string) => JSON.stringify(s.slice(Math.max(0, at - 80), at + 80));
  assert.fail(
    `test/idp/golden/${name} differs from what the IdP sends now, first at character ${at} (golden ${expected.length} characters, now ${actual.length}):\n` +
      `  golden: ${around(expected)}\n  now:    ${around(actual)}\n${UPDATE_HINT}`,
  );
}

type Signatures = 'valid' | 'invalid' | 'none';

/** What xmlsec1 (libxmlsec, no code shared with ours) makes of a Response's and an Assertion's signatures. */
function assertSignatures(xml: string, expected: { response: Signatures; assertion: Signatures }, what: string): void {
  for (const element of ['Response', 'Assertion'] as const) {
    const want = expected[element === 'Response' ? 'response' : 'assertion'];
    const signed = new RegExp(`<(?:samlp|saml):${element}\\b[^>]*>(?:<saml:Issuer>[^<]*</saml:Issuer>)?<ds:Signature`).test(xml);
    if (want === 'none') {
      assert.equal(signed, false, `${what}: the ${element} carries no signature`);
      continue;
    }
    assert.ok(signed, `${what}: the ${element} is signed`);
    const r = xmlsecVerify(xml, { certFile: IDP_CERT, element });
    assert.equal(r.ok ? 'valid' : 'invalid', want, `${what}: xmlsec1 on the ${element} signature: ${r.output}`);
  }
}

function expectedSignatures(fault: FaultName | null): { response: Signatures; assertion: Signatures } {
  if (fault === 'unsigned') return { response: 'none', assertion: 'none' };
  if (fault === 'bad-signature') return { response: 'invalid', assertion: 'invalid' };
  return { response: 'valid', assertion: 'valid' };
}

describe('IdP golden files (test/idp/golden/)', () => {
  it('the IdP is deterministic with a fixed clock, keys and id generator (two IdPs, identical bytes)', async () => {
    assert.equal(await issue('alice'), await issue('alice'));
  });

  it('metadata.xml: GET /metadata', async () => {
    const res = await request(goldenIdp().idp.app).get('/metadata').expect(200);
    assertGolden('metadata.xml', res.text);
  });

  it('response.alice.default.xml: alice, default settings, xmlsec1 verifies both signatures', async () => {
    assertGolden('response.alice.default.xml', await issue('alice'));
    assertSignatures(readFileSync(path.join(GOLDEN_DIR, 'response.alice.default.xml'), 'utf8'), expectedSignatures(null), 'alice');
  });

  it('response.bob.service-account.xml: bob with IsServiceAccount, xmlsec1 verifies both signatures', async () => {
    assertGolden('response.bob.service-account.xml', await issue('bob'));
    assertSignatures(readFileSync(path.join(GOLDEN_DIR, 'response.bob.service-account.xml'), 'utf8'), expectedSignatures(null), 'bob');
  });

  for (const fault of FAULT_NAMES) {
    const name = `response.bob.${fault}.xml`;
    const want = expectedSignatures(fault);
    it(`${name}: bob with the ${fault} fault; xmlsec1 finds the Response signature ${want.response}, the Assertion's ${want.assertion}`, async () => {
      const xml = await issue('bob', [fault]);
      assertGolden(name, normaliseEncryption(xml));
      assert.equal(xml.includes('<saml:EncryptedAssertion>'), ENCRYPTING.has(fault), 'the Assertion is encrypted exactly for the faults in ENCRYPTING');
      if (ENCRYPTING.has(fault)) {
        // The stored Response has placeholders: verify the one sent, and the decrypted Assertion's own golden file.
        assertSignatures(xml, { response: want.response, assertion: 'none' }, fault);
        const assertionName = `response.bob.${fault}.assertion.xml`;
        assertGolden(assertionName, decryptCbcAssertion(xml));
        const assertion = readFileSync(path.join(GOLDEN_DIR, assertionName), 'utf8');
        assert.equal(xmlsecVerify(assertion, { certFile: IDP_CERT, element: 'Assertion' }).ok ? 'valid' : 'invalid', want.assertion, `${fault}: the decrypted Assertion's signature`);
      } else {
        assertSignatures(readFileSync(path.join(GOLDEN_DIR, name), 'utf8'), want, fault);
      }
    });
  }

  it('test/idp/golden/ holds no file that no test writes (UPDATE_GOLDEN=1 removes them)', () => {
    const stray = (existsSync(GOLDEN_DIR) ? readdirSync(GOLDEN_DIR) : []).filter((f) => f.endsWith('.xml') && !GOLDEN_FILES.includes(f));
    if (UPDATE) for (const f of stray) rmSync(path.join(GOLDEN_DIR, f));
    else assert.deepEqual(stray, [], `stray golden files: ${UPDATE_HINT}`);
  });
});
