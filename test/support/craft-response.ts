/**
 * Test-only builder of SAML Response XML with a knob for every field the ACS checks, and
 * signing with xml-crypto using any key, so tests can craft every bad input the gateway must
 * refuse. Defaults produce a valid response for `sp`/`idp` below at the given `now`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SignedXml } from 'xml-crypto';
import { ALGORITHMS, ATTRNAME_FORMAT, CM_BEARER, NAMEID_FORMAT, NS, STATUS_SUCCESS } from '../../src/saml/constants.ts';
import { escapeXml } from '../../src/saml/xml.ts';

const certDir = fileURLToPath(new URL('../../certs/', import.meta.url));

export interface KeyPair {
  keyPem: string;
  certPem: string;
}

export const IDP_KEY: KeyPair = {
  keyPem: readFileSync(`${certDir}idp-signing.key`, 'utf8'),
  certPem: readFileSync(`${certDir}idp-signing.crt`, 'utf8'),
};
/** "A different key": the SP's dev key pair stands in for an attacker's. */
export const OTHER_KEY: KeyPair = {
  keyPem: readFileSync(`${certDir}sp-signing.key`, 'utf8'),
  certPem: readFileSync(`${certDir}sp-signing.crt`, 'utf8'),
};

export const SP = { entityId: 'http://localhost:8080/users/saml/metadata', acsUrl: 'http://localhost:8080/users/saml/auth' };
export const IDP_ENTITY_ID = 'http://localhost:7000/metadata';

export interface CraftAttribute {
  /** null: no Name attribute at all (ATTR9). */
  name: string | null;
  nameFormat?: string | null;
  friendlyName?: string;
  /** Raw XML content of each AttributeValue (not escaped: tests inject comments, CDATA, elements). */
  values: string[];
  /** Extra raw attributes on each AttributeValue, e.g. `xsi:nil="true"`. */
  valueAttrs?: string;
}

export interface SignOptions {
  key?: KeyPair;
  signatureAlgorithm?: string;
  digestAlgorithm?: string;
  canonicalizationAlgorithm?: string;
  /** PEM put into KeyInfo/X509Certificate; omit for no KeyInfo. */
  keyInfoCertPem?: string;
  /** Reference transforms; default enveloped-signature then exclusive C14N. */
  transforms?: string[];
}

export interface CraftOptions {
  now: number;
  responseId?: string;
  assertionId?: string;
  version?: string | null;
  assertionVersion?: string;
  responseIssuer?: string | null;
  assertionIssuer?: string | null;
  destination?: string | null;
  responseIssueInstant?: string;
  issueInstant?: string;
  inResponseTo?: string | null;
  scdInResponseTo?: string | null;
  statusCode?: string;
  subStatusCode?: string;
  statusMessage?: string;
  /** Raw XML inside samlp:Status after StatusCode/StatusMessage (StatusDetail...). */
  statusExtra?: string;
  /** Raw XML for a samlp:Extensions element (full element). */
  extensions?: string;
  /** Raw XML appended inside the Response after the Assertion. */
  responseTail?: string;
  nameId?: string | null;
  nameIdFormat?: string | null;
  spNameQualifier?: string;
  confirmationMethod?: string;
  recipient?: string | null;
  scdNotOnOrAfter?: string | null;
  scdNotBefore?: string;
  omitConditions?: boolean;
  notBefore?: string | null;
  notOnOrAfter?: string | null;
  /** One inner list per AudienceRestriction. */
  audiences?: string[][];
  /** Raw XML inside Conditions after the AudienceRestrictions. */
  conditionsExtra?: string;
  omitAuthnStatement?: boolean;
  authnInstant?: string;
  sessionIndex?: string | null;
  sessionNotOnOrAfter?: string | null;
  attributes?: CraftAttribute[];
  /** Raw XML inside the Assertion after the AttributeStatement (Advice would go before; schema order is not enforced). */
  assertionTail?: string;
  /** Raw XML inside the Assertion right after its Issuer (e.g. Advice). */
  assertionHead?: string;
  signAssertion?: SignOptions | false;
  signResponse?: SignOptions | false;
}

const iso = (ms: number) => new Date(ms).toISOString();

function xmlAttr(name: string, value: string | null | undefined): string {
  return value === null || value === undefined ? '' : ` ${name}="${escapeXml(value)}"`;
}

export function defaultAttributes(): CraftAttribute[] {
  return [
    { name: 'Username', nameFormat: ATTRNAME_FORMAT.basic, values: ['alice'] },
    { name: 'MemberOf', nameFormat: ATTRNAME_FORMAT.basic, values: ['developers', 'site-admins'] },
  ];
}

export function buildResponseXml(o: CraftOptions): string {
  const now = o.now;
  const responseId = o.responseId ?? '_resp-0001';
  const assertionId = o.assertionId ?? '_assert-0001';
  const audiences = o.audiences ?? [[SP.entityId]];
  const attributes = o.attributes ?? defaultAttributes();
  const status = `<samlp:Status><samlp:StatusCode Value="${escapeXml(o.statusCode ?? STATUS_SUCCESS)}">${
    o.subStatusCode ? `<samlp:StatusCode Value="${escapeXml(o.subStatusCode)}"/>` : ''
  }</samlp:StatusCode>${o.statusMessage ? `<samlp:StatusMessage>${escapeXml(o.statusMessage)}</samlp:StatusMessage>` : ''}${o.statusExtra ?? ''}</samlp:Status>`;

  const nameId =
    o.nameId === null
      ? ''
      : `<saml:NameID${xmlAttr('Format', o.nameIdFormat === undefined ? NAMEID_FORMAT.email : o.nameIdFormat)}${xmlAttr('SPNameQualifier', o.spNameQualifier)}>${o.nameId ?? 'alice@example.com'}</saml:NameID>`;
  const scd = `<saml:SubjectConfirmationData${xmlAttr('InResponseTo', o.scdInResponseTo === undefined ? (o.inResponseTo ?? null) : o.scdInResponseTo)}${xmlAttr('NotBefore', o.scdNotBefore)}${xmlAttr(
    'NotOnOrAfter',
    o.scdNotOnOrAfter === undefined ? iso(now + 5 * 60_000) : o.scdNotOnOrAfter,
  )}${xmlAttr('Recipient', o.recipient === undefined ? SP.acsUrl : o.recipient)}/>`;
  const subject = `<saml:Subject>${nameId}<saml:SubjectConfirmation Method="${escapeXml(o.confirmationMethod ?? CM_BEARER)}">${scd}</saml:SubjectConfirmation></saml:Subject>`;
  const conditions = o.omitConditions
    ? ''
    : `<saml:Conditions${xmlAttr('NotBefore', o.notBefore === undefined ? iso(now - 60_000) : o.notBefore)}${xmlAttr('NotOnOrAfter', o.notOnOrAfter === undefined ? iso(now + 5 * 60_000) : o.notOnOrAfter)}>${audiences
        .map((list) => `<saml:AudienceRestriction>${list.map((a) => `<saml:Audience>${escapeXml(a)}</saml:Audience>`).join('')}</saml:AudienceRestriction>`)
        .join('')}${o.conditionsExtra ?? ''}</saml:Conditions>`;
  const authn = o.omitAuthnStatement
    ? ''
    : `<saml:AuthnStatement AuthnInstant="${o.authnInstant ?? iso(now - 10_000)}"${xmlAttr('SessionIndex', o.sessionIndex === undefined ? '_session-1' : o.sessionIndex)}${xmlAttr(
        'SessionNotOnOrAfter',
        o.sessionNotOnOrAfter === undefined ? iso(now + 8 * 3600_000) : o.sessionNotOnOrAfter,
      )}><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`;
  const attrStatement = attributes.length
    ? `<saml:AttributeStatement>${attributes
        .map(
          (a) =>
            `<saml:Attribute${xmlAttr('Name', a.name)}${xmlAttr('NameFormat', a.nameFormat === undefined ? ATTRNAME_FORMAT.basic : a.nameFormat)}${xmlAttr('FriendlyName', a.friendlyName)}>${a.values
              .map((v) => `<saml:AttributeValue${a.valueAttrs ? ` ${a.valueAttrs}` : ''}>${v}</saml:AttributeValue>`)
              .join('')}</saml:Attribute>`,
        )
        .join('')}</saml:AttributeStatement>`
    : '';
  const assertionIssuer = o.assertionIssuer === null ? '' : `<saml:Issuer>${escapeXml(o.assertionIssuer ?? IDP_ENTITY_ID)}</saml:Issuer>`;
  const assertion = `<saml:Assertion xmlns:saml="${NS.assertion}" xmlns:xsi="${NS.xsi}" xmlns:xs="${NS.xs}" ID="${assertionId}" Version="${o.assertionVersion ?? '2.0'}" IssueInstant="${
    o.issueInstant ?? iso(now)
  }">${assertionIssuer}${o.assertionHead ?? ''}${subject}${conditions}${authn}${attrStatement}${o.assertionTail ?? ''}</saml:Assertion>`;
  const responseIssuer = o.responseIssuer === null ? '' : `<saml:Issuer xmlns:saml="${NS.assertion}">${escapeXml(o.responseIssuer ?? IDP_ENTITY_ID)}</saml:Issuer>`;
  return `<samlp:Response xmlns:samlp="${NS.protocol}" ID="${responseId}"${xmlAttr('Version', o.version === undefined ? '2.0' : o.version)} IssueInstant="${
    o.responseIssueInstant ?? iso(now)
  }"${xmlAttr('Destination', o.destination === undefined ? SP.acsUrl : o.destination)}${xmlAttr('InResponseTo', o.inResponseTo)}>${responseIssuer}${o.extensions ?? ''}${status}${assertion}${o.responseTail ?? ''}</samlp:Response>`;
}

/**
 * Signs the element with the given ID (enveloped, exc-c14n), inserting the signature after its
 * Issuer child, or as first child when it has none.
 */
export function signElement(xml: string, localName: 'Assertion' | 'Response', id: string, s: SignOptions = {}): string {
  const key = s.key ?? IDP_KEY;
  const sig = new SignedXml({
    privateKey: key.keyPem,
    publicCert: s.keyInfoCertPem,
    signatureAlgorithm: (s.signatureAlgorithm ?? ALGORITHMS.rsaSha256) as never,
    canonicalizationAlgorithm: (s.canonicalizationAlgorithm ?? ALGORITHMS.excC14n) as never,
    getKeyInfoContent: s.keyInfoCertPem ? SignedXml.getKeyInfoContent : () => null,
  });
  const target = `//*[local-name(.)='${localName}' and @ID='${id}']`;
  sig.addReference({
    xpath: target,
    transforms: (s.transforms ?? [ALGORITHMS.envelopedSignature, ALGORITHMS.excC14n]) as never,
    digestAlgorithm: (s.digestAlgorithm ?? ALGORITHMS.sha256) as never,
  });
  const hasIssuer = new RegExp(`<(\\w+:)?${localName}\\b[^>]*\\bID="${id}"[^>]*>\\s*<(\\w+:)?Issuer\\b`).test(xml);
  sig.computeSignature(xml, {
    prefix: 'ds',
    location: hasIssuer ? { reference: `${target}/*[local-name(.)='Issuer']`, action: 'after' } : { reference: target, action: 'prepend' },
  });
  return sig.getSignedXml();
}

/** Builds and signs: by default the assertion is signed with the IdP key and the response is not. */
export function craftResponse(o: CraftOptions): string {
  let xml = buildResponseXml(o);
  const assertionId = o.assertionId ?? '_assert-0001';
  const responseId = o.responseId ?? '_resp-0001';
  const signAssertion = o.signAssertion === undefined ? {} : o.signAssertion;
  if (signAssertion) xml = signElement(xml, 'Assertion', assertionId, signAssertion);
  if (o.signResponse) xml = signElement(xml, 'Response', responseId, o.signResponse);
  return xml;
}

export function encode(xml: string): string {
  return Buffer.from(xml, 'utf8').toString('base64');
}
