import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { NS } from '../../src/saml/constants.ts';
import { xmlsecVerify } from '../support/xmlsec.ts';
import { el, IDP_CERT, issueFor, makeIdp } from './helpers.ts';

describe('IdP response signatures (checked by xmlsec1)', () => {
  it('the Assertion and the Response each carry an RSA-SHA256 signature that xmlsec1 verifies with the IdP certificate', async () => {
    const t = makeIdp();
    const { xml, response, assertion } = await issueFor(t, 'bob');
    for (const element of ['Assertion', 'Response'] as const) {
      const r = xmlsecVerify(xml, { certFile: IDP_CERT, element });
      assert.ok(r.ok, `${element}: ${r.output}`);
    }
    // Schema order (SAML core 5.4.1): the Signature follows the element's own Issuer.
    for (const signed of [response, assertion]) {
      const issuer = el(signed, NS.assertion, 'Issuer');
      const next = issuer.nextSibling as Element;
      assert.equal(next.localName, 'Signature');
      assert.equal(next.parentNode, signed);
      assert.equal(el(next, NS.dsig, 'SignatureMethod').getAttribute('Algorithm'), 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
      assert.equal(el(next, NS.dsig, 'DigestMethod').getAttribute('Algorithm'), 'http://www.w3.org/2001/04/xmlenc#sha256');
      assert.equal(el(next, NS.dsig, 'Reference').getAttribute('URI'), `#${signed.getAttribute('ID')}`);
      assert.ok(el(next, NS.dsig, 'X509Certificate').textContent);
    }
  });

  it('bad-signature: xmlsec1 rejects both signatures', async () => {
    const t = makeIdp();
    await request(t.idp.app).patch('/api/users/alice').send({ faults: ['bad-signature'] }).expect(200);
    const { xml } = await issueFor(t, 'alice');
    for (const element of ['Assertion', 'Response'] as const) {
      const r = xmlsecVerify(xml, { certFile: IDP_CERT, element });
      assert.equal(r.ok, false, `${element} should not verify`);
      assert.match(r.output, /digest do not match|FAIL/);
    }
  });

  it('unsigned: no ds:Signature anywhere', async () => {
    const t = makeIdp({ idp: { users: [{ username: 'u', password: 'u', faults: ['unsigned'] }] } });
    const { xml } = await issueFor(t, 'u');
    assert.doesNotMatch(xml, /Signature/);
  });
});
