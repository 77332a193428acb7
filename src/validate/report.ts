/**
 * The three output formats of `samlgate validate`: text for people (colour only on a terminal),
 * JSON for scripts (`{ok, findings:[{code,severity,message,why,fix,...}], ...}`), and JUnit XML
 * so CI shows each check as a test case (failed when it has a finding that fails the report:
 * an error, or with --fail-on warning also a warning).
 */
import type { Finding } from '../saml/verify/findings.ts';
import { escapeXml } from '../saml/xml.ts';
import { failsReport, type Report } from './validate.ts';

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
  if (r.expect) lines.push(`  expected: ${r.expect === 'user' ? 'a person (--expect user)' : 'a service account (--expect service-account)'}`);
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
  const failOn = r.failOn === 'warning' ? ' (--fail-on warning: warnings fail too)' : '';
  lines.push(r.ok ? c('info', `OK: no errors (${n('warning')} warnings, ${n('info')} notes)`) : c('error', `FAILED: ${n('error')} errors, ${n('warning')} warnings, ${n('info')} notes${failOn}`));
  return `${lines.join('\n')}\n`;
}

export function formatJson(r: Report): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

/** One report as a JUnit <testsuite> (the single-file output wraps it in <testsuites>). */
function junitSuite(r: Report, name: string): string {
  const cases = CHECKS.map((check) => {
    const mine = r.findings.filter((f) => checkOf(f) === check.name);
    const errors = mine.filter((f) => failsReport(f, r.failOn));
    const out = mine.filter((f) => !failsReport(f, r.failOn)).map((f) => `${f.severity} ${f.code}: ${f.message} (fix: ${f.fix})`).join('\n');
    return (
      `  <testcase classname="samlgate.validate" name="${escapeXml(check.name)}">` +
      errors.map((f) => `<failure type="${f.code}" message="${escapeXml(f.message)}">${escapeXml(`${f.message}\nwhy: ${f.why}\nfix: ${f.fix}`)}</failure>`).join('') +
      (out ? `<system-out>${escapeXml(out)}</system-out>` : '') +
      `</testcase>`
    );
  });
  const failures = CHECKS.filter((check) => r.findings.some((f) => failsReport(f, r.failOn) && checkOf(f) === check.name)).length;
  return `<testsuite name="${escapeXml(name)}" tests="${CHECKS.length}" failures="${failures}" errors="0" timestamp="${r.judgedAt}">\n${cases.join('\n')}\n</testsuite>`;
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

export function formatJunit(r: Report): string {
  return `${XML_DECLARATION}<testsuites>${junitSuite(r, 'samlgate validate')}</testsuites>\n`;
}

/** One file of a batch: its report, or why it could not be judged (exit status 2). */
export type BatchEntry = { file: string; report: Report } | { file: string; error: string };

/**
 * A file's part of a batch's output. text: the report under a `==> FILE <==` header; json: one
 * element of a JSON array (the report with `file` and `exitCode` first, or `{file, exitCode: 2,
 * ok: false, error}`), pretty-printed as JSON.stringify(array, null, 2) would; junit: one
 * <testsuite> per file inside one <testsuites>.
 */
export function formatBatchEntry(e: BatchEntry, format: Format, colour: boolean, o: { first: boolean; exitCode: 0 | 1 | 2 }): string {
  if (format === 'json') {
    const value = 'error' in e ? { file: e.file, exitCode: o.exitCode, ok: false, error: e.error } : { file: e.file, exitCode: o.exitCode, ...e.report };
    const element = JSON.stringify(value, null, 2).replace(/\n/g, '\n  ');
    return `${o.first ? '[\n' : ',\n'}  ${element}`;
  }
  if (format === 'junit') {
    const suite = 'error' in e
      ? `<testsuite name="${escapeXml(`samlgate validate: ${e.file}`)}" tests="1" failures="0" errors="1">\n  <testcase classname="samlgate.validate" name="input"><error type="ERR_UNUSABLE_INPUT" message="${escapeXml(e.error)}">${escapeXml(e.error)}</error></testcase>\n</testsuite>`
      : junitSuite(e.report, `samlgate validate: ${e.file}`);
    return `${o.first ? `${XML_DECLARATION}<testsuites>\n` : '\n'}${suite}`;
  }
  const body = 'error' in e ? `not checked (unusable input): ${e.error}\n` : formatText(e.report, colour);
  return `${o.first ? '' : '\n'}==> ${e.file} <==\n${body}`;
}

export function formatBatchEnd(format: Format, files: number, counts: { passed: number; failed: number; unusable: number }): string {
  if (format === 'json') return '\n]\n';
  if (format === 'junit') return '\n</testsuites>\n';
  return `\nsamlgate validate: ${files} files: ${counts.passed} passed, ${counts.failed} failed, ${counts.unusable} not checked\n`;
}

export function formatReport(r: Report, format: Format, colour: boolean): string {
  return format === 'json' ? formatJson(r) : format === 'junit' ? formatJunit(r) : formatText(r, colour);
}
