/** Shared set-up for the ACS attack-case tests: a trusted IdP, a manual clock, a fresh replay cache. */
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock.ts';
import { verifyLoginResponse, type VerifiedLogin, type VerifyOptions } from '../../src/sp/acs.ts';
import { DEFAULT_POLICY, STRICT_POLICY } from '../../src/saml/attribute-policy.ts';
import { certificateFromPem } from '../../src/saml/keys.ts';
import { SamlRejection, type RejectionCode } from '../../src/saml/rejection.ts';
import { createMemoryStore } from '../../src/store/memory.ts';
import { craftResponse, encode, IDP_ENTITY_ID, IDP_KEY, SP, type CraftOptions } from '../support/craft-response.ts';

export const NOW = Date.parse('2026-03-02T10:00:00.000Z');
export const REQUEST_ID = '_req-1234';
const trustedCert = certificateFromPem(IDP_KEY.certPem);

export function options(overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    sp: SP,
    idp: { entityId: IDP_ENTITY_ID, ssoRedirectUrl: 'http://localhost:7000/sso', ssoPostUrl: null, sloUrl: null, signingCertificates: [trustedCert] },
    clock: new ManualClock(NOW),
    clockSkewMs: 60_000,
    maxAuthnAgeMs: 24 * 3600_000,
    maxAssertionLifetimeMs: 24 * 3600_000,
    replay: createMemoryStore().replay,
    // The gateway's default: TFE's (ruby-saml's) reading of ambiguous attributes.
    attributePolicy: DEFAULT_POLICY,
    allowUnsolicited: false,
    ...overrides,
  };
}

/** Crafted options with the defaults every test shares (solicited by REQUEST_ID at NOW). */
export function craft(o: Partial<CraftOptions> = {}): string {
  return craftResponse({ now: NOW, inResponseTo: REQUEST_ID, ...o });
}

export function verifyXml(xml: string, overrides: Partial<VerifyOptions> = {}, pending: readonly string[] = [REQUEST_ID]): Promise<VerifiedLogin> {
  return verifyLoginResponse(encode(xml), pending, options(overrides));
}

/** Asserts a rejection with `code`; returns it for further checks on the detail. */
export async function rejects(promise: Promise<unknown>, code: RejectionCode, detail?: RegExp): Promise<SamlRejection> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof SamlRejection, `expected SamlRejection ${code}, got ${caught === undefined ? 'success' : String(caught)}`);
  assert.equal(caught.code, code, `expected ${code}, got ${caught.code}: ${caught.detail}`);
  if (detail) assert.match(caught.detail, detail);
  return caught;
}

export { encode };

/** The same, with --strict-attributes (gateway.strictAttributes). */
export const STRICT = { attributePolicy: STRICT_POLICY } as const;
