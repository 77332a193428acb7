/**
 * Authorization codes for `terraform login` (OAuth 2.0 authorization code grant with PKCE,
 * RFC 6749 4.1 and RFC 7636). Domain only: no HTTP. One function decides whether a redemption is
 * allowed, in the order the RFCs give, and says why not in OAuth's own error codes.
 *
 * Codes live in memory for CODE_TTL_MS: Terraform exchanges the code within a second of the
 * redirect, and a code lost on restart only means running `terraform login` again. They are kept by
 * hash (a heap dump or debug view shows no usable code), single use, and remembered after use until
 * they would have expired, so a second redemption is recognised and the token the first one
 * produced is revoked (RFC 6749 4.1.2: "SHOULD revoke all tokens previously issued based on that
 * authorization code").
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { IdGenerator } from '../ids.ts';

/** RFC 6749 4.1.2 recommends at most 10 minutes; Terraform needs seconds. */
export const CODE_TTL_MS = 2 * 60_000;
/** Bound on codes in flight (each one is a completed SSO login, so this is generous). */
const MAX_CODES = 10_000;

/** Terraform's documented client id and loopback redirect (login protocol: `client`, `ports`). */
export const TERRAFORM_CLIENT_ID = 'terraform-cli';
export const TERRAFORM_PORTS = [10000, 10010] as const;

/** The CLI listens on http://localhost:PORT/login; 127.0.0.1 is the same loopback (RFC 8252 7.3). */
export function isTerraformRedirectUri(uri: string): boolean {
  const m = /^http:\/\/(?:localhost|127\.0\.0\.1):(\d{5})\/login$/.exec(uri);
  if (!m) return false;
  const port = Number(m[1]);
  return port >= TERRAFORM_PORTS[0] && port <= TERRAFORM_PORTS[1];
}

/** RFC 7636 4.2: S256 challenge = BASE64URL(SHA256(ASCII(code_verifier))), always 43 characters. */
export const CODE_CHALLENGE_SHAPE = /^[A-Za-z0-9_-]{43}$/;
/** RFC 7636 4.1: 43 to 128 unreserved characters. */
export const CODE_VERIFIER_SHAPE = /^[A-Za-z0-9._~-]{43,128}$/;

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

const hashCode = (code: string) => createHash('sha256').update(code, 'utf8').digest('hex');

export interface CodeGrant {
  userId: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  expiresAt: number;
  /** Set once redeemed: the token it produced (revoked if the code comes back). */
  redeemedTokenId?: string;
}

export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type';

export type Redemption =
  | { ok: true; grant: CodeGrant; markRedeemed(tokenId: string): void }
  | { ok: false; error: OAuthErrorCode; description: string; revokeTokenId?: string };

export class AuthorizationCodes {
  private readonly grants = new Map<string, CodeGrant>();

  constructor(private readonly clock: Clock, private readonly ids: IdGenerator) {}

  issue(input: { userId: string; clientId: string; redirectUri: string; codeChallenge: string }): string {
    this.sweep();
    const code = this.ids.random(43);
    this.grants.set(hashCode(code), { ...input, expiresAt: this.clock.now() + CODE_TTL_MS });
    return code;
  }

  /**
   * Decides a token request (RFC 6749 4.1.3, RFC 7636 4.6). Any redemption that names a known code
   * uses it up, successful or not: a code gets one try.
   */
  redeem(input: { code: string; clientId: string; redirectUri: string | undefined; codeVerifier: string | undefined }): Redemption {
    const key = hashCode(input.code);
    const grant = this.grants.get(key);
    if (!grant) return { ok: false, error: 'invalid_grant', description: 'the authorization code is unknown or expired: run terraform login again' };
    if (grant.redeemedTokenId !== undefined) {
      this.grants.delete(key);
      // The code is single use even when its one redemption failed (RFC 6749 4.1.2, RFC 7636 4.6:
      // a wrong code_verifier must not leave room for guessing), so there is no token to revoke.
      if (grant.redeemedTokenId === '') {
        return {
          ok: false,
          error: 'invalid_grant',
          description: 'the authorization code was spent by an earlier token request that was refused (a code gets one try, even a failed one), so no token was issued for it: run terraform login again',
        };
      }
      return { ok: false, error: 'invalid_grant', description: 'the authorization code was already used; the token issued for it has been revoked', revokeTokenId: grant.redeemedTokenId };
    }
    // Used up from here on, whatever the outcome.
    grant.redeemedTokenId = '';
    if (this.clock.now() >= grant.expiresAt) {
      this.grants.delete(key);
      return { ok: false, error: 'invalid_grant', description: `the authorization code expired (codes are valid for ${CODE_TTL_MS / 1000} s): run terraform login again` };
    }
    if (input.clientId !== grant.clientId) return { ok: false, error: 'invalid_grant', description: 'the authorization code was issued to another client' };
    if (input.redirectUri !== grant.redirectUri) {
      return { ok: false, error: 'invalid_grant', description: 'redirect_uri does not match the one in the authorization request' };
    }
    if (input.codeVerifier === undefined) return { ok: false, error: 'invalid_request', description: 'code_verifier is required (PKCE, RFC 7636)' };
    if (!CODE_VERIFIER_SHAPE.test(input.codeVerifier)) {
      return { ok: false, error: 'invalid_grant', description: 'code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 4.1)' };
    }
    const a = Buffer.from(s256(input.codeVerifier));
    const b = Buffer.from(grant.codeChallenge);
    if (a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, error: 'invalid_grant', description: 'code_verifier does not match the code_challenge (PKCE S256)' };
    return { ok: true, grant, markRedeemed: (tokenId) => void (grant.redeemedTokenId = tokenId) };
  }

  private sweep() {
    const now = this.clock.now();
    // One TTL and a clock that never goes back: insertion order is expiry order, so stop at the first live code.
    for (const [key, grant] of this.grants) {
      if (grant.expiresAt > now) break;
      this.grants.delete(key);
    }
    // Still full of live codes: drop the oldest (Map keeps insertion order).
    while (this.grants.size >= MAX_CODES) this.grants.delete(this.grants.keys().next().value!);
  }
}
