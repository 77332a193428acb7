/**
 * "Tokens are never logged": the whole story at trace level, with every kind of secret in play
 * (token secrets accepted, refused and revoked, a password typed wrong and right, the session
 * cookie, the CSRF token, the SAMLResponse), and then a search of every log line for them.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import request from 'supertest';
import { createLogger } from '../../src/log.ts';
import { hiddenFields, parseAutoPostForm } from '../../src/client/saml-browser.ts';
import { callWithToken, createHarness } from '../support/harness.ts';

const PASSWORD = 'correct-horse-battery-staple-7';

test('no secret reaches the log, at trace level, on success and failure paths', async () => {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  const h = await createHarness({ 'gateway.idleTimeout': '20m' }, { idp: { users: [{ username: 'dave', password: PASSWORD }] } }, { logger: createLogger('trace', sink) });

  // A wrong password, then the right one, through the IdP form; keep the SAMLResponse.
  const b = h.browser();
  const start = await b.gw.get('/session?force=1').expect(302);
  const sso = new URL(start.headers.location!);
  const form = await b.idp.get(sso.pathname + sso.search);
  await b.idp.post('/login').type('form').send({ ...hiddenFields(form.text), username: 'dave', password: `${PASSWORD}-wrong` }).expect(401);
  const again = await b.idp.get(sso.pathname + sso.search);
  const posted = await b.idp.post('/login').type('form').send({ ...hiddenFields(again.text), username: 'dave', password: PASSWORD });
  const samlForm = parseAutoPostForm(posted.text)!;
  const acs = await b.gw.post(new URL(samlForm.action).pathname).type('form').send(samlForm.fields).expect(303);
  const cookie = String(acs.headers['set-cookie']).match(/samlgate_session=([^;]+)/)![1]!;
  // The same response again: a replay the ACS refuses and logs.
  await request(h.gateway.app).post(new URL(samlForm.action).pathname).set('Cookie', `samlgate_session=${cookie}`).type('form').send(samlForm.fields);

  const alice = await h.login('alice');
  const token = await alice.createToken('ci');
  await callWithToken(h, token.secret).expect(200);
  h.advance('21m');
  await callWithToken(h, token.secret).expect(401); // refused: session expired
  await callWithToken(h, `${token.secret.slice(0, -4)}AAAA`).expect(401); // well-formed, unknown
  await request(h.gateway.app).delete(`/api/v2/authentication-tokens/${token.id}`).set('Authorization', `Bearer ${token.secret}`);
  const bob = await h.login('bob');
  const bobToken = await bob.createToken('automation');
  await request(h.gateway.app).delete(`/api/v2/authentication-tokens/${bobToken.id}`).set('Authorization', `Bearer ${bobToken.secret}`).expect(204);
  await callWithToken(h, bobToken.secret).expect(401); // revoked

  // terraform login: the authorization code (in the loopback redirect's query), the PKCE verifier
  // and challenge, and the access token it yields.
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const tfState = 'state-value-for-the-log-test';
  const carol = await h.login('carol');
  const authz = `/oauth/authorization?${new URLSearchParams({ client_id: 'terraform-cli', redirect_uri: 'http://localhost:10000/login', response_type: 'code', code_challenge: challenge, code_challenge_method: 'S256', state: tfState })}`;
  const consent = await carol.browser.gw.get(authz).expect(200);
  const allowed = await carol.browser.gw.post('/oauth/authorization').type('form').send({ ...hiddenFields(consent.text), decision: 'allow' }).expect(302);
  const code = new URL(allowed.headers.location!).searchParams.get('code')!;
  const tf = await request(h.gateway.app).post('/oauth/token').type('form').send({ grant_type: 'authorization_code', client_id: 'terraform-cli', code, code_verifier: verifier, redirect_uri: 'http://localhost:10000/login' }).expect(200);
  await request(h.gateway.app).post('/oauth/token').type('form').send({ grant_type: 'authorization_code', client_id: 'terraform-cli', code, code_verifier: verifier, redirect_uri: 'http://localhost:10000/login' }).expect(400);
  // The same secrets in a query string, where only the access log would see them.
  await request(h.gateway.app).get(`/oauth/authorization?code=${code}&code_verifier=${verifier}&token=${token.secret}`);

  const log = lines.join('');
  // The access log is there, one line per request, with the query's secrets redacted.
  assert.match(log, /"event":"http\.request","method":"GET","path":"\/sso\?SAMLRequest=\[redacted\]&RelayState=\[redacted\]&SigAlg=[^"]*&Signature=\[redacted\]","status":200/);
  assert.match(log, /"path":"\/oauth\/authorization\?code=\[redacted\]&code_verifier=\[redacted\]&token=\[redacted\]"/);
  assert.match(log, /"method":"POST","path":"\/oauth\/token","status":200/);
  assert.ok(lines.length >= 10, `expected a real log to search, got ${lines.length} lines`);
  assert.match(log, /user token created/);
  assert.match(log, /token refused/);
  const secrets: Record<string, string> = {
    'alice token': token.secret,
    'bob token': bobToken.secret,
    'token secret part': token.secret.split('.atlasv1.')[1]!,
    password: PASSWORD,
    'session cookie': decodeURIComponent(cookie),
    'alice CSRF token': alice.csrf,
    SAMLResponse: samlForm.fields.SAMLResponse!.slice(0, 40),
    'terraform login code': code,
    'PKCE verifier': verifier,
    'PKCE challenge': challenge,
    'OAuth state': tfState,
    'terraform login token': tf.body.access_token,
  };
  for (const [what, value] of Object.entries(secrets)) {
    assert.ok(!log.includes(value), `${what} appears in the log`);
  }
});
