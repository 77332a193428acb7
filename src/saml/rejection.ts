/**
 * Why a SAML message was refused. Like jose's error classes: a stable `code` to switch on and
 * to test against, a `detail` for operators (logs, the debug view), and a `publicMessage` for the
 * browser that gives an attacker nothing (DESIGN 5, STYLE: crewjam's private/public reasons).
 */
import { SamlgateError, type ErrorKind } from '../errors.ts';

export const REJECTION_CODES = {
  E_TRANSPORT: 'the SAML message did not arrive in the form the binding requires',
  E_XML: 'the SAML message is not well-formed, or uses XML features samlgate refuses',
  E_SCHEMA: 'the SAML message does not follow the SAML 2.0 schema',
  E_STRUCT: 'the SAML message has an unexpected structure (possible signature wrapping)',
  E_SIGNATURE: 'the SAML message is not signed by the trusted IdP key',
  E_ALGORITHM: 'the SAML message uses a signature or digest algorithm samlgate does not allow',
  E_VERSION: 'the SAML message is not SAML 2.0',
  E_STATUS: 'the IdP reported that the login did not succeed',
  E_ISSUER: 'the SAML message comes from an IdP this gateway does not trust',
  E_DESTINATION: 'the SAML response was addressed to another endpoint',
  E_AUDIENCE: 'the assertion was issued for another service provider',
  E_RECIPIENT: 'the assertion was issued for another endpoint',
  E_SUBJECT: 'the assertion does not identify the user in a usable way',
  E_TIME: 'the assertion is not valid at this time',
  E_CONDITIONS: 'the assertion carries conditions samlgate cannot honour',
  E_AUTHN: 'the assertion does not say how the user authenticated',
  E_IN_RESPONSE_TO: 'the response does not answer a login request of this browser',
  E_UNSOLICITED: 'the response was not requested and IdP-initiated login is off',
  E_REPLAY: 'the assertion was already used',
  E_ATTR: 'the assertion carries ambiguous or malformed attributes',
  E_USER: 'the user may not log in',
  E_DECRYPT: 'the encrypted assertion could not be decrypted',
} as const;

export type RejectionCode = keyof typeof REJECTION_CODES;

/**
 * Structured facts about a refusal (jose's `claim`/`reason` fields): what was checked, what
 * the gateway expected and what the document carried, and the change that fixes it. Callers
 * (the validator, the debug view) read these fields; nobody parses `detail`.
 */
export interface RejectionFacts {
  /** The checked field, e.g. `Audience`, `SignatureMethod`, `IsServiceAccount`. */
  claim?: string;
  expected?: string;
  actual?: string;
  /** What to change, in the IdP or in samlgate. */
  fix?: string;
}

/**
 * Every error code of the SAML layer, a closed union (jose's `ERR_JWT_*` style): the refusals of
 * SAML messages above, unusable metadata, unusable keys and certificates, and input the
 * validator cannot read. Callers switch on `code`, never on message strings.
 */
export type SamlErrorCode = RejectionCode | 'ERR_METADATA' | 'ERR_KEY' | 'ERR_UNUSABLE_INPUT';

/**
 * Input the validator cannot read is the caller's (usage: `samlgate validate` exits 2); a refused
 * message, unusable metadata or an unusable key is a runtime failure (exit 1), as `samlgate start`
 * with an unreadable --sp-key always answered.
 */
const USAGE_CODES: ReadonlySet<SamlErrorCode> = new Set(['ERR_UNUSABLE_INPUT']);

/** The one error base class of the SAML layer (src/saml/, src/validate/). */
export class SamlError extends SamlgateError {
  readonly code: SamlErrorCode;
  readonly kind: ErrorKind;
  /** Operator-facing explanation: what was found, what was expected, how to fix it. */
  readonly detail: string;
  readonly claim: string | undefined;
  readonly expected: string | undefined;
  readonly actual: string | undefined;
  readonly fix: string | undefined;

  constructor(code: SamlErrorCode, detail: string, facts: RejectionFacts = {}, message = detail) {
    super(message);
    this.code = code;
    this.kind = USAGE_CODES.has(code) ? 'usage' : 'runtime';
    this.detail = detail;
    this.claim = facts.claim;
    this.expected = facts.expected;
    this.actual = facts.actual;
    this.fix = facts.fix;
  }
}

/**
 * Why a SAML message was refused: every refusal of every message (login responses, logout
 * messages, AuthnRequests) is a SamlRejection with a code from REJECTION_CODES, and carries a
 * `publicMessage` safe for the browser.
 */
export class SamlRejection extends SamlError {
  declare readonly code: RejectionCode;
  /** Safe for the browser: no values from the document, no internals. */
  readonly publicMessage: string;

  constructor(code: RejectionCode, detail: string, facts: RejectionFacts = {}) {
    super(code, detail, facts, `${code}: ${detail}`);
    this.publicMessage = `Sign-in failed: ${REJECTION_CODES[code]}. Ask your administrator to check the gateway log (code ${code}).`;
  }
}

export function reject(code: RejectionCode, detail: string, facts?: RejectionFacts): never {
  throw new SamlRejection(code, detail, facts);
}
