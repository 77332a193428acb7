/**
 * Workspaces through HTTP: create / list (search, pagination, visibility) / show and update by
 * name and by id / delete, lock, unlock and force-unlock with their 409s, the caller's
 * `permissions`, relationships, the attributes TFE round-trips, and every invalid input's 422.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createWorkspace, grant, seedWorkspaceWorld, type Seeded } from '../support/workspaces.ts';

const ROUND_TRIP = {
  description: 'the app',
  'auto-apply': true,
  'allow-destroy-plan': false,
  'execution-mode': 'local',
  'file-triggers-enabled': false,
  'queue-all-runs': true,
  'speculative-enabled': false,
  'terraform-version': '0.11.1',
  'trigger-prefixes': ['/modules', '/shared'],
  'working-directory': 'infra/',
  'global-remote-state': true,
  'source-name': 'ci',
  'source-url': 'https://ci.example.com/',
  'tag-names': ['prod', 'team:web'],
};

const ws = (w: Seeded, path: string, secret = w.tokens.owners) => w.api('get', `/api/v2${path}`, secret);

describe('workspaces', () => {
  it('create round-trips every attribute, by name and by id, with the organization relationship', async () => {
    const w = await seedWorkspaceWorld();
    const created = (await w.api('post', '/api/v2/organizations/example-org/workspaces', w.tokens.owners, { data: { type: 'workspaces', attributes: { name: 'app', ...ROUND_TRIP } } }).expect(201)).body.data;
    assert.match(created.id, /^ws-[A-Za-z0-9]{16}$/);
    const byName = (await ws(w, '/organizations/example-org/workspaces/app').expect(200)).body.data;
    const byId = (await ws(w, `/workspaces/${created.id}`).expect(200)).body.data;
    assert.deepEqual(byName, created);
    assert.deepEqual(byId, created);
    for (const [k, v] of Object.entries(ROUND_TRIP)) assert.deepEqual(created.attributes[k], v, k);
    assert.equal(created.attributes.operations, false, 'execution-mode local is operations false');
    assert.equal(created.attributes.locked, false);
    assert.deepEqual(created.relationships.organization.data, { id: 'example-org', type: 'organizations' });
    assert.equal(created.attributes['created-at'], new Date(w.h.clock.now()).toISOString());
  });

  it('defaults are TFE\'s: remote execution, the latest Terraform, speculative plans on', async () => {
    const w = await seedWorkspaceWorld();
    const a = (await w.api('post', '/api/v2/organizations/example-org/workspaces', w.tokens.owners, { data: { attributes: { name: 'plain' } } }).expect(201)).body.data.attributes;
    assert.equal(a['execution-mode'], 'remote');
    assert.equal(a.operations, true);
    assert.equal(a['auto-apply'], false);
    assert.equal(a['speculative-enabled'], true);
    assert.match(a['terraform-version'], /^1\.\d+\.\d+$/);
  });

  it('update by name and by id; a rename keeps the id and frees the old name', async () => {
    const w = await seedWorkspaceWorld();
    const id = await createWorkspace(w, 'old', w.tokens.owners);
    const renamed = (await w.api('patch', '/api/v2/organizations/example-org/workspaces/old', w.tokens.owners, { data: { attributes: { name: 'new', operations: false } } }).expect(200)).body.data;
    assert.equal(renamed.id, id);
    assert.equal(renamed.attributes['execution-mode'], 'local');
    await ws(w, '/organizations/example-org/workspaces/old').expect(404);
    const byId = (await w.api('patch', `/api/v2/workspaces/${id}`, w.tokens.owners, { data: { type: 'workspaces', attributes: { 'terraform-version': '0.10.0' } } }).expect(200)).body.data;
    assert.equal(byId.attributes['terraform-version'], '0.10.0');
    assert.equal(byId.attributes.name, 'new');
  });

  it('delete by name and by id (204), then 404', async () => {
    const w = await seedWorkspaceWorld();
    const a = await createWorkspace(w, 'a', w.tokens.owners);
    const b = await createWorkspace(w, 'b', w.tokens.owners);
    await w.api('delete', '/api/v2/organizations/example-org/workspaces/a', w.tokens.owners).expect(204);
    await w.api('delete', `/api/v2/workspaces/${b}`, w.tokens.owners).expect(204);
    await ws(w, `/workspaces/${a}`).expect(404);
    await ws(w, `/workspaces/${b}`).expect(404);
  });

  it('list: search[name], page[number] past the end with true totals, page[size]', async () => {
    const w = await seedWorkspaceWorld();
    for (const n of ['alpha-web', 'alpha-db', 'beta']) await createWorkspace(w, n, w.tokens.owners);
    const all = (await ws(w, '/organizations/example-org/workspaces').expect(200)).body;
    assert.deepEqual(all.data.map((d: { attributes: { name: string } }) => d.attributes.name), ['alpha-db', 'alpha-web', 'beta']);
    assert.equal(all.meta.pagination['total-count'], 3);
    const search = (await ws(w, '/organizations/example-org/workspaces?search[name]=ALPHA').expect(200)).body;
    assert.equal(search.meta.pagination['total-count'], 2);
    const beyond = (await ws(w, '/organizations/example-org/workspaces?page[number]=999&page[size]=100').expect(200)).body;
    assert.deepEqual(beyond.data, []);
    assert.equal(beyond.meta.pagination['current-page'], 999);
    assert.equal(beyond.meta.pagination['total-count'], 3);
    const one = (await ws(w, '/organizations/example-org/workspaces?page[size]=1&page[number]=2').expect(200)).body;
    assert.equal(one.data[0].attributes.name, 'alpha-web');
    const included = (await ws(w, '/organizations/example-org/workspaces?include=organization').expect(200)).body;
    assert.equal(included.included[0].type, 'organizations');
    assert.equal(included.included[0].attributes.email, w.org.email);
  });

  it('list shows a member only the workspaces their teams have access to', async () => {
    const w = await seedWorkspaceWorld();
    const mine = await createWorkspace(w, 'mine', w.tokens.owners);
    await createWorkspace(w, 'theirs', w.tokens.owners);
    await grant(w, w.contractors.id, mine, 'read');
    const list = (await ws(w, '/organizations/example-org/workspaces', w.tokens.contractors).expect(200)).body;
    assert.deepEqual(list.data.map((d: { id: string }) => d.id), [mine]);
    assert.equal(list.meta.pagination['total-count'], 1);
    // developers have read-workspaces: they list everything.
    assert.equal((await ws(w, '/organizations/example-org/workspaces', w.tokens.developers).expect(200)).body.data.length, 2);
  });

  it('permissions are computed for the caller', async () => {
    const w = await seedWorkspaceWorld();
    const id = await createWorkspace(w, 'perm', w.tokens.organization);
    const asOrg = (await ws(w, `/workspaces/${id}`, w.tokens.organization).expect(200)).body.data.attributes.permissions;
    assert.equal(asOrg['can-update'], true);
    assert.equal(asOrg['can-queue-run'], false, 'T3: an organization token starts no runs');
    assert.equal(asOrg['can-create-state-versions'], false);
    const asDev = (await ws(w, `/workspaces/${id}`, w.tokens.developers).expect(200)).body.data.attributes.permissions;
    assert.equal(asDev['can-update'], false);
    assert.equal(asDev['can-queue-run'], false, 'read-workspaces only reads');
    await grant(w, w.developers.id, id, 'write');
    const asWriter = (await ws(w, `/workspaces/${id}`, w.tokens.developers).expect(200)).body.data.attributes.permissions;
    assert.deepEqual([asWriter['can-queue-run'], asWriter['can-queue-apply'], asWriter['can-lock'], asWriter['can-update'], asWriter['can-destroy']], [true, true, true, false, false]);
    const asOwner = (await ws(w, `/workspaces/${id}`, w.tokens.owners).expect(200)).body.data.attributes.permissions;
    assert.equal(Object.values(asOwner).every((v) => v === true), true);
  });

  it('only admins may update and delete; the rest is 404, unchanged', async () => {
    const w = await seedWorkspaceWorld();
    const id = await createWorkspace(w, 'guarded', w.tokens.owners);
    await grant(w, w.developers.id, id, 'write');
    await w.api('patch', `/api/v2/workspaces/${id}`, w.tokens.developers, { data: { attributes: { 'auto-apply': true } } }).expect(404);
    await w.api('delete', `/api/v2/workspaces/${id}`, w.tokens.developers).expect(404);
    await w.api('post', '/api/v2/organizations/example-org/workspaces', w.tokens.developers, { data: { attributes: { name: 'nope' } } }).expect(404);
    assert.equal((await ws(w, `/workspaces/${id}`).expect(200)).body.data.attributes['auto-apply'], false);
  });

  it('a member in no team sees the organization but none of its workspaces; an unknown organization is 404', async () => {
    const w = await seedWorkspaceWorld();
    const id = await createWorkspace(w, 'private', w.tokens.owners);
    await w.h.store.teams.removeMembers(w.developers.id, [w.users.bob.userId]);
    const list = (await ws(w, '/organizations/example-org/workspaces', w.tokens.bob).expect(200)).body;
    assert.deepEqual([list.data, list.meta.pagination['total-count']], [[], 0]);
    await ws(w, `/workspaces/${id}`, w.tokens.bob).expect(404);
    await ws(w, '/organizations/example-org/workspaces/private', w.tokens.bob).expect(404);
    await ws(w, '/organizations/no-such-org/workspaces').expect(404);
  });
});

describe('workspace locks', () => {
  it('lock, lock again (409), unlock, unlock again (409); the lock shows who holds it', async () => {
    const w = await seedWorkspaceWorld();
    const id = await createWorkspace(w, 'locks', w.tokens.owners);
    const locked = (await w.api('post', `/api/v2/workspaces/${id}/actions/lock`, w.tokens.owners, { reason: 'maintenance' }).expect(200)).body.data;
    assert.equal(locked.attributes.locked, true);
    assert.equal(locked.attributes['lock-reason'], 'maintenance');
    assert.deepEqual(locked.relationships['locked-by'].data, { id: w.owners.id, type: 'teams' });
    const again = await w.api('post', `/api/v2/workspaces/${id}/actions/lock`, w.tokens.owners, {}).expect(409);
    assert.equal(again.body.errors[0].status, '409');
    assert.equal((await w.api('post', `/api/v2/workspaces/${id}/actions/unlock`, w.tokens.owners).expect(200)).body.data.attributes.locked, false);
    await w.api('post', `/api/v2/workspaces/${id}/actions/unlock`, w.tokens.owners).expect(409);
    await w.api('post', `/api/v2/workspaces/${id}/actions/force-unlock`, w.tokens.owners).expect(409);
  });

  it('only the holder unlocks (409 for others); an admin force-unlocks; writers may not force', async () => {
    const w = await seedWorkspaceWorld();
    const id = await createWorkspace(w, 'held', w.tokens.owners);
    await grant(w, w.developers.id, id, 'write');
    await w.api('post', `/api/v2/workspaces/${id}/actions/lock`, w.tokens.developers).expect(200);
    const other = await w.api('post', `/api/v2/workspaces/${id}/actions/unlock`, w.tokens.alice).expect(409);
    assert.match(other.body.errors[0].detail, /locked by team/);
    await w.api('post', `/api/v2/workspaces/${id}/actions/force-unlock`, w.tokens.alice).expect(404);
    await w.api('post', `/api/v2/workspaces/${id}/actions/force-unlock`, w.tokens.carol).expect(200);
    // read access cannot lock at all
    await grant(w, w.contractors.id, id, 'read');
    await w.api('post', `/api/v2/workspaces/${id}/actions/lock`, w.tokens.contractors).expect(404);
  });
});

describe('invalid workspace input is a 422 with a pointer', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['name with a space', { name: 'my app' }, '/data/attributes/name'],
    ['name too long', { name: 'x'.repeat(91) }, '/data/attributes/name'],
    ['missing name', {}, '/data/attributes/name'],
    ['unknown terraform-version', { name: 'a', 'terraform-version': 'nonexisting' }, '/data/attributes/terraform-version'],
    ['terraform-version that never existed', { name: 'a', 'terraform-version': '0.11.99' }, '/data/attributes/terraform-version'],
    ['auto-apply as a string', { name: 'a', 'auto-apply': 'true' }, '/data/attributes/auto-apply'],
    ['execution-mode unknown', { name: 'a', 'execution-mode': 'cloud' }, '/data/attributes/execution-mode'],
    ['operations together with execution-mode', { name: 'a', operations: true, 'execution-mode': 'remote' }, '/data/attributes/operations'],
    ['agent execution without agent pools', { name: 'a', 'execution-mode': 'agent' }, '/data/attributes/execution-mode'],
    ['trigger-prefixes not a list', { name: 'a', 'trigger-prefixes': '/modules' }, '/data/attributes/trigger-prefixes'],
    ['working-directory escaping the configuration', { name: 'a', 'working-directory': '../etc' }, '/data/attributes/working-directory'],
    ['source-url not a URL', { name: 'a', 'source-url': 'nope' }, '/data/attributes/source-url'],
    ['a VCS repo', { name: 'a', 'vcs-repo': { identifier: 'x/y' } }, '/data/attributes/vcs-repo'],
  ];
  // One world for the table: every case is refused, so none changes what the next one sees.
  let w: Seeded;
  before(async () => {
    w = await seedWorkspaceWorld();
  });
  for (const [name, attributes, pointer] of cases) {
    it(name, async () => {
      const res = await w.api('post', '/api/v2/organizations/example-org/workspaces', w.tokens.owners, { data: { type: 'workspaces', attributes } }).expect(422);
      assert.equal(res.body.errors[0].status, '422');
      assert.equal(res.body.errors[0].source.pointer, pointer, JSON.stringify(res.body));
    });
  }

  it('a taken name, on create and on rename', async () => {
    const w = await seedWorkspaceWorld();
    await createWorkspace(w, 'taken', w.tokens.owners);
    const id = await createWorkspace(w, 'other', w.tokens.owners);
    const dup = await w.api('post', '/api/v2/organizations/example-org/workspaces', w.tokens.owners, { data: { attributes: { name: 'taken' } } }).expect(422);
    assert.equal(dup.body.errors[0].source.pointer, '/data/attributes/name');
    const rename = await w.api('patch', `/api/v2/workspaces/${id}`, w.tokens.owners, { data: { attributes: { name: 'taken' } } }).expect(422);
    assert.equal(rename.body.errors[0].source.pointer, '/data/attributes/name');
  });

  it('a wrong type, a bad page number, a non-JSON body', async () => {
    const w = await seedWorkspaceWorld();
    const type = await w.api('post', '/api/v2/organizations/example-org/workspaces', w.tokens.owners, { data: { type: 'runs', attributes: { name: 'a' } } }).expect(422);
    assert.equal(type.body.errors[0].source.pointer, '/data/type');
    const page = await ws(w, '/organizations/example-org/workspaces?page[number]=zero').expect(422);
    assert.equal(page.body.errors[0].source.parameter, 'page[number]');
    await w.api('post', '/api/v2/organizations/example-org/workspaces', w.tokens.owners).set('Content-Type', 'text/plain').send('name=a').expect(415);
  });
});
