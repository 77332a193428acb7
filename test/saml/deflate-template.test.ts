/**
 * The AuthnRequest's DEFLATE comes from a template compressed once (src/saml/deflate-template.ts,
 * issue 15): it must inflate, with the strict Redirect-binding decoder and with plain zlib, to
 * exactly the XML the gateway means to send, whatever the holes hold.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import { deflateTemplate } from '../../src/saml/deflate-template.ts';
import { decodeRedirectMessage } from '../../src/saml/sign.ts';
import { authnRequestXml, encodeAuthnRequest } from '../../src/sp/authn-request.ts';

describe('DEFLATE from a template', () => {
  it('an AuthnRequest encoded from the template inflates to exactly authnRequestXml, for each destination an admin may set', () => {
    for (const destination of ['http://localhost:7000/sso', 'https://idp.example/saml/sso?tenant=a&b=<c>', 'https://idp.example/é']) {
      for (let i = 0; i < 20; i++) {
        const r = { id: `_${i}${'ab'.repeat(i)}`, issueInstant: Date.UTC(2026, 11, 7) + i * 1234, spEntityId: 'http://localhost:8080/users/saml/metadata', acsUrl: 'http://localhost:8080/users/saml/auth', destination };
        const encoded = encodeAuthnRequest(r);
        assert.equal(decodeRedirectMessage(encoded), authnRequestXml(r));
        assert.equal(inflateRawSync(Buffer.from(encoded, 'base64')).toString('utf8'), authnRequestXml(r));
      }
    }
  });

  it('holes of any size and script (multi-byte UTF-8, empty, longer than one stored block of 65,535 bytes)', () => {
    const t = deflateTemplate(['<a x="', '" y="', '"/>']);
    for (const [x, y] of [['', ''], ['é😀', '"'], ['z'.repeat(70_000), 'ü'.repeat(40_000)]] as const) {
      assert.equal(inflateRawSync(t([x, y])).toString('utf8'), `<a x="${x}" y="${y}"/>`);
    }
    assert.throws(() => t(['only one']), /takes 2 holes/);
  });
});
