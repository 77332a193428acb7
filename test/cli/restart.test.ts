/**
 * Crash and restart safety with a real samlgate process and the default SQLite store: whatever a
 * response acknowledged holds after `kill -9` right after it and a restart on the same --data.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loginThroughGateway, metaCsrfToken, parseAutoPostForm, SamlBrowser } from '../../src/client/saml-browser.ts';
import { crash, freePorts, startSamlgate, type Ports, type SamlgateProcess } from '../support/samlgate-process.ts';

const ARGS = ['--clock', 'manual', '--allow-idp-initiated', '--log-level', 'warn'];

describe('restart after kill -9 keeps what was acknowledged', () => {
  let dir: string;
  let ports: Ports;
  let p: SamlgateProcess;
  const restart = async () => {
    await crash(p);
    p = await startSamlgate(dir, ports, ARGS);
  };
  const api = (b: SamlBrowser, method: string, url: string, o: { csrf?: string; json?: unknown; token?: string } = {}) =>
    b.request(method, `${p.gw}/api/v2${url}`, {
      json: o.json,
      headers: { accept: 'application/vnd.api+json', ...(o.csrf ? { 'x-csrf-token': o.csrf } : {}), ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) },
    });
  const signIn = async (username: string) => {
    const b = new SamlBrowser();
    const page = await loginThroughGateway(b, p.gw, username, username);
    return { b, csrf: metaCsrfToken(page.body)!, id: JSON.parse((await api(b, 'GET', '/account/details')).body).data.id as string };
  };

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'samlgate-restart-'));
    ports = await freePorts();
    p = await startSamlgate(dir, ports, ARGS);
  });
  after(async () => {
    p.child.kill('SIGKILL');
    await p.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  let alice: Awaited<ReturnType<typeof signIn>>;
  let aliceToken: string;

  it('a token created (201) and the web session it was created from survive kill -9; old cookies still authenticate', async () => {
    assert.match(p.output(), new RegExp(`state +${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} +\\(kept across restarts`), 'the banner names the data directory');
    alice = await signIn('alice');
    const created = await api(alice.b, 'POST', `/users/${alice.id}/authentication-tokens`, { csrf: alice.csrf, json: { data: { type: 'authentication-tokens', attributes: { description: 'ci' } } } });
    assert.equal(created.status, 201);
    aliceToken = JSON.parse(created.body).data.attributes.token;
    await restart();
    const withToken = await api(new SamlBrowser(), 'GET', '/account/details', { token: aliceToken });
    assert.equal(withToken.status, 200, withToken.body);
    assert.equal(JSON.parse(withToken.body).data.attributes.username, 'alice');
    const withCookie = await api(alice.b, 'GET', '/account/details');
    assert.equal(withCookie.status, 200, 'the session cookie signed before the restart is still valid (secret and session kept)');
    const secret = path.join(dir, 'session-secret');
    assert.equal(statSync(secret).mode & 0o777, 0o600);
    assert.ok(readFileSync(secret, 'utf8').trim().length >= 32);
  });

  it('a suspension acknowledged (200) holds after kill -9', async () => {
    const carol = await signIn('carol');
    const res = await api(carol.b, 'POST', `/admin/users/${alice.id}/actions/suspend`, { csrf: carol.csrf });
    assert.equal(res.status, 200, res.body);
    await restart();
    const refused = await api(new SamlBrowser(), 'GET', '/account/details', { token: aliceToken });
    assert.equal(refused.status, 401);
    assert.equal((await api(alice.b, 'GET', '/account/details')).status, 401, 'suspension ended the web session for good');
    const carolAgain = await api(carol.b, 'POST', `/admin/users/${alice.id}/actions/unsuspend`, { csrf: carol.csrf });
    assert.equal(carolAgain.status, 200, 'the admin session survived the restart too');
  });

  it("the manual clock's time survives kill -9", async () => {
    const b = new SamlBrowser();
    const moved = await b.request('POST', `${p.gw}/api/v2/_sim/clock`, { json: { advance: '3h' } });
    assert.equal(moved.status, 200);
    const at = Date.parse(JSON.parse(moved.body).now);
    await restart();
    const now = Date.parse(JSON.parse((await b.request('GET', `${p.gw}/api/v2/_sim/clock`)).body).now);
    assert.ok(now >= at, `clock went back from ${new Date(at).toISOString()} to ${new Date(now).toISOString()}`);
    assert.ok(now - at < 60_000, 'and it did not lose the 3 hours');
  });

  it('a SAML response replayed after a restart is still refused (the replay cache is kept)', async () => {
    const b = new SamlBrowser();
    const entity = encodeURIComponent(`${p.gw}/users/saml/metadata`);
    const issued = await b.request('GET', `${p.idp}/sso/initiate?sp=${entity}&user=bob`);
    const form = parseAutoPostForm(issued.body)!;
    assert.ok(form, issued.body.slice(0, 300));
    const fields = { ...form.fields, _samlgate_relay: '1' };
    const first = await b.request('POST', form.action, { form: fields });
    assert.equal(first.status, 303, first.body.slice(0, 300));
    await restart();
    const replay = await new SamlBrowser().request('POST', form.action, { form: fields });
    assert.equal(replay.status, 403);
    // The log line may arrive just after the response: wait for it (bounded).
    for (let i = 0; i < 50 && !/"code":"E_REPLAY"/.test(p.output()); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(p.output(), /"code":"E_REPLAY"/);
  });

  it('a login started before the crash (pending AuthnRequest ID in the session) completes after it', async () => {
    const b = new SamlBrowser();
    const start = await b.request('GET', `${p.gw}/session?force=1`);
    assert.equal(start.status, 302);
    await restart();
    let page = await b.navigate('GET', start.headers.get('location')!);
    const action = new URL(/<form\b[^>]*action="([^"]+)"/i.exec(page.body)?.[1] ?? '/login', page.url).href;
    const hidden = Object.fromEntries([...page.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    page = await b.navigate('POST', action, { form: { ...hidden, username: 'alice', password: 'alice' } });
    assert.equal(page.status, 200, page.body.slice(0, 300));
    assert.ok(page.url.startsWith(p.gw), `ended at ${page.url}`);
    assert.equal((await api(b, 'GET', '/account/details')).status, 200);
  });

  it('IdP: an attribute change, a registered SP, a removed user and a login session each survive kill -9', async () => {
    const patch = await fetch(`${p.idp}/api/users/bob`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ attributes: { IsServiceAccount: false, Team: 'night-shift' } }) });
    assert.equal(patch.status, 200);
    const bobBefore = (await patch.json()).user;
    const gwMetadata = await (await fetch(`${p.gw}/users/saml/metadata`)).text();
    const otherSp = 'https://other-sp.example.test/metadata';
    const reg = await fetch(`${p.idp}/api/service-providers`, { method: 'POST', headers: { 'content-type': 'application/samlmetadata+xml' }, body: gwMetadata.replace(/entityID="[^"]+"/, `entityID="${otherSp}"`) });
    assert.equal(reg.status, 201, await reg.clone().text());
    assert.equal((await fetch(`${p.idp}/api/users/carol`, { method: 'DELETE' })).status, 204);
    // A browser signed in at the IdP (its login session), then the crash.
    const b = new SamlBrowser();
    await loginThroughGateway(b, p.gw, 'alice', 'alice');
    await restart();
    const bob = await (await fetch(`${p.idp}/api/users/bob`)).json();
    assert.deepEqual(bob.user, bobBefore);
    assert.equal(bob.user.attributes.IsServiceAccount, false);
    assert.equal((await fetch(`${p.idp}/api/service-providers/${encodeURIComponent(otherSp)}`)).status, 200);
    assert.equal((await fetch(`${p.idp}/api/users/carol`)).status, 404, 'a removed user stays removed, though the defaults list her');
    const again = await b.navigate('GET', `${p.gw}/session?force=1`);
    assert.doesNotMatch(again.body, /name="password"/, 'the IdP session survived: no password asked');
    assert.ok(again.url.startsWith(p.gw), `ended at ${again.url}`);
  });

  it('the database files are where the docs say', () => {
    for (const f of ['gateway.db', 'gateway.lock.db', 'gateway.lock', 'idp.db', 'idp.lock.db', 'idp.lock', 'session-secret']) assert.ok(existsSync(path.join(dir, f)), f);
  });
});
