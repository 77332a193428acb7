import { randomBytes, randomFillSync } from 'node:crypto';

/**
 * Identifier and secret generation, injected like the clock so tests can make documents
 * reproducible. Production code gets randomIds(); nothing calls crypto.randomUUID() directly.
 */
export interface IdGenerator {
  /** An xs:ID for SAML messages: must start with a letter or underscore (SAML core 1.3.4). */
  samlId(): string;
  /** URL-safe random string of `length` characters drawn from [A-Za-z0-9]. */
  random(length: number): string;
}

const ALPHANUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * CSPRNG bytes drawn from a pool filled 4 KiB at a time, each byte handed out once (as node's
 * own crypto.randomUUID does): a synchronous randomBytes() call is a job of its own, ~5% of an
 * anonymous GET /session, which needs two identifiers (issue 15).
 */
const POOL = Buffer.alloc(4096);
let poolAt = POOL.length;

export function pooledRandomBytes(n: number): Buffer {
  if (n > POOL.length) return randomBytes(n);
  if (poolAt + n > POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  const out = Buffer.from(POOL.subarray(poolAt, poolAt + n));
  // Zeroed once handed out: a byte given to one caller is never anyone else's too.
  POOL.fill(0, poolAt, poolAt + n);
  poolAt += n;
  return out;
}

/** Unbiased alphanumeric string: rejection-sample bytes so every character is equally likely. */
export function randomAlphanumeric(length: number): string {
  let out = '';
  while (out.length < length) {
    const bytes = pooledRandomBytes(Math.ceil((length - out.length) * 1.3) + 8);
    for (const byte of bytes) {
      if (byte < 248) out += ALPHANUM[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export const randomIds: IdGenerator = {
  samlId: () => `_${pooledRandomBytes(20).toString('hex')}`,
  random: randomAlphanumeric,
};
