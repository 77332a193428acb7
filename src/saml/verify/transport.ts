/**
 * HTTP-POST binding transport checks (SP-SECURITY 10.2 step 1; SAML bindings 3.5.4): the
 * SAMLResponse form field must be one string of strict base64 that decodes to bounded, valid
 * UTF-8. Everything here runs before any XML parser sees a byte.
 */
import { DEFAULT_XML_LIMITS } from '../xml.ts';
import { reject } from '../rejection.ts';
import { decodeBase64Strict, decodeUtf8Strict } from '../encoding.ts';

/** Decoded-size cap: the same ceiling the XML parser applies (SIZE1). */
export const MAX_DECODED_BYTES = DEFAULT_XML_LIMITS.maxBytes;
/** Encoded-size cap: base64 of MAX_DECODED_BYTES plus room for line breaks every 64-76 chars. */
export const MAX_ENCODED_CHARS = Math.ceil((Math.ceil(MAX_DECODED_BYTES / 3) * 4 * 80) / 64) + 16;


/** Returns the XML text of a posted SAMLResponse, or throws E_TRANSPORT. */
export function decodePostedMessage(encoded: unknown, field = 'SAMLResponse'): string {
  if (Array.isArray(encoded)) {
    // PARAM1: `SAMLResponse=a&SAMLResponse=b` must not let two layers pick different copies.
    reject('E_TRANSPORT', `the form carries ${encoded.length} ${field} fields; the HTTP-POST binding sends exactly one`);
  }
  if (encoded === undefined || encoded === null || encoded === '') {
    reject('E_TRANSPORT', `the POST body has no ${field} field: the IdP must post the response as an HTML form field named ${field} (HTTP-POST binding)`);
  }
  if (typeof encoded !== 'string') {
    reject('E_TRANSPORT', `${field} is a ${typeof encoded}, expected a base64 string (is a JSON or extended urlencoded parser in front of the ACS?)`);
  }
  if (encoded.length > MAX_ENCODED_CHARS) {
    reject('E_TRANSPORT', `${field} is ${encoded.length} characters, more than the ${MAX_ENCODED_CHARS} allowed (decoded limit ${MAX_DECODED_BYTES} bytes)`);
  }
  const bytes = decodeBase64Strict(encoded, field);
  if (bytes.length > MAX_DECODED_BYTES) {
    reject('E_TRANSPORT', `${field} decodes to ${bytes.length} bytes, more than the ${MAX_DECODED_BYTES} allowed`);
  }
  return decodeUtf8Strict(bytes, field);
}
