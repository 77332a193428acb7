/**
 * Plan exports (https://developer.hashicorp.com/terraform/enterprise/api-docs/plan-exports):
 *   POST /api/v2/plan-exports     GET/DELETE /api/v2/plan-exports/:id
 *   GET /api/v2/plan-exports/:id/download  -> 302 to a capability URL (the archivist) with the tar.gz
 * Who may: TFE gives exports to workspace admins and to `sentinel-mocks: read` (write, admin, or a
 * custom permission set with it); anyone else gets 404 for the export and its plan (T7).
 */
import type { Request, Response } from 'express';
import type { ApiRoutes } from '../http/route-table.ts';
import { z } from 'zod';
import type { ResourceRecord } from '../store/types-resources.ts';
import type { RunRecord } from '../store/types.ts';
import { TfeError } from '../tfe/errors.ts';
import { createPlanExport, deletePlanExport, finishPlanExport, mockBundle, PLAN_EXPORT_TYPE, validateDataType, type PlanExportAttributes } from '../tfe/plan-exports.ts';
import { effectiveAccess } from '../tfe/workspace-access.ts';
import { capabilityUrl, useCapability } from '../gateway/capability-standing.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { iso, markSecret, parseBody, sendDocument, sendNotFound } from './jsonapi.ts';
import { loadWorkspaceById } from './workspace-facts.ts';
import { principalOf } from './principal.ts';

const body = z.object({
  data: z.object({
    type: z.literal('plan-exports', { error: 'must be "plan-exports"' }).optional(),
    attributes: z.object({ 'data-type': z.unknown() }).partial().default({}),
    relationships: z.object({ plan: z.object({ data: z.object({ type: z.literal('plans', { error: 'must be "plans"' }).optional(), id: z.string({ error: 'plan id must be a string' }) }).nullable() }) }).partial().optional(),
  }),
});

function resource(pe: ResourceRecord<PlanExportAttributes>) {
  const ts: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(pe.attributes.statusTimestamps)) ts[k] = iso(v);
  return {
    id: pe.id,
    type: PLAN_EXPORT_TYPE,
    attributes: { 'data-type': pe.attributes.dataType, status: pe.attributes.status, 'status-timestamps': ts },
    relationships: { plan: { data: { id: pe.attributes.planId, type: 'plans' } } },
    links: { self: `/api/v2/plan-exports/${pe.id}`, download: pe.attributes.status === 'finished' ? `/api/v2/plan-exports/${pe.id}/download` : null },
  };
}

export function addPlanExportRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  /** The run of `planId` if the caller may export its plan (admin or sentinel-mocks read). */
  const exportableRun = async (req: Request, planId: string): Promise<RunRecord | undefined> => {
    const run = await ctx.store.runs.getByPlanId(planId);
    if (!run) return undefined;
    const scope = await loadWorkspaceById(ctx, principalOf(req), run.workspaceId);
    if (!scope) return undefined;
    const access = effectiveAccess(scope.facts);
    return access.admin || access.permissions.sentinelMocks === 'read' ? run : undefined;
  };

  const load = async (req: Request) => {
    const pe = await ctx.store.resources.get<PlanExportAttributes>(PLAN_EXPORT_TYPE, req.params.id as string);
    if (!pe || !(await exportableRun(req, pe.attributes.planId))) return undefined;
    return pe;
  };

  router.post('/plan-exports', async (req, res) => {
    const d = parseBody(req, body).data;
    const dataType = validateDataType(d.attributes['data-type']);
    const planId = d.relationships?.plan?.data?.id;
    if (!planId) throw new TfeError('invalid', "Plan can't be blank: send relationships.plan.data.id", 'plan');
    const run = await exportableRun(req, planId);
    if (!run) return sendNotFound(res);
    const workspace = await ctx.store.workspaces.get(run.workspaceId);
    if (!workspace) return sendNotFound(res);
    const record = await createPlanExport(ctx.tfe, workspace, run, dataType);
    sendDocument(res, 201, { data: resource(record) });
  });

  router.get('/plan-exports/:id', async (req, res) => {
    const found = await load(req);
    if (!found) return sendNotFound(res);
    const pe = await finishPlanExport(ctx.tfe, found);
    sendDocument(res, 200, { data: resource(pe) });
  });

  router.delete('/plan-exports/:id', async (req, res) => {
    const pe = await load(req);
    if (!pe) return sendNotFound(res);
    await deletePlanExport(ctx.tfe, pe);
    res.status(204).end();
  });

  router.get('/plan-exports/:id/download', async (req, res) => {
    const pe = await load(req);
    if (!pe) return sendNotFound(res);
    markSecret(res);
    res.redirect(302, capabilityUrl(ctx, req, res, 'plan-export-download', pe.id));
  });
}

/** GET <capability URL>: the mock bundle's bytes, no token (the signed URL is the permission). */
export function planExportDownloadHandler(ctx: GatewayContext) {
  return async (_req: Request, res: Response, token: string) => {
    const id = await useCapability(ctx, res, token, 'plan-export-download');
    if (!id) return;
    const pe = await ctx.store.resources.get<PlanExportAttributes>(PLAN_EXPORT_TYPE, id);
    const run = pe ? await ctx.store.runs.get(pe.attributes.runId) : undefined;
    if (!pe || !run) return sendNotFound(res);
    res.status(200).setHeader('Content-Type', 'application/x-gzip');
    res.setHeader('Cache-Control', 'no-store');
    res.end(mockBundle(run));
  };
}
