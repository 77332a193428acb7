/**
 * State versions through HTTP: created only on a workspace the caller locked, md5/serial/lineage
 * checked (422 with pointers, 409 against the current state, force), list/show/current/outputs,
 * the download URL returning the exact bytes without a token and refusing tampered URLs, rule T3
 * for the organization token; and the legacy v1 state API bound to the same state (rule T4).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, it } from 'node:test';
import request from 'supertest';
import { createWorkspace, grant, localPath, seedWorkspaceWorld, type Seeded } from '../support/workspaces.ts';

const LINEAGE = '741c4949-60b9-5bb1-5bf8-b14f4bb14af3';
/** Whitespace and key order kept on purpose: the download must return these bytes, not a re-serialisation. */
const stateBytes = (serial: number, lineage = LINEAGE) =>
  Buffer.from(`{\n  "version": 4,\n  "terraform_version": "1.9.8",\n  "serial": ${serial},\n  "lineage": "${lineage}",\n  "outputs": {"url": {"value": "https://x", "type": "string"}, "secret": {"value": "s3", "type": "string", "sensitive": true}},\n  "resources": []\n}\n`);
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const body = (state: Buffer, o: Record<string, unknown> = {}) => ({
  data: { type: 'state-versions', attributes: { serial: JSON.parse(state.toString()).serial, md5: md5(state), lineage: JSON.parse(state.toString()).lineage, state: state.toString('base64'), ...o } },
});

async function lockedWorkspace(w: Seeded, name: string, secret = w.tokens.owners) {
  const ws = await createWorkspace(w, name, w.tokens.owners);
  if (secret !== w.tokens.owners) await grant(w, w.developers.id, ws, 'write');
  await w.api('post', `/api/v2/workspaces/${ws}/actions/lock`, secret).expect(200);
  return ws;
}
const create = (w: Seeded, ws: string, payload: unknown, secret = w.tokens.owners) => w.api('post', `/api/v2/workspaces/${ws}/state-versions`, secret, payload);

describe('state versions', () => {
  it('create on a locked workspace, then current, show, list, outputs; download returns the exact bytes without a token', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await lockedWorkspace(w, 'state');
    const s1 = stateBytes(1);
    const sv = (await create(w, ws, body(s1)).expect(201)).body.data;
    assert.match(sv.id, /^sv-[A-Za-z0-9]{16}$/);
    assert.equal(sv.attributes.serial, 1);
    assert.equal(sv.attributes.lineage, LINEAGE);
    assert.equal(sv.attributes.md5, md5(s1));
    const current = (await w.api('get', `/api/v2/workspaces/${ws}/current-state-version?include=outputs`, w.tokens.owners).expect(200)).body;
    assert.equal(current.data.id, sv.id);
    assert.deepEqual(current.included.map((o: { attributes: { name: string } }) => o.attributes.name).sort(), ['secret', 'url']);
    const download = await request(w.h.gateway.app).get(localPath(sv.attributes['hosted-state-download-url'])).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    }).expect(200);
    assert.ok(Buffer.compare(download.body as Buffer, s1) === 0, 'the exact bytes');
    const outputId = current.data.relationships.outputs.data[0].id;
    await w.api('get', `/api/v2/state-version-outputs/${outputId}`, w.tokens.owners).expect(200);

    const s2 = stateBytes(2);
    await create(w, ws, body(s2)).expect(201);
    const list = (await w.api('get', `/api/v2/state-versions?filter[organization][name]=example-org&filter[workspace][name]=state`, w.tokens.owners).expect(200)).body;
    assert.deepEqual(list.data.map((d: { attributes: { serial: number } }) => d.attributes.serial), [2, 1]);
    assert.equal(list.meta.pagination['total-count'], 2);
    await w.api('get', `/api/v2/state-versions/${sv.id}`, w.tokens.owners).expect(200);
  });

  it('needs the caller\'s own lock: unlocked is 409, locked by someone else is 409', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'unlocked', w.tokens.owners);
    await grant(w, w.developers.id, ws, 'write');
    const unlocked = await create(w, ws, body(stateBytes(1)), w.tokens.developers).expect(409);
    assert.match(unlocked.body.errors[0].detail, /lock the workspace/);
    await w.api('post', `/api/v2/workspaces/${ws}/actions/lock`, w.tokens.owners).expect(200);
    const other = await create(w, ws, body(stateBytes(1)), w.tokens.developers).expect(409);
    assert.match(other.body.errors[0].detail, /locked by someone else/);
  });

  it('T3: the organization token may read state but never create a state version (404)', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'orgstate', w.tokens.organization);
    await w.api('post', `/api/v2/workspaces/${ws}/actions/lock`, w.tokens.organization).expect(200);
    const res = await create(w, ws, body(stateBytes(1)), w.tokens.organization).expect(404);
    assert.deepEqual(res.body, { errors: [{ status: '404', title: 'not found' }] });
    await w.api('post', `/api/v2/workspaces/${ws}/actions/unlock`, w.tokens.organization).expect(200);
    // The developers team's token, with write access, can.
    await grant(w, w.developers.id, ws, 'write');
    await w.api('post', `/api/v2/workspaces/${ws}/actions/lock`, w.tokens.developers).expect(200);
    await create(w, ws, body(stateBytes(1)), w.tokens.developers).expect(201);
    await w.api('get', `/api/v2/workspaces/${ws}/current-state-version`, w.tokens.organization).expect(200);
  });

  it('against the current state: stale serial and other lineage are 409, an identical retry is accepted, force replaces', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await lockedWorkspace(w, 'serials');
    const first = (await create(w, ws, body(stateBytes(5))).expect(201)).body.data;
    const stale = await create(w, ws, body(stateBytes(4))).expect(409);
    assert.match(stale.body.errors[0].detail, /older than the current state's serial 5/);
    const same = (await create(w, ws, body(stateBytes(5))).expect(200)).body.data;
    assert.equal(same.id, first.id, 'an identical retry is the same version');
    const changed = Buffer.from(stateBytes(5).toString().replace('https://x', 'https://y'));
    await create(w, ws, body(changed)).expect(409);
    const otherLineage = stateBytes(6, '821c4747-a0b9-3bd1-8bf3-c14f4bb14be7');
    const lineage = await create(w, ws, body(otherLineage)).expect(409);
    assert.match(lineage.body.errors[0].detail, /different state/);
    const forced = (await create(w, ws, body(otherLineage, { force: true })).expect(201)).body.data;
    assert.equal(forced.attributes.lineage, '821c4747-a0b9-3bd1-8bf3-c14f4bb14be7');
  });

  it('the serial and lineage attributes are what is recorded, even when the file says otherwise (go-tfe 0.11 uploads one fixture as serial 0, 1, 2)', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await lockedWorkspace(w, 'attrs');
    const sv = (await create(w, ws, body(stateBytes(0), { serial: 7, lineage: 'from-the-attribute' })).expect(201)).body.data;
    assert.deepEqual([sv.attributes.serial, sv.attributes.lineage], [7, 'from-the-attribute']);
    await create(w, ws, body(stateBytes(0), { serial: 6, lineage: 'from-the-attribute' })).expect(409);
  });

  it('a tampered download URL is 404', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await lockedWorkspace(w, 'dl');
    const sv = (await create(w, ws, body(stateBytes(1))).expect(201)).body.data;
    const url = localPath(sv.attributes['hosted-state-download-url']);
    await request(w.h.gateway.app).get(`${url.slice(0, -10)}nonexisting`).expect(404);
    await request(w.h.gateway.app).get(url.replace(/\.[^.]+$/, '')).expect(404);
    await request(w.h.gateway.app).get('/_archivist/v1/object/').expect(404);
  });

  it('read-outputs access sees versions and outputs but gets no download URL', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await lockedWorkspace(w, 'outputs-only');
    const sv = (await create(w, ws, body(stateBytes(1))).expect(201)).body.data;
    await w.api('post', '/api/v2/team-workspaces', w.tokens.owners, {
      data: { attributes: { access: 'custom', 'state-versions': 'read-outputs' }, relationships: { team: { data: { id: w.contractors.id } }, workspace: { data: { id: ws } } } },
    }).expect(201);
    const seen = (await w.api('get', `/api/v2/state-versions/${sv.id}`, w.tokens.contractors).expect(200)).body.data;
    assert.equal(seen.attributes['hosted-state-download-url'], null);
  });

  describe('invalid input is a 422 with a pointer', () => {
    const s = stateBytes(1);
    const cases: Array<[string, unknown, string]> = [
      ['md5 missing', { data: { attributes: { serial: 1, state: s.toString('base64') } } }, '/data/attributes/md5'],
      ['md5 of other bytes', body(s, { md5: md5(Buffer.from('x')) }), '/data/attributes/md5'],
      ['md5 not hex', body(s, { md5: 'not-an-md5' }), '/data/attributes/md5'],
      ['serial missing', { data: { attributes: { md5: md5(s), state: s.toString('base64') } } }, '/data/attributes/serial'],
      ['serial negative', body(s, { serial: -1 }), '/data/attributes/serial'],
      ['state missing', { data: { attributes: { serial: 1, md5: md5(s) } } }, '/data/attributes/state'],
      ['state not base64', body(s, { state: '%%%' }), '/data/attributes/state'],
      ['state not JSON', body(s, { state: Buffer.from('nope').toString('base64'), md5: md5(Buffer.from('nope')) }), '/data/attributes/state'],
      ['unknown run', { data: { ...body(s).data, relationships: { run: { data: { id: 'run-nope', type: 'runs' } } } } }, '/data/relationships/run/data/id'],
    ];
    // One world for the table: every case is refused, so none changes what the next one sees.
    let w: Seeded;
    let ws: string;
    before(async () => {
      w = await seedWorkspaceWorld();
      ws = await lockedWorkspace(w, 'bad');
    });
    for (const [name, payload, pointer] of cases) {
      it(name, async () => {
        const res = await create(w, ws, payload).expect(422);
        assert.equal(res.body.errors[0].source.pointer, pointer, JSON.stringify(res.body));
      });
    }
    it('list without its filters', async () => {
      const res = await w.api('get', '/api/v2/state-versions?filter[workspace][name]=x', w.tokens.owners).expect(422);
      assert.equal(res.body.errors[0].source.pointer, '/filter/organization/name');
    });
  });
});

describe('legacy v1 state API (rule T4)', () => {
  const v1 = (w: Seeded, ws: string) => `/api/v1/terraform/state/${w.org.name}/${ws}`;

  it('a user token (X-Atlas-Token or Bearer) writes and reads raw state with Content-MD5, bound to the v2 state versions', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'legacy', w.tokens.owners);
    const s = stateBytes(3);
    await request(w.h.gateway.app).get(v1(w, 'legacy')).set('X-Atlas-Token', w.tokens.carol).expect(204);
    await request(w.h.gateway.app).put(v1(w, 'legacy')).set('X-Atlas-Token', w.tokens.carol).set('Content-Type', 'application/json').set('Content-MD5', createHash('md5').update(s).digest('base64')).send(s.toString()).expect(200);
    const got = await request(w.h.gateway.app).get(v1(w, 'legacy')).set('Authorization', `Bearer ${w.tokens.carol}`).expect(200);
    assert.equal(got.text, s.toString());
    assert.equal(got.headers['content-md5'], createHash('md5').update(s).digest('base64'));
    const current = (await w.api('get', `/api/v2/workspaces/${ws}/current-state-version`, w.tokens.owners).expect(200)).body.data;
    assert.equal(current.attributes.serial, 3);
    // A stale write is refused like on v2.
    await request(w.h.gateway.app).put(v1(w, 'legacy')).set('X-Atlas-Token', w.tokens.carol).send(stateBytes(2)).expect(409);
  });

  it('team and organization tokens are refused with 401, naming the user-token rule; the v2 API still takes them', async () => {
    const w = await seedWorkspaceWorld();
    await createWorkspace(w, 'legacy', w.tokens.owners);
    for (const secret of [w.tokens.owners, w.tokens.developers, w.tokens.organization]) {
      for (const header of ['X-Atlas-Token', 'Authorization']) {
        const res = await request(w.h.gateway.app).get(v1(w, 'legacy')).set(header, header === 'Authorization' ? `Bearer ${secret}` : secret).expect(401);
        assert.equal(res.body.errors[0].status, '401');
        assert.equal(res.body.errors[0].title, 'unauthorized');
        assert.match(res.body.errors[0].detail, /cannot be used with the v1 API; use a user token/);
      }
      await request(w.h.gateway.app).put(v1(w, 'legacy')).set('X-Atlas-Token', secret).send(stateBytes(1)).expect(401);
      await w.api('get', `/api/v2/organizations/${w.org.name}/workspaces/legacy`, secret).expect(200);
    }
  });

  it('user tokens stay under S2 (session expiry) and S4 (suspension) on v1; no token is 401', async () => {
    const w = await seedWorkspaceWorld();
    await createWorkspace(w, 'legacy', w.tokens.owners);
    await request(w.h.gateway.app).get(v1(w, 'legacy')).expect(401);
    await request(w.h.gateway.app).get(v1(w, 'legacy')).set('X-Atlas-Token', w.tokens.alice).expect(204);
    w.h.advance('15d');
    const expired = await request(w.h.gateway.app).get(v1(w, 'legacy')).set('X-Atlas-Token', w.tokens.alice).expect(401);
    assert.match(expired.body.errors[0].detail, /SSO session of user alice has expired/);
    // bob is a flagged service account (S3): still fine, until suspended (S4).
    await request(w.h.gateway.app).get(v1(w, 'legacy')).set('X-Atlas-Token', w.tokens.bob).expect(204);
    await w.h.store.users.setSuspended(w.users.bob.userId, true);
    await request(w.h.gateway.app).get(v1(w, 'legacy')).set('X-Atlas-Token', w.tokens.bob).expect(401);
  });

  it('404 for unknown and invisible workspaces, 422 for a Content-MD5 that does not match or an empty body', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'legacy', w.tokens.owners);
    await request(w.h.gateway.app).get(v1(w, 'nope')).set('X-Atlas-Token', w.tokens.carol).expect(404);
    // alice's developers team reads workspaces but may not write state.
    await request(w.h.gateway.app).put(v1(w, 'legacy')).set('X-Atlas-Token', w.tokens.alice).send(stateBytes(1)).expect(404);
    await grant(w, w.developers.id, ws, 'write');
    const bad = await request(w.h.gateway.app).put(v1(w, 'legacy')).set('X-Atlas-Token', w.tokens.alice).set('Content-MD5', createHash('md5').update('x').digest('base64')).send(stateBytes(1)).expect(422);
    assert.match(bad.body.errors[0].detail, /Content-MD5/);
    assert.equal(bad.body.errors[0].source.pointer, '/');
    await request(w.h.gateway.app).put(v1(w, 'legacy')).set('X-Atlas-Token', w.tokens.alice).set('Content-MD5', 'short').send(stateBytes(1)).expect(422);
    await request(w.h.gateway.app).put(v1(w, 'legacy')).set('X-Atlas-Token', w.tokens.alice).set('Content-Type', 'application/json').send('').expect(422);
    await request(w.h.gateway.app).put(v1(w, 'legacy')).set('X-Atlas-Token', w.tokens.alice).set('Content-Type', 'application/json').send('{"serial": "x"}').expect(422);
  });
});
