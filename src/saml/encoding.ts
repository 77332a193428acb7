/**
 * Transport encodings of SAML messages, strictly decoded (SP-SECURITY B64-1..4, UTF1): one
 * implementation for every endpoint that receives a message (the ACS, the IdP's /sso and /slo).
 */
import { reject } from './rejection.ts';

const BASE64_WHITESPACE = /[\x20\x09\x0d\x0a]/g;
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** RFC 4648 base64 with correct padding; line breaks are tolerated, everything else refused. */
export function decodeBase64Strict(value: string, what = 'the message'): Buffer {
  const compact = value.replace(BASE64_WHITESPACE, '');
  if (compact === '' || !STRICT_BASE64.test(compact)) {
    reject('E_TRANSPORT', `${what} is not strict base64 (RFC 4648 alphabet with correct padding; URL-safe base64 and stray characters are refused)`);
  }
  const bytes = Buffer.from(compact, 'base64');
  // Non-zero padding bits decode "fine" but give two encodings of one message.
  if (bytes.toString('base64') !== compact) reject('E_TRANSPORT', `${what} is not canonical base64 (non-zero padding bits)`);
  return bytes;
}

export function decodeUtf8Strict(bytes: Uint8Array, what = 'the message'): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    reject('E_TRANSPORT', `${what} does not decode to valid UTF-8: SAML messages must be UTF-8`);
  }
}
