/** Shared set-up for the validator tests: the real validate() with the gateway's defaults. */
import path from 'node:path';
import { DEV_CERTS_DIR, resolveConfig } from '../../src/config.ts';
import { certificateFromPem, loadSigningCredentials } from '../../src/saml/keys.ts';
import { decodeInput } from '../../src/validate/input.ts';
import { validate, type Report, type ValidateOptions } from '../../src/validate/validate.ts';
import { readFileSync } from 'node:fs';

const config = resolveConfig({}, { logLevel: 'silent' });
export const IDP_CERT_FILE = path.join(DEV_CERTS_DIR, 'idp-signing.crt');
export const IDP_CERT = certificateFromPem(readFileSync(IDP_CERT_FILE, 'utf8'));
const SP_KEY = loadSigningCredentials(path.join(DEV_CERTS_DIR, 'sp-signing.key'), path.join(DEV_CERTS_DIR, 'sp-signing.crt')).privateKey;

export const FULL = { secondOpinions: true, schema: true } as const;

export function options(o: Partial<ValidateOptions> = {}): ValidateOptions {
  return {
    idpCertificates: [IDP_CERT],
    sp: { entityId: config.gateway.entityId, acsUrl: config.gateway.acsUrl },
    at: Date.now(),
    atGiven: true,
    skewMs: 60_000,
    sessionTimeoutMs: config.gateway.idleTimeout,
    apiTokenTimeoutMs: config.gateway.apiTokenTimeout,
    decryptionKeys: [SP_KEY],
    // The XSD check (a WebAssembly worker per run) and the second opinions are the slow parts;
    // tests that assert on them turn them on.
    secondOpinions: false,
    schema: false,
    ...o,
  };
}

export function validateText(text: string, o: Partial<ValidateOptions> = {}): Promise<Report> {
  return validate(decodeInput(text), options(o));
}

export const codes = (r: Report, severity?: 'error' | 'warning' | 'info'): string[] => r.findings.filter((f) => !severity || f.severity === severity).map((f): string => f.code).sort();

/** Notes a clean response may carry: none of them is a problem. */
export const BENIGN_INFO = new Set(['SA_OK', 'SA_ABSENT', 'SESSION_LIFETIME', 'SESSION_NOT_ON_OR_AFTER_ABSENT', 'MEMBEROF_COMMA', 'MEMBEROF_MISSING', 'USERNAME_MISSING', 'ISSUER_NOT_CHECKED', 'SIG_RESPONSE_ONLY', 'META_WANTS_SIGNED_REQUESTS', 'ENCRYPTED']);
