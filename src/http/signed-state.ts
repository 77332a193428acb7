/**
 * Short-lived state a server hands to the browser instead of keeping it (DESIGN 5: an anonymous
 * request stores nothing): a compact JWS (RFC 7515) over JSON claims, HS256, with `iat`/`exp`
 * stamped from the caller's clock so a ManualClock can expire it. ./hs256-jws.ts does the encoding
 * and the constant-time MAC check, synchronously on node:crypto's HMAC (jose's WebCrypto path cost
 * ~150 us a token, on every anonymous IdP /sso; issue 15), with the header pinned to {"alg":"HS256"}
 * byte for byte; this module only fixes the time source and the result shape, so no caller can
 * read a token whose MAC was not checked. Tokens jose minted before verify the same.
 *
 * One key per purpose (stateKey): a token minted for one job (say, a pending login) must never
 * verify where another kind is expected, and separate keys make that structural.
 */
import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { checkJwtTimes, hs256Header, signHs256, verifyHs256 } from './hs256-jws.ts';

export type StateKey = KeyObject;

export type StateClaims = Record<string, string | number | boolean | null>;

export type VerifiedState<C extends StateClaims = StateClaims> =
  | { ok: true; claims: C; expiresAt: number }
  /** expired: a genuine token past its `exp`; invalid: anything else (tampered, other key, garbage). */
  | { ok: false; reason: 'expired' | 'invalid' };

/** Far above any state we mint; a longer value is refused before any parsing. */
const MAX_TOKEN_CHARS = 8192;
const RESERVED = new Set(['iat', 'exp', 'nbf', 'iss', 'aud', 'sub', 'jti']);
const HEADER = hs256Header();

/** HKDF-SHA256 (RFC 5869) of a long-lived secret into a 256-bit HS256 key for one purpose. */
export function stateKey(secret: string, purpose: string): StateKey {
  if (secret.length < 32) throw new RangeError('a state secret needs at least 32 characters');
  return createSecretKey(Buffer.from(hkdfSync('sha256', secret, 'samlgate signed state', purpose, 32)));
}

/** `claims` plus iat = now and exp = now + ttlMs (JWT NumericDate, whole seconds). */
export async function signState(key: StateKey, claims: StateClaims, ttlMs: number, now: number): Promise<string> {
  for (const name of Object.keys(claims)) if (RESERVED.has(name)) throw new TypeError(`claim ${name} is set by signState itself`);
  if (!Number.isFinite(ttlMs) || ttlMs < 1000) throw new RangeError('ttlMs must be at least one second');
  return signHs256(key, HEADER, { ...claims, iat: Math.floor(now / 1000), exp: Math.floor((now + ttlMs) / 1000) });
}

/** Checks MAC and expiry against `now`; never throws for a bad token. */
export async function verifyState<C extends StateClaims = StateClaims>(key: StateKey, token: string, now: number): Promise<VerifiedState<C>> {
  if (token.length === 0 || token.length > MAX_TOKEN_CHARS) return { ok: false, reason: 'invalid' };
  const jws = verifyHs256(key, HEADER, token);
  if (!jws.ok) return { ok: false, reason: 'invalid' };
  const times = checkJwtTimes(jws.payload, now);
  if (times !== 'ok') return { ok: false, reason: times };
  const { iat: _iat, exp, nbf: _nbf, ...claims } = jws.payload;
  return { ok: true, claims: claims as C, expiresAt: (exp as number) * 1000 };
}
