/**
 * "Tokens are never logged": the whole story at trace level, with every kind of secret in play
 * (token secrets accepted, refused and revoked, a password typed wrong and right, the session
 * cookie, the CSRF token, the SAMLResponse), and then a search of every log line for them.
 */
import assert from 'node:assert/strict';
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

  const log = lines.join('');
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
  };
  for (const [what, value] of Object.entries(secrets)) {
    assert.ok(!log.includes(value), `${what} appears in the log`);
  }
});
