/**
 * Teams, team members and organization memberships through HTTP: the owners rules, visibility,
 * organization-access, members by username and by membership, invitations activated at first
 * SAML login, and the MemberOf sync (rule S5).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHarness } from '../support/harness.ts';
import { api, NOT_FOUND, teamId } from '../support/tfe-api.ts';

const ORG = '/api/v2/organizations/example-org';
const teamBody = (attributes: Record<string, unknown>) => ({ data: { type: 'teams', attributes } });
const users = (...names: string[]) => ({ data: names.map((id) => ({ type: 'users', id })) });

describe('teams', () => {
  it('create, show, list and update share one serializer; visibility defaults to secret; organization-access round-trips', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    const created = (await api(h, carol).post(`${ORG}/teams`, teamBody({ name: 'platform', 'organization-access': { 'manage-policies': true } })).expect(201)).body.data;
    assert.equal(created.type, 'teams');
    assert.equal(created.attributes.visibility, 'secret');
    assert.equal(created.attributes['organization-access']['manage-policies'], true);
    assert.equal(created.attributes['organization-access']['manage-workspaces'], false);
    assert.equal(created.attributes.permissions['can-destroy'], true);
    assert.deepEqual(created.relationships.organization.data, { id: 'example-org', type: 'organizations' });
    assert.deepEqual((await api(h, carol).get(`/api/v2/teams/${created.id}`).expect(200)).body.data, created);
    const listed = (await api(h, carol).get(`${ORG}/teams`).expect(200)).body.data.find((t: { id: string }) => t.id === created.id);
    assert.deepEqual(listed, created);
    const updated = (await api(h, carol).patch(`/api/v2/teams/${created.id}`, teamBody({ name: 'platform team', visibility: 'organization', 'organization-access': { 'manage-policies': false, 'manage-vcs-settings': true } })).expect(200)).body.data;
    assert.equal(updated.attributes.name, 'platform team');
    assert.equal(updated.attributes['organization-access']['manage-policies'], false);
    assert.equal(updated.attributes['organization-access']['manage-vcs-settings'], true);
    assert.deepEqual((await api(h, carol).get(`/api/v2/teams/${created.id}`).expect(200)).body.data, updated);
  });

  it('invalid fields are 422 with pointers; a taken name is 422; an unknown id is 404', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    const bad = await api(h, carol).post(`${ORG}/teams`, teamBody({ name: '', visibility: 'public', 'organization-access': { 'manage-everything': true } })).expect(422);
    assert.deepEqual(bad.body.errors.map((e: { source: { pointer: string } }) => e.source.pointer).sort(), ['/data/attributes/name', '/data/attributes/organization-access', '/data/attributes/visibility']);
    const dup = await api(h, carol).post(`${ORG}/teams`, teamBody({ name: 'developers' })).expect(422);
    assert.equal(dup.body.errors[0].source.pointer, '/data/attributes/name');
    assert.deepEqual((await api(h, carol).get('/api/v2/teams/nonexisting').expect(404)).body, NOT_FOUND);
  });

  it('the owners team cannot be deleted nor emptied of its last member', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    const owners = await teamId(h, 'owners');
    const del = await api(h, carol).delete(`/api/v2/teams/${owners}`).expect(422);
    assert.match(del.body.errors[0].detail, /owners team cannot be deleted/);
    const empty = await api(h, carol).delete(`/api/v2/teams/${owners}/relationships/users`, users('carol')).expect(422);
    assert.match(empty.body.errors[0].detail, /at least one member/);
    await h.login('alice');
    await api(h, carol).post(`/api/v2/teams/${owners}/relationships/users`, users('alice')).expect(204);
    await api(h, carol).delete(`/api/v2/teams/${owners}/relationships/users`, users('alice')).expect(204);
  });

  it('a secret team is invisible (404, absent from lists) to members of other teams', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    const alice = await h.login('alice');
    const secret = (await api(h, carol).post(`${ORG}/teams`, teamBody({ name: 'red-team' })).expect(201)).body.data;
    await api(h, alice).get(`/api/v2/teams/${secret.id}`).expect(404);
    const names = (await api(h, alice).get(`${ORG}/teams`).expect(200)).body.data.map((t: { attributes: { name: string } }) => t.attributes.name);
    assert.ok(!names.includes('red-team'));
    assert.ok(names.includes('developers'));
    await api(h, carol).post(`/api/v2/teams/${secret.id}/relationships/users`, users('alice')).expect(204);
    await api(h, alice).get(`/api/v2/teams/${secret.id}`).expect(200);
  });

  it('deleting a team deletes its tokens', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    const team = (await api(h, carol).post(`${ORG}/teams`, teamBody({ name: 'temp' })).expect(201)).body.data;
    const secret = (await api(h, carol).post(`/api/v2/teams/${team.id}/authentication-token`).expect(201)).body.data.attributes.token;
    await api(h, carol).delete(`/api/v2/teams/${team.id}`).expect(204);
    await api(h, secret).get('/api/v2/account/details').expect(401);
    await api(h, carol).get(`/api/v2/teams/${team.id}`).expect(404);
  });
});

describe('team members', () => {
  it('added and removed by username; unknown usernames are 422; include=users lists them', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    const bob = await h.login('bob');
    const team = (await api(h, carol).post(`${ORG}/teams`, teamBody({ name: 'ops' })).expect(201)).body.data;
    assert.deepEqual(team.relationships.users.data, []);
    await api(h, carol).post(`/api/v2/teams/${team.id}/relationships/users`, users('bob')).expect(204);
    const shown = (await api(h, carol).get(`/api/v2/teams/${team.id}?include=users`).expect(200)).body;
    assert.deepEqual(shown.data.relationships.users.data, [{ id: bob.userId, type: 'users' }]);
    assert.equal(shown.data.attributes['users-count'], 1);
    assert.equal(shown.included[0].attributes.username, 'bob');
    const unknown = await api(h, carol).post(`/api/v2/teams/${team.id}/relationships/users`, users('nobody')).expect(422);
    assert.match(unknown.body.errors[0].detail, /no user named nobody/);
    await api(h, carol).post(`/api/v2/teams/${team.id}/relationships/users`, { data: [] }).expect(422);
    await api(h, carol).delete(`/api/v2/teams/${team.id}/relationships/users`, users('bob')).expect(204);
    assert.deepEqual((await api(h, carol).get(`/api/v2/teams/${team.id}`).expect(200)).body.data.relationships.users.data, []);
  });

  it('a developer cannot change team membership (404)', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const developers = await teamId(h, 'developers');
    await api(h, alice).post(`/api/v2/teams/${developers}/relationships/users`, users('alice')).expect(404);
  });
});

describe('organization memberships', () => {
  const invite = (email: string, teams: string[] = []) => ({ data: { type: 'organization-memberships', attributes: { email }, relationships: { teams: { data: teams.map((id) => ({ type: 'teams', id })) } } } });

  it('an invitation names a user at once and becomes active at that person\'s first SAML login, joining its teams', async () => {
    const h = await createHarness({}, { idp: { users: [{ username: 'dave', email: 'dave@example.com', password: 'dave' }] } });
    const carol = await h.login('carol');
    const developers = await teamId(h, 'developers');
    const created = (await api(h, carol).post(`${ORG}/organization-memberships`, invite('dave@example.com', [developers])).expect(201)).body;
    assert.equal(created.data.attributes.status, 'invited');
    const reserved = created.data.relationships.user.data.id;
    assert.match(reserved, /^user-[A-Za-z0-9]{16}$/);
    assert.deepEqual(created.data.relationships.teams.data, [{ id: developers, type: 'teams' }]);
    const dave = await h.login('dave');
    assert.equal(dave.userId, reserved, 'the login created the user the invitation named');
    const shown = (await api(h, carol).get(`/api/v2/organization-memberships/${created.data.id}?include=user`).expect(200)).body;
    assert.equal(shown.data.attributes.status, 'active');
    assert.equal(shown.included[0].attributes.username, 'dave');
    assert.ok((await h.store.teams.teamsOfUser(dave.userId)).some((t) => t.id === developers));
    await api(h, dave).get(ORG).expect(200);
  });

  it('create, show and list agree; a page past the end has the true total; a bad email is 422; delete is 204', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    const created = (await api(h, carol).post(`${ORG}/organization-memberships`, invite('new@example.com')).expect(201)).body.data;
    const shown = (await api(h, carol).get(`/api/v2/organization-memberships/${created.id}`).expect(200)).body.data;
    assert.deepEqual(shown, created);
    const list = (await api(h, carol).get(`${ORG}/organization-memberships`).expect(200)).body;
    assert.ok(list.data.some((m: { id: string }) => m.id === created.id));
    const past = (await api(h, carol).get(`${ORG}/organization-memberships?page[number]=999&page[size]=100`).expect(200)).body;
    assert.deepEqual(past.data, []);
    assert.equal(past.meta.pagination['total-count'], list.meta.pagination['total-count']);
    assert.equal((await api(h, carol).get(`${ORG}/organization-memberships?filter[status]=invited`).expect(200)).body.data.length, 1);
    const badFilter = await api(h, carol).get(`${ORG}/organization-memberships?filter[status]=pending`).expect(422);
    assert.deepEqual(badFilter.body.errors[0].source, { parameter: 'filter[status]' });
    const bad = await api(h, carol).post(`${ORG}/organization-memberships`, invite('not-an-email-address')).expect(422);
    assert.equal(bad.body.errors[0].source.pointer, '/data/attributes/email');
    const twice = await api(h, carol).post(`${ORG}/organization-memberships`, invite('new@example.com')).expect(422);
    assert.equal(twice.body.errors[0].source.pointer, '/data/attributes/email');
    await api(h, carol).delete(`/api/v2/organization-memberships/${created.id}`).expect(204);
    await api(h, carol).get(`/api/v2/organization-memberships/${created.id}`).expect(404);
  });

  it('an invited membership can be added to a team before it activates (include=organization-memberships)', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    const team = (await api(h, carol).post(`${ORG}/teams`, teamBody({ name: 'later' })).expect(201)).body.data;
    const m = (await api(h, carol).post(`${ORG}/organization-memberships`, invite('later@example.com')).expect(201)).body.data;
    await api(h, carol).post(`/api/v2/teams/${team.id}/relationships/organization-memberships`, { data: [{ type: 'organization-memberships', id: m.id }] }).expect(204);
    const shown = (await api(h, carol).get(`/api/v2/teams/${team.id}?include=organization-memberships`).expect(200)).body;
    assert.deepEqual(shown.data.relationships['organization-memberships'].data, [{ id: m.id, type: 'organization-memberships' }]);
    assert.equal(shown.included[0].attributes.email, 'later@example.com');
    await api(h, carol).delete(`/api/v2/teams/${team.id}/relationships/organization-memberships`, { data: [{ type: 'organization-memberships', id: m.id }] }).expect(204);
    assert.deepEqual((await api(h, carol).get(`/api/v2/teams/${team.id}`).expect(200)).body.data.relationships['organization-memberships'].data, []);
  });

  it('the last owner\'s membership cannot be deleted', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    const list = (await api(h, carol).get(`${ORG}/organization-memberships?q=carol`).expect(200)).body.data;
    const res = await api(h, carol).delete(`/api/v2/organization-memberships/${list[0].id}`).expect(422);
    assert.match(res.body.errors[0].detail, /last owner/);
  });
});

describe('MemberOf sync at login (team management on)', () => {
  it('adds the teams named, removes the others, ignores unknown names, matches sso-team-id', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    const ops = (await api(h, carol).post(`${ORG}/teams`, teamBody({ name: 'ops', 'sso-team-id': 'grp-ops-123' })).expect(201)).body.data;
    const alice = await h.login('alice');
    const developers = await teamId(h, 'developers');
    const teamsOf = async () => (await h.store.teams.teamsOfUser(alice.userId)).map((t) => t.name).sort();
    assert.deepEqual(await teamsOf(), ['developers']);
    await h.patchIdpUser('alice', { attributes: { MemberOf: ['grp-ops-123', 'no-such-team'] } });
    await h.login('alice', alice.browser);
    assert.deepEqual(await teamsOf(), ['ops']);
    assert.ok(!(await h.store.teams.teamsOfUser(alice.userId)).some((t) => t.id === developers));
    assert.ok(ops.id);
  });

  it('owners only through owners-team-saml-role-id', async () => {
    const h = await createHarness();
    await h.login('carol');
    await h.patchIdpUser('alice', { attributes: { MemberOf: ['owners', 'developers'] } });
    const alice = await h.login('alice');
    // example-org's owners-team-saml-role-id is "owners": alice is an owner now.
    assert.ok((await h.store.teams.teamsOfUser(alice.userId)).some((t) => t.isOwners));
    const carol = await h.login('carol');
    await api(h, carol).patch(ORG, { data: { type: 'organizations', attributes: { 'owners-team-saml-role-id': 'tfe-owners' } } }).expect(200);
    await h.patchIdpUser('alice', { attributes: { MemberOf: ['developers'] } });
    await h.login('alice', alice.browser);
    assert.ok(!(await h.store.teams.teamsOfUser(alice.userId)).some((t) => t.isOwners), 'the role id is no longer sent');
    await h.patchIdpUser('alice', { attributes: { MemberOf: ['owners'] } });
    await h.login('alice', alice.browser);
    assert.ok(!(await h.store.teams.teamsOfUser(alice.userId)).some((t) => t.isOwners), 'the team name alone does not make an owner');
  });

  it('with team-management-enabled off, MemberOf changes nothing', async () => {
    const h = await createHarness();
    const carol = await h.login('carol');
    await api(h, carol).patch('/api/v2/admin/saml-settings', { data: { type: 'saml-settings', attributes: { 'team-management-enabled': false } } }).expect(200);
    const alice = await h.login('alice');
    assert.deepEqual(await h.store.teams.teamsOfUser(alice.userId), []);
  });
});
