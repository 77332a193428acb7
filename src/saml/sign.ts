/**
 * XML signatures for messages samlgate issues, and the HTTP-Redirect binding's detached
 * signatures. Keys arrive as KeyObjects parsed once (src/saml/keys.ts): a PEM string would be
 * re-parsed on every signature (DESIGN 5, performance).
 */
import { createHash, createSign, createVerify, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { signatureHashOf } from './algorithms.ts';
import { ALGORITHMS, NS } from './constants.ts';
import type { Certificate, SigningCredentials } from './keys.ts';
import { decodeBase64Strict, decodeUtf8Strict } from './encoding.ts';
import { reject } from './rejection.ts';
import { escapeXml } from './xml.ts';

export type SignableElement = 'Response' | 'Assertion' | 'LogoutRequest' | 'LogoutResponse' | 'AuthnRequest';

const ELEMENT_NS: Record<SignableElement, string> = {
  Response: NS.protocol,
  Assertion: NS.assertion,
  LogoutRequest: NS.protocol,
  LogoutResponse: NS.protocol,
  AuthnRequest: NS.protocol,
};

const C14N = new ExclusiveCanonicalization();

/** Signature algorithms the IdP can sign with; rsa-sha1 exists only for the signature-sha1 fault. */
export type XmlSignatureAlgorithm = 'rsa-sha256' | 'rsa-sha512' | 'rsa-sha1';

/** SignatureMethod, DigestMethod and node's hash name per algorithm (XML-DSig 6.4, RFC 6931 2.1.3/2.3.2). */
export const XML_SIGNATURE_ALGORITHMS: Record<XmlSignatureAlgorithm, { signatureMethod: string; digestMethod: string; hash: string }> = {
  'rsa-sha256': { signatureMethod: ALGORITHMS.rsaSha256, digestMethod: ALGORITHMS.sha256, hash: 'sha256' },
  'rsa-sha512': { signatureMethod: ALGORITHMS.rsaSha512, digestMethod: ALGORITHMS.sha512, hash: 'sha512' },
  'rsa-sha1': { signatureMethod: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1', digestMethod: 'http://www.w3.org/2000/09/xmldsig#sha1', hash: 'sha1' },
};

/** Exclusive C14N of an element (no InclusiveNamespaces, so the canonicaliser leaves it intact). */
function canonical(el: Element): string {
  return C14N.process(el, { inclusiveNamespacesPrefixList: [], ancestorNamespaces: [], defaultNsForPrefix: {} });
}

/** Offset just past the start tag that begins at `from` (attribute values may hold '>' only escaped, but be exact). */
function endOfStartTag(xml: string, from: number): number {
  let quote: string | null = null;
  for (let i = from; i < xml.length; i++) {
    const c = xml[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '>') {
      return i + 1;
    }
  }
  throw new Error('unterminated start tag');
}

/**
 * Signs the document's root element, which must be `elementLocalName`, as an enveloped signature
 * (exclusive C14N, RSA-SHA256 with a SHA-256 digest unless `algorithm` says otherwise) and returns the document with the ds:Signature
 * right after the root's own saml:Issuer, where the schema puts it (SAML core 5.4.1), or as its
 * first child when it has none.
 *
 * Done by hand rather than with xml-crypto's computeSignature, which re-parses, deep-clones and
 * XPath-scans the document several times per signature (two thirds of issuance time): here the
 * document is parsed once, canonicalised with xml-crypto's canonicaliser, and the Signature is
 * spliced into the original text. The SignedInfo that is signed is itself the canonical form of
 * the one written out (computed, not assumed), and the IdP tests check every output with xmlsec1.
 */
export function signElement(xml: string, o: { credentials: SigningCredentials; elementLocalName: SignableElement; algorithm?: XmlSignatureAlgorithm }): string {
  const { credentials, elementLocalName } = o;
  const alg = XML_SIGNATURE_ALGORITHMS[o.algorithm ?? 'rsa-sha256'];
  const doc = new DOMParser().parseFromString(xml, 'text/xml') as unknown as Document;
  const root = doc.documentElement;
  if (!root || root.localName !== elementLocalName || root.namespaceURI !== ELEMENT_NS[elementLocalName]) {
    throw new Error(`signElement: the document's root is not a ${elementLocalName}`);
  }
  const id = root.getAttribute('ID');
  if (!id) throw new Error(`signElement: the ${elementLocalName} has no ID`);

  const digest = createHash(alg.hash).update(canonical(root), 'utf8').digest('base64');
  const signedInfoXml =
    `<ds:SignedInfo xmlns:ds="${NS.dsig}">` +
    `<ds:CanonicalizationMethod Algorithm="${ALGORITHMS.excC14n}"/>` +
    `<ds:SignatureMethod Algorithm="${alg.signatureMethod}"/>` +
    `<ds:Reference URI="#${escapeXml(id)}"><ds:Transforms>` +
    `<ds:Transform Algorithm="${ALGORITHMS.envelopedSignature}"/><ds:Transform Algorithm="${ALGORITHMS.excC14n}"/>` +
    `</ds:Transforms><ds:DigestMethod Algorithm="${alg.digestMethod}"/><ds:DigestValue>${digest}</ds:DigestValue></ds:Reference>` +
    `</ds:SignedInfo>`;
  const signedInfo = canonical((new DOMParser().parseFromString(signedInfoXml, 'text/xml') as unknown as Document).documentElement);
  const value = cryptoSign(alg.hash, Buffer.from(signedInfo, 'utf8'), credentials.privateKey).toString('base64');
  // The canonical SignedInfo is written out as is; its xmlns:ds moves up to the Signature.
  const signature =
    `<ds:Signature xmlns:ds="${NS.dsig}">${signedInfo.replace(` xmlns:ds="${NS.dsig}"`, '')}` +
    `<ds:SignatureValue>${value}</ds:SignatureValue>` +
    `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>${credentials.certificate.base64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>` +
    `</ds:Signature>`;

  let at = endOfStartTag(xml, xml.indexOf(`<${root.tagName}`));
  let first = root.firstChild;
  while (first && first.nodeType !== 1) first = first.nextSibling;
  const issuer = first as Element | null;
  if (issuer && issuer.localName === 'Issuer' && issuer.namespaceURI === NS.assertion) {
    // Issuer holds text only, so the first end tag after its start tag is its own.
    const afterStart = endOfStartTag(xml, xml.indexOf(`<${issuer.tagName}`, at));
    const close = `</${issuer.tagName}>`;
    at = xml[afterStart - 2] === '/' ? afterStart : xml.indexOf(close, afterStart) + close.length;
  }
  return xml.slice(0, at) + signature + xml.slice(at);
}

// ---------------------------------------------------------------------------------------------
// HTTP-Redirect binding (SAML bindings 3.4.4): DEFLATE + base64 in the query string, and a
// detached signature over the raw octets `SAMLRequest=..&RelayState=..&SigAlg=..` (3.4.4.1).

export type RedirectMessageType = 'SAMLRequest' | 'SAMLResponse';
export const REDIRECT_SIG_ALGS = [ALGORITHMS.rsaSha256, ALGORITHMS.rsaSha512] as const;
export type RedirectSigAlg = (typeof REDIRECT_SIG_ALGS)[number];

const NODE_HASH: Record<RedirectSigAlg, string> = {
  [ALGORITHMS.rsaSha256]: 'RSA-SHA256',
  [ALGORITHMS.rsaSha512]: 'RSA-SHA512',
};

/**
 * A 2 KiB window and a small hash table: a SAML request or logout message is a few hundred bytes,
 * so it compresses to the same bytes as with zlib's defaults (32 KiB window, 64 KiB hash), while
 * each call allocates and clears ~20 KiB of state instead of ~330 KiB. GET /session's AuthnRequest
 * no longer comes through here (src/saml/deflate-template.ts compresses it once per SP); this serves
 * the logout messages. Any inflater reads it: the window size is not part of a raw stream.
 */
const REDIRECT_DEFLATE = { windowBits: 11, memLevel: 4 } as const;

/** DEFLATE (raw, RFC 1951) then base64, as the Redirect binding carries a message (3.4.4.1). */
export function encodeRedirectMessage(xml: string): string {
  return deflateRawSync(Buffer.from(xml, 'utf8'), REDIRECT_DEFLATE).toString('base64');
}

/** Strict base64 (B64-1..4), bounded inflate (INFL1) and fatal UTF-8 decoding (UTF1). */
export function decodeRedirectMessage(value: string, maxInflatedBytes = 64 * 1024): string {
  const raw = decodeBase64Strict(value);
  let inflated: Buffer;
  try {
    inflated = inflateRawSync(raw, { maxOutputLength: maxInflatedBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') reject('E_TRANSPORT', `the inflated message is larger than ${maxInflatedBytes} bytes`);
    reject('E_TRANSPORT', 'the message is not valid DEFLATE data (HTTP-Redirect binding requires raw DEFLATE + base64)');
  }
  return decodeUtf8Strict(inflated);
}

/** HTTP-POST binding: plain base64 of the XML (bindings 3.5.4). */
export function decodePostMessage(value: string, maxBytes = 256 * 1024): string {
  const raw = decodeBase64Strict(value);
  if (raw.length > maxBytes) reject('E_TRANSPORT', `the message is larger than ${maxBytes} bytes`);
  return decodeUtf8Strict(raw);
}

/**
 * Builds a Redirect-binding query string (without the leading `?`). `message` is the already
 * encoded (DEFLATE + base64) value. With a key it is signed: the octets signed are exactly the
 * octets sent (3.4.4.1); with `privateKey: null` it carries no SigAlg and no Signature, as an SP
 * that does not sign its requests sends them (the admin setting authn-requests-signed=false).
 */
export function redirectQuery(o: {
  type: RedirectMessageType;
  message: string;
  relayState?: string | null;
  privateKey: KeyObject | null;
  sigAlg?: RedirectSigAlg;
}): string {
  let query = `${o.type}=${encodeURIComponent(o.message)}`;
  if (o.relayState !== undefined && o.relayState !== null) query += `&RelayState=${encodeURIComponent(o.relayState)}`;
  if (o.privateKey === null) return query;
  const sigAlg = o.sigAlg ?? ALGORITHMS.rsaSha256;
  query += `&SigAlg=${encodeURIComponent(sigAlg)}`;
  const signature = createSign(NODE_HASH[sigAlg]).update(query, 'utf8').sign(o.privateKey).toString('base64');
  return `${query}&Signature=${encodeURIComponent(signature)}`;
}

/** A signed Redirect-binding query string (see redirectQuery). */
export function signRedirectQuery(o: { type: RedirectMessageType; message: string; relayState?: string | null; privateKey: KeyObject; sigAlg?: RedirectSigAlg }): string {
  return redirectQuery(o);
}

export interface RedirectQuery {
  type: RedirectMessageType;
  /** Decoded parameter values. */
  message: string;
  relayState: string | null;
  sigAlg: string | null;
  signature: string | null;
  /** The raw (still URL-encoded) octets to verify, rebuilt from the received parameters. */
  signedOctets: string | null;
}

/**
 * Splits a raw query string, keeping each parameter's original encoding: the signature covers
 * the octets the sender produced, which re-encoding would not reproduce (bindings 3.4.4.1).
 * Every SAML parameter may appear once (PARAM1).
 */
export function parseRedirectQuery(rawQuery: string, type: RedirectMessageType): RedirectQuery {
  const raw = new Map<string, string>();
  for (const part of rawQuery.replace(/^\?/, '').split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = safeDecode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : part.slice(eq + 1);
    if (![type, 'RelayState', 'SigAlg', 'Signature'].includes(name)) continue;
    if (raw.has(name)) reject('E_TRANSPORT', `the query string carries ${name} more than once`);
    raw.set(name, value);
  }
  const message = raw.get(type);
  if (message === undefined) reject('E_TRANSPORT', `the query string has no ${type}`);
  const relay = raw.get('RelayState');
  const sigAlg = raw.get('SigAlg');
  const signature = raw.get('Signature');
  let signedOctets: string | null = null;
  if (sigAlg !== undefined) {
    signedOctets = `${type}=${message}`;
    if (relay !== undefined) signedOctets += `&RelayState=${relay}`;
    signedOctets += `&SigAlg=${sigAlg}`;
  }
  return {
    type,
    message: safeDecode(message),
    relayState: relay === undefined ? null : safeDecode(relay),
    sigAlg: sigAlg === undefined ? null : safeDecode(sigAlg),
    signature: signature === undefined ? null : safeDecode(signature),
    signedOctets,
  };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    reject('E_TRANSPORT', 'the query string is not valid percent-encoding');
  }
}

/**
 * Verifies the detached signature of a Redirect-binding message against the registered
 * certificates, through the one allow-list (SP-SECURITY ALG1).
 */
export function verifyRedirectSignature(query: RedirectQuery, certificates: readonly Certificate[]): void {
  if (query.signature === null || query.sigAlg === null || query.signedOctets === null) reject('E_SIGNATURE', `the ${query.type} is not signed (no Signature/SigAlg parameters)`);
  // The same allow-list as enveloped signatures (src/saml/algorithms.ts).
  const hash = signatureHashOf(query.sigAlg);
  if (!hash) reject('E_ALGORITHM', `SigAlg ${query.sigAlg} is not allowed (use ${ALGORITHMS.rsaSha256})`, { claim: 'SigAlg', expected: ALGORITHMS.rsaSha256, actual: query.sigAlg, fix: 'sign Redirect-binding messages with RSA-SHA256' });
  const signature = decodeBase64Strict(query.signature);
  for (const cert of certificates) {
    if (cert.publicKey.asymmetricKeyType !== 'rsa') continue;
    const ok = createVerify(hash).update(query.signedOctets, 'utf8').verify(cert.publicKey, signature);
    if (ok) return;
  }
  reject('E_SIGNATURE', `the ${query.type}'s query signature does not verify with the registered certificate`);
}
