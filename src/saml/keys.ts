/**
 * Keys are parsed once into KeyObjects and kept: re-parsing PEM on every signature halves the
 * signing rate (DESIGN 5, performance). Certificates are kept both as PEM and as the bare base64
 * body that goes into ds:X509Certificate and metadata.
 */
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SamlError } from './rejection.ts';

export interface Certificate {
  pem: string;
  /** Base64 DER without armour or whitespace, as in ds:X509Certificate. */
  base64: string;
  publicKey: KeyObject;
  x509: X509Certificate;
}

export interface SigningCredentials {
  privateKey: KeyObject;
  /** The private key as PEM, for libraries (samlify) that insist on strings. */
  privateKeyPem: string;
  certificate: Certificate;
}

/** A key or certificate samlgate cannot use. */
export class KeyError extends SamlError {
  declare readonly code: 'ERR_KEY';
  constructor(detail: string) {
    super('ERR_KEY', detail);
  }
}

export function certificateFromBase64(base64: string): Certificate {
  const body = base64.replace(/\s+/g, '');
  const pem = `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END CERTIFICATE-----\n`;
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(pem);
  } catch (err) {
    throw new KeyError(`not an X.509 certificate: ${(err as Error).message}`);
  }
  return { pem, base64: body, publicKey: x509.publicKey, x509 };
}

export function certificateFromPem(pem: string): Certificate {
  const match = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem);
  if (!match) throw new KeyError('no PEM certificate found (expected -----BEGIN CERTIFICATE-----)');
  return certificateFromBase64(match[1]!);
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new KeyError(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message} (run \`samlgate certs\` to create dev keys)`);
  }
}

export function loadSigningCredentials(keyFile: string, certFile: string): SigningCredentials {
  const privateKeyPem = readText(keyFile, 'private key');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(privateKeyPem);
  } catch (err) {
    throw new KeyError(`${keyFile} is not a usable private key: ${(err as Error).message}`);
  }
  const certificate = certificateFromPem(readText(certFile, 'certificate'));
  const derivedPublic = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const certPublic = certificate.publicKey.export({ format: 'der', type: 'spki' });
  if (!derivedPublic.equals(certPublic)) throw new KeyError(`${certFile} does not belong to the private key ${keyFile}`);
  return { privateKey, privateKeyPem, certificate };
}
