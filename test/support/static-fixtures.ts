/** Where the other-implementation fixtures live and the facts they were made with (see make-static-fixtures.ts). */
import { fileURLToPath } from 'node:url';

export const FIXTURE_TIME = Date.parse('2027-01-04T10:00:00.000Z');
export const REQUEST_ID = '_other-request-1';
export const staticPath = (name: string) => fileURLToPath(new URL(`../static/${name}`, import.meta.url));

/** Issuer entity IDs and signing certificates per producer. */
export const PRODUCERS = {
  samlify: { entityId: 'https://samlify-idp.example/metadata', cert: 'keys/samlify-idp.crt' },
  xmlsec1: { entityId: 'https://xmlsec1-idp.example/metadata', cert: 'keys/xmlsec1-idp.crt' },
  pysaml2: { entityId: 'https://pysaml2-idp.example/metadata', cert: 'keys/pysaml2-idp.crt' },
} as const;
