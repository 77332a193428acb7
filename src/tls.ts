/**
 * Which certificate the HTTPS servers present: --tls-cert/--tls-key when given, otherwise (plain
 * --tls) the dev CA's localhost certificate in tls.devDir (default certs/), made on first use (src/certs.ts).
 */
import { readFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import type { Config } from './config.ts';
import { SamlgateError } from './errors.ts';

export class TlsSetupError extends SamlgateError {
  readonly code = 'ERR_TLS';
  readonly kind = 'runtime';
}

export interface TlsCredentials {
  key: string;
  cert: string;
  /** The dev CA to trust, when the dev certificate is in use; null with your own certificate. */
  caFile: string | null;
}

export async function loadTlsCredentials(config: Config, devDir = config.tls.devDir): Promise<TlsCredentials | null> {
  if (!config.tls.enabled) return null;
  let certFile = config.tls.cert;
  let keyFile = config.tls.key;
  let caFile: string | null = null;
  if (certFile === undefined || keyFile === undefined) {
    const { ensureDevTls, CertificateGenerationError } = await import('./certs.ts');
    try {
      const { paths } = await ensureDevTls(devDir);
      [certFile, keyFile, caFile] = [paths.cert, paths.key, paths.caCert];
    } catch (err) {
      if (err instanceof CertificateGenerationError) throw new TlsSetupError(err.message);
      throw err;
    }
  }
  const read = (file: string, what: string) =>
    readFile(file, 'utf8').catch((err) => {
      throw new TlsSetupError(`cannot read the TLS ${what} ${file}: ${err.code ?? err.message}`);
    });
  const cert = await read(certFile, 'certificate (--tls-cert)');
  const key = await read(keyFile, 'key (--tls-key)');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (err) {
    throw new TlsSetupError(`the TLS certificate ${certFile} is not a PEM certificate: ${(err as Error).message}`);
  }
  if (Date.parse(leaf.validTo) < Date.now()) {
    throw new TlsSetupError(`the TLS certificate ${certFile} expired on ${new Date(leaf.validTo).toISOString()}${caFile ? ': delete certs/localhost.* and start again for a new one' : ''}`);
  }
  return { key, cert, caFile };
}
