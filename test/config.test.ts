/** One schema for file + flags + defaults; a bad value names the field and the fix. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, resolveConfig } from '../src/config.ts';
import { formatDuration, parseDuration } from '../src/duration.ts';
import { exitCodeOf } from '../src/errors.ts';

describe('config', () => {
  it("defaults are TFE's: 20160 min idle and absolute, 1209600 s API token timeout", () => {
    const c = resolveConfig();
    assert.equal(c.gateway.idleTimeout, 20160 * 60_000);
    assert.equal(c.gateway.sessionExpiration, 20160 * 60_000);
    assert.equal(c.gateway.apiTokenTimeout, 1_209_600_000);
    assert.equal(c.idp.port, 7000);
    assert.equal(c.gateway.port, 8080);
    assert.equal(c.gateway.entityId, 'http://localhost:8080/users/saml/metadata');
    assert.equal(c.gateway.acsUrl, 'http://localhost:8080/users/saml/auth');
    assert.equal(c.clock, 'system');
  });

  it('flags override the file, and ports flow into the derived URLs', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'samlgate-config-'));
    const file = path.join(dir, 'samlgate.yaml');
    writeFileSync(file, 'gateway:\n  idleTimeout: 10m\n  port: 9000\nidp:\n  users:\n    - username: dora\n      password: s3cret\n      attributes: { IsServiceAccount: true }\n');
    const c = loadConfig(file, { 'gateway.idleTimeout': '15m' });
    assert.equal(c.gateway.idleTimeout, 15 * 60_000);
    assert.equal(c.gateway.baseUrl, 'http://localhost:9000');
    assert.equal(c.idp.users[0]?.username, 'dora');
  });

  it('a bad value is a ConfigError naming each field (exit code 2)', () => {
    assert.throws(
      () => resolveConfig({ gateway: { idleTimeout: 'soon', prot: 1 } }, { 'idp.port': 70000 }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(exitCodeOf(err), 2);
        assert.match(err.message, /gateway\.idleTimeout: "soon" is not a duration: use a number followed by ms, s, m, h, d or w/);
        assert.match(err.message, /gateway: unknown option\(s\) prot/);
        assert.match(err.message, /idp\.port: /);
        return true;
      },
    );
  });

  it('a zero timeout, an unknown fault or a duplicate user is refused', () => {
    assert.throws(() => resolveConfig({}, { 'gateway.idleTimeout': '0s' }), /gateway\.idleTimeout: must be longer than zero/);
    assert.throws(() => resolveConfig({ idp: { users: [{ username: 'x', faults: ['nope'] }] } }), /idp\.users\.0\.faults\.0/);
    assert.throws(() => resolveConfig({ idp: { users: [{ username: 'x' }, { username: 'x' }] } }), /user x is listed twice/);
    // A control character could not appear in a well-formed assertion.
    assert.throws(() => resolveConfig({ idp: { users: [{ username: 'x', attributes: { Team: 'a\u0007b' } }] } }), /idp\.users\.0\.attributes\.Team: contains U\+0007 at offset 1/);
  });

  it('a missing or malformed file is a ConfigError, not a stack trace', () => {
    assert.throws(() => loadConfig('/nonexistent/samlgate.yaml'), /cannot read config file \/nonexistent\/samlgate\.yaml: ENOENT/);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'samlgate-config-'));
    writeFileSync(path.join(dir, 'bad.yaml'), 'gateway: [unclosed');
    assert.throws(() => loadConfig(path.join(dir, 'bad.yaml')), /is not valid YAML/);
    writeFileSync(path.join(dir, 'list.yaml'), '- a\n- b\n');
    assert.throws(() => loadConfig(path.join(dir, 'list.yaml')), /must be a YAML mapping/);
  });

  it('durations: 90s, 15m, 3h, 14d, bare seconds', () => {
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('15m'), 900_000);
    assert.equal(parseDuration('3h'), 10_800_000);
    assert.equal(parseDuration('14d'), 1_209_600_000);
    assert.equal(parseDuration('1209600'), 1_209_600_000);
    assert.equal(parseDuration(30), 30_000);
    assert.throws(() => parseDuration('-5m'));
    assert.throws(() => parseDuration('5 minutes'));
    assert.equal(formatDuration(1_209_600_000), '14d');
  });
});
