/**
 * Plans, cost estimates and applies, each run's phases with their own resources (API docs:
 * "Plans", "Cost Estimates", "Applies"): GET /api/v2/plans/:id, /cost-estimates/:id,
 * /applies/:id, and the plan and apply logs at the
 * `log-read-url` capability URL, readable without a token as TFE's archivist links are. The log
 * is framed as TFE streams it: STX (0x02), the text, and ETX (0x03) once the phase is over;
 * `offset` and `limit` page through it (go-tfe's LogReader sends both).
 */
import type { Request, Response } from 'express';
import type { ApiRoutes } from '../http/route-table.ts';
import type { PhaseRecord, RunRecord } from '../store/types.ts';
import { capabilityUrl, useCapability } from '../gateway/capability-standing.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { sendDocument, sendNotFound } from './jsonapi.ts';
import { invalid, loadWorkspaceById } from './workspace-facts.ts';
import { applyResource, costEstimateResource, planResource, runIdOfCostEstimate } from './workspace-serializers.ts';
import { principalOf } from './principal.ts';

const PHASE_OVER: ReadonlySet<PhaseRecord['status']> = new Set<PhaseRecord['status']>(['finished', 'canceled', 'errored', 'unreachable']);

export function addPlanApplyRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  const visible = async (req: Request, run: RunRecord | undefined) => run !== undefined && (await loadWorkspaceById(ctx, principalOf(req), run.workspaceId)) !== undefined;

  router.get('/plans/:id', async (req, res) => {
    const run = await ctx.store.runs.getByPlanId(req.params.id);
    if (!run || !(await visible(req, run))) return sendNotFound(res);
    sendDocument(res, 200, { data: planResource(run, capabilityUrl(ctx, req, res, 'plan-log', run.plan.id)) });
  });

  router.get('/cost-estimates/:id', async (req, res) => {
    const runId = runIdOfCostEstimate(req.params.id);
    const run = runId ? await ctx.store.runs.get(runId) : undefined;
    if (!run || !(await visible(req, run))) return sendNotFound(res);
    sendDocument(res, 200, { data: costEstimateResource(run) });
  });

  router.get('/applies/:id', async (req, res) => {
    const run = await ctx.store.runs.getByApplyId(req.params.id);
    if (!run || !(await visible(req, run))) return sendNotFound(res);
    sendDocument(res, 200, { data: applyResource(run, capabilityUrl(ctx, req, res, 'apply-log', run.apply.id)) });
  });
}

function nonNegative(req: Request, name: 'offset' | 'limit'): number | undefined {
  const raw = req.query[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw)) throw invalid(`/${name}`, `${name} must be a whole number of bytes (got ${JSON.stringify(raw)})`);
  return Number(raw);
}

/** GET <log-read-url>. */
export function logHandler(ctx: GatewayContext) {
  return async (req: Request, res: Response, token: string) => {
    const kind = ctx.capabilities.kindOf(token);
    if (kind !== 'plan-log' && kind !== 'apply-log') return sendNotFound(res);
    const id = await useCapability(ctx, res, token, kind);
    if (!id) return;
    const run = kind === 'plan-log' ? await ctx.store.runs.getByPlanId(id) : await ctx.store.runs.getByApplyId(id);
    if (!run) return sendNotFound(res);
    const phase = kind === 'plan-log' ? run.plan : run.apply;
    const text = Buffer.concat([Buffer.from([2]), Buffer.from(phase.log, 'utf8'), PHASE_OVER.has(phase.status) ? Buffer.from([3]) : Buffer.alloc(0)]);
    const offset = nonNegative(req, 'offset') ?? 0;
    const limit = nonNegative(req, 'limit');
    const slice = text.subarray(offset, limit === undefined ? undefined : offset + limit);
    res.status(200).setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.end(slice);
  };
}
