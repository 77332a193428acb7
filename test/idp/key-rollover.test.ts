/**
 * Key rollover: with idp.nextSigningCert the metadata lists two signing certificates, so an SP
 * that loads it keeps accepting responses when the IdP switches to the new key.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import request from 'supertest';
import { ManualClock } from '../../src/clock.ts';
import { DEV_CERTS_DIR, resolveConfig } from '../../src/config.ts';
import { createGateway } from '../../src/gateway/app.ts';
import { createIdp } from '../../src/idp/app.ts';
import { randomIds } from '../../src/ids.ts';
import { silentLogger } from '../../src/log.ts';
import { parseIdpMetadata } from '../../src/saml/metadata.ts';
import { createMemoryStore } from '../../src/store/memory.ts';
import { parseAutoPostForm } from '../../src/client/saml-browser.ts';
import { xmlsecVerify } from '../support/xmlsec.ts';
import { makeIdp, SP_CREDENTIALS } from './helpers.ts';

const CURRENT = { key: path.join(DEV_CERTS_DIR, 'idp-signing.key'), cert: path.join(DEV_CERTS_DIR, 'idp-signing.crt') };
// Any other key pair stands in for the next key.
const NEXT = { key: path.join(DEV_CERTS_DIR, 'sp-signing.key'), cert: path.join(DEV_CERTS_DIR, 'sp-signing.crt') };

describe('IdP signing-key rollover', () => {
  it('metadata lists the current then the next signing certificate; without nextSigningCert only one', async () => {
    const one = parseIdpMetadata((await request(makeIdp().idp.app).get('/metadata')).text);
    assert.equal(one.signingCertificates.length, 1);
    const t = makeIdp({ idp: { nextSigningCert: NEXT.cert } });
    const xml = (await request(t.idp.app).get('/metadata')).text;
    assert.equal((xml.match(/<md:KeyDescriptor use="signing">/g) ?? []).length, 2);
    const trust = parseIdpMetadata(xml);
    assert.equal(trust.signingCertificates.length, 2);
    assert.equal(trust.signingCertificates[0]!.base64, t.idp.metadataXml.match(/<ds:X509Certificate>([^<]+)</)![1], 'the current certificate comes first');
    assert.notEqual(trust.signingCertificates[0]!.base64, SP_CREDENTIALS.certificate.base64);
    assert.equal(trust.signingCertificates[1]!.base64, SP_CREDENTIALS.certificate.base64, 'then the next one');
    assert.match(xml, /<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"/);
  });

  it('a gateway that loaded the rollover metadata accepts responses signed with the old key and, after the switch, with the new one', async () => {
    const before = makeIdp({ idp: { signingKey: CURRENT.key, signingCert: CURRENT.cert, nextSigningCert: NEXT.cert } });
    const trust = parseIdpMetadata(before.idp.metadataXml);
    const config = resolveConfig({ idp: { signingKey: NEXT.key, signingCert: NEXT.cert, nextSigningCert: CURRENT.cert }, gateway: { allowIdpInitiated: true } });
    const clock = new ManualClock();
    const after = createIdp({ config, clock, ids: randomIds, logger: silentLogger });
    const gateway = createGateway({ config, clock, ids: randomIds, store: createMemoryStore(), logger: silentLogger, idp: trust, sp: SP_CREDENTIALS });
    for (const idp of [before.idp, after]) {
      const page = await request(idp.app).get('/sso/initiate').query({ sp: config.gateway.entityId, user: 'bob' }).expect(200);
      const form = parseAutoPostForm(page.text)!;
      const xml = Buffer.from(form.fields.SAMLResponse!, 'base64').toString('utf8');
      const signer = idp === after ? NEXT.cert : CURRENT.cert;
      assert.ok(xmlsecVerify(xml, { certFile: signer, element: 'Response' }).ok);
      // The ACS first re-posts a cross-site response from its own origin (see README), then consumes it.
      const agent = request.agent(gateway.app);
      let acs = await agent.post('/users/saml/auth').type('form').send(form.fields);
      if (acs.status === 200 && parseAutoPostForm(acs.text)) acs = await agent.post('/users/saml/auth').type('form').send(parseAutoPostForm(acs.text)!.fields);
      assert.equal(acs.status, 303, `${idp === after ? 'after' : 'before'} the switch: ${acs.text.slice(0, 300)}`);
    }
  });
});
