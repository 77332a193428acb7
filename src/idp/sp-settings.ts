/**
 * Per-SP issuance settings (docs/idp.md "Per-SP settings"): the partial settings an SP was
 * registered with, resolved against the IdP-wide defaults in this one function.
 */
import type { SpSettingsInput } from '../config.ts';
import { ATTRNAME_FORMAT, NAMEID_FORMAT } from '../saml/constants.ts';
import type { XmlSignatureAlgorithm } from '../saml/sign.ts';

export interface SpSettings {
  signResponse: boolean;
  signAssertion: boolean;
  signatureAlgorithm: Exclude<XmlSignatureAlgorithm, 'rsa-sha1'>;
  encryptAssertion: boolean;
  /** Full URN (SAML core 8.3). */
  nameIdFormat: string;
  nameIdFormatName: NonNullable<SpSettingsInput['nameIdFormat']>;
  /** ms */
  assertionLifetime: number;
  /** ms after AuthnInstant; 0 leaves SessionNotOnOrAfter out. */
  sessionNotOnOrAfter: number;
  /** Attribute name -> NameFormat URN, or null for no NameFormat. Unlisted names: basic. */
  attributeNameFormats: Record<string, string | null>;
}

export const NAMEID_FORMAT_URN: Record<NonNullable<SpSettingsInput['nameIdFormat']>, string> = {
  email: NAMEID_FORMAT.email,
  unspecified: NAMEID_FORMAT.unspecified,
  persistent: NAMEID_FORMAT.persistent,
  transient: NAMEID_FORMAT.transient,
};

export const ATTRNAME_FORMAT_URN: Record<'basic' | 'uri' | 'unspecified' | 'absent', string | null> = {
  basic: ATTRNAME_FORMAT.basic,
  uri: ATTRNAME_FORMAT.uri,
  unspecified: ATTRNAME_FORMAT.unspecified,
  absent: null,
};

export interface IdpDefaults {
  assertionLifetime: number;
  sessionNotOnOrAfter: number;
}

export function resolveSpSettings(input: SpSettingsInput, defaults: IdpDefaults): SpSettings {
  const sign = input.sign ?? 'both';
  const nameIdFormatName = input.nameIdFormat ?? 'email';
  const attributeNameFormats: Record<string, string | null> = Object.create(null);
  for (const [name, format] of Object.entries(input.attributeNameFormats ?? {})) attributeNameFormats[name] = ATTRNAME_FORMAT_URN[format];
  return {
    signResponse: sign !== 'assertion',
    signAssertion: sign !== 'response',
    signatureAlgorithm: input.signatureAlgorithm ?? 'rsa-sha256',
    encryptAssertion: input.encryptAssertion ?? false,
    nameIdFormat: NAMEID_FORMAT_URN[nameIdFormatName],
    nameIdFormatName,
    assertionLifetime: input.assertionLifetime ?? defaults.assertionLifetime,
    sessionNotOnOrAfter: input.sessionNotOnOrAfter ?? defaults.sessionNotOnOrAfter,
    attributeNameFormats,
  };
}

/** Keeps only the settings keys of a config/API object (the rest describe the SP itself). */
export function pickSettings(o: Record<string, unknown>): SpSettingsInput {
  const keys = ['sign', 'signatureAlgorithm', 'encryptAssertion', 'nameIdFormat', 'assertionLifetime', 'sessionNotOnOrAfter', 'attributeNameFormats'] as const;
  const out: Record<string, unknown> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out as SpSettingsInput;
}
