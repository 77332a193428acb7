/**
 * The admin SAML settings (TFE "Admin Settings: SAML", GET/PATCH /api/v2/admin/saml-settings):
 * every attribute TFE documents, persisted in the store's settings under `saml-settings`, and the
 * live values the gateway reads on each login and token check:
 * - want-assertions-signed: the ACS refuses an assertion covered only by the Response signature;
 * - sso-api-token-session-timeout (seconds): replaces the configured S2 timeout at once;
 * - team-management-enabled: whether MemberOf sets team membership at login;
 * - attr-username, attr-groups, attr-site-admin, site-admin-role: which attributes and group
 *   the login reads (rule S5);
 * - idp-cert, sso-endpoint-url, slo-endpoint-url: the trusted IdP (applied by the gateway);
 * - debug: SAML rejections are logged with their full detail.
 * No HTTP here: src/api/admin-saml-settings.ts is the adapter.
 */
import type { UserAttributeNames } from '../saml/attribute-policy.ts';
import type { SamlAttribute } from '../saml/attributes.ts';
import { ATTR, SITE_ADMINS_GROUP } from '../saml/constants.ts';
import type { SettingsStore } from '../store/types.ts';

export interface SamlSettings {
  enabled: boolean;
  debug: boolean;
  'old-idp-cert': string | null;
  'idp-cert': string | null;
  'slo-endpoint-url': string | null;
  'sso-endpoint-url': string | null;
  'attr-username': string;
  'attr-groups': string;
  'attr-site-admin': string;
  'site-admin-role': string;
  /** Seconds (TFE default 1209600 = 14 days). */
  'sso-api-token-session-timeout': number;
  'team-management-enabled': boolean;
  /** The SP's own certificate (PEM), shown; its private key is write-only in TFE and never shown. */
  certificate: string | null;
  'signature-signing-method': 'SHA1' | 'SHA256';
  'signature-digest-method': 'SHA1' | 'SHA256';
  'want-assertions-signed': boolean;
  'authn-requests-signed': boolean;
}

/** Attributes TFE computes and never takes in a PATCH. */
export interface SamlSettingsReadOnly {
  'acs-consumer-url': string;
  'metadata-url': string;
}

export const SETTINGS_KEY = 'saml-settings';

/**
 * The settings before any admin change: the configuration's values (flags and file). An admin's
 * PATCH overrides exactly the keys it names, at once and after every restart; the rest keep
 * following the configuration. This is the one place where that precedence is decided.
 */
export function defaultSamlSettings(o: { apiTokenTimeoutMs: number; idpCert: string | null; ssoUrl: string | null; sloUrl: string | null; spCert: string | null; debug?: boolean }): SamlSettings {
  return {
    enabled: true,
    debug: o.debug ?? false,
    'old-idp-cert': null,
    'idp-cert': o.idpCert,
    'slo-endpoint-url': o.sloUrl,
    'sso-endpoint-url': o.ssoUrl,
    'attr-username': ATTR.username,
    'attr-groups': ATTR.memberOf,
    'attr-site-admin': ATTR.siteAdmin,
    'site-admin-role': SITE_ADMINS_GROUP,
    'sso-api-token-session-timeout': Math.round(o.apiTokenTimeoutMs / 1000),
    'team-management-enabled': true,
    certificate: o.spCert,
    'signature-signing-method': 'SHA256',
    'signature-digest-method': 'SHA256',
    // samlgate's default accepts a response whose signature covers the assertion (TFE's
    // want-assertions-signed=false); turning it on demands the assertion's own signature.
    'want-assertions-signed': false,
    'authn-requests-signed': true,
  };
}

/**
 * The live, effective settings: the configuration's defaults with the admin's saved overrides on
 * top. Read from memory on the hot path; the overrides (only the keys an admin set) are written
 * through to the store. Every consumer reads `current()` or listens with `onChange`, which also
 * fires once after `load()`, so start-up and a later change apply the same way.
 */
export class SamlSettingsService {
  private value: SamlSettings;
  private overrides: Partial<SamlSettings> = {};
  private readonly listeners: Array<(s: SamlSettings, previous: SamlSettings) => void> = [];

  constructor(
    private readonly store: SettingsStore,
    private readonly defaults: SamlSettings,
  ) {
    this.value = defaults;
  }

  /** Loads the saved overrides over the defaults (at start) and tells every listener. */
  async load(): Promise<void> {
    this.overrides = (await this.store.get<Partial<SamlSettings>>(SETTINGS_KEY)) ?? {};
    this.apply({ ...this.defaults, ...this.overrides });
  }

  current(): SamlSettings {
    return this.value;
  }

  async update(patch: Partial<SamlSettings>): Promise<SamlSettings> {
    const overrides = { ...this.overrides, ...patch };
    await this.store.set(SETTINGS_KEY, overrides);
    this.overrides = overrides;
    this.apply({ ...this.defaults, ...overrides });
    return this.value;
  }

  /** `listener(current, previous)` on every change, and once at load (previous = the defaults). */
  onChange(listener: (s: SamlSettings, previous: SamlSettings) => void): void {
    this.listeners.push(listener);
  }

  private apply(next: SamlSettings): void {
    const previous = this.value;
    this.value = next;
    for (const l of this.listeners) l(next, previous);
  }

  /** S2's sso-api-token-session-timeout, in ms. */
  apiTokenTimeoutMs(): number {
    return this.value['sso-api-token-session-timeout'] * 1000;
  }
}

/** The attribute names rule S5 reads, from the admin settings (for the verification core). */
export function userAttributeNames(s: SamlSettings): UserAttributeNames {
  return { username: s['attr-username'], groups: s['attr-groups'], siteAdmin: s['attr-site-admin'], siteAdminRole: s['site-admin-role'] };
}
