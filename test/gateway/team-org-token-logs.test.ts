/** "Tokens are never logged", for team and organization tokens: generated, used, regenerated, refused, revoked, from the API and the pages. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../src/log.ts';
import { callWithToken, createHarness } from '../support/harness.ts';
import { api, teamId } from '../support/tfe-api.ts';

test('no team or organization token secret reaches the log, at trace level', async () => {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  const h = await createHarness({}, {}, { logger: createLogger('trace', sink) });
  const carol = await h.login('carol');
  const developers = await teamId(h, 'developers');
  const secrets: string[] = [];
  const take = (res: { body: { data: { attributes: { token: string } } } }) => {
    secrets.push(res.body.data.attributes.token);
    return res.body.data.attributes.token;
  };
  const first = take(await api(h, carol).post(`/api/v2/teams/${developers}/authentication-token`).expect(201));
  await callWithToken(h, first).expect(200);
  take(await api(h, carol).post(`/api/v2/teams/${developers}/authentication-token`).expect(201));
  await callWithToken(h, first).expect(401);
  take(await api(h, carol).post(`/api/v2/teams/${developers}/authentication-tokens`, { data: { attributes: { description: 'ci' } } }).expect(201));
  const org = take(await api(h, carol).post('/api/v2/organizations/example-org/authentication-token').expect(201));
  await api(h, org).get('/api/v2/organizations/example-org').expect(200);
  const page = await carol.browser.gw.post('/app/example-org/settings/authentication-token').type('form').send({ _csrf: carol.csrf }).expect(201);
  secrets.push(/[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9]{67}/.exec(page.text)![0]);
  await callWithToken(h, org).expect(401);
  await api(h, carol).delete('/api/v2/organizations/example-org/authentication-token').expect(204);

  const log = lines.join('');
  assert.match(log, /team token regenerated/);
  assert.match(log, /organization token regenerated/);
  for (const s of secrets) {
    assert.ok(!log.includes(s), 'a secret is in the log');
    assert.ok(!log.includes(s.slice(0, 14)), 'a secret prefix is in the log');
    assert.ok(!log.includes(s.slice(-20)), 'a secret suffix is in the log');
  }
});
