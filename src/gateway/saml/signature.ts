/**
 * Signature checks for the ACS: an algorithm allow-list read before any crypto (ALG1, ALG2),
 * key pinning to the IdP metadata certificates (KeyInfo is only compared, never trusted), and
 * verification with xml-crypto that returns the canonical bytes the signature covers, so the
 * caller reads identity from what was signed, never from the unverified DOM ("see what is signed").
 */
import { SignedXml } from 'xml-crypto';
import { ALGORITHMS, NS } from '../../saml/constants.ts';
import type { Certificate } from '../../saml/keys.ts';
import { reject } from '../../saml/rejection.ts';
import { attr, childElements, describe } from './dom.ts';

const SIGNATURE_METHODS = new Set<string>([ALGORITHMS.rsaSha256, ALGORITHMS.rsaSha512]);
const DIGEST_METHODS = new Set<string>([ALGORITHMS.sha256, ALGORITHMS.sha512]);
const TRANSFORMS = new Set<string>([ALGORITHMS.envelopedSignature, ALGORITHMS.excC14n]);

function algorithmOf(parent: Element, localName: string): string {
  const el = childElements(parent, NS.dsig, localName)[0];
  return (el && attr(el, 'Algorithm')) ?? '(absent)';
}

/** ALG1/ALG2: only RSA-SHA256/512, SHA-256/512 digests, exclusive C14N without comments. */
export function checkAlgorithms(sig: Element): void {
  const where = `the ds:Signature in ${describe(sig.parentNode as Element)}`;
  const signedInfo = childElements(sig, NS.dsig, 'SignedInfo')[0]!;
  const c14n = algorithmOf(signedInfo, 'CanonicalizationMethod');
  if (c14n !== ALGORITHMS.excC14n) {
    reject('E_ALGORITHM', `${where} uses canonicalization ${c14n}; samlgate accepts only exclusive C14N without comments (${ALGORITHMS.excC14n})`);
  }
  const method = algorithmOf(signedInfo, 'SignatureMethod');
  if (!SIGNATURE_METHODS.has(method)) {
    reject('E_ALGORITHM', `${where} uses signature algorithm ${method}; samlgate accepts only ${[...SIGNATURE_METHODS].join(' or ')}: configure the IdP to sign with RSA-SHA256`);
  }
  const ref = childElements(signedInfo, NS.dsig, 'Reference')[0]!;
  const digest = algorithmOf(ref, 'DigestMethod');
  if (!DIGEST_METHODS.has(digest)) {
    reject('E_ALGORITHM', `${where} uses digest algorithm ${digest}; samlgate accepts only ${[...DIGEST_METHODS].join(' or ')}: configure the IdP to use SHA-256 digests`);
  }
  const transforms = childElements(ref, NS.dsig, 'Transforms')[0];
  for (const t of transforms ? childElements(transforms, NS.dsig, 'Transform') : []) {
    const alg = attr(t, 'Algorithm') ?? '(absent)';
    if (!TRANSFORMS.has(alg)) {
      reject('E_ALGORITHM', `${where} uses transform ${alg}; samlgate accepts only enveloped-signature and exclusive C14N`);
    }
  }
}

function fingerprint(cert: Certificate): string {
  return cert.x509.fingerprint256;
}

/**
 * Key pinning: a certificate in KeyInfo is never used as a key. When present it must be one of
 * the metadata certificates (a different one means the IdP rotated keys, or someone else signed).
 * Returns the certificates to try, the named one first.
 */
function pinnedCertificates(sig: Element, trusted: readonly Certificate[]): Certificate[] {
  if (trusted.length === 0) reject('E_SIGNATURE', 'no IdP signing certificate is configured: load the IdP metadata (it must contain a signing KeyDescriptor)');
  const keyInfo = childElements(sig, NS.dsig, 'KeyInfo')[0];
  if (!keyInfo) return [...trusted];
  const named = Array.from(keyInfo.getElementsByTagNameNS(NS.dsig, 'X509Certificate') as unknown as ArrayLike<Element>);
  if (named.length === 0) return [...trusted];
  const matches: Certificate[] = [];
  for (const el of named) {
    const body = (el.textContent ?? '').replace(/\s+/g, '');
    const match = trusted.find((c) => c.base64 === body);
    if (!match) {
      reject(
        'E_SIGNATURE',
        `the ds:Signature in ${describe(sig.parentNode as Element)} names a certificate in KeyInfo that is not in the IdP metadata (trusted: ${trusted.map(fingerprint).join(', ')}): if the IdP rotated its signing key, update the IdP metadata in samlgate`,
      );
    }
    if (!matches.includes(match)) matches.push(match);
  }
  return [...matches, ...trusted.filter((c) => !matches.includes(c))];
}

/**
 * Verifies the enveloped signature `sig` over its parent in `xml` with the pinned certificates.
 * Returns the canonical, post-transform bytes of the signed element (xml-crypto's
 * getSignedReferences()), which the caller parses and reads.
 */
export function verifyEnvelopedSignature(xml: string, sig: Element, trusted: readonly Certificate[]): string {
  const signed = sig.parentNode as Element;
  const where = `the ds:Signature on ${describe(signed)}`;
  const candidates = pinnedCertificates(sig, trusted);
  let digestMismatch = false;
  let lastError: string | null = null;
  for (const cert of candidates) {
    // getCertFromKeyInfo stays a no-op: the key comes from metadata only (CVE-2024-32962).
    const verifier = new SignedXml({ publicCert: cert.publicKey, getCertFromKeyInfo: () => null });
    let ok = false;
    try {
      verifier.loadSignature(sig);
      ok = verifier.checkSignature(xml);
    } catch (err) {
      lastError = (err as Error).message;
      continue;
    }
    if (ok) {
      const refs = verifier.getSignedReferences();
      if (refs.length !== 1 || !refs[0]) reject('E_SIGNATURE', `${where} verified but did not yield exactly one signed reference`);
      return refs[0];
    }
    if (verifier.getReferences().some((r) => r.validationError)) {
      digestMismatch = true;
      break; // the digest does not depend on the key: no other certificate can help
    }
  }
  if (digestMismatch) {
    reject('E_SIGNATURE', `${where} does not match the signed content (digest mismatch): the document was changed after the IdP signed it`);
  }
  reject(
    'E_SIGNATURE',
    `${where} does not verify with ${candidates.length === 1 ? 'the trusted IdP certificate' : `any of the ${candidates.length} trusted IdP certificates`} (${candidates.map(fingerprint).join(', ')})${lastError ? `: ${lastError}` : ''}; the IdP signs with a different key, or the document was changed after signing: check that the IdP metadata in samlgate is current`,
  );
}
