/**
 * Test support for the workspace domain: a harness whose run scheduler only moves when the test
 * says so (deterministic state-machine tests on the manual clock), an organization seeded
 * through the store interface (owners: carol; developers (read-workspaces): alice and bob; contractors: no organization access), a team token per team
 * and the organization token, and small JSON:API request helpers.
 */
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { hashTokenSecret, generateTokenSecret } from '../../src/tfe/token-secrets.ts';
import { randomIds } from '../../src/ids.ts';
import type { Logger } from '../../src/log.ts';
import type { OrganizationRecord, Store, TeamRecord, TokenKind } from '../../src/store/types.ts';
import { createHarness, type Harness, type LoggedIn } from './harness.ts';

export interface Seeded {
  h: Harness;
  org: OrganizationRecord;
  owners: TeamRecord;
  developers: TeamRecord;
  contractors: TeamRecord;
  /** Each a bearer secret. */
  tokens: { carol: string; alice: string; bob: string; owners: string; developers: string; contractors: string; organization: string };
  users: { carol: LoggedIn; alice: LoggedIn; bob: LoggedIn };
  api(method: 'get' | 'post' | 'patch' | 'delete' | 'put', path: string, secret: string | null, body?: unknown): request.Test;
  /** Steps every active run until nothing changes (the scheduler does this on its own in production). */
  settle(): Promise<void>;
}

export async function storeToken(h: Harness, kind: TokenKind, ownerId: string, singular: boolean): Promise<string> {
  const secret = generateTokenSecret(randomIds);
  const token = {
    id: `at-${randomIds.random(16)}`,
    kind,
    ownerId,
    description: singular ? null : 'test',
    secretHash: hashTokenSecret(secret),
    createdAt: h.clock.now(),
    lastUsedAt: null,
    expiredAt: null,
    createdById: null,
    singular,
  };
  if (singular) await h.store.tokens.replaceSingular(token);
  else await h.store.tokens.create(token);
  return secret;
}

export async function seedWorkspaceWorld(flags: Record<string, unknown> = {}, o: { liveScheduler?: boolean; store?: Store; logger?: Logger; monotonicNow?: () => number } = {}): Promise<Seeded> {
  const h = await createHarness(flags, {}, { store: o.store, logger: o.logger, monotonicNow: o.monotonicNow });
  // Tests step the scheduler themselves, except those about the production default (100 ms of real time per step).
  if (!o.liveScheduler) h.gateway.close();
  const users = { carol: await h.login('carol'), alice: await h.login('alice'), bob: await h.login('bob') };
  // The gateway bootstraps the embedded organization (owners, and developers with read-workspaces).
  const org = (await h.store.organizations.getByName(h.config.gateway.organization))!;
  const owners = (await h.store.teams.getOwners(org.id))!;
  const developers = (await h.store.teams.getByName(org.id, 'developers'))!;
  // A team with no organization-level access at all: sees only workspaces it is given.
  const contractors: TeamRecord = {
    id: `team-${randomIds.random(16)}`,
    organizationId: org.id,
    name: 'contractors',
    ssoTeamId: null,
    visibility: 'organization',
    organizationAccess: {},
    allowMemberTokenManagement: true,
    isOwners: false,
    createdAt: h.clock.now(),
  };
  await h.store.teams.create(contractors);
  await h.store.teams.addMembers(owners.id, [users.carol.userId]);
  await h.store.teams.addMembers(developers.id, [users.alice.userId, users.bob.userId]);
  const tokens = {
    carol: (await users.carol.createToken()).secret,
    alice: (await users.alice.createToken()).secret,
    bob: (await users.bob.createToken()).secret,
    owners: await storeToken(h, 'team', owners.id, true),
    developers: await storeToken(h, 'team', developers.id, true),
    contractors: await storeToken(h, 'team', contractors.id, true),
    organization: await storeToken(h, 'organization', org.id, true),
  };
  const api: Seeded['api'] = (method, path, secret, body) => {
    let t = request(h.gateway.app)[method](path).set('Accept', 'application/vnd.api+json');
    if (secret) t = t.set('Authorization', `Bearer ${secret}`);
    if (body !== undefined) t = t.set('Content-Type', 'application/vnd.api+json').send(JSON.stringify(body));
    return t;
  };
  return { h, org, owners, developers, contractors, tokens, users, api, settle: () => h.gateway.context.runScheduler.settle() };
}

/** A tar archive of `files` (ustar), gzipped: a configuration version slug as go-slug packs one. */
export function slugOf(files: Record<string, string>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.from(content, 'utf8');
    const header = Buffer.alloc(512, 0);
    header.write(name, 0, 100, 'utf8');
    header.write('0000644\0', 100, 8, 'ascii');
    header.write('0000000\0', 108, 8, 'ascii');
    header.write('0000000\0', 116, 8, 'ascii');
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 12, 'ascii');
    header.write('00000000000\0', 136, 12, 'ascii');
    header.write('        ', 148, 8, 'ascii');
    header.write('0', 156, 1, 'ascii');
    header.write('ustar\0', 257, 6, 'ascii');
    header.write('00', 263, 2, 'ascii');
    let sum = 0;
    for (const b of header) sum += b;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512, 0));
  }
  blocks.push(Buffer.alloc(1024, 0));
  return gzipSync(Buffer.concat(blocks));
}

export const ONE_RESOURCE = { 'main.tf': 'resource "null_resource" "foo" {}\n' };

/** Path and query of an absolute capability URL, for supertest against the app. */
export function localPath(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}

export async function createWorkspace(w: Seeded, name: string, secret: string, attributes: Record<string, unknown> = {}) {
  const res = await w.api('post', `/api/v2/organizations/${w.org.name}/workspaces`, secret, { data: { type: 'workspaces', attributes: { name, ...attributes } } }).expect(201);
  return res.body.data.id as string;
}

export async function grant(w: Seeded, teamId: string, workspaceId: string, access: string) {
  await w
    .api('post', '/api/v2/team-workspaces', w.tokens.owners, {
      data: { type: 'team-workspaces', attributes: { access }, relationships: { team: { data: { id: teamId, type: 'teams' } }, workspace: { data: { id: workspaceId, type: 'workspaces' } } } },
    })
    .expect(201);
}

export async function uploadedCv(w: Seeded, workspaceId: string, secret: string, files: Record<string, string> = ONE_RESOURCE) {
  const cv = await w.api('post', `/api/v2/workspaces/${workspaceId}/configuration-versions`, secret, { data: { type: 'configuration-versions', attributes: { 'auto-queue-runs': false } } }).expect(201);
  await w.api('put', localPath(cv.body.data.attributes['upload-url']), null).set('Content-Type', 'application/octet-stream').send(slugOf(files)).expect(200);
  return cv.body.data.id as string;
}

export const runBody = (workspaceId: string, cvId?: string, attributes: Record<string, unknown> = {}) => ({
  data: { type: 'runs', attributes, relationships: { workspace: { data: { type: 'workspaces', id: workspaceId } }, ...(cvId ? { 'configuration-version': { data: { type: 'configuration-versions', id: cvId } } } : {}) } },
});

export async function queue(w: Seeded, workspaceId: string, secret: string, attributes: Record<string, unknown> = {}) {
  const res = await w.api('post', '/api/v2/runs', secret, runBody(workspaceId, undefined, attributes)).expect(201);
  return res.body.data as { id: string; attributes: Record<string, unknown>; relationships: Record<string, { data: { id: string } }> };
}

