/**
 * Policies, policy sets and policy set parameters (TFE API pages
 * https://developer.hashicorp.com/terraform/enterprise/api-docs/policies, .../policy-sets,
 * .../policy-set-params). Reads need organization:read, writes organization:manage-policies
 * (the organization's `can-update-sentinel`); anything the caller may not act on is 404 (T7).
 *   GET/POST /organizations/:org/policies       GET/PATCH/DELETE /policies/:id
 *   PUT /policies/:id/upload                    GET /policies/:id/download
 *   GET/POST /organizations/:org/policy-sets    GET/PATCH/DELETE /policy-sets/:id
 *   POST/DELETE /policy-sets/:id/relationships/{policies,workspaces,workspace-exclusions}
 *   GET/POST /policy-sets/:id/parameters        GET/PATCH/DELETE /policy-sets/:id/parameters/:pid
 */
import express, { type Request } from 'express';
import type { ApiRoutes } from '../http/route-table.ts';
import { z } from 'zod';
import type { OrganizationRecord } from '../store/types.ts';
import { organizationFor } from '../tfe/access.ts';
import type { Action } from '../tfe/authorize.ts';
import {
  POLICY, POLICY_SET, POLICY_SET_PARAMETER, changeMembers, createParameter, createPolicy, createPolicySet, deleteParameter, deletePolicy, deletePolicySet, resolving, setsOf, updateParameter, updatePolicy, updatePolicySet,
  type Parameter, type ParameterAttrs, type Policy, type PolicyAttrs, type PolicySet, type PolicySetAttrs,
} from '../tfe/policies.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { ApiInputError, iso, paginationMeta, parseBody, readPage, sendDocument, sendNotFound } from './jsonapi.ts';
import { queryString } from './workspace-facts.ts';
import { principalOf } from './principal.ts';

const WRITE: Action = 'organization:manage-policies';
const READ: Action = 'organization:read';

const str = z.string({ error: 'must be a string' });
const bool = z.boolean({ error: 'must be true or false' });
const kind = z.enum(['sentinel', 'opa'], { error: 'kind must be sentinel or opa' });
const enforce = z.array(z.object({ path: str.max(1024).optional(), mode: str.optional() }).passthrough(), { error: 'enforce must be a list of {path, mode}' }).max(1, { error: 'enforce takes one entry: a policy is one file' });
const ids = z.object({ data: z.array(z.object({ id: str.min(1) }).passthrough(), { error: 'data must be a list of {type, id}' }) });

const policyAttributes = z.object({
  name: str.max(256),
  description: str.max(1024).nullable(),
  kind,
  query: str.max(4096).nullable(),
  'enforcement-level': str,
  enforce,
}).partial();

const policyCreate = z.object({
  data: z.object({
    type: z.literal('policies', { error: 'must be "policies"' }).optional(),
    attributes: policyAttributes.required({ name: true }),
    relationships: z.object({ 'policy-sets': ids.optional() }).passthrough().optional(),
  }),
});
const policyUpdate = z.object({ data: z.object({ type: z.literal('policies', { error: 'must be "policies"' }).optional(), attributes: policyAttributes.default({}) }) });

const setAttributes = z.object({
  name: str.max(256),
  description: str.max(1024).nullable(),
  global: bool,
  kind,
  overridable: bool,
  'agent-enabled': bool,
  'policy-tool-version': str.max(64).nullable(),
  'policies-path': str.max(1024).nullable(),
  'vcs-repo': z.object({}).passthrough().nullable(),
  'policy-update-pattern': str.nullable(),
}).partial();

const setCreate = z.object({
  data: z.object({
    type: z.literal('policy-sets', { error: 'must be "policy-sets"' }).optional(),
    attributes: setAttributes.required({ name: true }),
    relationships: z.object({ policies: ids.optional(), workspaces: ids.optional(), 'workspace-exclusions': ids.optional(), projects: ids.optional() }).passthrough().optional(),
  }),
});
const setUpdate = z.object({ data: z.object({ type: z.literal('policy-sets', { error: 'must be "policy-sets"' }).optional(), attributes: setAttributes.default({}) }) });

const paramAttributes = z.object({
  key: str.max(128),
  value: str.max(256 * 1024).nullable(),
  category: z.literal('policy-set', { error: 'category must be "policy-set"' }),
  sensitive: bool,
}).partial();
const paramCreate = z.object({ data: z.object({ type: z.literal('vars', { error: 'must be "vars"' }).optional(), attributes: paramAttributes.required({ key: true, category: true }) }) });
const paramUpdate = z.object({ data: z.object({ type: z.literal('vars', { error: 'must be "vars"' }).optional(), id: str.optional(), attributes: paramAttributes.default({}) }) });

const rel = (type: string, id: string) => ({ id, type });

function policyResource(p: Policy, org: OrganizationRecord, setIds: string[]) {
  const a = p.attributes;
  return {
    id: p.id,
    type: 'policies',
    attributes: {
      name: a.name,
      description: a.description,
      kind: a.kind,
      query: a.query,
      // TFE lists the enforcement once the policy has code to enforce (go-tfe's Read tests).
      enforce: a.code === null ? [] : [{ path: a.path, mode: a.level }],
      'enforcement-level': a.level,
      'policy-set-count': setIds.length,
      'updated-at': iso(p.updatedAt),
    },
    relationships: {
      organization: { data: rel('organizations', org.name) },
      'policy-sets': { data: setIds.map((id) => rel('policy-sets', id)) },
    },
    links: { self: `/api/v2/policies/${p.id}`, upload: `/api/v2/policies/${p.id}/upload`, download: `/api/v2/policies/${p.id}/download` },
  };
}

function setResource(s: PolicySet, org: OrganizationRecord, policyIds: string[], workspaceIds: string[], excludedIds: string[]) {
  const a = s.attributes;
  return {
    id: s.id,
    type: 'policy-sets',
    attributes: {
      name: a.name,
      description: a.description,
      global: a.global,
      kind: a.kind,
      overridable: a.overridable,
      'agent-enabled': a.agentEnabled,
      'policy-tool-version': a.policyToolVersion,
      'policies-path': a.policiesPath,
      'policy-count': policyIds.length,
      'workspace-count': workspaceIds.length,
      'project-count': 0,
      'vcs-repo': null,
      'created-at': iso(s.createdAt),
      'updated-at': iso(s.updatedAt),
    },
    relationships: {
      organization: { data: rel('organizations', org.name) },
      policies: { data: policyIds.map((id) => rel('policies', id)) },
      workspaces: { data: workspaceIds.map((id) => rel('workspaces', id)) },
      'workspace-exclusions': { data: excludedIds.map((id) => rel('workspaces', id)) },
      projects: { data: [] },
    },
    links: { self: `/api/v2/policy-sets/${s.id}` },
  };
}

/** Sensitive values are write-only: null in every response, the create response included. */
function parameterResource(p: Parameter) {
  return {
    id: p.id,
    type: 'vars',
    attributes: { key: p.attributes.key, value: p.attributes.sensitive ? null : p.attributes.value, category: 'policy-set', sensitive: p.attributes.sensitive },
    relationships: { configurable: { data: rel('policy-sets', p.parentId!), links: { related: `/api/v2/policy-sets/${p.parentId}` } } },
    links: { self: `/api/v2/policy-sets/${p.parentId}/parameters/${p.id}` },
  };
}

const pointerError = (pointer: string, detail: string) => new ApiInputError([{ status: '422', title: 'invalid attribute', detail, source: { pointer } }]);

/** Policy code is text (Sentinel or Rego): bytes that are not UTF-8 are refused, not mangled. */
function decodeCode(body: unknown): string {
  if (!Buffer.isBuffer(body)) return '';
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw pointerError('', 'policy code must be UTF-8 text (Sentinel or Rego source)');
  }
}

export function addPolicyRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  const orgByName = (req: Request, action: Action) => organizationFor(ctx, principalOf(req), req.params.org as string, action);

  /** A record of `type` and its organization, if the caller may take `action` there. */
  const load = async <A>(req: Request, type: string, id: string, action: Action) => {
    const record = await ctx.store.resources.get<A>(type, id);
    if (!record) return undefined;
    const org = await ctx.store.organizations.get(record.organizationId);
    const found = org && (await organizationFor(ctx, principalOf(req), org.name, action));
    return found ? { record, org: found.org } : undefined;
  };

  const setIdsOf = async (p: Policy) => (await setsOf(ctx, p.organizationId)).filter((s) => s.attributes.policyIds.includes(p.id)).map((s) => s.id);
  const showPolicy = async (p: Policy, org: OrganizationRecord) => policyResource(p, org, await setIdsOf(p));
  const showSet = async (s: PolicySet, org: OrganizationRecord) =>
    setResource(
      s,
      org,
      await resolving(ctx, POLICY, s.organizationId, s.attributes.policyIds),
      await resolving(ctx, 'workspaces', s.organizationId, s.attributes.workspaceIds),
      await resolving(ctx, 'workspaces', s.organizationId, s.attributes.excludedWorkspaceIds),
    );

  /** A list filtered by search[name] (TFE: substring, case-insensitive), then paged. */
  const listPage = async <A extends { name: string }>(req: Request, type: string, org: OrganizationRecord) => {
    const page = readPage(req);
    const search = queryString(req.query as Record<string, unknown>, 'search[name]', ['search', 'name'])?.toLowerCase();
    const all = (await ctx.store.resources.listAll<A>(type, { organizationId: org.id })).filter((r) => !search || r.attributes.name.toLowerCase().includes(search));
    return { page, total: all.length, items: all.slice((page.number - 1) * page.size, page.number * page.size) };
  };

  // --- policies ------------------------------------------------------------------------------

  router.get('/organizations/:org/policies', async (req, res) => {
    const found = await orgByName(req, READ);
    if (!found) return sendNotFound(res);
    const { page, total, items } = await listPage<PolicyAttrs>(req, POLICY, found.org);
    sendDocument(res, 200, { data: await Promise.all(items.map((p) => showPolicy(p, found.org))), meta: paginationMeta(page, total) });
  });

  router.post('/organizations/:org/policies', async (req, res) => {
    const found = await orgByName(req, WRITE);
    if (!found) return sendNotFound(res);
    const { attributes: a, relationships: r } = parseBody(req, policyCreate).data;
    const k = a.kind ?? 'sentinel';
    const level = a['enforcement-level'] ?? a.enforce?.[0]?.mode;
    if (level === undefined) throw pointerError('/data/attributes/enforcement-level', "Enforcement level can't be blank: send enforcement-level (or the older enforce: [{path, mode}])");
    const setIds = r?.['policy-sets']?.data.map((d) => d.id) ?? [];
    const sets: PolicySet[] = [];
    for (const id of setIds) {
      const s = await ctx.store.resources.get<PolicySetAttrs>(POLICY_SET, id);
      if (!s || s.organizationId !== found.org.id) throw pointerError('/data/relationships/policy-sets', `Policy set ${id} was not found in this organization`);
      sets.push(s);
    }
    const policy = await createPolicy(ctx, found.org, { name: a.name, description: a.description ?? null, kind: k, query: a.query ?? null, path: a.enforce?.[0]?.path ?? null, level });
    for (const s of sets) await changeMembers(ctx, s, 'policyIds', [policy.id], 'add');
    sendDocument(res, 201, { data: await showPolicy(policy, found.org) });
  });

  router.get('/policies/:id', async (req, res) => {
    const found = await load<PolicyAttrs>(req, POLICY, req.params.id, READ);
    if (!found) return sendNotFound(res);
    sendDocument(res, 200, { data: await showPolicy(found.record, found.org) });
  });

  router.patch('/policies/:id', async (req, res) => {
    const found = await load<PolicyAttrs>(req, POLICY, req.params.id, WRITE);
    if (!found) return sendNotFound(res);
    const a = parseBody(req, policyUpdate).data.attributes;
    // The enforce entry's path names the policy's one file; its mode is the level (go-tfe 0.11.1).
    const level = a['enforcement-level'] ?? a.enforce?.[0]?.mode;
    const updated = await updatePolicy(ctx, found.record, { name: a.name, description: a.description, query: a.query, level });
    sendDocument(res, 200, { data: await showPolicy(updated, found.org) });
  });

  router.delete('/policies/:id', async (req, res) => {
    const found = await load<PolicyAttrs>(req, POLICY, req.params.id, WRITE);
    if (!found) return sendNotFound(res);
    await deletePolicy(ctx, found.record);
    res.status(204).end();
  });

  // The body is the policy's source, not JSON (jsonapi.ts lets this one path through unparsed).
  router.put('/policies/:id/upload', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
    const found = await load<PolicyAttrs>(req, POLICY, req.params.id as string, WRITE);
    if (!found) return sendNotFound(res);
    await updatePolicy(ctx, found.record, { code: decodeCode(req.body) });
    res.status(200).end();
  });

  router.get('/policies/:id/download', async (req, res) => {
    const found = await load<PolicyAttrs>(req, POLICY, req.params.id, READ);
    if (!found || found.record.attributes.code === null) return sendNotFound(res);
    res.status(200).type('text/plain').send(found.record.attributes.code);
  });

  // --- policy sets ---------------------------------------------------------------------------

  router.get('/organizations/:org/policy-sets', async (req, res) => {
    const found = await orgByName(req, READ);
    if (!found) return sendNotFound(res);
    const { page, total, items } = await listPage<PolicySetAttrs>(req, POLICY_SET, found.org);
    sendDocument(res, 200, { data: await Promise.all(items.map((s) => showSet(s, found.org))), meta: paginationMeta(page, total) });
  });

  router.post('/organizations/:org/policy-sets', async (req, res) => {
    const found = await orgByName(req, WRITE);
    if (!found) return sendNotFound(res);
    const { attributes: a, relationships: r } = parseBody(req, setCreate).data;
    const set = await createPolicySet(ctx, found.org, {
      name: a.name,
      description: a.description ?? null,
      global: a.global ?? false,
      kind: a.kind ?? 'sentinel',
      overridable: a.overridable ?? false,
      policiesPath: a['policies-path'] ?? null,
      agentEnabled: a['agent-enabled'] ?? false,
      policyToolVersion: a['policy-tool-version'] ?? null,
      policyIds: r?.policies?.data.map((d) => d.id) ?? [],
      workspaceIds: r?.workspaces?.data.map((d) => d.id) ?? [],
      excludedWorkspaceIds: r?.['workspace-exclusions']?.data.map((d) => d.id) ?? [],
    });
    sendDocument(res, 201, { data: await showSet(set, found.org) });
  });

  router.get('/policy-sets/:id', async (req, res) => {
    const found = await load<PolicySetAttrs>(req, POLICY_SET, req.params.id, READ);
    if (!found) return sendNotFound(res);
    sendDocument(res, 200, { data: await showSet(found.record, found.org) });
  });

  router.patch('/policy-sets/:id', async (req, res) => {
    const found = await load<PolicySetAttrs>(req, POLICY_SET, req.params.id, WRITE);
    if (!found) return sendNotFound(res);
    const a = parseBody(req, setUpdate).data.attributes;
    const updated = await updatePolicySet(ctx, found.record, {
      name: a.name,
      description: a.description,
      global: a.global,
      overridable: a.overridable,
      policiesPath: a['policies-path'],
      agentEnabled: a['agent-enabled'],
      policyToolVersion: a['policy-tool-version'],
    });
    sendDocument(res, 200, { data: await showSet(updated, found.org) });
  });

  router.delete('/policy-sets/:id', async (req, res) => {
    const found = await load<PolicySetAttrs>(req, POLICY_SET, req.params.id, WRITE);
    if (!found) return sendNotFound(res);
    await deletePolicySet(ctx, found.record);
    res.status(204).end();
  });

  const members = { policies: 'policyIds', workspaces: 'workspaceIds', 'workspace-exclusions': 'excludedWorkspaceIds' } as const;
  for (const [path, field] of Object.entries(members)) {
    for (const op of ['add', 'remove'] as const) {
      router[op === 'add' ? 'post' : 'delete'](`/policy-sets/:id/relationships/${path}`, async (req, res) => {
        const found = await load<PolicySetAttrs>(req, POLICY_SET, req.params.id as string, WRITE);
        if (!found) return sendNotFound(res);
        const given = parseBody(req, ids).data.map((d) => d.id);
        if (given.length === 0) throw pointerError('/data', `data must name at least one ${path === 'policies' ? 'policy' : 'workspace'}`);
        await changeMembers(ctx, found.record, field, given, op);
        res.status(204).end();
      });
    }
  }

  // --- parameters ----------------------------------------------------------------------------

  const loadParam = async (req: Request, action: Action) => {
    const set = await load<PolicySetAttrs>(req, POLICY_SET, req.params.id as string, action);
    if (!set) return undefined;
    const param = await ctx.store.resources.get<ParameterAttrs>(POLICY_SET_PARAMETER, req.params.pid as string);
    return param && param.parentId === set.record.id ? { set, param } : undefined;
  };

  router.get('/policy-sets/:id/parameters', async (req, res) => {
    const found = await load<PolicySetAttrs>(req, POLICY_SET, req.params.id, READ);
    if (!found) return sendNotFound(res);
    const page = readPage(req);
    const result = await ctx.store.resources.list<ParameterAttrs>(POLICY_SET_PARAMETER, { parentId: found.record.id }, page);
    sendDocument(res, 200, { data: result.items.map(parameterResource), meta: paginationMeta(page, result.total) });
  });

  router.post('/policy-sets/:id/parameters', async (req, res) => {
    const found = await load<PolicySetAttrs>(req, POLICY_SET, req.params.id, WRITE);
    if (!found) return sendNotFound(res);
    const a = parseBody(req, paramCreate).data.attributes;
    const param = await createParameter(ctx, found.record, { key: a.key, value: a.value ?? '', sensitive: a.sensitive ?? false });
    sendDocument(res, 201, { data: parameterResource(param) });
  });

  router.get('/policy-sets/:id/parameters/:pid', async (req, res) => {
    const found = await loadParam(req, READ);
    if (!found) return sendNotFound(res);
    sendDocument(res, 200, { data: parameterResource(found.param) });
  });

  router.patch('/policy-sets/:id/parameters/:pid', async (req, res) => {
    const found = await loadParam(req, WRITE);
    if (!found) return sendNotFound(res);
    const a = parseBody(req, paramUpdate).data.attributes;
    const updated = await updateParameter(ctx, found.param, { key: a.key, value: a.value === null ? '' : a.value, sensitive: a.sensitive });
    sendDocument(res, 200, { data: parameterResource(updated) });
  });

  router.delete('/policy-sets/:id/parameters/:pid', async (req, res) => {
    const found = await loadParam(req, WRITE);
    if (!found) return sendNotFound(res);
    await deleteParameter(ctx, found.param);
    res.status(204).end();
  });

}
