/**
 * Variable sets (TFE API docs "Variable Sets"): CRUD with name unique per organization, the
 * set's variables (sensitive values never returned), applying to and removing from workspaces,
 * GET /workspaces/:id/varsets (applied and global sets), who may (can-manage-varsets for writes,
 * can-read-varsets for reads, T7's 404 otherwise), and each invalid input's 422 message.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';
import { createWorkspace, seedWorkspaceWorld, type Seeded } from '../support/workspaces.ts';

const orgSets = (w: Seeded) => `/api/v2/organizations/${w.org.name}/varsets`;
const setBody = (attributes: Record<string, unknown>, relationships?: Record<string, unknown>) => ({ data: { type: 'varsets', attributes, ...(relationships ? { relationships } : {}) } });
const varBody = (attributes: Record<string, unknown>) => ({ data: { type: 'vars', attributes } });

for (const storeName of ['memory', 'sqlite'] as const) {
  const seed = () => seedWorkspaceWorld({}, storeName === 'sqlite' ? { store: createSqliteStore(':memory:') } : {});

  describe(`variable sets (${storeName} store)`, () => {
    it('create, read, list, update, delete; the name is unique per organization, case-insensitively', async () => {
      const w = await seed();
      const created = (await w.api('post', orgSets(w), w.tokens.owners, setBody({ name: 'aws creds', description: 'shared', global: false, priority: true })).expect(201)).body.data;
      assert.match(created.id, /^varset-[A-Za-z0-9]{16}$/);
      assert.deepEqual([created.attributes.name, created.attributes.description, created.attributes.global, created.attributes.priority, created.attributes['var-count'], created.attributes['workspace-count']], ['aws creds', 'shared', false, true, 0, 0]);
      assert.deepEqual(created.relationships.organization.data, { id: w.org.name, type: 'organizations' });
      assert.deepEqual((await w.api('get', `/api/v2/varsets/${created.id}`, w.tokens.owners).expect(200)).body.data, created);
      const taken = await w.api('post', orgSets(w), w.tokens.owners, setBody({ name: 'AWS Creds' })).expect(422);
      assert.equal(taken.body.errors[0].detail, 'Name has already been taken');
      assert.equal(taken.body.errors[0].source.pointer, '/data/attributes/name');
      await w.api('post', orgSets(w), w.tokens.owners, setBody({ name: 'other' })).expect(201);
      const list = (await w.api('get', orgSets(w), w.tokens.owners).expect(200)).body;
      assert.deepEqual(list.data.map((d: { attributes: { name: string } }) => d.attributes.name), ['aws creds', 'other']);
      assert.equal(list.meta.pagination['total-count'], 2);
      const renamedTaken = await w.api('patch', `/api/v2/varsets/${created.id}`, w.tokens.owners, setBody({ name: 'OTHER' })).expect(422);
      assert.equal(renamedTaken.body.errors[0].detail, 'Name has already been taken');
      const updated = (await w.api('patch', `/api/v2/varsets/${created.id}`, w.tokens.owners, setBody({ name: 'aws', global: true })).expect(200)).body.data;
      assert.deepEqual([updated.attributes.name, updated.attributes.global, updated.attributes.description], ['aws', true, 'shared']);
      await w.api('delete', `/api/v2/varsets/${created.id}`, w.tokens.owners).expect(204);
      await w.api('get', `/api/v2/varsets/${created.id}`, w.tokens.owners).expect(404);
      await w.api('delete', `/api/v2/varsets/${created.id}`, w.tokens.owners).expect(404);
      // The freed name may be used again.
      await w.api('post', orgSets(w), w.tokens.owners, setBody({ name: 'aws' })).expect(201);
    });

    it("a set's variables: CRUD, a sensitive value is never returned and never made non-sensitive, keys unique per category", async () => {
      const w = await seed();
      const set = (await w.api('post', orgSets(w), w.tokens.owners, setBody({ name: 's' }, { vars: { data: [{ type: 'vars', attributes: { key: 'region', value: 'eu', category: 'terraform' } }] } })).expect(201)).body.data;
      assert.equal(set.attributes['var-count'], 1);
      const vars = `/api/v2/varsets/${set.id}/relationships/vars`;
      const secret = await w.api('post', vars, w.tokens.owners, varBody({ key: 'AWS_SECRET', value: 'hunter2', category: 'env', sensitive: true })).expect(201);
      assert.equal(secret.body.data.attributes.value, null);
      assert.match(secret.body.data.id, /^var-[A-Za-z0-9]{16}$/);
      const list = await w.api('get', vars, w.tokens.owners).expect(200);
      assert.deepEqual(list.body.data.map((v: { attributes: { key: string } }) => v.attributes.key), ['region', 'AWS_SECRET']);
      const patched = await w.api('patch', `${vars}/${secret.body.data.id}`, w.tokens.owners, varBody({ value: 'hunter3' })).expect(200);
      for (const text of [secret.text, list.text, patched.text]) assert.ok(!text.includes('hunter'), text);
      const back = await w.api('patch', `${vars}/${secret.body.data.id}`, w.tokens.owners, varBody({ sensitive: false })).expect(422);
      assert.equal(back.body.errors[0].detail, 'a sensitive variable cannot be made non-sensitive; delete it and create it again');
      const dup = await w.api('post', vars, w.tokens.owners, varBody({ key: 'region', category: 'terraform' })).expect(422);
      assert.equal(dup.body.errors[0].source.pointer, '/data/attributes/key');
      await w.api('post', vars, w.tokens.owners, varBody({ key: 'region', category: 'env' })).expect(201);
      await w.api('delete', `${vars}/${secret.body.data.id}`, w.tokens.owners).expect(204);
      await w.api('delete', `${vars}/${secret.body.data.id}`, w.tokens.owners).expect(404);
      // Deleting the set deletes its variables.
      const regionId = list.body.data[0].id;
      await w.api('delete', `/api/v2/varsets/${set.id}`, w.tokens.owners).expect(204);
      assert.equal(await w.h.store.resources.get('vars', regionId), undefined);
    });

    it('applied to workspaces and removed; GET /workspaces/:id/varsets lists applied and global sets', async () => {
      const w = await seed();
      const a = await createWorkspace(w, 'a', w.tokens.owners);
      const b = await createWorkspace(w, 'b', w.tokens.owners);
      const set = (await w.api('post', orgSets(w), w.tokens.owners, setBody({ name: 'applied' }, { workspaces: { data: [{ type: 'workspaces', id: a }] } })).expect(201)).body.data;
      assert.deepEqual(set.relationships.workspaces.data, [{ id: a, type: 'workspaces' }]);
      await w.api('post', orgSets(w), w.tokens.owners, setBody({ name: 'everywhere', global: true })).expect(201);
      const names = async (ws: string) => (await w.api('get', `/api/v2/workspaces/${ws}/varsets`, w.tokens.owners).expect(200)).body.data.map((s: { attributes: { name: string } }) => s.attributes.name);
      assert.deepEqual(await names(a), ['applied', 'everywhere']);
      assert.deepEqual(await names(b), ['everywhere']);
      await w.api('post', `/api/v2/varsets/${set.id}/relationships/workspaces`, w.tokens.owners, { data: [{ type: 'workspaces', id: b }] }).expect(204);
      assert.deepEqual(await names(b), ['applied', 'everywhere']);
      await w.api('delete', `/api/v2/varsets/${set.id}/relationships/workspaces`, w.tokens.owners, { data: [{ type: 'workspaces', id: a }] }).expect(204);
      assert.deepEqual(await names(a), ['everywhere']);
      const unknown = await w.api('post', `/api/v2/varsets/${set.id}/relationships/workspaces`, w.tokens.owners, { data: [{ type: 'workspaces', id: 'ws-doesnotexist0000' }] }).expect(422);
      assert.equal(unknown.body.errors[0].detail, 'workspace ws-doesnotexist0000 does not exist in this organization');
      // A deleted workspace drops out of the set.
      await w.api('delete', `/api/v2/workspaces/${b}`, w.tokens.owners).expect(204);
      assert.equal((await w.api('get', `/api/v2/varsets/${set.id}`, w.tokens.owners).expect(200)).body.data.attributes['workspace-count'], 0);
    });

    it('who may: can-manage-varsets writes, can-read-varsets reads, the flags equal the answers, others get 404', async () => {
      const w = await seed();
      const set = (await w.api('post', orgSets(w), w.tokens.organization, setBody({ name: 'by-org-token' })).expect(201)).body.data;
      const perms = async (secret: string) => (await w.api('get', `/api/v2/organizations/${w.org.name}`, secret).expect(200)).body.data.attributes.permissions;
      for (const [who, secret, manage] of [['owners team token', w.tokens.owners, true], ['organization token', w.tokens.organization, true], ['developers (read-workspaces) token', w.tokens.developers, false], ['member alice (developers)', w.tokens.alice, false], ['contractors token (no organization access)', w.tokens.contractors, false]] as const) {
        const p = await perms(secret);
        assert.equal(p['can-manage-varsets'], manage, who);
        assert.equal(p['can-read-varsets'], true, who);
        await w.api('get', orgSets(w), secret).expect(200);
        await w.api('get', `/api/v2/varsets/${set.id}`, secret).expect(200);
        await w.api('post', orgSets(w), secret, setBody({ name: `by ${who}` })).expect(manage ? 201 : 404);
        await w.api('patch', `/api/v2/varsets/${set.id}`, secret, setBody({ description: who })).expect(manage ? 200 : 404);
        await w.api('post', `/api/v2/varsets/${set.id}/relationships/vars`, secret, varBody({ key: `k${who.length}`, category: 'env' })).expect(manage ? 201 : 404);
      }
      const outsider = await w.h.login('bob');
      for (const t of await w.h.store.teams.teamsOfUser(outsider.userId)) await w.h.store.teams.removeMembers(t.id, [outsider.userId]);
      for (const m of await w.h.store.orgMemberships.listByUser(outsider.userId)) await w.h.store.orgMemberships.delete(m.id);
      const secret = (await outsider.createToken()).secret;
      await w.api('get', `/api/v2/varsets/${set.id}`, secret).expect(404);
      await w.api('get', orgSets(w), secret).expect(404);
    });

    describe('invalid input is a 422 with its message', () => {
      const cases: Array<[string, string, Record<string, unknown>, string, string]> = [
        ['missing name', 'set', {}, '/data/attributes/name', "data.attributes.name: Name can't be blank"],
        ['blank name', 'set', { name: '  ' }, '/data/attributes/name', "Name can't be blank"],
        ['too long name', 'set', { name: 'n'.repeat(129) }, '/data/attributes/name', 'Name is too long (maximum is 128 characters)'],
        ['global not a boolean', 'set', { name: 'g', global: 'yes' }, '/data/attributes/global', 'data.attributes.global: must be true or false'],
        ['variable key with "="', 'var', { key: 'a=b', category: 'env' }, '/data/attributes/key', 'Key is at most 128 characters without whitespace or "="'],
        ['missing category', 'var', { key: 'k' }, '/data/attributes/category', 'data.attributes.category: category must be terraform or env'],
        ['unknown category', 'var', { key: 'k', category: 'policy' }, '/data/attributes/category', 'data.attributes.category: category must be terraform or env'],
      ];
      for (const [name, kind, attributes, pointer, detail] of cases) {
        it(name, async () => {
          const w = await seed();
          let path = orgSets(w);
          let body: unknown = setBody(attributes);
          if (kind === 'var') {
            const set = (await w.api('post', orgSets(w), w.tokens.owners, setBody({ name: 'v' })).expect(201)).body.data;
            path = `/api/v2/varsets/${set.id}/relationships/vars`;
            body = varBody(attributes);
          }
          const res = await w.api('post', path, w.tokens.owners, body).expect(422);
          assert.equal(res.body.errors[0].source.pointer, pointer, JSON.stringify(res.body));
          assert.equal(res.body.errors[0].detail, detail);
        });
      }
    });
  });
}
