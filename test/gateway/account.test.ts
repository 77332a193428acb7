/** GET /account/details and PATCH /account/update for SAML users (TFE "Account" API). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callWithToken, createHarness } from '../support/harness.ts';
import { api } from '../support/tfe-api.ts';

const update = (attributes: Record<string, unknown>) => ({ data: { type: 'users', attributes } });

describe('account', () => {
  it('user attributes as TFE sends them: a non-empty avatar-url, two-factor an object', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const me = (await api(h, alice).get('/api/v2/account/details').expect(200)).body.data;
    assert.match(me.attributes['avatar-url'], /^https:\/\/www\.gravatar\.com\/avatar\/[0-9a-f]{32}\?/);
    assert.deepEqual(me.attributes['two-factor'], { enabled: false, verified: false });
    assert.equal(me.attributes['unconfirmed-email'], null);
  });

  it('an empty update changes nothing', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const before = (await api(h, alice).get('/api/v2/account/details').expect(200)).body;
    await api(h, alice).patch('/api/v2/account/update', { data: { type: 'users' } }).expect(200);
    assert.deepEqual((await api(h, alice).get('/api/v2/account/details').expect(200)).body, before);
  });

  it('a SAML user cannot change their username or email (422 each, saying the IdP owns it); nothing changes', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const token = await alice.createToken();
    const before = (await callWithToken(h, token.secret).expect(200)).body;
    const res = await api(h, token.secret).patch('/api/v2/account/update', update({ username: 'NewTestUsername', email: 'alice.new@example.com' })).expect(422);
    const byPointer = Object.fromEntries(res.body.errors.map((e: { source: { pointer: string }; detail: string }) => [e.source.pointer, e.detail]));
    assert.match(byPointer['/data/attributes/username'], /set by the identity provider at each login \(the Username attribute, or else the local part of the NameID email\)/);
    assert.match(byPointer['/data/attributes/email'], /the NameID the identity provider sends/);
    assert.deepEqual((await callWithToken(h, token.secret).expect(200)).body, before);
  });

  it('sending the current username and email is accepted and changes nothing (go-tfe resets a user so)', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const before = (await api(h, alice).get('/api/v2/account/details').expect(200)).body;
    const res = (await api(h, alice).patch('/api/v2/account/update', update({ username: 'alice', email: 'Alice@Example.com' })).expect(200)).body;
    assert.deepEqual(res, before);
  });

  it('invalid values are 422 naming the field; another user\'s username is 422', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    await h.login('bob');
    const bad = await api(h, alice).patch('/api/v2/account/update', update({ email: 'notamailaddress', username: 'no spaces' })).expect(422);
    assert.deepEqual(bad.body.errors.map((e: { source: { pointer: string } }) => e.source.pointer).sort(), ['/data/attributes/email', '/data/attributes/username']);
    const taken = await api(h, alice).patch('/api/v2/account/update', update({ username: 'bob' })).expect(422);
    assert.equal(taken.body.errors[0].source.pointer, '/data/attributes/username');
  });

  it('team and organization tokens have no account to update (404)', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    const orgToken = (await api(h, carol).post('/api/v2/organizations/example-org/authentication-token').expect(201)).body.data.attributes.token;
    await api(h, orgToken).patch('/api/v2/account/update', update({ username: 'x' })).expect(404);
  });
});

describe('TFE rate limit (optional)', () => {
  it('off by default: 100 quick calls with one token all succeed', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const { secret } = await alice.createToken();
    for (let i = 0; i < 100; i++) await callWithToken(h, secret).expect(200);
  });

  it('on: the 31st request within a second gets 429 with TFE\'s body; the next second is fine', async () => {
    // The window runs on monotonic real time (test/gateway/rate-limit.test.ts); this test moves it.
    let t = 0;
    const h = await createHarness({ 'gateway.rateLimit': true }, {}, { monotonicNow: () => t });
    const alice = await h.login('alice');
    const { secret } = await alice.createToken();
    for (let i = 0; i < 30; i++) await callWithToken(h, secret).expect(200);
    const limited = await callWithToken(h, secret).expect(429);
    assert.deepEqual(limited.body.errors[0].status, '429');
    assert.equal(limited.headers['retry-after'], '1');
    const other = await alice.createToken('other');
    await callWithToken(h, other.secret).expect(200);
    t += 1000;
    await callWithToken(h, secret).expect(200);
  });
});
