/**
 * Workspace variables: CRUD, sensitive values never returned (not on create, read, list or
 * update), a sensitive variable never made non-sensitive, permissions by team access (the
 * organization token may manage them, T3), and every invalid input's 422 pointer.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createWorkspace, grant, seedWorkspaceWorld, type Seeded } from '../support/workspaces.ts';

const vars = (ws: string) => `/api/v2/workspaces/${ws}/vars`;
const varBody = (attributes: Record<string, unknown>) => ({ data: { type: 'vars', attributes } });
const create = (w: Seeded, ws: string, attributes: Record<string, unknown>, secret = w.tokens.owners) => w.api('post', vars(ws), secret, varBody(attributes));

describe('variables', () => {
  it('create, read, list, update, delete', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'vars', w.tokens.owners);
    const v = (await create(w, ws, { key: 'region', value: 'eu-west-1', description: 'where', category: 'terraform', hcl: false }).expect(201)).body.data;
    assert.match(v.id, /^var-[A-Za-z0-9]{16}$/);
    assert.deepEqual([v.attributes.key, v.attributes.value, v.attributes.description, v.attributes.category, v.attributes.sensitive], ['region', 'eu-west-1', 'where', 'terraform', false]);
    assert.deepEqual(v.relationships.configurable.data, { id: ws, type: 'workspaces' });
    assert.deepEqual((await w.api('get', `${vars(ws)}/${v.id}`, w.tokens.owners).expect(200)).body.data, v);
    await create(w, ws, { key: 'TF_LOG', value: 'debug', category: 'env' }).expect(201);
    const list = (await w.api('get', vars(ws), w.tokens.owners).expect(200)).body;
    assert.deepEqual(list.data.map((d: { attributes: { key: string } }) => d.attributes.key), ['TF_LOG', 'region']);
    assert.equal(list.meta.pagination['total-count'], 2);
    const unchanged = (await w.api('patch', `${vars(ws)}/${v.id}`, w.tokens.owners, { data: { type: 'vars', id: v.id } }).expect(200)).body.data;
    assert.deepEqual(unchanged, v, 'an empty update changes nothing');
    const updated = (await w.api('patch', `${vars(ws)}/${v.id}`, w.tokens.owners, varBody({ value: '"us-east-1"', hcl: true })).expect(200)).body.data;
    assert.equal(updated.attributes.value, '"us-east-1"');
    assert.equal(updated.attributes.hcl, true);
    assert.notEqual(updated.attributes['version-id'], v.attributes['version-id']);
    await w.api('delete', `${vars(ws)}/${v.id}`, w.tokens.owners).expect(204);
    await w.api('get', `${vars(ws)}/${v.id}`, w.tokens.owners).expect(404);
    await w.api('delete', `${vars(ws)}/${v.id}`, w.tokens.owners).expect(404);
  });

  it('a sensitive value is never returned, and a sensitive variable cannot become non-sensitive', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'secret', w.tokens.owners);
    const created = await create(w, ws, { key: 'password', value: 'hunter2', category: 'terraform', sensitive: true }).expect(201);
    const v = created.body.data;
    assert.equal(v.attributes.value, null);
    const plain = (await create(w, ws, { key: 'plain', value: 'p', category: 'terraform' }).expect(201)).body.data;
    const madeSensitive = await w.api('patch', `${vars(ws)}/${plain.id}`, w.tokens.owners, varBody({ sensitive: true, value: 'hunter3' })).expect(200);
    const read = await w.api('get', `${vars(ws)}/${v.id}`, w.tokens.owners).expect(200);
    const list = await w.api('get', vars(ws), w.tokens.owners).expect(200);
    for (const text of [created.text, madeSensitive.text, read.text, list.text]) {
      assert.ok(!text.includes('hunter2') && !text.includes('hunter3'), text);
    }
    const back = await w.api('patch', `${vars(ws)}/${v.id}`, w.tokens.owners, varBody({ sensitive: false })).expect(422);
    assert.equal(back.body.errors[0].source.pointer, '/data/attributes/sensitive');
    // The value is kept for runs (the store has it); the API only never shows it.
    assert.equal((await w.h.store.variables.get(v.id))!.value, 'hunter2');
  });

  it('who may: read access reads, write access writes, the organization token manages them (T3), others get 404', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'who', w.tokens.owners);
    const v = (await create(w, ws, { key: 'k', value: 'v', category: 'env' }, w.tokens.organization).expect(201)).body.data;
    await w.api('get', vars(ws), w.tokens.contractors).expect(404);
    await grant(w, w.contractors.id, ws, 'read');
    await w.api('get', vars(ws), w.tokens.contractors).expect(200);
    await create(w, ws, { key: 'x', category: 'env' }, w.tokens.contractors).expect(404);
    await w.api('patch', `${vars(ws)}/${v.id}`, w.tokens.contractors, varBody({ value: 'changed' })).expect(404);
    await w.api('delete', `${vars(ws)}/${v.id}`, w.tokens.contractors).expect(404);
    await grant(w, w.developers.id, ws, 'write');
    await w.api('patch', `${vars(ws)}/${v.id}`, w.tokens.developers, varBody({ value: 'changed' })).expect(200);
    // A variable is addressed under its own workspace only.
    const other = await createWorkspace(w, 'other', w.tokens.owners);
    await w.api('get', `${vars(other)}/${v.id}`, w.tokens.owners).expect(404);
  });

  describe('invalid input is a 422 with a pointer', () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['missing key', { value: 'v', category: 'terraform' }, '/data/attributes/key'],
      ['blank key', { key: '  ', category: 'terraform' }, '/data/attributes/key'],
      ['key with "="', { key: 'a=b', category: 'env' }, '/data/attributes/key'],
      ['missing category', { key: 'k' }, '/data/attributes/category'],
      ['unknown category', { key: 'k', category: 'policy' }, '/data/attributes/category'],
      ['description too long', { key: 'k', category: 'terraform', description: 'x'.repeat(513) }, '/data/attributes/description'],
      ['value not a string', { key: 'k', category: 'terraform', value: 3 }, '/data/attributes/value'],
      ['sensitive not a boolean', { key: 'k', category: 'terraform', sensitive: 'yes' }, '/data/attributes/sensitive'],
    ];
    // One world for the table: every case is refused, so none changes what the next one sees.
    let w: Seeded;
    let ws: string;
    before(async () => {
      w = await seedWorkspaceWorld();
      ws = await createWorkspace(w, 'bad', w.tokens.owners);
    });
    for (const [name, attributes, pointer] of cases) {
      it(name, async () => {
        const res = await create(w, ws, attributes).expect(422);
        assert.equal(res.body.errors[0].source.pointer, pointer, JSON.stringify(res.body));
      });
    }
    it('a key taken in the same category (on create and on rename); the other category is fine', async () => {
      const ws = await createWorkspace(w, 'dup', w.tokens.owners);
      await create(w, ws, { key: 'k', category: 'terraform' }).expect(201);
      const dup = await create(w, ws, { key: 'k', category: 'terraform' }).expect(422);
      assert.equal(dup.body.errors[0].source.pointer, '/data/attributes/key');
      const env = (await create(w, ws, { key: 'k', category: 'env' }).expect(201)).body.data;
      const rename = await w.api('patch', `${vars(ws)}/${env.id}`, w.tokens.owners, varBody({ category: 'terraform' })).expect(422);
      assert.equal(rename.body.errors[0].source.pointer, '/data/attributes/key');
    });
  });
});
