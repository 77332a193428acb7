/** Everything a gateway handler may depend on, built once in createGateway() and passed down. */
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { IdGenerator } from '../ids.ts';
import type { Logger } from '../log.ts';
import type { SigningCredentials } from '../saml/keys.ts';
import type { IdpTrust } from '../saml/trust.ts';
import type { Store } from '../store/types.ts';
import type { RunScheduler } from '../tfe/run-scheduler.ts';
import type { TfeDeps } from '../tfe/deps.ts';
import type { SamlSettingsService } from '../tfe/saml-settings.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { KeyedMutex } from '../util/keyed-mutex.ts';
import type { CapabilityUrls } from './capability-urls.ts';
import type { SessionPolicy } from './web-session.ts';
import type { LoginAttemptLog } from '../sp/login-attempts.ts';
import type { PendingLoginCookie } from '../sp/pending-login-cookie.ts';
import type { Timeline } from './timeline.ts';

/** What the caller of createGateway() supplies and every handler then reads from the context. */
export interface GatewayDeps {
  config: Config;
  clock: Clock;
  ids: IdGenerator;
  store: Store;
  logger: Logger;
  idp: IdpTrust;
  sp: SigningCredentials;
}

export interface GatewayContext extends GatewayDeps {
  policy: SessionPolicy;
  /** Serialises logins per user (concurrent logins of one user stay consistent). */
  userLocks: KeyedMutex;
  /** Absolute URL of /session, quoted in 401 details. */
  loginUrl: string;
  /** The browser's logins in flight, in a signed cookie: GET /session stores nothing. */
  pendingLogins: PendingLoginCookie;
  /** Recent SAML rejections with their private detail, for the admin debug view. */
  rejections: RejectionLog;
  /** The SAML debug view's recent login attempts and each user's last near-misses. */
  loginAttempts: LoginAttemptLog;
  /** Signed upload, download and log URLs (TFE's archivist links). */
  capabilities: CapabilityUrls;
  /** Moves simulated runs along; stopped by Gateway.close(). */
  runScheduler: RunScheduler;
  /** What the TFE domain (src/tfe/) needs: the store, clock, ids and the token secret minter. */
  tfe: TfeDeps;
  /** The admin SAML settings, live (GET/PATCH /api/v2/admin/saml-settings). */
  samlSettings: SamlSettingsService;
  /** TFE's API rate limit (30 requests/s per credential), when enabled. */
  rateLimiter: RateLimiter | null;
  /** Session ends and token refusals, for the timeline pages (bounded, in memory). */
  timeline: Timeline;
}

export interface RejectionEntry {
  at: number;
  code: string;
  detail: string;
}

/** Bounded ring of the latest rejections: the "debug view" of DESIGN 5, never shown to non-admins. */
export class RejectionLog {
  private entries: RejectionEntry[] = [];
  constructor(private readonly capacity = 50) {}
  add(entry: RejectionEntry) {
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.shift();
  }
  latest(): RejectionEntry[] {
    return [...this.entries].reverse();
  }
}
