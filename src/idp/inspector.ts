/**
 * The recent-responses inspector: the last responses the IdP sent, in a bounded ring (oldest
 * dropped first), with what a tester asks when a login fails: which SP, which user, which faults,
 * what exactly was sent (pretty-printed, and the Assertion before encryption), and whether its
 * signatures verify. Verification runs when the page is viewed, never on the issuance path, with
 * xml-crypto against the IdP's own certificate (a second implementation besides our signer).
 */
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import type { FaultName } from '../config.ts';
import { NS } from '../saml/constants.ts';
import type { Certificate } from '../saml/keys.ts';

export interface IssuedRecord {
  /** Response ID. */
  id: string;
  at: number;
  kind: 'login' | 'no-passive' | 'logout-request' | 'logout-response';
  sp: string;
  username: string | null;
  inResponseTo: string | null;
  faults: FaultName[];
  encryption: string | null;
  /** The document as sent (base64-decoded SAMLResponse/SAMLRequest). */
  xml: string;
  /** The signed Assertion before encryption, when it was encrypted. */
  plaintextAssertion: string | null;
}

export type SignatureStatus = 'valid' | 'invalid' | 'unsigned';

export class ResponseRing {
  private readonly items: IssuedRecord[] = [];
  constructor(readonly capacity = 50) {}

  add(r: IssuedRecord): void {
    this.items.push(r);
    if (this.items.length > this.capacity) this.items.shift();
  }

  /** Newest first. */
  list(): IssuedRecord[] {
    return [...this.items].reverse();
  }

  get(id: string): IssuedRecord | undefined {
    return this.items.find((r) => r.id === id);
  }
}

function directSignature(el: Element): Element | null {
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).localName === 'Signature' && (n as Element).namespaceURI === NS.dsig) return n as Element;
  }
  return null;
}

/** Status of the enveloped signature of the first `localName` element in `xml`. */
export function signatureStatus(xml: string, localName: 'Response' | 'Assertion' | 'LogoutRequest' | 'LogoutResponse', certificates: readonly Certificate[]): SignatureStatus | null {
  const doc = new DOMParser({ errorHandler: { warning: () => {}, error: () => {}, fatalError: () => {} } }).parseFromString(xml, 'text/xml') as unknown as Document;
  const ns = localName === 'Assertion' ? NS.assertion : NS.protocol;
  const el = doc.getElementsByTagNameNS(ns, localName)[0];
  if (!el) return null;
  const sig = directSignature(el);
  if (!sig) return 'unsigned';
  for (const cert of certificates) {
    try {
      const signed = new SignedXml({ publicCert: cert.publicKey, getCertFromKeyInfo: () => null });
      signed.loadSignature(sig);
      if (signed.checkSignature(xml)) return 'valid';
    } catch {
      // xml-crypto throws on a digest mismatch or an algorithm it will not use: not valid.
    }
  }
  return 'invalid';
}

/** Indented XML for reading (text-only elements stay on one line). Never re-signed or sent. */
export function prettyXml(xml: string): string {
  const doc = new DOMParser({ errorHandler: { warning: () => {}, error: () => {}, fatalError: () => {} } }).parseFromString(xml, 'text/xml') as unknown as Document;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const attrEsc = (s: string) => esc(s).replace(/"/g, '&quot;');
  const out: string[] = [];
  const walk = (node: Node, depth: number) => {
    const pad = '  '.repeat(depth);
    if (node.nodeType === 3) {
      const t = (node.nodeValue ?? '').trim();
      if (t) out.push(pad + esc(t));
      return;
    }
    if (node.nodeType !== 1) return;
    const el = node as Element;
    const attrs = Array.from(el.attributes).map((a) => ` ${a.name}="${attrEsc(a.value)}"`).join('');
    const kids = Array.from(el.childNodes).filter((c) => c.nodeType === 1 || (c.nodeType === 3 && (c.nodeValue ?? '').trim() !== ''));
    if (kids.length === 0) out.push(`${pad}<${el.tagName}${attrs}/>`);
    else if (kids.length === 1 && kids[0]!.nodeType === 3) out.push(`${pad}<${el.tagName}${attrs}>${esc((kids[0]!.nodeValue ?? '').trim())}</${el.tagName}>`);
    else {
      out.push(`${pad}<${el.tagName}${attrs}>`);
      for (const k of kids) walk(k, depth + 1);
      out.push(`${pad}</${el.tagName}>`);
    }
  };
  if (doc?.documentElement) walk(doc.documentElement, 0);
  return out.join('\n');
}
