/**
 * `samlgate login` as CI runs it: a separate process signs in through the real gateway and the
 * real IdP (both listening on HTTP in this test process), discovering the IdP from /session's
 * redirect. Cookie mode and token mode, --json, refusals (exit 1 with the code and reason on
 * stderr) and usage errors (exit 2).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.ts';
import { resolveConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { startServices, type Services } from '../../src/server.ts';
import { freePort } from '../../src/util/free-port.ts';
import { scriptedLogin } from '../../src/client/login.ts';
import { setSuspended } from '../../src/tfe/users.ts';
import { CLI_ARGS } from '../support/samlgate-process.ts';

function samlgate(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...CLI_ARGS, ...args], { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('samlgate login', () => {
  let services: Services;
  let gateway: string;
  const clock = new ManualClock();

  before(async () => {
    const config = resolveConfig(
      { idp: { users: [{ username: 'misaimed', password: 'pw-misaimed', faults: ['wrong-audience'] }, { username: 'picker' }] } },
      { data: ':memory:', clock: 'manual', 'idp.port': await freePort(), 'gateway.port': await freePort(), 'gateway.idleTimeout': '20m' },
    );
    services = await startServices(config, { idp: true, gateway: true }, { logger: silentLogger, clock });
    gateway = services.gateway!.url;
  });
  after(() => services.close());

  const accountDetails = (headers: Record<string, string>) => fetch(`${gateway}/api/v2/account/details`, { headers });

  it('prints the session cookie as samlgate_session=<value>, and the cookie is a live gateway session', async () => {
    const r = await samlgate('login', '--user', 'alice', '--gateway', gateway);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^samlgate_session=[^\s;]+\n$/);
    const res = await accountDetails({ cookie: r.stdout.trim() });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { data: { attributes: { username: string } } }).data.attributes.username, 'alice');
  });

  it('--token prints only a new user token, which then obeys S2 (401 after the session expires)', async () => {
    const r = await samlgate('login', '--user', 'alice', '--password', 'alice', '--token', '--description', 'ci job 42', '--gateway', gateway);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9]{67}\n$/);
    const token = r.stdout.trim();
    assert.equal((await accountDetails({ authorization: `Bearer ${token}` })).status, 200);
    const alice = (await services.store.users.getByUsername('alice'))!;
    const listed = await services.store.tokens.listByOwner('user', alice.id, { number: 1, size: 100 });
    assert.ok(listed.items.some((t) => t.description === 'ci job 42'));
    clock.advance(21 * 60_000);
    assert.equal((await accountDetails({ authorization: `Bearer ${token}` })).status, 401);
  });

  it('--json prints {user, token} or {user, cookie}', async () => {
    const withToken = await samlgate('login', '--user', 'bob', '--token', '--json', '--gateway', gateway);
    assert.equal(withToken.code, 0, withToken.stderr);
    const t = JSON.parse(withToken.stdout);
    assert.deepEqual(Object.keys(t), ['user', 'token']);
    assert.equal(t.user, 'bob');
    assert.equal((await accountDetails({ authorization: `Bearer ${t.token}` })).status, 200);
    const withCookie = await samlgate('login', '--user', 'carol', '--json', '--gateway', gateway);
    const c = JSON.parse(withCookie.stdout);
    assert.deepEqual(Object.keys(c), ['user', 'cookie']);
    assert.match(c.cookie, /^samlgate_session=/);
  });

  it('a wrong password: exit 1, the IdP refusal on stderr, nothing on stdout', async () => {
    const r = await samlgate('login', '--user', 'alice', '--password', 'nope', '--gateway', gateway);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^samlgate login: refused: E_IDP_LOGIN: the IdP refused the login: Unknown user or wrong password\.\n$/);
  });

  it('a response the gateway refuses: exit 1 with the rejection code and its reason', async () => {
    const r = await samlgate('login', '--user', 'misaimed', '--password', 'pw-misaimed', '--gateway', gateway);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /refused: E_AUDIENCE: the gateway refused the SAML response: the assertion was issued for another service provider/);
  });

  it('a suspended user is refused with E_USER (in process: the same function the command runs)', async () => {
    const alice = (await services.store.users.getByUsername('alice'))!;
    await setSuspended(services.gateway!.context, alice.id, true);
    try {
      const r = await scriptedLogin({ gatewayUrl: gateway, user: 'alice' });
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.code, 'E_USER');
    } finally {
      await setSuspended(services.gateway!.context, alice.id, false);
    }
    const picker = await scriptedLogin({ gatewayUrl: gateway, user: 'picker', token: true });
    assert.ok(picker.ok && picker.user === 'picker' && picker.token, 'a pick-only user signs in without a password');
  });

  it('an unreachable gateway: exit 1 naming the URL', async () => {
    const r = await samlgate('login', '--user', 'alice', '--gateway', `http://127.0.0.1:${await freePort()}`);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /refused: E_CONNECT: GET http:\/\/127\.0\.0\.1:\d+\/session\?force=1 failed: ECONNREFUSED/);
  });

  it('usage errors exit 2: no --user, a bad --gateway, --description without --token, an option of another subcommand', async () => {
    const cases: [string[], RegExp][] = [
      [['login'], /required option '--user <name>' not specified/],
      [['login', '--user', 'alice', '--gateway', 'localhost:8080'], /--gateway must be an http\(s\) URL/],
      [['login', '--user', 'alice', '--description', 'x'], /--description names the token made with --token/],
      [['login', '--user', 'alice', '--idle-timeout', '5m'], /--idle-timeout is not an option of samlgate login: it belongs to samlgate start, samlgate gateway/],
    ];
    for (const [args, message] of cases) {
      const r = await samlgate(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });
});
