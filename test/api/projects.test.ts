/**
 * Projects (TFE API docs "Projects"): CRUD with TFE's name rule (3-40 letters, numbers, spaces,
 * "-", "_"), unique per organization; every organization has a Default Project that cannot be
 * deleted; can-create-project (organization:manage-projects) writes, any member reads, T7's 404.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomIds } from '../../src/ids.ts';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';
import { seedWorkspaceWorld, storeToken, type Seeded } from '../support/workspaces.ts';

const orgProjects = (w: Seeded) => `/api/v2/organizations/${w.org.name}/projects`;
const body = (attributes: Record<string, unknown>) => ({ data: { type: 'projects', attributes } });
const names = async (w: Seeded) => (await w.api('get', orgProjects(w), w.tokens.owners).expect(200)).body.data.map((p: { attributes: { name: string } }) => p.attributes.name);

for (const storeName of ['memory', 'sqlite'] as const) {
  const seed = () => seedWorkspaceWorld({}, storeName === 'sqlite' ? { store: createSqliteStore(':memory:') } : {});

  describe(`projects (${storeName} store)`, () => {
    it('every organization has a Default Project, which cannot be deleted', async () => {
      const w = await seed();
      const list = (await w.api('get', orgProjects(w), w.tokens.owners).expect(200)).body.data;
      assert.deepEqual(list.map((p: { attributes: { name: string; 'is-default': boolean } }) => [p.attributes.name, p.attributes['is-default']]), [['Default Project', true]]);
      assert.match(list[0].id, /^prj-[A-Za-z0-9]{16}$/);
      assert.equal((await w.api('get', orgProjects(w), w.tokens.owners).expect(200)).body.data[0].id, list[0].id, 'the same Default Project on every read');
      const refused = await w.api('delete', `/api/v2/projects/${list[0].id}`, w.tokens.owners).expect(422);
      assert.equal(refused.body.errors[0].detail, 'The default project cannot be deleted');
    });

    it('create, read, update, delete; the name is unique per organization, case-insensitively', async () => {
      const w = await seed();
      const p = (await w.api('post', orgProjects(w), w.tokens.owners, body({ name: 'Team A_1', description: 'first' })).expect(201)).body.data;
      assert.deepEqual([p.attributes.name, p.attributes.description, p.attributes['is-default']], ['Team A_1', 'first', false]);
      assert.deepEqual(p.relationships.organization.data, { id: w.org.name, type: 'organizations' });
      assert.deepEqual((await w.api('get', `/api/v2/projects/${p.id}`, w.tokens.owners).expect(200)).body.data, p);
      const dup = await w.api('post', orgProjects(w), w.tokens.owners, body({ name: 'team a_1' })).expect(422);
      assert.equal(dup.body.errors[0].detail, 'Name has already been taken');
      assert.equal(dup.body.errors[0].source.pointer, '/data/attributes/name');
      const defaultTaken = await w.api('post', orgProjects(w), w.tokens.owners, body({ name: 'default project' })).expect(422);
      assert.equal(defaultTaken.body.errors[0].detail, 'Name has already been taken');
      const renamed = (await w.api('patch', `/api/v2/projects/${p.id}`, w.tokens.owners, body({ name: 'Team B' })).expect(200)).body.data;
      assert.deepEqual([renamed.attributes.name, renamed.attributes.description], ['Team B', 'first']);
      assert.deepEqual(await names(w), ['Default Project', 'Team B']);
      await w.api('delete', `/api/v2/projects/${p.id}`, w.tokens.owners).expect(204);
      await w.api('get', `/api/v2/projects/${p.id}`, w.tokens.owners).expect(404);
      await w.api('delete', `/api/v2/projects/${p.id}`, w.tokens.owners).expect(404);
    });

    it('who may: can-create-project writes, any member reads, the flag equals the answer, others 404', async () => {
      const w = await seed();
      const managers = { ...w.contractors, id: `team-${randomIds.random(16)}`, name: 'project-managers', organizationAccess: { 'manage-projects': true } };
      await w.h.store.teams.create(managers);
      const managersToken = await storeToken(w.h, 'team', managers.id, true);
      const p = (await w.api('post', orgProjects(w), w.tokens.organization, body({ name: 'by org token' })).expect(201)).body.data;
      for (const [who, secret, manage] of [['owners team token', w.tokens.owners, true], ['organization token', w.tokens.organization, true], ['manage-projects team token', managersToken, true], ['developers (read-projects) token', w.tokens.developers, false], ['member alice', w.tokens.alice, false], ['contractors token', w.tokens.contractors, false]] as const) {
        const perms = (await w.api('get', `/api/v2/organizations/${w.org.name}`, secret).expect(200)).body.data.attributes.permissions;
        assert.equal(perms['can-create-project'], manage, who);
        await w.api('get', orgProjects(w), secret).expect(200);
        await w.api('get', `/api/v2/projects/${p.id}`, secret).expect(200);
        await w.api('post', orgProjects(w), secret, body({ name: `p ${who.length} ${manage}` })).expect(manage ? 201 : 404);
        await w.api('patch', `/api/v2/projects/${p.id}`, secret, body({ description: who })).expect(manage ? 200 : 404);
      }
    });

    describe('invalid input is a 422 with its message', () => {
      const cases: Array<[string, Record<string, unknown>, string]> = [
        ['missing name', {}, "data.attributes.name: Name can't be blank"],
        ['too short', { name: 'ab' }, 'Name must be between 3 and 40 characters'],
        ['too long', { name: 'a'.repeat(41) }, 'Name must be between 3 and 40 characters'],
        ['a forbidden character', { name: 'a/b/c' }, 'Name may contain only letters, numbers, spaces, "-" and "_", and may not start or end with a space'],
        ['a leading space', { name: ' abc' }, 'Name may contain only letters, numbers, spaces, "-" and "_", and may not start or end with a space'],
      ];
      for (const [name, attributes, detail] of cases) {
        it(name, async () => {
          const w = await seed();
          const res = await w.api('post', orgProjects(w), w.tokens.owners, body(attributes)).expect(422);
          assert.equal(res.body.errors[0].source.pointer, '/data/attributes/name', JSON.stringify(res.body));
          assert.equal(res.body.errors[0].detail, detail);
        });
      }
    });
  });
}
