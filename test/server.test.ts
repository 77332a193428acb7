/** Process wiring: trusting another IdP by metadata, and clear start-up errors. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import request from 'supertest';
import { resolveConfig } from '../src/config.ts';
import { silentLogger } from '../src/log.ts';
import { loadIdpTrust, startServices, StartupError } from '../src/server.ts';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'samlgate-server-'));

describe('--idp-metadata', () => {
  it('a metadata file sets the trusted entity ID, SSO URL and signing key', async () => {
    const idp = await startServices(resolveConfig({}, { data: ':memory:', 'idp.port': 0, 'idp.baseUrl': 'https://idp.example.test' }), { idp: true, gateway: false }, { logger: silentLogger });
    try {
      const file = path.join(tmp(), 'idp.xml');
      writeFileSync(file, idp.idp!.metadataXml);
      const trust = await loadIdpTrust(file);
      assert.equal(trust.entityId, 'https://idp.example.test/metadata');
      assert.equal(trust.ssoRedirectUrl, 'https://idp.example.test/sso');
      assert.equal(trust.signingCertificates.length, 1);

      const gw = await startServices(resolveConfig({}, { data: ':memory:', 'gateway.port': 0, 'gateway.idpMetadata': file }), { idp: false, gateway: true }, { logger: silentLogger });
      try {
        const res = await request(gw.gateway!.app).get('/session').expect(302);
        assert.match(res.headers.location!, /^https:\/\/idp\.example\.test\/sso\?SAMLRequest=/);
      } finally {
        await gw.close();
      }
    } finally {
      await idp.close();
    }
  });

  it('a file that is not IdP metadata is a StartupError that says what is wrong', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'sp.xml'), '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>');
    writeFileSync(path.join(dir, 'junk.xml'), 'not xml at all');
    await assert.rejects(loadIdpTrust(path.join(dir, 'sp.xml')), (err: unknown) => err instanceof StartupError && /IDPSSODescriptor/.test(err.message));
    await assert.rejects(loadIdpTrust(path.join(dir, 'junk.xml')), StartupError);
    await assert.rejects(loadIdpTrust('http://127.0.0.1:9/metadata'), /cannot fetch IdP metadata from http:\/\/127\.0\.0\.1:9\/metadata/);
  });

  it('a port in use is a StartupError naming the flag to change', async () => {
    const first = await startServices(resolveConfig({}, { data: ':memory:', 'idp.port': 0 }), { idp: true, gateway: false }, { logger: silentLogger });
    try {
      const port = (first.idp!.server.address() as { port: number }).port;
      await assert.rejects(
        startServices(resolveConfig({}, { data: ':memory:', 'idp.port': port }), { idp: true, gateway: false }, { logger: silentLogger }),
        /IdP cannot listen on 127\.0\.0\.1:\d+: the port is in use \(pick another with --idp-port\)/,
      );
    } finally {
      await first.close();
    }
  });
});
