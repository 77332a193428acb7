/**
 * What the SAML benchmarks share: the default config's IdP and gateway, our IdP's issuance exactly
 * as src/idp/app.ts calls it, and samlify 2.13 entities configured from the same metadata.
 */
import samlify from 'samlify';
import { ManualClock } from '../src/clock.ts';
import { resolveConfig } from '../src/config.ts';
import { randomIds } from '../src/ids.ts';
import { buildAssertionModel } from '../src/idp/assertion.ts';
import { directoryFromConfig } from '../src/idp/directory.ts';
import { issueResponse } from '../src/idp/issue.ts';
import { resolveSpSettings } from '../src/idp/sp-settings.ts';
import { loadSigningCredentials } from '../src/saml/keys.ts';
import { idpMetadataXml } from '../src/saml/metadata.ts';
import type { SpTrust } from '../src/saml/trust.ts';
import { builtInIdpTrust } from '../src/server.ts';

export const config = resolveConfig({}, { logLevel: 'silent' });
export const idpCredentials = loadSigningCredentials(config.idp.signingKey, config.idp.signingCert);
export const idpMetadata = idpMetadataXml({
  entityId: config.idp.entityId,
  ssoUrl: `${config.idp.baseUrl}/sso`,
  sloUrl: `${config.idp.baseUrl}/slo`,
  certificate: idpCredentials.certificate,
});
export const gatewaySp: SpTrust = {
  entityId: config.gateway.entityId,
  acsUrl: config.gateway.acsUrl,
  sloUrl: config.gateway.sloUrl,
  signingCertificate: null,
  authnRequestsSigned: false,
};
export const directory = directoryFromConfig(config.idp);
/** The gateway's per-SP settings at the IdP: the defaults (both signed, RSA-SHA256, no encryption). */
const gatewaySettings = resolveSpSettings({}, { assertionLifetime: config.idp.assertionLifetime, sessionNotOnOrAfter: config.idp.sessionNotOnOrAfter });
/** alice: Username + MemberOf attributes, unflagged. */
export const benchUser = directory.get('alice')!;
export const REQUEST_ID = '_bench-authnrequest-0001';

export const idpTrust = () => builtInIdpTrust(config);

/** One response as the IdP's /sso answer builds it: assertion and response both signed. */
export function issueOurs(now: number) {
  const model = buildAssertionModel({
    user: benchUser,
    sp: gatewaySp,
    idpEntityId: config.idp.entityId,
    now,
    ids: randomIds,
    inResponseTo: REQUEST_ID,
    authnInstant: now - 1_000,
    sessionIndex: '_bench-session-1',
    settings: gatewaySettings,
  });
  return issueResponse(model, { credentials: idpCredentials, faults: benchUser.faults, now, encryptionCertificate: null });
}

export function fixedClock(now: number) {
  return new ManualClock(now);
}

let schemaValidatorSet = false;
/** samlify refuses to parse without a schema validator; the benchmark installs a no-op one. */
export function samlifyWithoutSchemaValidation(): typeof samlify {
  if (!schemaValidatorSet) {
    samlify.setSchemaValidator({ validate: async () => 'skipped' });
    schemaValidatorSet = true;
  }
  return samlify;
}

export const DAY_MS = 24 * 3_600_000;
