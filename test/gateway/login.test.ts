/** Login of each embedded user through the real IdP and ACS, and rule S5's attribute sync. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { syncUserAtLogin } from '../../src/tfe/users.ts';
import { createHarness } from '../support/harness.ts';

describe('login through the built-in IdP', () => {
  it('alice logs in: developer, not a service account, not a site admin', async () => {
    const h = await createHarness();
    const { browser } = await h.login('alice');
    const me = await browser.gw.get('/api/v2/account/details').expect(200);
    assert.equal(me.headers['content-type'], 'application/vnd.api+json; charset=utf-8');
    assert.equal(me.body.data.type, 'users');
    assert.match(me.body.data.id, /^user-[A-Za-z0-9]{16}$/);
    assert.equal(me.body.data.attributes.username, 'alice');
    assert.equal(me.body.data.attributes.email, 'alice@example.com');
    assert.equal(me.body.data.attributes['is-service-account'], false);
    assert.equal(me.body.data.attributes['is-site-admin'], false);
    assert.deepEqual(me.body.data.meta['member-of'], ['developers']);
  });

  it('bob logs in flagged as a service account (IsServiceAccount=true)', async () => {
    const h = await createHarness();
    const { browser } = await h.login('bob');
    const me = await browser.gw.get('/api/v2/account/details').expect(200);
    assert.equal(me.body.data.attributes['is-service-account'], true);
    assert.equal(me.body.data.meta['service-account-synced-at'], new Date(h.clock.now()).toISOString());
  });

  it('carol logs in as an owner and site admin (S5: SiteAdmin=true)', async () => {
    const h = await createHarness();
    const { browser } = await h.login('carol');
    const me = await browser.gw.get('/api/v2/account/details').expect(200);
    assert.equal(me.body.data.attributes['is-site-admin'], true);
    assert.deepEqual(me.body.data.meta['member-of'], ['owners']);
    await browser.gw.get('/app/admin/users').expect(200);
  });

  it('a wrong password at the IdP never reaches the gateway', async () => {
    const h = await createHarness();
    await assert.rejects(h.login('alice', h.browser(), 'not-alice'), /did not answer with a SAML form \(HTTP 401\)/);
    assert.equal((await h.store.users.count()), 0);
  });

  it('a second AuthnRequest is answered from the IdP session without the form', async () => {
    const h = await createHarness();
    const first = await h.login('alice');
    const again = await first.browser.gw.get('/session?force=1').expect(302);
    const sso = new URL(again.headers.location!);
    const page = await first.browser.idp.get(sso.pathname + sso.search).expect(200);
    assert.doesNotMatch(page.text, /name="password"/);
    assert.match(page.text, /name="SAMLResponse"/);
  });

  it('S5: Username sets the username, MemberOf may be one comma-separated value, site-admins in MemberOf makes an admin', async () => {
    const h = await createHarness({}, {
      idp: {
        users: [
          { username: 'dave', email: 'dave.ops@example.com', password: 'pw', attributes: { Username: 'dave ops!', MemberOf: 'developers, site-admins' } },
        ],
      },
    });
    const dave = await h.login('dave', h.browser(), 'pw');
    const me = await dave.browser.gw.get('/api/v2/account/details').expect(200);
    assert.equal(me.body.data.attributes.username, 'dave_ops_');
    assert.deepEqual(me.body.data.meta['member-of'], ['developers', 'site-admins']);
    assert.equal(me.body.data.attributes['is-site-admin'], true);
  });

  it('/users/saml/metadata is the SP metadata and names the ACS', async () => {
    const h = await createHarness();
    const res = await request(h.gateway.app).get('/users/saml/metadata').expect(200);
    assert.match(res.headers['content-type']!, /application\/samlmetadata\+xml/);
    assert.match(res.text, /entityID="http:\/\/localhost:8080\/users\/saml\/metadata"/);
    assert.match(res.text, /Location="http:\/\/localhost:8080\/users\/saml\/auth"/);
  });

  it('ping answers 204 and terraform.json advertises tfe.v2', async () => {
    const h = await createHarness();
    await request(h.gateway.app).get('/api/v2/ping').expect(204);
    const wk = await request(h.gateway.app).get('/.well-known/terraform.json').expect(200);
    assert.equal(wk.body['tfe.v2'], '/api/v2/');
  });
});

describe('concurrent logins', () => {
  it('simultaneous first logins of one user create one consistent user record', async () => {
    const h = await createHarness();
    const facts = { nameId: 'zoe@example.com', username: 'zoe', memberOf: ['developers'], siteAdmin: false, isServiceAccount: false };
    // Called directly so every call reaches the read-modify-write in the same tick: this is the
    // interleaving HTTP timing makes rare but a busy server does not.
    const users = await Promise.all(Array.from({ length: 10 }, (_, i) => syncUserAtLogin(h.gateway.context, { ...facts, isServiceAccount: i === 9 })));
    const stored = (await h.store.users.list({}, { number: 1, size: 100 })).items;
    assert.equal(stored.length, 1);
    assert.ok(users.every((u) => u.id === stored[0]!.id));
    assert.equal(stored[0]!.isServiceAccount, true, 'the last login wins, as they ran in order');
  });
});
