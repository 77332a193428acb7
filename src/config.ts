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
import { attributeNameProblem } from './saml/attribute-name-rule.ts';
import { SamlgateError } from './errors.ts';

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
 * An attribute Name the IdP can put into an assertion and an SP can match, by the one rule in
 * src/saml/attribute-name-rule.ts (XML 1.0 text, no controls, no reserved JS keys).
 */
export const attributeName = z.string().superRefine((name, ctx) => {
  const problem = attributeNameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * A record keyed by attribute names, built on a null prototype. zod's record skips an own
 * `__proto__` key without asking the key schema (regression: the admin API answered 200 and the
 * attribute was silently gone), so that key is refused before zod sees the object.
 */
export const attributeRecord = <V extends z.ZodType>(value: V) =>
  z
    .preprocess((input, ctx) => {
      if (input !== null && typeof input === 'object' && Object.hasOwn(input, '__proto__')) ctx.addIssue({ code: 'custom', message: attributeNameProblem('__proto__')!, path: ['__proto__'], input });
      return input;
    }, z.record(attributeName, value))
    .transform((r) => Object.assign(Object.create(null) as Record<string, z.output<V>>, r));

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
  attributes: attributeRecord(attributeValue).default({}),
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
  attributeNameFormats: attributeRecord(z.enum(ATTRNAME_FORMAT_NAMES)).optional(),
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
  /** Refuse ambiguous attributes TFE would accept (duplicates, several or empty values); default: read them as ruby-saml does. */
  strictAttributes: z.boolean().default(false),
  /** TFE's SAML `debug` setting: keep recent login attempts for the admin debug page. Default: on with the manual clock. */
  samlDebug: z.boolean().optional(),
  /** Accept AES-CBC encrypted assertions (off: SP-SECURITY ENC5). */
  allowCbcEncryption: z.boolean().default(false),
});

const tlsSchema = z.strictObject({
  /** Serve both halves over HTTPS. Without cert/key: the dev CA's localhost certificate (src/certs.ts). */
  enabled: z.boolean().default(false),
  /** PEM certificate (chain) and key to serve instead of the dev one; setting them turns TLS on. */
  cert: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  /** Where plain --tls keeps (and on first use makes) the dev CA and localhost certificate. */
  devDir: z.string().min(1).default(DEV_CERTS_DIR),
}).refine((t) => (t.cert === undefined) === (t.key === undefined), 'set both cert and key (--tls-cert and --tls-key), or neither');

/**
 * express's "trust proxy" (which peers may set X-Forwarded-Proto/-For): true, false, or a list
 * such as "loopback, uniquelocal". Unset: trusted only when a half's public URL is https while it
 * serves plain HTTP itself, i.e. a TLS-terminating proxy sits in front (see resolveConfig).
 */
const trustProxy = z.union([z.boolean(), z.string().min(1)]);

export const LOG_FORMATS = ['pretty', 'json'] as const;

export const configSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  clock: z.enum(['system', 'manual']).default('system'),
  /** State directory (gateway.db, idp.db, session-secret), or `:memory:` to keep nothing. */
  data: z.string().min(1, 'give a directory, or :memory:').refine((v) => !v.includes('\0'), 'must not contain a NUL character').default('./.samlgate'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Unset: pretty on a terminal, JSON lines otherwise (src/log.ts). */
  logFormat: z.enum(LOG_FORMATS).optional(),
  tls: tlsSchema.prefault({}),
  trustProxy: trustProxy.optional(),
  /** Extra Host header names both halves answer to (DNS-rebinding check, src/http/host-check.ts). */
  allowedHosts: z.array(z.string().min(1)).default([]),
  idp: idpSchema.prefault({}),
  gateway: gatewaySchema.prefault({}),
});

type RawConfig = z.output<typeof configSchema>;

/** The resolved configuration: every derived URL filled in. */
export interface Config extends Omit<RawConfig, 'tls' | 'trustProxy'> {
  idp: RawConfig['idp'] & { baseUrl: string; entityId: string };
  gateway: RawConfig['gateway'] & { baseUrl: string; entityId: string; acsUrl: string; sloUrl: string };
  /** enabled is true when --tls or a cert/key pair was given. */
  tls: RawConfig['tls'];
  /** Resolved per half: express's "trust proxy" value. */
  trustProxy: { idp: boolean | string; gateway: boolean | string };
}

export class ConfigError extends SamlgateError {
  readonly code = 'ERR_CONFIG';
  readonly kind = 'usage';
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

function formatIssues(error: z.ZodError, source: string, flagNames: Record<string, string>): string {
  const lines = error.issues.map((issue) => {
    const dotted = issue.path.join('.');
    // A value that came from a flag is reported under the flag's name: that is what the user typed.
    const flag = Object.entries(flagNames).find(([p]) => dotted === p || dotted.startsWith(`${p}.`))?.[1];
    const where = flag ?? (issue.path.length ? dotted : '(top level)');
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

/** The usual proxy peers: the machine itself, link-local and private networks (containers). */
const DEFAULT_PROXY_PEERS = 'loopback, linklocal, uniquelocal';

/**
 * Merges file + flags, validates, and derives URLs. Throws ConfigError (exit code 2).
 * `flagNames` maps a config path to the flag that set it, so errors name `--idle-timeout`.
 */
export function resolveConfig(fileConfig: Record<string, unknown> = {}, flags: FlagOverrides = {}, source = 'defaults', flagNames: Record<string, string> = {}): Config {
  const merged = structuredClone(fileConfig);
  const usedFlags: Record<string, string> = {};
  for (const [key, value] of Object.entries(flags)) {
    if (value === undefined) continue;
    setPath(merged, key, value);
    if (flagNames[key]) usedFlags[key] = flagNames[key];
  }
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error, source, usedFlags));
  const c = parsed.data;
  const tls = { ...c.tls, enabled: c.tls.enabled || c.tls.cert !== undefined };
  const scheme = tls.enabled ? 'https' : 'http';
  const idpBase = c.idp.baseUrl ?? `${scheme}://localhost:${c.idp.port}`;
  const gwBase = c.gateway.baseUrl ?? `${scheme}://localhost:${c.gateway.port}`;
  // Behind a TLS-terminating proxy the connection is plain HTTP while the browser sees https: without
  // trusting the proxy's X-Forwarded-Proto, express-session never sets the Secure cookie and every login fails.
  const behindTlsProxy = (base: string) => !tls.enabled && base.startsWith('https:');
  const trustProxyFor = (base: string) => c.trustProxy ?? (behindTlsProxy(base) ? DEFAULT_PROXY_PEERS : false);
  const usernames = new Set<string>();
  for (const u of c.idp.users) {
    if (usernames.has(u.username)) throw new ConfigError(`invalid configuration (${source}):\n  - idp.users: user ${u.username} is listed twice`);
    usernames.add(u.username);
  }
  return {
    ...c,
    tls,
    trustProxy: { idp: trustProxyFor(idpBase), gateway: trustProxyFor(gwBase) },
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

export function loadConfig(file: string | undefined, flags: FlagOverrides = {}, flagNames: Record<string, string> = {}): Config {
  const fileConfig = file ? readConfigFile(file) : {};
  return resolveConfig(fileConfig, flags, file ? `${file} + flags` : 'flags', flagNames);
}

export { formatDuration };
