import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CertificateGenerationError, generateDevCertificates } from '../../src/certs.ts';
import { loadSigningCredentials } from '../../src/saml/keys.ts';

describe('generateDevCertificates', () => {
  it('writes RSA-2048 / SHA-256 TEST ONLY pairs that loadSigningCredentials accepts, and refuses to overwrite without force', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'samlgate-certs-'));
    try {
      const files = await generateDevCertificates(dir, { days: 30 });
      assert.deepEqual(files.map((f) => path.basename(f)), ['idp-signing.key', 'idp-signing.crt', 'sp-signing.key', 'sp-signing.crt']);
      for (const name of ['idp-signing', 'sp-signing']) {
        const creds = loadSigningCredentials(path.join(dir, `${name}.key`), path.join(dir, `${name}.crt`));
        assert.equal(creds.privateKey.asymmetricKeyDetails?.modulusLength, 2048);
        assert.match(creds.certificate.x509.subject, /TEST ONLY/);
        assert.match(creds.certificate.x509.subject, new RegExp(name));
        assert.equal(creds.certificate.x509.verify(creds.certificate.publicKey), true, 'self-signed');
      }
      const before = readFileSync(path.join(dir, 'idp-signing.key'), 'utf8');
      await assert.rejects(generateDevCertificates(dir), (err: unknown) => err instanceof CertificateGenerationError && /refusing to overwrite/.test(err.message));
      assert.equal(readFileSync(path.join(dir, 'idp-signing.key'), 'utf8'), before);
      await generateDevCertificates(dir, { force: true, days: 1 });
      assert.notEqual(readFileSync(path.join(dir, 'idp-signing.key'), 'utf8'), before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
