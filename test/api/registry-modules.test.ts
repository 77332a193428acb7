/**
 * The private registry: modules (create, versions with an upload link, read, delete whole /
 * provider / version, on go-tfe 0.11.1's paths and the current ones), providers, validation
 * messages, and who may: the organization's can-create-module / can-create-provider flags equal
 * whether the create is allowed, for every kind of caller.
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { STORE_KINDS, seederFor } from '../support/both-stores.ts';
import { localPath, type Seeded } from '../support/workspaces.ts';

const modBody = (attributes: Record<string, unknown>) => ({ data: { type: 'registry-modules', attributes } });
const verBody = (version: string) => ({ data: { type: 'registry-module-versions', attributes: { version } } });

async function teamToken(w: Seeded, name: string, access: Record<string, boolean>): Promise<string> {
  const team = (await w.api('post', `/api/v2/organizations/${w.org.name}/teams`, w.tokens.owners, { data: { type: 'teams', attributes: { name, 'organization-access': access } } }).expect(201)).body.data;
  return (await w.api('post', `/api/v2/teams/${team.id}/authentication-token`, w.tokens.owners).expect(201)).body.data.attributes.token;
}

for (const store of STORE_KINDS) {
  const seedWorkspaceWorld = seederFor(store);
  describe(`registry modules (${store} store)`, () => {
    it('create, version with an upload link, read, delete a version, a provider, the whole module (go-tfe 0.11.1 paths)', async () => {
      const w = await seedWorkspaceWorld();
      const org = w.org.name;
      const m = (await w.api('post', `/api/v2/organizations/${org}/registry-modules`, w.tokens.owners, modBody({ name: 'vpc', provider: 'aws' })).expect(201)).body.data;
      assert.match(m.id, /^mod-[A-Za-z0-9]{16}$/);
      assert.deepEqual([m.attributes.name, m.attributes.provider, m.attributes.namespace, m.attributes['registry-name'], m.attributes.status], ['vpc', 'aws', org, 'private', 'pending']);
      assert.deepEqual(m.attributes.permissions, { 'can-delete': true, 'can-resync': true, 'can-retry': true });
      assert.deepEqual(m.relationships.organization.data, { id: org, type: 'organizations' });
      const created = await w.api('post', `/api/v2/registry-modules/${org}/vpc/aws/versions`, w.tokens.owners, verBody('1.0.0')).expect(201);
      assert.equal(created.headers['cache-control'], 'no-store', 'the upload link is a bearer capability');
      const v = created.body.data;
      assert.equal(v.attributes.status, 'pending');
      assert.deepEqual(v.relationships['registry-module'].data, { id: m.id, type: 'registry-modules' });
      await w.api('put', localPath(v.links.upload), null).set('Content-Type', 'application/octet-stream').send(Buffer.from('not gzip')).expect(422);
      await w.api('put', localPath(v.links.upload), null).set('Content-Type', 'application/octet-stream').send(gzipSync(Buffer.from('tar'))).expect(200);
      await w.api('put', localPath(v.links.upload), null).set('Content-Type', 'application/octet-stream').send(gzipSync(Buffer.from('tar'))).expect(409);
      await w.api('post', `/api/v2/registry-modules/${org}/vpc/aws/versions`, w.tokens.owners, verBody('1.1.0')).expect(201);
      let read = (await w.api('get', `/api/v2/registry-modules/show/${org}/vpc/aws`, w.tokens.owners).expect(200)).body.data;
      assert.equal(read.attributes.status, 'setup_complete');
      assert.deepEqual(read.attributes['version-statuses'], [{ version: '1.0.0', status: 'ok' }, { version: '1.1.0', status: 'pending' }]);
      await w.api('post', `/api/v2/registry-modules/actions/delete/${org}/vpc/aws/1.1.0`, w.tokens.owners).expect(204);
      read = (await w.api('get', `/api/v2/organizations/${org}/registry-modules/private/${org}/vpc/aws`, w.tokens.owners).expect(200)).body.data;
      assert.deepEqual(read.attributes['version-statuses'], [{ version: '1.0.0', status: 'ok' }]);
      await w.api('post', `/api/v2/organizations/${org}/registry-modules`, w.tokens.owners, modBody({ name: 'vpc', provider: 'google' })).expect(201);
      await w.api('post', `/api/v2/registry-modules/actions/delete/${org}/vpc/aws`, w.tokens.owners).expect(204);
      await w.api('get', `/api/v2/registry-modules/show/${org}/vpc/aws`, w.tokens.owners).expect(404);
      await w.api('get', `/api/v2/registry-modules/show/${org}/vpc/google`, w.tokens.owners).expect(200);
      await w.api('post', `/api/v2/registry-modules/actions/delete/${org}/vpc`, w.tokens.owners).expect(204);
      await w.api('get', `/api/v2/registry-modules/show/${org}/vpc/google`, w.tokens.owners).expect(404);
      await w.api('post', `/api/v2/registry-modules/actions/delete/${org}/vpc`, w.tokens.owners).expect(404);
    });

    it('current API paths: delete by namespace/name/provider/version, and the list', async () => {
      const w = await seedWorkspaceWorld();
      const org = w.org.name;
      const base = `/api/v2/organizations/${org}/registry-modules`;
      await w.api('post', base, w.tokens.owners, modBody({ name: 'db', provider: 'aws', namespace: org, 'registry-name': 'private', 'no-code': true })).expect(201);
      await w.api('post', `${base}/private/${org}/db/aws/versions`, w.tokens.owners, verBody('2.0.0-rc.1')).expect(201);
      assert.equal((await w.api('get', base, w.tokens.alice).expect(200)).body.data[0].attributes['no-code'], true);
      await w.api('delete', `${base}/private/${org}/db/aws/2.0.0-rc.1`, w.tokens.owners).expect(204);
      await w.api('delete', `${base}/private/${org}/db/aws/2.0.0-rc.1`, w.tokens.owners).expect(404);
      await w.api('delete', `${base}/private/${org}/db`, w.tokens.owners).expect(204);
      assert.equal((await w.api('get', base, w.tokens.owners).expect(200)).body.meta.pagination['total-count'], 0);
    });

    it('every bad input is a 422 naming it', async () => {
      const w = await seedWorkspaceWorld();
      const org = w.org.name;
      const base = `/api/v2/organizations/${org}/registry-modules`;
      const detail = async (path: string, body: unknown) => (await w.api('post', path, w.tokens.owners, body).expect(422)).body.errors[0].detail as string;
      assert.equal(await detail(base, modBody({ provider: 'aws' })), "Name can't be blank");
      assert.equal(await detail(base, modBody({ name: 'bad name', provider: 'aws' })), 'Name is invalid: use letters, digits, dashes and underscores (at most 64)');
      assert.equal(await detail(base, modBody({ name: 'vpc' })), "Provider can't be blank");
      assert.equal(await detail(base, modBody({ name: 'vpc', provider: 'AWS!' })), 'Provider is invalid: use lowercase letters and digits (at most 64)');
      assert.equal(await detail(base, modBody({ name: 'vpc', provider: 'aws', namespace: 'other' })), `Namespace must be the organization's name (${org}) for the private registry`);
      assert.equal(await detail(base, modBody({ name: 'vpc', provider: 'aws', 'registry-name': 'public' })), 'Registry name public is not simulated: samlgate has only the private registry');
      assert.equal(await detail(base, modBody({ 'vcs-repo': { identifier: 'a/b' } })), 'VCS-connected modules are not simulated: publish with versions and uploads (registry_api)');
      await w.api('post', base, w.tokens.owners, modBody({ name: 'vpc', provider: 'aws' })).expect(201);
      assert.equal(await detail(base, modBody({ name: 'VPC', provider: 'aws' })), `Name has already been taken: a module VPC for provider aws exists in ${org}`);
      const versions = `/api/v2/registry-modules/${org}/vpc/aws/versions`;
      assert.equal(await detail(versions, verBody('invalid version')), 'Version is not a valid semantic version (e.g. 1.2.3)');
      assert.equal(await detail(versions, { data: { type: 'registry-module-versions', attributes: {} } }), "Version can't be blank");
      await w.api('post', versions, w.tokens.owners, verBody('1.2.3')).expect(201);
      assert.equal(await detail(versions, verBody('1.2.3')), 'Version has already been taken: vpc 1.2.3 exists');
      await w.api('post', `/api/v2/registry-modules/${org}/nonexisting/aws/versions`, w.tokens.owners, verBody('1.0.0')).expect(404);
    });

    it('providers: create, read, list, delete, duplicate refused', async () => {
      const w = await seedWorkspaceWorld();
      const org = w.org.name;
      const base = `/api/v2/organizations/${org}/registry-providers`;
      const body = { data: { type: 'registry-providers', attributes: { name: 'internal', namespace: org, 'registry-name': 'private' } } };
      const p = (await w.api('post', base, w.tokens.owners, body).expect(201)).body.data;
      assert.match(p.id, /^prov-[A-Za-z0-9]{16}$/);
      assert.deepEqual([p.attributes.name, p.attributes.namespace, p.attributes['registry-name']], ['internal', org, 'private']);
      assert.equal((await w.api('post', base, w.tokens.owners, body).expect(422)).body.errors[0].detail, `Name has already been taken: a provider internal exists in ${org}`);
      assert.equal((await w.api('post', base, w.tokens.owners, { data: { type: 'registry-providers', attributes: { name: 'Bad_Name' } } }).expect(422)).body.errors[0].detail, 'Name is invalid: use lowercase letters, digits and dashes (at most 64)');
      assert.equal((await w.api('get', `${base}/private/${org}/internal`, w.tokens.alice).expect(200)).body.data.attributes.permissions['can-delete'], false);
      assert.equal((await w.api('get', base, w.tokens.owners).expect(200)).body.data.length, 1);
      await w.api('delete', `${base}/private/${org}/internal`, w.tokens.alice).expect(404);
      await w.api('delete', `${base}/private/${org}/internal`, w.tokens.owners).expect(204);
      await w.api('get', `${base}/private/${org}/internal`, w.tokens.owners).expect(404);
    });

    it('truth rows: can-create-module and can-create-provider equal whether the create is allowed (owner, member, team with/without the flag, organization token)', async () => {
      const w = await seedWorkspaceWorld();
      const org = w.org.name;
      const callers: Record<string, string> = {
        'owner user': w.tokens.carol,
        'plain member': w.tokens.alice,
        'team token without manage-modules/providers': w.tokens.contractors,
        'team token with manage-modules': await teamToken(w, 'modules', { 'manage-modules': true }),
        'team token with manage-providers': await teamToken(w, 'providers', { 'manage-providers': true }),
        'organization token': w.tokens.organization,
      };
      const expected: Record<string, [boolean, boolean]> = {
        'owner user': [true, true],
        'plain member': [false, false],
        'team token without manage-modules/providers': [false, false],
        'team token with manage-modules': [true, false],
        'team token with manage-providers': [false, true],
        'organization token': [true, true],
      };
      let n = 0;
      for (const [who, secret] of Object.entries(callers)) {
        const perms = (await w.api('get', `/api/v2/organizations/${org}`, secret).expect(200)).body.data.attributes.permissions;
        n += 1;
        const mod = await w.api('post', `/api/v2/organizations/${org}/registry-modules`, secret, modBody({ name: `m${n}`, provider: 'aws' }));
        const prov = await w.api('post', `/api/v2/organizations/${org}/registry-providers`, secret, { data: { type: 'registry-providers', attributes: { name: `p${n}` } } });
        assert.deepEqual([perms['can-create-module'], perms['can-create-provider']], expected[who], who);
        assert.equal(mod.status, perms['can-create-module'] ? 201 : 404, `${who}: module create`);
        assert.equal(prov.status, perms['can-create-provider'] ? 201 : 404, `${who}: provider create`);
        if (mod.status === 201) assert.equal(mod.body.data.attributes.permissions['can-delete'], true, who);
      }
      // Reading is for anyone who sees the organization; the module says they may not manage it.
      assert.equal((await w.api('get', `/api/v2/registry-modules/show/${org}/m1/aws`, w.tokens.alice).expect(200)).body.data.attributes.permissions['can-delete'], false);
      await w.api('post', `/api/v2/registry-modules/actions/delete/${org}/m1`, w.tokens.alice).expect(404);
    });
  });
}
