/**
 * The SPs the test IdP answers. The gateway is always registered (from its config), plus
 * `idp.serviceProviders` from the config and whatever the admin API registers by metadata.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Config } from '../config.ts';
import { certificateFromPem, KeyError, type Certificate } from '../saml/keys.ts';
import type { SpTrust } from '../saml/trust.ts';

export class ServiceProviderRegistry {
  private readonly sps = new Map<string, SpTrust>();

  constructor(initial: readonly SpTrust[] = []) {
    for (const sp of initial) this.register(sp);
  }

  /** Registering an entity ID again replaces it (re-uploading changed metadata). */
  register(sp: SpTrust): SpTrust {
    this.sps.set(sp.entityId, sp);
    return sp;
  }

  get(entityId: string): SpTrust | undefined {
    return this.sps.get(entityId);
  }

  list(): SpTrust[] {
    return [...this.sps.values()];
  }
}

export function describeServiceProvider(sp: SpTrust) {
  return {
    entityId: sp.entityId,
    acsUrl: sp.acsUrl,
    sloUrl: sp.sloUrl,
    authnRequestsSigned: sp.authnRequestsSigned,
    signingCertificate: sp.signingCertificate
      ? { subject: sp.signingCertificate.x509.subject, fingerprint256: sp.signingCertificate.x509.fingerprint256, validTo: sp.signingCertificate.x509.validTo }
      : null,
  };
}

/** A PEM string, or the path of a PEM file (config files usually point at a file). */
function readCertificate(value: string, what: string): Certificate {
  if (value.includes('-----BEGIN')) return certificateFromPem(value);
  if (!existsSync(value)) throw new KeyError(`${what}: ${value} is neither a PEM certificate nor an existing file`);
  return certificateFromPem(readFileSync(value, 'utf8'));
}

/** The gateway (always), then idp.serviceProviders; a later entry with the same entity ID wins. */
export function serviceProvidersFromConfig(config: Config): SpTrust[] {
  const gatewayCert = readCertificate(config.gateway.spCert, 'gateway.spCert');
  const out: SpTrust[] = [
    {
      entityId: config.gateway.entityId,
      acsUrl: config.gateway.acsUrl,
      sloUrl: config.gateway.sloUrl,
      signingCertificate: gatewayCert,
      authnRequestsSigned: true,
    },
  ];
  for (const sp of config.idp.serviceProviders) {
    const cert = sp.signingCert ? readCertificate(sp.signingCert, `idp.serviceProviders ${sp.entityId} signingCert`) : null;
    out.push({ entityId: sp.entityId, acsUrl: sp.acsUrl, sloUrl: sp.sloUrl ?? null, signingCertificate: cert, authnRequestsSigned: cert !== null });
  }
  return out;
}

