/**
 * The directory page's forms (toggle IsServiceAccount, next faults, add, remove: each with CSRF)
 * and the recent-responses inspector (decoded XML, signature status per element, which SP).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { csrfOf, issueFor, makeIdp, type TestIdp } from './helpers.ts';
import { ResponseRing } from '../../src/idp/inspector.ts';

async function form(t: TestIdp) {
  const page = await request(t.idp.app).get('/directory').expect(200);
  return csrfOf(page);
}

const post = (t: TestIdp, c: { token: string; cookie: string }, path: string, fields: Record<string, string>) =>
  request(t.idp.app).post(path).set('Cookie', c.cookie).type('form').send({ csrf: c.token, ...fields });

describe('IdP directory page', () => {
  it('lists users with attributes, faults and how the gateway reads IsServiceAccount', async () => {
    const t = makeIdp();
    await request(t.idp.app).patch('/api/users/alice').send({ faults: ['expired'], nextFaults: { faults: ['wrong-issuer'], count: 3 } }).expect(200);
    const page = await request(t.idp.app).get('/directory').expect(200);
    assert.match(page.text, /<tr id="user-bob">[\s\S]*?<code>IsServiceAccount<\/code> = <code>true<\/code>[\s\S]*?<td class="ok">flagged/);
    assert.match(page.text, /<tr id="user-alice">[\s\S]*?<code>expired<\/code><br>next 3: <code>wrong-issuer<\/code>/);
    assert.match(page.text, /<table id="service-providers">[\s\S]*http:\/\/localhost:8080\/users\/saml\/metadata[\s\S]*Response \+ Assertion, rsa-sha256/);
  });

  it('toggles IsServiceAccount, sets faults for the next N responses, adds and removes users; each form needs its CSRF token', async () => {
    const t = makeIdp();
    const c = await form(t);
    await post(t, { ...c, token: 'forged' }, '/directory/users/bob/service-account', { value: 'false' }).expect(403);
    assert.equal((await request(t.idp.app).get('/api/users/bob')).body.user.attributes.IsServiceAccount, true, 'the forged form changed nothing');

    const toggled = await post(t, c, '/directory/users/bob/service-account', { value: 'false' }).expect(303);
    assert.match(decodeURIComponent(toggled.headers.location!), /IsServiceAccount is now false/);
    assert.equal((await request(t.idp.app).get('/api/users/bob')).body.user.attributes.IsServiceAccount, false);

    await post(t, c, '/directory/users/bob/next-faults', { fault: 'sa-value-one', count: '2' }).expect(303);
    assert.deepEqual((await request(t.idp.app).get('/api/users/bob')).body.user.nextFaults, { faults: ['sa-value-one'], remaining: 2 });
    await post(t, c, '/directory/users/bob/next-faults', { fault: 'bogus', count: '2' }).expect(400);

    await post(t, c, '/directory/users', { username: 'deploy-bot', displayName: 'Deploy bot', memberOf: 'developers, owners', isServiceAccount: 'true' }).expect(303);
    const bot = (await request(t.idp.app).get('/api/users/deploy-bot').expect(200)).body.user;
    assert.deepEqual(bot.attributes, { MemberOf: ['developers', 'owners'], IsServiceAccount: true });
    assert.equal(bot.pickOnly, true);
    const dup = await post(t, c, '/directory/users', { username: 'deploy-bot' }).expect(409);
    assert.match(dup.text, /already a user deploy-bot/);
    const bad = await post(t, c, '/directory/users', { username: '../etc' }).expect(400);
    assert.match(bad.text, /Cannot add that user: username/);

    await post(t, c, '/directory/users/deploy-bot/delete', {}).expect(303);
    await request(t.idp.app).get('/api/users/deploy-bot').expect(404);
    const gone = await post(t, c, '/directory/users/deploy-bot/delete', {}).expect(404);
    assert.match(gone.text, /no user deploy-bot/);
  });
});

describe('IdP recent-responses inspector', () => {
  it('shows each response decoded and pretty-printed, its SP, user and faults, and the signature status of Response and Assertion', async () => {
    const t = makeIdp();
    await issueFor(t, 'alice');
    await request(t.idp.app).patch('/api/users/bob').send({ nextFaults: { faults: ['bad-signature'], count: 1 } }).expect(200);
    await issueFor(t, 'bob');
    const page = await request(t.idp.app).get('/responses').expect(200);
    const items = page.text.split('<li class="response"').slice(1);
    assert.equal(items.length, 2);
    assert.match(items[0]!, /for <code>bob<\/code>[\s\S]*Response: invalid<\/span> · <span class="bad">Assertion: invalid[\s\S]*<code>bad-signature<\/code>/);
    assert.match(items[1]!, /to <code>http:\/\/localhost:8080\/users\/saml\/metadata<\/code> for <code>alice<\/code>[\s\S]*Response: valid<\/span> · <span class="ok">Assertion: valid/);
    assert.match(items[1]!, /<pre>&lt;samlp:Response [^\n]*\n  &lt;saml:Issuer&gt;http:\/\/localhost:7000\/metadata&lt;\/saml:Issuer&gt;/, 'pretty-printed, escaped');
  });

  it('for an encrypted assertion, shows the ciphertext as sent and the signed Assertion before encryption', async () => {
    const t = makeIdp();
    await request(t.idp.app).patch(`/api/service-providers/${encodeURIComponent(t.config.gateway.entityId)}`).send({ encryptAssertion: true }).expect(200);
    await issueFor(t, 'bob').catch(() => undefined); // the helper expects a clear Assertion
    const page = await request(t.idp.app).get('/responses').expect(200);
    assert.match(page.text, /Assertion encrypted \(aes-256-gcm\)/);
    assert.match(page.text, /Response: valid<\/span> · <span class="ok">Assertion: valid/);
    assert.match(page.text, /The Assertion before encryption<\/summary><pre>&lt;saml:Assertion/);
    assert.match(page.text, /&lt;xenc:EncryptedData/);
  });

  it('is a bounded ring: the oldest response goes first', () => {
    const ring = new ResponseRing(3);
    for (let i = 0; i < 5; i++) ring.add({ id: `r${i}`, at: i, kind: 'login', sp: 's', username: null, inResponseTo: null, faults: [], encryption: null, xml: '<x/>', plaintextAssertion: null });
    assert.deepEqual(ring.list().map((r) => r.id), ['r4', 'r3', 'r2']);
    assert.equal(ring.get('r0'), undefined);
  });
});
