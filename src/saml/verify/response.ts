/**
 * The verification core for SAML login responses, shared by the gateway's ACS and the validator
 * (DESIGN 3: gateway and validate both depend on saml).
 *
 * One readable pipeline in the order of SP-SECURITY 10.2, like crewjam/saml's validateAssertion:
 * parse, structure, status, algorithms, signatures, then every semantic check on the elements
 * parsed from the *signed* canonical bytes and the attribute policy. It runs in two modes:
 * - fail-fast (checkLoginResponse): the first failure throws a SamlRejection; the ACS uses this,
 *   wrapped by src/sp/acs.ts, which adds what only a live SP can judge (InResponseTo bound
 *   to the browser session, unsolicited responses, the replay cache);
 * - findings (inspectLoginResponse): every check runs, each failure becomes a Finding and the
 *   next check carries on with the best available element (the unverified one when a signature
 *   fails), so the validator and the debug view show every problem of a document at once.
 * The fail-fast path costs nothing extra: CheckRun.check() is a direct call when not collecting.
 */
import { NS } from '../constants.ts';
import { countEncryptedAttributes, readAttributes, type SamlAttribute } from '../attributes.ts';
import {
  decideServiceAccount,
  readUserAttributes,
  structuralFindings,
  type AttributePolicyOptions,
  type Finding as AttributeFinding,
  type ServiceAccountDecision,
  type UserAttributes,
} from '../attribute-policy.ts';
import type { Certificate } from '../keys.ts';
import { reject } from '../rejection.ts';
import { DEFAULT_XML_LIMITS, parseXml } from '../xml.ts';
import {
  checkAudience,
  checkAuthnStatement,
  checkConditionsTime,
  checkDestination,
  checkIssuer,
  checkSubject,
  iso,
  parseInstant,
  type AuthnFacts,
  type CheckContext,
  type SubjectFacts,
} from './assertion-checks.ts';
import { attr, childElements, describe, is, optionalChild } from './dom.ts';
import { CheckRun, whyOf, type Finding } from './findings.ts';
import { checkRoot, checkStatus, checkStructure, looseShape, type ResponseShape } from './structure.ts';
import { checkAlgorithms, verifyEnvelopedSignature } from './xmldsig.ts';
import { decryptAssertion, type DecryptionOptions } from './decrypt.ts';

export interface ResponseCheckOptions {
  sp: { entityId: string; acsUrl: string };
  /** entityId null: unknown (the validator without metadata); the Issuer is then only reported. */
  idp: { entityId: string | null; signingCertificates: readonly Certificate[] };
  /** epoch ms the response is judged at */
  now: number;
  /** Applied symmetrically to every time comparison (SKEW1). */
  clockSkewMs: number;
  /** An AuthnInstant older than this is refused with E_TIME (AUTHN2). */
  maxAuthnAgeMs: number;
  /** Cap on NotOnOrAfter - IssueInstant (TIME10). */
  maxAssertionLifetimeMs: number;
  attributePolicy: AttributePolicyOptions;
  /** The SP's decryption keys; without them an EncryptedAssertion is refused (E_STRUCT). */
  decryption?: DecryptionOptions;
}

export interface CheckedResponse {
  responseId: string;
  assertionId: string;
  issuer: string;
  nameId: string;
  nameIdFormat: string | null;
  sessionIndex: string | null;
  /** epoch ms */
  sessionNotOnOrAfter: number | null;
  authnInstant: number;
  issueInstant: number;
  /** InResponseTo of the Response element: signed only when `responseSigned`. */
  responseInResponseTo: string | null;
  /** InResponseTo of the signed assertion's SubjectConfirmationData. */
  scdInResponseTo: string | null;
  responseSigned: boolean;
  assertionSigned: boolean;
  encrypted: boolean;
  attributes: SamlAttribute[];
  serviceAccount: ServiceAccountDecision;
  /** Lenient-mode attribute near-misses (duplicates, several values...) plus F1's. */
  attributeNotes: AttributeFinding[];
  user: UserAttributes;
  /** When the replay cache may forget the assertion ID. */
  replayExpiresAt: number;
}

/** Canonical signed bytes may be larger than the raw document (exc-c14n expands empty elements). */
const SIGNED_BYTES_LIMITS = { maxBytes: DEFAULT_XML_LIMITS.maxBytes * 4, maxDepth: DEFAULT_XML_LIMITS.maxDepth };

function parseSigned(bytes: string, localName: 'Response' | 'Assertion', id: string): Element {
  const root = parseXml(bytes, SIGNED_BYTES_LIMITS).documentElement;
  const ns = localName === 'Response' ? NS.protocol : NS.assertion;
  if (!is(root, ns, localName) || attr(root, 'ID') !== id) {
    reject('E_SIGNATURE', `the signed content is ${describe(root)}, expected the ${localName} with ID ${JSON.stringify(id)}`);
  }
  return root;
}

/** Fail-fast: the verified login, or the first SamlRejection. */
export function checkLoginResponse(xml: string, opts: ResponseCheckOptions): CheckedResponse {
  return runPipeline(xml, opts, new CheckRun(false))!;
}

export interface Inspection {
  findings: Finding[];
  /** What could be read (from signed bytes where signatures verified); null when unreadable. */
  response: Partial<CheckedResponse> | null;
  /** The decrypted assertion's XML when the response was encrypted (for the debug view). */
  decryptedAssertionXml?: string;
}

/** Findings mode: every check that can run, every failure as a Finding. */
export function inspectLoginResponse(xml: string, opts: ResponseCheckOptions): Inspection {
  const run = new CheckRun(true);
  const out: Inspection = { findings: run.findings, response: null };
  try {
    out.response = runPipeline(xml, opts, run, out) ?? null;
  } catch (err) {
    // A fatal step (parse, no assertion at all) ends the inspection; record it like the others.
    run.check(() => {
      throw err;
    }, () => undefined);
  }
  return out;
}

function attributeFinding(f: AttributeFinding, rejected: boolean): Finding {
  return { code: f.code, severity: rejected ? 'error' : 'warning', message: f.message, why: whyOf(f.code), fix: f.fix, claim: f.attribute ?? 'Attribute' };
}

function runPipeline(xml: string, opts: ResponseCheckOptions, run: CheckRun, inspection?: Inspection): CheckedResponse | undefined {
  // 1-2. A strict parse (DTD, PI, depth, size, multiple roots): fatal in both modes.
  const doc = parseXml(xml);
  const root = checkRoot(doc);

  // 3-4. Status before the "exactly one Assertion" rule: IdP error responses carry no assertion,
  // and the operator needs the IdP's status message, not "no assertion".
  run.check(() => checkStatus(root), () => undefined);

  // Encrypted assertions (SP-SECURITY 10.2 step 6): a Response signature covers the ciphertext
  // and is verified first; a signature inside the assertion is verified after decryption.
  let shape: ResponseShape;
  let encrypted = false;
  const certs = opts.idp.signingCertificates;
  const canVerify = certs.length > 0 || !run.collect;
  let signedResponse: Element | null = null;
  if (childElements(root, NS.assertion, 'EncryptedAssertion').length > 0) {
    encrypted = true;
    const outer = run.check(() => checkStructure(root, { encrypted: true }), () => looseShape(root, true));
    if (outer.responseSignature && canVerify) {
      const responseId = attr(root, 'ID') ?? '';
      signedResponse = run.check(() => {
        checkAlgorithms(outer.responseSignature!);
        return parseSigned(verifyEnvelopedSignature(outer.responseSignature!, certs), 'Response', responseId);
      }, () => null);
    }
    const carrier = signedResponse ?? root;
    const encryptedAssertion = childElements(carrier, NS.assertion, 'EncryptedAssertion')[0]!;
    const plain = run.fatal(() => decryptAssertion(encryptedAssertion, opts.decryption));
    if (inspection) inspection.decryptedAssertionXml = plain;
    const assertionDoc = parseXml(plain, SIGNED_BYTES_LIMITS);
    const assertion = assertionDoc.documentElement;
    if (!is(assertion, NS.assertion, 'Assertion')) reject('E_DECRYPT', 'the EncryptedAssertion does not decrypt to a saml:Assertion');
    shape = run.check(() => checkStructure(assertion, { standaloneAssertion: true, response: carrier }), () => ({ ...looseShape(assertion, false), response: carrier, assertion }));
    shape = { ...shape, responseSignature: outer.responseSignature };
  } else {
    shape = run.check(() => checkStructure(root), () => looseShape(root, false));
  }
  const responseId = attr(shape.response, 'ID') ?? '';
  const assertionId = attr(shape.assertion, 'ID') ?? '';

  // 5-6. Algorithms before any crypto, then every signature present must verify against a
  // metadata certificate; what is read afterwards is parsed from the canonical signed bytes.
  if (!shape.responseSignature && !shape.assertionSignature) {
    run.check(() => reject('E_SIGNATURE', 'neither the Response nor the Assertion is signed: the IdP must sign the assertion or the response (enable assertion signing for this SP)', { fix: 'enable assertion signing (or response signing) for this SP in the IdP' }), () => undefined);
  }
  if (!encrypted && shape.responseSignature) run.check(() => checkAlgorithms(shape.responseSignature!), () => undefined);
  if (shape.assertionSignature) run.check(() => checkAlgorithms(shape.assertionSignature!), () => undefined);
  if (!canVerify) {
    run.add({ code: 'SIG_NOT_CHECKED', severity: 'warning', message: 'no IdP certificate was given, so no signature was verified; structure and algorithms were still checked', why: whyOf('SIG_NOT_CHECKED'), fix: 'pass --idp-metadata FILE|URL or --idp-cert FILE' });
  }
  let responseVerified = encrypted ? signedResponse !== null : false;
  if (!encrypted && shape.responseSignature && canVerify) {
    signedResponse = run.check(() => parseSigned(verifyEnvelopedSignature(shape.responseSignature!, certs), 'Response', responseId), () => null);
    responseVerified = signedResponse !== null;
  }
  let assertion: Element = shape.assertion;
  let assertionVerified = false;
  if (shape.assertionSignature && canVerify) {
    const signed = run.check(() => parseSigned(verifyEnvelopedSignature(shape.assertionSignature!, certs), 'Assertion', assertionId), () => null);
    if (signed) {
      assertion = signed;
      assertionVerified = true;
    }
  } else if (signedResponse && !encrypted) {
    const inSigned = run.check(() => {
      const found = childElements(signedResponse!, NS.assertion, 'Assertion');
      if (found.length !== 1 || attr(found[0]!, 'ID') !== assertionId) reject('E_SIGNATURE', 'the signed Response does not contain exactly the one Assertion that was checked');
      return found[0]!;
    }, () => shape.assertion);
    assertion = inSigned;
  }
  if (run.collect && responseVerified && !shape.assertionSignature) {
    run.add({ code: 'SIG_RESPONSE_ONLY', severity: 'info', message: 'the Response is signed and the Assertion is not', why: whyOf('SIG_RESPONSE_ONLY'), fix: 'optional: also sign the assertion (Okta: "Assertion Signature: Signed"; Entra ID: "Sign SAML response and assertion"; Keycloak: "Sign assertions" ON)' });
  }

  // 7. Semantic checks on the signed assertion. Response-level fields come from the signed
  // Response when it is signed; otherwise they are unsigned and only checked for consistency,
  // and the assertion's own SubjectConfirmationData carries the binding (Recipient, InResponseTo).
  const response = signedResponse ?? shape.response;
  const now = opts.now;
  const ctx: CheckContext = { now, skewMs: opts.clockSkewMs, spEntityId: opts.sp.entityId, acsUrl: opts.sp.acsUrl, idpEntityId: opts.idp.entityId };
  const responseIssuer = run.check(() => optionalChild(response, NS.assertion, 'Issuer'), () => null);
  if (responseIssuer) run.check(() => checkIssuer(responseIssuer, ctx, 'Response'), () => '');
  const issuer = run.check(() => checkIssuer(optionalChild(assertion, NS.assertion, 'Issuer'), ctx, 'Assertion'), () => '');
  run.check(() => checkDestination(response, ctx, signedResponse !== null), () => undefined);

  const conditions = run.check(() => {
    const c = optionalChild(assertion, NS.assertion, 'Conditions');
    if (!c) reject('E_TIME', 'the assertion has no Conditions, so its validity period and audience are unbounded (TIME5): configure the IdP to include Conditions with NotBefore, NotOnOrAfter and an AudienceRestriction', { claim: 'Conditions' });
    return c;
  }, () => null);
  if (conditions) run.check(() => checkAudience(conditions, ctx), () => undefined);
  const subject = run.check<SubjectFacts>(() => checkSubject(optionalChild(assertion, NS.assertion, 'Subject'), ctx), () => ({ nameId: '', nameIdFormat: null, scdNotOnOrAfter: now, scdInResponseTo: null }));
  const conditionsNotOnOrAfter = conditions ? run.check(() => checkConditionsTime(conditions, ctx), () => null) : null;

  const responseIssued = run.check(() => {
    const v = attr(response, 'IssueInstant');
    if (v === null) reject('E_SCHEMA', 'the Response has no IssueInstant attribute (required by SAML core 3.2.2)');
    return parseInstant(v, 'Response IssueInstant');
  }, () => now);
  const issueInstant = run.check(() => parseInstant(attr(assertion, 'IssueInstant') ?? '', 'Assertion IssueInstant'), () => now);
  for (const [what, t] of [['Assertion', issueInstant], ['Response', responseIssued]] as const) {
    run.check(() => {
      if (t > now + opts.clockSkewMs) reject('E_TIME', `the ${what} IssueInstant ${iso(t)} is in the future (now ${iso(now)}, skew allowance ${opts.clockSkewMs} ms): check the IdP's clock`, { claim: `${what} IssueInstant`, actual: iso(t), fix: "synchronise the IdP's clock (NTP)" });
    }, () => undefined);
  }
  for (const [what, limit] of [['Conditions NotOnOrAfter', conditionsNotOnOrAfter], ['SubjectConfirmationData NotOnOrAfter', subject.scdNotOnOrAfter]] as const) {
    run.check(() => {
      if (limit !== null && limit - issueInstant > opts.maxAssertionLifetimeMs) {
        reject('E_TIME', `the assertion was issued at ${iso(issueInstant)} and its ${what} is ${iso(limit)}, a lifetime over the ${opts.maxAssertionLifetimeMs} ms samlgate accepts (TIME10): shorten the assertion lifetime in the IdP`, { claim: what, fix: 'shorten the assertion lifetime in the IdP to minutes' });
      }
    }, () => undefined);
  }
  const authn = run.check<AuthnFacts>(() => checkAuthnStatement(assertion, ctx, opts.maxAuthnAgeMs), () => ({ authnInstant: now, sessionIndex: null, sessionNotOnOrAfter: null }));

  // 9. Attribute policy, on the attributes of the signed assertion (SP-SECURITY 8).
  const attributes = readAttributes(assertion);
  const structural = structuralFindings(attributes, countEncryptedAttributes(assertion), opts.attributePolicy);
  const refused = structural.filter((f) => f.severity === 'reject');
  if (refused.length) {
    const code = refused.some((f) => f.code === 'ATTR_NAMELESS') && refused.length === 1 ? 'E_SCHEMA' : 'E_ATTR';
    if (run.collect) for (const f of refused) run.add(attributeFinding(f, true));
    else reject(code, refused.map((f) => `${f.message} (fix: ${f.fix})`).join('; '), { claim: refused[0]!.attribute ?? 'Attribute', fix: refused[0]!.fix });
  }
  const serviceAccount = decideServiceAccount(attributes, opts.attributePolicy);
  const notes = [...structural.filter((f) => f.severity !== 'reject'), ...serviceAccount.findings];
  for (const f of notes) run.add(attributeFinding(f, false));

  return {
    responseId,
    assertionId,
    issuer,
    nameId: subject.nameId,
    nameIdFormat: subject.nameIdFormat,
    sessionIndex: authn.sessionIndex,
    sessionNotOnOrAfter: authn.sessionNotOnOrAfter,
    authnInstant: authn.authnInstant,
    issueInstant,
    responseInResponseTo: attr(response, 'InResponseTo'),
    scdInResponseTo: subject.scdInResponseTo,
    responseSigned: responseVerified || (!canVerify && shape.responseSignature !== null),
    assertionSigned: assertionVerified || (!canVerify && shape.assertionSignature !== null),
    encrypted,
    attributes,
    serviceAccount,
    attributeNotes: notes,
    user: readUserAttributes(attributes, opts.attributePolicy.userAttributes),
    replayExpiresAt: Math.max(conditionsNotOnOrAfter ?? subject.scdNotOnOrAfter, subject.scdNotOnOrAfter) + opts.clockSkewMs,
  };
}
