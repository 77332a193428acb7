/**
 * The minting invariant (DESIGN "Integrity"): no principal can create or regenerate a credential
 * whose permissions exceed its own. Checked through the real HTTP interface as a table over every
 * principal type (a user by role, a team token per access level and organization-access flag,
 * the organization token, an outsider) x every team of the organization: whenever a mint answers
 * 201, the new token's `permissions` (organization and workspace) are a subset of the minter's.
 * Plus the regressions the external probe reproduced on the build before this rule existed.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import request from 'supertest';
import { callWithToken } from '../support/harness.ts';
import { createWorkspace, grant, seedWorkspaceWorld, type Seeded } from '../support/workspaces.ts';

const ORG = '/api/v2/organizations/example-org';

interface Principal {
  name: string;
  secret: () => string;
}

interface World {
  w: Seeded;
  ws: string;
  teams: Map<string, string>; // name -> id
  principals: Principal[];
  /** The current organization token (regenerating it kills the previous one). */
  orgToken: { secret: string };
}

/** Organization-access flags and workspace levels, one team each. */
const FLAG_TEAMS: Record<string, Record<string, boolean>> = {
  managers: { 'manage-teams': true },
  membership: { 'manage-membership': true },
  platform: { 'manage-workspaces': true },
  readers: { 'read-workspaces': true },
  policies: { 'manage-policies': true },
  vcs: { 'manage-vcs-settings': true },
  secrets: { 'access-secret-teams': true, 'manage-teams': true },
};
const LEVEL_TEAMS = { 'ws-read': 'read', 'ws-plan': 'plan', 'ws-write': 'write', 'ws-admin': 'admin' } as const;

async function userInTeam(w: Seeded, username: string, teamId: string | null): Promise<string> {
  await request(w.h.idp.app).post('/api/users').send({ username, password: username }).expect(201);
  const u = await w.h.login(username);
  if (teamId) await w.h.store.teams.addMembers(teamId, [u.userId]);
  return (await u.createToken()).secret;
}

async function build(): Promise<World> {
  const w = await seedWorkspaceWorld();
  const ws = await createWorkspace(w, 'app', w.tokens.owners);
  const teams = new Map<string, string>([['owners', w.owners.id], ['developers', w.developers.id], ['contractors', w.contractors.id]]);
  const createTeam = async (name: string, access: Record<string, boolean>) => {
    const res = await w.api('post', `${ORG}/teams`, w.tokens.owners, { data: { type: 'teams', attributes: { name, 'organization-access': access } } }).expect(201);
    teams.set(name, res.body.data.id);
    return res.body.data.id as string;
  };
  for (const [name, access] of Object.entries(FLAG_TEAMS)) await createTeam(name, access);
  for (const [name, level] of Object.entries(LEVEL_TEAMS)) await grant(w, await createTeam(name, {}), ws, level);

  const orgToken = { secret: w.tokens.organization };
  const principals: Principal[] = [
    { name: 'site admin and owner (carol)', secret: () => w.tokens.carol },
    { name: 'member of developers (alice)', secret: () => w.tokens.alice },
    { name: 'organization token', secret: () => orgToken.secret },
    { name: 'outsider user', secret: () => outsider },
  ];
  const outsider = await userInTeam(w, 'eve', null);
  for (const [name, id] of teams) {
    if (name === 'developers') continue; // alice above
    const userSecret = await userInTeam(w, `u-${name}`, id);
    principals.push({ name: `member of ${name}`, secret: () => userSecret });
  }
  for (const [name, id] of teams) {
    const res = await w.api('post', `/api/v2/teams/${id}/authentication-tokens`, w.tokens.owners, { data: { type: 'authentication-tokens', attributes: { description: 'table' } } }).expect(201);
    const secret = res.body.data.attributes.token as string;
    principals.push({ name: `${name} team token`, secret: () => secret });
  }
  return { w, ws, teams, principals, orgToken };
}

/** Everything a credential's permissions objects say it may do: `org:<key>` and `ws:<key>`. */
async function grantedKeys(world: World, secret: string): Promise<Set<string>> {
  const keys = new Set<string>();
  const org = await world.w.api('get', ORG, secret);
  if (org.status === 200) for (const [k, v] of Object.entries(org.body.data.attributes.permissions as Record<string, boolean>)) if (v) keys.add(`org:${k}`);
  const ws = await world.w.api('get', `/api/v2/workspaces/${world.ws}`, secret);
  if (ws.status === 200) for (const [k, v] of Object.entries(ws.body.data.attributes.permissions as Record<string, boolean>)) if (v) keys.add(`ws:${k}`);
  const teams = await world.w.api('get', `${ORG}/teams`, secret);
  if (teams.status === 200) {
    for (const t of teams.body.data as Array<{ id: string; attributes: { permissions: Record<string, boolean> } }>) {
      for (const [k, v] of Object.entries(t.attributes.permissions)) if (v) keys.add(`team:${t.id}:${k}`);
    }
  }
  return keys;
}

/** Keys that describe how a credential reaches the organization, not something it may do. */
const DESCRIPTIVE = new Set(['org:can-access-via-teams']);

function assertSubset(minted: Set<string>, minter: Set<string>, label: string) {
  const excess = [...minted].filter((k) => !minter.has(k) && !DESCRIPTIVE.has(k));
  assert.deepEqual(excess, [], `${label}: the new token may do what its minter may not`);
}

describe('no credential stronger than its minter (every principal type x every team)', () => {
  let world: World;
  before(async () => {
    world = await build();
  });

  it('every team token a principal can mint has a subset of its permissions', async () => {
    let minted = 0;
    let refused = 0;
    for (const p of world.principals) {
      const own = await grantedKeys(world, p.secret());
      for (const [team, id] of world.teams) {
        const res = await world.w.api('post', `/api/v2/teams/${id}/authentication-tokens`, p.secret(), { data: { type: 'authentication-tokens', attributes: { description: `by ${p.name}` } } });
        if (res.status === 404) {
          refused++;
          continue;
        }
        assert.equal(res.status, 201, `${p.name} -> ${team}: ${res.text}`);
        minted++;
        assertSubset(await grantedKeys(world, res.body.data.attributes.token), own, `${p.name} minted the ${team} team token`);
        // The permissions object must not lie either: the team token of a team reports whether it may mint.
      }
    }
    // The table exercises both outcomes (a table where everything is refused proves nothing).
    assert.ok(minted > 20 && refused > 20, `minted ${minted}, refused ${refused}`);
  });

  it('the legacy endpoint and the described endpoint decide alike', async () => {
    for (const p of world.principals.filter((x) => !x.name.endsWith('team token'))) {
      for (const [team, id] of world.teams) {
        const described = await world.w.api('post', `/api/v2/teams/${id}/authentication-tokens`, p.secret(), { data: { type: 'authentication-tokens', attributes: { description: `again by ${p.name}` } } });
        const legacy = await world.w.api('post', `/api/v2/teams/${id}/authentication-token`, p.secret());
        assert.equal(legacy.status, described.status, `${p.name} -> ${team}`);
      }
    }
  });

  it("the team permissions' can-update-api-token equals whether the mint is allowed", async () => {
    for (const p of world.principals.filter((x) => !x.name.endsWith('team token'))) {
      const teams = await world.w.api('get', `${ORG}/teams`, p.secret());
      if (teams.status !== 200) continue;
      for (const t of teams.body.data as Array<{ id: string; attributes: { name: string; permissions: Record<string, boolean> } }>) {
        const res = await world.w.api('post', `/api/v2/teams/${t.id}/authentication-tokens`, p.secret(), { data: { type: 'authentication-tokens', attributes: { description: `check by ${p.name}` } } });
        assert.equal(res.status === 201, t.attributes.permissions['can-update-api-token'], `${p.name} -> ${t.attributes.name}`);
      }
    }
  });

  it('the organization token can be (re)generated only by principals at least as strong as it', async () => {
    for (const p of world.principals) {
      const own = await grantedKeys(world, p.secret());
      const res = await world.w.api('post', `${ORG}/authentication-token`, p.secret());
      if (res.status === 404) continue;
      assert.equal(res.status, 201, `${p.name}: ${res.text}`);
      world.orgToken.secret = res.body.data.attributes.token;
      assertSubset(await grantedKeys(world, world.orgToken.secret), own, `${p.name} regenerated the organization token`);
    }
  });
});

describe('regressions reproduced from outside', () => {
  it('regression: a manage-teams member cannot mint the owners team token (and so cannot become an owner)', async () => {
    const w = await seedWorkspaceWorld();
    const managers = (await w.api('post', `${ORG}/teams`, w.tokens.owners, { data: { type: 'teams', attributes: { name: 'managers', 'organization-access': { 'manage-teams': true } } } }).expect(201)).body.data.id;
    await w.h.store.teams.addMembers(managers, [w.users.alice.userId]);
    const managersToken = (await w.api('post', `/api/v2/teams/${managers}/authentication-token`, w.tokens.alice).expect(201)).body.data.attributes.token;
    for (const secret of [w.tokens.alice, managersToken]) {
      await w.api('post', `/api/v2/teams/${w.owners.id}/authentication-token`, secret).expect(404);
      await w.api('post', `/api/v2/teams/${w.owners.id}/authentication-tokens`, secret, { data: { type: 'authentication-tokens', attributes: { description: 'x' } } }).expect(404);
      await w.api('get', `/api/v2/teams/${w.owners.id}/authentication-token`, secret).expect(404);
      await w.api('delete', `/api/v2/teams/${w.owners.id}/authentication-token`, secret).expect(404);
    }
    // The web form too.
    const alice = w.users.alice;
    await alice.browser.gw.post(`/app/example-org/settings/teams/${w.owners.id}/authentication-token`).type('form').send({ _csrf: alice.csrf }).expect(404);
    // So alice is still not an owner: no organization token, no session-timeout change.
    await w.api('get', `${ORG}/authentication-token`, w.tokens.alice).expect(404);
    await w.api('patch', ORG, w.tokens.alice, { data: { type: 'organizations', attributes: { 'session-timeout': 1 } } }).expect(404);
  });

  it('regression: the organization token cannot mint the owners team token, so it cannot delete its organization', async () => {
    const w = await seedWorkspaceWorld();
    await w.api('post', `/api/v2/teams/${w.owners.id}/authentication-token`, w.tokens.organization).expect(404);
    await w.api('post', `/api/v2/teams/${w.owners.id}/authentication-tokens`, w.tokens.organization, { data: { type: 'authentication-tokens', attributes: { description: 'x' } } }).expect(404);
    await w.api('delete', ORG, w.tokens.organization).expect(404);
    await w.api('patch', ORG, w.tokens.organization, { data: { type: 'organizations', attributes: { 'session-timeout': 1 } } }).expect(404);
    // Nor a team token that could start runs, which T3 forbids the organization token.
    const ws = await createWorkspace(w, 'app', w.tokens.owners);
    const writers = (await w.api('post', `${ORG}/teams`, w.tokens.owners, { data: { type: 'teams', attributes: { name: 'writers' } } }).expect(201)).body.data.id;
    await grant(w, writers, ws, 'write');
    await w.api('post', `/api/v2/teams/${writers}/authentication-token`, w.tokens.organization).expect(404);
    // It still manages the token of a team with no more rights than its own (T2/T3).
    const readers = (await w.api('post', `${ORG}/teams`, w.tokens.owners, { data: { type: 'teams', attributes: { name: 'readers' } } }).expect(201)).body.data.id;
    await grant(w, readers, ws, 'read');
    const minted = (await w.api('post', `/api/v2/teams/${readers}/authentication-token`, w.tokens.organization).expect(201)).body.data.attributes.token;
    await callWithToken(w.h, minted).expect(200);
    // And the organization itself survives.
    await w.api('get', ORG, w.tokens.owners).expect(200);
  });
});
