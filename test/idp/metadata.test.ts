import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import request from 'supertest';
import { DEV_CERTS_DIR } from '../../src/config.ts';
import { certificateFromPem } from '../../src/saml/keys.ts';
import { idpMetadataXml, MetadataError, parseIdpMetadata, parseSpMetadata, spMetadataXml } from '../../src/saml/metadata.ts';
import { makeIdp } from './helpers.ts';

const idpCert = certificateFromPem(readFileSync(path.join(DEV_CERTS_DIR, 'idp-signing.crt'), 'utf8'));
const spCert = certificateFromPem(readFileSync(path.join(DEV_CERTS_DIR, 'sp-signing.crt'), 'utf8'));

describe('IdP metadata', () => {
  it('GET /metadata serves metadata that parses back with the signing certificate and both SSO bindings', async () => {
    const t = makeIdp();
    const res = await request(t.idp.app).get('/metadata');
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type']!, /^application\/samlmetadata\+xml/);
    const trust = parseIdpMetadata(res.text);
    assert.equal(trust.entityId, 'http://localhost:7000/metadata');
    assert.equal(trust.ssoRedirectUrl, 'http://localhost:7000/sso');
    assert.equal(trust.ssoPostUrl, 'http://localhost:7000/sso');
    assert.equal(trust.sloUrl, 'http://localhost:7000/slo');
    assert.equal(trust.signingCertificates.length, 1);
    assert.equal(trust.signingCertificates[0]!.base64, idpCert.base64);
    assert.equal(res.text, t.idp.metadataXml);
  });

  it('SP metadata round-trips, with WantAssertionsSigned and the signing certificate', () => {
    const xml = spMetadataXml({ entityId: 'https://sp.example/meta', acsUrl: 'https://sp.example/acs', sloUrl: 'https://sp.example/slo', certificate: spCert, authnRequestsSigned: true });
    assert.match(xml, /WantAssertionsSigned="true"/);
    const sp = parseSpMetadata(xml);
    assert.deepEqual({ ...sp, signingCertificate: sp.signingCertificate?.base64 }, {
      entityId: 'https://sp.example/meta',
      acsUrl: 'https://sp.example/acs',
      sloUrl: 'https://sp.example/slo',
      signingCertificate: spCert.base64,
      authnRequestsSigned: true,
    });
  });

  it('refuses unusable metadata with a MetadataError that says what is missing', () => {
    const good = idpMetadataXml({ entityId: 'https://idp.example', ssoUrl: 'https://idp.example/sso', sloUrl: 'https://idp.example/slo', certificate: idpCert });
    const cases: Array<[string, string, RegExp]> = [
      ['not an EntityDescriptor', '<foo xmlns="urn:x"/>', /not an EntityDescriptor/],
      ['no signing certificate', good.replace(/<md:KeyDescriptor[\s\S]*<\/md:KeyDescriptor>/, ''), /no signing certificate/],
      ['no redirect SSO', good.replace(/<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"[^>]*\/>/, ''), /HTTP-Redirect/],
      ['malformed certificate', good.replace(idpCert.base64, 'AAAA'), /malformed signing certificate/],
      ['not XML', 'hello', /not usable XML/],
      ['DOCTYPE', `<!DOCTYPE x [<!ENTITY e "x">]>${good.replace(/^<\?xml[^>]*>\n/, '')}`, /DOCTYPE/],
      ['SP metadata given as IdP metadata', spMetadataXml({ entityId: 'x', acsUrl: 'https://a/acs', sloUrl: 'https://a/slo', certificate: spCert, authnRequestsSigned: false }), /no IDPSSODescriptor/],
    ];
    for (const [name, xml, message] of cases) {
      assert.throws(() => parseIdpMetadata(xml), (err: unknown) => err instanceof MetadataError && err.code === 'ERR_METADATA' && message.test(err.message), name);
    }
  });
});
