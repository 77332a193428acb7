/**
 * `terraform login` against the gateway, driven the way the Terraform CLI drives it (Terraform's
 * "Server-side Login Protocol"): service discovery, the authorization request with PKCE S256 opened
 * in a browser, the SAML login through the real IdP, the consent page, the redirect to the CLI's
 * loopback listener, and the token exchange with client_id in the form body (Terraform's
 * disco.OAuthClient uses oauth2.AuthStyleInParams). The token it yields is an ordinary user token: 401 once the
 * SSO session ends.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import request from 'supertest';
import { hiddenFields, metaCsrfToken, parseAutoPostForm } from '../../src/client/saml-browser.ts';
import { callWithToken, createHarness, type Browser, type Harness } from '../support/harness.ts';

const CLIENT = 'terraform-cli';
const REDIRECT = 'http://localhost:10000/login';

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authzPath(o: { challenge: string; state?: string; redirectUri?: string; method?: string; clientId?: string }) {
  const q = new URLSearchParams({
    client_id: o.clientId ?? CLIENT,
    redirect_uri: o.redirectUri ?? REDIRECT,
    response_type: 'code',
    code_challenge: o.challenge,
    code_challenge_method: o.method ?? 'S256',
    state: o.state ?? 'st-1',
  });
  return `/oauth/authorization?${q}`;
}

/** The browser step for a user already signed in: consent page, then "allow". Returns the redirect. */
async function authorize(b: Browser, path: string): Promise<URL> {
  const consent = await b.gw.get(path).expect(200);
  assert.match(consent.text, /Terraform CLI login/);
  const res = await b.gw.post('/oauth/authorization').type('form').send({ ...hiddenFields(consent.text), decision: 'allow' }).expect(302);
  return new URL(res.headers.location!);
}

/** The token request as Terraform makes it (client_id in the body), or with HTTP Basic client authentication. */
function exchange(h: Harness, fields: Record<string, string>, o: { basic?: string; clientId?: string | null } = {}) {
  const req = request(h.gateway.app).post('/oauth/token').type('form');
  if (o.basic !== undefined) req.set('Authorization', `Basic ${Buffer.from(`${encodeURIComponent(o.basic)}:`).toString('base64')}`);
  const clientId = o.clientId === undefined ? (o.basic === undefined ? CLIENT : null) : o.clientId;
  return req.send({ grant_type: 'authorization_code', redirect_uri: REDIRECT, ...(clientId === null ? {} : { client_id: clientId }), ...fields });
}

async function codeFor(h: Harness, user = 'alice') {
  const { verifier, challenge } = pkce();
  const { browser } = await h.login(user);
  const redirect = await authorize(browser, authzPath({ challenge }));
  return { code: redirect.searchParams.get('code')!, verifier };
}

/** Terraform's loopback listener: the first free port of 10000-10010, answering /login. */
async function loopbackListener(): Promise<{ port: number; received: Promise<URL>; close(): void }> {
  let deliver!: (u: URL) => void;
  const received = new Promise<URL>((r) => (deliver = r));
  const server = http.createServer((req, res) => {
    deliver(new URL(req.url!, `http://${req.headers.host}`));
    res.end('The login server has returned an authentication code to Terraform.');
  });
  for (let port = 10000; port <= 10010; port++) {
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (ok) return { port: (server.address() as AddressInfo).port, received, close: () => server.close() };
  }
  throw new Error('no free port in 10000-10010 for the loopback listener');
}

describe('terraform login (login.v1)', () => {
  it('end to end as the Terraform CLI does it; the token gets 401 after the SSO session expires', async () => {
    const h = await createHarness({ 'gateway.idleTimeout': '20m' });
    // 1. Remote service discovery.
    const discovery = await request(h.gateway.app).get('/.well-known/terraform.json').expect(200);
    const login = discovery.body['login.v1'];
    assert.deepEqual(login, { client: CLIENT, grant_types: ['authz_code'], authz: '/oauth/authorization', token: '/oauth/token', ports: [10000, 10010] });
    // Every advertised service answers.
    for (const [name, value] of Object.entries(discovery.body)) {
      if (typeof value !== 'string') continue;
      const res = await request(h.gateway.app).get(value === '/api/v2/' ? '/api/v2/ping' : value);
      assert.ok(res.status < 400, `${name} (${value}) answers ${res.status}`);
    }
    const motd = await request(h.gateway.app).get(discovery.body['motd.v1']).expect(200);
    assert.match(motd.body.msg, /SSO session ends/);

    // 2. The CLI starts its listener and opens the browser at the authorization URL.
    const listener = await loopbackListener();
    try {
      const redirectUri = `http://localhost:${listener.port}/login`;
      const { verifier, challenge } = pkce();
      const state = randomBytes(16).toString('hex');
      const b = h.browser();
      const start = await b.gw.get(authzPath({ challenge, state, redirectUri })).expect(303);
      // 3. Not signed in: the SAML login through the real IdP, then back to the authorization request.
      const session = await b.gw.get(start.headers.location!).expect(302);
      const sso = new URL(session.headers.location!);
      const loginForm = await b.idp.get(sso.pathname + sso.search).expect(200);
      const posted = await b.idp.post('/login').type('form').send({ ...hiddenFields(loginForm.text), username: 'alice', password: 'alice' });
      const saml = parseAutoPostForm(posted.text)!;
      const acs = await b.gw.post(new URL(saml.action).pathname).type('form').send(saml.fields).expect(303);
      assert.equal(acs.headers.location, authzPath({ challenge, state, redirectUri }));
      // 4. Consent, then the redirect to the loopback listener, followed as a browser does.
      const back = await authorize(b, acs.headers.location!);
      assert.equal(back.origin + back.pathname, redirectUri);
      await fetch(back.href.replace('//localhost:', '//127.0.0.1:'));
      const got = await listener.received;
      assert.equal(got.searchParams.get('state'), state);
      const code = got.searchParams.get('code')!;
      assert.match(code, /^[A-Za-z0-9]{43}$/);

      // 5. Token exchange at the token endpoint.
      const token = await exchange(h, { code, code_verifier: verifier, redirect_uri: redirectUri }).expect(200);
      assert.equal(token.headers['cache-control'], 'no-store');
      assert.equal(token.body.token_type, 'bearer');
      const secret = token.body.access_token as string;
      assert.match(secret, /^[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9]{67}$/);

      // 6. An ordinary user token: works now (tfe.v2 account details), listed with the user's tokens.
      const me = await callWithToken(h, secret).expect(200);
      assert.equal(me.body.data.attributes.username, 'alice');
      const list = await b.gw.get(`/api/v2/users/${me.body.data.id}/authentication-tokens`).expect(200);
      assert.ok(list.body.data.some((t: { attributes: { description: string } }) => t.attributes.description === 'terraform login'));

      // 7. Rule S2: the SSO session expires on the manual clock, the token gets 401.
      h.advance('21m');
      const expired = await callWithToken(h, secret).expect(401);
      assert.match(expired.body.errors[0].detail, /SSO session of user alice has expired/);
    } finally {
      listener.close();
    }
  });

  it('a flagged service account gets a token that survives the session (rule S3)', async () => {
    const h = await createHarness({ 'gateway.idleTimeout': '20m' });
    const { code, verifier } = await codeFor(h, 'bob');
    const token = await exchange(h, { code, code_verifier: verifier }).expect(200);
    h.advance('21m');
    await callWithToken(h, token.body.access_token).expect(200);
  });

  it('the client may authenticate with HTTP Basic instead (RFC 6749 2.3.1); the two may not disagree', async () => {
    const h = await createHarness();
    const { code, verifier } = await codeFor(h);
    await exchange(h, { code, code_verifier: verifier }, { basic: CLIENT }).expect(200);
    const other = await codeFor(h);
    const clash = await exchange(h, { code: other.code, code_verifier: other.verifier }, { basic: CLIENT, clientId: 'someone-else' }).expect(400);
    assert.equal(clash.body.error, 'invalid_request');
    const none = await exchange(h, { code: other.code, code_verifier: other.verifier }, { clientId: null }).expect(400);
    assert.match(none.body.error_description, /client_id is required/);
  });

  describe('refusals, each with an OAuth error body (RFC 6749 5.2)', () => {
    it('PKCE: a wrong code_verifier is invalid_grant, and the code is then used up', async () => {
      const h = await createHarness();
      const { code, verifier } = await codeFor(h);
      const wrong = await exchange(h, { code, code_verifier: pkce().verifier }).expect(400);
      assert.equal(wrong.body.error, 'invalid_grant');
      assert.match(wrong.body.error_description, /code_verifier does not match the code_challenge/);
      const after = await exchange(h, { code, code_verifier: verifier }).expect(400);
      assert.equal(after.body.error, 'invalid_grant');
    });

    it('after a refused redemption the right code_verifier is told the code was spent by that attempt (no token was issued), not that a token was revoked', async () => {
      const h = await createHarness();
      const { code, verifier } = await codeFor(h);
      await exchange(h, { code, code_verifier: pkce().verifier }).expect(400);
      const after = await exchange(h, { code, code_verifier: verifier }).expect(400);
      assert.equal(after.body.error, 'invalid_grant');
      assert.match(after.body.error_description, /spent by an earlier token request that was refused .*no token was issued for it: run terraform login again/);
      assert.doesNotMatch(after.body.error_description, /revoked/);
    });

    it('PKCE: a missing or malformed code_verifier is refused', async () => {
      const h = await createHarness();
      const missing = await codeFor(h);
      const r1 = await exchange(h, { code: missing.code }).expect(400);
      assert.equal(r1.body.error, 'invalid_request');
      assert.match(r1.body.error_description, /code_verifier is required/);
      const short = await codeFor(h);
      const r2 = await exchange(h, { code: short.code, code_verifier: 'short' }).expect(400);
      assert.equal(r2.body.error, 'invalid_grant');
      assert.match(r2.body.error_description, /43 to 128 characters/);
    });

    it('PKCE: the authorization request must use S256 with a well-formed challenge (error sent to the redirect URI)', async () => {
      const h = await createHarness();
      const { browser } = await h.login('alice');
      const plain = await browser.gw.get(authzPath({ challenge: pkce().challenge, method: 'plain' })).expect(302);
      const to = new URL(plain.headers.location!);
      assert.equal(to.origin + to.pathname, REDIRECT);
      assert.equal(to.searchParams.get('error'), 'invalid_request');
      assert.equal(to.searchParams.get('state'), 'st-1');
      assert.match(to.searchParams.get('error_description')!, /S256/);
      const bad = await browser.gw.get(authzPath({ challenge: 'too-short' })).expect(302);
      assert.equal(new URL(bad.headers.location!).searchParams.get('error'), 'invalid_request');
    });

    it('a reused code is invalid_grant and revokes the token the first use produced', async () => {
      const h = await createHarness();
      const { code, verifier } = await codeFor(h);
      const first = await exchange(h, { code, code_verifier: verifier }).expect(200);
      await callWithToken(h, first.body.access_token).expect(200);
      const second = await exchange(h, { code, code_verifier: verifier }).expect(400);
      assert.equal(second.body.error, 'invalid_grant');
      assert.match(second.body.error_description, /already used/);
      await callWithToken(h, first.body.access_token).expect(401);
    });

    it('a redirect_uri at the token endpoint that differs from the authorization request is invalid_grant', async () => {
      const h = await createHarness();
      const { code, verifier } = await codeFor(h);
      const res = await exchange(h, { code, code_verifier: verifier, redirect_uri: 'http://localhost:10001/login' }).expect(400);
      assert.equal(res.body.error, 'invalid_grant');
      assert.match(res.body.error_description, /redirect_uri does not match/);
    });

    it('a redirect_uri that is not the CLI loopback listener is refused on the page, without a redirect', async () => {
      const h = await createHarness();
      const { browser } = await h.login('alice');
      for (const uri of ['https://evil.example/login', 'http://localhost:9999/login', 'http://localhost:10000/other', 'http://localhost:10000/login?x=1']) {
        const res = await browser.gw.get(authzPath({ challenge: pkce().challenge, redirectUri: uri })).expect(400);
        assert.equal(res.headers.location, undefined);
        assert.match(res.text, /redirect_uri must be Terraform&#39;s loopback listener/);
      }
      const client = await browser.gw.get(authzPath({ challenge: pkce().challenge, clientId: 'someone-else' })).expect(400);
      assert.match(client.text, /client_id must be/);
    });

    it('an expired code is invalid_grant', async () => {
      const h = await createHarness();
      const { code, verifier } = await codeFor(h);
      h.advance('3m');
      const res = await exchange(h, { code, code_verifier: verifier }).expect(400);
      assert.equal(res.body.error, 'invalid_grant');
      assert.match(res.body.error_description, /unknown or expired|expired/);
    });

    it('an unknown client is invalid_client (401); another grant type is unsupported_grant_type', async () => {
      const h = await createHarness();
      const { code, verifier } = await codeFor(h);
      const client = await exchange(h, { code, code_verifier: verifier }, { clientId: 'not-terraform' }).expect(401);
      assert.equal(client.body.error, 'invalid_client');
      const basic = await exchange(h, { code, code_verifier: verifier }, { basic: 'not-terraform' }).expect(401);
      assert.equal(basic.body.error, 'invalid_client');
      const grant = await exchange(h, { grant_type: 'password', code, code_verifier: verifier }).expect(400);
      assert.equal(grant.body.error, 'unsupported_grant_type');
      const nocode = await exchange(h, { code_verifier: verifier }).expect(400);
      assert.equal(nocode.body.error, 'invalid_request');
    });

    it('the consent form needs the session CSRF token, and "Cancel" answers access_denied', async () => {
      const h = await createHarness();
      const { browser } = await h.login('alice');
      const consent = await browser.gw.get(authzPath({ challenge: pkce().challenge })).expect(200);
      const fields = hiddenFields(consent.text);
      assert.equal(fields._csrf, metaCsrfToken(consent.text));
      await browser.gw.post('/oauth/authorization').type('form').send({ ...fields, _csrf: 'forged', decision: 'allow' }).expect(403);
      const denied = await browser.gw.post('/oauth/authorization').type('form').send({ ...fields, decision: 'deny' }).expect(302);
      assert.equal(new URL(denied.headers.location!).searchParams.get('error'), 'access_denied');
    });
  });
});
