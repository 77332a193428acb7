/**
 * The test IdP's own metadata (SAML metadata 2.4.3). During a key rollover it lists two signing
 * KeyDescriptors, the current certificate first: an SP that trusts every signing key in the
 * metadata (metadata 2.4.1.1) then accepts responses signed by either, so the IdP can switch keys
 * without a flag day. SLO is offered over Redirect and POST; SSO over Redirect and POST.
 */
import { BINDING, NAMEID_FORMAT, NS } from '../saml/constants.ts';
import type { Certificate } from '../saml/keys.ts';
import { escapeXml } from '../saml/xml.ts';

function signingKeyDescriptor(cert: Certificate): string {
  return (
    `<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="${NS.dsig}"><ds:X509Data>` +
    `<ds:X509Certificate>${cert.base64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`
  );
}

/**
 * WantAuthnRequestsSigned is true: the gateway signs its requests, and samlify refuses to build a
 * request when the SP's AuthnRequestsSigned and the IdP's WantAuthnRequestsSigned disagree.
 */
export function idpMetadata(o: { entityId: string; ssoUrl: string; sloUrl: string; signingCertificates: readonly Certificate[] }): string {
  const sso = escapeXml(o.ssoUrl);
  const slo = escapeXml(o.sloUrl);
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<md:EntityDescriptor xmlns:md="${NS.metadata}" entityID="${escapeXml(o.entityId)}">` +
    `<md:IDPSSODescriptor WantAuthnRequestsSigned="true" protocolSupportEnumeration="${NS.protocol}">` +
    o.signingCertificates.map(signingKeyDescriptor).join('') +
    `<md:SingleLogoutService Binding="${BINDING.redirect}" Location="${slo}"/>` +
    `<md:SingleLogoutService Binding="${BINDING.post}" Location="${slo}"/>` +
    `<md:NameIDFormat>${NAMEID_FORMAT.email}</md:NameIDFormat>` +
    `<md:NameIDFormat>${NAMEID_FORMAT.unspecified}</md:NameIDFormat>` +
    `<md:NameIDFormat>${NAMEID_FORMAT.persistent}</md:NameIDFormat>` +
    `<md:NameIDFormat>${NAMEID_FORMAT.transient}</md:NameIDFormat>` +
    `<md:SingleSignOnService Binding="${BINDING.redirect}" Location="${sso}"/>` +
    `<md:SingleSignOnService Binding="${BINDING.post}" Location="${sso}"/>` +
    `</md:IDPSSODescriptor></md:EntityDescriptor>\n`
  );
}
