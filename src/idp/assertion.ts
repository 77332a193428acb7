/**
 * The assertion as plain data (crewjam's AssertionMaker idea): the builder fills a model, named
 * faults (faults.ts) transform it, and only then is it serialized. Serialization is string
 * templates with every value escaped: far cheaper than building a DOM (DESIGN 5, issuance rate).
 */
import { isoInstant } from '../clock.ts';
import type { IdGenerator } from '../ids.ts';
import { ATTR, ATTRNAME_FORMAT, AUTHN_CONTEXT_PASSWORD, CM_BEARER, NAMEID_FORMAT, NS, STATUS_SUCCESS } from '../saml/constants.ts';
import type { SpTrust } from '../saml/trust.ts';
import { escapeXml } from '../saml/xml.ts';
import type { IdpUser } from './directory.ts';

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
  /** ms */
  assertionLifetime: number;
  /** ms after authnInstant; 0 omits SessionNotOnOrAfter. */
  sessionNotOnOrAfter: number;
}

function attributeValues(v: string | boolean | number | string[]): string[] {
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

/** Username first (TFE S5), then MemberOf, then everything else in the user's map. */
export function userAttributes(user: IdpUser): AttributeModel[] {
  const basic = ATTRNAME_FORMAT.basic;
  const out: AttributeModel[] = [];
  const attrs = user.attributes;
  const username = Object.hasOwn(attrs, ATTR.username) ? attributeValues(attrs[ATTR.username]!) : [user.username];
  out.push({ name: ATTR.username, nameFormat: basic, values: username });
  if (Object.hasOwn(attrs, ATTR.memberOf)) out.push({ name: ATTR.memberOf, nameFormat: basic, values: attributeValues(attrs[ATTR.memberOf]!) });
  for (const [name, value] of Object.entries(attrs)) {
    if (name === ATTR.username || name === ATTR.memberOf) continue;
    out.push({ name, nameFormat: basic, values: attributeValues(value) });
  }
  return out;
}

export function buildAssertionModel(i: AssertionInput): AssertionModel {
  const expires = i.now + i.assertionLifetime;
  return {
    responseId: i.ids.samlId(),
    assertionId: i.ids.samlId(),
    issueInstant: i.now,
    issuer: i.idpEntityId,
    destination: i.sp.acsUrl,
    recipient: i.sp.acsUrl,
    inResponseTo: i.inResponseTo,
    nameId: i.user.email,
    nameIdFormat: NAMEID_FORMAT.email,
    subjectNotOnOrAfter: expires,
    notBefore: i.now,
    notOnOrAfter: expires,
    audience: i.sp.entityId,
    authnInstant: i.authnInstant,
    sessionIndex: i.sessionIndex,
    sessionNotOnOrAfter: i.sessionNotOnOrAfter > 0 ? i.authnInstant + i.sessionNotOnOrAfter : null,
    attributes: userAttributes(i.user),
    signAssertion: true,
    signResponse: true,
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

/** SAML core 3.2.2 / 3.3.3: Issuer, (Signature), Status, Assertion. */
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
