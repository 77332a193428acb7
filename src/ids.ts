import { randomBytes } from 'node:crypto';

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

/** Unbiased alphanumeric string: rejection-sample bytes so every character is equally likely. */
export function randomAlphanumeric(length: number): string {
  let out = '';
  while (out.length < length) {
    const bytes = randomBytes(Math.ceil((length - out.length) * 1.3) + 8);
    for (const byte of bytes) {
      if (byte < 248) out += ALPHANUM[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export const randomIds: IdGenerator = {
  samlId: () => `_${randomBytes(20).toString('hex')}`,
  random: randomAlphanumeric,
};
