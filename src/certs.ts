/**
 * `samlgate certs`: self-signed RSA-2048 / SHA-256 key pairs for the test IdP and the gateway.
 * The subject says TEST ONLY so nobody mistakes them for a real deployment's keys.
 */
import { webcrypto } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export class CertificateGenerationError extends Error {
  readonly code = 'ERR_CERTS';
}

const PAIRS = ['idp-signing', 'sp-signing'] as const;
const DAY_MS = 24 * 60 * 60 * 1000;

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * Loaded on demand: @peculiar/x509 needs a Reflect metadata polyfill (tsyringe) imported before
 * it, and nothing else in samlgate should pay its start-up cost.
 */
async function loadX509() {
  await import('reflect-metadata');
  return import('@peculiar/x509');
}

async function generatePair(name: string, now: number, days: number): Promise<{ key: string; cert: string }> {
  const x509 = await loadX509();
  const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1'),
      name: `CN=samlgate ${name} TEST ONLY - DO NOT USE IN PRODUCTION`,
      // A little slack before "now" so a verifier whose clock lags still accepts the certificate.
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + days * DAY_MS),
      signingAlgorithm: algorithm,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      ],
    },
    webcrypto as unknown as Crypto,
  );
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { key: pem('PRIVATE KEY', pkcs8), cert: cert.toString('pem') + '\n' };
}

/**
 * Writes idp-signing.key/.crt and sp-signing.key/.crt into `dir`. Refuses to overwrite any of
 * them unless `force` (replacing a key silently would break every SP that trusts the old one).
 * Returns the paths written.
 */
export async function generateDevCertificates(dir: string, o: { force?: boolean; days?: number; now?: number } = {}): Promise<string[]> {
  const days = o.days ?? 3650;
  if (!Number.isInteger(days) || days < 1) throw new CertificateGenerationError(`days must be a positive whole number, got ${days}`);
  const files = PAIRS.flatMap((name) => [path.join(dir, `${name}.key`), path.join(dir, `${name}.crt`)]);
  if (!o.force) {
    const existing = files.filter((f) => existsSync(f));
    if (existing.length > 0) {
      throw new CertificateGenerationError(`refusing to overwrite ${existing.join(', ')}: pass --force to replace them (SPs that trust the old certificate must then be updated)`);
    }
  }
  await mkdir(dir, { recursive: true });
  const now = o.now ?? Date.now();
  for (const name of PAIRS) {
    const { key, cert } = await generatePair(name, now, days);
    // wx: fail rather than clobber a file that appeared since the check above.
    const flag = o.force ? 'w' : 'wx';
    await writeFile(path.join(dir, `${name}.key`), key, { mode: 0o600, flag });
    await writeFile(path.join(dir, `${name}.crt`), cert, { mode: 0o644, flag });
  }
  return files;
}
