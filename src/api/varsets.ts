/**
 * Variable sets (https://developer.hashicorp.com/terraform/enterprise/api-docs/variable-sets):
 *   GET/POST /organizations/:org/varsets        GET/PATCH/DELETE /varsets/:id
 *   GET/POST /varsets/:id/relationships/vars    PATCH/DELETE /varsets/:id/relationships/vars/:var_id
 *   POST/DELETE /varsets/:id/relationships/workspaces               GET /workspaces/:id/varsets
 * Reads need organization:read (can-read-varsets), writes organization:manage-varsets
 * (can-manage-varsets); anything else is 404 (T7). Sensitive values are never returned.
 */
import type { Request } from 'express';
import type { ApiRoutes } from '../http/route-table.ts';
import { z } from 'zod';
import type { Principal } from '../tfe/principal.ts';
import { factsFor, organizationFor } from '../tfe/access.ts';
import { authorize, type OrganizationAction } from '../tfe/authorize.ts';
import { createVarset, createVarsetVar, deleteVarset, deleteVarsetVar, linkWorkspaces, liveWorkspaceIds, updateVarset, updateVarsetVar, VARSET, VARSET_VAR, type Varset, type VarsetAttributes, type VarsetVar, type VarsetVarAttributes } from '../tfe/varsets.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { iso, paginationLinks, paginationMeta, parseBody, readPage, sendDocument, sendNotFound } from './jsonapi.ts';
import { loadWorkspaceById } from './workspace-facts.ts';
import { principalOf } from './principal.ts';

const ref = (type: string) => z.object({ type: z.literal(type, { error: `must be "${type}"` }), id: z.string().min(1) });
const varsetAttributes = z.object({
  name: z.string({ error: 'must be a string' }),
  description: z.string({ error: 'must be a string' }).max(512, { error: 'description is at most 512 characters' }).nullable(),
  global: z.boolean({ error: 'must be true or false' }),
  priority: z.boolean({ error: 'must be true or false' }),
}).partial();
const varAttributes = z.object({
  key: z.string({ error: "key can't be blank" }),
  value: z.string({ error: 'must be a string' }).max(256 * 1024).nullable(),
  description: z.string({ error: 'must be a string' }).max(512).nullable(),
  category: z.enum(['terraform', 'env'], { error: 'category must be terraform or env' }),
  hcl: z.boolean({ error: 'must be true or false' }),
  sensitive: z.boolean({ error: 'must be true or false' }),
}).partial();
const requiredVar = { key: z.string({ error: "key can't be blank" }), category: z.enum(['terraform', 'env'], { error: 'category must be terraform or env' }) };
const createBody = z.object({
  data: z.object({
    type: z.literal('varsets', { error: 'must be "varsets"' }).optional(),
    attributes: varsetAttributes.extend({ name: z.string({ error: "Name can't be blank" }) }),
    relationships: z.object({
      workspaces: z.object({ data: z.array(ref('workspaces')) }).optional(),
      vars: z.object({ data: z.array(z.object({ type: z.literal('vars').optional(), attributes: varAttributes.extend(requiredVar) })) }).optional(),
    }).partial().optional(),
  }),
});
const updateBody = z.object({ data: z.object({ type: z.literal('varsets', { error: 'must be "varsets"' }).optional(), id: z.string().optional(), attributes: varsetAttributes.default({}) }) });
const varCreateBody = z.object({ data: z.object({ type: z.literal('vars', { error: 'must be "vars"' }).optional(), attributes: varAttributes.extend(requiredVar) }) });
const varUpdateBody = z.object({ data: z.object({ type: z.literal('vars', { error: 'must be "vars"' }).optional(), id: z.string().optional(), attributes: varAttributes.default({}) }) });
const workspacesBody = z.object({ data: z.array(ref('workspaces'), { error: 'send {"data":[{"type":"workspaces","id":"ws-..."}]}' }) });

function varResource(v: VarsetVar) {
  const a = v.attributes;
  return {
    id: v.id,
    type: 'vars',
    attributes: { key: a.key, value: a.sensitive ? null : a.value, description: a.description, category: a.category, hcl: a.hcl, sensitive: a.sensitive, 'created-at': iso(v.createdAt), 'version-id': a.versionId },
    relationships: { varset: { data: { id: v.parentId, type: 'varsets' } } },
    links: { self: `/api/v2/varsets/${v.parentId}/relationships/vars/${v.id}` },
  };
}

async function varsetResource(ctx: GatewayContext, set: Varset) {
  const vars = await ctx.store.resources.listAll<VarsetVarAttributes>(VARSET_VAR, { parentId: set.id });
  const workspaces = await liveWorkspaceIds(ctx.tfe, set);
  const org = await ctx.store.organizations.get(set.organizationId);
  return {
    id: set.id,
    type: 'varsets',
    attributes: {
      name: set.attributes.name,
      description: set.attributes.description,
      global: set.attributes.global,
      priority: set.attributes.priority,
      'created-at': iso(set.createdAt),
      'updated-at': iso(set.updatedAt),
      'var-count': vars.length,
      'workspace-count': workspaces.length,
      'project-count': 0,
    },
    relationships: {
      organization: { data: { id: org?.name ?? null, type: 'organizations' } },
      vars: { data: vars.map((v) => ({ id: v.id, type: 'vars' })) },
      workspaces: { data: workspaces.map((id) => ({ id, type: 'workspaces' })) },
      projects: { data: [] },
    },
    links: { self: `/api/v2/varsets/${set.id}` },
  };
}

export function addVarsetRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  /** The set, if the caller may take `action` in its organization. */
  const load = async (p: Principal, id: string, action: OrganizationAction) => {
    const set = await ctx.store.resources.get<VarsetAttributes>(VARSET, id);
    const org = set && (await ctx.store.organizations.get(set.organizationId));
    if (!set || !org) return undefined;
    const facts = await factsFor(ctx, p, org);
    return authorize(facts, action) ? set : undefined;
  };
  const loadVar = async (req: Request, action: OrganizationAction) => {
    const set = await load(principalOf(req), req.params.id as string, action);
    const v = set && (await ctx.store.resources.get<VarsetVarAttributes>(VARSET_VAR, req.params.varId as string));
    return set && v && v.parentId === set.id ? { set, v } : undefined;
  };

  router.get('/organizations/:org/varsets', async (req, res) => {
    const found = await organizationFor(ctx, principalOf(req), req.params.org, 'organization:read');
    if (!found) return sendNotFound(res);
    const page = readPage(req);
    const result = await ctx.store.resources.list<VarsetAttributes>(VARSET, { organizationId: found.org.id }, page);
    const data = [];
    for (const s of result.items) data.push(await varsetResource(ctx, s));
    sendDocument(res, 200, { data, links: paginationLinks(`/api/v2/organizations/${encodeURIComponent(found.org.name)}/varsets`, page, result.total), meta: paginationMeta(page, result.total) });
  });

  router.post('/organizations/:org/varsets', async (req, res) => {
    const found = await organizationFor(ctx, principalOf(req), req.params.org, 'organization:manage-varsets');
    if (!found) return sendNotFound(res);
    const d = parseBody(req, createBody).data;
    const workspaceIds = d.relationships?.workspaces?.data.map((w) => w.id) ?? [];
    const set = await createVarset(ctx.tfe, found.org.id, { name: d.attributes.name, description: d.attributes.description ?? null, global: d.attributes.global ?? false, priority: d.attributes.priority ?? false, workspaceIds });
    for (const v of d.relationships?.vars?.data ?? []) await createVarsetVar(ctx.tfe, set, { ...v.attributes, key: v.attributes.key, category: v.attributes.category });
    sendDocument(res, 201, { data: await varsetResource(ctx, set) });
  });

  router.get('/varsets/:id', async (req, res) => {
    const set = await load(principalOf(req), req.params.id, 'organization:read');
    if (!set) return sendNotFound(res);
    sendDocument(res, 200, { data: await varsetResource(ctx, set) });
  });

  router.patch('/varsets/:id', async (req, res) => {
    const set = await load(principalOf(req), req.params.id, 'organization:manage-varsets');
    if (!set) return sendNotFound(res);
    const a = parseBody(req, updateBody).data.attributes;
    sendDocument(res, 200, { data: await varsetResource(ctx, await updateVarset(ctx.tfe, set, a)) });
  });

  router.delete('/varsets/:id', async (req, res) => {
    const set = await load(principalOf(req), req.params.id, 'organization:manage-varsets');
    if (!set) return sendNotFound(res);
    await deleteVarset(ctx.tfe, set);
    res.status(204).end();
  });

  router.get('/varsets/:id/relationships/vars', async (req, res) => {
    const set = await load(principalOf(req), req.params.id, 'organization:read');
    if (!set) return sendNotFound(res);
    const vars = await ctx.store.resources.listAll<VarsetVarAttributes>(VARSET_VAR, { parentId: set.id });
    sendDocument(res, 200, { data: vars.map(varResource) });
  });

  router.post('/varsets/:id/relationships/vars', async (req, res) => {
    const set = await load(principalOf(req), req.params.id, 'organization:manage-varsets');
    if (!set) return sendNotFound(res);
    const a = parseBody(req, varCreateBody).data.attributes;
    sendDocument(res, 201, { data: varResource(await createVarsetVar(ctx.tfe, set, { ...a, key: a.key, category: a.category })) });
  });

  router.patch('/varsets/:id/relationships/vars/:varId', async (req, res) => {
    const found = await loadVar(req, 'organization:manage-varsets');
    if (!found) return sendNotFound(res);
    const a = parseBody(req, varUpdateBody).data.attributes;
    sendDocument(res, 200, { data: varResource(await updateVarsetVar(ctx.tfe, found.v, a)) });
  });

  router.delete('/varsets/:id/relationships/vars/:varId', async (req, res) => {
    const found = await loadVar(req, 'organization:manage-varsets');
    if (!found) return sendNotFound(res);
    await deleteVarsetVar(ctx.tfe, found.v);
    res.status(204).end();
  });

  for (const [method, apply] of [['post', true], ['delete', false]] as const) {
    router[method]('/varsets/:id/relationships/workspaces', async (req, res) => {
      const set = await load(principalOf(req), req.params.id, 'organization:manage-varsets');
      if (!set) return sendNotFound(res);
      const ids = parseBody(req, workspacesBody).data.map((w) => w.id);
      await linkWorkspaces(ctx.tfe, set, ids, apply);
      res.status(204).end();
    });
  }

  router.get('/workspaces/:id/varsets', async (req, res) => {
    const scope = await loadWorkspaceById(ctx, principalOf(req), req.params.id);
    if (!scope || !scope.may('workspace:read-variables')) return sendNotFound(res);
    const page = readPage(req);
    const all = await ctx.store.resources.listAll<VarsetAttributes>(VARSET, { organizationId: scope.organization.id });
    const applied = all.filter((s) => s.attributes.global || s.attributes.workspaceIds.includes(scope.workspace.id));
    const data = [];
    for (const s of applied.slice((page.number - 1) * page.size, page.number * page.size)) data.push(await varsetResource(ctx, s));
    sendDocument(res, 200, { data, links: paginationLinks(`/api/v2/workspaces/${scope.workspace.id}/varsets`, page, applied.length), meta: paginationMeta(page, applied.length) });
  });
}
