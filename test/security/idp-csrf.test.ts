/**
 * CSRF on the IdP's forms as an attacker meets it (regression: pairs were portable and
 * `Origin: null` passed). A page on a sibling localhost port fetched its own CSRF cookie+token
 * pair, planted the cookie in the victim's browser (cookies do not isolate ports) and posted the
 * login form from a context whose Origin is `null`: the victim's identity switched from carol to
 * alice. The token is now bound to the victim's own IdP session cookie as well, duplicates of
 * either cookie are refused, and an `Origin: null` or sibling-port POST is foreign.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { cookiesOf, csrfOf, gatewayRedirectQuery, makeIdp, pendingCookieOf, postLogin, readPostForm, sessionCookie, type TestIdp } from '../idp/helpers.ts';

const IDP_ORIGIN = 'http://localhost:7000';

/** A browser signed in to the IdP as `user`: its session cookie and its own CSRF cookie. */
async function signedIn(t: TestIdp, user: string): Promise<{ session: string; csrfCookie: string }> {
  const page = await request(t.idp.app).get(`/sso?${gatewayRedirectQuery(t, { id: `_in-${user}` })}`);
  const res = await postLogin(t.idp.app, page, { username: user, password: user });
  assert.equal(res.status, 200, res.text);
  return { session: sessionCookie(res.headers['set-cookie']), csrfCookie: csrfOf(page).cookie };
}

/** Who the browser with this session cookie is at the IdP. */
async function whoIs(t: TestIdp, session: string): Promise<string | null> {
  const home = await request(t.idp.app).get('/').set('Cookie', session);
  return /signed in to the test IdP as <code>([^<]+)<\/code>/.exec(home.text)?.[1] ?? null;
}

describe('IdP CSRF: pairs are bound to the browser, foreign origins are refused', () => {
  it('an IdP CSRF cookie+token pair fetched by client 1 is refused when replayed by client 2 (a different cookie jar)', async () => {
    const t = makeIdp();
    assert.equal(t.config.idp.baseUrl, IDP_ORIGIN);
    const victim = await signedIn(t, 'carol');
    // Client 1 (the attacker) fetches a pair of its own.
    const attacker = csrfOf(await request(t.idp.app).get('/login').expect(200));
    const form = { username: 'alice', password: 'alice', csrf: attacker.token };

    // Client 2 (the victim) with the attacker's CSRF cookie planted over its own, its session kept.
    const planted = await request(t.idp.app).post('/login').set('Cookie', [attacker.cookie, victim.session]).type('form').send(form);
    assert.equal(planted.status, 403, planted.text);
    assert.match(planted.text, /does not match this browser[\s\S]*What to do:<\/strong> Reload the <a href="\/login">login page<\/a>/);
    assert.equal(((planted.headers['set-cookie'] as unknown as string[] | undefined) ?? []).some((c) => c.startsWith('samlgate_idp=')), false, 'no new IdP session');

    // The planted cookie next to the victim's own (another Path): two copies, refused as planted.
    const beside = await request(t.idp.app).post('/login').set('Cookie', [attacker.cookie, victim.csrfCookie, victim.session]).type('form').send(form);
    assert.equal(beside.status, 403);
    assert.match(beside.text, /two copies of an IdP cookie[\s\S]*Clear this browser's cookies/);

    assert.equal(await whoIs(t, victim.session), 'carol', 'the victim is still carol');
  });

  it('an IdP form POST with Origin: null is refused (403) with a page saying why and to reload the login page', async () => {
    const t = makeIdp();
    const page = await request(t.idp.app).get(`/sso?${gatewayRedirectQuery(t)}`).expect(200);
    const { token, cookie } = csrfOf(page);
    const res = await request(t.idp.app).post('/login').set('Origin', 'null').set('Cookie', [cookie, pendingCookieOf(page)]).type('form').send({ username: 'alice', password: 'alice', csrf: token, request: /name="request" value="([^"]+)"/.exec(page.text)![1]! });
    assert.equal(res.status, 403);
    assert.match(res.text, /Origin: null/);
    assert.match(res.text, /<strong>What to do:<\/strong> Reload the <a href="\/login">login page<\/a>/);
    assert.doesNotMatch(res.text, /SAMLResponse/);
  });

  it('a sibling-port Origin (http://localhost:9999) is refused, and so is Sec-Fetch-Site: same-site or cross-site', async () => {
    const t = makeIdp();
    const page = await request(t.idp.app).get('/login').expect(200);
    const { token, cookie } = csrfOf(page);
    const post = () => request(t.idp.app).post('/login').set('Cookie', cookie).type('form').send({ username: 'alice', password: 'alice', csrf: token });
    const sibling = await post().set('Origin', 'http://localhost:9999');
    assert.equal(sibling.status, 403);
    assert.match(sibling.text, /sent from another site \(http:\/\/localhost:9999\)/);
    for (const site of ['same-site', 'cross-site']) {
      const res = await post().set('Sec-Fetch-Site', site);
      assert.equal(res.status, 403, site);
      assert.match(res.text, /another site or another port of this host \(Sec-Fetch-Site\)/);
    }
  });

  it("the normal same-origin login form still works (the IdP's Origin, Sec-Fetch-Site: same-origin), with or without a session", async () => {
    const t = makeIdp();
    const page = await request(t.idp.app).get(`/sso?${gatewayRedirectQuery(t, { id: '_normal' })}`).expect(200);
    const { token, cookie } = csrfOf(page);
    const res = await request(t.idp.app)
      .post('/login')
      .set('Origin', IDP_ORIGIN)
      .set('Sec-Fetch-Site', 'same-origin')
      .set('Cookie', [cookie, pendingCookieOf(page)])
      .type('form')
      .send({ username: 'alice', password: 'alice', csrf: token, request: /name="request" value="([^"]+)"/.exec(page.text)![1]! });
    assert.equal(res.status, 200, res.text);
    assert.equal(readPostForm(res.text).action, t.config.gateway.acsUrl);

    // A signed-in browser's form (ForceAuthn-style re-login) carries its session in the token.
    const session = sessionCookie(res.headers['set-cookie']);
    const again = await request(t.idp.app).get('/login?user=bob').set('Cookie', [cookie, session]).expect(200);
    const relogin = await postLogin(t.idp.app, again, { username: 'bob', password: 'bob' }, { csrfCookie: cookie, cookies: [session] });
    assert.equal(relogin.status, 200, relogin.text);
    assert.equal(await whoIs(t, sessionCookie(relogin.headers['set-cookie'])), 'bob');
  });

  it('"switch user" serves a form whose token fits the browser after the switch (its session cleared)', async () => {
    const t = makeIdp();
    const { session, csrfCookie } = await signedIn(t, 'carol');
    const page = await request(t.idp.app).get('/login?switch=1').set('Cookie', [csrfCookie, session]).expect(200);
    assert.match(String(page.headers['set-cookie']), /samlgate_idp=;/);
    const res = await postLogin(t.idp.app, page, { username: 'alice', password: 'alice' }, { csrfCookie });
    assert.equal(res.status, 200, res.text);
    assert.equal(await whoIs(t, sessionCookie(res.headers['set-cookie'])), 'alice');
  });

  it("the IdP's admin forms use the same binding: another client's pair and Origin: null are refused, the page's own pair works", async () => {
    const t = makeIdp();
    const victim = await signedIn(t, 'carol');
    const own = await request(t.idp.app).get('/directory').set('Cookie', [victim.csrfCookie, victim.session]).expect(200);
    const ownToken = csrfOf(own, victim.csrfCookie).token;
    const attacker = csrfOf(await request(t.idp.app).get('/directory').expect(200));
    const add = (username: string, cookies: string[], token: string) => request(t.idp.app).post('/directory/users').set('Cookie', cookies).type('form').send({ username, csrf: token });

    assert.equal((await add('mallory1', [attacker.cookie, victim.session], attacker.token)).status, 403, "client 1's pair in client 2's browser");
    assert.equal((await add('mallory2', [victim.csrfCookie, victim.session], ownToken).set('Origin', 'null')).status, 403, 'Origin: null');
    assert.equal((await add('mallory3', [victim.csrfCookie, victim.session], ownToken).set('Origin', 'http://localhost:9999')).status, 403, 'sibling port');
    const users = (await request(t.idp.app).get('/api/users').expect(200)).body;
    assert.equal(JSON.stringify(users).includes('mallory'), false, 'no user was added');
    assert.equal((await add('dave', [victim.csrfCookie, victim.session], ownToken).set('Origin', IDP_ORIGIN)).status, 303, "the page's own pair");

    // The admin sign-in form (shown when an admin token is set) takes the same token.
    const guarded = makeIdp({ idp: { adminToken: 'a'.repeat(32) } });
    const signIn = await request(guarded.idp.app).get('/admin').expect(200);
    const pair = csrfOf(signIn);
    const nul = await request(guarded.idp.app).post('/admin/sign-in').set('Origin', 'null').set('Cookie', cookiesOf(signIn)).type('form').send({ token: 'a'.repeat(32), csrf: pair.token });
    assert.equal(nul.status, 403);
    const ok = await request(guarded.idp.app).post('/admin/sign-in').set('Cookie', cookiesOf(signIn)).type('form').send({ token: 'a'.repeat(32), csrf: pair.token });
    assert.equal(ok.status, 303);
  });
});
