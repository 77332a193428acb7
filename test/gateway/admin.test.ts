/** Admin users and organizations (TFE admin API): filters, pagination, 404 for non-admins, the last site admin. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHarness } from '../support/harness.ts';
import { api, NOT_FOUND } from '../support/tfe-api.ts';

describe('admin users', () => {
  it("TFE's filters and pagination: q, filter[admin], filter[suspended], page[number]/page[size]", async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    const alice = await h.login('alice');
    const bob = await h.login('bob');
    await api(h, carol).post(`/api/v2/admin/users/${bob.userId}/actions/suspend`).expect(200);
    const names = async (query: string) => (await api(h, carol).get(`/api/v2/admin/users${query}`).expect(200)).body.data.map((u: { attributes: { username: string } }) => u.attributes.username);
    assert.deepEqual(await names(''), ['alice', 'bob', 'carol']);
    assert.deepEqual(await names('?q=ali'), ['alice']);
    assert.deepEqual(await names('?q=EXAMPLE.COM'), ['alice', 'bob', 'carol'], 'q matches the email, case-insensitively');
    assert.deepEqual(await names('?filter[admin]=true'), ['carol']);
    assert.deepEqual(await names('?filter[suspended]=true'), ['bob']);
    assert.deepEqual(await names('?filter[service-account]=true'), ['bob']);
    const page = (await api(h, carol).get('/api/v2/admin/users?page[size]=2&page[number]=2').expect(200)).body;
    assert.deepEqual(page.data.map((u: { id: string }) => u.id), [carol.userId]);
    assert.equal(page.meta.pagination['total-count'], 3);
    assert.equal(page.meta.pagination['total-pages'], 2);
    const user = page.data[0].attributes;
    assert.equal(user['is-admin'], true);
    assert.ok(user['avatar-url'].startsWith('https://'));
    const bad = await api(h, carol).get('/api/v2/admin/users?filter[admin]=maybe').expect(422);
    assert.deepEqual(bad.body.errors[0].source, { parameter: 'filter[admin]' });
    assert.deepEqual((await api(h, alice).get('/api/v2/admin/users').expect(404)).body, NOT_FOUND);
  });

  it('the last active site admin cannot suspend themselves (nobody could unsuspend them)', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    const res = await api(h, carol).post(`/api/v2/admin/users/${carol.userId}/actions/suspend`).expect(422);
    assert.match(res.body.errors[0].detail, /last active site admin/);
    assert.equal((await h.store.users.get(carol.userId))!.isSuspended, false);
    // The admin page's form follows the same rule.
    await carol.browser.gw.post(`/app/admin/users/${carol.userId}/suspend`).type('form').send({ _csrf: carol.csrf }).expect(303);
    assert.match((await carol.browser.gw.get('/app/admin/users').expect(200)).text, /last active site admin/);
    assert.equal((await h.store.users.get(carol.userId))!.isSuspended, false);
    // With a second site admin, suspending oneself is allowed.
    await h.patchIdpUser('alice', { attributes: { SiteAdmin: true } });
    await h.login('alice');
    await api(h, carol).post(`/api/v2/admin/users/${carol.userId}/actions/suspend`).expect(200);
  });
});

describe('admin organizations', () => {
  it('lists every organization (q, pagination), shows and deletes any; non-admins 404', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    const alice = await h.login('alice');
    for (const name of ['zeta', 'alpha']) await api(h, carol).post('/api/v2/organizations', { data: { type: 'organizations', attributes: { name, email: `${name}@example.com` } } }).expect(201);
    // The admin API lists every organization, member or not.
    const list = (await api(h, carol).get('/api/v2/admin/organizations').expect(200)).body;
    assert.deepEqual(list.data.map((o: { id: string }) => o.id), ['alpha', 'example-org', 'zeta']);
    assert.equal(list.meta.pagination['total-count'], 3);
    assert.deepEqual((await api(h, carol).get('/api/v2/admin/organizations?q=zet').expect(200)).body.data.map((o: { id: string }) => o.id), ['zeta']);
    assert.equal((await api(h, carol).get('/api/v2/admin/organizations/zeta').expect(200)).body.data.attributes.email, 'zeta@example.com');
    await api(h, carol).delete('/api/v2/admin/organizations/zeta').expect(204);
    await api(h, carol).get('/api/v2/organizations/zeta').expect(404);
    await api(h, alice).get('/api/v2/admin/organizations').expect(404);
    await api(h, alice).delete('/api/v2/admin/organizations/alpha').expect(404);
  });
});
