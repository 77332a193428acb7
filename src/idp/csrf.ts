/**
 * CSRF protection for every form the IdP serves (login, switch user, directory): login CSRF was
 * shown in a real browser (issue 9): a page on another site posted the attacker's credentials to
 * /login and the victim's browser ended up signed in as the attacker at the SP.
 *
 * Signed double submit (OWASP CSRF cheat sheet): a random HttpOnly, SameSite=Strict cookie, and
 * in each form an HMAC of it under a per-process key. Another site can neither read the cookie
 * nor compute the HMAC; a cookie planted from a sibling port on localhost is useless without the
 * key. On top, a POST whose Origin header names a different origin is refused outright.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { IdGenerator } from '../ids.ts';
import { readCookie } from './cookies.ts';

export const CSRF_COOKIE = 'samlgate_idp_csrf';
export const CSRF_FIELD = 'csrf';

export type CsrfFailure = 'origin' | 'missing' | 'mismatch';

export class CsrfGuard {
  private readonly key: string;

  constructor(
    private readonly ids: IdGenerator,
    private readonly o: { secureCookie: boolean; allowedOrigins: ReadonlySet<string> },
  ) {
    this.key = ids.random(48);
  }

  private tokenFor(cookie: string): string {
    return createHmac('sha256', this.key).update(`csrf:${cookie}`, 'utf8').digest('base64url');
  }

  /** The token for this browser's forms; sets the cookie when the browser has none. */
  token(req: Request, res: Response): string {
    let cookie = readCookie(req, CSRF_COOKIE);
    if (!cookie || !/^[A-Za-z0-9]{32}$/.test(cookie)) {
      cookie = this.ids.random(32);
      res.cookie(CSRF_COOKIE, cookie, { httpOnly: true, sameSite: 'strict', secure: this.o.secureCookie, path: '/' });
    }
    return this.tokenFor(cookie);
  }

  /** null when the POST may proceed, else why not. */
  check(req: Request, submitted: unknown): CsrfFailure | null {
    const origin = req.get('origin');
    if (origin !== undefined && origin !== 'null' && !this.o.allowedOrigins.has(origin)) return 'origin';
    const cookie = readCookie(req, CSRF_COOKIE);
    if (!cookie || typeof submitted !== 'string' || submitted === '') return 'missing';
    const expected = Buffer.from(this.tokenFor(cookie));
    const got = Buffer.from(submitted);
    return got.length === expected.length && timingSafeEqual(got, expected) ? null : 'mismatch';
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
