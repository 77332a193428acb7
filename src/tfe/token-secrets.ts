/**
 * API token secrets: TFE's `<14 chars>.atlasv1.<67 chars>` shape, shown once, stored as a
 * SHA-256 hash. The secrets are 81 random alphanumerics (~480 bits), so a fast hash is the right
 * tool (no password stretching needed) and it keeps the per-request check cheap.
 */
import * as crypto from 'node:crypto';
import type { IdGenerator } from '../ids.ts';
import type { MintedSecret } from './deps.ts';

export const TOKEN_SHAPE = /^[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9]{67}$/;

export function generateTokenSecret(ids: IdGenerator): string {
  return `${ids.random(14)}.atlasv1.${ids.random(67)}`;
}

// crypto.hash() (Node >= 20.12) is the one-shot digest without a Hash object: ~0.25 us against
// ~0.65 us, on every token call. Older Node 20 releases fall back to createHash; same digest.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

export const hashTokenSecret: (secret: string) => string = oneShot
  ? (secret) => oneShot('sha256', secret, 'hex')
  : (secret) => crypto.createHash('sha256').update(secret, 'utf8').digest('hex');

/** A new secret and the hash the store keeps: the one minter behind every token kind (TfeDeps.mintSecret). */
export function mintTokenSecret(ids: IdGenerator): MintedSecret {
  const secret = generateTokenSecret(ids);
  return { secret, hash: hashTokenSecret(secret) };
}

/** Constant-time comparison of two hex hashes of equal length. */
export function hashesEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'hex');
  const bb = Buffer.from(b, 'hex');
  return ba.length === bb.length && crypto.timingSafeEqual(ba, bb);
}
