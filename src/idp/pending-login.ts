/**
 * A login the IdP is waiting for (an AuthnRequest that needs the login form, or an IdP-initiated
 * login without ?user=) lives in the browser, not in the IdP: a signed, short-lived, HttpOnly
 * cookie per pending login (src/http/signed-state.ts). An anonymous /sso therefore stores
 * nothing (DESIGN 5), and nobody can evict someone else's open login form: the old bounded map
 * let one signed /sso URL replayed 10,000 times push every other person's pending login out.
 *
 * The cookie is named after (SP entity ID, AuthnRequest ID), so a replay in the same browser
 * overwrites its own entry and two tabs logging in to two SPs keep separate ones. A browser keeps
 * at most MAX_OPEN_LOGINS; the oldest of its own goes first (never anyone else's).
 *
 * The cookie says where the Response goes (ACS URL) and what it answers, so the form's hidden
 * `request` field is only a reference to it. Completing the login clears the cookie; a client
 * that re-sends a copy of it would get a second Response with the same InResponseTo, which the
 * SP refuses (single-use request IDs, SP-SECURITY IRT).
 */
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Clock } from '../clock.ts';
import { signState, verifyState, type StateKey } from '../http/signed-state.ts';
import { reject } from '../saml/rejection.ts';
import { cookieEntries, cookieValues } from './cookies.ts';

export const PENDING_COOKIE_PREFIX = 'samlgate_idp_login_';
/** How long a login form may stay open. */
export const PENDING_TTL_MS = 15 * 60 * 1000;
/** Per browser: five SP logins open at once is plenty for a test IdP; the oldest is dropped. */
export const MAX_OPEN_LOGINS = 5;
/**
 * SAML bindings 3.4.3/3.5.3 cap RelayState at 80 bytes; real SPs send longer. The cookie must fit
 * a browser's 4 KB per cookie, and five of them a request header.
 */
export const MAX_RELAY_STATE_BYTES = 1024;
const MAX_COOKIE_BYTES = 4000;

export interface PendingLogin {
  /** Names the cookie; the form's hidden `request` field. */
  ref: string;
  spEntityId: string;
  /** AuthnRequest ID; null for an IdP-initiated login. */
  requestId: string | null;
  acsUrl: string;
  relayState: string | null;
  expiresAt: number;
}

type Claims = { sp: string; rid: string | null; acs: string; rs: string | null };

export type PendingLookup = { ok: true; pending: PendingLogin } | { ok: false; reason: 'expired' | 'unknown' };

/** 128 bits of SHA-256 over the key: a cookie-name-safe, fixed-length reference. */
export function pendingRef(spEntityId: string, requestId: string | null, relayState: string | null): string {
  // An IdP-initiated login has no request ID: its RelayState tells two of them apart.
  const key = requestId !== null ? `sp\0${spEntityId}\0${requestId}` : `idp\0${spEntityId}\0${relayState ?? ''}`;
  return createHash('sha256').update(key, 'utf8').digest('base64url').slice(0, 22);
}

const REF_SHAPE = /^[A-Za-z0-9_-]{22}$/;

export class PendingLogins {
  constructor(
    private readonly key: StateKey,
    private readonly clock: Clock,
    private readonly secureCookie: boolean,
  ) {}

  // SameSite=Strict: only the IdP's own pages (the form, the preview links) need it back.
  private get cookieOptions() {
    return { httpOnly: true, sameSite: 'strict' as const, secure: this.secureCookie, path: '/' };
  }

  /** Sets the cookie for this login and returns it; a SamlRejection when it cannot be carried. */
  async open(req: Request, res: Response, p: Omit<PendingLogin, 'ref' | 'expiresAt'>): Promise<PendingLogin> {
    if (p.relayState !== null && Buffer.byteLength(p.relayState, 'utf8') > MAX_RELAY_STATE_BYTES) {
      reject('E_TRANSPORT', `the RelayState is ${Buffer.byteLength(p.relayState, 'utf8')} bytes; the test IdP keeps a pending login in a cookie and carries at most ${MAX_RELAY_STATE_BYTES} (SAML bindings 3.4.3 allow 80): send a shorter RelayState`);
    }
    const now = this.clock.now();
    const ref = pendingRef(p.spEntityId, p.requestId, p.relayState);
    const claims: Claims = { sp: p.spEntityId, rid: p.requestId, acs: p.acsUrl, rs: p.relayState };
    const token = await signState(this.key, claims, PENDING_TTL_MS, now);
    const name = PENDING_COOKIE_PREFIX + ref;
    if (name.length + token.length + 1 > MAX_COOKIE_BYTES) {
      reject('E_TRANSPORT', `this login does not fit the IdP's pending-login cookie (${name.length + token.length + 1} bytes, at most ${MAX_COOKIE_BYTES}): the SP's entity ID, ACS URL or the RelayState is too long`);
    }
    await this.dropOldest(req, res, ref);
    res.cookie(name, token, { ...this.cookieOptions, maxAge: PENDING_TTL_MS });
    return { ...p, ref, expiresAt: Math.floor((now + PENDING_TTL_MS) / 1000) * 1000 };
  }

  /** The pending login `ref` names, from this browser's cookie. */
  async read(req: Request, ref: string): Promise<PendingLookup> {
    if (!REF_SHAPE.test(ref)) return { ok: false, reason: 'unknown' };
    const values = cookieValues(req, PENDING_COOKIE_PREFIX + ref);
    if (values.length !== 1) return { ok: false, reason: 'unknown' };
    const v = await verifyState<Claims>(this.key, values[0]!, this.clock.now());
    if (!v.ok) return { ok: false, reason: v.reason === 'expired' ? 'expired' : 'unknown' };
    const c = v.claims;
    const valid = typeof c.sp === 'string' && typeof c.acs === 'string' && (c.rid === null || typeof c.rid === 'string') && (c.rs === null || typeof c.rs === 'string');
    // The name is part of what was signed in effect: a cookie copied under another ref is refused.
    if (!valid || pendingRef(c.sp, c.rid, c.rs) !== ref) return { ok: false, reason: 'unknown' };
    return { ok: true, pending: { ref, spEntityId: c.sp, requestId: c.rid, acsUrl: c.acs, relayState: c.rs, expiresAt: v.expiresAt } };
  }

  /** Single use in the browser: the completed login's cookie is cleared. */
  close(res: Response, ref: string): void {
    res.clearCookie(PENDING_COOKIE_PREFIX + ref, this.cookieOptions);
  }

  /** Keeps this browser under MAX_OPEN_LOGINS: clears its expired or broken ones, then its oldest. */
  private async dropOldest(req: Request, res: Response, keep: string): Promise<void> {
    const now = this.clock.now();
    const live: Array<{ name: string; expiresAt: number }> = [];
    let checked = 0;
    for (const [name, value] of cookieEntries(req)) {
      if (!name.startsWith(PENDING_COOKIE_PREFIX) || name === PENDING_COOKIE_PREFIX + keep) continue;
      // The IdP never sets more than MAX_OPEN_LOGINS: past twice that, clear without checking MACs.
      const v = checked++ < 2 * MAX_OPEN_LOGINS ? await verifyState(this.key, value, now) : null;
      if (v?.ok) live.push({ name, expiresAt: v.expiresAt });
      else res.clearCookie(name, this.cookieOptions);
    }
    live.sort((a, b) => a.expiresAt - b.expiresAt);
    for (const old of live.slice(0, Math.max(0, live.length - (MAX_OPEN_LOGINS - 1)))) res.clearCookie(old.name, this.cookieOptions);
  }
}
