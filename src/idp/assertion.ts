/**
 * The assertion as plain data (crewjam's AssertionMaker idea): the builder fills a model, named
 * faults (faults.ts) transform it, and only then is it serialized. Serialization is string
 * templates with every value escaped: far cheaper than building a DOM (DESIGN 5, issuance rate).
 */
import { createHash } from 'node:crypto';
import { isoInstant } from '../clock.ts';
import type { IdGenerator } from '../ids.ts';
import { ATTR, ATTRNAME_FORMAT, AUTHN_CONTEXT_PASSWORD, CM_BEARER, NAMEID_FORMAT, NS, STATUS_SUCCESS } from '../saml/constants.ts';
import type { ContentEncryption } from '../saml/encrypt.ts';
import type { XmlSignatureAlgorithm } from '../saml/sign.ts';
import type { SpTrust } from '../saml/trust.ts';
import { escapeXml } from '../saml/xml.ts';
import type { IdpUser } from './directory.ts';
import type { SpSettings } from './sp-settings.ts';

export interface AttributeModel {
  name: string;
  /** null: no NameFormat attribute at all. */
  nameFormat: string | null;
  /** One AttributeValue per entry; '' is an empty AttributeValue element. */
  values: string[];
}

export interface AssertionModel {
  responseId: string;
  assertionId: string;
  issueInstant: number;
  issuer: string;
  /** Response Destination and SubjectConfirmationData Recipient: the SP's ACS. */
  destination: string;
  recipient: string;
  /** null for IdP-initiated (unsolicited) responses. */
  inResponseTo: string | null;
  nameId: string;
  nameIdFormat: string;
  subjectNotOnOrAfter: number;
  notBefore: number;
  notOnOrAfter: number;
  audience: string;
  authnInstant: number;
  sessionIndex: string;
  /** null: SessionNotOnOrAfter is left out. */
  sessionNotOnOrAfter: number | null;
  attributes: AttributeModel[];
  signAssertion: boolean;
  signResponse: boolean;
  signatureAlgorithm: XmlSignatureAlgorithm;
  /** null: the Assertion is sent in the clear. */
  encryption: ContentEncryption | null;
}

export interface AssertionInput {
  user: IdpUser;
  sp: SpTrust;
  idpEntityId: string;
  now: number;
  ids: IdGenerator;
  inResponseTo: string | null;
  authnInstant: number;
  sessionIndex: string;
  settings: SpSettings;
}

function attributeValues(v: string | boolean | number | string[]): string[] {
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

/**
 * Username first (TFE S5), then MemberOf, then everything else in the user's map. NameFormat is
 * basic (what rule F1 wants) unless the SP's settings name another for that attribute.
 */
export function userAttributes(user: IdpUser, nameFormats: Record<string, string | null> = {}): AttributeModel[] {
  const format = (name: string) => (Object.hasOwn(nameFormats, name) ? nameFormats[name]! : ATTRNAME_FORMAT.basic);
  const out: AttributeModel[] = [];
  const attrs = user.attributes;
  const username = Object.hasOwn(attrs, ATTR.username) ? attributeValues(attrs[ATTR.username]!) : [user.username];
  out.push({ name: ATTR.username, nameFormat: format(ATTR.username), values: username });
  if (Object.hasOwn(attrs, ATTR.memberOf)) out.push({ name: ATTR.memberOf, nameFormat: format(ATTR.memberOf), values: attributeValues(attrs[ATTR.memberOf]!) });
  for (const [name, value] of Object.entries(attrs)) {
    if (name === ATTR.username || name === ATTR.memberOf) continue;
    out.push({ name, nameFormat: format(name), values: attributeValues(value) });
  }
  return out;
}

/**
 * The NameID for this SP (SAML core 8.3): the email (TFE's NameID, rule S5), the username, a
 * pairwise persistent identifier (stable per IdP, SP and user, and opaque: 8.3.7), or a transient
 * one that changes with every response (8.3.8).
 */
export function nameIdFor(user: IdpUser, o: { idpEntityId: string; spEntityId: string; format: string; ids: IdGenerator }): string {
  switch (o.format) {
    case NAMEID_FORMAT.unspecified:
      return user.username;
    case NAMEID_FORMAT.persistent:
      return createHash('sha256').update(`${o.idpEntityId}\n${o.spEntityId}\n${user.username}`, 'utf8').digest('base64url').slice(0, 32);
    case NAMEID_FORMAT.transient:
      return `_${o.ids.random(32)}`;
    default:
      return user.email;
  }
}

export function buildAssertionModel(i: AssertionInput): AssertionModel {
  const s = i.settings;
  const expires = i.now + s.assertionLifetime;
  return {
    responseId: i.ids.samlId(),
    assertionId: i.ids.samlId(),
    issueInstant: i.now,
    issuer: i.idpEntityId,
    destination: i.sp.acsUrl,
    recipient: i.sp.acsUrl,
    inResponseTo: i.inResponseTo,
    nameId: nameIdFor(i.user, { idpEntityId: i.idpEntityId, spEntityId: i.sp.entityId, format: s.nameIdFormat, ids: i.ids }),
    nameIdFormat: s.nameIdFormat,
    subjectNotOnOrAfter: expires,
    notBefore: i.now,
    notOnOrAfter: expires,
    audience: i.sp.entityId,
    authnInstant: i.authnInstant,
    sessionIndex: i.sessionIndex,
    sessionNotOnOrAfter: s.sessionNotOnOrAfter > 0 ? i.authnInstant + s.sessionNotOnOrAfter : null,
    attributes: userAttributes(i.user, s.attributeNameFormats),
    signAssertion: s.signAssertion,
    signResponse: s.signResponse,
    signatureAlgorithm: s.signatureAlgorithm,
    encryption: s.encryptAssertion ? 'aes-256-gcm' : null,
  };
}

const attr = (name: string, value: string | null) => (value === null ? '' : ` ${name}="${escapeXml(value)}"`);

function serializeAttribute(a: AttributeModel): string {
  const values = a.values.map((v) => `<saml:AttributeValue>${escapeXml(v)}</saml:AttributeValue>`).join('');
  return `<saml:Attribute${attr('Name', a.name)}${attr('NameFormat', a.nameFormat)}>${values}</saml:Attribute>`;
}

/** SAML core 2.3.3: Issuer, (Signature), Subject, Conditions, AuthnStatement, AttributeStatement. */
export function serializeAssertion(m: AssertionModel): string {
  const irt = m.inResponseTo === null ? '' : attr('InResponseTo', m.inResponseTo);
  return (
    `<saml:Assertion xmlns:saml="${NS.assertion}" ID="${escapeXml(m.assertionId)}" Version="2.0" IssueInstant="${isoInstant(m.issueInstant)}">` +
    `<saml:Issuer>${escapeXml(m.issuer)}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="${escapeXml(m.nameIdFormat)}">${escapeXml(m.nameId)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="${CM_BEARER}"><saml:SubjectConfirmationData NotOnOrAfter="${isoInstant(m.subjectNotOnOrAfter)}" Recipient="${escapeXml(m.recipient)}"${irt}/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${isoInstant(m.notBefore)}" NotOnOrAfter="${isoInstant(m.notOnOrAfter)}"><saml:AudienceRestriction><saml:Audience>${escapeXml(m.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${isoInstant(m.authnInstant)}" SessionIndex="${escapeXml(m.sessionIndex)}"${m.sessionNotOnOrAfter === null ? '' : ` SessionNotOnOrAfter="${isoInstant(m.sessionNotOnOrAfter)}"`}>` +
    `<saml:AuthnContext><saml:AuthnContextClassRef>${AUTHN_CONTEXT_PASSWORD}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    (m.attributes.length ? `<saml:AttributeStatement>${m.attributes.map(serializeAttribute).join('')}</saml:AttributeStatement>` : '') +
    `</saml:Assertion>`
  );
}

/**
 * A Response that carries only a non-success status, e.g. Responder/NoPassive when IsPassive
 * was asked and nobody is signed in (SAML core 3.4.1.4, 3.2.2.2).
 */
export function serializeStatusResponse(o: { id: string; issueInstant: number; issuer: string; destination: string; inResponseTo: string | null; status: string; subStatus: string | null; message: string | null }): string {
  const irt = o.inResponseTo === null ? '' : attr('InResponseTo', o.inResponseTo);
  const sub = o.subStatus ? `<samlp:StatusCode Value="${escapeXml(o.subStatus)}"/>` : '';
  return (
    `<samlp:Response xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="${escapeXml(o.id)}" Version="2.0" IssueInstant="${isoInstant(o.issueInstant)}" Destination="${escapeXml(o.destination)}"${irt}>` +
    `<saml:Issuer>${escapeXml(o.issuer)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="${escapeXml(o.status)}">${sub}</samlp:StatusCode>${o.message ? `<samlp:StatusMessage>${escapeXml(o.message)}</samlp:StatusMessage>` : ''}</samlp:Status>` +
    `</samlp:Response>`
  );
}

/** SAML core 3.2.2 / 3.3.3: Issuer, (Signature), Status, Assertion (or EncryptedAssertion). */
export function serializeResponse(m: AssertionModel, assertionXml: string): string {
  const irt = m.inResponseTo === null ? '' : attr('InResponseTo', m.inResponseTo);
  return (
    `<samlp:Response xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="${escapeXml(m.responseId)}" Version="2.0" IssueInstant="${isoInstant(m.issueInstant)}" Destination="${escapeXml(m.destination)}"${irt}>` +
    `<saml:Issuer>${escapeXml(m.issuer)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="${STATUS_SUCCESS}"/></samlp:Status>` +
    assertionXml +
    `</samlp:Response>`
  );
}
