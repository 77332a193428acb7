/**
 * --tls: both halves over HTTPS with a certificate for localhost/127.0.0.1/::1 that the dev CA
 * signs; a client that trusts only dev-ca.pem completes a full SAML login (samlgate login in a
 * separate process with NODE_EXTRA_CA_CERTS), and the session cookie is Secure.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CertificateGenerationError, ensureDevTls, generateDevTls } from '../../src/certs.ts';
import { resolveConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { startServices, type Services } from '../../src/server.ts';
import { loadTlsCredentials, TlsSetupError } from '../../src/tls.ts';
import { freePort } from '../../src/util/free-port.ts';
import { CLI_ARGS } from '../support/samlgate-process.ts';

function get(url: string, ca: string | undefined): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    https.get(url, { ca, rejectUnauthorized: true }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    }).on('error', reject);
  });
}

describe('TLS', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'samlgate-tls-'));
  let services: Services;
  let ca: string;

  before(async () => {
    const paths = await generateDevTls(dir);
    ca = readFileSync(paths.caCert, 'utf8');
    const config = resolveConfig({}, { data: ':memory:', 'idp.port': await freePort(), 'gateway.port': await freePort(), 'tls.cert': paths.cert, 'tls.key': paths.key });
    services = await startServices(config, { idp: true, gateway: true }, { logger: silentLogger });
  });
  after(async () => {
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the dev CA signs a server certificate for localhost, 127.0.0.1 and ::1; keys are private files', () => {
    const leaf = new X509Certificate(readFileSync(path.join(dir, 'localhost.crt')));
    const root = new X509Certificate(ca);
    assert.ok(leaf.verify(root.publicKey), 'signed by the dev CA');
    assert.ok(leaf.checkIssued(root));
    assert.equal(root.ca, true);
    assert.equal(leaf.ca, false);
    assert.match(leaf.subjectAltName!, /DNS:localhost/);
    assert.match(leaf.subjectAltName!, /IP Address:127\.0\.0\.1/);
    assert.ok(leaf.checkHost('localhost') && leaf.checkIP('127.0.0.1') && leaf.checkIP('::1'));
    assert.ok(Date.parse(leaf.validTo) - Date.now() <= 366 * 86_400_000, 'a leaf lifetime browsers accept');
    assert.equal(statSync(path.join(dir, 'dev-ca.key')).mode & 0o077, 0);
    assert.equal(statSync(path.join(dir, 'localhost.key')).mode & 0o077, 0);
  });

  it('both halves answer HTTPS on their URLs, verified against the dev CA alone', async () => {
    assert.match(services.gateway!.url, /^https:\/\/localhost:\d+$/);
    assert.match(services.idp!.url, /^https:\/\/localhost:\d+$/);
    assert.deepEqual(services.tls, { caFile: null });
    const metadata = await get(`${services.idp!.url}/metadata`, ca);
    assert.equal(metadata.status, 200);
    assert.match(metadata.body, new RegExp(`Location="${services.idp!.url}/sso"`));
    const sp = await get(`${services.gateway!.url}/users/saml/metadata`, ca);
    assert.match(sp.body, new RegExp(`entityID="${services.gateway!.url}/users/saml/metadata"`));
    const ip = await get(services.gateway!.url.replace('localhost', '127.0.0.1') + '/api/v2/ping', ca);
    assert.equal(ip.status, 204);
    await assert.rejects(get(`${services.gateway!.url}/api/v2/ping`, undefined), /self.signed|unable to (get|verify)/i, 'untrusted without the CA');
  });

  it('a full SAML login over HTTPS (samlgate login trusting dev-ca.pem); the session cookie is Secure', async () => {
    const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [...CLI_ARGS, 'login', '--user', 'alice', '--gateway', services.gateway!.url], {
        encoding: 'utf8', timeout: 30_000, env: { ...process.env, NODE_EXTRA_CA_CERTS: path.join(dir, 'dev-ca.pem') },
      }, (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }));
    });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^samlgate_session=/);
    // GET /session sets only the pending-login cookie (the session cookie comes at the ACS): Secure too.
    const session = await get(`${services.gateway!.url}/session`, ca);
    assert.match(String(session.headers['set-cookie']), /samlgate_pending=[^;]+;.*Secure/);
  });

  it('samlgate login without the CA: exit 1 saying the certificate is not trusted and how to trust it', async () => {
    const out = await new Promise<{ code: number; stderr: string }>((resolve) => {
      const env = { ...process.env };
      delete env.NODE_EXTRA_CA_CERTS;
      execFile(process.execPath, [...CLI_ARGS, 'login', '--user', 'alice', '--gateway', services.gateway!.url], { encoding: 'utf8', timeout: 30_000, env }, (err, _stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stderr }));
    });
    assert.equal(out.code, 1);
    assert.match(out.stderr, /E_CONNECT: .*the certificate is not trusted: with the dev CA, run with NODE_EXTRA_CA_CERTS=certs\/dev-ca\.pem/);
  });

  it('--tls without a certificate makes the dev set on first use and reuses it after', async () => {
    const fresh = mkdtempSync(path.join(os.tmpdir(), 'samlgate-devtls-'));
    try {
      const config = resolveConfig({}, { 'tls.enabled': true });
      assert.equal(config.gateway.baseUrl, 'https://localhost:8080');
      const first = await loadTlsCredentials(config, fresh);
      assert.equal(first?.caFile, path.join(fresh, 'dev-ca.pem'));
      const again = await ensureDevTls(fresh);
      assert.equal(again.created, false);
      assert.equal((await loadTlsCredentials(config, fresh))?.cert, first?.cert);
      await assert.rejects(generateDevTls(fresh), CertificateGenerationError);
      rmSync(path.join(fresh, 'localhost.crt'));
      await assert.rejects(loadTlsCredentials(config, fresh), (err: unknown) => err instanceof TlsSetupError && /incomplete.*samlgate certs --only tls --force/.test(err.message));
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('an unreadable --tls-cert is a clear start-up error; cert without key is a config error', async () => {
    await assert.rejects(loadTlsCredentials(resolveConfig({}, { 'tls.cert': '/nonexistent.crt', 'tls.key': '/nonexistent.key' })), /cannot read the TLS certificate \(--tls-cert\) \/nonexistent\.crt: ENOENT/);
    assert.throws(() => resolveConfig({}, { 'tls.cert': '/x.crt' }), /set both cert and key/);
  });
});
