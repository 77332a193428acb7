/**
 * Tags (TFE API docs "Workspaces" add/remove tags, "Organization Tags"): a workspace's tags are
 * its `tag-names`; POST/DELETE /workspaces/:id/relationships/tags change them, GET
 * /organizations/:org/tags counts them (`instance-count`), DELETE /organizations/:org/tags removes
 * them everywhere (can-manage-tags). Who may, and each invalid input's 422.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';
import { createWorkspace, grant, seedWorkspaceWorld, type Seeded } from '../support/workspaces.ts';

const rel = (ws: string) => `/api/v2/workspaces/${ws}/relationships/tags`;
const named = (...names: string[]) => ({ data: names.map((name) => ({ type: 'tags', attributes: { name } })) });
const tagNames = async (w: Seeded, ws: string) => (await w.api('get', `/api/v2/workspaces/${ws}`, w.tokens.owners).expect(200)).body.data.attributes['tag-names'];
const orgTags = async (w: Seeded, secret = w.tokens.owners) => (await w.api('get', `/api/v2/organizations/${w.org.name}/tags`, secret).expect(200)).body;

for (const storeName of ['memory', 'sqlite'] as const) {
  const seed = () => seedWorkspaceWorld({}, storeName === 'sqlite' ? { store: createSqliteStore(':memory:') } : {});

  describe(`tags (${storeName} store)`, () => {
    it("added and removed through relationships/tags are the workspace's tag-names; the organization counts them", async () => {
      const w = await seed();
      const a = await createWorkspace(w, 'a', w.tokens.owners, { 'tag-names': ['prod'] });
      const b = await createWorkspace(w, 'b', w.tokens.owners);
      await w.api('post', rel(a), w.tokens.owners, named('eu', 'prod')).expect(204);
      await w.api('post', rel(b), w.tokens.owners, named('eu')).expect(204);
      assert.deepEqual(await tagNames(w, a), ['prod', 'eu']);
      const listed = await orgTags(w);
      assert.deepEqual(listed.data.map((t: { attributes: { name: string; 'instance-count': number } }) => [t.attributes.name, t.attributes['instance-count']]), [['eu', 2], ['prod', 1]]);
      assert.match(listed.data[0].id, /^tag-[A-Za-z0-9]{16}$/);
      const onA = (await w.api('get', rel(a), w.tokens.owners).expect(200)).body.data;
      assert.deepEqual(onA.map((t: { attributes: { name: string } }) => t.attributes.name), ['prod', 'eu']);
      // A tag given by the id of an existing tag.
      const euId = listed.data[0].id;
      const c = await createWorkspace(w, 'c', w.tokens.owners);
      await w.api('post', rel(c), w.tokens.owners, { data: [{ type: 'tags', id: euId }] }).expect(204);
      assert.deepEqual(await tagNames(w, c), ['eu']);
      await w.api('delete', rel(a), w.tokens.owners, named('prod')).expect(204);
      assert.deepEqual(await tagNames(w, a), ['eu']);
      // Organization-wide delete removes the tag from every workspace.
      await w.api('delete', `/api/v2/organizations/${w.org.name}/tags`, w.tokens.owners, { data: [{ type: 'tags', id: euId }] }).expect(204);
      for (const ws of [a, b, c]) assert.deepEqual(await tagNames(w, ws), []);
      assert.deepEqual((await orgTags(w)).data, []);
    });

    it('who may: workspace update for a workspace, can-manage-tags for the organization; the flag equals the answer; others 404', async () => {
      const w = await seed();
      const ws = await createWorkspace(w, 'who', w.tokens.owners, { 'tag-names': ['keep'] });
      const keepId = (await orgTags(w)).data[0].id;
      for (const [who, secret, manage] of [['owners team token', w.tokens.owners, true], ['organization token', w.tokens.organization, true], ['developers (read-workspaces) token', w.tokens.developers, false], ['contractors token', w.tokens.contractors, false]] as const) {
        const p = (await w.api('get', `/api/v2/organizations/${w.org.name}`, secret).expect(200)).body.data.attributes.permissions;
        assert.equal(p['can-manage-tags'], manage, who);
        await orgTags(w, secret);
        await w.api('delete', `/api/v2/organizations/${w.org.name}/tags`, secret, { data: [{ type: 'tags', id: 'tag-none000000000000' }] }).expect(manage ? 204 : 404);
      }
      await w.api('post', rel(ws), w.tokens.contractors, named('x')).expect(404);
      await grant(w, w.contractors.id, ws, 'read');
      await w.api('post', rel(ws), w.tokens.contractors, named('x')).expect(404);
      await grant(w, w.developers.id, ws, 'admin');
      await w.api('post', rel(ws), w.tokens.developers, named('x')).expect(204);
      assert.deepEqual(await tagNames(w, ws), ['keep', 'x']);
      assert.ok(keepId);
    });

    describe('invalid input is a 422 with its message', () => {
      const cases: Array<[string, unknown, string, string]> = [
        ['a tag name with a space', named('a b'), '/data/attributes/name', 'tags are letters, numbers, -, _ and : (at most 255 characters)'],
        ['a tag with neither name nor a known id', { data: [{ type: 'tags', id: 'tag-unknown' }] }, '/data/0', 'a tag needs attributes.name, or the id of an existing tag'],
        ['not a list', { data: { type: 'tags' } }, '/data', 'data: send {"data":[{"type":"tags","attributes":{"name":"..."}}]}'],
      ];
      for (const [name, body, pointer, detail] of cases) {
        it(name, async () => {
          const w = await seed();
          const ws = await createWorkspace(w, 'bad', w.tokens.owners);
          const res = await w.api('post', rel(ws), w.tokens.owners, body).expect(422);
          assert.equal(res.body.errors[0].source.pointer, pointer, JSON.stringify(res.body));
          assert.equal(res.body.errors[0].detail, detail);
          assert.deepEqual(await tagNames(w, ws), []);
        });
      }
    });
  });
}
