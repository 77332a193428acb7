/**
 * Reading what SPs send the IdP: AuthnRequest (SAML core 3.4.1) and LogoutRequest (3.7.1), over
 * the HTTP-Redirect and HTTP-POST bindings. Every check failure is a SamlRejection whose detail
 * the IdP's error page shows: this is a test tool, and the person reading it configured the SP.
 */
import { BINDING, NS } from '../saml/constants.ts';
import { firstChildElement, trimmedText } from '../saml/dom.ts';
import { reject } from '../saml/rejection.ts';
import {
  decodePostMessage,
  decodeRedirectMessage,
  parseRedirectQuery,
  verifyRedirectSignature,
  type RedirectMessageType,
} from '../saml/sign.ts';
import type { SpTrust } from '../saml/trust.ts';
import { parseXml } from '../saml/xml.ts';
import { verifyRootSignature } from '../saml/verify/xmldsig.ts';

/** Inflated size cap on the Redirect binding (SP-SECURITY INFL1). */
export const MAX_INFLATED_BYTES = 64 * 1024;
const REQUEST_LIMITS = { maxBytes: MAX_INFLATED_BYTES, maxDepth: 16 };

export interface ReceivedMessage {
  doc: Document;
  root: Element;
  sp: SpTrust;
  relayState: string | null;
}

export interface AuthnRequestInfo {
  id: string;
  issuer: string;
  acsUrl: string | null;
  forceAuthn: boolean;
}

export interface LogoutRequestInfo {
  id: string;
  issuer: string;
  nameId: string | null;
}

export type SpLookup = (entityId: string) => SpTrust | undefined;

/** Root element, Version, ID and Issuer: common to every protocol request (SAML core 3.2.1). */
function readRequestEnvelope(doc: Document, expected: 'AuthnRequest' | 'LogoutRequest', lookup: SpLookup): { root: Element; id: string; sp: SpTrust } {
  const root = doc.documentElement as Element;
  if (root.namespaceURI !== NS.protocol || root.localName !== expected) {
    reject('E_SCHEMA', `expected a samlp:${expected}, got {${root.namespaceURI ?? ''}}${root.localName}`);
  }
  if (root.getAttribute('Version') !== '2.0') reject('E_VERSION', `the ${expected} has Version ${JSON.stringify(root.getAttribute('Version'))}; only SAML 2.0 is supported`);
  const id = root.getAttribute('ID');
  if (!id) reject('E_SCHEMA', `the ${expected} has no ID`);
  const issuer = trimmedText(firstChildElement(root, NS.assertion, 'Issuer'));
  if (!issuer) reject('E_ISSUER', `the ${expected} has no saml:Issuer, so the IdP cannot tell which service provider sent it`);
  const sp = lookup(issuer);
  if (!sp) reject('E_ISSUER', `the ${expected} comes from ${JSON.stringify(issuer)}, which is not a registered service provider: register its metadata with POST /api/service-providers or in idp.serviceProviders`);
  return { root, id, sp };
}

/** HTTP-Redirect: the signature, when required, is the detached query signature (bindings 3.4.4.1). */
export function receiveRedirect(rawQuery: string, type: RedirectMessageType, expected: 'AuthnRequest' | 'LogoutRequest', lookup: SpLookup, requireSignature: (sp: SpTrust) => boolean): ReceivedMessage & { id: string } {
  const query = parseRedirectQuery(rawQuery, type);
  const xml = decodeRedirectMessage(query.message, MAX_INFLATED_BYTES);
  const doc = parseXml(xml, REQUEST_LIMITS);
  const { root, id, sp } = readRequestEnvelope(doc, expected, lookup);
  if (requireSignature(sp)) {
    if (!sp.signingCertificate) reject('E_SIGNATURE', `${sp.entityId} requires signed requests but has no signing certificate registered`);
    verifyRedirectSignature(query, [sp.signingCertificate]);
  }
  return { doc, root, sp, id, relayState: query.relayState };
}

/** HTTP-POST: the signature, when required, is enveloped in the request (bindings 3.5.4). */
export function receivePost(samlRequest: unknown, relayState: unknown, expected: 'AuthnRequest' | 'LogoutRequest', lookup: SpLookup, requireSignature: (sp: SpTrust) => boolean): ReceivedMessage & { id: string } {
  if (typeof samlRequest !== 'string') reject('E_TRANSPORT', 'the form has no single SAMLRequest field');
  if (relayState !== undefined && typeof relayState !== 'string') reject('E_TRANSPORT', 'the form carries RelayState more than once');
  const xml = decodePostMessage(samlRequest, REQUEST_LIMITS.maxBytes);
  const doc = parseXml(xml, REQUEST_LIMITS);
  const { root, id, sp } = readRequestEnvelope(doc, expected, lookup);
  if (requireSignature(sp)) {
    if (!sp.signingCertificate) reject('E_SIGNATURE', `${sp.entityId} requires signed requests but has no signing certificate registered`);
    // The one verifier (src/saml/verify/xmldsig.ts): shape, allow-list and digest on the same nodes.
    verifyRootSignature(doc, [sp.signingCertificate]);
  }
  return { doc, root, sp, id, relayState: relayState ?? null };
}

/** SAML core 3.4.1 checks the IdP can make: where to answer, and how. */
export function readAuthnRequest(m: ReceivedMessage & { id: string }): AuthnRequestInfo {
  const acsUrl = m.root.getAttribute('AssertionConsumerServiceURL') || null;
  if (acsUrl !== null && acsUrl !== m.sp.acsUrl) {
    reject('E_DESTINATION', `the AuthnRequest asks for the response at ${acsUrl}, but ${m.sp.entityId} is registered with ACS ${m.sp.acsUrl}: fix the SP's ACS URL or re-register its metadata`);
  }
  if (m.root.hasAttribute('AssertionConsumerServiceIndex') && acsUrl === null && m.root.getAttribute('AssertionConsumerServiceIndex') !== '0') {
    reject('E_DESTINATION', `the AuthnRequest asks for AssertionConsumerServiceIndex ${m.root.getAttribute('AssertionConsumerServiceIndex')}; the test IdP knows only the registered ACS (index 0)`);
  }
  const binding = m.root.getAttribute('ProtocolBinding');
  if (binding && binding !== BINDING.post) reject('E_TRANSPORT', `the AuthnRequest asks for ProtocolBinding ${binding}; the test IdP answers only with ${BINDING.post}`);
  return { id: m.id, issuer: m.sp.entityId, acsUrl, forceAuthn: m.root.getAttribute('ForceAuthn') === 'true' || m.root.getAttribute('ForceAuthn') === '1' };
}

export function readLogoutRequest(m: ReceivedMessage & { id: string }): LogoutRequestInfo {
  const nameId = trimmedText(firstChildElement(m.root, NS.assertion, 'NameID')) ?? null;
  return { id: m.id, issuer: m.sp.entityId, nameId };
}
