/**
 * The demo's workspaces chapter (rule T3 and T4 in action): the organization token creates a
 * workspace and gives the developers team write access, but cannot start or apply its run (404,
 * as TFE answers); the developers team's token uploads a configuration, queues the run and
 * applies it; after every SSO session has expired, both tokens still work while a user token is
 * refused. Everything goes through the real HTTP API; each step checks what it shows.
 */
import { gzipSync } from 'node:zlib';
import type { ManualClock } from '../clock.ts';
import { loginThroughGateway, metaCsrfToken, SamlBrowser } from '../client/saml-browser.ts';

export interface ChapterIo {
  gw: string;
  organization: string;
  clock: ManualClock;
  say(text: string): void;
  heading(text: string): void;
  expect(label: string, status: number, want: number, detail?: string): void;
  advance(ms: number, why: string): void;
}

/** A one-file configuration as go-slug packs it (ustar, gzipped). */
function slug(file: string, content: string): Buffer {
  const data = Buffer.from(content);
  const header = Buffer.alloc(512, 0);
  header.write(file, 0, 100);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return gzipSync(Buffer.concat([header, data, Buffer.alloc((512 - (data.length % 512)) % 512), Buffer.alloc(1024)]));
}

export async function workspacesChapter(io: ChapterIo, userToken: { who: string; secret: string }, chapter: number): Promise<void> {
  const { gw, say, heading, expect } = io;
  const api = async (method: string, path: string, secret: string, body?: unknown) => {
    const res = await fetch(`${gw}/api/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${secret}`, accept: 'application/vnd.api+json', ...(body ? { 'content-type': 'application/vnd.api+json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {} };
  };

  heading(`${chapter}. Workspaces and runs: who may apply (T3)`);
  // An owner mints the organization token and the developers team's token (shown once).
  const carol = new SamlBrowser();
  const csrf = metaCsrfToken((await loginThroughGateway(carol, gw, 'carol', 'carol')).body)!;
  const asCarol = async (path: string) => JSON.parse((await carol.request('POST', `${gw}/api/v2${path}`, { json: { data: { type: 'authentication-tokens', attributes: {} } }, headers: { 'x-csrf-token': csrf } })).body);
  const orgToken = (await asCarol(`/organizations/${io.organization}/authentication-token`)).data.attributes.token as string;
  const teams = JSON.parse((await carol.request('GET', `${gw}/api/v2/organizations/${io.organization}/teams`)).body).data as Array<{ id: string; attributes: { name: string } }>;
  const developers = teams.find((t) => t.attributes.name === 'developers')!;
  const teamToken = (await asCarol(`/teams/${developers.id}/authentication-token`)).data.attributes.token as string;
  say(`carol (owner) creates the organization token ${orgToken.slice(0, 6)}… and the developers team token ${teamToken.slice(0, 6)}…`);

  const name = `demo-${io.clock.now().toString(36)}`;
  const ws = await api('POST', `/organizations/${io.organization}/workspaces`, orgToken, { data: { type: 'workspaces', attributes: { name } } });
  expect(`org token  POST /organizations/${io.organization}/workspaces`, ws.status, 201, `workspace ${name}`);
  const wsId = ws.body.data?.id as string;
  const ta = await api('POST', '/team-workspaces', orgToken, {
    data: { type: 'team-workspaces', attributes: { access: 'write' }, relationships: { team: { data: { type: 'teams', id: developers.id } }, workspace: { data: { type: 'workspaces', id: wsId } } } },
  });
  expect('org token  POST /team-workspaces (developers: write)', ta.status, 201);
  const cvBody = { data: { type: 'configuration-versions', attributes: { 'auto-queue-runs': false } } };
  expect('org token  POST .../configuration-versions', (await api('POST', `/workspaces/${wsId}/configuration-versions`, orgToken, cvBody)).status, 404, 'organization tokens cannot start work');

  const cv = await api('POST', `/workspaces/${wsId}/configuration-versions`, teamToken, cvBody);
  expect('team token POST .../configuration-versions', cv.status, 201);
  const upload = await fetch(cv.body.data.attributes['upload-url'], { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(slug('main.tf', 'resource "null_resource" "demo" {}\n')) });
  expect('           PUT <upload-url> (tar.gz, no token: the URL is the permission)', upload.status, 200);
  const runBody = { data: { type: 'runs', attributes: { message: 'samlgate demo' }, relationships: { workspace: { data: { type: 'workspaces', id: wsId } } } } };
  expect('org token  POST /runs', (await api('POST', '/runs', orgToken, runBody)).status, 404);
  const run = await api('POST', '/runs', teamToken, runBody);
  expect('team token POST /runs', run.status, 201, `run ${run.body.data?.id} ${run.body.data?.attributes?.status}`);
  const runId = run.body.data.id as string;
  const waitFor = async (want: string[]) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const s = (await api('GET', `/runs/${runId}`, teamToken)).body.data.attributes.status as string;
      if (want.includes(s) || Date.now() > deadline) return s;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const planned = await waitFor(['cost_estimated']);
  const plan = (await api('GET', `/plans/${run.body.data.relationships.plan.data.id}`, teamToken)).body.data.attributes;
  say(`run is ${planned}: the (synthetic) plan adds ${plan['resource-additions']} resource; it waits for confirmation`);
  expect('org token  POST /runs/:id/actions/apply', (await api('POST', `/runs/${runId}/actions/apply`, orgToken, {})).status, 404, 'T3: an organization token may not apply');
  expect('team token POST /runs/:id/actions/apply', (await api('POST', `/runs/${runId}/actions/apply`, teamToken, {})).status, 202, 'the team token acts with the team\'s write access');
  say(`run is ${await waitFor(['applied'])}`);

  heading(`${chapter + 1}. Every SSO session expires again: the team and organization tokens keep working on workspaces`);
  io.advance(15 * 86_400_000, 'past every session and the sso-api-token-session-timeout');
  const user = await api('GET', `/workspaces/${wsId}`, userToken.secret);
  expect(`${userToken.who.padEnd(5)} GET /workspaces/:id`, user.status, 401, user.body.errors?.[0]?.detail);
  expect('team token GET /workspaces/:id', (await api('GET', `/workspaces/${wsId}`, teamToken)).status, 200);
  expect('org token  GET /workspaces/:id', (await api('GET', `/workspaces/${wsId}`, orgToken)).status, 200);
  const again = await api('POST', '/runs', teamToken, runBody);
  expect('team token POST /runs', again.status, 201, 'still queues runs');
}
