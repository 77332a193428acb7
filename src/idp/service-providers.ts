/**
 * The SPs the test IdP answers, each with its issuance settings. The gateway is always
 * registered (from its config), then `idp.serviceProviders` from the config (inline, a metadata
 * file, or a metadata URL fetched at start), then whatever the admin API registers.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Config, SpSettingsInput } from '../config.ts';
import { certificateFromPem, KeyError, type Certificate } from '../saml/keys.ts';
import { MetadataError } from '../saml/metadata.ts';
import type { SpTrust } from '../saml/trust.ts';
import { readSpMetadata, type SloBinding } from './sp-metadata.ts';
import { pickSettings, resolveSpSettings, type IdpDefaults, type SpSettings } from './sp-settings.ts';

export interface IdpServiceProvider extends SpTrust {
  /** Assertions are encrypted to this certificate when the settings ask for it. */
  encryptionCertificate: Certificate | null;
  sloBinding: SloBinding;
  /** The settings as given (config or API); `resolved` adds the defaults. */
  settingsInput: SpSettingsInput;
  settings: SpSettings;
  source: 'gateway' | 'config' | 'api';
  /** The metadata it was registered from (kept so the IdP store can re-register it after a restart). */
  metadataXml?: string;
}

/** Hears every change, so the IdP store can write it through (src/idp/persistence.ts). */
export interface ServiceProviderObserver {
  registered(sp: IdpServiceProvider): void;
  settingsChanged(sp: IdpServiceProvider): void;
  removed(entityId: string): void;
}

export type SpDefinition = Omit<IdpServiceProvider, 'settings'>;

export class ServiceProviderRegistry {
  private readonly sps = new Map<string, IdpServiceProvider>();
  observer: ServiceProviderObserver | null = null;

  constructor(
    private readonly defaults: IdpDefaults,
    initial: readonly SpDefinition[] = [],
  ) {
    for (const sp of initial) this.register(sp);
  }

  /** Registering an entity ID again replaces it (re-uploading changed metadata). */
  register(sp: SpDefinition): IdpServiceProvider {
    const full = this.put(sp);
    this.observer?.registered(full);
    return full;
  }

  private put(sp: SpDefinition): IdpServiceProvider {
    const full = { ...sp, settings: resolveSpSettings(sp.settingsInput, this.defaults) };
    this.sps.set(sp.entityId, full);
    return full;
  }

  /** Merges `change` into the SP's settings (a key set to its default is kept explicitly). */
  updateSettings(entityId: string, change: SpSettingsInput): IdpServiceProvider | undefined {
    const sp = this.sps.get(entityId);
    if (!sp) return undefined;
    const full = this.put({ ...sp, settingsInput: { ...sp.settingsInput, ...change } });
    this.observer?.settingsChanged(full);
    return full;
  }

  remove(entityId: string): boolean {
    const removed = this.sps.delete(entityId);
    if (removed) this.observer?.removed(entityId);
    return removed;
  }

  get(entityId: string): IdpServiceProvider | undefined {
    return this.sps.get(entityId);
  }

  list(): IdpServiceProvider[] {
    return [...this.sps.values()];
  }
}

const certSummary = (c: Certificate | null) => (c ? { subject: c.x509.subject, fingerprint256: c.x509.fingerprint256, validTo: c.x509.validTo } : null);

export function describeServiceProvider(sp: IdpServiceProvider) {
  const s = sp.settings;
  return {
    entityId: sp.entityId,
    acsUrl: sp.acsUrl,
    sloUrl: sp.sloUrl,
    sloBinding: sp.sloBinding,
    authnRequestsSigned: sp.authnRequestsSigned,
    signingCertificate: certSummary(sp.signingCertificate),
    encryptionCertificate: certSummary(sp.encryptionCertificate),
    source: sp.source,
    settings: {
      sign: s.signResponse && s.signAssertion ? 'both' : s.signResponse ? 'response' : 'assertion',
      signatureAlgorithm: s.signatureAlgorithm,
      encryptAssertion: s.encryptAssertion,
      nameIdFormat: s.nameIdFormatName,
      assertionLifetimeSeconds: s.assertionLifetime / 1000,
      sessionNotOnOrAfterSeconds: s.sessionNotOnOrAfter / 1000,
      attributeNameFormats: sp.settingsInput.attributeNameFormats ?? {},
    },
  };
}

/** A PEM string, or the path of a PEM file (config files usually point at a file). */
function readCertificate(value: string, what: string): Certificate {
  if (value.includes('-----BEGIN')) return certificateFromPem(value);
  if (!existsSync(value)) throw new KeyError(`${what}: ${value} is neither a PEM certificate nor an existing file`);
  return certificateFromPem(readFileSync(value, 'utf8'));
}

/** An SP from its metadata document plus settings. Throws MetadataError. */
export function spFromMetadata(xml: string, settingsInput: SpSettingsInput, source: SpDefinition['source']): SpDefinition {
  const facts = readSpMetadata(xml);
  return { ...facts.trust, encryptionCertificate: facts.encryptionCertificate, sloBinding: facts.sloBinding, settingsInput, source, metadataXml: xml };
}

type SpConfig = Config['idp']['serviceProviders'][number];

export interface ConfiguredServiceProviders {
  /** Ready now: the gateway, inline entries and metadata files. */
  ready: SpDefinition[];
  /** Metadata URLs, to fetch at start (each with its settings). */
  remote: { url: string; settings: SpSettingsInput }[];
}

/**
 * The gateway (always; it gets its SP certificate as encryption certificate too, as TFE's SP
 * metadata publishes one key for both uses), then idp.serviceProviders. An entry with only an
 * entityId changes the settings of an SP already listed (e.g. the gateway).
 */
export function serviceProvidersFromConfig(config: Config): ConfiguredServiceProviders {
  const gatewayCert = readCertificate(config.gateway.spCert, 'gateway.spCert');
  const ready: SpDefinition[] = [
    {
      entityId: config.gateway.entityId,
      acsUrl: config.gateway.acsUrl,
      sloUrl: config.gateway.sloUrl,
      signingCertificate: gatewayCert,
      authnRequestsSigned: true,
      encryptionCertificate: gatewayCert,
      sloBinding: 'redirect',
      settingsInput: {},
      source: 'gateway',
    },
  ];
  const remote: ConfiguredServiceProviders['remote'] = [];
  for (const sp of config.idp.serviceProviders as SpConfig[]) {
    const settingsInput = pickSettings(sp as Record<string, unknown>);
    if (sp.metadata) {
      if (/^https?:\/\//i.test(sp.metadata)) {
        remote.push({ url: sp.metadata, settings: settingsInput });
        continue;
      }
      let xml: string;
      try {
        xml = readFileSync(sp.metadata, 'utf8');
      } catch (err) {
        throw new KeyError(`idp.serviceProviders: cannot read SP metadata ${sp.metadata}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      try {
        ready.push(spFromMetadata(xml, settingsInput, 'config'));
      } catch (err) {
        if (err instanceof MetadataError) throw new KeyError(`idp.serviceProviders: SP metadata ${sp.metadata}: ${err.message}`);
        throw err;
      }
      continue;
    }
    const entityId = sp.entityId!;
    const known = ready.findIndex((r) => r.entityId === entityId);
    if (!sp.acsUrl) {
      if (known < 0) throw new KeyError(`idp.serviceProviders ${entityId}: no acsUrl (or metadata), and no SP with that entity ID is known to change the settings of`);
      ready[known] = { ...ready[known]!, settingsInput: { ...ready[known]!.settingsInput, ...settingsInput } };
      continue;
    }
    const signingCertificate = sp.signingCert ? readCertificate(sp.signingCert, `idp.serviceProviders ${entityId} signingCert`) : null;
    const encryptionCertificate = sp.encryptionCert ? readCertificate(sp.encryptionCert, `idp.serviceProviders ${entityId} encryptionCert`) : null;
    const def: SpDefinition = {
      entityId,
      acsUrl: sp.acsUrl,
      sloUrl: sp.sloUrl ?? null,
      sloBinding: sp.sloBinding ?? 'redirect',
      signingCertificate,
      authnRequestsSigned: signingCertificate !== null,
      encryptionCertificate,
      settingsInput,
      source: 'config',
    };
    if (known >= 0) ready[known] = def;
    else ready.push(def);
  }
  return { ready, remote };
}
