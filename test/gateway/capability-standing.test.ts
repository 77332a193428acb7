/**
 * Capability URLs (configuration upload, state download, plan log) through the real flow: they
 * stay out of the access log, and they are worth no more than the credential that obtained them,
 * judged when they are used by the API's own token policy (S2: the SSO session, S3: service
 * accounts, S4: suspension). On the manual clock, as `--clock manual` runs.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import request from 'supertest';
import { createLogger } from '../../src/log.ts';
import { createWorkspace, grant, localPath, queue, seedWorkspaceWorld, slugOf, ONE_RESOURCE, type Seeded } from '../support/workspaces.ts';

const LINEAGE = '741c4949-60b9-5bb1-5bf8-b14f4bb14af3';
const STATE = Buffer.from(`{"version":4,"serial":1,"lineage":"${LINEAGE}","outputs":{},"resources":[]}`);

/** A workspace developers may write, with a state version and a finished run, all made by the owners team. */
async function world(flags: Record<string, unknown> = {}, logger?: ReturnType<typeof createLogger>) {
  const w = await seedWorkspaceWorld({ 'gateway.idleTimeout': '20m', ...flags }, { logger });
  const ws = await createWorkspace(w, 'caps', w.tokens.owners);
  await grant(w, w.developers.id, ws, 'write');
  await w.api('post', `/api/v2/workspaces/${ws}/actions/lock`, w.tokens.owners).expect(200);
  const md5 = (await import('node:crypto')).createHash('md5').update(STATE).digest('hex');
  const sv = (await w.api('post', `/api/v2/workspaces/${ws}/state-versions`, w.tokens.owners, { data: { type: 'state-versions', attributes: { serial: 1, md5, lineage: LINEAGE, state: STATE.toString('base64') } } }).expect(201)).body.data.id as string;
  await w.api('post', `/api/v2/workspaces/${ws}/actions/unlock`, w.tokens.owners).expect(200);
  const cv = (await w.api('post', `/api/v2/workspaces/${ws}/configuration-versions`, w.tokens.owners, { data: { type: 'configuration-versions', attributes: { 'auto-queue-runs': false } } }).expect(201)).body.data;
  await w.api('put', localPath(cv.attributes['upload-url']), null).set('Content-Type', 'application/octet-stream').send(slugOf(ONE_RESOURCE)).expect(200);
  const run = await queue(w, ws, w.tokens.owners);
  await w.settle();
  const planId = (await w.api('get', `/api/v2/runs/${run.id}`, w.tokens.owners)).body.data.relationships.plan.data.id as string;
  return { w, ws, sv, planId };
}

/** The three kinds of URL, as the API hands them to `secret` (null: alice's browser session). */
async function urlsFor(x: Awaited<ReturnType<typeof world>>, secret: string | null) {
  const { w, ws, sv, planId } = x;
  const get = (path: string) => (secret ? w.api('get', path, secret) : w.users.alice.browser.gw.get(path).set('Accept', 'application/vnd.api+json'));
  const download = (await get(`/api/v2/state-versions/${sv}`).expect(200)).body.data.attributes['hosted-state-download-url'] as string;
  const log = (await get(`/api/v2/plans/${planId}`).expect(200)).body.data.attributes['log-read-url'] as string;
  let upload: string | undefined;
  if (secret) {
    const cv = (await w.api('post', `/api/v2/workspaces/${ws}/configuration-versions`, secret, { data: { type: 'configuration-versions', attributes: { 'auto-queue-runs': false } } }).expect(201)).body.data;
    upload = cv.attributes['upload-url'] as string;
  }
  return { download: localPath(download), log: localPath(log), upload: upload && localPath(upload) };
}

const use = (w: Seeded, url: string) => request(w.h.gateway.app).get(url);
const upload = (w: Seeded, url: string) => request(w.h.gateway.app).put(url).set('Content-Type', 'application/octet-stream').send(slugOf(ONE_RESOURCE));

describe('capability URLs and the standing of whoever obtained them', () => {
  it('regression: capability URLs kept working after the user who obtained them was suspended (S4); now 401 with the reason', async () => {
    const x = await world();
    const { w } = x;
    const byToken = await urlsFor(x, w.tokens.alice);
    const bySession = await urlsFor(x, null);
    const byTeam = await urlsFor(x, w.tokens.owners);
    await use(w, byToken.download).expect(200);
    await use(w, bySession.log).expect(200);

    await w.api('post', `/api/v2/admin/users/${w.users.alice.userId}/actions/suspend`, w.tokens.carol).expect(200);
    for (const url of [byToken.download, byToken.log, bySession.download, bySession.log]) {
      const res = await use(w, url).expect(401);
      assert.match(res.body.errors[0].detail, /user alice is suspended/, url);
    }
    const refused = await upload(w, byToken.upload!).expect(401);
    assert.match(refused.body.errors[0].detail, /the token that obtained this URL is no longer valid: user alice is suspended/);
    const cvId = (await w.api('get', `/api/v2/workspaces/${x.ws}/configuration-versions`, w.tokens.owners)).body.data.find((c: { attributes: { status: string } }) => c.attributes.status === 'pending').id;
    assert.ok(cvId, 'the refused upload left the configuration version pending');
    // The same URLs from a credential still in good standing (the owners' team token) work.
    await use(w, byTeam.download).expect(200);
    await upload(w, byTeam.upload!).expect(200);
  });

  it('regression: capability URLs kept working after the SSO session of the user who obtained them ended (S2); a service account\'s keep working (S3)', async () => {
    const x = await world();
    const { w } = x;
    const alice = await urlsFor(x, w.tokens.alice);
    const aliceSession = await urlsFor(x, null);
    const bob = await urlsFor(x, w.tokens.bob); // IsServiceAccount=true
    w.h.advance('21m'); // past the 20 m idle timeout, well inside the URLs' hour
    for (const url of [alice.download, alice.log, aliceSession.download, aliceSession.log]) {
      const res = await use(w, url).expect(401);
      assert.match(res.body.errors[0].detail, /the SSO session of user alice has expired/, url);
    }
    await upload(w, alice.upload!).expect(401);
    await use(w, bob.download).expect(200);
    await use(w, bob.log).expect(200);
    // A new login brings the token back, and with it the URLs it obtained.
    await w.h.login('alice');
    await use(w, alice.download).expect(200);
    await upload(w, alice.upload!).expect(200);
  });

  it('a URL obtained with a token that was then revoked is refused', async () => {
    const x = await world();
    const { w } = x;
    const created = await w.users.alice.createToken('short-lived');
    const urls = await urlsFor(x, created.secret);
    await use(w, urls.download).expect(200);
    await w.api('delete', `/api/v2/authentication-tokens/${created.id}`, created.secret).expect(204);
    const res = await use(w, urls.download).expect(401);
    assert.match(res.body.errors[0].detail, /the token that obtained this URL has been revoked/);
  });

  it('every API response that carries a capability URL is Cache-Control: no-store; one without is not forced to be', async () => {
    const x = await world();
    const { w, ws, sv, planId } = x;
    const cvCreate = await w.api('post', `/api/v2/workspaces/${ws}/configuration-versions`, w.tokens.owners, { data: { type: 'configuration-versions', attributes: { 'auto-queue-runs': false } } }).expect(201);
    const carrying = [
      cvCreate,
      await w.api('get', `/api/v2/configuration-versions/${cvCreate.body.data.id}`, w.tokens.owners).expect(200),
      await w.api('get', `/api/v2/workspaces/${ws}/configuration-versions`, w.tokens.owners).expect(200),
      await w.api('get', `/api/v2/plans/${planId}`, w.tokens.owners).expect(200),
      await w.api('get', `/api/v2/state-versions/${sv}`, w.tokens.owners).expect(200),
      await w.api('get', `/api/v2/workspaces/${ws}/state-versions`, w.tokens.owners).expect(200),
      await w.api('get', `/api/v2/workspaces/${ws}/current-state-version`, w.tokens.owners).expect(200),
    ];
    for (const [i, res] of carrying.entries()) {
      assert.match(res.text, /_archivist\/v1\/object\//, `response ${i}`);
      assert.equal(res.headers['cache-control'], 'no-store', `response ${i}`);
    }
    assert.equal((await w.api('get', `/api/v2/workspaces/${ws}`, w.tokens.owners).expect(200)).headers['cache-control'], undefined);
  });

  it('regression: the access log copied capability URLs (bearer secrets for an hour) verbatim; no capability token reaches the log', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    const x = await world({}, createLogger('trace', sink));
    const { w } = x;
    const urls = await urlsFor(x, w.tokens.owners);
    await upload(w, urls.upload!).expect(200);
    await use(w, urls.download).expect(200);
    await use(w, `${urls.log}?offset=0&limit=65536`).expect(200);
    // Express routes paths case-insensitively: the same secret under another spelling.
    await use(w, urls.download.replace('/_archivist/', '/_ARCHIVIST/')).expect(200);
    await use(w, `${urls.download.slice(0, -3)}xyz`).expect(404);
    // Every URL handed out in world() too: the setup's upload and the API responses.
    const log = lines.join('');
    assert.match(log, /"path":"\/_archivist\/v1\/object\/\[capability\]\?offset=0&limit=65536","status":200/);
    assert.match(log, /"method":"PUT","path":"\/_archivist\/v1\/object\/\[capability\]","status":200/);
    assert.ok(lines.length >= 10, `expected a real log to search, got ${lines.length} lines`);
    for (const url of [urls.upload!, urls.download, urls.log]) {
      const token = url.slice(url.lastIndexOf('/') + 1);
      const [payload, signature] = token.split('.');
      assert.ok(!log.includes(payload!), `a capability payload appears in the log: ${url}`);
      assert.ok(!log.includes(signature!), `a capability signature appears in the log: ${url}`);
    }
    assert.ok(!/_archivist\/v1\/object\/(?!\[capability\])/i.test(log), 'no capability path but the redacted one');
  });
});
