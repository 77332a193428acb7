/**
 * Whether a token may be used right now: rules S2-S4 and T4 of DESIGN.md in ONE pure function,
 * tested table-first (test/tfe/token-validity.test.ts). The auth middleware gathers the facts
 * (token, owner, live web session) and this decides; no other code decides token validity. The
 * same S2/S4 rules judge a user who acted through the browser session, when a capability URL
 * the UI was handed is used later (decideSessionUserStanding).
 */
import { formatDuration } from '../duration.ts';
import type { TokenRecord, UserRecord } from '../store/types.ts';

export type Api = 'v2' | 'v1';

export type TokenDenial =
  | 'token-expired'
  | 'owner-missing'
  | 'user-suspended'
  | 'web-session-expired'
  | 'sso-api-token-timeout'
  | 'api-not-allowed';

export type TokenDecision = { ok: true } | { ok: false; reason: TokenDenial; detail: string };

export interface TokenFacts {
  token: TokenRecord;
  /** The owning user, for user tokens. */
  owner: UserRecord | undefined;
  now: number;
  api: Api;
  /**
   * End of the owner's latest live web session (epoch ms), or null when there is none. Only
   * consulted for users who are not service accounts; see needsWebSession().
   */
  webSessionLiveUntil: number | null;
  apiTokenTimeoutMs: number;
  loginUrl: string;
}

/** True when the decision depends on the owner's web session (S2), so the caller must look it up. */
export function needsWebSession(token: TokenRecord, owner: UserRecord | undefined): boolean {
  return token.kind === 'user' && owner !== undefined && !owner.isServiceAccount;
}

const deny = (reason: TokenDenial, detail: string): TokenDecision => ({ ok: false, reason, detail });

// Built once, not per call: decideTokenValidity runs on every token request.
const TOKENS_NOT_VALID = (login: string) => `their API tokens are not valid; log in again at ${login} to make this token work again (or have the IdP send IsServiceAccount=true for automation users)`;

export function decideTokenValidity(f: TokenFacts): TokenDecision {
  const { token, owner, now } = f;
  // T5: any token may carry its own expiry, whoever owns it.
  if (token.expiredAt !== null && now >= token.expiredAt) {
    return deny('token-expired', `this token expired at ${new Date(token.expiredAt).toISOString()}; create a new one`);
  }
  if (token.kind !== 'user') {
    // T4: team and organization tokens are v2-only and never tied to an SSO session.
    if (f.api !== 'v2') return deny('api-not-allowed', `${token.kind} tokens cannot be used with the v1 API; use a user token`);
    return { ok: true };
  }
  if (!owner || owner.isSuspended) return ownerStanding(owner);
  // S3: a flagged service account's token outlives the web session and the SSO token timeout.
  if (owner.isServiceAccount) return { ok: true };
  // S2: everyone else needs a live web session ...
  const session = webSessionStanding(owner, f, TOKENS_NOT_VALID);
  if (!session.ok) return session;
  // ... and a SAML login within sso-api-token-session-timeout.
  if (now - owner.lastLoginAt >= f.apiTokenTimeoutMs) {
    return deny(
      'sso-api-token-timeout',
      `the SSO session of user ${owner.username} has expired: their last SAML login was more than ` +
        `${formatDuration(f.apiTokenTimeoutMs)} ago (sso-api-token-session-timeout); log in again at ${f.loginUrl}`,
    );
  }
  return { ok: true };
}

/** S4 (the owner exists and is not suspended); S4 beats everything, the S3 exemption included. */
function ownerStanding(owner: UserRecord | undefined): TokenDecision {
  if (!owner) return deny('owner-missing', 'the user this token belongs to no longer exists');
  if (owner.isSuspended) return deny('user-suspended', `user ${owner.username} is suspended; a site admin must unsuspend the account`);
  return { ok: true };
}

/** S2's first half: the owner has a live web session now. */
function webSessionStanding(owner: UserRecord, f: Pick<TokenFacts, 'webSessionLiveUntil' | 'now' | 'loginUrl'>, consequence: (loginUrl: string) => string): TokenDecision {
  if (f.webSessionLiveUntil !== null && f.webSessionLiveUntil > f.now) return { ok: true };
  return deny('web-session-expired', `the SSO session of user ${owner.username} has expired, so ${consequence(f.loginUrl)}`);
}

export type SessionUserFacts = Pick<TokenFacts, 'now' | 'webSessionLiveUntil' | 'loginUrl'> & { user: UserRecord | undefined };

/**
 * The standing, judged later, of a user who acted through their browser session: a capability
 * URL the UI was handed is worth what that user's web session is worth now. S4, then S2's live
 * web session; no S3 exemption and no token timeout, because the credential was the web session
 * itself, not a token.
 */
export function decideSessionUserStanding(f: SessionUserFacts): TokenDecision {
  const { user } = f;
  if (!user || user.isSuspended) return ownerStanding(user);
  return webSessionStanding(user, f, (login) => `the links handed out in their browser session no longer work; log in again at ${login} and ask for a new link`);
}
