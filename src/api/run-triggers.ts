/**
 * Run triggers (https://developer.hashicorp.com/terraform/enterprise/api-docs/run-triggers):
 *   GET/POST /api/v2/workspaces/:id/run-triggers   (GET needs filter[run-trigger][type]=inbound|outbound)
 *   GET/DELETE /api/v2/run-triggers/:id
 * A trigger is stored under its target workspace (workspaceId: it dies with it); the source is an
 * id in the attributes, and a trigger whose source no longer exists is dropped when read.
 * Creating or deleting one needs admin on the target (TFE: workspace admins manage run triggers)
 * and a readable source.
 */
import type { Request, Response } from 'express';
import type { ApiRoutes } from '../http/route-table.ts';
import { z } from 'zod';
import type { ResourceRecord } from '../store/types-resources.ts';
import { createRunTrigger, deleteRunTrigger, RUN_TRIGGER_TYPE, type RunTriggerAttributes } from '../tfe/run-triggers.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { iso, paginationMeta, parseBody, readPage, sendDocument, sendErrors, sendNotFound } from './jsonapi.ts';
import { loadWorkspaceById, queryString } from './workspace-facts.ts';
import { principalOf } from './principal.ts';

type Rt = ResourceRecord<RunTriggerAttributes>;

const body = z.object({
  data: z.object({
    type: z.literal(RUN_TRIGGER_TYPE, { error: `must be "${RUN_TRIGGER_TYPE}"` }).optional(),
    relationships: z.object({
      sourceable: z.object({ data: z.object({ id: z.string({ error: 'must be a workspace id' }), type: z.literal('workspaces', { error: 'must be "workspaces"' }).optional() }, { error: 'sourceable is required' }) }, { error: 'sourceable is required' }),
    }, { error: 'sourceable is required' }),
  }),
});

export function addRunTriggerRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  const names = async (rt: Rt) => {
    const target = rt.workspaceId ? await ctx.store.workspaces.get(rt.workspaceId) : undefined;
    const source = await ctx.store.workspaces.get(rt.attributes.sourceableId);
    return target && source ? { target, source } : undefined;
  };

  const resource = (rt: Rt, w: { target: { id: string; name: string }; source: { id: string; name: string } }) => ({
    id: rt.id,
    type: RUN_TRIGGER_TYPE,
    attributes: { 'created-at': iso(rt.createdAt), 'workspace-name': w.target.name, 'sourceable-name': w.source.name },
    relationships: {
      workspace: { data: { id: w.target.id, type: 'workspaces' } },
      sourceable: { data: { id: w.source.id, type: 'workspaces' } },
      'sourceable-choice': { data: { workspace: { id: w.source.id, type: 'workspaces' } } },
    },
    links: { self: `/api/v2/run-triggers/${rt.id}` },
  });

  /** The trigger with both workspaces, if it still has both and the caller reads the target. */
  const load = async (req: Request) => {
    const rt = await ctx.store.resources.get<RunTriggerAttributes>(RUN_TRIGGER_TYPE, req.params.id as string);
    const w = rt && (await names(rt));
    if (!rt || !w) return undefined;
    const scope = await loadWorkspaceById(ctx, principalOf(req), w.target.id);
    return scope ? { rt, w, scope } : undefined;
  };

  const typeError = (res: Response, detail: string) =>
    sendErrors(res, 422, [{ status: '422', title: 'invalid parameter', detail, source: { parameter: 'filter[run-trigger][type]' } }]);

  router.get('/workspaces/:id/run-triggers', async (req, res) => {
    const scope = await loadWorkspaceById(ctx, principalOf(req), req.params.id);
    if (!scope) return sendNotFound(res);
    const kind = queryString(req.query as Record<string, unknown>, 'filter[run-trigger][type]', ['filter', 'run-trigger', 'type']);
    if (kind === undefined) return typeError(res, 'filter[run-trigger][type] is required: inbound or outbound');
    if (kind !== 'inbound' && kind !== 'outbound') return typeError(res, 'filter[run-trigger][type] must be inbound or outbound');
    const page = readPage(req);
    const candidates = kind === 'inbound'
      ? await ctx.store.resources.listAll<RunTriggerAttributes>(RUN_TRIGGER_TYPE, { workspaceId: scope.workspace.id })
      : (await ctx.store.resources.listAll<RunTriggerAttributes>(RUN_TRIGGER_TYPE, { organizationId: scope.organization.id })).filter((rt) => rt.attributes.sourceableId === scope.workspace.id);
    const shown = [];
    for (const rt of candidates) {
      const w = await names(rt);
      if (!w) continue; // a deleted source: the trigger is gone with it
      // Outbound: only triggers into workspaces the caller can see (T7).
      if (kind === 'outbound' && !(await loadWorkspaceById(ctx, principalOf(req), w.target.id))) continue;
      shown.push(resource(rt, w));
    }
    const start = (page.number - 1) * page.size;
    sendDocument(res, 200, { data: shown.slice(start, start + page.size), meta: paginationMeta(page, shown.length) });
  });

  router.post('/workspaces/:id/run-triggers', async (req, res) => {
    const scope = await loadWorkspaceById(ctx, principalOf(req), req.params.id);
    if (!scope || !scope.may('workspace:update')) return sendNotFound(res);
    const sourceId = parseBody(req, body).data.relationships.sourceable.data.id;
    // A source the caller cannot read is reported like a missing one (T7).
    const sourceScope = await loadWorkspaceById(ctx, principalOf(req), sourceId);
    const { trigger, source } = await createRunTrigger(ctx.tfe, scope.workspace, sourceScope?.workspace);
    sendDocument(res, 201, { data: resource(trigger, { target: scope.workspace, source }) });
  });

  router.get('/run-triggers/:id', async (req, res) => {
    const found = await load(req);
    if (!found) return sendNotFound(res);
    sendDocument(res, 200, { data: resource(found.rt, found.w) });
  });

  router.delete('/run-triggers/:id', async (req, res) => {
    const found = await load(req);
    if (!found || !found.scope.may('workspace:update')) return sendNotFound(res);
    await deleteRunTrigger(ctx.tfe, found.rt);
    res.status(204).end();
  });
}
