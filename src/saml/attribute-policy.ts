/**
 * The one source of truth for reading TFE's attributes out of an assertion.
 *
 * Rule F1 (DESIGN.md): a user is a service account when the assertion carries an attribute
 * named exactly `IsServiceAccount`, NameFormat basic, with the value `true` (any letter case,
 * surrounding XML whitespace ignored). Everything else does not flag, and each near-miss gets a
 * finding that says why and how to fix it. The gateway's ACS, the validator and the IdP's fault
 * presets all call decideServiceAccount(); none of them re-implements the rule.
 *
 * Values are read as TFE reads them: TFE hands ruby-saml's name -> values map to its login code,
 * and ruby-saml merges every Attribute with the same Name (across AttributeStatements) and
 * answers `attributes[name]` with the first value. So an empty value, two values or a repeated
 * attribute still log the user in at TFE, and the gateway does the same by default, reading the
 * first value and reporting the near-miss loudly (test/security/ruby-saml-fidelity.test.ts uses
 * ruby-saml itself as the oracle).
 *
 * The structural policy (SP-SECURITY section 8) has two tiers:
 * - security refusals in every mode: a Name-less attribute (shifts index-zipping readers, ATTR9),
 *   case- or look-alike-colliding names (ATTR4), EncryptedAttribute (never read "hidden" as
 *   "absent", ATTR14); an attribute outside the signed assertion is refused earlier, by the
 *   structure checks (ATTR8);
 * - ambiguity refusals only with `strictAttributes` (gateway.strictAttributes /
 *   --strict-attributes): duplicates, several or empty values, element values of a
 *   single-valued attribute (ATTR3, ATTR5-7). A signed but ambiguous assertion is what IdP
 *   template injection produces (ATTR13), which is why the strict mode exists.
 */
import { ATTR, ATTRNAME_FORMAT, SITE_ADMINS_GROUP } from './constants.ts';
import type { AttributeValue, SamlAttribute } from './attributes.ts';

export type FindingCode =
  | 'ATTR_NAMELESS'
  | 'ATTR_DUPLICATE'
  | 'ATTR_CASE_COLLISION'
  | 'ATTR_MULTIPLE_VALUES'
  | 'ATTR_EMPTY_VALUE'
  | 'ATTR_ELEMENT_VALUE'
  | 'ATTR_ENCRYPTED'
  | 'SA_MISSING'
  | 'SA_NAME_CASE'
  | 'SA_FRIENDLY_NAME_ONLY'
  | 'SA_NAMEFORMAT'
  | 'SA_NAMEFORMAT_ABSENT'
  | 'SA_VALUE'
  | 'SA_MULTIPLE_VALUES'
  | 'SA_XSI_TYPE';

export interface Finding {
  code: FindingCode;
  /** reject: the gateway refuses the login; near-miss: the login works but the flag is not set. */
  severity: 'reject' | 'near-miss';
  attribute: string | null;
  message: string;
  fix: string;
}

export interface AttributePolicyOptions {
  /** Relaxed mode also accepts an IsServiceAccount attribute with no NameFormat (DESIGN F1). */
  allowAbsentNameFormat: boolean;
  /** Refuse ambiguous-but-safe attributes (duplicates, several or empty values) instead of reading them as ruby-saml does. */
  strictAttributes?: boolean;
  /**
   * Which attributes rule S5 reads (TFE's admin SAML settings attr-username, attr-groups,
   * attr-site-admin, site-admin-role). Given to the verification core so that what the validator
   * and the debug view show is exactly what the login applies. Default: TFE's defaults.
   */
  userAttributes?: UserAttributeNames;
}

export interface UserAttributeNames {
  username: string;
  groups: string;
  siteAdmin: string;
  /** The group value that makes a site admin. */
  siteAdminRole: string;
}

/** The gateway's default: F1's strict NameFormat, TFE's (ruby-saml's) lenient reading of values. */
export const DEFAULT_POLICY: AttributePolicyOptions = { allowAbsentNameFormat: false, strictAttributes: false };
/** Every refusal on: what the IdP preview and the strict-mode tests use. */
export const STRICT_POLICY: AttributePolicyOptions = { allowAbsentNameFormat: false, strictAttributes: true };

/** Refused in every mode: they are attacks on the reader, not IdP sloppiness. */
const SECURITY_CODES = new Set<FindingCode>(['ATTR_NAMELESS', 'ATTR_CASE_COLLISION', 'ATTR_ENCRYPTED']);

/** Attributes that TFE reads as one value; several values make the login ambiguous. */
const SINGLE_VALUED = new Set<string>([ATTR.isServiceAccount, ATTR.username, ATTR.siteAdmin]);

/** XML whitespace only (XML 1.0 production S): U+00A0, U+200B and friends are not trimmed. */
const XML_SPACE = /^[\x20\x09\x0d\x0a]+|[\x20\x09\x0d\x0a]+$/g;
const ASCII_TRUE = /^[Tt][Rr][Uu][Ee]$/;

export function trimXmlSpace(s: string): string {
  return s.replace(XML_SPACE, '');
}

/** `true` in any ASCII letter case after trimming XML whitespace. Nothing else is true. */
export function isTrueValue(value: AttributeValue): boolean {
  return value.kind === 'text' && ASCII_TRUE.test(trimXmlSpace(value.text));
}

/**
 * Folds a Name for collision checks: Unicode compatibility forms, invisible format characters
 * and letter case do not make two attributes different (ATTR4: `isserviceaccount`, a fullwidth
 * look-alike, or a trailing U+200B next to the real one).
 */
export function foldAttributeName(name: string): string {
  return trimXmlSpace(name)
    .normalize('NFKC')
    .replace(/[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g, '')
    .toLowerCase();
}

function describeValue(v: AttributeValue | undefined): string {
  if (!v) return 'no value';
  switch (v.kind) {
    case 'text':
      return JSON.stringify(v.text);
    case 'empty':
      return 'an empty value';
    case 'nil':
      return 'xsi:nil';
    case 'element':
      return 'an element instead of text';
  }
}

/**
 * The document-level findings of SP-SECURITY section 8 (ATTR3-ATTR7, ATTR9, ATTR14). Severity
 * `reject` means the login is refused under `options`; ambiguity findings are `near-miss` unless
 * strictAttributes is on (then TFE would log the user in, and the gateway does too).
 */
export function structuralFindings(attributes: readonly SamlAttribute[], encryptedAttributes = 0, options: AttributePolicyOptions = STRICT_POLICY): Finding[] {
  const findings: Finding[] = [];
  const strict = options.strictAttributes ?? true;
  const reject = (code: FindingCode, attribute: string | null, message: string, fix: string) =>
    findings.push({
      code,
      severity: strict || SECURITY_CODES.has(code) ? 'reject' : 'near-miss',
      attribute,
      message: strict || SECURITY_CODES.has(code) ? message : `${message}; TFE (ruby-saml) reads the first value, and so does the gateway (--strict-attributes refuses this login)`,
      fix,
    });

  if (encryptedAttributes > 0) {
    reject('ATTR_ENCRYPTED', null, `the assertion carries ${encryptedAttributes} EncryptedAttribute element(s), which samlgate does not decrypt`, 'send attributes in plain text inside the signed assertion (or encrypt the whole assertion)');
  }
  const byExact = new Map<string, number>();
  const byFolded = new Map<string, string>();
  for (const attr of attributes) {
    if (attr.name === null || attr.name === '') {
      reject('ATTR_NAMELESS', attr.friendlyName, `an Attribute has no Name${attr.friendlyName ? ` (FriendlyName ${JSON.stringify(attr.friendlyName)})` : ''}`, 'give every Attribute a Name; the FriendlyName is only a label');
      continue;
    }
    byExact.set(attr.name, (byExact.get(attr.name) ?? 0) + 1);
    const folded = foldAttributeName(attr.name);
    const seen = byFolded.get(folded);
    if (seen !== undefined && seen !== attr.name) {
      reject('ATTR_CASE_COLLISION', attr.name, `attributes ${JSON.stringify(seen)} and ${JSON.stringify(attr.name)} differ only in letter case or invisible characters`, 'send each attribute once, spelled exactly as documented');
    } else if (seen === undefined) {
      byFolded.set(folded, attr.name);
    }
    if (SINGLE_VALUED.has(attr.name)) {
      if (attr.values.length > 1) {
        reject('ATTR_MULTIPLE_VALUES', attr.name, `${attr.name} has ${attr.values.length} values (${attr.values.map(describeValue).join(', ')}); it must have exactly one`, `send a single AttributeValue for ${attr.name}`);
      }
      const only = attr.values.length === 1 ? attr.values[0] : undefined;
      if (attr.values.length === 0 || only?.kind === 'empty' || only?.kind === 'nil') {
        reject('ATTR_EMPTY_VALUE', attr.name, `${attr.name} has ${describeValue(only)}`, `send ${attr.name} with a value, or leave the attribute out`);
      } else if (only?.kind === 'element') {
        reject('ATTR_ELEMENT_VALUE', attr.name, `${attr.name}'s AttributeValue contains an element, not text`, `send ${attr.name} as plain text`);
      }
    }
  }
  for (const [name, count] of byExact) {
    if (count > 1) reject('ATTR_DUPLICATE', name, `attribute ${JSON.stringify(name)} appears ${count} times`, 'send each attribute once (check for a second mapping or statement that adds it again)');
  }
  return findings;
}

export interface ServiceAccountDecision {
  flagged: boolean;
  /** Why the flag is not set when something close to it was sent (never empty for a near-miss). */
  findings: Finding[];
}

/**
 * ruby-saml's reading of one Name: every Attribute with exactly that Name, values merged in
 * document order; xsi:nil reads as nil, an element value as nothing (ruby-saml collects only
 * NameID children from element content). TFE's `attributes[name]` is the first of these.
 */
export function rubySamlValues(attributes: readonly SamlAttribute[], name: string): { value: AttributeValue; from: SamlAttribute }[] {
  const out: { value: AttributeValue; from: SamlAttribute }[] = [];
  for (const a of attributes) {
    if (a.name !== name) continue;
    for (const value of a.values) if (value.kind !== 'element') out.push({ value, from: a });
  }
  return out;
}

/**
 * Rule F1, on the value TFE reads (ruby-saml's first value of the merged attribute). Assumes
 * structuralFindings() found nothing to reject under the caller's mode (the ACS checks first).
 */
export function decideServiceAccount(
  attributes: readonly SamlAttribute[],
  options: AttributePolicyOptions = DEFAULT_POLICY,
): ServiceAccountDecision {
  const findings: Finding[] = [];
  const nearMiss = (code: FindingCode, attribute: string | null, message: string, fix: string) =>
    findings.push({ code, severity: 'near-miss', attribute, message, fix });
  const target = foldAttributeName(ATTR.isServiceAccount);

  for (const attr of attributes) {
    if (attr.name === null) {
      if (attr.friendlyName !== null && foldAttributeName(attr.friendlyName) === target) {
        nearMiss('SA_FRIENDLY_NAME_ONLY', attr.friendlyName, 'IsServiceAccount is set as a FriendlyName, not as the Name', 'set the attribute Name (not FriendlyName) to IsServiceAccount');
      }
      continue;
    }
    if (attr.name !== ATTR.isServiceAccount) {
      if (foldAttributeName(attr.name) === target) {
        nearMiss('SA_NAME_CASE', attr.name, `the IdP sent \`${attr.name}\`: TFE ignores it (it matches the Name exactly)`, 'rename the attribute to IsServiceAccount (capital I, S and A)');
      } else if (attr.friendlyName !== null && foldAttributeName(attr.friendlyName) === target) {
        nearMiss('SA_FRIENDLY_NAME_ONLY', attr.name, `IsServiceAccount is only the FriendlyName of ${JSON.stringify(attr.name)}`, 'set the attribute Name (not FriendlyName) to IsServiceAccount');
      }
    }
  }
  const exact = attributes.filter((a) => a.name === ATTR.isServiceAccount);
  if (exact.length === 0) {
    // Plain absence is the normal case for a human user: worth a report line, not a warning.
    return { flagged: false, findings };
  }
  const values = rubySamlValues(attributes, ATTR.isServiceAccount);
  const first = values[0];
  const deciding = first?.from ?? exact[0]!;
  let ok = true;
  if (deciding.nameFormat === null) {
    if (!options.allowAbsentNameFormat) {
      ok = false;
      nearMiss('SA_NAMEFORMAT_ABSENT', ATTR.isServiceAccount, 'IsServiceAccount has no NameFormat; TFE expects basic', `set NameFormat="${ATTRNAME_FORMAT.basic}"`);
    }
  } else if (deciding.nameFormat !== ATTRNAME_FORMAT.basic) {
    ok = false;
    nearMiss('SA_NAMEFORMAT', ATTR.isServiceAccount, `IsServiceAccount has NameFormat ${deciding.nameFormat}; TFE expects basic`, `set NameFormat="${ATTRNAME_FORMAT.basic}"`);
  }
  const all = exact.flatMap((a) => a.values);
  if (all.length > 1) {
    nearMiss('SA_MULTIPLE_VALUES', ATTR.isServiceAccount, `IsServiceAccount has ${all.length} values (${all.map(describeValue).join(', ')}); TFE reads only the first, ${describeValue(first?.value)}`, 'send exactly one IsServiceAccount value (check for a second mapping that adds one)');
  }
  const value = first?.value;
  const typeName = value?.kind === 'text' && value.xsiType !== undefined ? value.xsiType.slice(value.xsiType.indexOf(':') + 1) : undefined;
  if (value?.kind === 'text' && typeName !== undefined && typeName !== 'string' && typeName !== 'boolean') {
    // ATTR2: TFE (ruby-saml) ignores xsi:type and compares the text; an odd type is a sign the IdP maps the wrong source.
    nearMiss('SA_XSI_TYPE', ATTR.isServiceAccount, `IsServiceAccount has xsi:type ${value.xsiType}; TFE ignores the type and reads the text ${JSON.stringify(value.text)}`, 'send IsServiceAccount as xs:string (or xs:boolean) with the text true');
  }
  if (!value || !isTrueValue(value)) {
    ok = false;
    const isFalse = value?.kind === 'text' && trimXmlSpace(value.text).toLowerCase() === 'false';
    if (!isFalse) {
      const booleanOne = typeName === 'boolean' && value?.kind === 'text' && trimXmlSpace(value.text) === '1';
      nearMiss('SA_VALUE', ATTR.isServiceAccount, `IsServiceAccount is ${describeValue(value)}${booleanOne ? ' with xsi:type xs:boolean (true in XML Schema, but TFE compares the text)' : ''}; only "true" flags a service account`, 'send the value true (not 1, yes or an empty value)');
    }
  }
  return { flagged: ok, findings };
}

export interface UserAttributes {
  username: string | null;
  memberOf: string[];
  siteAdmin: boolean;
  /** The assertion carried the groups attribute at all (even empty): only then does login change teams. */
  memberOfSent: boolean;
}

export const DEFAULT_USER_ATTRIBUTE_NAMES: UserAttributeNames = { username: ATTR.username, groups: ATTR.memberOf, siteAdmin: ATTR.siteAdmin, siteAdminRole: SITE_ADMINS_GROUP };

function textValues(attributes: readonly SamlAttribute[], name: string): string[] {
  return rubySamlValues(attributes, name)
    .flatMap(({ value }) => (value.kind === 'text' ? [trimXmlSpace(value.text)] : []))
    .filter((v) => v !== '');
}

/**
 * Rule S5, the one reading of it: Username, the groups (several values, several Attribute
 * elements of that Name, or one comma-separated value: merged as ruby-saml's `multi` merges
 * them, which is what TFE reads) and site admin (the site-admin attribute's first value is
 * true, or the groups contain the site-admin role). The ACS applies exactly this result.
 */
export function readUserAttributes(attributes: readonly SamlAttribute[], names: UserAttributeNames = DEFAULT_USER_ATTRIBUTE_NAMES): UserAttributes {
  const username = textValues(attributes, names.username)[0] ?? null;
  const memberOf = textValues(attributes, names.groups)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  const siteAdminFirst = rubySamlValues(attributes, names.siteAdmin)[0]?.value;
  const siteAdmin = memberOf.includes(names.siteAdminRole) || (siteAdminFirst !== undefined && isTrueValue(siteAdminFirst));
  return { username, memberOf: [...new Set(memberOf)], siteAdmin, memberOfSent: attributes.some((a) => a.name === names.groups) };
}
