/**
 * Policy checks (TFE API page https://developer.hashicorp.com/terraform/enterprise/api-docs/policy-checks),
 * simulated by src/tfe/policy-checks.ts:
 *   GET /runs/:id/policy-checks     GET /policy-checks/:id     GET /policy-checks/:id/output
 *   POST /policy-checks/:id/actions/override
 * Reading a check needs read access to its run's workspace; overriding needs
 * organization:manage-policies (the check's `can-override`). Hidden is 404 (T7).
 */
import type { Request } from 'express';
import type { ApiRoutes } from '../http/route-table.ts';
import { organizationFor } from '../tfe/access.ts';
import { checksOfRun, overrideCheck, POLICY_CHECK, type PolicyCheck, type PolicyCheckAttrs } from '../tfe/policy-checks.ts';
import type { Principal } from '../tfe/principal.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { iso, paginationMeta, parseBody, readPage, sendDocument, sendNotFound } from './jsonapi.ts';
import { loadWorkspaceById, type WorkspaceScope } from './workspace-facts.ts';
import { z } from 'zod';
import { principalOf } from './principal.ts';

const commentBody = z.object({ comment: z.string().max(4096).nullish() }).passthrough();

function checkResource(c: PolicyCheck, canOverride: boolean) {
  const a = c.attributes;
  return {
    id: c.id,
    type: 'policy-checks',
    attributes: {
      actions: { 'is-overridable': a.status === 'soft_failed' },
      permissions: { 'can-override': canOverride },
      result: a.result,
      scope: 'organization',
      status: a.status,
      'status-timestamps': Object.fromEntries(Object.entries(a.statusTimestamps).map(([k, v]) => [k, iso(v)])),
      sentinel: null,
    },
    relationships: { run: { data: { id: a.runId, type: 'runs' } } },
    links: { output: `/api/v2/policy-checks/${c.id}/output` },
  };
}

export function addPolicyCheckRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  const canOverride = async (p: Principal, scope: WorkspaceScope) => (await organizationFor(ctx, p, scope.organization.name, 'organization:manage-policies')) !== undefined;

  const loadCheck = async (req: Request) => {
    const check = await ctx.store.resources.get<PolicyCheckAttrs>(POLICY_CHECK, req.params.id as string);
    const scope = check?.workspaceId ? await loadWorkspaceById(ctx, principalOf(req), check.workspaceId) : undefined;
    return check && scope ? { check, scope } : undefined;
  };

  router.get('/runs/:id/policy-checks', async (req, res) => {
    const run = await ctx.store.runs.get(req.params.id);
    const scope = run && (await loadWorkspaceById(ctx, principalOf(req), run.workspaceId));
    if (!run || !scope) return sendNotFound(res);
    const page = readPage(req);
    const all = await checksOfRun(ctx.store, run);
    const may = await canOverride(principalOf(req), scope);
    const items = all.slice((page.number - 1) * page.size, page.number * page.size);
    sendDocument(res, 200, { data: items.map((c) => checkResource(c, may)), meta: paginationMeta(page, all.length) });
  });

  router.get('/policy-checks/:id', async (req, res) => {
    const found = await loadCheck(req);
    if (!found) return sendNotFound(res);
    sendDocument(res, 200, { data: checkResource(found.check, await canOverride(principalOf(req), found.scope)) });
  });

  router.get('/policy-checks/:id/output', async (req, res) => {
    const found = await loadCheck(req);
    if (!found) return sendNotFound(res);
    res.status(200).type('text/plain').send(found.check.attributes.log);
  });

  router.post('/policy-checks/:id/actions/override', async (req, res) => {
    const found = await loadCheck(req);
    if (!found || !(await canOverride(principalOf(req), found.scope))) return sendNotFound(res);
    parseBody(req, commentBody);
    const updated = await overrideCheck(ctx.store, found.check, ctx.clock.now());
    ctx.logger.info({ policyCheckId: updated.id, runId: updated.attributes.runId }, 'policy check overridden');
    sendDocument(res, 200, { data: checkResource(updated, true) });
  });
}
