/**
 * The gateway's browser session (rule S1). express-session carries it in a cookie; this module
 * owns what is in it and when it ends. All times come from the injected Clock, never from
 * express-session's cookie expiry (which reads the real time and would ignore the dev clock).
 */
/** The gateway's cookie; the IdP's is samlgate_idp (browsers share cookies across ports). */
export const SESSION_COOKIE = 'samlgate_session';

export interface LoginState {
  userId: string;
  loginAt: number;
  /** Last web request (pages and session-authenticated API calls; token calls don't count). */
  lastSeenAt: number;
  /** The assertion's SessionNotOnOrAfter, when the IdP sent one. */
  samlNotOnOrAfter: number | null;
  sessionIndex: string | null;
  nameId: string;
  /**
   * S1's limits for this login, from the user's organizations' session-timeout and
   * session-remember (src/tfe/organizations.ts sessionLimitsFor), fixed at login. Absent: the
   * gateway's configured limits.
   */
  limits?: SessionPolicy;
}

/** What samlgate keeps in express-session's data. Plain JSON so any store can hold it. */
export interface GatewaySessionData {
  login?: LoginState;
  csrfToken?: string;
  /** One-shot message for the next page (e.g. why the session ended). */
  flash?: string;
}

export interface SessionPolicy {
  idleTimeoutMs: number;
  sessionExpirationMs: number;
}

export type SessionEnd = 'idle-timeout' | 'absolute-timeout' | 'saml-session-not-on-or-after';

/** The instant the session stops being live, whichever of the S1 limits comes first. */
export function sessionLiveUntil(login: LoginState, fallback: SessionPolicy): number {
  const policy = login.limits ?? fallback;
  let until = Math.min(login.lastSeenAt + policy.idleTimeoutMs, login.loginAt + policy.sessionExpirationMs);
  if (login.samlNotOnOrAfter !== null) until = Math.min(until, login.samlNotOnOrAfter);
  return until;
}

/** null while live; otherwise which limit ended it. */
export function sessionEndReason(login: LoginState, fallback: SessionPolicy, now: number): SessionEnd | null {
  if (now < sessionLiveUntil(login, fallback)) return null;
  const policy = login.limits ?? fallback;
  if (login.samlNotOnOrAfter !== null && now >= login.samlNotOnOrAfter) return 'saml-session-not-on-or-after';
  if (now >= login.loginAt + policy.sessionExpirationMs) return 'absolute-timeout';
  return 'idle-timeout';
}

export const SESSION_END_TEXT: Record<SessionEnd, string> = {
  'idle-timeout': 'Your session ended after a period of inactivity.',
  'absolute-timeout': 'Your session reached its maximum length.',
  'saml-session-not-on-or-after': 'Your identity provider limited the session length (SessionNotOnOrAfter), and it has passed.',
};

/**
 * Pending AuthnRequests live this long: enough to type a password, short enough to limit replay.
 * They travel in a signed cookie (pending-login-cookie.ts), not in the session.
 */
export const PENDING_LOGIN_TTL_MS = 15 * 60_000;

/** Only same-site absolute paths; `//evil`, `/\evil` and URLs fall back to "/" (RELAY1-2). */
export function safeReturnPath(value: unknown): string {
  if (typeof value !== 'string' || value.length > 512) return '/';
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  if (/[\x00-\x1f\\]/.test(value)) return '/';
  return value;
}

declare module 'express-session' {
  // Our session payload, typed for req.session everywhere.
  interface SessionData extends GatewaySessionData {}
}
