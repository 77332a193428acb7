/**
 * `samlgate certs`: self-signed RSA-2048 / SHA-256 key pairs for the test IdP and the gateway,
 * and the dev TLS set (a local CA and the localhost certificate it signs) for `--tls`.
 * The subjects say TEST ONLY so nobody mistakes them for a real deployment's keys.
 */
import { webcrypto } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SamlgateError } from './errors.ts';

export class CertificateGenerationError extends SamlgateError {
  readonly code = 'ERR_CERTS';
  readonly kind = 'runtime';
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

/**
 * The dev TLS set for `--tls`: a local certificate authority and a `localhost` / `127.0.0.1` /
 * `::1` server certificate it signs. Trust `dev-ca.pem` (browser, SSL_CERT_FILE for Terraform,
 * NODE_EXTRA_CA_CERTS for node) and both halves are served over HTTPS without warnings. Made on
 * each machine, never shipped: a CA key in a repository would let anyone mint certificates that
 * everyone who trusted it accepts. ECDSA P-256: small, fast, accepted by browsers and Go.
 */
export const DEV_TLS_FILES = {
  caCert: 'dev-ca.pem',
  caKey: 'dev-ca.key',
  cert: 'localhost.crt',
  key: 'localhost.key',
} as const;

/** Browsers cap a server certificate's lifetime (Apple: 825 days for user-trusted roots); one year is well inside. */
const LEAF_DAYS = 365;
const CA_DAYS = 3650;

export interface DevTlsPaths {
  caCert: string;
  caKey: string;
  cert: string;
  key: string;
}

export function devTlsPaths(dir: string): DevTlsPaths {
  return {
    caCert: path.join(dir, DEV_TLS_FILES.caCert),
    caKey: path.join(dir, DEV_TLS_FILES.caKey),
    cert: path.join(dir, DEV_TLS_FILES.cert),
    key: path.join(dir, DEV_TLS_FILES.key),
  };
}

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const EC_SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
const serial = () => Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1');

/**
 * Writes dev-ca.pem/.key and localhost.crt/.key into `dir`; refuses to overwrite any of them
 * unless `force`. Returns the paths.
 */
export async function generateDevTls(dir: string, o: { force?: boolean; now?: number } = {}): Promise<DevTlsPaths> {
  const paths = devTlsPaths(dir);
  if (!o.force) {
    const existing = Object.values(paths).filter((f) => existsSync(f));
    if (existing.length > 0) throw new CertificateGenerationError(`refusing to overwrite ${existing.join(', ')}: pass --force to replace them (browsers that trust the old dev CA must then trust the new one)`);
  }
  const x509 = await loadX509();
  const crypto = webcrypto as unknown as Crypto;
  const now = o.now ?? Date.now();
  const caKeys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const caName = 'CN=samlgate dev CA TEST ONLY - trust only on your own machine';
  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(),
      name: caName,
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + CA_DAYS * DAY_MS),
      signingAlgorithm: EC_SIGN,
      keys: caKeys,
      extensions: [
        // pathLen 0: this CA signs server certificates only, never another CA.
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const leafKeys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const leaf = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial(),
      subject: 'CN=localhost',
      issuer: ca.subject,
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + LEAF_DAYS * DAY_MS),
      signingAlgorithm: EC_SIGN,
      publicKey: leafKeys.publicKey,
      signingKey: caKeys.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.SubjectAlternativeNameExtension([
          { type: 'dns', value: 'localhost' },
          { type: 'ip', value: '127.0.0.1' },
          { type: 'ip', value: '::1' },
        ], false),
        await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
        await x509.SubjectKeyIdentifierExtension.create(leafKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  await mkdir(dir, { recursive: true });
  const flag = o.force ? 'w' : 'wx';
  await writeFile(paths.caKey, pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', caKeys.privateKey)), { mode: 0o600, flag });
  await writeFile(paths.caCert, ca.toString('pem') + '\n', { mode: 0o644, flag });
  await writeFile(paths.key, pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', leafKeys.privateKey)), { mode: 0o600, flag });
  // The leaf only: clients trust the CA file itself, and sending the root in the chain is pointless.
  await writeFile(paths.cert, leaf.toString('pem') + '\n', { mode: 0o644, flag });
  return paths;
}

/** `--tls` without --tls-cert: the dev set in `dir`, made on first use. Returns the paths and whether they were just made. */
export async function ensureDevTls(dir: string): Promise<{ paths: DevTlsPaths; created: boolean }> {
  const paths = devTlsPaths(dir);
  if (existsSync(paths.cert) && existsSync(paths.key) && existsSync(paths.caCert)) return { paths, created: false };
  const partial = Object.values(paths).filter((f) => existsSync(f));
  if (partial.length > 0) {
    throw new CertificateGenerationError(`the dev TLS files in ${dir} are incomplete (found ${partial.map((f) => path.basename(f)).join(', ')}): run \`samlgate certs --only tls --force --dir ${dir}\` to make a new set`);
  }
  try {
    return { paths: await generateDevTls(dir), created: true };
  } catch (err) {
    if (err instanceof CertificateGenerationError) throw err;
    throw new CertificateGenerationError(`cannot write the dev TLS certificates to ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; set tls.devDir in the config file to a writable directory (or run \`samlgate certs --only tls --dir DIR\` and start with --tls-cert DIR/localhost.crt --tls-key DIR/localhost.key)`);
  }
}
