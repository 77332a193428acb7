/**
 * The three output formats of `samlgate validate`: text for people (colour only on a terminal),
 * JSON for scripts (`{ok, findings:[{code,severity,message,why,fix,...}], ...}`), and JUnit XML
 * so CI shows each check as a test case (failed when it has an error finding).
 */
import type { Finding } from '../saml/verify/findings.ts';
import { escapeXml } from '../saml/xml.ts';
import type { Report } from './validate.ts';

export type Format = 'text' | 'json' | 'junit';

/** The checks, as JUnit test cases: each finding code belongs to one. */
export const CHECKS: ReadonlyArray<{ name: string; codes: RegExp }> = [
  { name: 'well-formed XML and transport', codes: /^E_(XML|TRANSPORT)$/ },
  { name: 'SAML 2.0 schema (XSD)', codes: /^(SCHEMA_|E_SCHEMA$|E_VERSION$)/ },
  { name: 'structure and signature placement', codes: /^E_STRUCT$/ },
  { name: 'signature algorithms', codes: /^E_ALGORITHM$/ },
  { name: 'signature', codes: /^(E_SIGNATURE|SIG_|XMLSEC_)/ },
  { name: 'status', codes: /^E_STATUS$/ },
  { name: 'issuer', codes: /^(E_ISSUER|ISSUER_)/ },
  { name: 'destination and recipient', codes: /^E_(DESTINATION|RECIPIENT)$/ },
  { name: 'audience', codes: /^E_AUDIENCE$/ },
  { name: 'subject and NameID', codes: /^(E_SUBJECT|NAMEID_)/ },
  { name: 'validity window and clock skew', codes: /^(E_TIME|E_CONDITIONS|SKEW)/ },
  { name: 'authentication statement', codes: /^E_AUTHN$/ },
  { name: 'IsServiceAccount (rule F1)', codes: /^SA_/ },
  { name: 'attribute policy', codes: /^(ATTR_|E_ATTR$)/ },
  { name: 'Username', codes: /^USERNAME_/ },
  { name: 'MemberOf and SiteAdmin', codes: /^(MEMBEROF_|SITEADMIN_)/ },
  { name: 'session lifetime (SessionNotOnOrAfter)', codes: /^SESSION_/ },
  { name: 'encryption', codes: /^(ENCRYPTED|E_DECRYPT)$/ },
  { name: 'certificates', codes: /^CERT_/ },
  { name: 'metadata', codes: /^META_/ },
  { name: 'samlify second opinion', codes: /^SAMLIFY_/ },
];

function checkOf(f: Finding): string {
  return CHECKS.find((c) => c.codes.test(f.code))?.name ?? 'other';
}

const COLOURS = { error: '\x1b[31m', warning: '\x1b[33m', info: '\x1b[36m', reset: '\x1b[0m', bold: '\x1b[1m' };

export function formatText(r: Report, colour: boolean): string {
  const c = (k: keyof typeof COLOURS, s: string) => (colour ? `${COLOURS[k]}${s}${COLOURS.reset}` : s);
  const lines: string[] = [];
  lines.push(`${c('bold', 'samlgate validate')}: ${r.input.kind === 'metadata' ? 'metadata document' : 'SAML response'} (${r.input.encoding}), judged at ${r.judgedAt}`);
  if (r.summary.nameId !== undefined) {
    lines.push(`  NameID ${r.summary.nameId || '(none)'}, issuer ${r.summary.issuer || '(unknown)'}, service account: ${r.summary.serviceAccount ? 'yes' : 'no'}`);
    for (const a of r.summary.attributes ?? []) lines.push(`  attribute ${a.name ?? '(no Name)'} [${a.nameFormat ?? 'no NameFormat'}] = ${JSON.stringify(a.values)}`);
  }
  if (r.secondOpinions.samlify?.available) lines.push(`  samlify: ${r.secondOpinions.samlify.accepted === null ? 'not run' : r.secondOpinions.samlify.accepted ? 'accepts' : 'refuses'}`);
  if (r.secondOpinions.xmlsec?.available) lines.push(`  xmlsec1: ${r.secondOpinions.xmlsec.verdicts.map((v) => `${v.element} signature ${v.ok ? 'verifies' : 'does NOT verify'}`).join(', ') || 'no signature checked'}`);
  lines.push('');
  for (const f of r.findings) {
    lines.push(`${c(f.severity, f.severity.toUpperCase().padEnd(7))} ${c('bold', f.code)}: ${f.message}`);
    lines.push(`        why: ${f.why}`);
    lines.push(`        fix: ${f.fix}`);
  }
  const n = (s: Finding['severity']) => r.findings.filter((f) => f.severity === s).length;
  lines.push('');
  lines.push(r.ok ? c('info', `OK: no errors (${n('warning')} warnings, ${n('info')} notes)`) : c('error', `FAILED: ${n('error')} errors, ${n('warning')} warnings, ${n('info')} notes`));
  return `${lines.join('\n')}\n`;
}

export function formatJson(r: Report): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

export function formatJunit(r: Report): string {
  const cases = CHECKS.map((check) => {
    const mine = r.findings.filter((f) => checkOf(f) === check.name);
    const errors = mine.filter((f) => f.severity === 'error');
    const out = mine.filter((f) => f.severity !== 'error').map((f) => `${f.severity} ${f.code}: ${f.message} (fix: ${f.fix})`).join('\n');
    return (
      `  <testcase classname="samlgate.validate" name="${escapeXml(check.name)}">` +
      errors.map((f) => `<failure type="${f.code}" message="${escapeXml(f.message)}">${escapeXml(`${f.message}\nwhy: ${f.why}\nfix: ${f.fix}`)}</failure>`).join('') +
      (out ? `<system-out>${escapeXml(out)}</system-out>` : '') +
      `</testcase>`
    );
  });
  const failures = CHECKS.filter((check) => r.findings.some((f) => f.severity === 'error' && checkOf(f) === check.name)).length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites><testsuite name="samlgate validate" tests="${CHECKS.length}" failures="${failures}" errors="0" timestamp="${r.judgedAt}">\n${cases.join('\n')}\n</testsuite></testsuites>\n`;
}

export function formatReport(r: Report, format: Format, colour: boolean): string {
  return format === 'json' ? formatJson(r) : format === 'junit' ? formatJunit(r) : formatText(r, colour);
}
