/**
 * Team access (`team-workspaces`): the levels and the permissions they imply, custom levels,
 * TFE's exact validation errors, one record per team and workspace, and that a team token's
 * rights on a workspace come from exactly this record.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWorkspace, seedWorkspaceWorld, type Seeded } from '../support/workspaces.ts';

const add = (w: Seeded, teamId: string, ws: string, attributes: Record<string, unknown>, secret = w.tokens.owners) =>
  w.api('post', '/api/v2/team-workspaces', secret, {
    data: { type: 'team-workspaces', attributes, relationships: { team: { data: { type: 'teams', id: teamId } }, workspace: { data: { type: 'workspaces', id: ws } } } },
  });

describe('team access', () => {
  it('each fixed level implies TFE\'s fine-grained permissions', async () => {
    const w = await seedWorkspaceWorld();
    const expected: Record<string, Record<string, unknown>> = {
      read: { runs: 'read', variables: 'read', 'state-versions': 'read', 'sentinel-mocks': 'none', 'workspace-locking': false },
      plan: { runs: 'plan', variables: 'read', 'state-versions': 'read', 'sentinel-mocks': 'none', 'workspace-locking': false },
      write: { runs: 'apply', variables: 'write', 'state-versions': 'write', 'sentinel-mocks': 'read', 'workspace-locking': true },
      admin: { runs: 'apply', variables: 'write', 'state-versions': 'write', 'sentinel-mocks': 'read', 'workspace-locking': true },
    };
    for (const [level, perms] of Object.entries(expected)) {
      const ws = await createWorkspace(w, `ws-${level}`, w.tokens.owners);
      const ta = (await add(w, w.contractors.id, ws, { access: level }).expect(201)).body.data;
      assert.match(ta.id, /^tws-[A-Za-z0-9]{16}$/);
      assert.equal(ta.attributes.access, level);
      for (const [k, v] of Object.entries(perms)) assert.equal(ta.attributes[k], v, `${level} ${k}`);
      assert.deepEqual(ta.relationships.team.data, { id: w.contractors.id, type: 'teams' });
      assert.deepEqual((await w.api('get', `/api/v2/team-workspaces/${ta.id}`, w.tokens.owners).expect(200)).body.data, ta);
    }
  });

  it('custom takes the fine-grained permissions, with TFE\'s defaults for the rest', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'custom', w.tokens.owners);
    const ta = (await add(w, w.contractors.id, ws, { access: 'custom', runs: 'read', 'state-versions': 'none', variables: 'write' }).expect(201)).body.data.attributes;
    assert.deepEqual([ta.runs, ta.variables, ta['state-versions'], ta['sentinel-mocks'], ta['workspace-locking']], ['read', 'write', 'none', 'none', false]);
  });

  it('a fine-grained permission with a fixed level is TFE\'s exact 422', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'strict', w.tokens.owners);
    const res = await add(w, w.contractors.id, ws, { access: 'read', runs: 'apply' }).expect(422);
    assert.deepEqual(res.body.errors, [
      { status: '422', title: 'invalid attribute', detail: "Runs is read-only when access level is 'read'; use the 'custom' access level to set this attribute.", source: { pointer: '/data/attributes/runs' } },
    ]);
    const two = await add(w, w.contractors.id, ws, { access: 'write', variables: 'read', 'workspace-locking': false }).expect(422);
    assert.deepEqual(two.body.errors.map((e: { detail: string }) => e.detail), [
      "Variables is read-only when access level is 'write'; use the 'custom' access level to set this attribute.",
      "Workspace locking is read-only when access level is 'write'; use the 'custom' access level to set this attribute.",
    ]);
  });

  it('update: to custom with a permission, back to a fixed level resets them; delete', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'update', w.tokens.owners);
    const ta = (await add(w, w.contractors.id, ws, { access: 'admin' }).expect(201)).body.data;
    const custom = (await w.api('patch', `/api/v2/team-workspaces/${ta.id}`, w.tokens.owners, { data: { attributes: { access: 'custom', runs: 'plan' } } }).expect(200)).body.data.attributes;
    assert.deepEqual([custom.access, custom.runs, custom.variables], ['custom', 'plan', 'write'], 'unchanged permissions are kept');
    const refused = await w.api('patch', `/api/v2/team-workspaces/${ta.id}`, w.tokens.owners, { data: { attributes: { access: 'plan', runs: 'apply' } } }).expect(422);
    assert.equal(refused.body.errors[0].source.pointer, '/data/attributes/runs');
    const plan = (await w.api('patch', `/api/v2/team-workspaces/${ta.id}`, w.tokens.owners, { data: { attributes: { access: 'plan' } } }).expect(200)).body.data.attributes;
    assert.deepEqual([plan.runs, plan.variables], ['plan', 'read']);
    await w.api('delete', `/api/v2/team-workspaces/${ta.id}`, w.tokens.owners).expect(204);
    await w.api('get', `/api/v2/team-workspaces/${ta.id}`, w.tokens.owners).expect(404);
  });

  it('list per workspace with pagination; filter[workspace][id] is required', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'listed', w.tokens.owners);
    await add(w, w.contractors.id, ws, { access: 'read' }).expect(201);
    await add(w, w.developers.id, ws, { access: 'write' }).expect(201);
    const list = (await w.api('get', `/api/v2/team-workspaces?filter[workspace][id]=${ws}`, w.tokens.owners).expect(200)).body;
    assert.equal(list.data.length, 2);
    assert.equal(list.meta.pagination['total-count'], 2);
    const beyond = (await w.api('get', `/api/v2/team-workspaces?filter[workspace][id]=${ws}&page[number]=999`, w.tokens.owners).expect(200)).body;
    assert.deepEqual([beyond.data.length, beyond.meta.pagination['total-count']], [0, 2]);
    const missing = await w.api('get', '/api/v2/team-workspaces', w.tokens.owners).expect(422);
    assert.equal(missing.body.errors[0].source.pointer, '/filter/workspace/id');
  });

  it('one record per team and workspace; team, access and workspace are validated', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'once', w.tokens.owners);
    await add(w, w.contractors.id, ws, { access: 'read' }).expect(201);
    const dup = await add(w, w.contractors.id, ws, { access: 'admin' }).expect(422);
    assert.equal(dup.body.errors[0].detail, 'Team has already been taken');
    assert.equal((await add(w, w.contractors.id, ws, { access: 'owner' }).expect(422)).body.errors[0].source.pointer, '/data/attributes/access');
    assert.equal((await add(w, w.contractors.id, ws, {}).expect(422)).body.errors[0].source.pointer, '/data/attributes/access');
    assert.equal((await add(w, 'team-doesnotexist0000', ws, { access: 'read' }).expect(422)).body.errors[0].source.pointer, '/data/relationships/team/data/id');
    assert.equal((await add(w, w.contractors.id, ws, { access: 'custom', runs: 'everything' }).expect(422)).body.errors[0].source.pointer, '/data/attributes/runs');
    await add(w, w.contractors.id, 'ws-doesnotexist0000', { access: 'read' }).expect(404);
  });

  it('who may manage it: workspace admins, owners and the organization token; a writer may not (404)', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'managed', w.tokens.organization);
    const byOrg = (await add(w, w.developers.id, ws, { access: 'write' }, w.tokens.organization).expect(201)).body.data;
    await add(w, w.contractors.id, ws, { access: 'read' }, w.tokens.developers).expect(404);
    await w.api('patch', `/api/v2/team-workspaces/${byOrg.id}`, w.tokens.developers, { data: { attributes: { access: 'admin' } } }).expect(404);
    await w.api('patch', `/api/v2/team-workspaces/${byOrg.id}`, w.tokens.organization, { data: { attributes: { access: 'admin' } } }).expect(200);
    // Now the developers are admins of the workspace: they may manage its team access.
    await add(w, w.contractors.id, ws, { access: 'read' }, w.tokens.developers).expect(201);
  });

  it("a team token's rights follow its team's record, at once", async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'follow', w.tokens.owners);
    const lock = () => w.api('post', `/api/v2/workspaces/${ws}/actions/lock`, w.tokens.contractors);
    await lock().expect(404);
    const ta = (await add(w, w.contractors.id, ws, { access: 'read' }).expect(201)).body.data;
    await lock().expect(404);
    await w.api('patch', `/api/v2/team-workspaces/${ta.id}`, w.tokens.owners, { data: { attributes: { access: 'custom', 'workspace-locking': true } } }).expect(200);
    await lock().expect(200);
    await w.api('delete', `/api/v2/team-workspaces/${ta.id}`, w.tokens.owners).expect(204);
    await w.api('get', `/api/v2/workspaces/${ws}`, w.tokens.contractors).expect(404);
  });
});
