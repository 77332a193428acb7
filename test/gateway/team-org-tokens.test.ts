/**
 * Team and organization tokens through HTTP, rule by rule (DESIGN T1-T7), with the embedded
 * example-org: carol (owner, site admin), alice and bob (developers, via MemberOf at login).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { callWithToken, createHarness } from '../support/harness.ts';
import { api, NOT_FOUND, teamId } from '../support/tfe-api.ts';

const ORG = '/api/v2/organizations/example-org';
const SECRET_SHAPE = /^[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9]{67}$/;

async function setup(flags: Record<string, unknown> = {}) {
  const h = await createHarness(flags);
  const carol = await h.login('carol');
  const alice = await h.login('alice');
  const developers = await teamId(h, 'developers');
  const owners = await teamId(h, 'owners');
  return { h, carol, alice, developers, owners };
}

describe('T1: none by default, one per team and per organization, regenerate kills the old', () => {
  it('a new team and the organization have no token', async () => {
    const { h, carol, developers } = await setup();
    assert.deepEqual((await api(h, carol).get(`/api/v2/teams/${developers}/authentication-token`).expect(404)).body, NOT_FOUND);
    assert.deepEqual((await api(h, carol).get(`${ORG}/authentication-token`).expect(404)).body, NOT_FOUND);
    assert.equal((await api(h, carol).get(`${ORG}/team-tokens`).expect(200)).body.data.length, 0);
  });

  it('POST again regenerates the team token: the old secret is refused at once, the new one works', async () => {
    const { h, alice, developers } = await setup();
    const first = (await api(h, alice).post(`/api/v2/teams/${developers}/authentication-token`).expect(201)).body.data;
    await callWithToken(h, first.attributes.token).expect(200);
    const second = (await api(h, alice).post(`/api/v2/teams/${developers}/authentication-token`).expect(201)).body.data;
    assert.notEqual(second.attributes.token, first.attributes.token);
    const refused = await callWithToken(h, first.attributes.token).expect(401);
    assert.match(refused.body.errors[0].detail, /invalid or has been revoked/);
    await callWithToken(h, second.attributes.token).expect(200);
    // Still exactly one legacy token for the team.
    const list = (await api(h, alice).get(`/api/v2/teams/${developers}/authentication-tokens`).expect(200)).body;
    assert.equal(list.meta.pagination['total-count'], 1);
    assert.equal(list.data[0].id, second.id);
  });

  it('POST again regenerates the organization token: the old secret is refused at once', async () => {
    const { h, carol } = await setup();
    const first = (await api(h, carol).post(`${ORG}/authentication-token`).expect(201)).body.data.attributes.token;
    const second = (await api(h, carol).post(`${ORG}/authentication-token`).expect(201)).body.data.attributes.token;
    await callWithToken(h, first).expect(401);
    await callWithToken(h, second).expect(200);
  });

  it('described team tokens: several per team, descriptions unique per team (422 naming the field)', async () => {
    const { h, alice, developers } = await setup();
    const make = (description: string) => api(h, alice).post(`/api/v2/teams/${developers}/authentication-tokens`, { data: { type: 'authentication-tokens', attributes: { description } } });
    const ci = (await make('ci').expect(201)).body.data;
    const deploy = (await make('deploy').expect(201)).body.data;
    assert.equal(ci.attributes.description, 'ci');
    const dup = await make('ci').expect(422);
    assert.equal(dup.body.errors[0].source.pointer, '/data/attributes/description');
    // The legacy token is separate and does not replace described ones.
    await api(h, alice).post(`/api/v2/teams/${developers}/authentication-token`).expect(201);
    await callWithToken(h, ci.attributes.token).expect(200);
    await callWithToken(h, deploy.attributes.token).expect(200);
    const all = await api(h, alice).get(`${ORG}/team-tokens`).expect(404);
    assert.deepEqual(all.body, NOT_FOUND, 'developers may not list every team token of the organization');
    // A described token is revoked on its own.
    await api(h, alice).delete(`/api/v2/teams/${developers}/authentication-tokens/${ci.id}`).expect(204);
    await callWithToken(h, ci.attributes.token).expect(401);
    await callWithToken(h, deploy.attributes.token).expect(200);
  });
});

describe('T2: who may manage which token', () => {
  it('any member of a team manages its token (generate, read, revoke)', async () => {
    const { h, alice, developers } = await setup();
    const created = (await api(h, alice).post(`/api/v2/teams/${developers}/authentication-token`).expect(201)).body.data;
    assert.equal((await api(h, alice).get(`/api/v2/teams/${developers}/authentication-token`).expect(200)).body.data.id, created.id);
    await api(h, alice).delete(`/api/v2/teams/${developers}/authentication-token`).expect(204);
    await callWithToken(h, created.attributes.token).expect(401);
    await api(h, alice).delete(`/api/v2/teams/${developers}/authentication-token`).expect(404);
  });

  it("a non-member cannot manage another team's token (404)", async () => {
    const { h, alice, owners } = await setup();
    assert.deepEqual((await api(h, alice).post(`/api/v2/teams/${owners}/authentication-token`).expect(404)).body, NOT_FOUND);
  });

  it('a non-owner cannot manage the organization token: not with a session, not with a user token, not with a team token', async () => {
    const { h, carol, alice, developers } = await setup();
    await api(h, carol).post(`${ORG}/authentication-token`).expect(201);
    const aliceToken = await alice.createToken();
    const devToken = (await api(h, alice).post(`/api/v2/teams/${developers}/authentication-token`).expect(201)).body.data.attributes.token;
    for (const caller of [alice, aliceToken.secret, devToken]) {
      assert.deepEqual((await api(h, caller).post(`${ORG}/authentication-token`).expect(404)).body, NOT_FOUND);
      await api(h, caller).get(`${ORG}/authentication-token`).expect(404);
      await api(h, caller).delete(`${ORG}/authentication-token`).expect(404);
    }
  });

  it('owners, the owners team token and the organization token itself manage the organization token', async () => {
    const { h, carol, owners } = await setup();
    const ownersToken = (await api(h, carol).post(`/api/v2/teams/${owners}/authentication-token`).expect(201)).body.data.attributes.token;
    const viaOwnersToken = (await api(h, ownersToken).post(`${ORG}/authentication-token`).expect(201)).body.data.attributes.token;
    // The organization token regenerates itself: the answer carries the successor, the caller dies.
    const successor = (await api(h, viaOwnersToken).post(`${ORG}/authentication-token`).expect(201)).body.data.attributes.token;
    await callWithToken(h, viaOwnersToken).expect(401);
    await api(h, successor).get(`${ORG}/authentication-token`).expect(200);
    await api(h, successor).delete(`${ORG}/authentication-token`).expect(204);
    await callWithToken(h, successor).expect(401);
  });
});

describe('T3: a token acts with its owner\'s access', () => {
  it('the organization token may create and delete teams but not destroy the organization', async () => {
    const { h, carol } = await setup();
    const orgToken = (await api(h, carol).post(`${ORG}/authentication-token`).expect(201)).body.data.attributes.token;
    const team = (await api(h, orgToken).post(`${ORG}/teams`, { data: { type: 'teams', attributes: { name: 'made-by-token' } } }).expect(201)).body.data;
    await api(h, orgToken).delete(`/api/v2/teams/${team.id}`).expect(204);
    await api(h, orgToken).delete(ORG).expect(404);
    await api(h, carol).get(ORG).expect(200);
  });

  it('a developers team token reads the organization but cannot change it or create teams', async () => {
    const { h, alice, developers } = await setup();
    const devToken = (await api(h, alice).post(`/api/v2/teams/${developers}/authentication-token`).expect(201)).body.data.attributes.token;
    await api(h, devToken).get(ORG).expect(200);
    await api(h, devToken).patch(ORG, { data: { type: 'organizations', attributes: { email: 'x@example.com' } } }).expect(404);
    await api(h, devToken).post(`${ORG}/teams`, { data: { type: 'teams', attributes: { name: 'nope' } } }).expect(404);
  });
});

describe('T4: team and organization tokens are not tied to any SSO session', () => {
  it('they keep working after every web session and the sso-api-token-session-timeout have passed', async () => {
    const { h, carol, alice, developers } = await setup({ 'gateway.idleTimeout': '20m', 'gateway.apiTokenTimeout': '1h' });
    const teamToken = (await api(h, alice).post(`/api/v2/teams/${developers}/authentication-token`).expect(201)).body.data.attributes.token;
    const orgToken = (await api(h, carol).post(`${ORG}/authentication-token`).expect(201)).body.data.attributes.token;
    const aliceToken = await alice.createToken();
    h.advance('3h');
    await callWithToken(h, aliceToken.secret).expect(401);
    await alice.browser.gw.get('/api/v2/account/details').expect(401);
    await callWithToken(h, teamToken).expect(200);
    await callWithToken(h, orgToken).expect(200);
    await api(h, orgToken).get(ORG).expect(200);
  });
});

describe('T5: the secret is shown exactly once and stored hashed', () => {
  it('201 with the secret and Cache-Control: no-store; every later read has token null', async () => {
    const { h, carol, developers } = await setup();
    for (const [post, get] of [[`/api/v2/teams/${developers}/authentication-token`, `/api/v2/teams/${developers}/authentication-token`], [`${ORG}/authentication-token`, `${ORG}/authentication-token`]] as const) {
      const created = await api(h, carol).post(post).expect(201);
      assert.equal(created.headers['cache-control'], 'no-store');
      const data = created.body.data;
      assert.equal(data.type, 'authentication-tokens');
      assert.match(data.attributes.token, SECRET_SHAPE);
      assert.match(data.attributes['created-at'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.deepEqual(data.relationships['created-by'].data, { id: carol.userId, type: 'users' });
      const shown = await api(h, carol).get(get).expect(200);
      assert.equal(shown.body.data.attributes.token, null);
      assert.equal(shown.headers['cache-control'], undefined);
      const record = await h.store.tokens.get(data.id);
      assert.equal(record!.secretHash, createHash('sha256').update(data.attributes.token).digest('hex'));
      assert.ok(!JSON.stringify(record).includes(data.attributes.token));
    }
  });

  it('expired-at ends a team token; one in the past is refused with 422', async () => {
    const { h, alice, developers } = await setup();
    const soon = new Date(h.clock.now() + 3_600_000).toISOString();
    const created = (await api(h, alice).post(`/api/v2/teams/${developers}/authentication-token`, { data: { type: 'authentication-token', attributes: { 'expired-at': soon } } }).expect(201)).body.data;
    assert.equal(created.attributes['expired-at'], soon);
    await callWithToken(h, created.attributes.token).expect(200);
    h.advance('2h');
    await callWithToken(h, created.attributes.token).expect(401);
    const past = await api(h, alice).post(`/api/v2/teams/${developers}/authentication-token`, { data: { attributes: { 'expired-at': '2000-01-01T00:00:00Z' } } }).expect(422);
    assert.equal(past.body.errors[0].source.pointer, '/data/attributes/expired-at');
  });

  it('last-used-at records use of a team token', async () => {
    const { h, alice, developers } = await setup();
    const secret = (await api(h, alice).post(`/api/v2/teams/${developers}/authentication-token`).expect(201)).body.data.attributes.token;
    h.advance('5m');
    await callWithToken(h, secret).expect(200);
    await new Promise((r) => setImmediate(r));
    const shown = (await api(h, alice).get(`/api/v2/teams/${developers}/authentication-token`).expect(200)).body.data;
    assert.equal(shown.attributes['last-used-at'], new Date(h.clock.now()).toISOString());
  });
});

describe('T6: account details for every token type', () => {
  it('team and organization tokens get a synthetic service user naming what they authenticate', async () => {
    const { h, carol, developers } = await setup();
    const teamToken = (await api(h, carol).post(`/api/v2/teams/${developers}/authentication-token`).expect(201)).body.data.attributes.token;
    const orgToken = (await api(h, carol).post(`${ORG}/authentication-token`).expect(201)).body.data.attributes.token;
    const team = (await callWithToken(h, teamToken).expect(200)).body.data;
    assert.equal(team.type, 'users');
    assert.equal(team.attributes['is-service-account'], true);
    assert.match(team.attributes.username, /^api-team_team-/);
    assert.ok(team.attributes['avatar-url'].length > 0);
    assert.deepEqual(team.relationships['authenticated-resource'].data, { id: developers, type: 'teams' });
    const org = (await callWithToken(h, orgToken).expect(200)).body.data;
    assert.deepEqual(org.relationships['authenticated-resource'].data, { id: 'example-org', type: 'organizations' });
    assert.equal((await callWithToken(h, orgToken).expect(200)).body.data.id, org.id, 'the synthetic id is stable');
  });

  it('permissions differ per token type on GET /organizations/:name', async () => {
    const { h, carol, alice, developers, owners } = await setup();
    const perms = async (caller: string | typeof carol) => (await api(h, caller).get(ORG).expect(200)).body.data.attributes.permissions;
    const orgToken = (await api(h, carol).post(`${ORG}/authentication-token`).expect(201)).body.data.attributes.token;
    const ownersToken = (await api(h, carol).post(`/api/v2/teams/${owners}/authentication-token`).expect(201)).body.data.attributes.token;
    const devToken = (await api(h, alice).post(`/api/v2/teams/${developers}/authentication-token`).expect(201)).body.data.attributes.token;
    const [owner, member, org, ownersTeam, dev] = [await perms(carol), await perms(alice), await perms(orgToken), await perms(ownersToken), await perms(devToken)];
    assert.equal(owner['can-destroy'], true);
    assert.equal(ownersTeam['can-destroy'], true);
    assert.equal(org['can-destroy'], false);
    assert.equal(org['can-update'], true);
    assert.equal(org['can-access-via-teams'], false);
    assert.equal(member['can-update'], false);
    assert.equal(member['can-traverse'], true);
    assert.equal(dev['can-update-api-token'], false);
    assert.equal(dev['can-access-via-teams'], true);
    for (const p of [owner, member, org, ownersTeam, dev]) assert.equal(Object.keys(p).length, Object.keys(owner).length);
  });
});

describe('T7: forbidden is 404, token problems 401', () => {
  it('a valid token on a resource it may not touch gets 404 with TFE\'s body, never 403', async () => {
    const { h, alice, owners } = await setup();
    const aliceToken = await alice.createToken();
    for (const path of [`${ORG}/authentication-token`, `/api/v2/teams/${owners}/authentication-token`, '/api/v2/admin/saml-settings', '/api/v2/admin/organizations', '/api/v2/organizations/no-such-org']) {
      const res = await api(h, aliceToken.secret).get(path);
      assert.equal(res.status, 404, path);
      assert.deepEqual(res.body, NOT_FOUND, path);
    }
  });

  it('a team token of one organization sees nothing of another', async () => {
    const { h, carol, developers } = await setup();
    await api(h, carol).post('/api/v2/organizations', { data: { type: 'organizations', attributes: { name: 'other-org', email: 'o@example.com' } } }).expect(201);
    const devToken = (await api(h, carol).post(`/api/v2/teams/${developers}/authentication-token`).expect(201)).body.data.attributes.token;
    await api(h, devToken).get('/api/v2/organizations/other-org').expect(404);
    await api(h, devToken).get('/api/v2/organizations/other-org/teams').expect(404);
    const list = (await api(h, devToken).get('/api/v2/organizations').expect(200)).body;
    assert.deepEqual(list.data.map((o: { id: string }) => o.id), ['example-org']);
  });

  it('a revoked team token is 401 (a token problem), not 404', async () => {
    const { h, alice, developers } = await setup();
    const secret = (await api(h, alice).post(`/api/v2/teams/${developers}/authentication-token`).expect(201)).body.data.attributes.token;
    await api(h, alice).delete(`/api/v2/teams/${developers}/authentication-token`).expect(204);
    const res = await api(h, secret).get(ORG).expect(401);
    assert.equal(res.body.errors[0].status, '401');
  });
});
