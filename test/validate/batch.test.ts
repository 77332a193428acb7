/**
 * `samlgate validate a.xml b.har ...`: one report per file, in order, exit status the worst; an
 * unreadable file is reported and the others are still checked. The reports of a batch share
 * one xmllint run (xsd.ts) and xmlsec1 invocations (xmlsec.ts); each file's report must be
 * exactly its single-file report, which the equivalence tests below pin with the real tools.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import request from 'supertest';
import { DOMParser } from '@xmldom/xmldom';
import { validateXML } from 'xmllint-wasm';
import { runValidate, runValidateFiles, type ValidateCliOptions, type ValidateIo } from '../../src/validate/cli.ts';
import { progressLine } from '../../src/validate/progress.ts';
import { xmlsecOpinion } from '../../src/validate/xmlsec.ts';
import { validateAgainstXsd, type SchemaKind } from '../../src/validate/xsd.ts';
import { makeIdp, readPostForm } from '../idp/helpers.ts';
import { IDP_CERT, IDP_CERT_FILE } from './support.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'samlgate-validate-batch-'));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
let good: string;
let nearMiss: string;
let malformed: string;
let metadata: string;
let at: string;

before(async () => {
  const t = makeIdp();
  const grab = async () => Buffer.from(readPostForm((await request(t.idp.app).get('/sso/initiate').query({ sp: t.config.gateway.entityId, user: 'bob' }).expect(200)).text).fields.SAMLResponse!, 'base64').toString('utf8');
  at = new Date(t.clock.now()).toISOString();
  good = file('good.xml', await grab());
  await request(t.idp.app).patch('/api/users/bob').send({ faults: ['sa-name-lowercase'] }).expect(200);
  nearMiss = file('near-miss.xml', await grab());
  malformed = file('malformed.xml', '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><unclosed></samlp:Response>');
  metadata = file('idp-metadata.xml', (await request(t.idp.app).get('/metadata').expect(200)).text);
});

const io = (o: Partial<ValidateIo> = {}): ValidateIo => ({ colour: false, now: Date.now(), ...o });
const opts = (o: Partial<ValidateCliOptions> = {}): ValidateCliOptions => ({ format: 'json', idpCert: IDP_CERT_FILE, at, ...o });
type Entry = { file: string; exitCode: number; ok: boolean; error?: string; findings?: { code: string; severity: string }[] };

describe('validate: several files', () => {
  it('a batch of good, near-miss and malformed: three reports in order, exit status the worst (1), each exactly its single-file report', async () => {
    const files = [good, nearMiss, malformed];
    const r = await runValidateFiles(files, opts(), io());
    assert.equal(r.code, 1);
    assert.equal(r.stderr, '');
    const entries = JSON.parse(r.stdout) as Entry[];
    assert.deepEqual(entries.map((e) => [e.file, e.exitCode, e.ok]), [[good, 0, true], [nearMiss, 1, false], [malformed, 1, false]]);
    assert.ok(entries[1]!.findings!.some((f) => f.code === 'SA_NAME_CASE' && f.severity === 'error'));
    assert.ok(entries[2]!.findings!.some((f) => f.code === 'E_XML'));
    // The shared xmllint and xmlsec1 runs change nothing: the same report as the file alone.
    for (const [i, f] of files.entries()) {
      const alone = await runValidate(f, opts(), io());
      const { file: _file, exitCode, ...report } = entries[i]!;
      assert.equal(exitCode, alone.code);
      assert.equal(`${JSON.stringify(report, null, 2)}\n`, alone.stdout, f);
    }
    // The array is printed as JSON.stringify(array, null, 2) would.
    assert.equal(r.stdout, `${JSON.stringify(entries, null, 2)}\n`);
  });

  it('exit status 0 when every file passes; the text format has a header per file and a summary line', async () => {
    const r = await runValidateFiles([good, metadata], opts({ format: 'text' }), io({ checks: false }));
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, new RegExp(`^==> ${good.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} <==\nsamlgate validate: SAML response`));
    assert.match(r.stdout, /\n\n==> .*idp-metadata\.xml <==\nsamlgate validate: metadata document/);
    assert.match(r.stdout, /\nsamlgate validate: 2 files: 2 passed, 0 failed, 0 not checked\n$/);
  });

  it('a missing file: a clear error for that file (exit 2), and the others are still checked', async () => {
    const missing = path.join(dir, 'no-such-capture.xml');
    const r = await runValidateFiles([good, missing, nearMiss], opts(), io({ checks: false }));
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `samlgate validate: ${missing}: cannot read input ${missing}: ENOENT\n`);
    const entries = JSON.parse(r.stdout) as Entry[];
    assert.deepEqual(entries.map((e) => [e.file, e.exitCode, e.ok]), [[good, 0, true], [missing, 2, false], [nearMiss, 1, false]]);
    assert.equal(entries[1]!.error, `cannot read input ${missing}: ENOENT`);
    const text = await runValidateFiles([good, missing, nearMiss], opts({ format: 'text' }), io({ checks: false }));
    assert.match(text.stdout, /==> .*no-such-capture\.xml <==\nnot checked \(unusable input\): cannot read input .*: ENOENT\n/);
    assert.match(text.stdout, /\nsamlgate validate: 3 files: 1 passed, 1 failed, 1 not checked\n$/);
  });

  it('an undecodable file is reported the same way (exit 2 for it), the rest judged', async () => {
    const junk = file('junk.txt', 'hello world, not saml');
    const r = await runValidateFiles([junk, good], opts(), io({ checks: false }));
    assert.equal(r.code, 2);
    const entries = JSON.parse(r.stdout) as Entry[];
    assert.match(entries[0]!.error!, /not XML, base64 of XML/);
    assert.equal(entries[1]!.ok, true);
  });

  it('JUnit: one <testsuite> per file; an unusable file is a testsuite with an <error>', async () => {
    const missing = path.join(dir, 'gone.xml');
    const r = await runValidateFiles([good, nearMiss, missing], opts({ format: 'junit' }), io({ checks: false }));
    assert.equal(r.code, 2);
    const doc = new DOMParser().parseFromString(r.stdout, 'text/xml');
    const suites = Array.from(doc.getElementsByTagName('testsuite') as unknown as ArrayLike<Element>);
    assert.deepEqual(suites.map((s) => s.getAttribute('name')), [`samlgate validate: ${good}`, `samlgate validate: ${nearMiss}`, `samlgate validate: ${missing}`]);
    assert.deepEqual(suites.map((s) => s.getElementsByTagName('failure').length > 0), [false, true, false]);
    assert.equal(suites[2]!.getElementsByTagName('error')[0]!.getAttribute('type'), 'ERR_UNUSABLE_INPUT');
  });

  it('a bad option stops a batch before any report (exit 2); stdin can be named once', async () => {
    const r = await runValidateFiles([good, nearMiss], opts({ idpCert: path.join(dir, 'no-cert.pem') }), io({ checks: false }));
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /cannot read IdP certificate .*no-cert\.pem: ENOENT/);
    const twice = await runValidateFiles(['-', '-'], opts(), io({ checks: false }));
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /- \(stdin\) can be given only once/);
  });

  it('progress: io.progress hears every file of a batch, in order', async () => {
    const seen: string[] = [];
    await runValidateFiles([good, nearMiss, malformed], opts(), io({ checks: false, progress: (d, n) => seen.push(`${d}/${n}`) }));
    assert.deepEqual(seen, ['1/3', '2/3', '3/3']);
  });

  it('the progress line appears only after a second, redraws in place and is erased', () => {
    let now = 0;
    const writes: string[] = [];
    const line = progressLine({ write: (s: string) => writes.push(s) }, () => now);
    line.update(1, 10);
    line.clear();
    assert.deepEqual(writes, [], 'nothing within the first second');
    now = 1_500;
    line.update(2, 10);
    line.update(3, 10);
    line.clear();
    line.clear();
    assert.deepEqual(writes, ['\rchecked 2/10\x1b[K', '\rchecked 3/10\x1b[K', '\r\x1b[K']);
  });

  it('the real CLI: several files, exit status the worst, a JSON array on stdout', () => {
    const bin = path.resolve('bin/samlgate.js');
    const r = spawnSync(process.execPath, [bin, 'validate', good, nearMiss, '--idp-cert', IDP_CERT_FILE, '--at', at, '--format', 'json'], { encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    // The launcher's one-line notice about a stale dist/ (bin/samlgate.js) is no progress line.
    assert.equal(r.stderr.replace(/^samlgate: dist\/ is older than src\/[^\n]*\n/, ''), '', 'no progress line when stderr is not a terminal');
    assert.deepEqual((JSON.parse(r.stdout) as Entry[]).map((e) => [path.basename(e.file), e.exitCode]), [['good.xml', 0], ['near-miss.xml', 1]]);
    const one = spawnSync(process.execPath, [bin, 'validate', good, '--idp-cert', IDP_CERT_FILE, '--at', at, '--format', 'json'], { encoding: 'utf8' });
    assert.equal(one.status, 0);
    assert.equal(JSON.parse(one.stdout).file, undefined, 'one file: the single-file report, not an array');
  });
});

describe('validate: the shared runs give each document the verdict of a run on it alone', () => {
  const SCHEMA_DIR = path.resolve('schemas');
  const schemaFiles = ['saml-schema-protocol-2.0.xsd', 'saml-schema-assertion-2.0.xsd', 'saml-schema-metadata-2.0.xsd', 'xenc-schema.xsd', 'xmldsig-core-schema.xsd', 'xml.xsd'].map((fileName) => ({ fileName, contents: readFileSync(path.join(SCHEMA_DIR, fileName), 'utf8') }));
  /** xmllint-wasm's own validateXML() on the document alone: what xsd.ts did before it batched. */
  async function alone(xml: string, which: SchemaKind) {
    const entry = schemaFiles[which === 'protocol' ? 0 : 2]!;
    try {
      const r = await validateXML({ xml: [{ fileName: 'document.xml', contents: xml }], schema: [entry], preload: schemaFiles.filter((f) => f !== entry) });
      return { valid: r.valid, errors: r.errors.map((e) => `${e.loc ? `line ${e.loc.lineNumber}: ` : ''}${e.message.replace(/^Schemas validity error : /, '')}`) };
    } catch (err) {
      return { failed: (err as Error).message };
    }
  }

  it('XSD: one xmllint run for valid, schema-invalid, malformed and empty documents matches xmllint-wasm run on each alone', async () => {
    const xml = readFileSync(good, 'utf8');
    const docs: [string, SchemaKind][] = [
      [xml, 'protocol'],
      [xml.replace('<saml:Issuer', '<saml:Bogus/><saml:Issuer'), 'protocol'],
      [readFileSync(malformed, 'utf8'), 'protocol'],
      [xml.replace('<samlp:Status>', '<samlp:Status a:b="1">'), 'protocol'],
      ['', 'protocol'],
      [readFileSync(metadata, 'utf8'), 'metadata'],
      [xml, 'metadata'],
      [xml, 'protocol'],
    ];
    // Asked in the same turn of the event loop: they share runs.
    const shared = await Promise.all(docs.map(([x, which]) => validateAgainstXsd(x, which).catch((err: Error) => ({ failed: err.message }))));
    for (const [i, [x, which]] of docs.entries()) assert.deepEqual(shared[i], await alone(x, which), `document ${i}`);
    assert.equal((shared[1] as { valid: boolean }).valid, false);
    assert.equal((shared[0] as { valid: boolean }).valid, true);
  });

  it('xmlsec1: a failing document in a shared invocation does not stop the ones after it', async () => {
    const xml = readFileSync(good, 'utf8');
    const tampered = xml.replace('bob@example.com', 'mallory@example.com');
    const docs = [xml, tampered, xml, tampered, tampered, xml];
    const both = ['Response', 'Assertion'] as const;
    const shared = await Promise.all(docs.map((d) => xmlsecOpinion(d, [IDP_CERT], both)));
    const lone: Awaited<ReturnType<typeof xmlsecOpinion>>[] = [];
    for (const d of docs) lone.push(await xmlsecOpinion(d, [IDP_CERT], both));
    const norm = (o: unknown) => JSON.stringify(o).replace(/samlgate-validate-[A-Za-z0-9]+/g, 'TMP');
    assert.equal(norm(shared), norm(lone));
    assert.deepEqual(shared.map((o) => o.verdicts.map((v) => v.ok)), [[true, true], [false, false], [true, true], [false, false], [false, false], [true, true]]);
  });
});
