/**
 * EncryptedAssertion (SAML core 2.3.4, XML Encryption 1.1) for the ACS and the validator.
 *
 * Allowed: AES-256-GCM / AES-128-GCM content encryption with the key transported by RSA-OAEP
 * (rsa-oaep-mgf1p, or xmlenc11 rsa-oaep with MGF1-SHA1 and a SHA-1/SHA-256 digest that node can
 * do). Refused before any crypto (E_ALGORITHM, SP-SECURITY ENC5): RSA PKCS#1 v1.5 key transport
 * (Bleichenbacher), and AES-CBC unless explicitly allowed (`allowCbc`: the XML Encryption CBC
 * padding-oracle attack). Every failure after that point - wrong key, bad OAEP padding, bad GCM
 * tag, bad CBC padding, plaintext that is not UTF-8 - is the same opaque E_DECRYPT with the same
 * message (SP-SECURITY ENC6), and a failed key unwrap continues with a random key so it costs
 * the same work as a failed tag check.
 */
import { constants, createDecipheriv, privateDecrypt, randomBytes, type KeyObject } from 'node:crypto';
import { NS } from '../constants.ts';
import { decodeBase64Strict } from '../encoding.ts';
import { reject, SamlRejection } from '../rejection.ts';
import { attr, childElements, textOf } from './dom.ts';

export interface DecryptionOptions {
  /** The SP's private keys whose certificates it publishes with use="encryption". */
  keys: readonly KeyObject[];
  /** Accept AES-CBC content encryption (off by default: ENC5). */
  allowCbc?: boolean;
}

export const XENC = {
  aes128gcm: 'http://www.w3.org/2009/xmlenc11#aes128-gcm',
  aes256gcm: 'http://www.w3.org/2009/xmlenc11#aes256-gcm',
  aes128cbc: 'http://www.w3.org/2001/04/xmlenc#aes128-cbc',
  aes256cbc: 'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
  rsaOaepMgf1p: 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
  rsaOaep: 'http://www.w3.org/2009/xmlenc11#rsa-oaep',
  rsa15: 'http://www.w3.org/2001/04/xmlenc#rsa-1_5',
  mgf1sha1: 'http://www.w3.org/2009/xmlenc11#mgf1sha1',
} as const;

const XENC11 = 'http://www.w3.org/2009/xmlenc11#';

/** Content algorithms -> [node cipher, key bytes, GCM?] (a Map: no inherited lookups). */
const CONTENT = new Map<string, { cipher: string; keyBytes: number; gcm: boolean }>([
  [XENC.aes256gcm, { cipher: 'aes-256-gcm', keyBytes: 32, gcm: true }],
  [XENC.aes128gcm, { cipher: 'aes-128-gcm', keyBytes: 16, gcm: true }],
  [XENC.aes256cbc, { cipher: 'aes-256-cbc', keyBytes: 32, gcm: false }],
  [XENC.aes128cbc, { cipher: 'aes-128-cbc', keyBytes: 16, gcm: false }],
]);

const OAEP_DIGESTS = new Map<string, string>([
  ['http://www.w3.org/2000/09/xmldsig#sha1', 'sha1'],
  ['http://www.w3.org/2001/04/xmlenc#sha256', 'sha256'],
]);

const OPAQUE = 'the EncryptedAssertion could not be decrypted with the SP encryption key';
const OPAQUE_FIX = 'encrypt for the certificate in the SP metadata (KeyDescriptor use="encryption"), with AES-256-GCM and RSA-OAEP';

function opaque(): never {
  reject('E_DECRYPT', OPAQUE, { fix: OPAQUE_FIX });
}

function one(parent: Element, ns: string, name: string, what: string): Element {
  const found = childElements(parent, ns, name);
  if (found.length !== 1) reject('E_STRUCT', `${what} must contain exactly one ${name}, found ${found.length}`);
  return found[0]!;
}

function cipherValue(el: Element, what: string): Buffer {
  const data = one(el, NS.xenc, 'CipherData', what);
  const value = one(data, NS.xenc, 'CipherValue', `${what}'s CipherData`);
  try {
    return decodeBase64Strict(textOf(value) ?? '', `${what}'s CipherValue`);
  } catch (err) {
    if (err instanceof SamlRejection) reject('E_STRUCT', `${what}'s CipherValue is not base64`);
    throw err;
  }
}

interface KeyTransport {
  encryptedKey: Buffer;
  oaepHash: string;
}

/** ENC5 before any crypto: which key transport, and is it allowed. */
function keyTransport(encryptedAssertion: Element, encryptedData: Element): KeyTransport {
  const keyInfo = childElements(encryptedData, NS.dsig, 'KeyInfo')[0];
  // The EncryptedKey sits in EncryptedData/KeyInfo, or next to EncryptedData (ADFS, Shibboleth).
  const candidates = [...(keyInfo ? childElements(keyInfo, NS.xenc, 'EncryptedKey') : []), ...childElements(encryptedAssertion, NS.xenc, 'EncryptedKey')];
  if (candidates.length !== 1) reject('E_STRUCT', `the EncryptedAssertion carries ${candidates.length} EncryptedKey elements; samlgate expects exactly one, for its own key`);
  const ek = candidates[0]!;
  const method = childElements(ek, NS.xenc, 'EncryptionMethod')[0];
  const alg = method ? attr(method, 'Algorithm') : null;
  if (alg === XENC.rsa15) reject('E_ALGORITHM', 'the assertion key is encrypted with RSA PKCS#1 v1.5 (rsa-1_5), which is open to Bleichenbacher-style attacks', { claim: 'EncryptedKey EncryptionMethod', expected: XENC.rsaOaepMgf1p, actual: alg, fix: 'configure the IdP to transport the key with RSA-OAEP' });
  if (alg !== XENC.rsaOaepMgf1p && alg !== XENC.rsaOaep) reject('E_ALGORITHM', `the assertion key is encrypted with ${alg ?? '(no algorithm)'}; samlgate accepts RSA-OAEP only`, { claim: 'EncryptedKey EncryptionMethod', expected: XENC.rsaOaepMgf1p, actual: alg ?? '(absent)' });
  const digestEl = childElements(method!, NS.dsig, 'DigestMethod')[0];
  const digestUri = digestEl ? attr(digestEl, 'Algorithm') : 'http://www.w3.org/2000/09/xmldsig#sha1';
  const oaepHash = digestUri ? OAEP_DIGESTS.get(digestUri) : undefined;
  const mgf = childElements(method!, XENC11, 'MGF')[0];
  const mgfAlg = mgf ? attr(mgf, 'Algorithm') : XENC.mgf1sha1;
  // node's OAEP uses one hash for the label digest and MGF1; rsa-oaep-mgf1p fixes MGF1 to SHA-1.
  if (!oaepHash || mgfAlg !== XENC.mgf1sha1 || (oaepHash !== 'sha1' && alg === XENC.rsaOaepMgf1p) || (oaepHash !== 'sha1' && mgfAlg === XENC.mgf1sha1 && alg === XENC.rsaOaep)) {
    if (!(oaepHash === 'sha1' && mgfAlg === XENC.mgf1sha1)) {
      reject('E_ALGORITHM', `the assertion key uses RSA-OAEP with digest ${digestUri} and MGF ${mgfAlg}; samlgate supports RSA-OAEP with SHA-1 and MGF1-SHA1 (rsa-oaep-mgf1p)`, { claim: 'EncryptedKey DigestMethod', actual: `${digestUri} / ${mgfAlg}` });
    }
  }
  return { encryptedKey: cipherValue(ek, 'the EncryptedKey'), oaepHash: oaepHash ?? 'sha1' };
}

/** Returns the decrypted Assertion's XML text, or throws E_ALGORITHM / E_STRUCT / E_DECRYPT. */
export function decryptAssertion(encryptedAssertion: Element, o: DecryptionOptions | undefined): string {
  const data = one(encryptedAssertion, NS.xenc, 'EncryptedData', 'the EncryptedAssertion');
  const methodEl = childElements(data, NS.xenc, 'EncryptionMethod')[0];
  const alg = methodEl ? attr(methodEl, 'Algorithm') : null;
  const content = alg === null ? undefined : CONTENT.get(alg);
  if (!content) reject('E_ALGORITHM', `the assertion is encrypted with ${alg ?? '(no algorithm)'}; samlgate accepts AES-256-GCM or AES-128-GCM`, { claim: 'EncryptedData EncryptionMethod', expected: XENC.aes256gcm, actual: alg ?? '(absent)' });
  if (!content.gcm && !o?.allowCbc) {
    reject('E_ALGORITHM', `the assertion is encrypted with AES-CBC (${alg}), which is open to padding-oracle attacks on XML Encryption; samlgate accepts AES-GCM`, {
      claim: 'EncryptedData EncryptionMethod', expected: XENC.aes256gcm, actual: alg!, fix: 'configure the IdP to encrypt with AES-256-GCM (Okta: Encryption Algorithm AES256-GCM; Keycloak: "Encryption algorithm" AES_256_GCM; Entra ID and ADFS use AES-256-CBC: turn encryption off, or allow CBC explicitly)',
    });
  }
  const transport = keyTransport(encryptedAssertion, data);
  const ciphertext = cipherValue(data, 'the EncryptedData');
  if (!o || o.keys.length === 0) reject('E_DECRYPT', 'the assertion is encrypted, but no SP decryption key is configured', { fix: 'configure the SP encryption key, or turn assertion encryption off in the IdP' });

  // From here on every failure is the same opaque refusal after the same work.
  let key: Buffer | null = null;
  for (const k of o.keys) {
    try {
      const unwrapped = privateDecrypt({ key: k, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: transport.oaepHash }, transport.encryptedKey);
      if (unwrapped.length === content.keyBytes && key === null) key = unwrapped;
    } catch {
      // keep trying the other keys; the outcome is decided below, after the same work
    }
  }
  const effectiveKey = key ?? randomBytes(content.keyBytes);
  try {
    let plain: Buffer;
    if (content.gcm) {
      if (ciphertext.length < 12 + 16) opaque();
      const iv = ciphertext.subarray(0, 12);
      const tag = ciphertext.subarray(ciphertext.length - 16);
      const decipher = createDecipheriv(content.cipher as 'aes-256-gcm', effectiveKey, iv);
      decipher.setAuthTag(tag);
      plain = Buffer.concat([decipher.update(ciphertext.subarray(12, ciphertext.length - 16)), decipher.final()]);
    } else {
      if (ciphertext.length < 32 || ciphertext.length % 16 !== 0) opaque();
      const decipher = createDecipheriv(content.cipher, effectiveKey, ciphertext.subarray(0, 16));
      decipher.setAutoPadding(false);
      const padded = Buffer.concat([decipher.update(ciphertext.subarray(16)), decipher.final()]);
      // XML Encryption 5.2: the last octet is the padding length (1..16); the rest is arbitrary.
      const pad = padded[padded.length - 1]!;
      if (pad < 1 || pad > 16) opaque();
      plain = padded.subarray(0, padded.length - pad);
    }
    if (key === null) opaque();
    return new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch (err) {
    if (err instanceof SamlRejection && err.code !== 'E_DECRYPT') throw err;
    opaque();
  }
}
