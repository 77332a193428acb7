/**
 * Workspace variables (API docs: "Workspace Variables"):
 *   GET/POST /api/v2/workspaces/:id/vars     GET/PATCH/DELETE /api/v2/workspaces/:id/vars/:var_id
 * A sensitive variable's value is write-only: every response has `value: null` for it, the
 * create response included, and it can never be made non-sensitive again (TFE).
 */
import type { Request } from 'express';
import type { ApiRoutes } from '../http/route-table.ts';
import { z } from 'zod';
import { createVariable, deleteVariable, updateVariable } from '../tfe/variables.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { parseBody, sendDocument, sendNotFound } from './jsonapi.ts';
import { loadWorkspaceById, readPage, paginationMeta } from './workspace-facts.ts';
import { variableResource } from './workspace-serializers.ts';
import { principalOf } from './principal.ts';

/** Terraform variable names and environment variable names alike: no whitespace, no "=". */
const KEY = /^[^\s=]{1,128}$/;

const attributes = z
  .object({
    key: z.string({ error: "key can't be blank" }).trim().min(1, { error: "key can't be blank" }).regex(KEY, { error: 'key is at most 128 characters without whitespace or "="' }),
    value: z.string({ error: 'must be a string' }).max(256 * 1024).nullable(),
    description: z.string({ error: 'must be a string' }).max(512, { error: 'description is at most 512 characters' }).nullable(),
    category: z.enum(['terraform', 'env'], { error: 'category must be terraform or env' }),
    hcl: z.boolean({ error: 'must be true or false' }),
    sensitive: z.boolean({ error: 'must be true or false' }),
  })
  .partial();

const createBody = z.object({
  data: z.object({ type: z.literal('vars', { error: 'must be "vars"' }).optional(), attributes: attributes.required({ key: true, category: true }) }),
});
const updateBody = z.object({
  data: z.object({ type: z.literal('vars', { error: 'must be "vars"' }).optional(), id: z.string().optional(), attributes: attributes.default({}) }),
});

export function addVariableRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  const load = async (req: Request) => {
    const scope = await loadWorkspaceById(ctx, principalOf(req), req.params.id as string);
    if (!scope) return undefined;
    const variable = await ctx.store.variables.get(req.params.varId as string);
    return variable && variable.workspaceId === scope.workspace.id ? { scope, variable } : undefined;
  };

  router.get('/workspaces/:id/vars', async (req, res) => {
    const scope = await loadWorkspaceById(ctx, principalOf(req), req.params.id);
    if (!scope || !scope.may('workspace:read-variables')) return sendNotFound(res);
    const page = readPage(req);
    const result = await ctx.store.variables.listByWorkspace(scope.workspace.id, page);
    sendDocument(res, 200, { data: result.items.map(variableResource), meta: paginationMeta(page, result.total) });
  });

  router.post('/workspaces/:id/vars', async (req, res) => {
    const scope = await loadWorkspaceById(ctx, principalOf(req), req.params.id);
    if (!scope || !scope.may('workspace:manage-variables')) return sendNotFound(res);
    const a = parseBody(req, createBody).data.attributes;
    const record = await createVariable(ctx, scope.workspace.id, { ...a, key: a.key!, category: a.category! });
    sendDocument(res, 201, { data: variableResource(record) });
  });

  router.get('/workspaces/:id/vars/:varId', async (req, res) => {
    const found = await load(req);
    if (!found || !found.scope.may('workspace:read-variables')) return sendNotFound(res);
    sendDocument(res, 200, { data: variableResource(found.variable) });
  });

  router.patch('/workspaces/:id/vars/:varId', async (req, res) => {
    const found = await load(req);
    if (!found || !found.scope.may('workspace:manage-variables')) return sendNotFound(res);
    const a = parseBody(req, updateBody).data.attributes;
    const updated = await updateVariable(ctx, found.variable, a);
    sendDocument(res, 200, { data: variableResource(updated) });
  });

  router.delete('/workspaces/:id/vars/:varId', async (req, res) => {
    const found = await load(req);
    if (!found || !found.scope.may('workspace:manage-variables')) return sendNotFound(res);
    await deleteVariable(ctx, found.variable.id);
    res.status(204).end();
  });
}
