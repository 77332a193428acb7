/**
 * Who may use the IdP's admin surface: the JSON API under /api, the directory and inspector
 * pages, and the password-less scripted login `/sso/initiate?user=` (which mints an assertion for
 * anyone in the directory). Open when no `--idp-admin-token` is set (a local test tool, DESIGN
 * 2b); otherwise the caller sends `Authorization: Bearer <token>`, or a browser signs in once at
 * /admin and carries an HttpOnly, SameSite=Strict cookie holding an HMAC of the token (never the
 * token itself). No query-string token: URLs end up in logs, history and Referer headers.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { IdGenerator } from '../ids.ts';
import { readCookie } from './cookies.ts';

export const ADMIN_COOKIE = 'samlgate_idp_admin';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export class AdminAuth {
  private readonly expected: Buffer | null;
  private readonly key: string;

  constructor(
    token: string | undefined,
    ids: IdGenerator,
    private readonly secureCookie: boolean,
  ) {
    this.expected = token === undefined ? null : digest(token);
    this.key = ids.random(48);
  }

  get required(): boolean {
    return this.expected !== null;
  }

  /** Constant time: both sides are hashed to fixed-length digests first. */
  matches(candidate: string): boolean {
    return this.expected !== null && timingSafeEqual(digest(candidate), this.expected);
  }

  private cookieValue(): string {
    return createHmac('sha256', this.key).update(`admin:${this.expected!.toString('hex')}`).digest('base64url');
  }

  /** Bearer header or the admin cookie; always true when no token is configured. */
  allows(req: Request): boolean {
    if (this.expected === null) return true;
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    if (m) return this.matches(m[1]!);
    const cookie = readCookie(req, ADMIN_COOKIE);
    if (!cookie) return false;
    const a = digest(cookie);
    return timingSafeEqual(a, digest(this.cookieValue()));
  }

  signIn(res: Response): void {
    res.cookie(ADMIN_COOKIE, this.cookieValue(), { httpOnly: true, sameSite: 'strict', secure: this.secureCookie, path: '/' });
  }

  signOut(res: Response): void {
    res.clearCookie(ADMIN_COOKIE, { httpOnly: true, sameSite: 'strict', secure: this.secureCookie, path: '/' });
  }
}
