/**
 * Rule F1 in the report: how severe each IsServiceAccount finding is, and the verdict line,
 * given what the capture was meant to show (`--expect service-account|user`, or nothing).
 *
 * The decision itself is decideServiceAccount()'s (src/saml/attribute-policy.ts), made by the
 * verification core and handed over as `serviceAccount`; this module only grades it. Why a
 * near-miss is an error by default: an attribute that is almost IsServiceAccount is never sent
 * by accident, it is a failed attempt to flag the user, and TFE fails it silently (the login
 * works, the tokens die with the session). A CI step that runs the validator must fail on it.
 * A near-miss beside a flag that still works (two values with `true` first, an odd xsi:type)
 * stays a warning: TFE flags the user, but the IdP's shape is fragile.
 */
import { ATTR, ATTRNAME_FORMAT } from '../saml/constants.ts';
import { rubySamlValues } from '../saml/attribute-policy.ts';
import { whyOf, type Finding, type Severity } from '../saml/verify/findings.ts';
import type { CheckedResponse } from '../saml/verify/response.ts';

export type Expectation = 'service-account' | 'user';
export const EXPECTATIONS: readonly Expectation[] = ['service-account', 'user'];

const f = (code: Finding['code'], severity: Severity, message: string, fix: string): Finding => ({ code, severity, message, why: whyOf(code), fix });

/** The TFE username the report talks about: Username, else the NameID's local part. */
function who(r: Partial<CheckedResponse>): string {
  return r.user?.username ?? (r.nameId ? r.nameId.split('@')[0]! : 'this user');
}

/** The severity of F1's near-miss findings under the stated intent. */
export function nearMissSeverity(flagged: boolean, expect: Expectation | undefined): Severity {
  if (expect === 'user') return 'info';
  return flagged ? 'warning' : 'error';
}

/**
 * Re-grades the core's F1 findings (the core reports them all as warnings) and returns the
 * verdict: SA_OK / SA_ABSENT as notes, SA_MISSING and SA_UNEXPECTED as errors when the
 * capture contradicts `expect`. Without a decision (the document could not be read that far)
 * there is nothing to grade.
 */
export function judgeServiceAccount(coreFindings: readonly Finding[], r: Partial<CheckedResponse> | null, expect: Expectation | undefined): { findings: Finding[]; verdict: Finding[] } {
  const decision = r?.serviceAccount;
  if (!r || !decision) return { findings: [...coreFindings], verdict: [] };
  const f1Codes = new Set<string>(decision.findings.map((x) => x.code));
  const severity = nearMissSeverity(decision.flagged, expect);
  const findings = coreFindings.map((x) => (f1Codes.has(x.code) ? { ...x, severity } : x));
  const name = who(r);
  const verdict: Finding[] = [];
  if (decision.flagged) {
    const format = rubySamlValues(r.attributes ?? [], ATTR.isServiceAccount)[0]?.from.nameFormat === null ? 'without NameFormat, accepted with --relax-nameformat' : 'with NameFormat basic';
    if (expect === 'user') {
      verdict.push(f('SA_UNEXPECTED', 'error', `${name} is flagged as a service account (IsServiceAccount=true ${format}), but --expect user says ${name} is a person: TFE would give their API tokens a life beyond the SSO session (valid until revoked, rule S3)`, 'stop sending IsServiceAccount=true for this user (send false or leave it out): check the IdP rule or group that selects automation users'));
    } else {
      verdict.push(f('SA_OK', 'info', `IsServiceAccount=true ${format}: TFE treats this user as a service account, so their API tokens survive the SSO session`, 'nothing to change'));
    }
    return { findings, verdict };
  }
  const nearMiss = decision.findings.length > 0;
  const sentFalse = !nearMiss && rubySamlValues(r.attributes ?? [], ATTR.isServiceAccount).length > 0;
  if (expect === 'service-account') {
    const detail = nearMiss ? 'what the IdP sends for IsServiceAccount does not flag (see the other IsServiceAccount findings)' : sentFalse ? 'the IdP sends IsServiceAccount=false' : 'the assertion carries no IsServiceAccount attribute';
    verdict.push(f('SA_MISSING', 'error', `TFE will treat ${name} as a person: their API tokens will get 401 when their session ends; ${detail}`, `send IsServiceAccount=true with NameFormat ${ATTRNAME_FORMAT.basic} for this user`));
  } else if (!nearMiss) {
    const what = sentFalse ? 'IsServiceAccount is false' : 'the assertion carries no IsServiceAccount attribute';
    verdict.push(f('SA_ABSENT', 'info', `${what}: TFE treats this user as a person, so their API tokens stop working when the SSO session ends`, `for automation users, send IsServiceAccount=true with NameFormat ${ATTRNAME_FORMAT.basic}`));
  }
  return { findings, verdict };
}
