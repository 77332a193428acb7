/**
 * Notification configurations: CRUD with TFE's shapes, the token never returned, every bad input's
 * 422 message, who may (can-update), the cascade with the workspace, and the verify action's SSRF
 * rule: it posts only to loopback, and for any other host no connection is even attempted.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { STORE_KINDS, seederFor } from '../support/both-stores.ts';
import { createWorkspace, grant, type Seeded } from '../support/workspaces.ts';

const ncs = (ws: string) => `/api/v2/workspaces/${ws}/notification-configurations`;
const ncBody = (attributes: Record<string, unknown>, relationships?: Record<string, unknown>) => ({ data: { type: 'notification-configurations', attributes, ...(relationships ? { relationships } : {}) } });
const generic = (extra: Record<string, unknown> = {}) => ncBody({ 'destination-type': 'generic', enabled: true, name: 'hook', url: 'http://example.com/hook', token: 'sekrit-signing-key', triggers: ['run:created', 'run:errored'], ...extra });
const create = (w: Seeded, ws: string, body: unknown, secret = w.tokens.owners) => w.api('post', ncs(ws), secret, body);

/** Every outgoing HTTP request the process starts, by host (node's own diagnostics channel). */
function watchOutgoing(): { hosts: string[]; stop(): void } {
  const hosts: string[] = [];
  const onStart = (msg: unknown) => hosts.push(String((msg as { request: http.ClientRequest }).request.host));
  diagnostics.subscribe('http.client.request.start', onStart);
  return { hosts, stop: () => diagnostics.unsubscribe('http.client.request.start', onStart) };
}

for (const store of STORE_KINDS) {
  const seedWorkspaceWorld = seederFor(store);
  describe(`notification configurations (${store} store)`, () => {
    it('create, read, list, update, delete; the token is never returned', async () => {
      const w = await seedWorkspaceWorld();
      const ws = await createWorkspace(w, 'nc', w.tokens.owners);
      const created = await create(w, ws, generic()).expect(201);
      const nc = created.body.data;
      assert.match(nc.id, /^nc-[A-Za-z0-9]{16}$/);
      assert.deepEqual([nc.attributes.name, nc.attributes['destination-type'], nc.attributes.enabled, nc.attributes.url, nc.attributes.token], ['hook', 'generic', true, 'http://example.com/hook', null]);
      assert.deepEqual(nc.attributes.triggers, ['run:created', 'run:errored']);
      assert.deepEqual(nc.attributes['delivery-responses'], []);
      assert.deepEqual(nc.relationships.subscribable.data, { id: ws, type: 'workspaces' });
      assert.deepEqual((await w.api('get', `/api/v2/notification-configurations/${nc.id}`, w.tokens.alice).expect(200)).body.data, nc);
      const list = await w.api('get', ncs(ws), w.tokens.owners).expect(200);
      assert.equal(list.body.meta.pagination['total-count'], 1);
      const updated = await w.api('patch', `/api/v2/notification-configurations/${nc.id}`, w.tokens.owners, ncBody({ enabled: false, name: 'renamed' })).expect(200);
      assert.deepEqual([updated.body.data.attributes.enabled, updated.body.data.attributes.name, updated.body.data.attributes.url], [false, 'renamed', 'http://example.com/hook']);
      for (const text of [created.text, list.text, updated.text]) assert.ok(!text.includes('sekrit-signing-key'), 'the token never leaves');
      await w.api('delete', `/api/v2/notification-configurations/${nc.id}`, w.tokens.owners).expect(204);
      await w.api('get', `/api/v2/notification-configurations/${nc.id}`, w.tokens.owners).expect(404);
    });

    it('email destinations: users must be of the organization, and an update replaces them (absent: none), as TFE', async () => {
      const w = await seedWorkspaceWorld();
      const ws = await createWorkspace(w, 'mail', w.tokens.owners);
      const users = (ids: string[]) => ({ users: { data: ids.map((id) => ({ type: 'users', id })) } });
      const nc = (await create(w, ws, ncBody({ 'destination-type': 'email', enabled: true, name: 'mail' }, users([w.users.alice.userId]))).expect(201)).body.data;
      assert.equal(nc.attributes.url, null);
      assert.deepEqual(nc.relationships.users.data, [{ id: w.users.alice.userId, type: 'users' }]);
      const both = (await w.api('patch', `/api/v2/notification-configurations/${nc.id}`, w.tokens.owners, ncBody({ name: 'm2' }, users([w.users.alice.userId, w.users.bob.userId]))).expect(200)).body.data;
      assert.equal(both.relationships.users.data.length, 2);
      const none = (await w.api('patch', `/api/v2/notification-configurations/${nc.id}`, w.tokens.owners, ncBody({ name: 'm3' })).expect(200)).body.data;
      assert.deepEqual(none.relationships.users.data, []);
      const bad = await create(w, ws, ncBody({ 'destination-type': 'email', enabled: true, name: 'x' }, users(['user-nobody'])), w.tokens.owners).expect(422);
      assert.equal(bad.body.errors[0].detail, 'Users user-nobody is not a member of the organization');
    });

    it("every bad input is a 422 with TFE's message", async () => {
      const w = await seedWorkspaceWorld();
      const ws = await createWorkspace(w, 'bad', w.tokens.owners);
      const detail = async (body: unknown) => (await create(w, ws, body).expect(422)).body.errors[0];
      const cases: Array<[Record<string, unknown>, string, string]> = [
        [{ name: undefined }, "Name can't be blank", '/data/attributes/name'],
        [{ url: undefined }, "Url can't be blank", '/data/attributes/url'],
        [{ 'destination-type': 'slack', url: null }, "Url can't be blank", '/data/attributes/url'],
        [{ 'destination-type': 'microsoft-teams', url: undefined }, "Url can't be blank", '/data/attributes/url'],
        [{ url: 'not a url' }, 'Url is not a valid URL', '/data/attributes/url'],
        [{ url: 'file:///etc/passwd' }, 'Url must be an http or https URL', '/data/attributes/url'],
        [{ 'destination-type': 'pager' }, 'Destination type is not included in the list (generic, email, slack, microsoft-teams)', '/data/attributes/destination-type'],
        [{ 'destination-type': undefined }, "Destination type can't be blank", '/data/attributes/destination-type'],
        [{ triggers: ['run:created', 'run:exploded'] }, 'Triggers "run:exploded" is not a valid trigger', '/data/attributes/triggers'],
        [{ enabled: undefined }, "Enabled can't be blank", '/data/attributes/enabled'],
        [{ 'email-addresses': ['a@example.com'] }, 'Email addresses can only be set for the email destination type', '/data/attributes/email-addresses'],
      ];
      for (const [extra, message, pointer] of cases) {
        const e = await detail(generic(extra));
        assert.deepEqual([e.detail, e.source.pointer], [message, pointer], JSON.stringify(extra));
      }
      const nc = (await create(w, ws, generic()).expect(201)).body.data;
      const e = (await w.api('patch', `/api/v2/notification-configurations/${nc.id}`, w.tokens.owners, ncBody({ 'destination-type': 'slack' })).expect(422)).body.errors[0];
      assert.equal(e.detail, 'Destination type cannot be changed');
    });

    it('who may: can-update writes (organization token included), readers read, others get 404', async () => {
      const w = await seedWorkspaceWorld();
      const ws = await createWorkspace(w, 'who', w.tokens.owners);
      const nc = (await create(w, ws, generic(), w.tokens.organization).expect(201)).body.data;
      await create(w, ws, generic(), w.tokens.alice).expect(404); // read-workspaces: reads, no can-update
      await w.api('get', `/api/v2/notification-configurations/${nc.id}`, w.tokens.contractors).expect(404);
      await grant(w, w.contractors.id, ws, 'write');
      await w.api('get', `/api/v2/notification-configurations/${nc.id}`, w.tokens.contractors).expect(200);
      await w.api('post', `/api/v2/notification-configurations/${nc.id}/actions/verify`, w.tokens.contractors).expect(404);
      await w.api('delete', `/api/v2/notification-configurations/${nc.id}`, w.tokens.contractors).expect(404);
      const perms = (await w.api('get', `/api/v2/workspaces/${ws}`, w.tokens.contractors).expect(200)).body.data.attributes.permissions;
      assert.equal(perms['can-update'], false);
      await grant(w, w.developers.id, ws, 'admin');
      await w.api('patch', `/api/v2/notification-configurations/${nc.id}`, w.tokens.alice, ncBody({ name: 'admin' })).expect(200);
    });

    it('deleting the workspace deletes its notification configurations', async () => {
      const w = await seedWorkspaceWorld();
      const ws = await createWorkspace(w, 'gone', w.tokens.owners);
      const nc = (await create(w, ws, generic()).expect(201)).body.data;
      await w.api('delete', `/api/v2/workspaces/${ws}`, w.tokens.owners).expect(204);
      assert.equal(await w.h.store.resources.get('notification-configurations', nc.id), undefined);
    });

    it('verify posts the signed payload to a loopback URL and records the answer (status, body, headers)', async () => {
      const w = await seedWorkspaceWorld();
      const ws = await createWorkspace(w, 'verify', w.tokens.owners);
      const got: Array<{ body: string; signature: string | undefined }> = [];
      const server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          got.push({ body, signature: req.headers['x-tfe-notification-signature'] as string | undefined });
          res.setHeader('X-Hook', 'yes');
          res.end('thanks');
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const port = (server.address() as AddressInfo).port;
        const nc = (await create(w, ws, generic({ url: `http://localhost:${port}/hook` })).expect(201)).body.data;
        const verified = (await w.api('post', `/api/v2/notification-configurations/${nc.id}/actions/verify`, w.tokens.owners).expect(200)).body.data;
        const [response] = verified.attributes['delivery-responses'];
        assert.deepEqual([response.code, response.body, response.successful, response.headers['x-hook']], [200, 'thanks', true, ['yes']]);
        assert.equal(got.length, 1);
        const payload = JSON.parse(got[0]!.body);
        assert.deepEqual([payload.notification_configuration_id, payload.workspace_id, payload.notifications[0].trigger], [nc.id, ws, 'verification']);
        assert.equal(got[0]!.signature, createHmac('sha512', 'sekrit-signing-key').update(got[0]!.body).digest('hex'));
      } finally {
        server.close();
      }
    });

    it('verify never connects to a non-loopback address: no request is started, and the answer says it was recorded, not sent (SSRF)', async () => {
      const w = await seedWorkspaceWorld();
      const ws = await createWorkspace(w, 'ssrf', w.tokens.owners);
      const targets = ['http://10.255.255.1/hook', 'http://169.254.169.254/latest/meta-data/', 'http://127.0.0.1.example.com/hook', 'http://[::ffff:127.0.0.1]/hook', 'https://example.com/hook'];
      for (const url of targets) {
        const nc = (await create(w, ws, generic({ url })).expect(201)).body.data;
        const watch = watchOutgoing();
        let verified;
        try {
          verified = (await w.api('post', `/api/v2/notification-configurations/${nc.id}/actions/verify`, w.tokens.owners).expect(200)).body.data;
        } finally {
          watch.stop();
        }
        // supertest's own request to the gateway is the only one (it goes to the in-process server).
        const outgoing = watch.hosts.filter((h) => h !== '127.0.0.1' && h !== 'localhost' && h !== '::1');
        assert.deepEqual(outgoing, [], `${url}: no connection attempted`);
        const [response] = verified.attributes['delivery-responses'];
        assert.equal(response.successful, false);
        assert.equal(response.code, 0);
        assert.match(response.body, /^not sent: samlgate delivers notifications only to loopback addresses/);
        assert.equal(response.url, url);
      }
    });
  });
}
