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
import { createHarness, type Harness, type LoggedIn } from '../support/harness.ts';
import { api, teamId } from '../support/tfe-api.ts';

const invite = (email: string) => ({ data: { type: 'organization-memberships', attributes: { email } } });
const users = (...names: string[]) => ({ data: names.map((id) => ({ type: 'users', id })) });

/**
 * bob (not a site admin) becomes the owner of a second organization `bee` whose session-timeout is
 * one minute: carol (site admin) creates it, invites bob, bob accepts, carol makes him an owner.
 */
async function ownerOfAnotherOrganization(h: Harness): Promise<LoggedIn> {
  const carol = await h.login('carol');
  await api(h, carol).post('/api/v2/organizations', { data: { type: 'organizations', attributes: { name: 'bee', email: 'bee@example.com', 'session-timeout': 1, 'session-remember': 1 } } }).expect(201);
  const bob = await h.login('bob');
  const m = (await api(h, carol).post('/api/v2/organizations/bee/organization-memberships', invite('bob@example.com')).expect(201)).body.data;
  await api(h, bob).post(`/api/v2/organization-memberships/${m.id}/actions/accept`).expect(200);
  await api(h, carol).post(`/api/v2/teams/${await teamId(h, 'owners', 'bee')}/relationships/users`, users('bob')).expect(204);
  return bob;
}

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

  it('an owner of another organization cannot shorten a user\'s session', async () => {
    const h = await createHarness();
    const bob = await ownerOfAnotherOrganization(h);
    // alice: a developer of example-org (MemberOf), with a session and a user token.
    const first = await h.login('alice');
    const token = await first.createToken();
    // bob, owner of bee (session-timeout 1 min), adds alice by email and to a team by username.
    const invited = await api(h, bob).post('/api/v2/organizations/bee/organization-memberships', invite('alice@example.com'));
    const added = await api(h, bob).post(`/api/v2/teams/${await teamId(h, 'owners', 'bee')}/relationships/users`, users('alice'));
    // alice's next daily login, then two quiet minutes.
    const alice = await h.login('alice', first.browser);
    h.advance('2m');
    await api(h, alice).get('/api/v2/account/details').expect(200);
    await api(h, token.secret).get('/api/v2/organizations/example-org').expect(200);

    assert.equal(invited.status, 201);
    assert.equal(invited.body.data.attributes.status, 'invited', 'an existing account is invited, not made a member');
    assert.equal(added.status, 422);
    assert.match(added.body.errors[0].detail, /alice is not a member of organization bee: invite them by email/);
    // Invited only: not a member of bee (404, absent from the list), in none of its teams.
    await api(h, token.secret).get('/api/v2/organizations/bee').expect(404);
    const listed = (await api(h, token.secret).get('/api/v2/organizations').expect(200)).body.data.map((o: { id: string }) => o.id);
    assert.deepEqual(listed, ['example-org']);
    // Consent cannot be given on alice's behalf, by bee's owner or a site admin.
    const membership = invited.body.data.id as string;
    await api(h, bob).post(`/api/v2/organization-memberships/${membership}/actions/accept`).expect(404);
    const carol = await h.login('carol');
    await api(h, carol).post(`/api/v2/organization-memberships/${membership}/actions/accept`).expect(404);

    // alice accepts: she is a member of bee, and from her next login its limit binds.
    const accepted = (await api(h, token.secret).post(`/api/v2/organization-memberships/${membership}/actions/accept`).expect(200)).body.data;
    assert.equal(accepted.attributes.status, 'active');
    await api(h, token.secret).get('/api/v2/organizations/bee').expect(200);
    const again = await h.login('alice', alice.browser);
    h.advance('2m');
    await api(h, again).get('/api/v2/account/details').expect(401);
    await api(h, token.secret).get('/api/v2/organizations/example-org').expect(401);
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
