/**
 * API token secrets: TFE's `<14 chars>.atlasv1.<67 chars>` shape, shown once, stored as a
 * SHA-256 hash. The secrets are 81 random alphanumerics (~480 bits), so a fast hash is the right
 * tool (no password stretching needed) and it keeps the per-request check cheap.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IdGenerator } from '../ids.ts';

export const TOKEN_SHAPE = /^[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9]{67}$/;

export function generateTokenSecret(ids: IdGenerator): string {
  return `${ids.random(14)}.atlasv1.${ids.random(67)}`;
}

export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex hashes of equal length. */
export function hashesEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'hex');
  const bb = Buffer.from(b, 'hex');
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

/** `Authorization: Bearer <secret>` (v2) or `X-Atlas-Token: <secret>` (legacy v1). */
export function extractBearer(authorization: string | undefined): string | null {
  if (!authorization) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match ? match[1]! : null;
}
