/**
 * Configuration versions and the capability-URL upload: pending -> uploaded, an absolute,
 * unguessable upload URL that needs no token, every tampering refused, no second upload, slugs
 * that are not a tar.gz refused, and the synthetic plan counting the uploaded resources.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWorkspace, grant, localPath, queue, seedWorkspaceWorld, slugOf, type Seeded } from '../support/workspaces.ts';

async function newCv(w: Seeded, ws: string, attributes: Record<string, unknown> = { 'auto-queue-runs': false }) {
  return (await w.api('post', `/api/v2/workspaces/${ws}/configuration-versions`, w.tokens.owners, { data: { type: 'configuration-versions', attributes } }).expect(201)).body.data;
}
const put = (w: Seeded, url: string, body: Buffer) => w.api('put', url, null).set('Content-Type', 'application/octet-stream').send(body);

describe('configuration versions', () => {
  it('create gives an absolute capability upload-url; PUT of a tar.gz without a token makes it uploaded', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'cv', w.tokens.owners);
    const cv = await newCv(w, ws);
    assert.match(cv.id, /^cv-[A-Za-z0-9]{16}$/);
    assert.equal(cv.attributes.status, 'pending');
    assert.equal(cv.attributes.source, 'tfe-api');
    const url = new URL(cv.attributes['upload-url']);
    assert.equal(url.origin, w.h.config.gateway.baseUrl);
    assert.ok(url.pathname.length > 80, 'carries an unguessable signed token');
    assert.ok(!url.pathname.includes(cv.id), 'the id is not in plain sight');
    await put(w, localPath(cv.attributes['upload-url']), slugOf({ 'main.tf': 'resource "null_resource" "a" {}\nresource "null_resource" "b" {}\n' })).expect(200);
    const read = (await w.api('get', `/api/v2/configuration-versions/${cv.id}`, w.tokens.owners).expect(200)).body.data.attributes;
    assert.equal(read.status, 'uploaded');
    assert.equal(read['upload-url'], null);
    const list = (await w.api('get', `/api/v2/workspaces/${ws}/configuration-versions`, w.tokens.owners).expect(200)).body;
    assert.equal(list.meta.pagination['total-count'], 1);

    // The synthetic plan counts the uploaded resources.
    const run = await queue(w, ws, w.tokens.owners);
    await w.settle();
    const planId = (await w.api('get', `/api/v2/runs/${run.id}`, w.tokens.owners)).body.data.relationships.plan.data.id;
    const plan = (await w.api('get', `/api/v2/plans/${planId}`, w.tokens.owners)).body.data.attributes;
    assert.equal(plan['resource-additions'], 2);
    const log = await w.api('get', `${localPath(plan['log-read-url'])}?offset=0&limit=65536`, null).expect(200);
    assert.equal(log.text.charCodeAt(0), 2, 'STX');
    assert.equal(log.text.charCodeAt(log.text.length - 1), 3, 'ETX once the plan is over');
    assert.match(log.text, /Plan: 2 to add, 0 to change, 0 to destroy\./);
    const part = await w.api('get', `${localPath(plan['log-read-url'])}?offset=1&limit=9`, null).expect(200);
    assert.equal(part.text, 'Terraform');
  });

  it('a tampered upload URL is refused (404) and the version stays pending', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'tamper', w.tokens.owners);
    const cv = await newCv(w, ws);
    const good = localPath(cv.attributes['upload-url']);
    const other = localPath((await newCv(w, ws)).attributes['upload-url']);
    const [payload, sig] = good.split('/').pop()!.split('.');
    const [otherPayload] = other.split('/').pop()!.split('.');
    const prefix = good.slice(0, good.lastIndexOf('/') + 1);
    const tampered = [
      `${good.slice(0, -10)}nonexisting`, // what go-tfe's test sends
      `${prefix}${otherPayload}.${sig}`, // another version's id under this signature
      `${prefix}${payload}`, // no signature
      `${prefix}${payload}.${sig!.slice(0, -1)}${sig!.endsWith('A') ? 'B' : 'A'}`, // one character off
      `${prefix}${Buffer.from(Buffer.from(payload!, 'base64url').toString().replace('cv-upload', 'state-download')).toString('base64url')}.${sig}`,
    ];
    for (const url of tampered) await put(w, url, slugOf({ 'main.tf': '' })).expect(404);
    assert.equal((await w.api('get', `/api/v2/configuration-versions/${cv.id}`, w.tokens.owners)).body.data.attributes.status, 'pending');
  });

  it('an upload URL expires after an hour on samlgate\'s clock', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'expiry', w.tokens.owners);
    const cv = await newCv(w, ws);
    w.h.advance('61m');
    await put(w, localPath(cv.attributes['upload-url']), slugOf({ 'main.tf': '' })).expect(404);
    // A fresh read hands out a fresh URL.
    const fresh = (await w.api('get', `/api/v2/configuration-versions/${cv.id}`, w.tokens.owners)).body.data.attributes['upload-url'];
    await put(w, localPath(fresh), slugOf({ 'main.tf': '' })).expect(200);
  });

  it('a second upload to the same version is 409; a body that is not a tar.gz is 422', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'twice', w.tokens.owners);
    const cv = await newCv(w, ws);
    const url = localPath(cv.attributes['upload-url']);
    const notGzip = await put(w, url, Buffer.from('resource "x" "y" {}')).expect(422);
    assert.match(notGzip.body.errors[0].detail, /tar\.gz/);
    const { gzipSync } = await import('node:zlib');
    const notTar = await put(w, url, gzipSync(Buffer.alloc(600, 7))).expect(422);
    assert.match(notTar.body.errors[0].detail, /not a tar/);
    await put(w, url, slugOf({ 'main.tf': '' })).expect(200);
    await put(w, url, slugOf({ 'main.tf': '' })).expect(409);
  });

  it('an upload over 10 MB is a JSON:API 413 and the version stays pending', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'big', w.tokens.owners);
    const cv = await newCv(w, ws);
    const res = await put(w, localPath(cv.attributes['upload-url']), Buffer.alloc(10 * 1024 * 1024 + 1)).expect(413);
    assert.equal(res.body.errors[0].status, '413');
    assert.equal((await w.api('get', `/api/v2/configuration-versions/${cv.id}`, w.tokens.owners)).body.data.attributes.status, 'pending');
  });

  it('auto-queue-runs (TFE\'s default) queues a run when the upload finishes', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'auto', w.tokens.owners);
    const cv = await newCv(w, ws, {});
    assert.equal(cv.attributes['auto-queue-runs'], true);
    await put(w, localPath(cv.attributes['upload-url']), slugOf({ 'main.tf': '' })).expect(200);
    const runs = (await w.api('get', `/api/v2/workspaces/${ws}/runs`, w.tokens.owners)).body.data;
    assert.equal(runs.length, 1);
    assert.equal(runs[0].relationships['configuration-version'].data.id, cv.id);
    assert.equal(runs[0].attributes.source, 'tfe-configuration-version');
  });

  it('T3: the organization token and read-only teams cannot create one (404); readers can read them', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'who', w.tokens.owners);
    const cv = await newCv(w, ws);
    await w.api('post', `/api/v2/workspaces/${ws}/configuration-versions`, w.tokens.organization, {}).expect(404);
    await w.api('post', `/api/v2/workspaces/${ws}/configuration-versions`, w.tokens.developers, {}).expect(404);
    await w.api('get', `/api/v2/configuration-versions/${cv.id}`, w.tokens.developers).expect(200);
    await w.api('get', `/api/v2/configuration-versions/${cv.id}`, w.tokens.contractors).expect(404);
    await grant(w, w.contractors.id, ws, 'plan');
    await w.api('post', `/api/v2/workspaces/${ws}/configuration-versions`, w.tokens.contractors, {}).expect(201);
  });

  it('the singular type "configuration-version" that @skorfmann/terraform-cloud sends is accepted, as TFC does', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'singular', w.tokens.owners);
    await w.api('post', `/api/v2/workspaces/${ws}/configuration-versions`, w.tokens.owners, { data: { type: 'configuration-version', attributes: {} } }).expect(201);
  });

  it('invalid input: speculative as a string, provisional true, a wrong type', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'bad', w.tokens.owners);
    for (const [body, pointer] of [
      [{ data: { attributes: { speculative: 'yes' } } }, '/data/attributes/speculative'],
      [{ data: { attributes: { provisional: true } } }, '/data/attributes/provisional'],
      [{ data: { type: 'runs', attributes: {} } }, '/data/type'],
    ] as const) {
      const res = await w.api('post', `/api/v2/workspaces/${ws}/configuration-versions`, w.tokens.owners, body).expect(422);
      assert.equal(res.body.errors[0].source.pointer, pointer);
    }
  });

  it('log URLs are capability URLs: tampered ones are 404, and a plan URL does not open the apply log', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'logs', w.tokens.owners);
    const cv = await newCv(w, ws);
    await put(w, localPath(cv.attributes['upload-url']), slugOf({ 'main.tf': 'resource "a" "b" {}' })).expect(200);
    const run = await queue(w, ws, w.tokens.owners);
    await w.settle();
    const r = (await w.api('get', `/api/v2/runs/${run.id}`, w.tokens.owners)).body.data;
    const planUrl = localPath((await w.api('get', `/api/v2/plans/${r.relationships.plan.data.id}`, w.tokens.owners)).body.data.attributes['log-read-url']);
    await w.api('get', `${planUrl.slice(0, -10)}nonexisting`, null).expect(404);
    const [payload, sig] = planUrl.split('/').pop()!.split('.');
    const asApply = Buffer.from(Buffer.from(payload!, 'base64url').toString().replace('plan-log', 'apply-log')).toString('base64url');
    await w.api('get', `${planUrl.slice(0, planUrl.lastIndexOf('/') + 1)}${asApply}.${sig}`, null).expect(404);
    await w.api('get', `${planUrl}?offset=-1`, null).expect(422);
  });
});
