/**
 * Tenant isolation between organizations and between users (the security issue's three attacks),
 * through the real IdP, SAML login and HTTP API:
 * - a SAML user squatting a username the IdP gives someone else;
 * - the owners of one organization binding an existing user to their session limits without
 *   consent (invitations of existing accounts wait for the user to accept);
 * - a user's full IdP group list (`meta.member-of`) shown to other members.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHarness } from '../support/harness.ts';
import { api, teamId } from '../support/tfe-api.ts';


describe('tenant isolation', () => {
  it('username squatting: a SAML user cannot take a username the IdP has not given them (422), so its owner\'s first login works', async () => {
    const h = await createHarness({}, { idp: { users: [{ username: 'dave', email: 'dave@example.com', password: 'dave' }] } });
    const alice = await h.login('alice');
    const me = (await api(h, alice).get('/api/v2/account/details').expect(200)).body.data;
    assert.equal(me.attributes.permissions['can-change-username'], false);
    const res = await api(h, alice).patch('/api/v2/account/update', { data: { type: 'users', attributes: { username: 'dave' } } }).expect(422);
    assert.equal(res.body.errors[0].source.pointer, '/data/attributes/username');
    assert.match(res.body.errors[0].detail, /set by the identity provider at each login/);
    assert.equal((await api(h, alice).get('/api/v2/account/details').expect(200)).body.data.attributes.username, 'alice');
    // The new hire's first login is not refused as a username collision.
    const dave = await h.login('dave');
    assert.equal((await api(h, dave).get('/api/v2/account/details').expect(200)).body.data.attributes.username, 'dave');
  });

  it('meta.member-of (the whole IdP group list) is shown only to the user themself and site admins', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const bob = await h.login('bob');
    const carol = await h.login('carol');
    const developers = await teamId(h, 'developers');
    const aliceIn = (doc: { included?: { id: string; meta: Record<string, unknown> }[] }) => doc.included!.find((u) => u.id === alice.userId)!;

    // bob, another member, sees alice through a team and through the memberships list: no groups.
    const team = (await api(h, bob).get(`/api/v2/teams/${developers}?include=users`).expect(200)).body;
    assert.ok(!('member-of' in aliceIn(team).meta));
    const memberships = (await api(h, bob).get('/api/v2/organizations/example-org/organization-memberships?include=user').expect(200)).body;
    assert.ok(!('member-of' in aliceIn(memberships).meta));
    await api(h, bob).get(`/api/v2/users/${alice.userId}`).expect(404);

    // alice herself and carol (site admin) see them.
    assert.deepEqual((await api(h, alice).get('/api/v2/account/details').expect(200)).body.data.meta['member-of'], ['developers']);
    assert.deepEqual(aliceIn((await api(h, alice).get(`/api/v2/teams/${developers}?include=users`).expect(200)).body).meta['member-of'], ['developers']);
    assert.deepEqual(aliceIn((await api(h, carol).get(`/api/v2/teams/${developers}?include=users`).expect(200)).body).meta['member-of'], ['developers']);
  });
});
