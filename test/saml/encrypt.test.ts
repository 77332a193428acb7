/**
 * encryptElement on its own: the CipherValue layouts of XML Encryption 1.1 (GCM: IV || ciphertext
 * || tag; CBC: IV || ciphertext), the key wrapped with RSA-OAEP, decrypted here with node's crypto
 * and the SP key, so a layout slip (tag position, IV size, OAEP digest) fails this test directly.
 */
import assert from 'node:assert/strict';
import { constants, createDecipheriv, createPrivateKey, privateDecrypt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DEV_CERTS_DIR } from '../../src/config.ts';
import { NS } from '../../src/saml/constants.ts';
import { encryptElement, XMLENC } from '../../src/saml/encrypt.ts';
import { certificateFromPem } from '../../src/saml/keys.ts';
import { parseXml } from '../../src/saml/xml.ts';

const cert = certificateFromPem(readFileSync(path.join(DEV_CERTS_DIR, 'sp-signing.crt'), 'utf8'));
const key = createPrivateKey(readFileSync(path.join(DEV_CERTS_DIR, 'sp-signing.key'), 'utf8'));
const PLAIN = `<saml:Assertion xmlns:saml="${NS.assertion}" ID="_a1"><saml:Issuer>https://idp.example</saml:Issuer></saml:Assertion>`;

function open(xml: string) {
  const data = parseXml(xml).documentElement as Element;
  const values = Array.from(data.getElementsByTagNameNS(NS.xenc, 'CipherValue')).map((e) => Buffer.from(e.textContent!, 'base64'));
  const wrapped = values[0]!;
  const content = values[1]!;
  const aesKey = privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, wrapped);
  return { data, aesKey, content };
}

describe('encryptElement (XML Encryption 1.1)', () => {
  it('AES-256-GCM: 12-byte IV, ciphertext, 16-byte tag; the tag authenticates', () => {
    const { data, aesKey, content } = open(encryptElement(PLAIN, { certificate: cert }));
    assert.equal(data.getAttribute('Type'), XMLENC.element);
    assert.equal(aesKey.length, 32);
    const iv = content.subarray(0, 12);
    const tag = content.subarray(content.length - 16);
    const d = createDecipheriv('aes-256-gcm', aesKey, iv);
    d.setAuthTag(tag);
    assert.equal(Buffer.concat([d.update(content.subarray(12, content.length - 16)), d.final()]).toString('utf8'), PLAIN);
    const tampered = Buffer.from(content);
    tampered[20]! ^= 1;
    const bad = createDecipheriv('aes-256-gcm', aesKey, tampered.subarray(0, 12));
    bad.setAuthTag(tampered.subarray(tampered.length - 16));
    bad.update(tampered.subarray(12, tampered.length - 16));
    assert.throws(() => bad.final(), /authenticate/);
  });

  it('AES-256-CBC (fault only): 16-byte IV then ciphertext with XML Encryption padding', () => {
    const { aesKey, content } = open(encryptElement(PLAIN, { certificate: cert, algorithm: 'aes-256-cbc' }));
    const d = createDecipheriv('aes-256-cbc', aesKey, content.subarray(0, 16));
    assert.equal(Buffer.concat([d.update(content.subarray(16)), d.final()]).toString('utf8'), PLAIN);
  });

  it('a fresh key and IV per call, and reproducible output with injected randomness', () => {
    assert.notEqual(encryptElement(PLAIN, { certificate: cert }), encryptElement(PLAIN, { certificate: cert }));
    const fixed = (n: number) => Buffer.alloc(n, 7);
    const a = open(encryptElement(PLAIN, { certificate: cert, randomBytes: fixed }));
    const b = open(encryptElement(PLAIN, { certificate: cert, randomBytes: fixed }));
    assert.deepEqual(a.content, b.content, 'content encryption is deterministic given the randomness (OAEP adds its own)');
    assert.deepEqual(a.aesKey, Buffer.alloc(32, 7));
  });
});
