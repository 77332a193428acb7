/**
 * The AuthnRequests a browser has in flight travel with the browser, in one signed, short-lived
 * cookie, instead of in a server-side session row. An anonymous GET /session then costs no stored
 * state at all, so there is nothing to cap and no cap to turn into a lockout (regression: 10,000
 * anonymous GET /session requests, which a page on any site can send with <img> tags, made every
 * new login a 503 for 15 minutes, forever under the manual clock).
 *
 * The cookie is a compact JWS (HS256, src/http/hs256-jws.ts) under a key derived from the
 * gateway's session secret (persisted in DIR/session-secret, so a login started before a restart
 * completes after it). Its
 * claims are a short list of pending logins, each the request ID the response must answer
 * (InResponseTo, IRT1-5), the RelayState sent with it, the local return path and its expiry on
 * the injected clock. Binding to the browser (login CSRF, SP-SECURITY CSRF1-2) holds as with the
 * session: an attacker's response names a request ID that only the attacker's cookie carries.
 * Single use is enforced server-side at the ACS (the replay cache claims the request ID there),
 * since a cookie the browser kept can be posted again.
 */
import { hkdfSync } from 'node:crypto';
import type { Request, Response } from 'express';
import { safeReturnPath } from '../gateway/web-session.ts';
import { checkJwtTimes, hs256Header, signHs256, verifyHs256 } from '../http/hs256-jws.ts';

export const PENDING_COOKIE = 'samlgate_pending';
/** At most this many logins in flight per browser (tabs); older ones are dropped. */
export const MAX_PENDING_LOGINS = 5;
/**
 * Browsers keep cookies up to about 4096 bytes (name, value and attributes; RFC 6265 6.1's
 * minimum); above that one is silently dropped and every login of the browser fails. Oldest
 * logins are dropped until the value fits; one login always fits (return paths are <= 512 chars).
 */
export const MAX_PENDING_COOKIE_BYTES = 3_800;
/** The JOSE `typ`: a JWS made for another purpose under the same key is not a pending list. */
const TYP = 'samlgate-pending+jwt';
/** HKDF info: the cookie key is independent of express-session's use of the same secret. */
const KEY_INFO = 'samlgate pending-login cookie v1';
const HEADER = hs256Header(TYP);

export interface PendingLogin {
  /** The AuthnRequest ID the response must answer (InResponseTo). */
  requestId: string;
  /** Opaque value sent as RelayState; the response must echo it. */
  relayState: string;
  /** Epoch ms on the gateway's clock (the dev clock included). */
  expiresAt: number;
  /** Local path to land on after login; never a URL (RELAY1). */
  returnTo: string;
}

/**
 * What the browser's cookie holds now. `problem` says why a cookie that was sent gave no logins,
 * for the operator's detail when the response is refused (E_IN_RESPONSE_TO).
 */
export interface PendingLogins {
  logins: PendingLogin[];
  problem: 'invalid' | 'expired' | null;
}

/** Claims as written: short names keep the cookie small. `until` is epoch ms (JWT `exp` is seconds). */
interface Claim {
  id: string;
  rs: string;
  rt: string;
  until: number;
}

export interface PendingCookieOptions {
  /** The gateway's session secret (express-session signs its cookie with it too). */
  secret: string;
  /** Secure when the public URL is https, as the session cookie. */
  secure: boolean;
}

export class PendingLoginCookie {
  private readonly key: Buffer;
  private readonly secure: boolean;
  /** The Set-Cookie attributes of attributes() as text, written once (see write()). */
  private readonly attributeText: string;

  constructor(o: PendingCookieOptions) {
    this.key = Buffer.from(hkdfSync('sha256', o.secret, '', KEY_INFO, 32));
    this.secure = o.secure;
    this.attributeText = `; Path=/; HttpOnly${o.secure ? '; Secure' : ''}; SameSite=Lax`;
  }

  /** The live logins of the cookie the browser sent; an unusable cookie is no logins, never an error. */
  read(req: Request, now: number): PendingLogins {
    const values = cookieValues(req.headers.cookie, PENDING_COOKIE);
    if (values.length === 0) return { logins: [], problem: null };
    let problem: PendingLogins['problem'] = 'invalid';
    for (const value of values) {
      const claims = this.verify(value, now);
      if (claims === 'expired') problem = 'expired';
      if (typeof claims === 'string') continue;
      const logins = claims.filter((c) => c.until > now).map((c) => ({ requestId: c.id, relayState: c.rs, returnTo: c.rt, expiresAt: c.until }));
      return { logins, problem: logins.length ? null : 'expired' };
    }
    return { logins: [], problem };
  }

  /** Sets the cookie to these logins (expired ones dropped, the newest kept), or clears it when none is left. */
  write(req: Request, res: Response, logins: readonly PendingLogin[], now: number): void {
    // As express-session does for the session cookie: a Secure cookie is never sent over plain
    // HTTP (a proxy that is not trusted, trust-proxy.test.ts); the value would travel in clear.
    if (this.secure && !req.secure) return;
    let live = logins.filter((l) => l.expiresAt > now).slice(-MAX_PENDING_LOGINS);
    if (live.length === 0) {
      res.clearCookie(PENDING_COOKIE, this.attributes());
      return;
    }
    let value = this.sign(live, now);
    while (value.length > MAX_PENDING_COOKIE_BYTES && live.length > 1) {
      live = live.slice(1);
      value = this.sign(live, now);
    }
    // No Max-Age, like the session cookie: the browser's clock is not the gateway's (the manual
    // clock), so the signed expiry is the only one that counts. The header is the one
    // res.cookie(PENDING_COOKIE, value, this.attributes()) writes (a JWS needs no encoding; the
    // cookie test holds them equal) without its per-call option copy, validation and
    // serialisation, ~10 us of the anonymous GET /session (issue 15).
    res.append('Set-Cookie', `${PENDING_COOKIE}=${value}${this.attributeText}`);
  }

  /**
   * SameSite=Lax as the session cookie: the IdP's auto-posted form is a cross-site POST when the
   * IdP lives on another site, and carries neither cookie; the ACS's same-site relay page re-posts
   * it from our origin (sp-routes.ts). Path=/ because /session reads the list to add to it.
   * attributeText is the same list as text: change both.
   */
  attributes() {
    return { httpOnly: true, sameSite: 'lax' as const, secure: this.secure, path: '/' };
  }

  /** Claims as jose's SignJWT wrote them (p, iat, exp): cookies minted before this module still verify. */
  private sign(logins: readonly PendingLogin[], now: number): string {
    const p: Claim[] = [];
    let latest = -Infinity;
    for (const l of logins) {
      p.push({ id: l.requestId, rs: l.relayState, rt: l.returnTo, until: l.expiresAt });
      if (l.expiresAt > latest) latest = l.expiresAt;
    }
    return signHs256(this.key, HEADER, { p, iat: Math.floor(now / 1000), exp: Math.ceil(latest / 1000) });
  }

  private verify(value: string, now: number): Claim[] | 'invalid' | 'expired' {
    if (value.length > MAX_PENDING_COOKIE_BYTES) return 'invalid';
    // The header is pinned byte for byte (alg HS256, our typ): `none` or RS256 never reach the MAC.
    const jws = verifyHs256(this.key, HEADER, value);
    if (!jws.ok) return 'invalid';
    const times = checkJwtTimes(jws.payload, now, { iatOptional: true });
    if (times !== 'ok') return times;
    return claimsOf(jws.payload.p) ?? 'invalid';
  }
}

/** Signed by us, but still checked: a key leak or a bug must not become a type confusion. */
function claimsOf(p: unknown): Claim[] | null {
  if (!Array.isArray(p) || p.length === 0 || p.length > MAX_PENDING_LOGINS) return null;
  const out: Claim[] = [];
  for (const c of p as unknown[]) {
    if (typeof c !== 'object' || c === null) return null;
    const { id, rs, rt, until } = c as Record<string, unknown>;
    if (typeof id !== 'string' || id.length === 0 || id.length > 128) return null;
    if (typeof rs !== 'string' || rs.length === 0 || rs.length > 128) return null;
    if (typeof until !== 'number' || !Number.isFinite(until)) return null;
    out.push({ id, rs, rt: safeReturnPath(rt), until });
  }
  return out;
}

/** Every value of the named cookie in a Cookie header (a browser sends one per matching path). */
function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return [];
  const out: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) out.push(part.slice(eq + 1).trim());
    if (out.length === 4) break;
  }
  return out;
}
