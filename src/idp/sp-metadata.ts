/**
 * What the IdP takes from an SP's metadata beyond the shared parse (src/saml/metadata.ts): the
 * encryption certificate (KeyDescriptor use="encryption", or one without `use`: metadata
 * 2.4.1.1) and the SingleLogoutService binding, Redirect preferred, else POST.
 */
import { BINDING, NS } from '../saml/constants.ts';
import { childElements } from '../saml/dom.ts';
import { certificateFromBase64, type Certificate } from '../saml/keys.ts';
import { MetadataError, parseSpMetadata } from '../saml/metadata.ts';
import type { SpTrust } from '../saml/trust.ts';
import { parseXml } from '../saml/xml.ts';

export type SloBinding = 'redirect' | 'post';

export interface SpMetadataFacts {
  trust: SpTrust;
  encryptionCertificate: Certificate | null;
  sloBinding: SloBinding;
}

function spDescriptor(doc: Document, entityId: string): Element | null {
  const stack: Element[] = [doc.documentElement];
  while (stack.length) {
    const el = stack.pop()!;
    if (el.localName === 'EntityDescriptor' && el.getAttribute('entityID') === entityId) return childElements(el, NS.metadata, 'SPSSODescriptor')[0] ?? null;
    for (const c of childElements(el, NS.metadata, 'EntityDescriptor')) stack.push(c);
  }
  return null;
}

export function readSpMetadata(xml: string): SpMetadataFacts {
  const trust = parseSpMetadata(xml);
  const descriptor = spDescriptor(parseXml(xml.trim(), { maxBytes: 1024 * 1024, maxDepth: 32 }), trust.entityId);
  if (!descriptor) throw new MetadataError(`the metadata of ${trust.entityId} has no SPSSODescriptor`);
  let encryptionCertificate: Certificate | null = null;
  for (const kd of childElements(descriptor, NS.metadata, 'KeyDescriptor')) {
    const use = kd.getAttribute('use');
    if (use && use !== 'encryption') continue;
    const text = kd.getElementsByTagNameNS(NS.dsig, 'X509Certificate')[0]?.textContent;
    if (!text) continue;
    try {
      const cert = certificateFromBase64(text);
      // An explicit use="encryption" key wins over a dual-use one.
      if (!encryptionCertificate || use === 'encryption') encryptionCertificate = cert;
    } catch (err) {
      throw new MetadataError(`malformed encryption certificate in the metadata: ${(err as Error).message}`);
    }
    if (use === 'encryption') break;
  }
  let sloBinding: SloBinding = 'redirect';
  let sloUrl = trust.sloUrl;
  if (!sloUrl) {
    const post = childElements(descriptor, NS.metadata, 'SingleLogoutService').find((e) => e.getAttribute('Binding') === BINDING.post);
    const location = post?.getAttribute('Location');
    if (location) {
      if (!/^https?:\/\//i.test(location)) throw new MetadataError(`SingleLogoutService Location ${JSON.stringify(location)} is not an http(s) URL`);
      sloUrl = location;
      sloBinding = 'post';
    }
  }
  return { trust: { ...trust, sloUrl }, encryptionCertificate, sloBinding };
}
