/**
 * SSH keys: CRUD, the private key never returned (nor stored, nor logged), the value's
 * validation messages, workspace assignment, and the truth rows for `can-update-ssh-keys`.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/log.ts';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';
import { createWorkspace, seedWorkspaceWorld, type Seeded } from '../support/workspaces.ts';
import { organizationFlag, truthRows } from './resource-principals.ts';

const PEM = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const keys = (w: Seeded) => `/api/v2/organizations/${w.org.name}/ssh-keys`;
const keyBody = (attributes: Record<string, unknown>) => ({ data: { type: 'ssh-keys', attributes } });

async function expect422(w: Seeded, attributes: Record<string, unknown>, pointer: string, detail: string | RegExp) {
  const res = await w.api('post', keys(w), w.tokens.owners, keyBody(attributes)).expect(422);
  assert.equal(res.body.errors[0].source.pointer, pointer);
  if (typeof detail === 'string') assert.equal(res.body.errors[0].detail, detail);
  else assert.match(res.body.errors[0].detail, detail);
}

describe('ssh keys', () => {
  it('create, read, list, update, delete; only the name comes back', async () => {
    const w = await seedWorkspaceWorld();
    const created = await w.api('post', keys(w), w.tokens.owners, keyBody({ name: 'deploy', value: PEM })).expect(201);
    const k = created.body.data;
    assert.match(k.id, /^sshkey-[A-Za-z0-9]{16}$/);
    assert.deepEqual(Object.keys(k.attributes).sort(), ['created-at', 'name', 'updated-at']);
    assert.equal(k.attributes.name, 'deploy');
    assert.deepEqual((await w.api('get', `/api/v2/ssh-keys/${k.id}`, w.tokens.owners).expect(200)).body.data, k);
    const list = (await w.api('get', keys(w), w.tokens.owners).expect(200)).body;
    assert.deepEqual(list.data.map((d: { id: string }) => d.id), [k.id]);
    assert.equal(list.meta.pagination['total-count'], 1);
    const renamed = (await w.api('patch', `/api/v2/ssh-keys/${k.id}`, w.tokens.owners, keyBody({ name: 'renamed' })).expect(200)).body.data;
    assert.equal(renamed.attributes.name, 'renamed');
    await w.api('delete', `/api/v2/ssh-keys/${k.id}`, w.tokens.owners).expect(204);
    await w.api('get', `/api/v2/ssh-keys/${k.id}`, w.tokens.owners).expect(404);
    await w.api('delete', `/api/v2/ssh-keys/${k.id}`, w.tokens.owners).expect(404);
  });

  it('the private key is never returned, never stored (a fingerprint is), never logged', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    const w = await seedWorkspaceWorld({}, { logger: createLogger('trace', sink) });
    const other = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const created = await w.api('post', keys(w), w.tokens.owners, keyBody({ name: 'secret', value: PEM })).expect(201);
    const id = created.body.data.id;
    const texts = [created.text];
    texts.push((await w.api('patch', `/api/v2/ssh-keys/${id}`, w.tokens.owners, keyBody({ value: other })).expect(200)).text);
    texts.push((await w.api('get', `/api/v2/ssh-keys/${id}`, w.tokens.owners).expect(200)).text);
    texts.push((await w.api('get', keys(w), w.tokens.owners).expect(200)).text);
    const ws = await createWorkspace(w, 'uses-key', w.tokens.owners);
    texts.push((await w.api('patch', `/api/v2/workspaces/${ws}/relationships/ssh-key`, w.tokens.owners, { data: { type: 'workspaces', attributes: { id } } }).expect(200)).text);
    texts.push((await w.api('get', `/api/v2/workspaces/${ws}`, w.tokens.owners).expect(200)).text);
    const body = (s: string) => s.split('\n').find((l) => l.length > 40 && !l.startsWith('-----'))!;
    for (const secret of [PEM, other]) {
      for (const t of [...texts, ...lines]) assert.ok(!t.includes(body(secret)) && !t.includes(JSON.stringify(secret).slice(1, 60)), 'the private key appeared');
    }
    const stored = JSON.stringify(await w.h.store.resources.get('ssh-keys', id));
    assert.ok(!stored.includes(body(other)), 'the store keeps only the fingerprint');
    assert.match(stored, /"fingerprint":"SHA256:[A-Za-z0-9+/]{43}"/);
  });

  it('every bad name or value is a 422 naming it, never echoing the value', async () => {
    const w = await seedWorkspaceWorld();
    await expect422(w, { value: PEM }, '/data/attributes/name', "Name can't be blank");
    await expect422(w, { name: '  ', value: PEM }, '/data/attributes/name', "Name can't be blank");
    await expect422(w, { name: 'k' }, '/data/attributes/value', "Value can't be blank");
    await expect422(w, { name: 'k', value: 42 }, '/data/attributes/value', "Value can't be blank");
    await expect422(w, { name: 'k', value: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample me@host' }, '/data/attributes/value', /^Value is a public key; send the private key/);
    await expect422(w, { name: 'k', value: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' }, '/data/attributes/value', /^Value is a certificate/);
    await expect422(w, { name: 'k', value: '-----BEGIN PRIVATE KEY-----\nMIIB' }, '/data/attributes/value', /^Value starts like PEM but is not one whole private-key block/);
    await expect422(w, { name: 'k', value: 'x\u0000y' }, '/data/attributes/value', 'Value must be text (a private key in PEM form), without control characters');
    await expect422(w, { name: 'k', value: 'x'.repeat(16 * 1024 + 1) }, '/data/attributes/value', 'Value is at most 16384 characters (a private key in PEM form)');
    // Whole private keys in the PEM forms ssh and openssl write are accepted.
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    for (const value of [rsa.export({ type: 'pkcs1', format: 'pem' }).toString(), rsa.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'p' }).toString(), `${PEM}\n\n`]) {
      await w.api('post', keys(w), w.tokens.owners, keyBody({ name: 'ok', value })).expect(201);
    }
    const bad = await w.api('post', keys(w), w.tokens.owners, { data: { type: 'vars', attributes: { name: 'k', value: PEM } } }).expect(422);
    assert.equal(bad.body.errors[0].detail, 'data.type: must be "ssh-keys"');
  });

  it('a workspace gets and loses its key; deleting the key unassigns it; an unknown key is refused', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'assign', w.tokens.owners);
    const id = (await w.api('post', keys(w), w.tokens.owners, keyBody({ name: 'k', value: PEM })).expect(201)).body.data.id;
    const rel = `/api/v2/workspaces/${ws}/relationships/ssh-key`;
    const assigned = (await w.api('patch', rel, w.tokens.owners, { data: { type: 'workspaces', attributes: { id } } }).expect(200)).body.data;
    assert.deepEqual(assigned.relationships['ssh-key'].data, { id, type: 'ssh-keys' });
    const none = (await w.api('patch', rel, w.tokens.owners, { data: { type: 'workspaces', attributes: { id: null } } }).expect(200)).body.data;
    assert.deepEqual(none.relationships['ssh-key'].data, null);
    const missing = await w.api('patch', rel, w.tokens.owners, { data: { type: 'workspaces', attributes: { id: 'sshkey-doesnotexist0000' } } }).expect(422);
    assert.equal(missing.body.errors[0].detail, `SSH key sshkey-doesnotexist0000 was not found in organization ${w.org.name}`);
    await w.api('patch', rel, w.tokens.owners, { data: { type: 'workspaces', attributes: { id } } }).expect(200);
    await w.api('delete', `/api/v2/ssh-keys/${id}`, w.tokens.owners).expect(204);
    assert.deepEqual(await w.h.store.resources.listAll('workspace-ssh-keys', { workspaceId: ws }), []);
    // A reader without workspace admin cannot assign (404, T7).
    await w.api('patch', rel, w.tokens.alice, { data: { type: 'workspaces', attributes: { id: null } } }).expect(404);
  });

  it('a workspace read and list show the assigned SSH key, and null once unassigned', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'shows-key', w.tokens.owners);
    const id = (await w.api('post', keys(w), w.tokens.owners, keyBody({ name: 'k', value: PEM })).expect(201)).body.data.id;
    const rel = `/api/v2/workspaces/${ws}/relationships/ssh-key`;
    await w.api('patch', rel, w.tokens.owners, { data: { type: 'workspaces', attributes: { id } } }).expect(200);
    const read = (await w.api('get', `/api/v2/workspaces/${ws}`, w.tokens.owners).expect(200)).body.data;
    assert.deepEqual(read.relationships['ssh-key'].data, { id, type: 'ssh-keys' });
    const listed = (await w.api('get', `/api/v2/organizations/${w.org.name}/workspaces`, w.tokens.owners).expect(200)).body.data.find((d: { id: string }) => d.id === ws);
    assert.deepEqual(listed.relationships['ssh-key'].data, { id, type: 'ssh-keys' });
    await w.api('patch', rel, w.tokens.owners, { data: { type: 'workspaces', attributes: { id: null } } }).expect(200);
    assert.equal((await w.api('get', `/api/v2/workspaces/${ws}`, w.tokens.owners).expect(200)).body.data.relationships['ssh-key'].data, null);
  });

  it('truth rows: can-update-ssh-keys equals whether creating (and reading) SSH keys is allowed', async () => {
    const w = await seedWorkspaceWorld();
    const flags: boolean[] = [];
    for (const row of await truthRows(w, 'manage-vcs-settings')) {
      const flag = await organizationFlag(w, row.secret, 'can-update-ssh-keys');
      flags.push(flag);
      const create = await w.api('post', keys(w), row.secret, keyBody({ name: row.who, value: PEM }));
      assert.equal(create.status === 201, flag, `${row.who}: flag ${flag}, create ${create.status}`);
      if (!flag) assert.equal(create.status, 404, `${row.who}: refused is 404 (T7)`);
      const list = await w.api('get', keys(w), row.secret);
      assert.equal(list.status === 200, flag, `${row.who}: reads need the same right (TFE), got ${list.status}`);
    }
    assert.deepEqual(flags, [true, false, true, false, true], 'owner, member, team with the flag, team without it, organization token');
  });

  it('works on the SQLite store too', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const store = createSqliteStore(path.join(mkdtempSync(path.join(tmpdir(), 'sshkeys-')), 'gateway.db'));
    const w = await seedWorkspaceWorld({}, { store });
    const id = (await w.api('post', keys(w), w.tokens.owners, keyBody({ name: 'k', value: PEM })).expect(201)).body.data.id;
    const ws = await createWorkspace(w, 'sq', w.tokens.owners);
    await w.api('patch', `/api/v2/workspaces/${ws}/relationships/ssh-key`, w.tokens.owners, { data: { type: 'workspaces', attributes: { id } } }).expect(200);
    await w.api('delete', `/api/v2/ssh-keys/${id}`, w.tokens.owners).expect(204);
    assert.deepEqual(await store.resources.listAll('workspace-ssh-keys', { workspaceId: ws }), []);
  });
});
