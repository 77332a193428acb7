/**
 * Findings: what the verification core reports when it runs every check instead of stopping at
 * the first failure (the validator, the gateway's debug view). Each finding has a stable `code`
 * (a rejection code of the ACS, an attribute-policy code, or a validator code below), what was
 * found and where (`message`), why it matters for Terraform Enterprise (`why`), and the change
 * that fixes it (`fix`). Codes are documented in docs/validate.md.
 */
import type { FindingCode as AttributeFindingCode } from '../attribute-policy.ts';
import { REJECTION_CODES, SamlRejection, type RejectionCode } from '../rejection.ts';

export type Severity = 'error' | 'warning' | 'info';

/** Checks only the validator makes (certificates, metadata, second opinions, the F1 verdict). */
export const VALIDATOR_CODES = {
  SA_OK: 'the IdP flags this user as a service account exactly as TFE requires',
  SA_ABSENT: 'no IsServiceAccount attribute: TFE treats the user as a person whose tokens end with the SSO session',
  SA_UNEXPECTED: 'a person flagged as a service account keeps API tokens that outlive the SSO session (rule S3)',
  NAMEID_NOT_EMAIL: 'TFE uses the NameID as the user email and matches accounts on it',
  USERNAME_MISSING: 'without Username, TFE derives the username from the email local part',
  USERNAME_INVALID: 'TFE usernames allow letters, digits, -, _ and .; other characters become _',
  MEMBEROF_COMMA: 'TFE splits one comma-separated MemberOf value into teams, as it does several values',
  MEMBEROF_MISSING: 'without MemberOf, TFE team management assigns no teams at login',
  SITEADMIN_VALUE: 'TFE grants site admin only for SiteAdmin=true or the site-admins group',
  SESSION_LIFETIME: 'SessionNotOnOrAfter ends the TFE web session, and with it the user API tokens of non-service accounts',
  SESSION_NOT_ON_OR_AFTER_ABSENT: 'without SessionNotOnOrAfter, the TFE session ends at the idle/absolute timeouts (14 days by default)',
  SIG_RESPONSE_ONLY: 'only the Response is signed: the assertion is trusted through the Response signature',
  SIG_NOT_CHECKED: 'without the IdP certificate the validator cannot say whether TFE will accept the signature',
  ISSUER_NOT_CHECKED: 'without IdP metadata the validator cannot compare the Issuer with the trusted IdP',
  ENCRYPTED: 'TFE decrypts assertions only when an SP encryption certificate is configured',
  CERT_EXPIRED: 'TFE keeps verifying with an expired certificate, but many IdPs stop signing with it and rotation breaks login',
  CERT_EXPIRES_SOON: 'when the IdP rotates its signing certificate, TFE must get the new one or every login fails',
  CERT_KEY_SIZE: 'RSA keys below 2048 bits are considered breakable',
  CERT_NOT_RSA: 'TFE (ruby-saml) and samlgate verify RSA signatures',
  CERT_MISMATCH: 'the response is signed by a certificate other than the one configured',
  META_INVALID: 'TFE needs the IdP entity ID, SSO URL and signing certificate from the metadata',
  META_NO_SIGNING_CERT: 'without a signing certificate TFE cannot verify any response',
  META_WANTS_SIGNED_REQUESTS: 'TFE signs AuthnRequests only when configured with an SP signing certificate',
  SCHEMA_XSD: 'an IdP that emits schema-invalid SAML is read differently by different SAML libraries',
  SCHEMA_NOT_CHECKED: 'the XSD validator could not run, so schema violations may be missed',
  SAMLIFY_REFUSES: 'another mainstream SAML library refuses this response: expect other SPs to as well',
  SAMLIFY_SHIFTED_ATTRIBUTES: 'libraries that zip attribute names and values by position read a different map',
  XMLSEC_REFUSES: 'libxmlsec (used by many SPs) does not verify this signature',
  XMLSEC_NOT_INSTALLED: 'xmlsec1 is not installed, so no independent signature check ran',
  SKEW: 'TFE allows little clock skew: an IdP clock off by minutes makes logins fail intermittently',
} as const;

export type ValidatorCode = keyof typeof VALIDATOR_CODES;
export type FindingCode = RejectionCode | AttributeFindingCode | ValidatorCode;

export interface Finding {
  code: FindingCode;
  severity: Severity;
  /** What was found, and where. */
  message: string;
  /** Why it matters for TFE. */
  why: string;
  /** What to change. */
  fix: string;
  claim?: string;
  expected?: string;
  actual?: string;
}

/** Why an ACS refusal matters: TFE refuses the same document (ruby-saml's validations). */
const WHY_REJECTION: Record<RejectionCode, string> = {
  E_TRANSPORT: 'TFE receives the response as one base64 SAMLResponse form field',
  E_XML: 'TFE (ruby-saml) refuses malformed XML and DTDs',
  E_SCHEMA: 'TFE validates responses against the SAML 2.0 schema',
  E_STRUCT: 'an unexpected structure is how signature-wrapping attacks look; TFE refuses it',
  E_SIGNATURE: 'TFE refuses a response whose signature does not verify with the configured IdP certificate',
  E_ALGORITHM: 'weak algorithms (SHA-1) are refused by hardened SPs, and samlgate refuses them',
  E_VERSION: 'TFE speaks SAML 2.0 only',
  E_STATUS: 'TFE logs nobody in from a response whose status is not Success',
  E_ISSUER: 'TFE accepts responses only from the configured IdP entity ID',
  E_DESTINATION: 'TFE refuses responses addressed to another URL',
  E_AUDIENCE: 'TFE refuses assertions whose audience is not its SP entity ID (its metadata URL)',
  E_RECIPIENT: 'TFE refuses assertions whose Recipient is not its ACS URL',
  E_SUBJECT: 'TFE needs a NameID to find the user',
  E_TIME: 'TFE refuses assertions outside their validity window',
  E_CONDITIONS: 'unknown conditions must be refused (SAML core 2.5.1)',
  E_AUTHN: 'a login assertion needs an AuthnStatement (SAML profiles 4.1.4.2)',
  E_IN_RESPONSE_TO: 'the response must answer the request the SP sent',
  E_UNSOLICITED: 'IdP-initiated logins must be enabled explicitly',
  E_REPLAY: 'each assertion may log in once',
  E_ATTR: 'ambiguous attributes could be read differently by TFE and by the IdP administrator',
  E_USER: 'suspended users cannot log in',
  E_DECRYPT: 'TFE cannot read an assertion it cannot decrypt',
};

const WHY_ATTRIBUTE: Record<AttributeFindingCode, string> = {
  ATTR_NAMELESS: 'a Name-less attribute shifts every later value in readers that zip names and values by position (samlify): refused in every mode',
  ATTR_DUPLICATE: 'TFE (ruby-saml) merges duplicate attributes and reads the first value; the second one is silently ignored',
  ATTR_CASE_COLLISION: 'names that differ only in case or invisible characters are read as different attributes by different systems: refused in every mode',
  ATTR_MULTIPLE_VALUES: 'TFE (ruby-saml) reads only the first value of a single-valued attribute',
  ATTR_EMPTY_VALUE: 'an empty value does not count as true at TFE',
  ATTR_ELEMENT_VALUE: 'TFE reads text values only',
  ATTR_ENCRYPTED: 'an attribute samlgate cannot read must not be taken as absent: refused in every mode',
  SA_MISSING: 'TFE treats a user without IsServiceAccount=true as a person',
  SA_NAME_CASE: 'TFE matches the attribute Name IsServiceAccount exactly; any other spelling is ignored and the tokens expire with the session',
  SA_FRIENDLY_NAME_ONLY: 'TFE reads the Name, never the FriendlyName',
  SA_NAMEFORMAT: 'TFE expects NameFormat basic for IsServiceAccount',
  SA_NAMEFORMAT_ABSENT: 'TFE expects NameFormat basic for IsServiceAccount',
  SA_VALUE: 'only the value true (any letter case) makes TFE treat the user as a service account',
  SA_MULTIPLE_VALUES: 'TFE (ruby-saml) reads only the first IsServiceAccount value',
  SA_XSI_TYPE: 'TFE ignores xsi:type and compares the text, so a typed value may not mean what the IdP administrator thinks',
};

export function whyOf(code: FindingCode): string {
  if (Object.hasOwn(WHY_REJECTION, code)) return WHY_REJECTION[code as RejectionCode];
  if (Object.hasOwn(WHY_ATTRIBUTE, code)) return WHY_ATTRIBUTE[code as AttributeFindingCode];
  return VALIDATOR_CODES[code as ValidatorCode];
}

/** Default fixes for refusals that carry none of their own. */
const DEFAULT_FIX: Partial<Record<RejectionCode, string>> = {
  E_TRANSPORT: 'post the response as the SAMLResponse field of an HTML form (HTTP-POST binding)',
  E_XML: 'send a well-formed SAML document without DTD or processing instructions',
  E_SCHEMA: 'fix the IdP template so the response follows the SAML 2.0 schema',
  E_STRUCT: 'send one Assertion directly under the Response, signed with one enveloped signature',
  E_SIGNATURE: 'sign the assertion (or the response) with the key whose certificate is in the IdP metadata given to samlgate/TFE',
  E_ALGORITHM: 'configure the IdP to sign with RSA-SHA256 and SHA-256 digests',
  E_STATUS: "check the IdP's log for why it refused the login",
  E_TIME: 'check the clocks of the IdP and the SP, and the assertion lifetime',
  E_SUBJECT: 'send the user email as NameID with Format emailAddress',
  E_DECRYPT: 'encrypt the assertion with the SP encryption certificate from the SP metadata, using AES-GCM and RSA-OAEP',
};

export function findingFromRejection(err: SamlRejection, severity: Severity = 'error'): Finding {
  const f: Finding = {
    code: err.code,
    severity,
    message: err.detail,
    why: whyOf(err.code),
    fix: err.fix ?? DEFAULT_FIX[err.code] ?? REJECTION_CODES[err.code],
  };
  if (err.claim !== undefined) f.claim = err.claim;
  if (err.expected !== undefined) f.expected = err.expected;
  if (err.actual !== undefined) f.actual = err.actual;
  return f;
}

/**
 * The two ways the core runs. `failFast` throws the first SamlRejection (the ACS: no wasted
 * work on a bad document, and the exact behaviour the attack tests pin). `collect` records it
 * and carries on with the fallback, so one report shows every problem.
 */
export class CheckRun {
  readonly findings: Finding[] = [];
  constructor(readonly collect: boolean) {}

  check<T>(fn: () => T, fallback: () => T): T {
    if (!this.collect) return fn();
    try {
      return fn();
    } catch (err) {
      // Findings mode never throws: an unexpected failure is reported like any other.
      const rejection = err instanceof SamlRejection ? err : new SamlRejection('E_STRUCT', `the SAML response could not be processed: ${err instanceof Error ? err.message : String(err)}`);
      this.add(findingFromRejection(rejection));
      return fallback();
    }
  }

  /** Fatal in both modes: nothing further can be checked (unparseable input). */
  fatal<T>(fn: () => T): T {
    return fn();
  }

  add(f: Finding): void {
    if (!this.collect) return;
    if (this.findings.some((g) => g.code === f.code && g.message === f.message)) return;
    this.findings.push(f);
  }
}
