/**
 * What the gateway knows about the IdP it trusts, and what the IdP knows about an SP: the
 * product of parsing metadata (src/saml/metadata.ts), or of the built-in configuration.
 */
import type { Certificate } from './keys.ts';

export interface IdpTrust {
  entityId: string;
  /** HTTP-Redirect SingleSignOnService location (where /session sends the browser). */
  ssoRedirectUrl: string;
  ssoPostUrl: string | null;
  /** HTTP-Redirect SingleLogoutService location, when the IdP has one. */
  sloUrl: string | null;
  /** Signing certificates from metadata. Only these keys may sign responses (key pinning). */
  signingCertificates: Certificate[];
}

export interface SpTrust {
  entityId: string;
  /** The only ACS URL the IdP will post responses to for this SP. */
  acsUrl: string;
  sloUrl: string | null;
  /** When set, the SP's AuthnRequests must carry a valid signature by this certificate. */
  signingCertificate: Certificate | null;
  authnRequestsSigned: boolean;
}
