/**
 * `samlgate validate` as people use it: every input encoding (raw XML, base64, the URL-encoded
 * POST body, a SAML-tracer export - plain and with masked form values -, a HAR file, stdin),
 * metadata documents, --at, the exit codes 0/1/2, and the JSON and JUnit formats.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it, before } from 'node:test';
import request from 'supertest';
import { DOMParser } from '@xmldom/xmldom';
import { runValidate, type ValidateCliOptions } from '../../src/validate/cli.ts';
import { issueFor, makeIdp } from '../idp/helpers.ts';
import { IDP_CERT_FILE } from './support.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'samlgate-validate-test-'));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

let clean: { xml: string; at: string; metadata: string };
let faulty: { xml: string; at: string };

before(async () => {
  const t = makeIdp();
  const metadata = (await request(t.idp.app).get('/metadata').expect(200)).text;
  clean = { xml: (await issueFor(t, 'bob')).xml, at: new Date(t.clock.now()).toISOString(), metadata };
  await request(t.idp.app).patch('/api/users/bob').send({ faults: ['sa-name-lowercase', 'wrong-audience'] }).expect(200);
  faulty = { xml: (await issueFor(t, 'bob')).xml, at: new Date(t.clock.now()).toISOString() };
});

// Input handling only: the XSD check and second opinions have their own tests (faults, other-implementations).
const run = (input: string, o: Partial<ValidateCliOptions> = {}, checks = false) => runValidate(input, { format: 'json', idpCert: IDP_CERT_FILE, at: clean.at, ...o }, { colour: false, now: Date.now(), checks });
const json = (r: { stdout: string }) => JSON.parse(r.stdout) as { ok: boolean; input: { encoding: string }; findings: { code: string; severity: string; message: string; fix: string }[] };

describe('validate: input encodings', () => {
  it('raw XML, base64 and a URL-encoded POST body give the same verdict', async () => {
    const b64 = Buffer.from(clean.xml).toString('base64');
    for (const [name, text, encoding] of [
      ['raw.xml', clean.xml, 'XML'],
      ['b64.txt', b64.replace(/.{76}/g, '$&\n'), 'base64'],
      ['body.txt', `SAMLResponse=${encodeURIComponent(b64)}&RelayState=abc`, 'URL-encoded POST body'],
    ] as const) {
      const r = await run(file(name, text));
      assert.equal(r.code, 0, `${name}: ${r.stdout}${r.stderr}`);
      assert.equal(json(r).input.encoding, encoding);
      assert.equal(json(r).ok, true);
    }
  });

  it('a SAML-tracer export (including one with masked form values) is read from its decoded saml field', async () => {
    const b64 = Buffer.from(faulty.xml).toString('base64');
    const exportOf = (post: string) =>
      JSON.stringify({
        requests: [
          { requestId: 'r1', method: 'GET', url: 'http://localhost:7000/sso?SAMLRequest=x', get: [['SAMLRequest', 'x']], saml: '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_a"/>' },
          { requestId: 'r2', method: 'POST', url: 'http://localhost:8080/users/saml/auth', post: [['SAMLResponse', post], ['RelayState', 'x']], protocol: 'SAML-P', saml: faulty.xml, requestHeaders: [], responseStatus: 303 },
        ],
        timestamp: '2026-03-02T10:00:00.000Z',
      });
    for (const [name, post] of [['tracer.json', b64], ['tracer-masked.json', '{obf:alternative_0}']] as const) {
      const r = await run(file(name, exportOf(post)), { at: faulty.at });
      assert.equal(r.code, 1, r.stderr);
      assert.match(json(r).input.encoding, /SAML-tracer export, request 2 \(POST http:\/\/localhost:8080\/users\/saml\/auth\)/);
      const found = json(r).findings.map((f) => f.code);
      assert.ok(found.includes('SA_NAME_CASE') && found.includes('E_AUDIENCE'), found.join());
    }
    const masked = JSON.stringify({ requests: [{ requestId: 'r', method: 'POST', url: 'http://x/acs', post: [['SAMLResponse', '{hash:abcd}']] }], timestamp: 't' });
    const r = await run(file('masked-no-saml.json', masked));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /masked/);
  });

  it('a HAR file: the last POST with a SAMLResponse', async () => {
    const b64 = Buffer.from(faulty.xml).toString('base64');
    const har = { log: { version: '1.2', creator: { name: 'test', version: '1' }, entries: [
      { request: { method: 'GET', url: 'http://localhost:8080/session', headers: [] } },
      { request: { method: 'POST', url: 'http://localhost:8080/users/saml/auth', postData: { mimeType: 'application/x-www-form-urlencoded', params: [{ name: 'SAMLResponse', value: encodeURIComponent(b64) }] } } },
    ] } };
    const r = await run(file('login.har', JSON.stringify(har)), { at: faulty.at });
    assert.equal(r.code, 1);
    assert.match(json(r).input.encoding, /HAR file, entry 2/);
    assert.ok(json(r).findings.some((f) => f.code === 'SA_NAME_CASE'));
  });

  it('IdP metadata as the input, and --idp-metadata to verify the response and its issuer', async () => {
    const md = await run(file('idp-metadata.xml', clean.metadata));
    assert.equal(md.code, 0, md.stdout);
    assert.deepEqual(json(md).findings.filter((f) => f.severity !== 'info'), []);
    const r = await run(file('raw2.xml', clean.xml), { idpCert: undefined, idpMetadata: file('md.xml', clean.metadata) });
    assert.equal(r.code, 0, r.stdout);
    assert.ok(!json(r).findings.some((f) => f.code === 'ISSUER_NOT_CHECKED'));
  });

  it('--idp-metadata from a URL (the IdP serving /metadata); without any certificate signatures are not verified (SIG_NOT_CHECKED)', async () => {
    const t = makeIdp();
    const server = createServer(t.idp.app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metadata`;
      const issued = (await issueFor(t, 'alice')).xml;
      const r = await runValidate(file('via-url.xml', issued), { format: 'json', idpMetadata: url, at: new Date(t.clock.now()).toISOString() }, { colour: false, now: Date.now(), checks: false });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const gone = await runValidate(file('via-url2.xml', issued), { format: 'json', idpMetadata: 'http://127.0.0.1:1/metadata' }, { colour: false, now: Date.now(), checks: false });
      assert.equal(gone.code, 2);
      assert.match(gone.stderr, /cannot fetch the IdP metadata from http:\/\/127\.0\.0\.1:1\/metadata/);
    } finally {
      server.close();
    }
    const unverified = await run(file('nocert.xml2', clean.xml), { idpCert: undefined });
    assert.equal(unverified.code, 0);
    assert.ok(json(unverified).findings.some((f) => f.code === 'SIG_NOT_CHECKED' && f.severity === 'warning'));
  });

  it('broken metadata is a finding with exit 1; a metadata document without signing certificate too', async () => {
    const noCert = clean.metadata.replace(/<md:KeyDescriptor[\s\S]*?<\/md:KeyDescriptor>/, '');
    const r = await run(file('nocert.xml', noCert));
    assert.equal(r.code, 1);
    assert.ok(json(r).findings.some((f) => f.code === 'META_INVALID' && /no signing certificate/.test(f.message)));
    const schemaBad = clean.metadata.replace('<md:IDPSSODescriptor', '<md:Bogus/><md:IDPSSODescriptor');
    const s = await run(file('schema-bad.xml', schemaBad), {}, true);
    assert.ok(json(s).findings.some((f) => f.code === 'SCHEMA_XSD'), s.stdout);
  });

  it('--at judges a capture as of its own time; without it an old capture is expired and the fix says to use --at', async () => {
    const late = await run(file('raw3.xml', clean.xml), { at: undefined });
    // issued "now" by the IdP's manual clock, so judge it a day later to make it old:
    const old = await runValidate(file('raw4.xml', clean.xml), { format: 'json', idpCert: IDP_CERT_FILE }, { colour: false, now: Date.parse(clean.at) + 86_400_000, checks: false });
    assert.equal(old.code, 1);
    const t = json(old).findings.find((f) => f.code === 'E_TIME')!;
    assert.match(t.fix, /--at/);
    assert.ok([0, 1].includes(late.code));
  });

  it('unusable input exits 2 with a message that says what the input looked like', async () => {
    for (const [name, text, pattern] of [
      ['empty.txt', '', /empty/],
      ['junk.txt', 'hello world, not saml', /not XML, base64 of XML/],
      ['json.json', '{"a":1}', /neither a SAML-tracer export/],
      ['authn.xml', '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>', /root element samlp:AuthnRequest; expected a samlp:Response/],
    ] as const) {
      const r = await run(file(name, text));
      assert.equal(r.code, 2, name);
      assert.match(r.stderr, pattern);
      assert.equal(r.stdout, '');
    }
    const missing = await run(path.join(dir, 'does-not-exist.xml'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /ENOENT/);
    const badAt = await run(file('raw5.xml', clean.xml), { at: 'yesterday' });
    assert.equal(badAt.code, 2);
    assert.match(badAt.stderr, /--at "yesterday" is not an ISO-8601/);
  });
});

describe('validate: documents the core refuses to parse are findings, not crashes', () => {
  it('malformed XML, a DOCTYPE and a truncated response give E_XML with exit 1', async () => {
    for (const [name, text] of [
      ['malformed.xml', '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><unclosed></samlp:Response>'],
      ['doctype.xml', '<!DOCTYPE r [<!ENTITY x "y">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&x;</samlp:Response>'],
      ['truncated.xml', clean.xml.slice(0, Math.floor(clean.xml.length / 2))],
    ] as const) {
      const r = await run(file(name, text));
      assert.equal(r.code, 1, `${name}: ${r.stderr}`);
      assert.ok(json(r).findings.some((f) => f.code === 'E_XML'), `${name}: ${r.stdout}`);
    }
  });
});

describe('validate: output formats and the command line', () => {
  it('JSON: {ok, findings:[{code, severity, message, why, fix}]}', async () => {
    const r = json(await run(file('f.xml', faulty.xml), { at: faulty.at }));
    assert.equal(r.ok, false);
    for (const f of r.findings) {
      assert.match(f.code, /^[A-Z][A-Z0-9_]+$/);
      assert.ok(['error', 'warning', 'info'].includes(f.severity));
      assert.ok(f.message && f.fix);
    }
  });

  it('JUnit: one testcase per check, failures for error findings (the F1 near-miss is one)', async () => {
    const r = await run(file('f2.xml', faulty.xml), { at: faulty.at, format: 'junit' });
    assert.equal(r.code, 1);
    const doc = new DOMParser().parseFromString(r.stdout, 'text/xml');
    const cases = Array.from(doc.getElementsByTagName('testcase') as unknown as ArrayLike<Element>);
    assert.ok(cases.length >= 15);
    const failed = cases.filter((c) => c.getElementsByTagName('failure').length > 0).map((c) => c.getAttribute('name'));
    assert.deepEqual(failed, ['audience', 'IsServiceAccount (rule F1)']);
    const sa = cases.find((c) => c.getAttribute('name') === 'IsServiceAccount (rule F1)')!;
    assert.equal(sa.getElementsByTagName('failure')[0]!.getAttribute('type'), 'SA_NAME_CASE');
  });

  it('text: readable, no colour when not a terminal', async () => {
    const r = await runValidate(file('f3.xml', faulty.xml), { format: 'text', idpCert: IDP_CERT_FILE, at: faulty.at }, { colour: false, now: Date.now(), checks: false });
    assert.match(r.stdout, /ERROR +E_AUDIENCE/);
    assert.match(r.stdout, /ERROR +SA_NAME_CASE/);
    assert.match(r.stdout, /FAILED: 2 errors/);
    assert.ok(!r.stdout.includes('\x1b['));
  });

  it('the real CLI: stdin with -, exit codes 0 and 1 and 2', () => {
    const bin = path.resolve('bin/samlgate.js');
    const ok = spawnSync(process.execPath, [bin, 'validate', '-', '--idp-cert', IDP_CERT_FILE, '--at', clean.at, '--format', 'json'], { input: Buffer.from(clean.xml).toString('base64'), encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).ok, true);
    const bad = spawnSync(process.execPath, [bin, 'validate', '-', '--idp-cert', IDP_CERT_FILE, '--at', faulty.at], { input: faulty.xml, encoding: 'utf8' });
    assert.equal(bad.status, 1, bad.stderr);
    assert.match(bad.stdout, /E_AUDIENCE/);
    const unusable = spawnSync(process.execPath, [bin, 'validate', '-'], { input: 'nope', encoding: 'utf8' });
    assert.equal(unusable.status, 2);
    assert.match(unusable.stderr, /samlgate validate: the input is 4 characters/);
  });
});
