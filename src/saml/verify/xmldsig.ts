/**
 * The one XML-DSig verifier of samlgate (SP-SECURITY 10.2 steps 4-6). Every enveloped signature
 * the project checks goes through verifyEnvelopedSignature: login Responses and Assertions at the
 * ACS (and in the validator), signed AuthnRequests and LogoutRequests at the IdP. It checks its
 * own preconditions rather than trusting its caller, like xml-crypto does: the Signature has
 * exactly the shape SAML uses (xmldsig-core 4; no ds:Object, one Reference to its parent's ID),
 * the CanonicalizationMethod, SignatureMethod, DigestMethod and transforms are on the one
 * allow-list (src/saml/algorithms.ts, read through Maps), and the Reference is read back from the
 * canonical SignedInfo that the signature covers. Key pinning: KeyInfo is only compared with the
 * metadata certificates, never used as a key. It returns the canonical bytes of the signed
 * element, so callers read identity from what was signed ("see what is signed").
 */
import { createHash, timingSafeEqual, verify as cryptoVerify } from 'node:crypto';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { algorithmLabel, CANONICALIZATION_METHOD, digestHashOf, DIGEST_METHODS, REFERENCE_TRANSFORMS, signatureHashOf, SIGNATURE_METHODS } from '../algorithms.ts';
import { ALGORITHMS, NS } from '../constants.ts';
import type { Certificate } from '../keys.ts';
import { reject } from '../rejection.ts';
import { parseXml } from '../xml.ts';
import { attr, childElements, describe, elementChildren, is, optionalChild, textOf } from './dom.ts';

const TRANSFORMS = new Set<string>(REFERENCE_TRANSFORMS);

function algorithmOf(parent: Element, localName: string): string | null {
  const el = childElements(parent, NS.dsig, localName)[0];
  return el ? attr(el, 'Algorithm') : null;
}

function onlyChildren(parent: Element, allowed: ReadonlyArray<string>, where: string): void {
  for (const child of elementChildren(parent)) {
    if (!allowed.some((name) => is(child, NS.dsig, name))) {
      reject('E_STRUCT', `${where}: ${describe(parent)} contains an unexpected element {${child.namespaceURI ?? ''}}${child.localName}; samlgate accepts only ${allowed.join(', ')} there`, {
        claim: 'Signature',
        actual: child.localName ?? '',
        fix: 'sign with a standard enveloped signature (one SignedInfo, one Reference, no ds:Object)',
      });
    }
  }
}

/**
 * A ds:Signature has exactly the elements samlgate expects (xmldsig-core 4), and its single
 * Reference points at the element that directly contains it (an enveloped signature). Refusing
 * anything extra (a second SignedInfo, a decoy SignatureMethod in ds:Object) keeps every reader
 * looking at the same nodes.
 */
export function checkSignatureShape(sig: Element): void {
  const parent = sig.parentNode as Element;
  const where = `the ds:Signature in ${describe(parent)}`;
  onlyChildren(sig, ['SignedInfo', 'SignatureValue', 'KeyInfo'], where);
  const signedInfo = childElements(sig, NS.dsig, 'SignedInfo');
  const value = childElements(sig, NS.dsig, 'SignatureValue');
  if (signedInfo.length !== 1 || value.length !== 1) reject('E_STRUCT', `${where} must have exactly one SignedInfo and one SignatureValue`);
  optionalChild(sig, NS.dsig, 'KeyInfo', 'E_STRUCT');
  const si = signedInfo[0]!;
  onlyChildren(si, ['CanonicalizationMethod', 'SignatureMethod', 'Reference'], where);
  if (childElements(si, NS.dsig, 'CanonicalizationMethod').length !== 1 || childElements(si, NS.dsig, 'SignatureMethod').length !== 1) {
    reject('E_STRUCT', `${where} must have exactly one CanonicalizationMethod and one SignatureMethod`);
  }
  const refs = childElements(si, NS.dsig, 'Reference');
  if (refs.length !== 1) reject('E_STRUCT', `${where} has ${refs.length} References; samlgate accepts exactly one, to the signed element itself`);
  const ref = refs[0]!;
  onlyChildren(ref, ['Transforms', 'DigestMethod', 'DigestValue'], where);
  if (childElements(ref, NS.dsig, 'DigestMethod').length !== 1 || childElements(ref, NS.dsig, 'DigestValue').length !== 1) {
    reject('E_STRUCT', `${where} must have exactly one DigestMethod and DigestValue`);
  }
  optionalChild(ref, NS.dsig, 'Transforms', 'E_STRUCT');
  const parentId = attr(parent, 'ID');
  const uri = attr(ref, 'URI');
  if (!parentId || uri !== `#${parentId}`) {
    reject('E_STRUCT', `${where} references URI=${uri === null ? '(absent)' : JSON.stringify(uri)}, expected "#${parentId ?? ''}": a signature must sign the element that contains it (possible signature wrapping)`, {
      claim: 'Reference URI',
      expected: `#${parentId ?? ''}`,
      actual: uri ?? '(absent)',
    });
  }
}

/** ALG1/ALG2 on the signature's own SignedInfo: the one allow-list, before any crypto. */
export function checkAlgorithms(sig: Element): void {
  const where = `the ds:Signature in ${describe(sig.parentNode as Element)}`;
  const signedInfo = childElements(sig, NS.dsig, 'SignedInfo')[0];
  if (!signedInfo) reject('E_STRUCT', `${where} has no SignedInfo`);
  const c14n = algorithmOf(signedInfo, 'CanonicalizationMethod') ?? '(absent)';
  if (c14n !== CANONICALIZATION_METHOD) {
    reject('E_ALGORITHM', `${where} uses canonicalization ${algorithmLabel(c14n)}; samlgate accepts only exclusive C14N without comments (${CANONICALIZATION_METHOD})`, {
      claim: 'CanonicalizationMethod', expected: CANONICALIZATION_METHOD, actual: c14n, fix: 'configure the IdP to canonicalize with exclusive C14N (xml-exc-c14n#)',
    });
  }
  const method = algorithmOf(signedInfo, 'SignatureMethod') ?? '(absent)';
  if (!signatureHashOf(method)) {
    reject('E_ALGORITHM', `${where} uses signature algorithm ${algorithmLabel(method)}; samlgate accepts only ${[...SIGNATURE_METHODS.keys()].join(' or ')}`, {
      claim: 'SignatureMethod', expected: ALGORITHMS.rsaSha256, actual: method, fix: 'configure the IdP to sign with RSA-SHA256',
    });
  }
  for (const ref of childElements(signedInfo, NS.dsig, 'Reference')) {
    const digest = algorithmOf(ref, 'DigestMethod') ?? '(absent)';
    if (!digestHashOf(digest)) {
      reject('E_ALGORITHM', `${where} uses digest algorithm ${algorithmLabel(digest)}; samlgate accepts only ${[...DIGEST_METHODS.keys()].join(' or ')}`, {
        claim: 'DigestMethod', expected: ALGORITHMS.sha256, actual: digest, fix: 'configure the IdP to use SHA-256 digests',
      });
    }
    const transforms = childElements(ref, NS.dsig, 'Transforms')[0];
    for (const t of transforms ? childElements(transforms, NS.dsig, 'Transform') : []) {
      const alg = attr(t, 'Algorithm') ?? '(absent)';
      if (!TRANSFORMS.has(alg)) {
        reject('E_ALGORITHM', `${where} uses transform ${algorithmLabel(alg)}; samlgate accepts only enveloped-signature and exclusive C14N`, { claim: 'Transform', actual: alg });
      }
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
        { claim: 'KeyInfo', fix: 'if the IdP rotated its signing key, give samlgate/TFE the new IdP metadata' },
      );
    }
    if (!matches.includes(match)) matches.push(match);
  }
  return [...matches, ...trusted.filter((c) => !matches.includes(c))];
}

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
  // Preconditions, checked here whatever the caller already did.
  checkSignatureShape(sig);
  checkAlgorithms(sig);
  const candidates = pinnedCertificates(sig, trusted);

  const domSignedInfo = childElements(sig, NS.dsig, 'SignedInfo')[0]!;
  const signedInfoBytes = canonicalize(domSignedInfo, inclusivePrefixes(childElements(domSignedInfo, NS.dsig, 'CanonicalizationMethod')[0]));
  const signedInfo = parseXml(signedInfoBytes).documentElement;
  const refs = childElements(signedInfo, NS.dsig, 'Reference');
  if (refs.length !== 1) reject('E_STRUCT', `${where}: its canonical SignedInfo has ${refs.length} References, expected one`);
  if (algorithmOf(signedInfo, 'CanonicalizationMethod') !== CANONICALIZATION_METHOD) reject('E_ALGORITHM', `${where}: its canonical SignedInfo names another canonicalization`);
  const ref = refs[0];
  const id = attr(signed, 'ID');
  if (!ref || !id || attr(ref, 'URI') !== `#${id}`) reject('E_STRUCT', `${where}: its canonical SignedInfo does not reference the signed element`);
  const transforms = childElements(childElements(ref, NS.dsig, 'Transforms')[0] ?? ref, NS.dsig, 'Transform');
  const algorithms = transforms.map((t) => attr(t, 'Algorithm'));
  if (algorithms.length !== 2 || algorithms[0] !== ALGORITHMS.envelopedSignature || algorithms[1] !== ALGORITHMS.excC14n) {
    reject('E_ALGORITHM', `${where} applies the transforms ${JSON.stringify(algorithms)}; samlgate accepts exactly enveloped-signature followed by exclusive C14N, as SAML IdPs sign`);
  }
  const digestMethods = childElements(ref, NS.dsig, 'DigestMethod');
  const signatureMethods = childElements(signedInfo, NS.dsig, 'SignatureMethod');
  const digestHash = digestMethods.length === 1 ? digestHashOf(attr(digestMethods[0]!, 'Algorithm')) : undefined;
  const signatureHash = signatureMethods.length === 1 ? signatureHashOf(attr(signatureMethods[0]!, 'Algorithm')) : undefined;
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

/**
 * The enveloped signature of a document's root element (HTTP-POST binding: a signed AuthnRequest
 * or LogoutRequest, SAML bindings 3.5.4), through the same verifier as login responses: exactly
 * one ds:Signature as a direct child of the root, its Reference to the root's ID.
 */
export function verifyRootSignature(doc: Document, certificates: readonly Certificate[]): string {
  const root = doc.documentElement;
  const signatures = childElements(root, NS.dsig, 'Signature');
  if (signatures.length === 0) reject('E_SIGNATURE', `the ${root.localName} is not signed`);
  if (signatures.length > 1) reject('E_STRUCT', `the ${root.localName} carries ${signatures.length} signatures`);
  const elsewhere = Array.from(root.getElementsByTagNameNS(NS.dsig, 'Signature') as unknown as ArrayLike<Element>).filter((s) => s.parentNode !== root);
  if (elsewhere.length) reject('E_STRUCT', `the ${root.localName} carries a ds:Signature inside ${describe(elsewhere[0]!.parentNode as Element)}; only the message-level signature is accepted (SP-SECURITY SLO2)`);
  return verifyEnvelopedSignature(signatures[0]!, certificates);
}
