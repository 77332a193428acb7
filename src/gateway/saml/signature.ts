/**
 * Signature checks for the ACS: an algorithm allow-list read before any crypto (ALG1, ALG2),
 * key pinning to the IdP metadata certificates (KeyInfo is only compared, never trusted), and
 * verification (xml-crypto's canonicaliser, node's crypto) that returns the canonical bytes the
 * signature covers, so the caller reads identity from what was signed, never from the unverified
 * DOM ("see what is signed").
 */
import { createHash, timingSafeEqual, verify as cryptoVerify } from 'node:crypto';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { ALGORITHMS, NS } from '../../saml/constants.ts';
import type { Certificate } from '../../saml/keys.ts';
import { reject } from '../../saml/rejection.ts';
import { parseXml } from '../../saml/xml.ts';
import { attr, childElements, describe, textOf } from './dom.ts';

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

const HASH_OF_DIGEST: Record<string, string> = { [ALGORITHMS.sha256]: 'sha256', [ALGORITHMS.sha512]: 'sha512' };
const HASH_OF_SIGNATURE: Record<string, string> = { [ALGORITHMS.rsaSha256]: 'sha256', [ALGORITHMS.rsaSha512]: 'sha512' };
const C14N = new ExclusiveCanonicalization();
const EC_NS = ALGORITHMS.excC14n;

/** The PrefixList of an InclusiveNamespaces child (exc-c14n's "treat these as inclusive"). */
function inclusivePrefixes(method: Element | undefined): string[] {
  const inclusive = method ? childElements(method, EC_NS, 'InclusiveNamespaces')[0] : undefined;
  const list = inclusive ? attr(inclusive, 'PrefixList') : null;
  return list ? list.split(/[\x20\x09\x0d\x0a]+/).filter((p) => p !== '') : [];
}

/**
 * Namespace declarations in scope at `el` from its ancestors, nearest first, minus those `el`
 * declares or uses itself (exc-c14n renders those anyway). Only the InclusiveNamespaces prefixes
 * ever draw on this list; the same rule as xml-crypto's findAncestorNs.
 */
function ancestorNamespaces(el: Element): { prefix: string; namespaceURI: string }[] {
  const own = new Set<string>([el.prefix ?? '']);
  for (let i = 0; i < el.attributes.length; i++) {
    const a = el.attributes.item(i)!;
    if (a.name === 'xmlns' || a.prefix === 'xmlns') own.add(a.prefix === 'xmlns' ? a.localName! : '');
  }
  const seen = new Map<string, string>();
  for (let n = el.parentNode; n && n.nodeType === 1; n = n.parentNode) {
    const attrs = (n as Element).attributes;
    for (let i = 0; i < attrs.length; i++) {
      const a = attrs.item(i)!;
      const prefix = a.name === 'xmlns' ? '' : a.prefix === 'xmlns' ? a.localName! : null;
      if (prefix !== null && !seen.has(prefix)) seen.set(prefix, a.value);
    }
  }
  return [...seen].filter(([prefix, uri]) => uri !== '' && !own.has(prefix)).map(([prefix, namespaceURI]) => ({ prefix, namespaceURI }));
}

/** Exclusive C14N (without comments) of a copy of `el`: the canonicaliser writes into its input. */
function canonicalize(el: Element, prefixes: string[], removeChild?: Element): string {
  const copy = el.cloneNode(true) as Element;
  if (removeChild) {
    // The enveloped-signature transform: the same child, found by position in the copy.
    const index = Array.prototype.indexOf.call(el.childNodes, removeChild);
    copy.removeChild(copy.childNodes[index]!);
  }
  return C14N.process(copy, {
    inclusiveNamespacesPrefixList: prefixes,
    ancestorNamespaces: ancestorNamespaces(el),
    defaultNsForPrefix: {},
  });
}

/** ds:DigestValue and ds:SignatureValue are base64Binary: IdPs line-wrap them. */
function base64Value(el: Element | undefined): Buffer {
  return Buffer.from((el ? textOf(el) ?? '' : '').replace(/[\x20\x09\x0d\x0a]/g, ''), 'base64');
}

function digestEquals(computed: Buffer, expected: Buffer): boolean {
  return expected.length === computed.length && timingSafeEqual(expected, computed);
}

/**
 * Verifies the enveloped signature `sig` over its parent with the pinned certificates and returns
 * the canonical bytes of the signed element, which the caller parses and reads ("see what is
 * signed"). This is xmldsig core validation for the one shape checkStructure and
 * checkAlgorithms leave standing: one Reference to the parent's ID, enveloped-signature then
 * exclusive C14N. Done here on the DOM already parsed, instead of xml-crypto's checkSignature,
 * which re-parses the document and finds the referenced element with whole-document XPath scans
 * (two thirds of the ACS's CPU); the canonicaliser is still xml-crypto's.
 *
 * Like xml-crypto, the Reference is read back from the canonical SignedInfo (what the signature
 * covers), not from the DOM it was canonicalised from.
 */
export function verifyEnvelopedSignature(sig: Element, trusted: readonly Certificate[]): string {
  const signed = sig.parentNode as Element;
  const where = `the ds:Signature on ${describe(signed)}`;
  const candidates = pinnedCertificates(sig, trusted);

  const domSignedInfo = childElements(sig, NS.dsig, 'SignedInfo')[0]!;
  const signedInfoBytes = canonicalize(domSignedInfo, inclusivePrefixes(childElements(domSignedInfo, NS.dsig, 'CanonicalizationMethod')[0]));
  const signedInfo = parseXml(signedInfoBytes).documentElement;
  const ref = childElements(signedInfo, NS.dsig, 'Reference')[0];
  const id = attr(signed, 'ID');
  if (!ref || !id || attr(ref, 'URI') !== `#${id}`) reject('E_STRUCT', `${where}: its canonical SignedInfo does not reference the signed element`);
  const transforms = childElements(childElements(ref, NS.dsig, 'Transforms')[0] ?? ref, NS.dsig, 'Transform');
  const algorithms = transforms.map((t) => attr(t, 'Algorithm'));
  if (algorithms.length !== 2 || algorithms[0] !== ALGORITHMS.envelopedSignature || algorithms[1] !== ALGORITHMS.excC14n) {
    reject('E_ALGORITHM', `${where} applies the transforms ${JSON.stringify(algorithms)}; samlgate accepts exactly enveloped-signature followed by exclusive C14N, as SAML IdPs sign`);
  }
  const digestHash = HASH_OF_DIGEST[attr(childElements(ref, NS.dsig, 'DigestMethod')[0]!, 'Algorithm') ?? ''];
  const signatureHash = HASH_OF_SIGNATURE[attr(childElements(signedInfo, NS.dsig, 'SignatureMethod')[0]!, 'Algorithm') ?? ''];
  if (!digestHash || !signatureHash) reject('E_ALGORITHM', `${where}: its canonical SignedInfo names an algorithm samlgate does not accept`);

  // Reference validation: the digest does not depend on the key, so it is checked once.
  const signedBytes = canonicalize(signed, inclusivePrefixes(transforms[1]), sig);
  const digestValue = base64Value(childElements(ref, NS.dsig, 'DigestValue')[0]);
  if (!digestEquals(createHash(digestHash).update(signedBytes, 'utf8').digest(), digestValue)) {
    reject('E_SIGNATURE', `${where} does not match the signed content (digest mismatch): the document was changed after the IdP signed it`);
  }

  // Signature validation over the canonical SignedInfo, with each pinned key.
  const signature = base64Value(childElements(sig, NS.dsig, 'SignatureValue')[0]);
  const data = Buffer.from(signedInfoBytes, 'utf8');
  for (const cert of candidates) {
    // SignatureMethod says RSA: an EC key must not turn this into an ECDSA check.
    if (cert.publicKey.asymmetricKeyType !== 'rsa') continue;
    if (cryptoVerify(signatureHash, data, cert.publicKey, signature)) return signedBytes;
  }
  reject(
    'E_SIGNATURE',
    `${where} does not verify with ${candidates.length === 1 ? 'the trusted IdP certificate' : `any of the ${candidates.length} trusted IdP certificates`} (${candidates.map(fingerprint).join(', ')}); the IdP signs with a different key, or the document was changed after signing: check that the IdP metadata in samlgate is current`,
  );
}
