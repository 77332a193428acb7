/**
 * Workspace variables (API docs: "Workspace Variables"):
 *   GET/POST /api/v2/workspaces/:id/vars     GET/PATCH/DELETE /api/v2/workspaces/:id/vars/:var_id
 * A sensitive variable's value is write-only: every response has `value: null` for it, the
 * create response included, and it can never be made non-sensitive again (TFE).
 */
import type { Request, Router } from 'express';
import { z } from 'zod';
import { StoreConflictError, type VariablePatch, type VariableRecord } from '../store/types.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { parseBody, sendDocument, sendNotFound } from './jsonapi.ts';
import { invalid, loadWorkspaceById, readPage, paginationMeta } from './workspace-facts.ts';
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

const keyTaken = (key: string) => invalid('/data/attributes/key', `Key has already been taken: a variable ${key} of this category exists in the workspace`);

export function addVariableRoutes(router: Router, ctx: GatewayContext): void {
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
    const record: VariableRecord = {
      id: `var-${ctx.ids.random(16)}`,
      workspaceId: scope.workspace.id,
      key: a.key!,
      value: a.value ?? '',
      description: a.description ?? null,
      category: a.category!,
      hcl: a.hcl ?? false,
      sensitive: a.sensitive ?? false,
      createdAt: ctx.clock.now(),
      versionId: ctx.ids.random(40),
    };
    try {
      await ctx.store.variables.create(record);
    } catch (err) {
      if (err instanceof StoreConflictError) throw keyTaken(record.key);
      throw err;
    }
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
    if (found.variable.sensitive && a.sensitive === false) {
      throw invalid('/data/attributes/sensitive', 'a sensitive variable cannot be made non-sensitive; delete it and create it again');
    }
    const patch: VariablePatch = {};
    if (a.key !== undefined) patch.key = a.key;
    if (a.value !== undefined) patch.value = a.value ?? '';
    if (a.description !== undefined) patch.description = a.description;
    if (a.category !== undefined) patch.category = a.category;
    if (a.hcl !== undefined) patch.hcl = a.hcl;
    if (a.sensitive !== undefined) patch.sensitive = a.sensitive;
    if (Object.keys(patch).length) patch.versionId = ctx.ids.random(40);
    let updated: VariableRecord | undefined;
    try {
      updated = await ctx.store.variables.update(found.variable.id, patch);
    } catch (err) {
      if (err instanceof StoreConflictError) throw keyTaken(patch.key ?? found.variable.key);
      throw err;
    }
    if (!updated) return sendNotFound(res);
    sendDocument(res, 200, { data: variableResource(updated) });
  });

  router.delete('/workspaces/:id/vars/:varId', async (req, res) => {
    const found = await load(req);
    if (!found || !found.scope.may('workspace:manage-variables')) return sendNotFound(res);
    await ctx.store.variables.delete(found.variable.id);
    res.status(204).end();
  });
}
