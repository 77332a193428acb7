/**
 * The semantic checks of SP-SECURITY 10.2 step 7, each a small function over elements parsed
 * from the *signed* bytes. verify-response.ts calls them in order; every failure is a
 * SamlRejection whose detail names what was found, what was expected and what to change.
 */
import { CM_BEARER, NAMEID_FORMAT, NS } from '../constants.ts';
import { reject } from '../rejection.ts';
import { attr, childElements, describe, optionalChild, textOf } from './dom.ts';

export interface CheckContext {
  now: number;
  skewMs: number;
  spEntityId: string;
  acsUrl: string;
  /** null: not known (the validator without metadata); the Issuer is then not compared. */
  idpEntityId: string | null;
}

const ENTITY_FORMAT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity';
// xs:dateTime in UTC with a literal Z (SAML core 1.3.3, TIME8). Offsets and local times are refused.
const UTC_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z$/;

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Parses a SAML instant; only UTC with `Z` (TIME8). */
export function parseInstant(value: string, what: string): number {
  const m = UTC_INSTANT.exec(value);
  if (!m) reject('E_TIME', `${what} is ${JSON.stringify(value)}; SAML requires UTC instants ending in Z (e.g. 2026-01-01T12:00:00Z): fix the IdP's time format`);
  const [, y, mo, d, h, mi, s, frac] = m;
  const ms = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!, frac ? Math.floor(+`0.${frac}` * 1000) : 0);
  const back = new Date(ms);
  if (!Number.isFinite(ms) || back.getUTCDate() !== +d! || back.getUTCMonth() !== +mo! - 1 || +h! > 23 || +mi! > 59 || +s! > 59) {
    reject('E_TIME', `${what} is ${JSON.stringify(value)}, which is not a valid date and time`);
  }
  return ms;
}

export function instantAttr(el: Element, name: string, what: string): number | null {
  const value = attr(el, name);
  return value === null ? null : parseInstant(value, what);
}

/** ISS1/ISS2: the Issuer names the trusted IdP (and, if Format is given, as an entity ID). */
export function checkIssuer(issuer: Element | null, ctx: CheckContext, where: 'Response' | 'Assertion'): string {
  if (!issuer) reject('E_ISSUER', `the ${where} has no Issuer; expected ${JSON.stringify(ctx.idpEntityId)}`);
  const value = textOf(issuer);
  const format = attr(issuer, 'Format');
  if (format !== null && format !== ENTITY_FORMAT) {
    reject('E_ISSUER', `the ${where} Issuer has Format ${format}; SAML profiles 4.1.4.2 require ${ENTITY_FORMAT} or none`);
  }
  if (value === null) reject('E_ISSUER', `the ${where} Issuer has element content instead of the IdP entity ID`);
  if (ctx.idpEntityId !== null && value !== ctx.idpEntityId) {
    reject('E_ISSUER', `the ${where} Issuer is ${JSON.stringify(value)}, expected the trusted IdP ${JSON.stringify(ctx.idpEntityId)}: load that IdP's metadata into samlgate, or configure the IdP's entity ID`, {
      claim: `${where} Issuer`, expected: ctx.idpEntityId, actual: value, fix: "give samlgate/TFE the metadata of the IdP that issued this response, or set the IdP's entity ID (Okta: Identity Provider Issuer; Entra ID: Microsoft Entra Identifier; ADFS: Federation Service Identifier; Keycloak: realm URL)",
    });
  }
  return value;
}

/** DEST1-3 (SAML bindings 3.5.5.2): a Destination must be this ACS; a signed Response must have one. */
export function checkDestination(response: Element, ctx: CheckContext, responseSigned: boolean): void {
  const destination = attr(response, 'Destination');
  if (destination === null) {
    if (responseSigned) reject('E_DESTINATION', `the signed Response has no Destination; SAML bindings 3.5.5.2 require it: configure the IdP to set Destination to ${ctx.acsUrl}`);
    return;
  }
  if (destination !== ctx.acsUrl) {
    reject('E_DESTINATION', `the Response Destination is ${JSON.stringify(destination)}, expected ${JSON.stringify(ctx.acsUrl)}: set the ACS URL for this SP in the IdP to ${ctx.acsUrl}`, {
      claim: 'Destination', expected: ctx.acsUrl, actual: destination, fix: `set the ACS URL for this SP in the IdP to ${ctx.acsUrl}`,
    });
  }
}

/** AUD1-4: at least one AudienceRestriction; every one must name this SP exactly (SAML core 2.5.1.4). */
export function checkAudience(conditions: Element, ctx: CheckContext): void {
  const restrictions = childElements(conditions, NS.assertion, 'AudienceRestriction');
  if (restrictions.length === 0) {
    reject('E_AUDIENCE', `the assertion has no AudienceRestriction; a bearer assertion must be restricted to ${JSON.stringify(ctx.spEntityId)} (SAML profiles 4.1.4.2): set the SP entity ID / audience in the IdP`);
  }
  for (const r of restrictions) {
    const audiences = childElements(r, NS.assertion, 'Audience').map((a) => textOf(a) ?? '');
    if (!audiences.includes(ctx.spEntityId)) {
      reject(
        'E_AUDIENCE',
        `assertion audience is ${audiences.length ? audiences.map((a) => `\`${a}\``).join(', ') : '(empty)'}, expected \`${ctx.spEntityId}\`${restrictions.length > 1 ? ' in every AudienceRestriction' : ''}: set the SP entity ID (audience) in your IdP to ${ctx.spEntityId}`,
        { claim: 'Audience', expected: ctx.spEntityId, actual: audiences.join(' '), fix: `set the SP entity ID (audience) in your IdP to ${ctx.spEntityId}` },
      );
    }
  }
}

/** TIME5 and the Conditions window with symmetric skew (SAML core 2.5.1.2, SKEW1). */
export function checkConditionsTime(conditions: Element, ctx: CheckContext): number | null {
  const notBefore = instantAttr(conditions, 'NotBefore', 'Conditions NotBefore');
  const notOnOrAfter = instantAttr(conditions, 'NotOnOrAfter', 'Conditions NotOnOrAfter');
  if (notBefore !== null && notOnOrAfter !== null && notOnOrAfter <= notBefore) {
    reject('E_TIME', `Conditions NotOnOrAfter ${iso(notOnOrAfter)} is not after NotBefore ${iso(notBefore)}`);
  }
  if (notBefore !== null && ctx.now + ctx.skewMs < notBefore) {
    reject('E_TIME', `the assertion is not valid before ${iso(notBefore)} and it is ${iso(ctx.now)} here (skew allowance ${ctx.skewMs} ms): check the clocks of the IdP and the gateway`);
  }
  if (notOnOrAfter !== null && ctx.now - ctx.skewMs >= notOnOrAfter) {
    reject('E_TIME', `the assertion expired at ${iso(notOnOrAfter)} (Conditions NotOnOrAfter) and it is ${iso(ctx.now)} here (skew allowance ${ctx.skewMs} ms): log in again, or check the clocks`);
  }
  return notOnOrAfter;
}

export interface SubjectFacts {
  nameId: string;
  nameIdFormat: string | null;
  scdNotOnOrAfter: number;
  scdInResponseTo: string | null;
}

const EMAIL = /^[^\s@\x00-\x1f\x7f]+@[^\s@\x00-\x1f\x7f]+$/;

/** SUBJ1-4, RCPT1-2, TIME3-4 (SAML profiles 4.1.4.2, 4.1.4.3). */
export function checkSubject(subject: Element | null, ctx: CheckContext): SubjectFacts {
  if (!subject) reject('E_SUBJECT', 'the assertion has no Subject');
  if (childElements(subject, NS.assertion, 'EncryptedID').length || childElements(subject, NS.assertion, 'BaseID').length) {
    reject('E_SUBJECT', 'the Subject carries an EncryptedID or BaseID; samlgate needs a plain NameID (the user email): turn off NameID encryption for this SP');
  }
  const nameIdEl = optionalChild(subject, NS.assertion, 'NameID', 'E_SUBJECT');
  if (!nameIdEl) reject('E_SUBJECT', 'the Subject has no NameID; configure the IdP to send the user email as NameID');
  const nameId = textOf(nameIdEl);
  if (nameId === null || nameId.trim() === '') reject('E_SUBJECT', 'the NameID is empty; configure the IdP to send the user email as NameID');
  const nameIdFormat = attr(nameIdEl, 'Format');
  if (nameIdFormat === NAMEID_FORMAT.email && !EMAIL.test(nameId)) {
    reject('E_SUBJECT', `the NameID ${JSON.stringify(nameId)} has Format emailAddress but is not an email address`);
  }
  const spQualifier = attr(nameIdEl, 'SPNameQualifier');
  if (spQualifier !== null && spQualifier !== ctx.spEntityId) {
    reject('E_SUBJECT', `the NameID SPNameQualifier is ${JSON.stringify(spQualifier)}, expected ${JSON.stringify(ctx.spEntityId)}: the IdP issued this identifier for another SP`);
  }

  const confirmations = childElements(subject, NS.assertion, 'SubjectConfirmation');
  if (confirmations.length !== 1) {
    reject('E_SUBJECT', `the Subject has ${confirmations.length} SubjectConfirmation elements; samlgate expects exactly one, with Method ${CM_BEARER}`);
  }
  const sc = confirmations[0]!;
  const method = attr(sc, 'Method');
  if (method !== CM_BEARER) {
    reject('E_SUBJECT', `the SubjectConfirmation Method is ${method === null ? '(absent)' : method}, expected ${CM_BEARER} (Web Browser SSO uses bearer assertions)`);
  }
  const scd = optionalChild(sc, NS.assertion, 'SubjectConfirmationData', 'E_SUBJECT');
  if (!scd) reject('E_SUBJECT', 'the bearer SubjectConfirmation has no SubjectConfirmationData (SAML profiles 4.1.4.2 require Recipient and NotOnOrAfter)');
  const recipient = attr(scd, 'Recipient');
  if (recipient !== ctx.acsUrl) {
    reject('E_RECIPIENT', `the SubjectConfirmationData Recipient is ${recipient === null ? '(absent)' : JSON.stringify(recipient)}, expected ${JSON.stringify(ctx.acsUrl)}: set the ACS URL for this SP in the IdP to ${ctx.acsUrl}`, {
      claim: 'Recipient', expected: ctx.acsUrl, actual: recipient ?? '(absent)', fix: `set the ACS URL for this SP in the IdP to ${ctx.acsUrl}`,
    });
  }
  if (attr(scd, 'NotBefore') !== null) {
    reject('E_SUBJECT', 'the bearer SubjectConfirmationData has a NotBefore attribute, which SAML profiles 4.1.4.2 forbid');
  }
  const scdNotOnOrAfter = instantAttr(scd, 'NotOnOrAfter', 'SubjectConfirmationData NotOnOrAfter');
  if (scdNotOnOrAfter === null) {
    reject('E_SUBJECT', 'the bearer SubjectConfirmationData has no NotOnOrAfter (SAML profiles 4.1.4.2 require one to bound its use)');
  }
  if (ctx.now - ctx.skewMs >= scdNotOnOrAfter) {
    reject('E_TIME', `the assertion could be used until ${iso(scdNotOnOrAfter)} (SubjectConfirmationData NotOnOrAfter) and it is ${iso(ctx.now)} here (skew allowance ${ctx.skewMs} ms): log in again, or check the clocks`);
  }
  return { nameId, nameIdFormat, scdNotOnOrAfter, scdInResponseTo: attr(scd, 'InResponseTo') };
}

export interface AuthnFacts {
  authnInstant: number;
  sessionIndex: string | null;
  sessionNotOnOrAfter: number | null;
}

/** AUTHN1-2 and SessionNotOnOrAfter (SAML core 2.7.2). */
export function checkAuthnStatement(assertion: Element, ctx: CheckContext, maxAuthnAgeMs: number): AuthnFacts {
  const statement = optionalChild(assertion, NS.assertion, 'AuthnStatement', 'E_AUTHN');
  if (!statement) reject('E_AUTHN', 'the assertion has no AuthnStatement; configure the IdP to include one (SAML profiles 4.1.4.2)');
  const authnInstant = instantAttr(statement, 'AuthnInstant', 'AuthnInstant');
  if (authnInstant === null) reject('E_AUTHN', 'the AuthnStatement has no AuthnInstant');
  if (authnInstant > ctx.now + ctx.skewMs) {
    reject('E_TIME', `AuthnInstant ${iso(authnInstant)} is in the future (now ${iso(ctx.now)}, skew allowance ${ctx.skewMs} ms): check the IdP's clock`);
  }
  if (ctx.now - authnInstant > maxAuthnAgeMs + ctx.skewMs) {
    reject('E_TIME', `the user authenticated at ${iso(authnInstant)}, more than ${maxAuthnAgeMs} ms ago; samlgate requires a fresher login: sign in at the IdP again`);
  }
  const sessionNotOnOrAfter = instantAttr(statement, 'SessionNotOnOrAfter', 'SessionNotOnOrAfter');
  if (sessionNotOnOrAfter !== null && ctx.now - ctx.skewMs >= sessionNotOnOrAfter) {
    reject('E_TIME', `the IdP session ended at ${iso(sessionNotOnOrAfter)} (SessionNotOnOrAfter), before this login was consumed at ${iso(ctx.now)}: sign in again`);
  }
  return { authnInstant, sessionIndex: attr(statement, 'SessionIndex'), sessionNotOnOrAfter };
}

export { describe };
