/** The samlgate command as a user runs it: exit codes, --help, and a real start-up. */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PACKAGE_ROOT } from '../../src/config.ts';
import { freePort } from '../../src/util/free-port.ts';
import { CLI_ARGS } from '../support/samlgate-process.ts';

const run = (...args: string[]) => spawnSync(process.execPath, [...CLI_ARGS, ...args], { encoding: 'utf8', timeout: 30_000 });

/** Starts a server subcommand and resolves once its banner is out. */
async function serve(...args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; out: () => string; stop: () => Promise<number | null> }> {
  // Throwaway state unless the test names a data directory (the default ./.samlgate is durable and locked).
  if (!args.includes('--data')) args = [...args, '--data', ':memory:'];
  const child = spawn(process.execPath, [...CLI_ARGS, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`no ready line: ${out}`))), 20_000);
    child.stdout.on('data', () => /samlgate ready in \d+ ms \(version [^)]+\)[\s\S]*\n$/.test(out) && (clearTimeout(t), resolve()));
    child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${out}`)));
  });
  return {
    child,
    out: () => out,
    stop: () => {
      child.kill('SIGTERM');
      return new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

describe('samlgate CLI', () => {
  it('--help lists the commands', () => {
    const r = run('--help');
    assert.equal(r.status, 0);
    for (const cmd of ['start', 'idp', 'gateway', 'login', 'demo', 'certs']) assert.match(r.stdout, new RegExp(`\\n  ${cmd}\\b`));
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

  it('a bad flag value exits 2 with a message naming the flag; a bad file value names the config path', () => {
    const r = run('start', '--idle-timeout', 'forever');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--idle-timeout: "forever" is not a duration/);
    assert.doesNotMatch(r.stderr, /gateway\.idleTimeout/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'samlgate-cli-'));
    const file = path.join(dir, 'samlgate.yaml');
    writeFileSync(file, 'gateway:\n  idleTimeout: forever\n');
    const fromFile = run('start', '--config', file);
    assert.equal(fromFile.status, 2);
    assert.match(fromFile.stderr, /gateway\.idleTimeout: "forever" is not a duration/);
    const url = run('start', '--gateway-public-url', 'ftp://x');
    assert.equal(url.status, 2);
    assert.match(url.stderr, /--gateway-public-url: /);
  });

  it('--version prints the package version', () => {
    const r = run('--version');
    assert.equal(r.status, 0);
    assert.equal(r.stdout.trim(), JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')).version);
  });

  it("each subcommand's --help lists only the options it takes", () => {
    const help = (cmd: string) => run(cmd, '--help').stdout;
    const idp = help('idp');
    for (const flag of ['--idp-port', '--idp-admin-token', '--idp-public-url', '--tls', '--log-format']) assert.ok(idp.includes(flag), `idp takes ${flag}`);
    for (const flag of ['--gateway-port', '--idle-timeout', '--idp-metadata', '--allow-idp-initiated']) assert.ok(!idp.includes(flag), `idp does not take ${flag}`);
    const gateway = help('gateway');
    for (const flag of ['--gateway-port', '--idle-timeout', '--idp-metadata', '--trust-proxy']) assert.ok(gateway.includes(flag), `gateway takes ${flag}`);
    for (const flag of ['--idp-port', '--idp-admin-token']) assert.ok(!gateway.includes(flag), `gateway does not take ${flag}`);
    const login = help('login');
    for (const flag of ['--user', '--password', '--token', '--description', '--gateway', '--json']) assert.ok(login.includes(flag), `login takes ${flag}`);
    for (const flag of ['--clock', '--config', '--tls']) assert.ok(!login.includes(flag), `login does not take ${flag}`);
    assert.ok(!help('certs').includes('--clock'));
  });

  it('an option of another subcommand is an error (exit 2) naming the subcommands that take it', () => {
    const r = run('idp', '--idle-timeout', '5m');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--idle-timeout is not an option of samlgate idp: it belongs to samlgate start, samlgate gateway/);
    const g = run('gateway', '--idp-admin-token', 'x'.repeat(20));
    assert.equal(g.status, 2);
    assert.match(g.stderr, /--idp-admin-token is not an option of samlgate gateway: it belongs to samlgate start, samlgate idp/);
    const c = run('certs', '--clock', 'manual');
    assert.equal(c.status, 2);
    assert.match(c.stderr, /--clock is not an option of samlgate certs/);
  });

  it('demo: a bad duration exits 2 naming the flag', () => {
    const r = run('demo', '--idle-timeout', 'soon');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /option '--idle-timeout <duration>' argument 'soon' is invalid\. "soon" is not a duration/);
  });

  it('a bad --data value exits 2 naming the flag', () => {
    const r = run('start', '--data', '');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--data: give a directory, or :memory:/);
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
    assert.ok(existsSync(path.join(dir, 'dev-ca.pem')) && existsSync(path.join(dir, 'localhost.key')));
    assert.match(first.stdout, /trust .*dev-ca\.pem/);
    const again = run('certs', '--dir', dir);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /--force/);
    const tlsOnly = run('certs', '--dir', dir, '--only', 'tls', '--force');
    assert.equal(tlsOnly.status, 0, tlsOnly.stderr);
    assert.doesNotMatch(tlsOnly.stdout, /idp-signing/);
  });

  it('an unreadable --idp-metadata exits 1 with a clear message', () => {
    const r = run('gateway', '--gateway-port', '0', '--data', ':memory:', '--idp-metadata', '/nonexistent/idp.xml');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot read IdP metadata file \/nonexistent\/idp\.xml: ENOENT/);
  });

  it('start serves both halves and stops cleanly on SIGTERM', async () => {
    const s = await serve('start', '--idp-port', String(await freePort()), '--gateway-port', String(await freePort()), '--log-level', 'silent');
    try {
      assert.match(s.out(), /test IdP/);
      assert.match(s.out(), /gateway/);
    } finally {
      assert.equal(await s.stop(), 0);
    }
  });

  it('start --clock manual: one clock for both halves, both clock URLs in the banner; JSON access log with ISO time and simTime', async () => {
    const [idpPort, gwPort] = [await freePort(), await freePort()];
    const s = await serve('start', '--clock', 'manual', '--idp-port', String(idpPort), '--gateway-port', String(gwPort), '--log-format', 'json');
    try {
      assert.match(s.out(), new RegExp(`dev clock  manual, shared by both halves: POST http://localhost:${gwPort}/api/v2/_sim/clock or http://localhost:${idpPort}/api/v2/_sim/clock`));
      const moved = await fetch(`http://localhost:${idpPort}/api/v2/_sim/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"advance":"2h"}' });
      const { now } = (await moved.json()) as { now: string };
      const gw = (await (await fetch(`http://localhost:${gwPort}/api/v2/_sim/clock`)).json()) as { now: string };
      assert.equal(gw.now, now, 'the gateway sees the clock the IdP moved');
      await fetch(`http://localhost:${gwPort}/api/v2/ping?token=not-for-logs`);
      // The access line is written after the response went out: wait for it, not for a fixed time
      // (a loaded machine took longer than 200 ms).
      const findLine = () => s.out().split('\n').find((l) => l.includes('"path":"/api/v2/ping'));
      for (let waited = 0; !findLine() && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      const line = findLine();
      assert.ok(line, s.out());
      const entry = JSON.parse(line);
      assert.equal(entry.level, 30);
      assert.equal(entry.method, 'GET');
      assert.equal(entry.path, '/api/v2/ping?token=[redacted]');
      assert.equal(entry.status, 204);
      assert.equal(typeof entry.durationMs, 'number');
      assert.match(entry.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(entry.simTime, now);
      assert.equal(entry.component, 'gateway');
    } finally {
      assert.equal(await s.stop(), 0);
    }
  });

  it('--tls: both halves on https, the banner names the dev CA to trust (made on first use in tls.devDir)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'samlgate-cli-tls-'));
    const file = path.join(dir, 'samlgate.yaml');
    writeFileSync(file, `tls:\n  devDir: ${JSON.stringify(path.join(dir, 'certs'))}\n`);
    const [idpPort, gwPort] = [await freePort(), await freePort()];
    const s = await serve('start', '--tls', '--config', file, '--idp-port', String(idpPort), '--gateway-port', String(gwPort), '--log-level', 'silent');
    try {
      assert.match(s.out(), new RegExp(`test IdP   https://localhost:${idpPort} `));
      assert.match(s.out(), new RegExp(`gateway    https://localhost:${gwPort} .*terraform login localhost:${gwPort}`));
      assert.match(s.out(), new RegExp(`TLS        trust ${path.join(dir, 'certs', 'dev-ca.pem').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `));
      assert.ok(existsSync(path.join(dir, 'certs', 'localhost.key')));
    } finally {
      assert.equal(await s.stop(), 0);
    }
  });

  it('two processes: each banner names its own clock URL and each moves only its own clock; pretty log lines', async () => {
    const [idpPort, gwPort] = [await freePort(), await freePort()];
    const urls = ['--idp-public-url', `http://localhost:${idpPort}`, '--gateway-public-url', `http://localhost:${gwPort}`];
    const idp = await serve('idp', '--clock', 'manual', '--idp-port', String(idpPort), ...urls, '--log-format', 'pretty');
    const gw = await serve('gateway', '--clock', 'manual', '--gateway-port', String(gwPort), ...urls);
    try {
      assert.match(idp.out(), new RegExp(`dev clock  manual, this process only: POST http://localhost:${idpPort}/api/v2/_sim/clock`));
      assert.doesNotMatch(idp.out(), new RegExp(`${gwPort}/api/v2/_sim/clock`));
      assert.match(gw.out(), new RegExp(`dev clock  manual, this process only: POST http://localhost:${gwPort}/api/v2/_sim/clock`));
      const before = ((await (await fetch(`http://localhost:${gwPort}/api/v2/_sim/clock`)).json()) as { now: string }).now;
      await fetch(`http://localhost:${idpPort}/api/v2/_sim/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"advance":"1d"}' });
      const after = ((await (await fetch(`http://localhost:${gwPort}/api/v2/_sim/clock`)).json()) as { now: string }).now;
      assert.ok(Date.parse(after) - Date.parse(before) < 3_600_000, 'the gateway process kept its own clock');
      await fetch(`http://localhost:${idpPort}/metadata`);
      const pretty = /\n\d{4}-\d\d-\d\dT[\d:.]+Z INFO  idp\s+GET \/metadata 200 \([\d.]+ ms\)  sim=\d{4}-[\d-]+T[\d:.]+Z/;
      for (let waited = 0; !pretty.test(idp.out()) && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      assert.match(idp.out(), pretty);
    } finally {
      await idp.stop();
      await gw.stop();
    }
  });
});
