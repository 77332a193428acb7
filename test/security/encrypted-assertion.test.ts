/**
 * EncryptedAssertion at the ACS (SAML core 2.3.4; SP-SECURITY 10.2 items 6 and 11, ENC5/ENC6),
 * on responses encrypted by samlify's IdP (xml-encryption), an implementation we did not write:
 * AES-GCM with RSA-OAEP is decrypted, with the signature either inside the encrypted assertion
 * (verified after decryption) or on the Response (verified over the ciphertext, first); AES-CBC
 * is refused unless allowed; RSA PKCS#1 v1.5 key transport is refused; and every decryption
 * failure is the same opaque E_DECRYPT.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.ts';
import { verifyLoginResponse } from '../../src/sp/acs.ts';
import { certificateFromPem } from '../../src/saml/keys.ts';
import { SamlRejection } from '../../src/saml/rejection.ts';
import { FIXTURE_TIME, PRODUCERS, REQUEST_ID, staticPath } from '../support/static-fixtures.ts';
import { encode, options } from './harness.ts';

const SP_KEY = createPrivateKey(readFileSync(fileURLToPath(new URL('../../certs/sp-signing.key', import.meta.url)), 'utf8'));
const samlifyIdp = { entityId: PRODUCERS.samlify.entityId, ssoRedirectUrl: 'https://samlify-idp.example/sso', ssoPostUrl: null, sloUrl: null, signingCertificates: [certificateFromPem(readFileSync(staticPath(PRODUCERS.samlify.cert), 'utf8'))] };
const fixture = (name: string) => readFileSync(staticPath(name), 'utf8');

function acs(xml: string, o: { keys?: ReturnType<typeof createPrivateKey>[]; allowCbc?: boolean } = {}) {
  return verifyLoginResponse(encode(xml), [REQUEST_ID], options({ idp: samlifyIdp, clock: new ManualClock(FIXTURE_TIME), decryption: { keys: o.keys ?? [SP_KEY], allowCbc: o.allowCbc ?? false } }));
}

async function refusal(p: Promise<unknown>): Promise<SamlRejection> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SamlRejection) return err;
    throw err;
  }
  assert.fail('expected a refusal');
}

describe('EncryptedAssertion at the ACS', () => {
  it('AES-256-GCM + RSA-OAEP, assertion signed inside: decrypted, verified, read', async () => {
    const login = await acs(fixture('samlify.encrypted-aes256gcm.assertion-signed.xml'));
    assert.equal(login.nameId, 'deploy-bot@example.com');
    assert.equal(login.serviceAccount.flagged, true);
    assert.equal(login.inResponseTo, REQUEST_ID);
  });

  it('AES-128-GCM, Response signed over the ciphertext (encrypt-then-sign): verified first, then decrypted', async () => {
    const login = await acs(fixture('samlify.encrypted-aes128gcm.response-signed.xml'));
    assert.equal(login.user.username, 'deploy-bot');
  });

  it('ENC5: AES-CBC is refused by default (E_ALGORITHM) and accepted when explicitly allowed', async () => {
    const cbc = fixture('samlify.encrypted-aes256cbc.assertion-signed.xml');
    const err = await refusal(acs(cbc));
    assert.equal(err.code, 'E_ALGORITHM');
    assert.match(err.detail, /AES-CBC/);
    const login = await acs(cbc, { allowCbc: true });
    assert.equal(login.serviceAccount.flagged, true);
  });

  it('ENC5: RSA PKCS#1 v1.5 key transport is refused before any decryption', async () => {
    const xml = fixture('samlify.encrypted-aes256gcm.assertion-signed.xml').replace('http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p', 'http://www.w3.org/2001/04/xmlenc#rsa-1_5');
    const err = await refusal(acs(xml));
    assert.equal(err.code, 'E_ALGORITHM');
    assert.match(err.detail, /rsa-1_5/);
  });

  it('ENC6: a wrong key, a tampered ciphertext and a tampered key are one opaque E_DECRYPT', async () => {
    const xml = fixture('samlify.encrypted-aes256gcm.assertion-signed.xml');
    const values = [...xml.matchAll(/<(?:\w+:)?CipherValue>([^<]+)</g)].map((m) => m[1]!);
    assert.equal(values.length, 2, 'EncryptedKey and EncryptedData');
    const flip = (b64: string, at: number) => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[at]! ^= 1;
      return bytes.toString('base64');
    };
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const failures = await Promise.all([
      refusal(acs(xml, { keys: [otherKey] })),
      refusal(acs(xml.replace(values[1]!, flip(values[1]!, 40)))),
      refusal(acs(xml.replace(values[0]!, flip(values[0]!, 10)))),
      refusal(acs(xml.replace(values[1]!, flip(values[1]!, Buffer.from(values[1]!, 'base64').length - 1)))),
    ]);
    for (const err of failures) {
      assert.equal(err.code, 'E_DECRYPT');
      assert.equal(err.detail, failures[0]!.detail, 'the same message for every failure');
    }
  });

  it('without a configured SP key an encrypted assertion is refused, never read as absent', async () => {
    const err = await refusal(acs(fixture('samlify.encrypted-aes256gcm.assertion-signed.xml'), { keys: [] }));
    assert.equal(err.code, 'E_DECRYPT');
  });

  it('ENC3: a Response-level signature must still cover the ciphertext: a changed EncryptedAssertion fails the signature', async () => {
    const xml = fixture('samlify.encrypted-aes128gcm.response-signed.xml');
    const v = /<(?:\w+:)?CipherValue>([^<]+)</g.exec(xml)![1]!;
    const err = await refusal(acs(xml.replace(v, Buffer.from('x'.repeat(256)).toString('base64'))));
    assert.equal(err.code, 'E_SIGNATURE');
  });
});
