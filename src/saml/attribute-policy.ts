/**
 * The one source of truth for reading TFE's attributes out of an assertion.
 *
 * Rule F1 (DESIGN.md): a user is a service account when the assertion carries an attribute
 * named exactly `IsServiceAccount`, NameFormat basic, with the value `true` (any letter case,
 * surrounding XML whitespace ignored). Everything else does not flag, and each near-miss gets a
 * finding that says why and how to fix it. The gateway's ACS, the validator and the IdP's fault
 * presets all call decideServiceAccount(); none of them re-implements the rule.
 *
 * The structural policy (SP-SECURITY section 8) is stricter than "does not flag": ambiguous
 * documents (duplicates, Name-less or case-colliding attributes, several or empty values for a
 * single-valued attribute) are refused outright, because a signed but ambiguous assertion is
 * exactly what IdP template injection produces (ATTR13).
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
  | 'SA_VALUE';

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
}

export const STRICT_POLICY: AttributePolicyOptions = { allowAbsentNameFormat: false };

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

/** The document-level refusals of SP-SECURITY section 8 (ATTR3-ATTR7, ATTR9, ATTR14). */
export function structuralFindings(attributes: readonly SamlAttribute[], encryptedAttributes = 0): Finding[] {
  const findings: Finding[] = [];
  const reject = (code: FindingCode, attribute: string | null, message: string, fix: string) =>
    findings.push({ code, severity: 'reject', attribute, message, fix });

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

/** Rule F1. Assumes structuralFindings() found nothing to reject (the ACS checks that first). */
export function decideServiceAccount(
  attributes: readonly SamlAttribute[],
  options: AttributePolicyOptions = STRICT_POLICY,
): ServiceAccountDecision {
  const findings: Finding[] = [];
  const nearMiss = (code: FindingCode, attribute: string | null, message: string, fix: string) =>
    findings.push({ code, severity: 'near-miss', attribute, message, fix });
  const target = foldAttributeName(ATTR.isServiceAccount);
  let flagged = false;
  let exactSeen = false;

  for (const attr of attributes) {
    if (attr.name === null) {
      if (attr.friendlyName !== null && foldAttributeName(attr.friendlyName) === target) {
        nearMiss('SA_FRIENDLY_NAME_ONLY', attr.friendlyName, 'IsServiceAccount is set as a FriendlyName, not as the Name', 'set the attribute Name (not FriendlyName) to IsServiceAccount');
      }
      continue;
    }
    if (attr.name !== ATTR.isServiceAccount) {
      if (foldAttributeName(attr.name) === target) {
        nearMiss('SA_NAME_CASE', attr.name, `the attribute is named ${JSON.stringify(attr.name)}; TFE matches the Name exactly`, 'rename the attribute to IsServiceAccount (capital I, S and A)');
      } else if (attr.friendlyName !== null && foldAttributeName(attr.friendlyName) === target) {
        nearMiss('SA_FRIENDLY_NAME_ONLY', attr.name, `IsServiceAccount is only the FriendlyName of ${JSON.stringify(attr.name)}`, 'set the attribute Name (not FriendlyName) to IsServiceAccount');
      }
      continue;
    }
    exactSeen = true;
    let ok = true;
    if (attr.nameFormat === null) {
      if (!options.allowAbsentNameFormat) {
        ok = false;
        nearMiss('SA_NAMEFORMAT_ABSENT', attr.name, 'IsServiceAccount has no NameFormat; TFE expects basic', `set NameFormat="${ATTRNAME_FORMAT.basic}"`);
      }
    } else if (attr.nameFormat !== ATTRNAME_FORMAT.basic) {
      ok = false;
      nearMiss('SA_NAMEFORMAT', attr.name, `IsServiceAccount has NameFormat ${attr.nameFormat}; TFE expects basic`, `set NameFormat="${ATTRNAME_FORMAT.basic}"`);
    }
    const value = attr.values.length === 1 ? attr.values[0] : undefined;
    if (!value || !isTrueValue(value)) {
      ok = false;
      const isFalse = value?.kind === 'text' && trimXmlSpace(value.text).toLowerCase() === 'false';
      if (!isFalse) {
        nearMiss('SA_VALUE', attr.name, `IsServiceAccount is ${describeValue(value)}; only "true" flags a service account`, 'send the value true (not 1, yes or an empty value)');
      }
    }
    if (ok) flagged = true;
  }
  if (!exactSeen && findings.length === 0) {
    // Plain absence is the normal case for a human user: worth a report line, not a warning.
    return { flagged: false, findings: [] };
  }
  return { flagged, findings };
}

export interface UserAttributes {
  username: string | null;
  memberOf: string[];
  siteAdmin: boolean;
}

function textValues(attr: SamlAttribute | undefined): string[] {
  if (!attr) return [];
  return attr.values.flatMap((v) => (v.kind === 'text' ? [trimXmlSpace(v.text)] : [])).filter((v) => v !== '');
}

/** Rule S5: Username, MemberOf (several values or one comma-separated value), SiteAdmin. */
export function readUserAttributes(attributes: readonly SamlAttribute[]): UserAttributes {
  const byName = new Map<string, SamlAttribute>();
  for (const attr of attributes) if (attr.name !== null && !byName.has(attr.name)) byName.set(attr.name, attr);
  const username = textValues(byName.get(ATTR.username))[0] ?? null;
  const memberOf = textValues(byName.get(ATTR.memberOf))
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  const siteAdminAttr = byName.get(ATTR.siteAdmin);
  const siteAdmin =
    memberOf.includes(SITE_ADMINS_GROUP) || (siteAdminAttr?.values.length === 1 && isTrueValue(siteAdminAttr.values[0]!));
  return { username, memberOf: [...new Set(memberOf)], siteAdmin };
}
