/**
 * One schema for the YAML file, the CLI flags and the defaults (DESIGN section 3). Flags are
 * folded into the same object the file produces, then the schema parses the whole: a bad value
 * is reported the same way whichever place it came from.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatDuration, parseDuration } from './duration.ts';
import { findNonXmlChar } from './saml/xml-chars.ts';

export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEV_CERTS_DIR = path.join(PACKAGE_ROOT, 'certs');

/** TFE's defaults (TFE docs: session-timeout and session-remember 20160 min; sso-api-token-session-timeout 1209600 s). */
export const TFE_DEFAULTS = {
  idleTimeout: '20160m',
  sessionExpiration: '20160m',
  apiTokenTimeout: '1209600s',
} as const;

const duration = z
  .union([z.string(), z.number()])
  .transform((v, ctx) => {
    try {
      return parseDuration(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });
const positiveDuration = duration.refine((ms) => ms > 0, 'must be longer than zero');

const port = z.number().int().min(0).max(65535);
const url = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));

/** Text the IdP will put into an assertion: it must be XML 1.0 characters (no C0 controls...). */
export const xmlText = z.string().superRefine((v, ctx) => {
  const bad = findNonXmlChar(v);
  if (bad) ctx.addIssue({ code: 'custom', message: `contains ${bad}, a character XML 1.0 does not allow in an assertion` });
});
export const attributeValue = z.union([xmlText, z.boolean(), z.number(), z.array(xmlText)]);

/**
 * An attribute Name the IdP can put into an assertion and an SP can match: no control
 * characters (C0, DEL, C1), whitespace or XML-special characters. A name with a control character
 * once got through the admin API and broke every later login of that user (issue 9).
 */
export const attributeName = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[^\u0000-\u0020\u007f-\u009f<>&"'\u2028\u2029\ufeff]+$/, 'attribute names may not contain control characters, whitespace or <>&"\'');

export const FAULT_NAMES = [
  'sa-name-lowercase',
  'sa-nameformat-uri',
  'sa-nameformat-unspecified',
  'sa-nameformat-absent',
  'sa-value-capitalized',
  'sa-value-one',
  'sa-value-empty',
  'unsigned',
  'bad-signature',
  'expired',
  'wrong-audience',
  'no-session-not-on-or-after',
  'signature-sha1',
  'encryption-aes-cbc',
  'not-yet-valid',
  'wrong-recipient',
  'wrong-destination',
  'wrong-issuer',
] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

export const userSchema = z.strictObject({
  username: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, dot, underscore or hyphen'),
  email: z.email().optional(),
  /** Omitted: the user is pick-only (the login form lists them with no password). */
  password: z.string().min(1).optional(),
  displayName: z.string().optional(),
  attributes: z.record(attributeName, attributeValue).default({}),
  /** Deliberate misconfigurations applied to every assertion issued for this user. */
  faults: z.array(z.enum(FAULT_NAMES)).default([]),
});
export type UserConfig = z.output<typeof userSchema>;

/** NameID formats by short name (SAML core 8.3); `email` is what TFE expects (rule S5). */
export const NAMEID_FORMAT_NAMES = ['email', 'unspecified', 'persistent', 'transient'] as const;
/** Attribute NameFormats by short name (SAML core 8.2); `absent` leaves NameFormat out. */
export const ATTRNAME_FORMAT_NAMES = ['basic', 'uri', 'unspecified', 'absent'] as const;

/**
 * How the IdP answers one SP (docs/idp.md, "Per-SP settings"). Every field is optional so the
 * same schema serves the config file and `PATCH /api/service-providers/:entityId`; the defaults
 * live in one place, src/idp/sp-settings.ts.
 */
export const spSettingsSchema = z.strictObject({
  /** Which elements carry an enveloped signature (default both). */
  sign: z.enum(['response', 'assertion', 'both']).optional(),
  /** rsa-sha256 (default) or rsa-sha512; SHA-1 only through the signature-sha1 fault. */
  signatureAlgorithm: z.enum(['rsa-sha256', 'rsa-sha512']).optional(),
  /** Encrypt the Assertion to the SP's encryption certificate (AES-256-GCM, RSA-OAEP). */
  encryptAssertion: z.boolean().optional(),
  nameIdFormat: z.enum(NAMEID_FORMAT_NAMES).optional(),
  /** Overrides idp.assertionLifetime for this SP. */
  assertionLifetime: positiveDuration.optional(),
  /** Overrides idp.sessionNotOnOrAfter for this SP (0 leaves SessionNotOnOrAfter out). */
  sessionNotOnOrAfter: duration.optional(),
  /** NameFormat per attribute name; attributes not listed use basic (rule F1 wants basic). */
  attributeNameFormats: z.record(attributeName, z.enum(ATTRNAME_FORMAT_NAMES)).optional(),
});
export type SpSettingsInput = z.output<typeof spSettingsSchema>;

const serviceProviderSchema = spSettingsSchema
  .extend({
    /** SP metadata: a file path or an http(s) URL (fetched at start). Or give entityId + acsUrl. */
    metadata: z.string().min(1).optional(),
    entityId: z.string().min(1).optional(),
    acsUrl: url.optional(),
    sloUrl: url.optional(),
    /** How the IdP sends this SP LogoutRequests/LogoutResponses (default redirect). */
    sloBinding: z.enum(['redirect', 'post']).optional(),
    /** PEM certificate (or file) the SP signs AuthnRequests with; when set, unsigned requests are refused. */
    signingCert: z.string().optional(),
    /** PEM certificate (or file) to encrypt assertions to. */
    encryptionCert: z.string().optional(),
  })
  .refine((sp) => sp.metadata !== undefined || sp.entityId !== undefined, 'give "metadata" (file or URL) or "entityId" (with "acsUrl" unless it only changes the settings of a known SP such as the gateway)');

const idpSchema = z.strictObject({
  port: port.default(7000),
  baseUrl: url.optional(),
  entityId: z.string().min(1).optional(),
  signingKey: z.string().default(path.join(DEV_CERTS_DIR, 'idp-signing.key')),
  signingCert: z.string().default(path.join(DEV_CERTS_DIR, 'idp-signing.crt')),
  /**
   * Key rollover: a second certificate (PEM file) that metadata lists next to signingCert, so SPs
   * trust it before the IdP signs with it. The IdP keeps signing with signingKey.
   */
  nextSigningCert: z.string().optional(),
  adminToken: z.string().min(16, 'use at least 16 characters').optional(),
  /** How long the IdP remembers a browser (its own SSO session). */
  sessionDuration: positiveDuration.prefault('8h'),
  /** Conditions NotBefore..NotOnOrAfter and SubjectConfirmationData NotOnOrAfter window. */
  assertionLifetime: positiveDuration.prefault('5m'),
  /** SessionNotOnOrAfter = login + this; 0 leaves the attribute out. */
  sessionNotOnOrAfter: duration.prefault('8h'),
  includeDefaultUsers: z.boolean().default(true),
  users: z.array(userSchema).default([]),
  serviceProviders: z.array(serviceProviderSchema).default([]),
});

const gatewaySchema = z.strictObject({
  port: port.default(8080),
  baseUrl: url.optional(),
  /** File path or URL of the IdP's metadata; unset: trust the built-in IdP. */
  idpMetadata: z.string().optional(),
  spKey: z.string().default(path.join(DEV_CERTS_DIR, 'sp-signing.key')),
  spCert: z.string().default(path.join(DEV_CERTS_DIR, 'sp-signing.crt')),
  idleTimeout: positiveDuration.prefault(TFE_DEFAULTS.idleTimeout),
  sessionExpiration: positiveDuration.prefault(TFE_DEFAULTS.sessionExpiration),
  apiTokenTimeout: positiveDuration.prefault(TFE_DEFAULTS.apiTokenTimeout),
  /** Allowed difference between our clock and the IdP's (SP-SECURITY SKEW1). */
  clockSkew: duration.prefault('60s'),
  /** Accept IdP-initiated (unsolicited) responses. Off by default (SP-SECURITY IRT3). */
  allowIdpInitiated: z.boolean().default(false),
  /** Also accept IsServiceAccount without a NameFormat (DESIGN F1). */
  relaxNameFormat: z.boolean().default(false),
  /** The embedded organization, created at start with teams owners and developers. */
  organization: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'use letters, digits, - and _').default('example-org'),
  /** TFE's API rate limit (30 requests/s per token, 429 beyond). Off by default so load tests are not throttled. */
  rateLimit: z.boolean().default(false),
});

export const configSchema = z.strictObject({
  host: z.string().default('127.0.0.1'),
  clock: z.enum(['system', 'manual']).default('system'),
  /** State directory (gateway.db, idp.db, session-secret), or `:memory:` to keep nothing. */
  data: z.string().min(1, 'give a directory, or :memory:').default('./.samlgate'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  idp: idpSchema.prefault({}),
  gateway: gatewaySchema.prefault({}),
});

type RawConfig = z.output<typeof configSchema>;

/** The resolved configuration: every derived URL filled in. */
export interface Config extends RawConfig {
  idp: RawConfig['idp'] & { baseUrl: string; entityId: string };
  gateway: RawConfig['gateway'] & { baseUrl: string; entityId: string; acsUrl: string; sloUrl: string };
}

export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG';
  readonly exitCode = 2;
}

/** CLI flags, already named after config paths (`idp.port`, `gateway.idleTimeout`...). */
export type FlagOverrides = Record<string, unknown>;

function setPath(target: Record<string, unknown>, dotted: string, value: unknown) {
  const keys = dotted.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next === undefined || next === null) node[key] = {};
    else if (typeof next !== 'object') throw new ConfigError(`config: ${keys.slice(0, -1).join('.')} must be a mapping`);
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}

function formatIssues(error: z.ZodError, source: string): string {
  const lines = error.issues.map((issue) => {
    const where = issue.path.length ? issue.path.join('.') : '(top level)';
    let msg = issue.message;
    if (issue.code === 'unrecognized_keys') msg = `unknown option(s) ${issue.keys.join(', ')}: check the spelling against \`samlgate --help\` and README.md`;
    return `  - ${where}: ${msg}`;
  });
  return `invalid configuration (${source}):\n${lines.join('\n')}`;
}

export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid YAML: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`config file ${file} must be a YAML mapping at the top level`);
  return doc as Record<string, unknown>;
}

/** Merges file + flags, validates, and derives URLs. Throws ConfigError (exit code 2). */
export function resolveConfig(fileConfig: Record<string, unknown> = {}, flags: FlagOverrides = {}, source = 'defaults'): Config {
  const merged = structuredClone(fileConfig);
  for (const [key, value] of Object.entries(flags)) if (value !== undefined) setPath(merged, key, value);
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error, source));
  const c = parsed.data;
  const idpBase = c.idp.baseUrl ?? `http://localhost:${c.idp.port}`;
  const gwBase = c.gateway.baseUrl ?? `http://localhost:${c.gateway.port}`;
  const usernames = new Set<string>();
  for (const u of c.idp.users) {
    if (usernames.has(u.username)) throw new ConfigError(`invalid configuration (${source}):\n  - idp.users: user ${u.username} is listed twice`);
    usernames.add(u.username);
  }
  return {
    ...c,
    idp: { ...c.idp, baseUrl: idpBase, entityId: c.idp.entityId ?? `${idpBase}/metadata` },
    gateway: {
      ...c.gateway,
      baseUrl: gwBase,
      // TFE uses its SP metadata URL as the entity ID.
      entityId: `${gwBase}/users/saml/metadata`,
      acsUrl: `${gwBase}/users/saml/auth`,
      sloUrl: `${gwBase}/users/saml/slo`,
    },
  };
}

export function loadConfig(file: string | undefined, flags: FlagOverrides = {}): Config {
  const fileConfig = file ? readConfigFile(file) : {};
  return resolveConfig(fileConfig, flags, file ? `${file} + flags` : 'flags');
}

export { formatDuration };
