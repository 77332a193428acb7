/**
 * The ACS core: verifies a posted SAML Response and returns the login it carries.
 *
 * One readable pipeline in the order of SP-SECURITY 10.2, like crewjam/saml's validateAssertion:
 * transport, parse, structure, status, algorithms, signatures, then every semantic check on the
 * elements parsed from the *signed* canonical bytes, InResponseTo, the attribute policy, and the
 * replay cache last (so a rejected document does not burn its assertion ID). Built on xmldom,
 * xml-crypto's canonicaliser and node's crypto (signature.ts) rather than samlify's
 * parseLoginResponse, which cannot return the verified assertion and zips attribute names and
 * values by index (ATTR9).
 */
import type { Clock } from '../../clock.ts';
import { NS } from '../../saml/constants.ts';
import { countEncryptedAttributes, readAttributes, type SamlAttribute } from '../../saml/attributes.ts';
import {
  decideServiceAccount,
  readUserAttributes,
  structuralFindings,
  type AttributePolicyOptions,
  type ServiceAccountDecision,
  type UserAttributes,
} from '../../saml/attribute-policy.ts';
import { reject, SamlRejection } from '../../saml/rejection.ts';
import type { IdpTrust } from '../../saml/trust.ts';
import { DEFAULT_XML_LIMITS, parseXml } from '../../saml/xml.ts';
import type { ReplayCache } from '../../store/types.ts';
import {
  checkAudience,
  checkAuthnStatement,
  checkConditionsTime,
  checkDestination,
  checkIssuer,
  checkSubject,
  iso,
  parseInstant,
  type CheckContext,
} from './assertion-checks.ts';
import { attr, childElements, describe, is, optionalChild } from './dom.ts';
import { checkAlgorithms, verifyEnvelopedSignature } from './signature.ts';
import { checkRoot, checkStatus, checkStructure } from './structure.ts';
import { decodePostedMessage } from './transport.ts';

export interface VerifyOptions {
  sp: { entityId: string; acsUrl: string };
  idp: IdpTrust;
  clock: Clock;
  /** Applied symmetrically to every time comparison (SKEW1). */
  clockSkewMs: number;
  /** An AuthnInstant older than this is refused with E_TIME (AUTHN2). */
  maxAuthnAgeMs: number;
  /** Cap on NotOnOrAfter - IssueInstant (TIME10). */
  maxAssertionLifetimeMs: number;
  replay: ReplayCache;
  attributePolicy: AttributePolicyOptions;
  /** IdP-initiated SSO: accept responses without InResponseTo. */
  allowUnsolicited: boolean;
  /** TFE's want-assertions-signed: the Assertion must carry its own signature (a Response signature alone is refused). */
  requireAssertionSignature?: boolean;
}

export interface VerifiedLogin {
  assertionId: string;
  issuer: string;
  nameId: string;
  nameIdFormat: string | null;
  sessionIndex: string | null;
  /** epoch ms */
  sessionNotOnOrAfter: number | null;
  authnInstant: number;
  inResponseTo: string | null;
  attributes: SamlAttribute[];
  serviceAccount: ServiceAccountDecision;
  user: UserAttributes;
}

/** Canonical signed bytes may be larger than the raw document (exc-c14n expands empty elements). */
const SIGNED_BYTES_LIMITS = { maxBytes: DEFAULT_XML_LIMITS.maxBytes * 4, maxDepth: DEFAULT_XML_LIMITS.maxDepth };

/**
 * `encoded` is req.body.SAMLResponse as received. `pendingRequestIds` are the AuthnRequest IDs
 * this browser session waits for; the caller removes the one returned in `inResponseTo`.
 * Every refusal is a SamlRejection.
 */
export async function verifyLoginResponse(
  encoded: unknown,
  pendingRequestIds: readonly string[],
  opts: VerifyOptions,
): Promise<VerifiedLogin> {
  const now = opts.clock.now();
  const { login, replayExpiresAt } = rejectUnexpected(() => checkResponse(encoded, pendingRequestIds, opts, now));
  // REPLAY1-3: last, so that only a document that passed everything else burns its ID. A store
  // failure here is an infrastructure error, not bad input, and propagates as such.
  const fresh = await opts.replay.claim(`assertion:${login.issuer}:${login.assertionId}`, replayExpiresAt, now);
  if (!fresh) {
    reject('E_REPLAY', `assertion ${login.assertionId} from ${login.issuer} was already used to log in; each assertion is accepted once (replayed or double-posted form): start a new login`);
  }
  return login;
}

function rejectUnexpected<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SamlRejection) throw err;
    throw new SamlRejection('E_STRUCT', `the SAML response could not be processed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function parseSigned(bytes: string, localName: 'Response' | 'Assertion', id: string): Element {
  const root = parseXml(bytes, SIGNED_BYTES_LIMITS).documentElement;
  const ns = localName === 'Response' ? NS.protocol : NS.assertion;
  if (!is(root, ns, localName) || attr(root, 'ID') !== id) {
    reject('E_SIGNATURE', `the signed content is ${describe(root)}, expected the ${localName} with ID ${JSON.stringify(id)}`);
  }
  return root;
}

function checkResponse(encoded: unknown, pendingRequestIds: readonly string[], opts: VerifyOptions, now: number) {
  // 1-2. Transport, then a strict parse (DTD, PI, depth, size, multiple roots).
  const xml = decodePostedMessage(encoded);
  const doc = parseXml(xml);

  // 3-4. Root and version, status, then structure on the unverified DOM. Status comes before
  // the "exactly one Assertion" rule because IdP error responses carry no assertion, and the
  // operator needs the IdP's status message, not "no assertion".
  const root = checkRoot(doc);
  checkStatus(root);
  const shape = checkStructure(doc, root);
  const responseId = attr(shape.response, 'ID')!;
  const assertionId = attr(shape.assertion, 'ID')!;

  // 5. Algorithms, before any crypto.
  if (!shape.responseSignature && !shape.assertionSignature) {
    reject('E_SIGNATURE', 'neither the Response nor the Assertion is signed: the IdP must sign the assertion or the response (enable assertion signing for this SP)');
  }
  if (opts.requireAssertionSignature && !shape.assertionSignature) {
    reject('E_SIGNATURE', 'the Assertion is not signed itself (only the Response is) and want-assertions-signed is on: have the IdP sign the assertion, or turn want-assertions-signed off in the admin SAML settings');
  }
  if (shape.responseSignature) checkAlgorithms(shape.responseSignature);
  if (shape.assertionSignature) checkAlgorithms(shape.assertionSignature);

  // 6. Signatures. Every signature present must verify against a metadata certificate; what we
  // read afterwards is parsed from the canonical bytes each signature covers.
  const certs = opts.idp.signingCertificates;
  let signedResponse: Element | null = null;
  if (shape.responseSignature) {
    signedResponse = parseSigned(verifyEnvelopedSignature(shape.responseSignature, certs), 'Response', responseId);
  }
  let assertion: Element;
  if (shape.assertionSignature) {
    assertion = parseSigned(verifyEnvelopedSignature(shape.assertionSignature, certs), 'Assertion', assertionId);
  } else {
    const inSigned = childElements(signedResponse!, NS.assertion, 'Assertion');
    if (inSigned.length !== 1 || attr(inSigned[0]!, 'ID') !== assertionId) {
      reject('E_SIGNATURE', 'the signed Response does not contain exactly the one Assertion that was checked');
    }
    assertion = inSigned[0]!;
  }

  // 7. Semantic checks on the signed assertion. Response-level fields come from the signed
  // Response when it is signed; otherwise they are unsigned and only checked for consistency,
  // and the assertion's own SubjectConfirmationData carries the binding (Recipient, InResponseTo).
  const response = signedResponse ?? shape.response;
  const ctx: CheckContext = {
    now,
    skewMs: opts.clockSkewMs,
    spEntityId: opts.sp.entityId,
    acsUrl: opts.sp.acsUrl,
    idpEntityId: opts.idp.entityId,
  };
  const responseIssuer = optionalChild(response, NS.assertion, 'Issuer');
  if (responseIssuer) checkIssuer(responseIssuer, ctx, 'Response');
  const issuer = checkIssuer(optionalChild(assertion, NS.assertion, 'Issuer'), ctx, 'Assertion');
  checkDestination(response, ctx, signedResponse !== null);

  const conditions = optionalChild(assertion, NS.assertion, 'Conditions');
  if (!conditions) {
    reject('E_TIME', 'the assertion has no Conditions, so its validity period and audience are unbounded (TIME5): configure the IdP to include Conditions with NotBefore, NotOnOrAfter and an AudienceRestriction');
  }
  checkAudience(conditions, ctx);
  const subject = checkSubject(optionalChild(assertion, NS.assertion, 'Subject'), ctx);
  const conditionsNotOnOrAfter = checkConditionsTime(conditions, ctx);

  const responseIssueInstant = attr(response, 'IssueInstant');
  if (responseIssueInstant === null) reject('E_SCHEMA', 'the Response has no IssueInstant attribute (required by SAML core 3.2.2)');
  const responseIssued = parseInstant(responseIssueInstant, 'Response IssueInstant');
  const issueInstant = parseInstant(attr(assertion, 'IssueInstant') ?? '', 'Assertion IssueInstant');
  for (const [what, t] of [['Assertion', issueInstant], ['Response', responseIssued]] as const) {
    if (t > now + opts.clockSkewMs) {
      reject('E_TIME', `the ${what} IssueInstant ${iso(t)} is in the future (now ${iso(now)}, skew allowance ${opts.clockSkewMs} ms): check the IdP's clock`);
    }
  }
  for (const [what, limit] of [['Conditions NotOnOrAfter', conditionsNotOnOrAfter], ['SubjectConfirmationData NotOnOrAfter', subject.scdNotOnOrAfter]] as const) {
    if (limit !== null && limit - issueInstant > opts.maxAssertionLifetimeMs) {
      reject('E_TIME', `the assertion was issued at ${iso(issueInstant)} and its ${what} is ${iso(limit)}, a lifetime over the ${opts.maxAssertionLifetimeMs} ms samlgate accepts (TIME10): shorten the assertion lifetime in the IdP`);
    }
  }
  const authn = checkAuthnStatement(assertion, ctx, opts.maxAuthnAgeMs);

  // 8. InResponseTo (IRT1-5). The SubjectConfirmationData value is signed with the assertion;
  // the Response's is signed only when the Response is.
  const responseIrt = attr(response, 'InResponseTo');
  const scdIrt = subject.scdInResponseTo;
  if (responseIrt !== null && scdIrt !== null && responseIrt !== scdIrt) {
    reject('E_IN_RESPONSE_TO', `the Response answers request ${JSON.stringify(responseIrt)} but its assertion answers ${JSON.stringify(scdIrt)}; they must agree`);
  }
  if (responseIrt !== null && !pendingRequestIds.includes(responseIrt)) {
    reject('E_IN_RESPONSE_TO', `the response answers request ${JSON.stringify(responseIrt)}, which this browser session did not send or already used${pendingRequestIds.length ? '' : ' (no login is pending)'}: start the login again from /session`);
  }
  const inResponseTo = scdIrt ?? (signedResponse ? responseIrt : null);
  if (inResponseTo === null) {
    if (!opts.allowUnsolicited) {
      reject('E_UNSOLICITED', `the response does not answer a login request${responseIrt !== null ? ' in its signed content' : ''} (IdP-initiated login) and unsolicited responses are disabled: start the login from /session, or enable IdP-initiated login for this IdP`);
    }
  } else if (!pendingRequestIds.includes(inResponseTo)) {
    reject('E_IN_RESPONSE_TO', `the assertion answers request ${JSON.stringify(inResponseTo)}, which this browser session did not send or already used${pendingRequestIds.length ? '' : ' (no login is pending)'}: start the login again from /session`);
  }

  // 9. Attribute policy, on the attributes of the signed assertion (SP-SECURITY 8).
  const attributes = readAttributes(assertion);
  const findings = structuralFindings(attributes, countEncryptedAttributes(assertion));
  if (findings.length) {
    reject('E_ATTR', findings.map((f) => `${f.message} (fix: ${f.fix})`).join('; '));
  }

  const login: VerifiedLogin = {
    assertionId,
    issuer,
    nameId: subject.nameId,
    nameIdFormat: subject.nameIdFormat,
    sessionIndex: authn.sessionIndex,
    sessionNotOnOrAfter: authn.sessionNotOnOrAfter,
    authnInstant: authn.authnInstant,
    inResponseTo,
    attributes,
    serviceAccount: decideServiceAccount(attributes, opts.attributePolicy),
    user: readUserAttributes(attributes),
  };
  const replayExpiresAt = Math.max(conditionsNotOnOrAfter ?? subject.scdNotOnOrAfter, subject.scdNotOnOrAfter) + opts.clockSkewMs;
  return { login, replayExpiresAt };
}
