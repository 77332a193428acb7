/**
 * Runs (API docs: "Runs"), simulated (src/tfe/runs.ts):
 *   POST /api/v2/runs          GET /api/v2/runs/:id          GET /api/v2/workspaces/:id/runs
 *   POST /api/v2/runs/:id/actions/apply | discard | cancel | force-cancel   (202, or 409 when the
 *   run is not in a state that allows it)
 * Rule T3: every one of these writes is refused to an organization token with 404, as TFE does;
 * a team token may do what its team's access on the workspace allows.
 */
import type { Request, Response } from 'express';
import type { ApiRoutes } from '../http/route-table.ts';
import { z } from 'zod';
import { FINAL_RUN_STATUSES, type ConfigurationVersionRecord, type RunRecord } from '../store/types.ts';
import type { Action } from '../tfe/authorize.ts';
import { checksOfRun } from '../tfe/policy-checks.ts';
import { queueRun } from '../tfe/run-queue.ts';
import { RUN_STATUSES } from '../tfe/run-states.ts';
import { cancelRun, confirmRun, discardRun, forceCancelRun, type ActionResult } from '../tfe/runs.ts';
import { actOnRun } from '../tfe/run-actions.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { ApiInputError, parseBody, sendDocument, sendNotFound } from './jsonapi.ts';
import { holderOf, invalid, loadWorkspaceById, readPage, paginationMeta, queryString, type WorkspaceScope } from './workspace-facts.ts';
import { runResource } from './workspace-serializers.ts';
import { principalOf } from './principal.ts';

const addresses = z.array(z.string().min(1).max(1024)).max(1000);
const relationship = z.object({ data: z.object({ id: z.string({ error: 'must be an id' }).min(1), type: z.string().optional() }).nullable() });

const createBody = z.object({
  data: z.object({
    type: z.literal('runs', { error: 'must be "runs"' }).optional(),
    attributes: z
      .object({
        message: z.string().max(4096),
        'is-destroy': z.boolean({ error: 'must be true or false' }),
        'auto-apply': z.boolean({ error: 'must be true or false' }),
        'save-plan': z.boolean({ error: 'must be true or false' }),
        'plan-only': z.boolean({ error: 'must be true or false' }),
        refresh: z.boolean({ error: 'must be true or false' }),
        'refresh-only': z.boolean({ error: 'must be true or false' }),
        'allow-empty-apply': z.boolean({ error: 'must be true or false' }),
        'target-addrs': addresses.nullable(),
        'replace-addrs': addresses.nullable(),
      })
      .partial()
      .default({}),
    relationships: z.object({
      workspace: z.object({ data: z.object({ id: z.string({ error: 'must be the id of a workspace' }).min(1), type: z.string().optional() }) }, { error: 'a run needs its workspace: relationships.workspace.data.id' }),
      'configuration-version': relationship.optional(),
    }),
  }),
});

const commentBody = z.object({ comment: z.string().max(4096).nullish() }).passthrough();

const KNOWN_STATUSES: ReadonlySet<string> = new Set<string>(RUN_STATUSES);

const ACTIVE_STATUSES = RUN_STATUSES.filter((s) => !FINAL_RUN_STATUSES.has(s));

export function addRunRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  /** Pending runs count their place behind the active ones (TFE `position-in-queue`). */
  const positionOf = async (run: RunRecord) => {
    if (run.status !== 'pending') return 0;
    const active = await ctx.store.runs.listByWorkspace(run.workspaceId, { number: 1, size: 100 }, { statuses: [...ACTIVE_STATUSES] });
    // Newest first: every queue-holding run after this one in the list was queued before it.
    const newestFirst = active.items.filter((r) => !r.planOnly);
    const at = newestFirst.findIndex((r) => r.id === run.id);
    return at < 0 ? 0 : newestFirst.length - 1 - at;
  };
  const resource = async (run: RunRecord, scope: WorkspaceScope) => runResource(run, scope.facts, ctx.clock.now(), await positionOf(run), (await checksOfRun(ctx.store, run)).map((c) => c.id));

  const loadRun = async (req: Request) => {
    const run = await ctx.store.runs.get(req.params.id as string);
    const scope = run && (await loadWorkspaceById(ctx, principalOf(req), run.workspaceId));
    return run && scope ? { run, scope } : undefined;
  };

  router.post('/runs', async (req, res) => {
    const { attributes: a, relationships: r } = parseBody(req, createBody).data;
    const scope = await loadWorkspaceById(ctx, principalOf(req), r.workspace.data.id);
    if (!scope || !scope.may('workspace:queue-run')) return sendNotFound(res);
    if (a['is-destroy'] && !scope.workspace.settings.allowDestroyPlan) {
      throw invalid('/data/attributes/is-destroy', 'destroy plans are not allowed on this workspace (allow-destroy-plan is false)');
    }
    // Asking for auto-apply is asking to apply: plan-level access may only plan.
    if (a['auto-apply'] && !scope.may('workspace:apply-run')) return sendNotFound(res);
    let cv: ConfigurationVersionRecord | undefined;
    const cvId = r['configuration-version']?.data?.id;
    if (cvId) {
      cv = await ctx.store.configurationVersions.get(cvId);
      if (!cv || cv.workspaceId !== scope.workspace.id) throw invalid('/data/relationships/configuration-version/data/id', `configuration version ${cvId} was not found in workspace ${scope.workspace.name}`);
    } else {
      // TFE: without one, the run uses the workspace's latest configuration version.
      cv = (await ctx.store.configurationVersions.listByWorkspace(scope.workspace.id, { number: 1, size: 1 })).items[0];
      if (!cv) throw invalid('/data/relationships/configuration-version', `workspace ${scope.workspace.name} has no configuration version yet; create one and upload a configuration first`);
    }
    if (cv.status !== 'uploaded') {
      throw invalid('/data/relationships/configuration-version/data/id', `configuration version ${cv.id} is ${cv.status}; upload the configuration to its upload-url before queueing a run`);
    }
    const run = await queueRun(ctx, {
      workspace: scope.workspace,
      configurationVersion: cv,
      createdBy: holderOf(principalOf(req)),
      source: 'tfe-api',
      message: a.message,
      isDestroy: a['is-destroy'],
      autoApply: a['auto-apply'],
      savePlan: a['save-plan'],
      planOnly: a['plan-only'],
      refresh: a.refresh,
      refreshOnly: a['refresh-only'],
      targetAddrs: a['target-addrs'],
      replaceAddrs: a['replace-addrs'],
    });
    ctx.logger.info({ runId: run.id, workspaceId: scope.workspace.id, status: run.status }, 'run queued');
    sendDocument(res, 201, { data: await resource(run, scope) });
  });

  router.get('/runs/:id', async (req, res) => {
    const found = await loadRun(req);
    if (!found) return sendNotFound(res);
    sendDocument(res, 200, { data: await resource(found.run, found.scope) });
  });

  router.get('/workspaces/:id/runs', async (req, res) => {
    const scope = await loadWorkspaceById(ctx, principalOf(req), req.params.id);
    if (!scope) return sendNotFound(res);
    const q = req.query as Record<string, unknown>;
    const page = readPage(req);
    const statusFilter = queryString(q, 'filter[status]', ['filter', 'status']);
    const statuses = statusFilter ? (statusFilter.split(',') as RunRecord['status'][]) : undefined;
    const unknown = statuses?.find((st) => !KNOWN_STATUSES.has(st));
    if (unknown !== undefined) {
      throw new ApiInputError([{ status: '422', title: 'invalid parameter', detail: `filter[status] names an unknown run status ${JSON.stringify(unknown)}; use TFE's statuses such as ${[...KNOWN_STATUSES].slice(0, 4).join(', ')}`, source: { parameter: 'filter[status]' } }]);
    }
    const result = await ctx.store.runs.listByWorkspace(scope.workspace.id, page, { statuses });
    const data = await Promise.all(result.items.map((run) => resource(run, scope)));
    sendDocument(res, 200, { data, meta: paginationMeta(page, result.total) });
  });

  const action = (permission: Action, decide: (run: RunRecord, now: number) => ActionResult) => async (req: Request, res: Response) => {
    const found = await loadRun(req);
    if (!found || !found.scope.may(permission)) return sendNotFound(res);
    parseBody(req, commentBody);
    const updated = await actOnRun(ctx, found.run, decide);
    ctx.logger.info({ runId: updated.id, status: updated.status, action: req.path.split('/').pop() }, 'run action');
    if (FINAL_RUN_STATUSES.has(updated.status)) await ctx.runScheduler.released(updated.workspaceId);
    res.status(202).end();
  };
  router.post('/runs/:id/actions/apply', action('workspace:apply-run', confirmRun));
  router.post('/runs/:id/actions/discard', action('workspace:discard-run', discardRun));
  router.post('/runs/:id/actions/cancel', action('workspace:cancel-run', cancelRun));
  router.post('/runs/:id/actions/force-cancel', action('workspace:force-cancel-run', forceCancelRun));
}
