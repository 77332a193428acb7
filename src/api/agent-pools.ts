/**
 * Agent pools (https://developer.hashicorp.com/terraform/enterprise/api-docs/agents) and agent
 * tokens (https://developer.hashicorp.com/terraform/enterprise/api-docs/agent-tokens):
 *   GET/POST /api/v2/organizations/:org/agent-pools     GET/PATCH/DELETE /api/v2/agent-pools/:id
 *   GET/POST /api/v2/agent-pools/:id/authentication-tokens
 *   GET/DELETE /api/v2/authentication-tokens/:id   (an agent token; user tokens are user-tokens.ts)
 * Everything needs organization:manage-agent-pools (`can-update-agent-pools`). A token's secret
 * is in the create response only (no-store), never again.
 */
import type { NextFunction, Request, Response } from 'express';
import type { ApiRoutes } from '../http/route-table.ts';
import { z } from 'zod';
import type { ResourceRecord } from '../store/types-resources.ts';
import { AGENT_POOL_TYPE, AGENT_TOKEN_TYPE, createAgentPool, createAgentToken, deleteAgentPool, deleteAgentToken, updateAgentPool, type AgentPoolAttributes, type AgentTokenAttributes } from '../tfe/agent-pools.ts';
import type { OrganizationRecord } from '../store/types.ts';
import { principalUser } from '../tfe/principal.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { ApiInputError, iso, paginationLinks, paginationMeta, parseBody, readPage, sendDocument, sendNotFound, sendSecret } from './jsonapi.ts';
import { familyRoutes } from './resource-access.ts';
import { principalOf } from './principal.ts';

const ACTION = 'organization:manage-agent-pools' as const;

const workspaceList = z.object({ data: z.array(z.object({ type: z.literal('workspaces', { error: 'must be "workspaces"' }).optional(), id: z.string({ error: 'id must be a workspace id' }) }), { error: 'data must be an array of workspaces' }) });
const poolBody = z.object({
  data: z.object({
    type: z.literal('agent-pools', { error: 'must be "agent-pools"' }).optional(),
    id: z.string().optional(),
    attributes: z.object({ name: z.unknown(), 'organization-scoped': z.boolean({ error: 'organization-scoped must be true or false' }) }).partial().default({}),
    relationships: z.object({ 'allowed-workspaces': workspaceList }).partial().optional(),
  }),
});
const tokenBody = z.object({
  data: z.object({ type: z.literal('authentication-tokens', { error: 'must be "authentication-tokens"' }).optional(), attributes: z.object({ description: z.unknown() }).partial().default({}) }),
});

/**
 * Today's API: `q` (name contains, case-insensitive) and `sort` (name or created-at, `-` for
 * descending) on the list. An organization has few pools, so this filters in memory.
 */
function listQuery(req: Request, all: ResourceRecord<AgentPoolAttributes>[], page: { number: number; size: number }) {
  const q = req.query.q;
  const sort = req.query.sort;
  if (q !== undefined && typeof q !== 'string') throw new ApiInputError([{ status: '422', title: 'invalid parameter', detail: 'q must be one string', source: { parameter: 'q' } }]);
  if (sort !== undefined && (typeof sort !== 'string' || !SORTS.has(sort))) {
    throw new ApiInputError([{ status: '422', title: 'invalid parameter', detail: 'sort must be name, -name, created-at or -created-at', source: { parameter: 'sort' } }]);
  }
  let items = q ? all.filter((p) => p.attributes.name.toLowerCase().includes(q.toLowerCase())) : all;
  if (sort) {
    const field = sort.replace(/^-/, '');
    const sign = sort.startsWith('-') ? -1 : 1;
    items = [...items].sort((a, b) => sign * (field === 'name' ? a.attributes.name.localeCompare(b.attributes.name) : a.createdAt - b.createdAt));
  }
  return { items: items.slice((page.number - 1) * page.size, page.number * page.size), total: items.length };
}
const SORTS: ReadonlySet<string> = new Set(['name', '-name', 'created-at', '-created-at']);

export function addAgentPoolRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  const pools = familyRoutes<AgentPoolAttributes>(ctx, AGENT_POOL_TYPE, ACTION);
  const loadPool = (req: Request) => pools.record(req);

  const poolResource = async (p: ResourceRecord<AgentPoolAttributes>, org: OrganizationRecord) => {
    // Readers drop ids that no longer resolve (a deleted workspace).
    const allowed: string[] = [];
    for (const id of p.attributes.allowedWorkspaceIds) if (await ctx.store.workspaces.get(id)) allowed.push(id);
    const ws = allowed.map((id) => ({ id, type: 'workspaces' }));
    return {
      id: p.id,
      type: AGENT_POOL_TYPE,
      attributes: { name: p.attributes.name, 'created-at': iso(p.createdAt), 'organization-scoped': p.attributes.organizationScoped, 'agent-count': 0 },
      relationships: {
        organization: { data: { id: org.name, type: 'organizations' } },
        agents: { links: { related: `/api/v2/agent-pools/${p.id}/agents` } },
        'authentication-tokens': { links: { related: `/api/v2/agent-pools/${p.id}/authentication-tokens` } },
        workspaces: { data: [] },
        'allowed-workspaces': { data: ws },
      },
      links: { self: `/api/v2/agent-pools/${p.id}` },
    };
  };

  router.get('/organizations/:org/agent-pools', async (req, res) => {
    const found = await pools.organization(req);
    if (!found) return sendNotFound(res);
    const page = readPage(req);
    const result = listQuery(req, await ctx.store.resources.listAll<AgentPoolAttributes>(AGENT_POOL_TYPE, { organizationId: found.org.id }), page);
    const data = [];
    for (const p of result.items) data.push(await poolResource(p, found.org));
    sendDocument(res, 200, { data, links: paginationLinks(`/api/v2/organizations/${encodeURIComponent(found.org.name)}/agent-pools`, page, result.total), meta: paginationMeta(page, result.total) });
  });

  router.post('/organizations/:org/agent-pools', async (req, res) => {
    const found = await pools.organization(req);
    if (!found) return sendNotFound(res);
    const d = parseBody(req, poolBody).data;
    const record = await createAgentPool(ctx.tfe, found.org, { name: d.attributes.name, organizationScoped: d.attributes['organization-scoped'], allowedWorkspaceIds: d.relationships?.['allowed-workspaces']?.data.map((w) => w.id) });
    sendDocument(res, 201, { data: await poolResource(record, found.org) });
  });

  router.get('/agent-pools/:id', async (req, res) => {
    const found = await loadPool(req);
    if (!found) return sendNotFound(res);
    sendDocument(res, 200, { data: await poolResource(found.record, found.org) });
  });

  router.patch('/agent-pools/:id', async (req, res) => {
    const found = await loadPool(req);
    if (!found) return sendNotFound(res);
    const d = parseBody(req, poolBody).data;
    const updated = await updateAgentPool(ctx.tfe, found.record, found.org, { name: d.attributes.name, organizationScoped: d.attributes['organization-scoped'], allowedWorkspaceIds: d.relationships?.['allowed-workspaces']?.data.map((w) => w.id) });
    sendDocument(res, 200, { data: await poolResource(updated, found.org) });
  });

  router.delete('/agent-pools/:id', async (req, res) => {
    const found = await loadPool(req);
    if (!found) return sendNotFound(res);
    await deleteAgentPool(ctx.tfe, found.record);
    res.status(204).end();
  });

  const tokenResource = (t: ResourceRecord<AgentTokenAttributes>, secret?: string) => ({
    id: t.id,
    type: 'authentication-tokens',
    attributes: { description: t.attributes.description, 'created-at': iso(t.createdAt), 'last-used-at': iso(t.attributes.lastUsedAt), token: secret ?? null },
    relationships: { 'created-by': { data: t.attributes.createdById ? { id: t.attributes.createdById, type: 'users' } : null } },
  });

  router.get('/agent-pools/:id/authentication-tokens', async (req, res) => {
    const found = await loadPool(req);
    if (!found) return sendNotFound(res);
    const page = readPage(req);
    const result = await ctx.store.resources.list<AgentTokenAttributes>(AGENT_TOKEN_TYPE, { parentId: found.record.id }, page);
    sendDocument(res, 200, { data: result.items.map((t) => tokenResource(t)), links: paginationLinks(`/api/v2/agent-pools/${found.record.id}/authentication-tokens`, page, result.total), meta: paginationMeta(page, result.total) });
  });

  router.post('/agent-pools/:id/authentication-tokens', async (req, res) => {
    const found = await loadPool(req);
    if (!found) return sendNotFound(res);
    const { token, secret } = await createAgentToken(ctx.tfe, found.record, parseBody(req, tokenBody).data.attributes.description, principalUser(principalOf(req))?.id ?? null);
    sendSecret(res, tokenResource(token, secret));
  });

  // user-tokens.ts answers these for user tokens and passes any other id on.
  const loadToken = (req: Request) => familyRoutes<AgentTokenAttributes>(ctx, AGENT_TOKEN_TYPE, ACTION).record(req);
  router.get('/authentication-tokens/:id', async (req: Request, res: Response, next: NextFunction) => {
    const found = await loadToken(req);
    if (!found) return next();
    sendDocument(res, 200, { data: tokenResource(found.record) });
  });
  router.delete('/authentication-tokens/:id', async (req: Request, res: Response, next: NextFunction) => {
    const found = await loadToken(req);
    if (!found) return next();
    await deleteAgentToken(ctx.tfe, found.record);
    res.status(204).end();
  });
}
