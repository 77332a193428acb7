/**
 * SP-initiated login (SAML core 3.4.1): the AuthnRequest the gateway sends over HTTP-Redirect,
 * signed as a detached query signature (bindings 3.4.4.1) with the SP key, or unsigned when the
 * admin setting authn-requests-signed is false (SP metadata then says AuthnRequestsSigned="false").
 */
import { isoInstant } from '../clock.ts';
import { BINDING, NAMEID_FORMAT, NS } from '../saml/constants.ts';
import type { KeyObject } from 'node:crypto';
import { deflateTemplate } from '../saml/deflate-template.ts';
import { redirectQuery } from '../saml/sign.ts';
import { escapeXml } from '../saml/xml.ts';

export interface AuthnRequestInput {
  id: string;
  issueInstant: number;
  spEntityId: string;
  acsUrl: string;
  destination: string;
}

type Fixed = Pick<AuthnRequestInput, 'spEntityId' | 'acsUrl' | 'destination'>;

/** The text around the two per-request values (ID, IssueInstant): one definition for the XML and its DEFLATE template. */
function fixedParts(r: Fixed): [string, string, string] {
  return [
    `<samlp:AuthnRequest xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="`,
    `" Version="2.0" IssueInstant="`,
    `" Destination="${escapeXml(r.destination)}" ` +
      `ProtocolBinding="${BINDING.post}" AssertionConsumerServiceURL="${escapeXml(r.acsUrl)}">` +
      `<saml:Issuer>${escapeXml(r.spEntityId)}</saml:Issuer>` +
      `<samlp:NameIDPolicy Format="${NAMEID_FORMAT.email}" AllowCreate="true"/>` +
      `</samlp:AuthnRequest>`,
  ];
}

export function authnRequestXml(r: AuthnRequestInput): string {
  const [a, b, c] = fixedParts(r);
  return `${a}${escapeXml(r.id)}${b}${isoInstant(r.issueInstant)}${c}`;
}

/** The last template built: the fixed parts change only when an admin changes the IdP's SSO URL. */
let cached: { key: string; deflate: (holes: readonly string[]) => Buffer } | null = null;

/** DEFLATE + base64 of authnRequestXml(r) (bindings 3.4.4.1), from a template compressed once. */
export function encodeAuthnRequest(r: AuthnRequestInput): string {
  const key = JSON.stringify([r.spEntityId, r.acsUrl, r.destination]);
  if (cached?.key !== key) cached = { key, deflate: deflateTemplate(fixedParts(r)) };
  return cached.deflate([escapeXml(r.id), isoInstant(r.issueInstant)]).toString('base64');
}

/** The full redirect URL to the IdP's SSO endpoint, signed with `privateKey`, or unsigned for null. */
export function authnRequestRedirectUrl(r: AuthnRequestInput, relayState: string, privateKey: KeyObject | null): string {
  const query = redirectQuery({ type: 'SAMLRequest', message: encodeAuthnRequest(r), relayState, privateKey });
  return `${r.destination}${r.destination.includes('?') ? '&' : '?'}${query}`;
}
