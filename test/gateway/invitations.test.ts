/**
 * Invitations of existing accounts (TFE: a user accepts an organization's invitation before they
 * are a member): the accept/decline API (samlgate's), the account page's Invitations section,
 * team membership by username only for active members, and the IdP's MemberOf sync (rule S5)
 * making a membership active at once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHarness, type Harness, type LoggedIn } from '../support/harness.ts';
import { api, teamId } from '../support/tfe-api.ts';

const ORG = '/api/v2/organizations/example-org';
const invite = (email: string, teams: string[] = []) => ({ data: { type: 'organization-memberships', attributes: { email }, relationships: { teams: { data: teams.map((id) => ({ type: 'teams', id })) } } } });
const users = (...names: string[]) => ({ data: names.map((id) => ({ type: 'users', id })) });

/** carol creates `acme` (carol is its owner) with a team `platform`; `who` is invited to it, naming that team. */
async function invitedToAcme(h: Harness, who: LoggedIn, email: string) {
  const carol = await h.login('carol');
  await api(h, carol).post('/api/v2/organizations', { data: { type: 'organizations', attributes: { name: 'acme', email: 'acme@example.com' } } }).expect(201);
  const platform = (await api(h, carol).post('/api/v2/organizations/acme/teams', { data: { type: 'teams', attributes: { name: 'platform' } } }).expect(201)).body.data.id as string;
  const m = (await api(h, carol).post('/api/v2/organizations/acme/organization-memberships', invite(email, [platform])).expect(201)).body.data;
  assert.equal(m.attributes.status, 'invited');
  assert.equal(m.relationships.user.data.id, who.userId, 'the invitation names the existing user');
  return { carol, platform, membershipId: m.id as string };
}

const inTeam = async (h: Harness, userId: string, team: string) => (await h.store.teams.teamsOfUser(userId)).some((t) => t.id === team);

describe('invitations of existing accounts', () => {
  it('the invited user sees their invitation, accepts it through the API and joins its teams; accepting twice is 422', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const { platform, membershipId } = await invitedToAcme(h, alice, 'alice@example.com');
    assert.equal(await inTeam(h, alice.userId, platform), false, 'an invitation joins no team');
    await api(h, alice).get('/api/v2/organizations/acme').expect(404);
    assert.equal((await api(h, alice).get(`/api/v2/organization-memberships/${membershipId}`).expect(200)).body.data.attributes.status, 'invited');
    const accepted = (await api(h, alice).post(`/api/v2/organization-memberships/${membershipId}/actions/accept`).expect(200)).body;
    assert.equal(accepted.data.attributes.status, 'active');
    assert.deepEqual(accepted.data.relationships.teams.data, [{ id: platform, type: 'teams' }]);
    assert.equal(accepted.included[0].id, alice.userId);
    assert.equal(await inTeam(h, alice.userId, platform), true);
    await api(h, alice).get('/api/v2/organizations/acme').expect(200);
    const twice = await api(h, alice).post(`/api/v2/organization-memberships/${membershipId}/actions/accept`).expect(422);
    assert.match(twice.body.errors[0].detail, /already active/);
  });

  it('only the invited user answers: team and organization tokens, the inviting owner and unknown ids get 404', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const { carol, platform, membershipId } = await invitedToAcme(h, alice, 'alice@example.com');
    const teamToken = (await api(h, carol).post(`/api/v2/teams/${platform}/authentication-token`).expect(201)).body.data.attributes.token;
    const orgToken = (await api(h, carol).post('/api/v2/organizations/acme/authentication-token').expect(201)).body.data.attributes.token;
    for (const caller of [teamToken, orgToken, carol]) {
      await api(h, caller).post(`/api/v2/organization-memberships/${membershipId}/actions/accept`).expect(404);
      await api(h, caller).post(`/api/v2/organization-memberships/${membershipId}/actions/decline`).expect(404);
    }
    await api(h, alice).post('/api/v2/organization-memberships/ou-nonexisting/actions/accept').expect(404);
    assert.equal((await h.store.orgMemberships.get(membershipId))!.status, 'invited');
  });

  it('declining deletes the invitation (204); an active membership cannot be declined (422)', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const { membershipId } = await invitedToAcme(h, alice, 'alice@example.com');
    await api(h, alice).post(`/api/v2/organization-memberships/${membershipId}/actions/decline`).expect(204);
    assert.equal(await h.store.orgMemberships.get(membershipId), undefined);
    const own = (await api(h, alice).get(`${ORG}/organization-memberships?q=alice`).expect(200)).body.data[0];
    const res = await api(h, alice).post(`/api/v2/organization-memberships/${own.id}/actions/decline`).expect(422);
    assert.match(res.body.errors[0].detail, /already active/);
  });

  it('the account page lists invitations with Accept and Decline forms that need the CSRF token', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const { platform, membershipId } = await invitedToAcme(h, alice, 'alice@example.com');
    const page = (await alice.browser.gw.get('/').expect(200)).text;
    assert.match(page, /<h3>Invitations<\/h3>/);
    assert.match(page, /acme/);
    assert.ok(page.includes(`action="/app/settings/invitations/${membershipId}/accept"`));
    assert.ok(page.includes(`action="/app/settings/invitations/${membershipId}/decline"`));

    await alice.browser.gw.post(`/app/settings/invitations/${membershipId}/accept`).type('form').send({}).expect(403);
    assert.equal((await h.store.orgMemberships.get(membershipId))!.status, 'invited', 'no CSRF token, no change');

    const bob = await h.login('bob');
    await bob.browser.gw.post(`/app/settings/invitations/${membershipId}/accept`).type('form').send({ _csrf: bob.csrf }).expect(303);
    assert.match((await bob.browser.gw.get('/').expect(200)).text, /No such invitation\./);
    assert.equal((await h.store.orgMemberships.get(membershipId))!.status, 'invited', "another user's answer changes nothing");

    await alice.browser.gw.post(`/app/settings/invitations/${membershipId}/accept`).type('form').send({ _csrf: alice.csrf }).expect(303);
    const after = (await alice.browser.gw.get('/').expect(200)).text;
    assert.match(after, /You are now a member of acme/);
    assert.doesNotMatch(after, /<h3>Invitations<\/h3>/);
    assert.equal(await inTeam(h, alice.userId, platform), true);
  });

  it('the account page declines an invitation', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const { membershipId } = await invitedToAcme(h, alice, 'alice@example.com');
    await alice.browser.gw.post(`/app/settings/invitations/${membershipId}/decline`).type('form').send({ _csrf: alice.csrf }).expect(303);
    assert.match((await alice.browser.gw.get('/').expect(200)).text, /Invitation to acme declined\./);
    assert.equal(await h.store.orgMemberships.get(membershipId), undefined);
  });

  it('adding to a team by username needs an active member (422, nothing changes); an invitation naming the team joins it on acceptance', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const { carol, platform, membershipId } = await invitedToAcme(h, alice, 'alice@example.com');
    const res = await api(h, carol).post(`/api/v2/teams/${platform}/relationships/users`, users('alice')).expect(422);
    assert.equal(res.body.errors[0].source.pointer, '/data/attributes/username');
    assert.match(res.body.errors[0].detail, /alice is not a member of organization acme: invite them by email .* when they accept the invitation/);
    assert.equal(await inTeam(h, alice.userId, platform), false);
    assert.equal((await h.store.orgMemberships.get(membershipId))!.status, 'invited');
    // Active members are added as before (alice is a developer of example-org).
    await api(h, carol).post(`/api/v2/teams/${await teamId(h, 'owners')}/relationships/users`, users('alice')).expect(204);
  });

  it('the IdP\'s MemberOf sync is the IdP\'s word: it makes an invited user an active member at once (rule S5)', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    const { carol, membershipId } = await invitedToAcme(h, alice, 'alice@example.com');
    const devs = (await api(h, carol).post('/api/v2/organizations/acme/teams', { data: { type: 'teams', attributes: { name: 'developers' } } }).expect(201)).body.data.id as string;
    await h.login('alice', alice.browser);
    assert.equal((await h.store.orgMemberships.get(membershipId))!.status, 'active');
    assert.equal(await inTeam(h, alice.userId, devs), true);
  });
});
