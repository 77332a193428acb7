/**
 * Compact JWS (RFC 7515 7.1) with HS256 (RFC 7518 3.2), synchronous, on node:crypto's HMAC.
 *
 * Why not jose here: jose signs through WebCrypto, which imports the key and runs the MAC as an
 * async job on every call (~150 us per cookie on the dev box, more than the bare route's whole
 * request); the pending-login cookie is minted on every anonymous GET /session, the start of
 * every login (issue 15). An HMAC with node:crypto is a few microseconds.
 *
 * Verification is stricter than a general JOSE library: the protected header must be, byte for
 * byte, the one this module writes for the token's `typ`. So `alg: none`, RS256 with our key as
 * an "HMAC secret", `crit`, `jku`/`jwk` or any other header a forger picks is refused before the
 * MAC is even computed (RFC 8725 3.1: pin the algorithm). The MAC is compared in constant time.
 */
import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';

export type JwsPayload = Record<string, unknown>;

export type JwsVerified = { ok: true; payload: JwsPayload } | { ok: false; reason: 'invalid' };

/** The protected header (with `typ` when given), already base64url-encoded (computed once per purpose). */
export function hs256Header(typ?: string): string {
  return Buffer.from(JSON.stringify(typ === undefined ? { alg: 'HS256' } : { alg: 'HS256', typ }), 'utf8').toString('base64url');
}

export type Hs256Key = Buffer | KeyObject;

function mac(key: Hs256Key, signingInput: string): Buffer {
  return createHmac('sha256', key).update(signingInput, 'ascii').digest();
}

/** `header` from hs256Header; the payload is JSON-serialised as is. */
export function signHs256(key: Hs256Key, header: string, payload: JwsPayload): string {
  const input = `${header}.${Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url')}`;
  return `${input}.${mac(key, input).toString('base64url')}`;
}

/** MAC and header checked; the payload's claims are the caller's to check. Never throws. */
export function verifyHs256(key: Hs256Key, header: string, token: string): JwsVerified {
  // A cookie or form field parsed into something else (an array, undefined) is just invalid.
  if (typeof token !== 'string') return { ok: false, reason: 'invalid' };
  const dot1 = token.indexOf('.');
  const dot2 = token.indexOf('.', dot1 + 1);
  if (dot1 < 0 || dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) return { ok: false, reason: 'invalid' };
  if (token.slice(0, dot1) !== header) return { ok: false, reason: 'invalid' };
  const expected = mac(key, token.slice(0, dot2));
  const given = Buffer.from(token.slice(dot2 + 1), 'base64url');
  // Node's base64url decoder skips stray characters: the re-encoding must be the text we got.
  if (given.length !== expected.length || given.toString('base64url') !== token.slice(dot2 + 1) || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid' };
  const encoded = token.slice(dot1 + 1, dot2);
  const raw = Buffer.from(encoded, 'base64url');
  if (raw.toString('base64url') !== encoded) return { ok: false, reason: 'invalid' };
  try {
    const payload: unknown = JSON.parse(raw.toString('utf8'));
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return { ok: false, reason: 'invalid' };
    return { ok: true, payload: payload as JwsPayload };
  } catch {
    return { ok: false, reason: 'invalid' };
  }
}

/**
 * The JWT time claims (RFC 7519 4.1.4-4.1.6) as jose checked them, in NumericDate seconds on the
 * caller's clock (the simulated one in tests and demos): `exp` required and in the future, `nbf`
 * (when present) not in the future, `iat` a number (required unless `iatOptional`).
 */
export function checkJwtTimes(payload: JwsPayload, now: number, o: { iatOptional?: boolean } = {}): 'ok' | 'invalid' | 'expired' {
  const { exp, iat, nbf } = payload;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return 'invalid';
  if (iat === undefined ? !o.iatOptional : typeof iat !== 'number' || !Number.isFinite(iat)) return 'invalid';
  const nowS = Math.floor(now / 1000);
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowS)) return 'invalid';
  return exp <= nowS ? 'expired' : 'ok';
}
