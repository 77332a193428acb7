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
 * No HTTP here: src/gateway/api/admin-saml-settings.ts is the adapter.
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

export function defaultSamlSettings(o: { apiTokenTimeoutMs: number; idpCert: string | null; ssoUrl: string | null; sloUrl: string | null; spCert: string | null }): SamlSettings {
  return {
    enabled: true,
    debug: false,
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

/** The live settings: read from memory on the hot path, written through to the store. */
export class SamlSettingsService {
  private value: SamlSettings;
  private readonly listeners: Array<(s: SamlSettings, previous: SamlSettings) => void> = [];

  constructor(
    private readonly store: SettingsStore,
    defaults: SamlSettings,
  ) {
    this.value = defaults;
  }

  /** Loads persisted settings over the defaults (at start). */
  async load(): Promise<void> {
    const saved = await this.store.get<Partial<SamlSettings>>(SETTINGS_KEY);
    if (saved) this.value = { ...this.value, ...saved };
  }

  current(): SamlSettings {
    return this.value;
  }

  async update(patch: Partial<SamlSettings>): Promise<SamlSettings> {
    const previous = this.value;
    const next = { ...previous, ...patch };
    await this.store.set(SETTINGS_KEY, next);
    this.value = next;
    for (const l of this.listeners) l(next, previous);
    return next;
  }

  onChange(listener: (s: SamlSettings, previous: SamlSettings) => void): void {
    this.listeners.push(listener);
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
