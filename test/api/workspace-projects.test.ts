/**
 * Workspaces belong to exactly one project (TFE API docs "Workspaces": relationships.project;
 * "Projects": a project is deleted only when it holds no workspaces). A workspace created without
 * a project is in the organization's Default Project; naming a project of another organization,
 * or one that does not exist, is a 422 pointing at the relationship.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';
import { seedWorkspaceWorld, type Seeded } from '../support/workspaces.ts';

const wsBody = (name: string, project?: string) => ({
  data: { type: 'workspaces', attributes: { name }, ...(project ? { relationships: { project: { data: { id: project, type: 'projects' } } } } : {}) },
});
const projectOf = (doc: { data: { relationships: { project: { data: { id: string; type: string } } } } }) => doc.data.relationships.project.data;

async function newProject(w: Seeded, name: string): Promise<string> {
  return (await w.api('post', `/api/v2/organizations/${w.org.name}/projects`, w.tokens.owners, { data: { type: 'projects', attributes: { name } } }).expect(201)).body.data.id;
}
async function defaultProject(w: Seeded): Promise<string> {
  const list = (await w.api('get', `/api/v2/organizations/${w.org.name}/projects`, w.tokens.owners).expect(200)).body.data;
  return list.find((p: { attributes: { 'is-default': boolean } }) => p.attributes['is-default']).id;
}

for (const storeName of ['memory', 'sqlite'] as const) {
  const seed = () => seedWorkspaceWorld({}, storeName === 'sqlite' ? { store: createSqliteStore(':memory:') } : {});

  describe(`workspaces belong to one project (${storeName} store)`, () => {
    it('a workspace without a project is in the Default Project; one created in a project says so on every read', async () => {
      const w = await seed();
      const plain = (await w.api('post', `/api/v2/organizations/${w.org.name}/workspaces`, w.tokens.owners, wsBody('plain')).expect(201)).body;
      assert.deepEqual(projectOf(plain), { id: await defaultProject(w), type: 'projects' });
      const prj = await newProject(w, 'Platform');
      const inProject = (await w.api('post', `/api/v2/organizations/${w.org.name}/workspaces`, w.tokens.owners, wsBody('in-project', prj)).expect(201)).body;
      assert.deepEqual(projectOf(inProject), { id: prj, type: 'projects' });
      assert.deepEqual(projectOf((await w.api('get', `/api/v2/workspaces/${inProject.data.id}`, w.tokens.owners).expect(200)).body), { id: prj, type: 'projects' });
      const listed = (await w.api('get', `/api/v2/organizations/${w.org.name}/workspaces`, w.tokens.owners).expect(200)).body.data;
      assert.equal(listed.find((x: { id: string }) => x.id === inProject.data.id).relationships.project.data.id, prj);
    });

    it('an update moves a workspace between projects, the Default Project included', async () => {
      const w = await seed();
      const prj = await newProject(w, 'Platform');
      const ws = (await w.api('post', `/api/v2/organizations/${w.org.name}/workspaces`, w.tokens.owners, wsBody('mover')).expect(201)).body.data;
      const moved = (await w.api('patch', `/api/v2/workspaces/${ws.id}`, w.tokens.owners, wsBody('mover', prj)).expect(200)).body;
      assert.equal(projectOf(moved).id, prj);
      const back = (await w.api('patch', `/api/v2/workspaces/${ws.id}`, w.tokens.owners, wsBody('mover', await defaultProject(w))).expect(200)).body;
      assert.equal(projectOf(back).id, await defaultProject(w));
      // An update that names no project leaves it where it is.
      await w.api('patch', `/api/v2/workspaces/${ws.id}`, w.tokens.owners, wsBody('mover', prj)).expect(200);
      const renamed = (await w.api('patch', `/api/v2/workspaces/${ws.id}`, w.tokens.owners, wsBody('renamed')).expect(200)).body;
      assert.equal(projectOf(renamed).id, prj);
    });

    it("a project that does not exist, or another organization's, is a 422 on the relationship and nothing is written", async () => {
      const w = await seed();
      const missing = await w.api('post', `/api/v2/organizations/${w.org.name}/workspaces`, w.tokens.owners, wsBody('ghost', 'prj-doesnotexist0000')).expect(422);
      assert.equal(missing.body.errors[0].detail, 'project prj-doesnotexist0000 was not found in this organization');
      assert.equal(missing.body.errors[0].source.pointer, '/data/relationships/project');
      assert.equal(await w.h.store.workspaces.getByName(w.org.id, 'ghost'), undefined);
      // A project of another organization, made through the API by that organization's owner.
      await w.api('post', '/api/v2/organizations', w.tokens.carol, { data: { type: 'organizations', attributes: { name: 'other-org', email: 'o@example.com' } } }).expect(201);
      const notOurs = (await w.api('post', '/api/v2/organizations/other-org/projects', w.tokens.carol, { data: { type: 'projects', attributes: { name: 'Theirs' } } }).expect(201)).body.data.id;
      const refused = await w.api('post', `/api/v2/organizations/${w.org.name}/workspaces`, w.tokens.owners, wsBody('foreign', notOurs)).expect(422);
      assert.equal(refused.body.errors[0].detail, `project ${notOurs} was not found in this organization`);
      assert.equal(refused.body.errors[0].source.pointer, '/data/relationships/project');
      const wrongType = await w.api('post', `/api/v2/organizations/${w.org.name}/workspaces`, w.tokens.owners, { data: { type: 'workspaces', attributes: { name: 'typed' }, relationships: { project: { data: { id: 'prj-x', type: 'teams' } } } } }).expect(422);
      assert.match(JSON.stringify(wrongType.body.errors), /must be \\"projects\\"/);
    });

    it('a project that still holds workspaces is not deleted; once they are moved it is', async () => {
      const w = await seed();
      const prj = await newProject(w, 'Platform');
      const ws = (await w.api('post', `/api/v2/organizations/${w.org.name}/workspaces`, w.tokens.owners, wsBody('held', prj)).expect(201)).body.data;
      const refused = await w.api('delete', `/api/v2/projects/${prj}`, w.tokens.owners).expect(422);
      assert.equal(refused.body.errors[0].detail, 'Project still contains 1 workspace: move or delete them first');
      await w.api('get', `/api/v2/projects/${prj}`, w.tokens.owners).expect(200);
      await w.api('delete', `/api/v2/workspaces/${ws.id}`, w.tokens.owners).expect(204);
      await w.api('delete', `/api/v2/projects/${prj}`, w.tokens.owners).expect(204);
    });
  });
}
