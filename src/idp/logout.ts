/** LogoutResponse (SAML core 3.7.2), sent by HTTP-Redirect with a detached signature. */
import { isoInstant } from '../clock.ts';
import { NS, STATUS_SUCCESS } from '../saml/constants.ts';
import { escapeXml } from '../saml/xml.ts';

export function logoutResponseXml(o: { id: string; issueInstant: number; issuer: string; destination: string; inResponseTo: string }): string {
  return (
    `<samlp:LogoutResponse xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="${escapeXml(o.id)}" Version="2.0" IssueInstant="${isoInstant(o.issueInstant)}" Destination="${escapeXml(o.destination)}" InResponseTo="${escapeXml(o.inResponseTo)}">` +
    `<saml:Issuer>${escapeXml(o.issuer)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="${STATUS_SUCCESS}"/></samlp:Status>` +
    `</samlp:LogoutResponse>`
  );
}
