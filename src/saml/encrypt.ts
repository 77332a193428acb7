/**
 * XML Encryption of an outgoing element (SAML core 2.3.4 EncryptedAssertion; XML Encryption 1.1),
 * with node's crypto only. The element is encrypted with a fresh AES-256 key (GCM by default;
 * CBC only for the `encryption-aes-cbc` fault, since CBC without a MAC is open to padding-oracle
 * attacks, "How to break XML Encryption", Jager & Somorovsky 2011), and the key is wrapped for
 * the SP with RSA-OAEP (rsa-oaep-mgf1p, SHA-1 digest and MGF1-SHA1: the one key transport every
 * SAML SP library understands, XML Encryption 1.1 section 5.5.2).
 *
 * The EncryptedKey sits inside EncryptedData's ds:KeyInfo and carries the SP's certificate, so a
 * decryptor with several keys can tell which one to use.
 */
import { constants, createCipheriv, publicEncrypt, randomBytes as nodeRandomBytes } from 'node:crypto';
import { NS } from './constants.ts';
import type { Certificate } from './keys.ts';

export const XMLENC = {
  element: 'http://www.w3.org/2001/04/xmlenc#Element',
  aes256Gcm: 'http://www.w3.org/2009/xmlenc11#aes256-gcm',
  aes256Cbc: 'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
  rsaOaepMgf1p: 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
  sha1: 'http://www.w3.org/2000/09/xmldsig#sha1',
} as const;

export type ContentEncryption = 'aes-256-gcm' | 'aes-256-cbc';

export interface EncryptOptions {
  certificate: Certificate;
  /** Default aes-256-gcm. */
  algorithm?: ContentEncryption;
  /** Injected for reproducible output in tests; crypto.randomBytes otherwise. */
  randomBytes?: (n: number) => Buffer;
}

/** The CipherValue of the content (XML Encryption 1.1 5.2.2 for CBC, 5.2.4 for GCM). */
function encryptContent(plaintext: Buffer, key: Buffer, algorithm: ContentEncryption, random: (n: number) => Buffer): Buffer {
  if (algorithm === 'aes-256-gcm') {
    // 96-bit IV, then the ciphertext, then the 128-bit tag, concatenated.
    const iv = random(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]);
  }
  // CBC: a 128-bit IV before the ciphertext. node pads PKCS#7, a valid instance of XML
  // Encryption's padding (the last octet counts the pad octets).
  const iv = random(16);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  return Buffer.concat([iv, cipher.update(plaintext), cipher.final()]);
}

/**
 * Returns `<xenc:EncryptedData>` holding `elementXml` (a complete element with its namespace
 * declarations, e.g. a signed saml:Assertion). The caller wraps it (saml:EncryptedAssertion).
 */
export function encryptElement(elementXml: string, o: EncryptOptions): string {
  const random = o.randomBytes ?? nodeRandomBytes;
  const algorithm = o.algorithm ?? 'aes-256-gcm';
  const key = random(32);
  const cipherValue = encryptContent(Buffer.from(elementXml, 'utf8'), key, algorithm, random).toString('base64');
  const wrappedKey = publicEncrypt({ key: o.certificate.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, key).toString('base64');
  const method = algorithm === 'aes-256-gcm' ? XMLENC.aes256Gcm : XMLENC.aes256Cbc;
  return (
    `<xenc:EncryptedData xmlns:xenc="${NS.xenc}" Type="${XMLENC.element}">` +
    `<xenc:EncryptionMethod Algorithm="${method}"/>` +
    `<ds:KeyInfo xmlns:ds="${NS.dsig}"><xenc:EncryptedKey>` +
    `<xenc:EncryptionMethod Algorithm="${XMLENC.rsaOaepMgf1p}"><ds:DigestMethod Algorithm="${XMLENC.sha1}"/></xenc:EncryptionMethod>` +
    `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>${o.certificate.base64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>` +
    `<xenc:CipherData><xenc:CipherValue>${wrappedKey}</xenc:CipherValue></xenc:CipherData>` +
    `</xenc:EncryptedKey></ds:KeyInfo>` +
    `<xenc:CipherData><xenc:CipherValue>${cipherValue}</xenc:CipherValue></xenc:CipherData>` +
    `</xenc:EncryptedData>`
  );
}
