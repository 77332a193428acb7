/** The samlgate command as a user runs it: exit codes, --help, and a real start-up. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PACKAGE_ROOT } from '../../src/config.ts';

const CLI = path.join(PACKAGE_ROOT, 'src', 'cli.ts');
const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 30_000 });

describe('samlgate CLI', () => {
  it('--help lists the commands', () => {
    const r = run('--help');
    assert.equal(r.status, 0);
    for (const cmd of ['start', 'idp', 'gateway', 'demo', 'certs']) assert.match(r.stdout, new RegExp(`\\n  ${cmd}\\b`));
  });

  it('start --help documents every server flag with its default', () => {
    const r = run('start', '--help');
    assert.equal(r.status, 0);
    for (const flag of ['--config', '--idp-port', '--gateway-port', '--clock', '--data', '--idle-timeout', '--session-expiration', '--api-token-timeout', '--idp-metadata']) {
      assert.ok(r.stdout.includes(flag), flag);
    }
    assert.match(r.stdout, /default 20160m = 14d/);
    assert.match(r.stdout.replace(/\s+/g, ' '), /--data <dir> state directory: gateway\.db, idp\.db \(SQLite\) and the session secret; ":memory:" keeps nothing \(default \.\/\.samlgate\)/);
  });

  it('a bad flag value exits 2 with a message naming the field', () => {
    const r = run('start', '--idle-timeout', 'forever');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /gateway\.idleTimeout: "forever" is not a duration/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('an unknown flag or a bad port is a usage error with exit code 2', () => {
    const unknown = run('start', '--idle-timout', '5m');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown option '--idle-timout'.*Did you mean --idle-timeout\?/s);
    const port = run('start', '--idp-port', 'seventy');
    assert.equal(port.status, 2);
    assert.match(port.stderr, /must be a port number from 0 to 65535/);
  });

  it('certs writes a dev key pair and refuses to overwrite it without --force', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'samlgate-certs-'));
    const first = run('certs', '--dir', dir);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /idp-signing\.key/);
    assert.ok(existsSync(path.join(dir, 'sp-signing.crt')));
    const again = run('certs', '--dir', dir);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /--force/);
  });

  it('an unreadable --idp-metadata exits 1 with a clear message', () => {
    const r = run('gateway', '--gateway-port', '0', '--data', ':memory:', '--idp-metadata', '/nonexistent/idp.xml');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot read IdP metadata file \/nonexistent\/idp\.xml: ENOENT/);
  });

  it('start serves both halves and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'start', '--idp-port', '0', '--gateway-port', '0', '--log-level', 'silent', '--data', mkdtempSync(path.join(os.tmpdir(), 'samlgate-cli-'))], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ready line: ${out}`)), 20_000);
      child.stdout.on('data', () => /samlgate ready in \d+ ms/.test(out) && (clearTimeout(t), resolve()));
      child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${out}`)));
    });
    assert.match(out, /test IdP/);
    assert.match(out, /gateway/);
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(code, 0);
  });
});
