/** LogoutRequest and LogoutResponse documents (SAML core 3.7), shared by the IdP and the gateway. */
import { isoInstant } from '../clock.ts';
import { NS, STATUS_SUCCESS } from './constants.ts';
import { escapeXml } from './xml.ts';

export function logoutRequestXml(o: { id: string; issueInstant: number; issuer: string; destination: string; nameId: string; sessionIndex: string | null }): string {
  return (
    `<samlp:LogoutRequest xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="${escapeXml(o.id)}" Version="2.0" IssueInstant="${isoInstant(o.issueInstant)}" Destination="${escapeXml(o.destination)}">` +
    `<saml:Issuer>${escapeXml(o.issuer)}</saml:Issuer><saml:NameID>${escapeXml(o.nameId)}</saml:NameID>` +
    (o.sessionIndex ? `<samlp:SessionIndex>${escapeXml(o.sessionIndex)}</samlp:SessionIndex>` : '') +
    `</samlp:LogoutRequest>`
  );
}

export function logoutResponseXml(o: { id: string; issueInstant: number; issuer: string; destination: string; inResponseTo: string }): string {
  return (
    `<samlp:LogoutResponse xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="${escapeXml(o.id)}" Version="2.0" IssueInstant="${isoInstant(o.issueInstant)}" Destination="${escapeXml(o.destination)}" InResponseTo="${escapeXml(o.inResponseTo)}">` +
    `<saml:Issuer>${escapeXml(o.issuer)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="${STATUS_SUCCESS}"/></samlp:Status>` +
    `</samlp:LogoutResponse>`
  );
}
