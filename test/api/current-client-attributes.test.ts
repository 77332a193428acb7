/**
 * Attributes today's TFE clients send that go-tfe 0.11.1 does not: a workspace's
 * `setting-overwrites` (stored and returned; no inheritance to simulate) and a run's `save-plan`
 * (a saved plan never applies on its own, even on an auto-apply workspace). docs/api.md lists them
 * under "Today's client".
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWorkspace, queue, seedWorkspaceWorld, uploadedCv } from '../support/workspaces.ts';

describe("attributes of today's TFE client", () => {
  it('setting-overwrites: both true when not given, round-trips when given, 422 for a non-boolean', async () => {
    const w = await seedWorkspaceWorld();
    const plain = await createWorkspace(w, 'plain', w.tokens.owners);
    const read = async (id: string) => (await w.api('get', `/api/v2/workspaces/${id}`, w.tokens.owners).expect(200)).body.data.attributes['setting-overwrites'];
    assert.deepEqual(await read(plain), { 'execution-mode': true, 'agent-pool': true });
    const given = await createWorkspace(w, 'given', w.tokens.owners, { 'setting-overwrites': { 'execution-mode': false, 'agent-pool': false } });
    assert.deepEqual(await read(given), { 'execution-mode': false, 'agent-pool': false });
    await w.api('patch', `/api/v2/workspaces/${given}`, w.tokens.owners, { data: { type: 'workspaces', attributes: { 'setting-overwrites': { 'execution-mode': true } } } }).expect(200);
    assert.deepEqual(await read(given), { 'execution-mode': true, 'agent-pool': true });
    const bad = await w.api('post', `/api/v2/organizations/${w.org.name}/workspaces`, w.tokens.owners, { data: { type: 'workspaces', attributes: { name: 'bad', 'setting-overwrites': { 'execution-mode': 'yes' } } } }).expect(422);
    assert.match(JSON.stringify(bad.body.errors), /must be true or false/);
  });

  it('save-plan: returned on the run, and a saved plan on an auto-apply workspace waits for confirmation (cost_estimated) instead of applying', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'auto', w.tokens.owners, { 'auto-apply': true });
    await uploadedCv(w, ws, w.tokens.owners);
    const saved = await queue(w, ws, w.tokens.owners, { 'save-plan': true });
    assert.equal(saved.attributes['save-plan'], true);
    await w.settle();
    const attrs = (await w.api('get', `/api/v2/runs/${saved.id}`, w.tokens.owners).expect(200)).body.data.attributes;
    assert.deepEqual([attrs.status, attrs['auto-apply'], attrs['save-plan'], attrs.actions['is-confirmable']], ['cost_estimated', false, true, true]);
    await w.api('post', `/api/v2/runs/${saved.id}/actions/discard`, w.tokens.owners, {}).expect(202);
    const normal = await queue(w, ws, w.tokens.owners);
    assert.equal(normal.attributes['save-plan'], false);
    await w.settle();
    assert.equal((await w.api('get', `/api/v2/runs/${normal.id}`, w.tokens.owners).expect(200)).body.data.attributes.status, 'applied');
    const bad = await w.api('post', '/api/v2/runs', w.tokens.owners, { data: { type: 'runs', attributes: { 'save-plan': 'yes' }, relationships: { workspace: { data: { type: 'workspaces', id: ws } } } } }).expect(422);
    assert.match(JSON.stringify(bad.body.errors), /must be true or false/);
  });
});
