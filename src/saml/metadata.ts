/**
 * SAML 2.0 metadata (SAML metadata spec, saml-metadata-2.0-os): what our two halves publish,
 * and the few facts we take from someone else's metadata. Parsing goes through parseXml, so
 * metadata pasted by a user gets the same DTD/PI/size refusals as a SAML message.
 */
import { BINDING, NAMEID_FORMAT, NS } from './constants.ts';
import { childElements } from './dom.ts';
import { certificateFromBase64, type Certificate } from './keys.ts';
import { SamlError, SamlRejection } from './rejection.ts';
import type { IdpTrust, SpTrust } from './trust.ts';
import { escapeXml, parseXml } from './xml.ts';

/** Metadata samlgate cannot use (the message says what is missing). */
export class MetadataError extends SamlError {
  declare readonly code: 'ERR_METADATA';
  constructor(detail: string) {
    super('ERR_METADATA', detail);
  }
}

function keyDescriptor(cert: Certificate, use: 'signing' | 'encryption' = 'signing'): string {
  return (
    `<md:KeyDescriptor use="${use}"><ds:KeyInfo xmlns:ds="${NS.dsig}"><ds:X509Data>` +
    `<ds:X509Certificate>${cert.base64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>` +
    (use === 'encryption'
      ? // What the SP decrypts (src/saml/verify/decrypt.ts); IdPs that honour EncryptionMethod pick these.
        `<md:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm"/><md:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes128-gcm"/>` +
        `<md:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/>`
      : '') +
    `</md:KeyDescriptor>`
  );
}

/**
 * IdP metadata. WantAuthnRequestsSigned defaults to true: the gateway signs its requests, and
 * samlify refuses to build a request when the SP's AuthnRequestsSigned and the IdP's
 * WantAuthnRequestsSigned disagree (ERR_METADATA_CONFLICT_REQUEST_SIGNED_FLAG).
 */
export function idpMetadataXml(o: { entityId: string; ssoUrl: string; sloUrl: string; certificate: Certificate; wantAuthnRequestsSigned?: boolean }): string {
  const sso = escapeXml(o.ssoUrl);
  const slo = escapeXml(o.sloUrl);
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<md:EntityDescriptor xmlns:md="${NS.metadata}" entityID="${escapeXml(o.entityId)}">` +
    `<md:IDPSSODescriptor WantAuthnRequestsSigned="${o.wantAuthnRequestsSigned ?? true}" protocolSupportEnumeration="${NS.protocol}">` +
    keyDescriptor(o.certificate) +
    `<md:SingleLogoutService Binding="${BINDING.redirect}" Location="${slo}"/>` +
    `<md:NameIDFormat>${NAMEID_FORMAT.email}</md:NameIDFormat>` +
    `<md:SingleSignOnService Binding="${BINDING.redirect}" Location="${sso}"/>` +
    `<md:SingleSignOnService Binding="${BINDING.post}" Location="${sso}"/>` +
    `</md:IDPSSODescriptor></md:EntityDescriptor>\n`
  );
}

/** SP metadata; WantAssertionsSigned is always true (samlgate never accepts unsigned assertions). */
export function spMetadataXml(o: { entityId: string; acsUrl: string; sloUrl: string; certificate: Certificate; encryptionCertificate?: Certificate; authnRequestsSigned: boolean }): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<md:EntityDescriptor xmlns:md="${NS.metadata}" entityID="${escapeXml(o.entityId)}">` +
    `<md:SPSSODescriptor AuthnRequestsSigned="${o.authnRequestsSigned}" WantAssertionsSigned="true" protocolSupportEnumeration="${NS.protocol}">` +
    keyDescriptor(o.certificate) +
    (o.encryptionCertificate ? keyDescriptor(o.encryptionCertificate, 'encryption') : '') +
    `<md:SingleLogoutService Binding="${BINDING.redirect}" Location="${escapeXml(o.sloUrl)}"/>` +
    `<md:NameIDFormat>${NAMEID_FORMAT.email}</md:NameIDFormat>` +
    `<md:AssertionConsumerService Binding="${BINDING.post}" Location="${escapeXml(o.acsUrl)}" index="0" isDefault="true"/>` +
    `</md:SPSSODescriptor></md:EntityDescriptor>\n`
  );
}

// ---------------------------------------------------------------------------------------------

const METADATA_LIMITS = { maxBytes: 1024 * 1024, maxDepth: 32 };

function parseMetadataDocument(xml: string, role: 'IDPSSODescriptor' | 'SPSSODescriptor'): { entity: Element; descriptor: Element } {
  if (typeof xml !== 'string' || xml.trim() === '') throw new MetadataError('metadata is empty');
  let doc: Document;
  try {
    doc = parseXml(xml.trim(), METADATA_LIMITS);
  } catch (err) {
    if (err instanceof SamlRejection) throw new MetadataError(`metadata is not usable XML: ${err.detail}`);
    throw err;
  }
  let entity: Element = doc.documentElement;
  if (entity.namespaceURI === NS.metadata && entity.localName === 'EntitiesDescriptor') {
    // Aggregates are fine when exactly one entity plays the role we need.
    const matching = childElements(entity, NS.metadata, 'EntityDescriptor').filter((e) => childElements(e, NS.metadata, role).length > 0);
    if (matching.length !== 1) throw new MetadataError(`metadata is an EntitiesDescriptor with ${matching.length} entities that have an ${role}; provide the EntityDescriptor of one entity`);
    entity = matching[0]!;
  }
  if (entity.namespaceURI !== NS.metadata || entity.localName !== 'EntityDescriptor') {
    throw new MetadataError(`not an EntityDescriptor: the root element is {${entity.namespaceURI ?? ''}}${entity.localName} (expected md:EntityDescriptor in ${NS.metadata})`);
  }
  if (!entity.getAttribute('entityID')) throw new MetadataError('the EntityDescriptor has no entityID');
  const descriptors = childElements(entity, NS.metadata, role);
  if (descriptors.length === 0) throw new MetadataError(`the metadata of ${entity.getAttribute('entityID')} has no ${role} (is it the ${role === 'IDPSSODescriptor' ? 'SP' : 'IdP'}'s metadata?)`);
  if (descriptors.length > 1) throw new MetadataError(`the metadata has ${descriptors.length} ${role} elements; expected one`);
  return { entity, descriptor: descriptors[0]! };
}

/** Certificates of KeyDescriptors usable for signing (use="signing" or no use, metadata 2.4.1.1). */
function signingCertificates(descriptor: Element): Certificate[] {
  const certs: Certificate[] = [];
  for (const kd of childElements(descriptor, NS.metadata, 'KeyDescriptor')) {
    const use = kd.getAttribute('use');
    if (use && use !== 'signing') continue;
    for (const el of Array.from(kd.getElementsByTagNameNS(NS.dsig, 'X509Certificate'))) {
      const text = el.textContent ?? '';
      try {
        certs.push(certificateFromBase64(text));
      } catch (err) {
        throw new MetadataError(`malformed signing certificate in the metadata: ${(err as Error).message}`);
      }
    }
  }
  return certs;
}

function endpoint(descriptor: Element, localName: string, binding: string): string | null {
  const all = childElements(descriptor, NS.metadata, localName).filter((e) => e.getAttribute('Binding') === binding);
  if (all.length === 0) return null;
  // Metadata 2.2.3: isDefault="true" wins, then the lowest index, then document order.
  const index = (e: Element) => {
    const v = Number.parseInt(e.getAttribute('index') ?? '', 10);
    return Number.isNaN(v) ? Number.MAX_SAFE_INTEGER : v;
  };
  const chosen = all.find((e) => e.getAttribute('isDefault') === 'true') ?? [...all].sort((a, b) => index(a) - index(b))[0]!;
  const location = chosen.getAttribute('Location');
  if (!location) throw new MetadataError(`a ${localName} (${binding}) has no Location`);
  if (!/^https?:\/\//i.test(location)) throw new MetadataError(`${localName} Location ${JSON.stringify(location)} is not an http(s) URL`);
  return location;
}

export function parseIdpMetadata(xml: string): IdpTrust {
  const { entity, descriptor } = parseMetadataDocument(xml, 'IDPSSODescriptor');
  const entityId = entity.getAttribute('entityID')!;
  const certs = signingCertificates(descriptor);
  if (certs.length === 0) throw new MetadataError(`the IdP metadata of ${entityId} has no signing certificate (KeyDescriptor use="signing" with ds:X509Certificate); the gateway cannot verify responses without one`);
  const ssoRedirectUrl = endpoint(descriptor, 'SingleSignOnService', BINDING.redirect);
  if (!ssoRedirectUrl) throw new MetadataError(`the IdP metadata of ${entityId} has no SingleSignOnService with the HTTP-Redirect binding (${BINDING.redirect}); the gateway sends AuthnRequests by redirect`);
  return {
    entityId,
    ssoRedirectUrl,
    ssoPostUrl: endpoint(descriptor, 'SingleSignOnService', BINDING.post),
    sloUrl: endpoint(descriptor, 'SingleLogoutService', BINDING.redirect),
    signingCertificates: certs,
  };
}

export function parseSpMetadata(xml: string): SpTrust {
  const { entity, descriptor } = parseMetadataDocument(xml, 'SPSSODescriptor');
  const entityId = entity.getAttribute('entityID')!;
  const acsUrl = endpoint(descriptor, 'AssertionConsumerService', BINDING.post);
  if (!acsUrl) throw new MetadataError(`the SP metadata of ${entityId} has no AssertionConsumerService with the HTTP-POST binding (${BINDING.post}); the test IdP only posts responses`);
  const certs = signingCertificates(descriptor);
  const authnRequestsSigned = descriptor.getAttribute('AuthnRequestsSigned') === 'true' || descriptor.getAttribute('AuthnRequestsSigned') === '1';
  if (authnRequestsSigned && certs.length === 0) throw new MetadataError(`the SP metadata of ${entityId} says AuthnRequestsSigned="true" but has no signing certificate`);
  return {
    entityId,
    acsUrl,
    sloUrl: endpoint(descriptor, 'SingleLogoutService', BINDING.redirect),
    signingCertificate: certs[0] ?? null,
    authnRequestsSigned,
  };
}
