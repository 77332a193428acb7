/**
 * `samlgate validate`: an IdP configuration check. Given a captured SAML Response and/or the
 * IdP's metadata, it runs the gateway's own verification core in findings mode (every check,
 * not just the first failure), adds the checks that matter for Terraform Enterprise (rule F1's
 * IsServiceAccount, Username, MemberOf, SiteAdmin, NameID, SessionNotOnOrAfter and what it does
 * to token lifetime, certificates), the XSD check, and the second opinions of samlify and xmlsec1.
 * No HTTP and no process exit here: the CLI (cli.ts) reads inputs and prints the report.
 */
import type { KeyObject } from 'node:crypto';
import { ATTR, NAMEID_FORMAT, NS } from '../saml/constants.ts';
import type { Certificate } from '../saml/keys.ts';
import { MetadataError, parseIdpMetadata } from '../saml/metadata.ts';
import { SamlRejection } from '../saml/rejection.ts';
import { whyOf, type Finding } from '../saml/verify/findings.ts';
import { inspectLoginResponse, type CheckedResponse } from '../saml/verify/response.ts';
import { parseXml } from '../saml/xml.ts';
import { certificateFindings } from './certificates.ts';
import { fixWithHints } from './idp-hints.ts';
import type { DecodedInput } from './input.ts';
import { judgeServiceAccount, type Expectation } from './intent.ts';
import { samlifyAttributeFindings, samlifyOpinion, xmlsecOpinion, type SamlifyOpinion, type XmlsecOpinion } from './second-opinions.ts';
import { validateAgainstXsd, type SchemaKind, type SchemaResult } from './xsd.ts';

export interface ValidateOptions {
  /** IdP metadata XML (already read from the file or URL). */
  idpMetadata?: string;
  /** PEM certificate(s) of the IdP. */
  idpCertificates?: Certificate[];
  sp: { entityId: string; acsUrl: string };
  /** When the response is judged (epoch ms); `atGiven` says whether the user chose it. */
  at: number;
  atGiven: boolean;
  skewMs: number;
  /** TFE's session timeouts, to explain what SessionNotOnOrAfter does. */
  sessionTimeoutMs: number;
  apiTokenTimeoutMs: number;
  /** The SP's decryption keys (default: the gateway's dev SP key). */
  decryptionKeys: KeyObject[];
  secondOpinions: boolean;
  schema: boolean;
  /** What the capture is meant to show (--expect): a contradiction is an error. */
  expect?: Expectation;
  /** The lowest severity that fails the report (--fail-on; default error). */
  failOn?: FailOn;
  /** The gateway's --relax-nameformat: IsServiceAccount without NameFormat also flags (DESIGN F1). */
  relaxNameFormat?: boolean;
  /** The XSD check (default: xsd.ts's shared worker; bench/validate-batch.ts passes the old one-run-per-document way as its baseline). */
  xsd?: (xml: string, which: SchemaKind) => Promise<SchemaResult>;
}

export type FailOn = 'error' | 'warning';

export interface Report {
  ok: boolean;
  input: { kind: DecodedInput['kind']; encoding: string };
  judgedAt: string;
  findings: Finding[];
  summary: {
    nameId?: string;
    issuer?: string;
    serviceAccount?: boolean;
    attributes?: { name: string | null; nameFormat: string | null; values: string[] }[];
    sessionNotOnOrAfter?: string | null;
  };
  secondOpinions: { samlify?: SamlifyOpinion; xmlsec?: XmlsecOpinion };
  /** Present only when given (--expect), so reports without it keep their shape. */
  expect?: Expectation;
  /** Present only for --fail-on warning. */
  failOn?: 'warning';
}

/** Whether a finding fails the report under its --fail-on. */
export function failsReport(f: Pick<Finding, 'severity'>, failOn: FailOn | undefined): boolean {
  return f.severity === 'error' || (failOn === 'warning' && f.severity === 'warning');
}

const f = (code: Finding['code'], severity: Finding['severity'], message: string, fix: string, extra: Partial<Finding> = {}): Finding => ({ code, severity, message, why: whyOf(code), fix, ...extra });
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const TFE_USERNAME = /^[A-Za-z0-9._-]+$/;
const DAY = 24 * 3_600_000;

/** "8 h", "14 d", "45 min": readable lifetimes for the report. */
function formatDuration(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h${min % 60 ? ` ${min % 60} min` : ''}`;
  return `${Math.round(h / 24)} d`;
}

function textValues(r: Partial<CheckedResponse>, name: string): string[] {
  return (r.attributes ?? []).filter((a) => a.name === name).flatMap((a) => a.values.flatMap((v) => (v.kind === 'text' ? [v.text.trim()] : [])));
}

/** The TFE-specific reading of what the IdP sent (rule F1, S1, S2, S5). */
function tfeFindings(r: Partial<CheckedResponse>, o: ValidateOptions): Finding[] {
  const out: Finding[] = [];
  if (r.nameId) {
    if (!EMAIL.test(r.nameId)) out.push(f('NAMEID_NOT_EMAIL', 'error', `the NameID is ${JSON.stringify(r.nameId)}, not an email address`, 'send the user email as NameID'));
    else if (r.nameIdFormat !== NAMEID_FORMAT.email) out.push(f('NAMEID_NOT_EMAIL', 'warning', `the NameID is an email but its Format is ${r.nameIdFormat ?? '(absent)'}`, `set the NameID Format to ${NAMEID_FORMAT.email}`));
  }
  if (r.attributes) {
    const usernames = textValues(r, ATTR.username);
    if (usernames.length === 0) {
      out.push(f('USERNAME_MISSING', 'info', `no Username attribute: TFE names the user ${JSON.stringify((r.nameId ?? '').split('@')[0]!.replace(/[^A-Za-z0-9._-]/g, '_'))} (the email's local part)`, 'send a Username attribute if the TFE username must differ from the email local part'));
    } else if (!TFE_USERNAME.test(usernames[0]!)) {
      out.push(f('USERNAME_INVALID', 'warning', `Username ${JSON.stringify(usernames[0])} has characters TFE replaces with _`, 'send a Username of letters, digits, -, _ and . only'));
    }
    const memberOf = textValues(r, ATTR.memberOf);
    if (memberOf.length === 0) out.push(f('MEMBEROF_MISSING', 'info', 'no MemberOf attribute: with team management on, TFE assigns no teams at login', 'send MemberOf with the TFE team names (one value per team)'));
    else if (memberOf.length === 1 && memberOf[0]!.includes(',')) {
      out.push(f('MEMBEROF_COMMA', 'info', `MemberOf is one comma-separated value; TFE splits it into the teams ${memberOf[0]!.split(',').map((t) => JSON.stringify(t.trim())).join(', ')}`, 'nothing to change, or send one value per team'));
    }
    const siteAdmin = textValues(r, ATTR.siteAdmin);
    if (siteAdmin.length && !/^(true|false)$/i.test(siteAdmin[0]!)) out.push(f('SITEADMIN_VALUE', 'warning', `SiteAdmin is ${JSON.stringify(siteAdmin[0])}; TFE grants site admin only for true`, 'send SiteAdmin=true or false, or use the site-admins group in MemberOf'));
  }
  if (r.sessionNotOnOrAfter !== undefined && r.issueInstant !== undefined) {
    if (r.sessionNotOnOrAfter === null) {
      out.push(f('SESSION_NOT_ON_OR_AFTER_ABSENT', 'info', `no SessionNotOnOrAfter: the TFE web session ends at the idle or absolute timeout (${formatDuration(o.sessionTimeoutMs)} by default), and user API tokens of non-service accounts also stop ${formatDuration(o.apiTokenTimeoutMs)} after the login (sso-api-token-session-timeout)`, 'nothing to change'));
    } else {
      const left = r.sessionNotOnOrAfter - r.issueInstant;
      const effective = Math.min(left, o.sessionTimeoutMs, o.apiTokenTimeoutMs);
      out.push(f('SESSION_LIFETIME', left < 3_600_000 ? 'warning' : 'info',
        `SessionNotOnOrAfter is ${new Date(r.sessionNotOnOrAfter).toISOString()}, ${formatDuration(Math.max(left, 0))} after the response was issued: the TFE web session ends then at the latest, and with it every user API token of a non-service account (they get 401 until the user logs in again); tokens of this login live at most ${formatDuration(Math.max(effective, 0))}`,
        left < 3_600_000 ? 'lengthen the IdP session lifetime, or flag automation users with IsServiceAccount=true' : 'nothing to change; flag automation users with IsServiceAccount=true so their tokens outlive the session'));
    }
  }
  if (r.issueInstant !== undefined && r.issueInstant > o.at && r.issueInstant <= o.at + o.skewMs) {
    out.push(f('SKEW', 'warning', `the response was issued at ${new Date(r.issueInstant).toISOString()}, ${Math.round((r.issueInstant - o.at) / 1000)} s in the future of ${new Date(o.at).toISOString()}: within the ${o.skewMs / 1000} s skew allowance, but the IdP clock is ahead`, "synchronise the IdP's clock (NTP); a few more seconds and logins fail with E_TIME"));
  }
  if (r.encrypted) out.push(f('ENCRYPTED', 'info', 'the assertion is encrypted; it was decrypted with the SP key', 'give TFE the matching SP encryption certificate and key'));
  return out;
}

function withHints(findings: Finding[], o: ValidateOptions): Finding[] {
  return findings.map((x) => {
    let fix = x.severity !== 'info' || x.code === 'SA_ABSENT' ? fixWithHints(x.code, x.fix) : x.fix;
    if (x.code === 'E_TIME' && !o.atGiven) fix += '. If this response was captured earlier, run again with --at <its IssueInstant> to judge it as of then';
    return { ...x, fix };
  });
}

async function schemaFindings(xml: string, which: SchemaKind, o: ValidateOptions): Promise<Finding[]> {
  try {
    const r = await (o.xsd ?? validateAgainstXsd)(xml, which);
    return r.errors.slice(0, 10).map((e) => f('SCHEMA_XSD', 'error', `the ${which === 'protocol' ? 'response' : 'metadata'} does not follow the SAML 2.0 schema: ${e}`, 'fix the IdP template or metadata so it follows the OASIS schema'));
  } catch (err) {
    return [f('SCHEMA_NOT_CHECKED', 'warning', `the XSD validator could not run: ${(err as Error).message}`, 'reinstall samlgate (xmllint-wasm)')];
  }
}

/** Trust from --idp-metadata / --idp-cert; problems with the metadata itself are findings. */
function trustFrom(o: ValidateOptions, findings: Finding[]): { entityId: string | null; certificates: Certificate[] } {
  let entityId: string | null = null;
  const certificates: Certificate[] = [...(o.idpCertificates ?? [])];
  if (o.idpMetadata) {
    try {
      const trust = parseIdpMetadata(o.idpMetadata);
      entityId = trust.entityId;
      certificates.push(...trust.signingCertificates);
    } catch (err) {
      if (!(err instanceof MetadataError)) throw err;
      findings.push(f('META_INVALID', 'error', `the IdP metadata is not usable: ${err.message}`, 'download the IdP metadata again (it must have an IDPSSODescriptor with a signing certificate and an HTTP-Redirect SingleSignOnService)'));
    }
  }
  return { entityId, certificates };
}

export async function validateMetadataDocument(xml: string, o: ValidateOptions): Promise<Finding[]> {
  const findings: Finding[] = [];
  let root: Element;
  try {
    root = parseXml(xml.trim(), { maxBytes: 1024 * 1024, maxDepth: 32 }).documentElement;
  } catch (err) {
    if (err instanceof SamlRejection) return [f('META_INVALID', 'error', `the metadata is not well-formed XML samlgate accepts: ${err.detail}`, 'download the metadata again')];
    throw err;
  }
  if (o.schema) findings.push(...(await schemaFindings(xml.trim(), 'metadata', o)));
  const hasIdp = root.getElementsByTagNameNS(NS.metadata, 'IDPSSODescriptor').length > 0;
  const hasSp = root.getElementsByTagNameNS(NS.metadata, 'SPSSODescriptor').length > 0;
  if (hasIdp) {
    try {
      const trust = parseIdpMetadata(xml);
      if (trust.signingCertificates.length === 0) findings.push(f('META_NO_SIGNING_CERT', 'error', 'the IdP metadata has no signing certificate', 'publish the signing certificate in a KeyDescriptor use="signing"'));
      findings.push(...certificateFindings(trust.signingCertificates, o.at, 'IdP metadata signing'));
      const want = root.getElementsByTagNameNS(NS.metadata, 'IDPSSODescriptor')[0]!.getAttribute('WantAuthnRequestsSigned');
      if (want === 'true') findings.push(f('META_WANTS_SIGNED_REQUESTS', 'info', 'the IdP wants signed AuthnRequests (WantAuthnRequestsSigned="true")', 'configure an SP signing certificate in TFE (samlgate signs its requests)'));
    } catch (err) {
      if (!(err instanceof MetadataError)) throw err;
      findings.push(f('META_INVALID', 'error', `the IdP metadata is not usable: ${err.message}`, 'fix the metadata (an IDPSSODescriptor with a signing certificate and an HTTP-Redirect SingleSignOnService)'));
    }
  } else if (hasSp) {
    const entityId = root.getAttribute('entityID');
    if (entityId !== null && entityId !== o.sp.entityId) findings.push(f('E_AUDIENCE', 'warning', `the SP metadata's entityID is ${JSON.stringify(entityId)}, not the SP entity ID ${JSON.stringify(o.sp.entityId)} being checked`, `pass --sp-entity-id ${entityId} to check against it, or fix the metadata`));
  } else {
    findings.push(f('META_INVALID', 'error', 'the metadata has neither an IDPSSODescriptor nor an SPSSODescriptor', 'use the IdP (or SP) metadata document'));
  }
  return findings;
}

export async function validateResponseDocument(xml: string, o: ValidateOptions, report: Report): Promise<Finding[]> {
  const findings: Finding[] = [];
  const trust = trustFrom(o, findings);
  if (trust.entityId === null) findings.push(f('ISSUER_NOT_CHECKED', 'info', 'no IdP metadata was given, so the Issuer was not compared with a trusted entity ID', 'pass --idp-metadata FILE|URL'));
  const inspection = inspectLoginResponse(xml, {
    sp: o.sp,
    idp: { entityId: trust.entityId, signingCertificates: trust.certificates },
    now: o.at,
    clockSkewMs: o.skewMs,
    maxAuthnAgeMs: DAY,
    maxAssertionLifetimeMs: DAY,
    attributePolicy: { allowAbsentNameFormat: o.relaxNameFormat ?? false, strictAttributes: false },
    decryption: { keys: o.decryptionKeys },
  });
  const r = inspection.response;
  const f1 = judgeServiceAccount(inspection.findings, r, o.expect);
  findings.push(...f1.findings);
  if (r) {
    findings.push(...f1.verdict, ...tfeFindings(r, o));
    report.summary = {
      nameId: r.nameId,
      issuer: r.issuer,
      serviceAccount: r.serviceAccount?.flagged,
      attributes: (r.attributes ?? []).map((a) => ({ name: a.name, nameFormat: a.nameFormat, values: a.values.map((v) => (v.kind === 'text' ? v.text : `(${v.kind})`)) })),
      sessionNotOnOrAfter: r.sessionNotOnOrAfter == null ? null : new Date(r.sessionNotOnOrAfter).toISOString(),
    };
  }
  findings.push(...certificateFindings(trust.certificates, o.at, 'IdP signing'));
  if (o.schema) findings.push(...(await schemaFindings(xml, 'protocol', o)));

  if (o.secondOpinions) {
    const samlify = await samlifyOpinion({ xml, idpMetadataXml: o.idpMetadata ?? null, idpEntityId: trust.entityId ?? r?.issuer ?? null, certificates: trust.certificates, sp: o.sp, at: o.at, skewMs: o.skewMs, ...(o.decryptionKeys[0] ? { spDecryptionKey: o.decryptionKeys[0] } : {}) });
    report.secondOpinions.samlify = samlify;
    if (samlify.accepted === false) findings.push(f('SAMLIFY_REFUSES', 'warning', `samlify refuses the response: ${samlify.error}`, 'see the other findings; samlify usually refuses for the same reason'));
    if (samlify.accepted && samlify.attributes && r?.attributes) findings.push(...samlifyAttributeFindings(r.attributes, samlify.attributes));
    if (!r?.encrypted && trust.certificates.length) {
      const signed: ('Response' | 'Assertion')[] = [];
      let doc: Document | null = null;
      try {
        doc = parseXml(xml);
      } catch {
        doc = null; // already reported as E_XML by the core
      }
      const sigs = (el: Element | null) => !!el && Array.from(el.childNodes as unknown as ArrayLike<Node>).some((n) => n.nodeType === 1 && (n as Element).localName === 'Signature' && (n as Element).namespaceURI === NS.dsig);
      if (doc && sigs(doc.documentElement)) signed.push('Response');
      if (doc && sigs(doc.getElementsByTagNameNS(NS.assertion, 'Assertion')[0] as Element | null)) signed.push('Assertion');
      const xmlsec = doc ? await xmlsecOpinion(xml, trust.certificates, signed) : { available: true, verdicts: [] };
      report.secondOpinions.xmlsec = xmlsec;
      if (!xmlsec.available) findings.push(f('XMLSEC_NOT_INSTALLED', 'info', 'xmlsec1 is not installed, so no independent signature check ran', 'install xmlsec1 (Debian/Ubuntu: apt-get install xmlsec1)'));
      for (const v of xmlsec.verdicts) if (!v.ok) findings.push(f('XMLSEC_REFUSES', 'warning', `xmlsec1 does not verify the ${v.element} signature: ${v.output}`, 'see the signature findings; re-sign with the key in the IdP metadata'));
    }
  }
  return findings;
}

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

export async function validate(input: DecodedInput, o: ValidateOptions): Promise<Report> {
  const report: Report = { ok: true, input: { kind: input.kind, encoding: input.encoding }, judgedAt: new Date(o.at).toISOString(), findings: [], summary: {}, secondOpinions: {} };
  const findings: Finding[] = [];
  // Both documents are started at once so that their XSD checks join the same xmllint run (xsd.ts).
  const [main, trusted] = await Promise.all([
    input.kind === 'metadata' ? validateMetadataDocument(input.xml, o) : validateResponseDocument(input.xml, o, report),
    input.kind !== 'metadata' && o.idpMetadata ? validateMetadataDocument(o.idpMetadata, o) : [],
  ]);
  findings.push(...main, ...trusted.filter((x) => x.code !== 'META_INVALID'));
  const seen = new Set<string>();
  report.findings = withHints(findings, o)
    .filter((x) => {
      const key = `${x.code}\u0000${x.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  report.ok = !report.findings.some((x) => failsReport(x, o.failOn));
  if (o.expect) report.expect = o.expect;
  if (o.failOn === 'warning') report.failOn = 'warning';
  return report;
}
