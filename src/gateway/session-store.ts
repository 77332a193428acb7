/**
 * express-session Store backed by samlgate's Store, so browser sessions live wherever users and
 * tokens live (memory now; SQLite/Redis later) and survive restarts with them.
 *
 * Each record also carries `userId` and `expiresAt` = the instant the login stops being live
 * (rule S1), which is what the token check (rule S2) reads: one indexed lookup, no JSON parsing.
 *
 * A destroyed session stays destroyed: express-session saves a request's session when the request
 * ends, so a request that was in flight at logout or suspension would write it back; the store's
 * tombstones turn that late set into a no-op (regression: "held request revived a logged-out
 * session", test/gateway/session-durability.test.ts).
 */
import session from 'express-session';
import type { Clock } from '../clock.ts';
import type { Store } from '../store/types.ts';
import { sessionLiveUntil, type GatewaySessionData, type SessionPolicy } from './web-session.ts';

type Callback = (err?: unknown, value?: unknown) => void;

/** Ended sessions are kept this long so the next page can still say why the session ended. */
const ENDED_SESSION_GRACE_MS = 24 * 3_600_000;
const PURGE_INTERVAL_MS = 60_000;
/**
 * A session without a login holds only a one-shot message for the next page (why the last session
 * ended). Pending logins are not sessions at all: they travel in a signed cookie
 * (pending-login-cookie.ts), so an anonymous request never reaches this store.
 */
const LOGINLESS_SESSION_MS = 15 * 60_000;

/** The session cookie's attributes, as given to express-session (the gateway's cookie has no maxAge). */
export interface SessionCookieAttributes {
  secure: boolean;
  httpOnly: boolean;
  sameSite: 'lax' | 'strict' | 'none';
  path: string;
}

/**
 * The gateway's session cookie: a browser-session cookie (no maxAge; S1's limits are enforced
 * server-side), HttpOnly, SameSite=Lax, Secure when the public URL is https.
 */
export function browserSessionCookie(secure: boolean): SessionCookieAttributes {
  return { httpOnly: true, sameSite: 'lax', secure, path: '/' };
}

export class GatewaySessionStore extends session.Store {
  private nextPurge = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly policy: SessionPolicy,
    /**
     * express-session keeps a copy of the cookie's attributes in every session. The gateway's
     * cookie is a browser-session cookie (no maxAge, no expires) with the same attributes for
     * every session, so records are stored without that copy (~105 bytes of each) and get it
     * back from here on read; a record that has its own copy (an older record, or a cookie with
     * an expiry) keeps it.
     */
    private readonly cookie: SessionCookieAttributes = browserSessionCookie(false),
  ) {
    super();
  }

  override get(sid: string, cb: (err: unknown, session?: session.SessionData | null) => void): void {
    this.store.sessions.get(sid).then(
      (rec) => {
        if (!rec) return cb(null, null);
        const data = JSON.parse(rec.data) as session.SessionData;
        data.cookie ??= { originalMaxAge: null, expires: null, ...this.cookie } as unknown as session.Cookie;
        cb(null, data);
      },
      (err) => cb(err),
    );
  }

  override set(sid: string, data: session.SessionData & GatewaySessionData, cb?: Callback): void {
    const login = data.login;
    const now = this.clock.now();
    const expiresAt = login ? sessionLiveUntil(login, this.policy) : now + LOGINLESS_SESSION_MS;
    if (now >= this.nextPurge) {
      // Long-ended sessions would otherwise accumulate forever.
      this.nextPurge = now + PURGE_INTERVAL_MS;
      // Login-less sessions go at their own expiry; ended logins after a grace period.
      void this.store.sessions.purgeExpired(now - ENDED_SESSION_GRACE_MS, now).catch(() => undefined);
    }
    this.store.sessions.set({ sid, userId: login?.userId ?? null, expiresAt, data: JSON.stringify(withoutDefaultCookie(data)) }).then(
      () => cb?.(),
      (err) => cb?.(err),
    );
  }

  override destroy(sid: string, cb?: Callback): void {
    this.store.sessions.destroy(sid).then(
      () => cb?.(),
      (err) => cb?.(err),
    );
  }

  override touch(_sid: string, _data: session.SessionData, cb?: Callback): void {
    // Idle time is tracked in LoginState.lastSeenAt on the dev-aware clock; nothing to do here.
    cb?.();
  }
}

/** The session as stored: without express-session's cookie copy when it is the browser-session cookie every session has. */
function withoutDefaultCookie(data: session.SessionData): object {
  const { cookie, ...rest } = data;
  return cookie && cookie.originalMaxAge == null && cookie.expires == null ? rest : data;
}

/** Latest live-until among a user's web sessions, or null when none is live (rule S2's input). */
export function webSessionLiveUntil(store: Store, userId: string, now: number): Promise<number | null> {
  return store.sessions.liveUntil(userId, now);
}

/** Ends one web session (IdP-initiated logout, SLO4): the tombstone keeps an in-flight request from reviving it. */
export function endWebSession(store: Store, sid: string): Promise<void> {
  return store.sessions.destroy(sid);
}
