/**
 * signElement: where the Signature lands and that an independent verifier (xmlsec1) accepts it,
 * for the shapes the IdP's own templates do not exercise.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { DOMParser } from '@xmldom/xmldom';
import { NS } from '../../src/saml/constants.ts';
import { loadSigningCredentials } from '../../src/saml/keys.ts';
import { signElement } from '../../src/saml/sign.ts';
import { xmlsecVerify } from '../support/xmlsec.ts';

const certs = fileURLToPath(new URL('../../certs/', import.meta.url));
const credentials = loadSigningCredentials(path.join(certs, 'idp-signing.key'), path.join(certs, 'idp-signing.crt'));
const certFile = path.join(certs, 'idp-signing.crt');

function firstChildName(xml: string): string[] {
  const root = new DOMParser().parseFromString(xml, 'text/xml').documentElement!;
  const names: string[] = [];
  for (let n = root.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) names.push((n as unknown as Element).localName);
  return names;
}

test('without an Issuer the Signature becomes the first child, and xmlsec1 verifies it', () => {
  const xml = `<samlp:LogoutResponse xmlns:samlp="${NS.protocol}" ID="_lr1" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:LogoutResponse>`;
  const signed = signElement(xml, { credentials, elementLocalName: 'LogoutResponse' });
  assert.deepEqual(firstChildName(signed), ['Signature', 'Status']);
  const r = xmlsecVerify(signed, { certFile, element: 'LogoutResponse' });
  assert.ok(r.ok, r.output);
});

test('a self-closing Issuer and a ">" inside an attribute value do not misplace the Signature', () => {
  const xml =
    `<samlp:LogoutResponse xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="_lr2" Version="2.0" IssueInstant="2026-01-01T00:00:00Z" Destination="https://sp.example/slo?a=1>2">` +
    `<saml:Issuer/><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    `<saml:Issuer>a second Issuer, not the element's own</saml:Issuer></samlp:LogoutResponse>`;
  const signed = signElement(xml, { credentials, elementLocalName: 'LogoutResponse' });
  assert.deepEqual(firstChildName(signed), ['Issuer', 'Signature', 'Status', 'Issuer']);
  const r = xmlsecVerify(signed, { certFile, element: 'LogoutResponse' });
  assert.ok(r.ok, r.output);
});

test('refuses a document whose root is not the element to sign', () => {
  const xml = `<samlp:LogoutResponse xmlns:samlp="${NS.protocol}" ID="_lr3"/>`;
  assert.throws(() => signElement(xml, { credentials, elementLocalName: 'Response' }), /root is not a Response/);
});
