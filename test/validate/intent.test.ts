/**
 * The validator fails what TFE would silently get wrong: every near-miss of rule F1 is an error
 * (exit 1, ok: false, a JUnit <failure>), --expect states what the capture should show, and
 * --fail-on warning makes warnings fail too. Captures come from samlgate's own IdP, one per
 * fault preset (src/idp/faults.ts), through runValidate - the command's own code path.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import request from 'supertest';
import { DOMParser } from '@xmldom/xmldom';
import { FAULT_NAMES, type FaultName } from '../../src/config.ts';
import { runValidate, type ValidateCliOptions } from '../../src/validate/cli.ts';
import { decodeInput } from '../../src/validate/input.ts';
import { validate } from '../../src/validate/validate.ts';
import { makeIdp, readPostForm, type TestIdp } from '../idp/helpers.ts';
import { FULL, IDP_CERT_FILE, options } from './support.ts';

/** The presets that send something close to IsServiceAccount that does not flag. */
const NEAR_MISSES = ['sa-name-lowercase', 'sa-nameformat-uri', 'sa-nameformat-unspecified', 'sa-nameformat-absent', 'sa-value-one', 'sa-value-empty'] as const satisfies readonly FaultName[];

const dir = mkdtempSync(path.join(tmpdir(), 'samlgate-validate-intent-'));
let t: TestIdp;
let at: string;
const captures = new Map<string, string>();

async function capture(name: string, user: string, change: Record<string, unknown>): Promise<void> {
  await request(t.idp.app).patch(`/api/users/${user}`).send(change).expect(200);
  const res = await request(t.idp.app).get('/sso/initiate').query({ sp: t.config.gateway.entityId, user }).expect(200);
  const file = path.join(dir, `${name}.xml`);
  writeFileSync(file, Buffer.from(readPostForm(res.text).fields.SAMLResponse!, 'base64').toString('utf8'));
  captures.set(name, file);
}

before(async () => {
  t = makeIdp();
  at = new Date(t.clock.now()).toISOString();
  await capture('alice', 'alice', { faults: [] });
  await capture('bob', 'bob', { faults: [] });
  for (const fault of [...NEAR_MISSES, 'sa-value-capitalized'] as const) await capture(fault, 'bob', { faults: [fault] });
  await capture('two-values-false-first', 'bob', { faults: [], attributes: { IsServiceAccount: ['false', 'true'] } });
  await capture('two-values-true-first', 'bob', { faults: [], attributes: { IsServiceAccount: ['true', 'false'] } });
  await capture('explicit-false', 'bob', { faults: [], attributes: { IsServiceAccount: 'false' } });
});

const run = (name: string, o: Partial<ValidateCliOptions> = {}) => runValidate(captures.get(name)!, { format: 'json', idpCert: IDP_CERT_FILE, at, ...o }, { colour: false, now: Date.now(), checks: false });
type Json = { ok: boolean; expect?: string; failOn?: string; findings: { code: string; severity: string; message: string; fix: string }[] };
const json = (r: { stdout: string }) => JSON.parse(r.stdout) as Json;
const bySeverity = (r: Json, severity: string) => r.findings.filter((f) => f.severity === severity).map((f) => f.code).sort();

function junitFailures(xml: string): { check: string; type: string }[] {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  return Array.from(doc.getElementsByTagName('failure') as unknown as ArrayLike<Element>).map((f) => ({ check: (f.parentNode as Element).getAttribute('name')!, type: f.getAttribute('type')! }));
}

describe('validate: a near-miss of rule F1 is an error', () => {
  it('the near-miss list is every sa-* preset that does not flag (a new preset must be classified)', () => {
    assert.deepEqual([...NEAR_MISSES, 'sa-value-capitalized'].sort(), FAULT_NAMES.filter((f) => f.startsWith('sa-')).sort());
  });

  for (const fault of NEAR_MISSES) {
    it(`${fault}: exit 1, ok: false and a JUnit failure by default; exit 0 with --expect user`, async () => {
      const r = await run(fault);
      assert.equal(r.code, 1, r.stdout);
      const report = json(r);
      assert.equal(report.ok, false);
      const errors = report.findings.filter((f) => f.severity === 'error');
      assert.ok(errors.length > 0 && errors.every((f) => f.code.startsWith('SA_')), JSON.stringify(errors));
      // The fix still names the IdP setting.
      for (const f of errors) assert.match(f.fix, /Okta: .*Entra ID: .*ADFS: .*Keycloak: .*Google Workspace: /);

      const junit = await run(fault, { format: 'junit' });
      assert.equal(junit.code, 1);
      const failures = junitFailures(junit.stdout);
      assert.ok(failures.length > 0 && failures.every((f) => f.check === 'IsServiceAccount (rule F1)'), JSON.stringify(failures));

      const user = await run(fault, { expect: 'user' });
      assert.equal(user.code, 0, user.stdout);
      assert.equal(json(user).ok, true);
      assert.equal(json(user).expect, 'user');
      assert.ok(json(user).findings.filter((f) => f.code.startsWith('SA_')).every((f) => f.severity === 'info'));
    });
  }

  it('two IsServiceAccount values with false first: an error (TFE reads the first)', async () => {
    const r = await run('two-values-false-first');
    assert.equal(r.code, 1);
    assert.deepEqual(bySeverity(json(r), 'error'), ['SA_MULTIPLE_VALUES']);
  });

  it('two values with true first flag at TFE: a warning, not an error', async () => {
    const r = await run('two-values-true-first');
    assert.equal(r.code, 0, r.stdout);
    assert.deepEqual(bySeverity(json(r), 'warning'), ['ATTR_MULTIPLE_VALUES', 'SA_MULTIPLE_VALUES']);
    assert.ok(bySeverity(json(r), 'info').includes('SA_OK'));
  });

  it('sa-value-capitalized (True) flags: no error by default', async () => {
    const r = await run('sa-value-capitalized');
    assert.equal(r.code, 0, r.stdout);
    assert.ok(bySeverity(json(r), 'info').includes('SA_OK'));
  });

  it('--relax-nameformat: sa-nameformat-absent flags (the gateway option of the same name, DESIGN F1)', async () => {
    const r = await run('sa-nameformat-absent', { relaxNameFormat: true });
    assert.equal(r.code, 0, r.stdout);
    const ok = json(r).findings.find((f) => f.code === 'SA_OK')!;
    assert.match(ok.message, /without NameFormat, accepted with --relax-nameformat/);
  });

  it('IsServiceAccount=false gets the SA_ABSENT note saying so (it got no F1 line: the exact Name was taken for a near-miss)', async () => {
    const r = await run('explicit-false');
    assert.equal(r.code, 0);
    const absent = json(r).findings.find((f) => f.code === 'SA_ABSENT');
    assert.ok(absent, JSON.stringify(json(r).findings.map((f) => f.code)));
    assert.match(absent.message, /^IsServiceAccount is false: TFE treats this user as a person/);
  });
});

describe('validate: --expect service-account|user', () => {
  it('--expect service-account on an unflagged capture: exit 1, "TFE will treat alice as a person"', async () => {
    const r = await run('alice', { expect: 'service-account' });
    assert.equal(r.code, 1);
    const missing = json(r).findings.find((f) => f.code === 'SA_MISSING')!;
    assert.equal(missing.severity, 'error');
    assert.match(missing.message, /^TFE will treat alice as a person: their API tokens will get 401 when their session ends; the assertion carries no IsServiceAccount attribute/);
    assert.match(missing.fix, /IsServiceAccount=true .*Okta: /);
    assert.ok(!json(r).findings.some((f) => f.code === 'SA_ABSENT'));
    const junit = await run('alice', { expect: 'service-account', format: 'junit' });
    assert.deepEqual(junitFailures(junit.stdout), [{ check: 'IsServiceAccount (rule F1)', type: 'SA_MISSING' }]);
  });

  it('--expect service-account on a near-miss: the near-miss and SA_MISSING, both errors', async () => {
    const r = await run('sa-value-one', { expect: 'service-account' });
    assert.equal(r.code, 1);
    assert.deepEqual(bySeverity(json(r), 'error'), ['SA_MISSING', 'SA_VALUE']);
    assert.match(json(r).findings.find((f) => f.code === 'SA_MISSING')!.message, /TFE will treat bob as a person/);
  });

  it('--expect service-account on a flagged capture: exit 0', async () => {
    const r = await run('bob', { expect: 'service-account' });
    assert.equal(r.code, 0, r.stdout);
    assert.equal(json(r).expect, 'service-account');
  });

  for (const name of ['bob', 'sa-value-capitalized']) {
    it(`--expect user on a flagged capture (${name}): exit 1, SA_UNEXPECTED (a person would get everlasting tokens)`, async () => {
      const r = await run(name, { expect: 'user' });
      assert.equal(r.code, 1);
      assert.deepEqual(bySeverity(json(r), 'error'), ['SA_UNEXPECTED']);
      assert.match(json(r).findings.find((f) => f.code === 'SA_UNEXPECTED')!.message, /^bob is flagged as a service account .*beyond the SSO session/);
      assert.ok(!json(r).findings.some((f) => f.code === 'SA_OK'));
    });
  }

  it('--expect user on an unflagged capture: exit 0', async () => {
    const r = await run('alice', { expect: 'user' });
    assert.equal(r.code, 0);
  });

  it('without --expect the JSON has no expect or failOn field (the shape only grows when asked)', async () => {
    const r = json(await run('alice'));
    assert.ok(!('expect' in r) && !('failOn' in r));
  });
});

describe('validate: --fail-on error|warning', () => {
  it('--fail-on warning turns a warning-only capture into exit 1, ok: false and JUnit failures', async () => {
    const plain = await run('two-values-true-first');
    assert.equal(plain.code, 0);
    assert.deepEqual(bySeverity(json(plain), 'error'), []);
    const strict = await run('two-values-true-first', { failOn: 'warning' });
    assert.equal(strict.code, 1);
    assert.equal(json(strict).ok, false);
    assert.equal(json(strict).failOn, 'warning');
    const junit = await run('two-values-true-first', { failOn: 'warning', format: 'junit' });
    assert.deepEqual(junitFailures(junit.stdout).map((f) => f.type).sort(), ['ATTR_MULTIPLE_VALUES', 'SA_MULTIPLE_VALUES']);
    const text = await run('two-values-true-first', { failOn: 'warning', format: 'text' });
    assert.match(text.stdout, /FAILED: 0 errors, 2 warnings, \d+ notes \(--fail-on warning: warnings fail too\)/);
  });

  it('--fail-on error (the default) and a clean capture with --fail-on warning: exit 0', async () => {
    assert.equal((await run('two-values-true-first', { failOn: 'error' })).code, 0);
    assert.equal((await run('alice', { failOn: 'warning' })).code, 0);
  });

  it('a bad --expect or --fail-on from a script is exit 2, not a silent default', async () => {
    const r = await run('alice', { expect: 'robot' as never });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--expect "robot": choose service-account or user/);
    const f = await run('alice', { failOn: 'info' as never });
    assert.equal(f.code, 2);
    assert.match(f.stderr, /--fail-on "info": choose error or warning/);
  });
});

describe('validate: the real command line', () => {
  const bin = path.resolve('bin/samlgate.js');
  it('--help documents --expect, --fail-on, --relax-nameformat, the severities and several files', () => {
    const r = spawnSync(process.execPath, [bin, 'validate', '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    for (const s of ['--expect <who>', '--fail-on <severity>', '--relax-nameformat', 'near-miss of IsServiceAccount', 'SA_MISSING', 'SA_UNEXPECTED', '<file...>', 'JSON\narray']) assert.ok(r.stdout.includes(s), s);
  });

  it('flags parse: --expect user --fail-on warning --relax-nameformat on the near-miss sa-nameformat-absent', () => {
    const r = spawnSync(process.execPath, [bin, 'validate', captures.get('sa-nameformat-absent')!, '--idp-cert', IDP_CERT_FILE, '--at', at, '--format', 'json', '--relax-nameformat', '--expect', 'user'], { encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    assert.deepEqual(bySeverity(JSON.parse(r.stdout), 'error'), ['SA_UNEXPECTED']);
    const bad = spawnSync(process.execPath, [bin, 'validate', captures.get('alice')!, '--expect', 'robot'], { encoding: 'utf8' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--expect/);
  });
});

describe('validate: reports run concurrently (a batch)', () => {
  it("samlify's console.warn silencing is undone after overlapping second opinions", async () => {
    const original = console.warn;
    const input = decodeInput(readFileSync(captures.get('alice')!, 'utf8'));
    await Promise.all([0, 1, 2, 3].map(() => validate(input, options({ at: Date.parse(at), ...FULL, schema: false }))));
    assert.equal(console.warn, original);
  });
});
