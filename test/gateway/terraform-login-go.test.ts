/**
 * `terraform login` with Terraform's own OAuth library: a Go client (test/support/
 * terraform-login-client.go) that does what Terraform's login command does with golang.org/x/oauth2
 * (Debian's golang-golang-x-oauth2-dev) — discovery, loopback listener, PKCE S256 over a
 * UUID-plus-digits proof key, state check, Exchange with client_id in the body — against the real
 * gateway over HTTP, while this test plays the browser through the real SAML login. The token it
 * receives works, then gets 401 once the SSO session expires on the manual clock.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hiddenFields, SamlBrowser } from '../../src/client/saml-browser.ts';
import { ManualClock } from '../../src/clock.ts';
import { PACKAGE_ROOT, resolveConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { startServices, type Services } from '../../src/server.ts';
import { freePort } from '../../src/util/free-port.ts';

const GOPATH = '/usr/share/gocode';
const SOURCE = path.join(PACKAGE_ROOT, 'test', 'support', 'terraform-login-client.go');

describe('terraform login with golang.org/x/oauth2 (as Terraform does it)', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'samlgate-tf-go-'));
  const clock = new ManualClock();
  let services: Services;
  let binary: string;

  before(async () => {
    assert.ok(existsSync(path.join(GOPATH, 'src/golang.org/x/oauth2')), 'needs golang-go and golang-golang-x-oauth2-dev (apt-get install golang-go golang-golang-x-oauth2-dev)');
    binary = path.join(dir, 'terraform-login-client');
    execFileSync('go', ['build', '-o', binary, SOURCE], { env: { ...process.env, GO111MODULE: 'off', GOPATH, GOCACHE: path.join(dir, 'cache'), GOFLAGS: '' }, stdio: 'pipe', timeout: 90_000 });
    const config = resolveConfig({}, { data: ':memory:', clock: 'manual', 'idp.port': await freePort(), 'gateway.port': await freePort(), 'gateway.idleTimeout': '20m' });
    services = await startServices(config, { idp: true, gateway: true }, { logger: silentLogger, clock });
  });
  after(async () => {
    await services?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the Go client gets a user token through the SAML login; 401 after the session expires', async () => {
    const gateway = services.gateway!.url;
    const child = spawn(binary, [gateway], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const line = (prefix: string) =>
      new Promise<string>((resolve, reject) => {
        const check = () => {
          const m = new RegExp(`^${prefix} (\\S+)$`, 'm').exec(out);
          if (m) return resolve(m[1]!);
          if (/^ERROR /m.test(out)) return reject(new Error(out));
        };
        child.stdout.on('data', check);
        child.once('exit', () => (check(), reject(new Error(`client exited: ${out}`))));
        check();
      });
    try {
      const authzUrl = await line('AUTHZ');
      const authz = new URL(authzUrl);
      assert.equal(authz.searchParams.get('client_id'), 'terraform-cli');
      assert.equal(authz.searchParams.get('code_challenge_method'), 'S256');
      assert.match(authz.searchParams.get('redirect_uri')!, /^http:\/\/localhost:100(0\d|10)\/login$/);

      // The browser: the authorization URL, the SAML login at the IdP, back to the consent page.
      const browser = new SamlBrowser();
      const loginPage = await browser.navigate('GET', authzUrl);
      assert.match(loginPage.body, /name="password"/);
      const form = /<form\b[^>]*>[\s\S]*?name="password"[\s\S]*?<\/form>/i.exec(loginPage.body)![0];
      const consent = await browser.navigate('POST', new URL(/action="([^"]*)"/.exec(form)![1]!, loginPage.url).href, { form: { ...hiddenFields(form), username: 'alice', password: 'alice' } });
      assert.match(consent.body, /Terraform CLI login/, consent.body.slice(0, 300));
      const done = await browser.navigate('POST', `${gateway}/oauth/authorization`, { form: { ...hiddenFields(consent.body), decision: 'allow' } });
      assert.match(done.body, /returned an authentication code to Terraform/);

      const token = await line('TOKEN');
      const call = () => fetch(`${gateway}/api/v2/account/details`, { headers: { authorization: `Bearer ${token}` } });
      const ok = await call();
      assert.equal(ok.status, 200);
      assert.equal(((await ok.json()) as { data: { attributes: { username: string } } }).data.attributes.username, 'alice');
      clock.advance(21 * 60_000);
      assert.equal((await call()).status, 401);
    } finally {
      child.kill();
    }
  });
});
