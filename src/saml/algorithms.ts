/**
 * The one algorithm allow-list for every signature samlgate checks: enveloped XML signatures on
 * login responses, assertions, AuthnRequests and logout messages (xmldsig.ts), and the detached
 * signatures of the HTTP-Redirect binding (sign.ts). SP-SECURITY ALG1/ALG2: no SHA-1, no HMAC,
 * only exclusive C14N without comments. Lookups go through Maps, never through `obj[name]`, so an
 * algorithm URI such as `constructor` or `__proto__` cannot find an inherited property.
 */
import { ALGORITHMS } from './constants.ts';

/** SignatureMethod / SigAlg URI -> node's digest name for an RSA PKCS#1 v1.5 signature. */
export const SIGNATURE_METHODS: ReadonlyMap<string, 'sha256' | 'sha512'> = new Map([
  [ALGORITHMS.rsaSha256, 'sha256'],
  [ALGORITHMS.rsaSha512, 'sha512'],
]);

/** DigestMethod URI -> node's hash name. */
export const DIGEST_METHODS: ReadonlyMap<string, 'sha256' | 'sha512'> = new Map([
  [ALGORITHMS.sha256, 'sha256'],
  [ALGORITHMS.sha512, 'sha512'],
]);

export const CANONICALIZATION_METHOD = ALGORITHMS.excC14n;

/** The Reference transforms SAML IdPs apply (SAML core 5.4.3, 5.4.4), in this order. */
export const REFERENCE_TRANSFORMS = [ALGORITHMS.envelopedSignature, ALGORITHMS.excC14n] as const;

/** Algorithms people meet in the field, named for messages ("rsa-sha1 is not allowed"). */
const KNOWN_WEAK = new Map<string, string>([
  ['http://www.w3.org/2000/09/xmldsig#rsa-sha1', 'RSA-SHA1'],
  ['http://www.w3.org/2000/09/xmldsig#sha1', 'SHA-1'],
  ['http://www.w3.org/2000/09/xmldsig#hmac-sha1', 'HMAC-SHA1'],
  ['http://www.w3.org/2001/10/xml-exc-c14n#WithComments', 'exclusive C14N with comments'],
  ['http://www.w3.org/TR/2001/REC-xml-c14n-20010315', 'inclusive C14N'],
]);

export function algorithmLabel(uri: string): string {
  const name = KNOWN_WEAK.get(uri);
  return name ? `${name} (${uri})` : uri;
}

export function signatureHashOf(uri: string | null | undefined): 'sha256' | 'sha512' | undefined {
  return uri == null ? undefined : SIGNATURE_METHODS.get(uri);
}

export function digestHashOf(uri: string | null | undefined): 'sha256' | 'sha512' | undefined {
  return uri == null ? undefined : DIGEST_METHODS.get(uri);
}
