/**
 * CSRF protection for every form the IdP serves (login, switch user, directory, admin sign-in):
 * login CSRF was shown in a real browser (issue 9): a page on another site posted the attacker's
 * credentials to /login and the victim's browser ended up signed in as the attacker at the SP.
 *
 * The token is an HMAC, under a key derived from the IdP secret, of two values this browser holds
 * in HttpOnly cookies: a random CSRF cookie, and the IdP session cookie when it has one. Another
 * client can read neither from this browser, so a cookie+token pair it fetched for itself does
 * not fit here: planting its CSRF cookie (a page on a sibling localhost port can set cookies for
 * the IdP, since cookies do not isolate ports) still leaves the victim's own session cookie in
 * the MAC, and a second cookie of the same name is refused as planted.
 *
 * Cookies alone cannot stop a sibling port that overwrites every cookie of a browser with no IdP
 * session, so the browser's own word on where the form came from decides first: a POST whose
 * Origin is not the IdP's, whose Origin is `null` (sandboxed frame, data: URL, a redirect from
 * another origin: all ways to hide the sender) or whose Sec-Fetch-Site is not same-origin is
 * refused. Clients that send neither header (scripts, curl) still need the token.
 */
import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { Request, Response } from 'express';
import type { IdGenerator } from '../ids.ts';
import { cookieValues } from './cookies.ts';

export const CSRF_COOKIE = 'samlgate_idp_csrf';
export const CSRF_FIELD = 'csrf';

/** origin: another origin; null-origin: an origin the browser hid; cross-site: Sec-Fetch-Site says so. */
export type CsrfFailure = 'origin' | 'null-origin' | 'cross-site' | 'duplicate-cookie' | 'missing' | 'mismatch';

const COOKIE_SHAPE = /^[A-Za-z0-9]{32}$/;

export class CsrfGuard {
  constructor(
    private readonly key: KeyObject,
    private readonly ids: IdGenerator,
    private readonly o: { secureCookie: boolean; allowedOrigins: ReadonlySet<string>; sessionCookie: string },
  ) {}

  private tokenFor(cookie: string, session: string): string {
    return createHmac('sha256', this.key).update(`csrf\0${cookie}\0${session}`, 'utf8').digest('base64url');
  }

  /**
   * The token for this browser's forms; sets the CSRF cookie when the browser has none. `session`
   * is the IdP session cookie the browser will hold when it posts, when this response changes it
   * (switch user clears it); by default the one it sent.
   */
  token(req: Request, res: Response, o: { session?: string | null } = {}): string {
    const sent = cookieValues(req, CSRF_COOKIE);
    let cookie = sent.length === 1 && COOKIE_SHAPE.test(sent[0]!) ? sent[0]! : undefined;
    if (!cookie) {
      cookie = this.ids.random(32);
      res.cookie(CSRF_COOKIE, cookie, { httpOnly: true, sameSite: 'strict', secure: this.o.secureCookie, path: '/' });
    }
    const session = o.session !== undefined ? o.session : cookieValues(req, this.o.sessionCookie)[0];
    return this.tokenFor(cookie, session ?? '');
  }

  /** null when the POST may proceed, else why not. */
  check(req: Request, submitted: unknown): CsrfFailure | null {
    const origin = req.get('origin');
    if (origin === 'null') return 'null-origin';
    if (origin !== undefined && !this.o.allowedOrigins.has(origin)) return 'origin';
    // Fetch Metadata: `same-site` is exactly a sibling port (or subdomain); `none` is the user's own navigation.
    const site = req.get('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return 'cross-site';
    const cookies = cookieValues(req, CSRF_COOKIE);
    const sessions = cookieValues(req, this.o.sessionCookie);
    if (cookies.length > 1 || sessions.length > 1) return 'duplicate-cookie';
    if (cookies.length === 0 || typeof submitted !== 'string' || submitted === '') return 'missing';
    const expected = Buffer.from(this.tokenFor(cookies[0]!, sessions[0] ?? ''));
    const got = Buffer.from(submitted);
    return got.length === expected.length && timingSafeEqual(got, expected) ? null : 'mismatch';
  }
}

/** What the refusal page says happened (views escape it). */
export function csrfFailureReason(failure: CsrfFailure, origin: string | undefined): string {
  switch (failure) {
    case 'origin':
      return `This form was sent from another site (${origin}); the IdP accepts its forms only from its own pages.`;
    case 'null-origin':
      return 'This form was sent from a page whose origin the browser hides (Origin: null: a sandboxed frame, a local file, or a redirect from another site), so it cannot be the IdP\'s own page; the IdP accepts its forms only from its own pages.';
    case 'cross-site':
      return 'The browser reports that this form was sent from another site or another port of this host (Sec-Fetch-Site); the IdP accepts its forms only from its own pages.';
    case 'duplicate-cookie':
      return 'This browser sent two copies of an IdP cookie: one was set by another site or port on this host (cookies do not keep ports apart), so the form cannot be trusted.';
    case 'missing':
    case 'mismatch':
      return 'This form is missing its security token or the token does not match this browser (it may come from an old page, from another browser, or from another site).';
  }
}

/** The IdP's own origin and its loopback aliases on the same port (browsers may use either). */
export function allowedOrigins(baseUrl: string): Set<string> {
  const u = new URL(baseUrl);
  const out = new Set([u.origin]);
  if (['localhost', '127.0.0.1', '[::1]'].includes(u.hostname)) {
    for (const host of ['localhost', '127.0.0.1', '[::1]']) out.add(`${u.protocol}//${host}${u.port ? `:${u.port}` : ''}`);
  }
  return out;
}
