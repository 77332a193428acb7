/**
 * A second, independent client: @skorfmann/terraform-cloud (npm, axios based, written against
 * Terraform Cloud's documented API) drives workspaces and runs against the real gateway with a
 * user token (carol, via a real SAML login), a team token and the organization token. TFE's rule
 * T3: an organization token may manage workspaces but not create configuration versions, runs or
 * applies (404, as TFE answers); a team token acts with its team's workspace access and applies.
 *
 * The client only speaks https://<host>/api/v2; we point its public axios instance at the
 * gateway's http URL. It sends `Accept: application/json` (the gateway must accept it) and
 * camel-cases every response key. Setup the client has no method for (team access, team and
 * organization tokens) goes through plain fetch with TFE's documented bodies.
 *
 * PENDING lists what the gateway does not have yet, checked both ways like the go-tfe list: a
 * pending case that fails is reported and passes; one that passes fails until removed.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, it } from 'node:test';
import { TerraformCloud } from '@skorfmann/terraform-cloud';
import { startLiveGateway, type LiveGateway } from '../support/live-gateway.ts';
import { tarGzDirectory } from '../support/tar-gz.ts';

const ORG = 'example-org';
const SLUG = tarGzDirectory(path.join(path.dirname(fileURLToPath(import.meta.url)), 'go-tfe-fixtures', 'test-fixtures', 'config-version'));

/** Case name -> why it cannot pass yet (and which branch brings it). */
const PENDING: Record<string, string> = {};

let gw: LiveGateway;
let carol: string;

const client = (secret: string) => {
  const tfc = new TerraformCloud(secret, new URL(gw.url).host);
  tfc.client.defaults.baseURL = `${gw.url}/api/v2`;
  return tfc;
};

/** TFE's documented JSON:API call for what the npm client has no method for. */
async function api(secret: string, method: string, p: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${gw.url}/api/v2${p}`, {
    method,
    headers: { authorization: `Bearer ${secret}`, accept: 'application/vnd.api+json', ...(body ? { 'content-type': 'application/vnd.api+json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

/** The HTTP status an axios call from the npm client failed with (or 'resolved'). */
async function statusOf(p: Promise<unknown>): Promise<number | 'resolved'> {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    const status = (err as { response?: { status?: number } }).response?.status;
    if (status === undefined) throw err;
    return status;
  }
}

async function organizationToken(): Promise<string> {
  const res = await api(carol, 'POST', `/organizations/${ORG}/authentication-token`);
  assert.equal(res.status, 201, `organization token: ${JSON.stringify(res.json)}`);
  return res.json.data.attributes.token;
}

async function team(name: string): Promise<string> {
  const res = await api(carol, 'GET', `/organizations/${ORG}/teams`);
  assert.equal(res.status, 200, `teams of ${ORG}: ${JSON.stringify(res.json)}`);
  const t = (res.json.data as { id: string; attributes: { name: string } }[]).find((x) => x.attributes.name === name);
  assert.ok(t, `team ${name} in ${ORG}`);
  return t.id;
}

async function teamToken(teamId: string): Promise<string> {
  const res = await api(carol, 'POST', `/teams/${teamId}/authentication-token`);
  assert.equal(res.status, 201, `team token: ${JSON.stringify(res.json)}`);
  return res.json.data.attributes.token;
}

const uniqueName = (what: string) => `${what}-${Math.random().toString(36).slice(2, 10)}`;

// The client camel-cases responses but sends request bodies as given, although its request
// types spell attributes in camelCase (autoApply): TFE reads kebab-case (auto-apply) and ignores
// unknown attributes, so we send TFE's documented names.
async function createWorkspace(tfc: TerraformCloud, name: string) {
  return tfc.Workspaces.create(ORG, { data: { type: 'workspaces', attributes: { name, 'auto-apply': false } } } as never);
}

/** Configuration version created and uploaded through the client, polled until "uploaded". */
async function uploadConfiguration(tfc: TerraformCloud, workspaceId: string) {
  // auto-queue-runs off (TFE's default is on: the upload would queue a run of its own, and ours
  // would wait behind it).
  const cv = await tfc.ConfigurationVersion.create(workspaceId, { data: { type: 'configuration-versions', attributes: { 'auto-queue-runs': false } } } as never);
  const uploadUrl = (cv.attributes as { uploadUrl?: string }).uploadUrl;
  assert.ok(uploadUrl, `upload-url in ${JSON.stringify(cv)}`);
  await tfc.ConfigurationVersion.upload(uploadUrl, SLUG);
  await until(async () => ((await tfc.ConfigurationVersion.show(cv.id)).attributes as { status: string }).status === 'uploaded', 'configuration uploaded');
  return cv.id;
}

function runRequest(workspaceId: string, configurationVersionId: string, message: string) {
  // TFE's documented body (kebab-case relationship name); the client passes it through as is.
  return {
    data: {
      type: 'runs',
      attributes: { message },
      relationships: {
        workspace: { data: { type: 'workspaces', id: workspaceId } },
        'configuration-version': { data: { type: 'configuration-versions', id: configurationVersionId } },
      },
    },
  } as never;
}

async function until(check: () => Promise<boolean>, what: string, ms = 20_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`timed out after ${ms} ms waiting for: ${what}`);
}

/**
 * Ready to apply: TFE's `actions.is-confirmable`, in the state the run rests in. The embedded
 * organization has cost estimation on, so `planned` is only a step on the way to
 * `cost_estimated`; an apply sent while the run moves on would be a 409.
 */
async function confirmable(tfc: TerraformCloud, runId: string): Promise<boolean> {
  const run = await tfc.Runs.show(runId);
  const a = run.attributes as { status: string; actions?: { isConfirmable?: boolean } };
  return a.status === 'cost_estimated' && a.actions?.isConfirmable === true;
}

/** Plans, then applies a run through the client and waits for "applied". */
async function runToApplied(tfc: TerraformCloud, workspaceId: string, cvId: string) {
  const run = await tfc.Runs.create(runRequest(workspaceId, cvId, 'interop'));
  await until(() => confirmable(tfc, run.id), `run ${run.id} confirmable`);
  await tfc.Runs.action('apply', run.id, { comment: 'applied by the npm client' });
  await until(async () => (await tfc.Runs.show(run.id)).attributes.status === 'applied', `run ${run.id} applied`);
  return run.id;
}

function check(name: string, fn: () => Promise<void>) {
  const pending = PENDING[name];
  it(pending ? `${name} (pending: ${pending})` : name, async (t) => {
    if (!pending) return fn();
    let failure: unknown;
    await fn().catch((err) => (failure = err));
    assert.ok(failure, `"${name}" passes now: remove it from PENDING in test/interop/terraform-cloud-client.test.ts`);
    t.diagnostic(`still pending: ${(failure as Error).message.split('\n')[0]}`);
  });
}

before(async () => {
  // The store users get by default: SQLite in a (fresh) data directory.
  gw = await startLiveGateway({ store: 'directory' });
  carol = (await gw.userToken('carol', 'npm client')).secret;
});

after(async () => {
  await gw?.close();
});

check('a user token reads account details through the client (Accept: application/json, camel-cased keys)', async () => {
  const me = await client(carol).Account.getDetails();
  assert.equal(me.type, 'users');
  assert.equal(me.attributes.username, 'carol');
  assert.equal(me.attributes.email, 'carol@example.com');
  assert.equal(await statusOf(client('not-a-token').Account.getDetails()), 401);
});

check('a team token and the organization token read account details as their synthetic service user', async () => {
  for (const secret of [await teamToken(await team('developers')), await organizationToken()]) {
    const me = await client(secret).Account.getDetails();
    assert.equal(me.type, 'users');
    assert.equal((me.attributes as { isServiceAccount?: boolean }).isServiceAccount, true);
  }
});

check('a user token creates, reads and updates a workspace, uploads a configuration and applies a run', async () => {
  const tfc = client(carol);
  const name = uniqueName('npm-user');
  const ws = await createWorkspace(tfc, name);
  assert.equal(ws.attributes.name, name);
  assert.equal((await tfc.Workspaces.showByName(ORG, name)).id, ws.id);
  assert.equal((await tfc.Workspaces.show(ws.id)).attributes.name, name);
  const updated = await tfc.Workspaces.update(ORG, name, { data: { type: 'workspaces', attributes: { name, 'working-directory': 'infra/' } } } as never);
  assert.equal(updated.attributes.workingDirectory, 'infra/');
  // The client's default body, as its users send it: type "configuration-version" (singular,
  // where TFE documents "configuration-versions"); TFE and the gateway accept it.
  const byDefault = await tfc.ConfigurationVersion.create(ws.id);
  assert.equal((byDefault.attributes as { status: string }).status, 'pending');
  const cvId = await uploadConfiguration(tfc, ws.id);
  const runId = await runToApplied(tfc, ws.id, cvId);
  const runs = await tfc.Runs.list(ws.id);
  assert.ok(runs.some((r) => r.id === runId), 'the applied run is listed');
  const applied = await tfc.Runs.show(runId);
  const applyId = (applied.relationships.apply as { data?: { id: string } }).data?.id;
  assert.ok(applyId, 'the run has an apply');
  assert.equal((await tfc.Applies.show(applyId)).attributes.status, 'finished');
  await tfc.Workspaces.delete(ws.id);
  assert.equal(await statusOf(tfc.Workspaces.show(ws.id)), 404);
});

check('the organization token creates a workspace but may not upload a configuration, start a run or apply (404)', async () => {
  const org = client(await organizationToken());
  const user = client(carol);
  const ws = await createWorkspace(org, uniqueName('npm-org'));
  assert.equal((await org.Workspaces.show(ws.id)).id, ws.id, 'the organization token manages workspaces');
  assert.equal(await statusOf(org.ConfigurationVersion.create(ws.id, { data: { type: 'configuration-versions', attributes: { 'auto-queue-runs': false } } } as never)), 404, 'configuration versions: refused as TFE does');
  const cvId = await uploadConfiguration(user, ws.id);
  assert.equal(await statusOf(org.Runs.create(runRequest(ws.id, cvId, 'org token run'))), 404, 'runs: refused as TFE does');
  const run = await user.Runs.create(runRequest(ws.id, cvId, 'carol run'));
  await until(() => confirmable(user, run.id), 'run confirmable');
  assert.equal(await statusOf(org.Runs.action('apply', run.id)), 404, 'apply: refused as TFE does');
  assert.notEqual((await user.Runs.show(run.id)).attributes.status, 'applied', "the refused apply changed nothing");
});

check("a team token with write access uploads, runs and applies on its team's workspace", async () => {
  const developers = await team('developers');
  const ws = await createWorkspace(client(carol), uniqueName('npm-team'));
  const access = await api(carol, 'POST', '/team-workspaces', {
    data: {
      type: 'team-workspaces',
      attributes: { access: 'write' },
      relationships: { workspace: { data: { type: 'workspaces', id: ws.id } }, team: { data: { type: 'teams', id: developers } } },
    },
  });
  assert.equal(access.status, 201, `team access: ${JSON.stringify(access.json)}`);
  const tfc = client(await teamToken(developers));
  const cvId = await uploadConfiguration(tfc, ws.id);
  await runToApplied(tfc, ws.id, cvId);
  const other = await createWorkspace(client(carol), uniqueName('npm-noaccess'));
  assert.equal(await statusOf(tfc.ConfigurationVersion.create(other.id, { data: { type: 'configuration-versions', attributes: {} } } as never)), 404, 'no access to a workspace the team was not given');
});
