/**
 * What the IdP's route groups share: the state createIdp assembles once (directory, service
 * providers, key material, sessions, guards), passed to each group instead of closed over, so a
 * route module names exactly what it uses.
 */
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { IdGenerator } from '../ids.ts';
import type { Logger } from '../log.ts';
import type { Certificate, SigningCredentials } from '../saml/keys.ts';
import type { AdminAuth } from './admin-auth.ts';
import type { CsrfGuard } from './csrf.ts';
import type { UserDirectory } from './directory.ts';
import type { ResponseRing } from './inspector.ts';
import type { PendingLogins } from './pending-login.ts';
import type { ServiceProviderRegistry } from './service-providers.ts';
import type { IdpSessions } from './sessions.ts';
import type { LogoutRuns } from './slo.ts';

export interface IdpContext {
  config: Config;
  idpConfig: Config['idp'];
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  directory: UserDirectory;
  serviceProviders: ServiceProviderRegistry;
  /** The signing key and certificate the IdP signs with. */
  credentials: SigningCredentials;
  /** The current certificate and, during a rollover, the next one (both in the metadata). */
  signingCertificates: readonly Certificate[];
  metadataXml: string;
  sessions: IdpSessions;
  runs: LogoutRuns;
  ring: ResponseRing;
  pending: PendingLogins;
  csrf: CsrfGuard;
  admin: AdminAuth;
  /** Cookies get `Secure` when the IdP's public URL is https. */
  secureCookie: boolean;
}
