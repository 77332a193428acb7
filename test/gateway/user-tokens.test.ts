/** User API tokens (T5 for user tokens): TFE's shapes, shown once, stored hashed, owner-only. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import request from 'supertest';
import { callWithToken, createHarness } from '../support/harness.ts';

describe('user authentication tokens', () => {
  it('the secret has TFE\'s shape and is shown exactly once, in the 201 create response', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const res = await alice.browser.gw
      .post(`/api/v2/users/${alice.userId}/authentication-tokens`)
      .set('Content-Type', 'application/vnd.api+json')
      .set('X-CSRF-Token', alice.csrf)
      .send(JSON.stringify({ data: { type: 'authentication-tokens', attributes: { description: 'ci' } } }))
      .expect(201);
    const { data } = res.body;
    assert.equal(data.type, 'authentication-tokens');
    assert.match(data.id, /^at-[A-Za-z0-9]{16}$/);
    assert.match(data.attributes.token, /^[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9]{67}$/);
    assert.equal(data.attributes.description, 'ci');
    assert.equal(data.attributes['created-at'], new Date(h.clock.now()).toISOString());
    assert.deepEqual(data.relationships['created-by'].data, { id: alice.userId, type: 'users' });

    const shown = await alice.browser.gw.get(`/api/v2/authentication-tokens/${data.id}`).expect(200);
    assert.equal(shown.body.data.attributes.token, null);
    const list = await alice.browser.gw.get(`/api/v2/users/${alice.userId}/authentication-tokens`).expect(200);
    assert.equal(list.body.data.length, 1);
    assert.equal(list.body.data[0].attributes.token, null);
  });

  it('regression: the user-token creation response lacked Cache-Control: no-store (team and organization tokens had it)', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const body = JSON.stringify({ data: { type: 'authentication-tokens', attributes: { description: 'ci' } } });
    const bySession = await alice.browser.gw.post(`/api/v2/users/${alice.userId}/authentication-tokens`).set('Content-Type', 'application/vnd.api+json').set('X-CSRF-Token', alice.csrf).send(body).expect(201);
    assert.equal(bySession.headers['cache-control'], 'no-store');
    const byToken = await request(h.gateway.app).post(`/api/v2/users/${alice.userId}/authentication-tokens`).set('Authorization', `Bearer ${bySession.body.data.attributes.token}`).set('Content-Type', 'application/vnd.api+json').send(body).expect(201);
    assert.equal(byToken.headers['cache-control'], 'no-store');
    // Reads carry no secret (token: null).
    const shown = await alice.browser.gw.get(`/api/v2/authentication-tokens/${byToken.body.data.id}`).expect(200);
    assert.equal(shown.headers['cache-control'], undefined);
  });

  it('is stored as a SHA-256 hash: the secret appears nowhere in the store', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const { id, secret } = await alice.createToken();
    const record = await h.store.tokens.get(id);
    assert.ok(record);
    assert.equal(record.secretHash, createHash('sha256').update(secret).digest('hex'));
    assert.ok(!JSON.stringify(record).includes(secret));
    assert.ok(!JSON.stringify(record).includes(secret.slice(0, 14)));
  });

  it('last-used-at records token use', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const { id, secret } = await alice.createToken();
    h.advance('1m');
    await callWithToken(h, secret).expect(200);
    const shown = await alice.browser.gw.get(`/api/v2/authentication-tokens/${id}`).expect(200);
    assert.equal(shown.body.data.attributes['last-used-at'], new Date(h.clock.now()).toISOString());
  });

  it("another user's tokens are 404, for reading, listing, creating and deleting (T7)", async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const bob = await h.login('bob');
    const aliceToken = await alice.createToken();
    const gw = bob.browser.gw;
    await gw.get(`/api/v2/authentication-tokens/${aliceToken.id}`).expect(404);
    await gw.get(`/api/v2/users/${alice.userId}/authentication-tokens`).expect(404);
    await gw.post(`/api/v2/users/${alice.userId}/authentication-tokens`).set('X-CSRF-Token', bob.csrf).send({ data: { attributes: {} } }).expect(404);
    const del = await gw.delete(`/api/v2/authentication-tokens/${aliceToken.id}`).set('X-CSRF-Token', bob.csrf).expect(404);
    assert.deepEqual(del.body, { errors: [{ status: '404', title: 'not found' }] });
    await callWithToken(h, aliceToken.secret).expect(200);
  });

  it('a token can manage its own user\'s tokens (automation rotating its token)', async () => {
    const h = await createHarness();
    const bob = await h.login('bob');
    const first = await bob.createToken();
    const api = () => request(h.gateway.app);
    const second = await api()
      .post(`/api/v2/users/${bob.userId}/authentication-tokens`)
      .set('Authorization', `Bearer ${first.secret}`)
      .set('Content-Type', 'application/json')
      .send({ data: { type: 'authentication-tokens', attributes: { description: 'rotated' } } })
      .expect(201);
    await api().delete(`/api/v2/authentication-tokens/${first.id}`).set('Authorization', `Bearer ${second.body.data.attributes.token}`).expect(204);
    await callWithToken(h, first.secret).expect(401);
    await callWithToken(h, second.body.data.attributes.token).expect(200);
  });

  it('bad input is a 422 naming the field, never a 500', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const post = (body: string, type = 'application/vnd.api+json') =>
      alice.browser.gw.post(`/api/v2/users/${alice.userId}/authentication-tokens`).set('X-CSRF-Token', alice.csrf).set('Content-Type', type).send(body);
    const bad = await post(JSON.stringify({ data: { attributes: { 'expired-at': 'tomorrow' } } })).expect(422);
    assert.equal(bad.body.errors[0].source.pointer, '/data/attributes/expired-at');
    await post(JSON.stringify({ nope: 1 })).expect(422);
    const malformed = await post('{"data":').expect(400);
    assert.equal(malformed.body.errors[0].detail, 'the request body is not valid JSON');
    // curl -d sends a form type by default: say what to send instead of a schema complaint.
    const form = await post(JSON.stringify({ data: { attributes: {} } }), 'application/x-www-form-urlencoded').expect(415);
    assert.match(form.body.errors[0].detail, /Content-Type: application\/vnd\.api\+json/);
    // A token born expired would be shown once and never work.
    const past = await post(JSON.stringify({ data: { attributes: { 'expired-at': '2000-01-01T00:00:00Z' } } })).expect(422);
    assert.equal(past.body.errors[0].source.pointer, '/data/attributes/expired-at');
    assert.match(past.body.errors[0].detail, /must be in the future/);
    assert.equal((await h.store.tokens.listByOwner('user', alice.userId, { number: 1, size: 100 })).total, 0);
  });

  it('session-authenticated writes need the X-CSRF-Token header; bearer requests do not', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const res = await alice.browser.gw.post(`/api/v2/users/${alice.userId}/authentication-tokens`).send({ data: { attributes: {} } }).expect(403);
    assert.match(res.body.errors[0].detail, /X-CSRF-Token/);
    await alice.browser.gw.post(`/api/v2/users/${alice.userId}/authentication-tokens`).set('X-CSRF-Token', 'wrong').send({ data: { attributes: {} } }).expect(403);
    assert.equal((await h.store.tokens.listByOwner('user', alice.userId, { number: 1, size: 100 })).total, 0);
  });

  it('malformed or unknown tokens get 401 with a JSON:API body', async () => {
    const h = await createHarness();
    const api = () => request(h.gateway.app).get('/api/v2/account/details');
    const cases: Array<[string, RegExp]> = [
      ['Bearer', /must be "Bearer <token>"/],
      ['Basic YWxpY2U6YWxpY2U=', /must be "Bearer <token>"/],
      ['Bearer not-a-token', /not a valid API token/],
      [`Bearer ${'a'.repeat(14)}.atlasv1.${'b'.repeat(67)}`, /invalid or has been revoked/],
    ];
    for (const [header, detail] of cases) {
      const res = await api().set('Authorization', header).expect(401);
      assert.equal(res.body.errors[0].title, 'unauthorized');
      assert.match(res.body.errors[0].detail, detail, header);
    }
    await api().expect(401);
  });

  it('the tokens page creates a token, shows it once, and revokes it', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const created = await alice.browser.gw.post('/app/settings/tokens').type('form').send({ _csrf: alice.csrf, description: 'from the UI' }).expect(201);
    assert.equal(created.headers['cache-control'], 'no-store');
    const secret = /<code id="new-token">([^<]+)<\/code>/.exec(created.text)?.[1];
    assert.ok(secret);
    await callWithToken(h, secret).expect(200);
    const page = await alice.browser.gw.get('/app/settings/tokens').expect(200);
    assert.ok(!page.text.includes(secret), 'the secret is not shown again');
    const [token] = (await h.store.tokens.listByOwner('user', alice.userId, { number: 1, size: 100 })).items;
    await alice.browser.gw.post(`/app/settings/tokens/${token!.id}/delete`).type('form').send({ _csrf: alice.csrf }).expect(303);
    await callWithToken(h, secret).expect(401);
    await alice.browser.gw.post('/app/settings/tokens').type('form').send({ description: 'no csrf' }).expect(403);
  });
});
