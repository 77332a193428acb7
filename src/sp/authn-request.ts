/**
 * SP-initiated login (SAML core 3.4.1): the AuthnRequest the gateway sends over HTTP-Redirect,
 * signed as a detached query signature (bindings 3.4.4.1) with the SP key, or unsigned when the
 * admin setting authn-requests-signed is false (SP metadata then says AuthnRequestsSigned="false").
 */
import { isoInstant } from '../clock.ts';
import { BINDING, NAMEID_FORMAT, NS } from '../saml/constants.ts';
import type { KeyObject } from 'node:crypto';
import { encodeRedirectMessage, redirectQuery } from '../saml/sign.ts';
import { escapeXml } from '../saml/xml.ts';

export interface AuthnRequestInput {
  id: string;
  issueInstant: number;
  spEntityId: string;
  acsUrl: string;
  destination: string;
}

export function authnRequestXml(r: AuthnRequestInput): string {
  return (
    `<samlp:AuthnRequest xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="${escapeXml(r.id)}" Version="2.0" ` +
    `IssueInstant="${isoInstant(r.issueInstant)}" Destination="${escapeXml(r.destination)}" ` +
    `ProtocolBinding="${BINDING.post}" AssertionConsumerServiceURL="${escapeXml(r.acsUrl)}">` +
    `<saml:Issuer>${escapeXml(r.spEntityId)}</saml:Issuer>` +
    `<samlp:NameIDPolicy Format="${NAMEID_FORMAT.email}" AllowCreate="true"/>` +
    `</samlp:AuthnRequest>`
  );
}

/** The full redirect URL to the IdP's SSO endpoint, signed with `privateKey`, or unsigned for null. */
export function authnRequestRedirectUrl(r: AuthnRequestInput, relayState: string, privateKey: KeyObject | null): string {
  const query = redirectQuery({ type: 'SAMLRequest', message: encodeRedirectMessage(authnRequestXml(r)), relayState, privateKey });
  return `${r.destination}${r.destination.includes('?') ? '&' : '?'}${query}`;
}
