/**
 * State versions (API docs: "State Versions", "State Version Outputs"):
 *   POST /api/v2/workspaces/:id/state-versions        (the workspace must be locked by the caller)
 *   GET  /api/v2/state-versions?filter[organization][name]=&filter[workspace][name]=
 *   GET  /api/v2/workspaces/:id/state-versions   /api/v2/workspaces/:id/current-state-version
 *   GET  /api/v2/state-versions/:id (include=outputs)   /api/v2/state-version-outputs/:id
 *   GET  <hosted-state-download-url>                   the exact bytes, no token (capability URL)
 * Creating one is refused to an organization token with 404 (T3). Rules: src/tfe/state-versions.ts.
 */
import type { Request, Response } from 'express';
import type { ApiRoutes } from '../http/route-table.ts';
import { z } from 'zod';
import type { StateVersionRecord } from '../store/types.ts';
import { writeStateVersion } from '../tfe/state-versions.ts';
import { capabilityUrl, useCapability } from '../gateway/capability-standing.ts';
import { TfeError } from '../tfe/errors.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { parseBody, sendDocument, sendNotFound } from './jsonapi.ts';
import { holderOf, invalid, loadWorkspaceById, loadWorkspaceByName, readPage, paginationMeta, queryString, type WorkspaceScope } from './workspace-facts.ts';
import { stateOutputResource, stateVersionResource } from './workspace-serializers.ts';
import { principalOf } from './principal.ts';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const createBody = z.object({
  data: z.object({
    type: z.literal('state-versions', { error: 'must be "state-versions"' }).optional(),
    attributes: z.object({
      serial: z.number({ error: 'serial is required: a whole number' }).int({ error: 'must be a whole number' }).min(0),
      md5: z.string({ error: 'md5 is required: the hex MD5 of the state' }),
      state: z.string({ error: 'state is required: the state file, base64-encoded' }).regex(BASE64, { error: 'must be base64 (RFC 4648, with padding)' }),
      lineage: z.string().max(255).nullish(),
      force: z.boolean({ error: 'must be true or false' }).nullish(),
    }),
    relationships: z.object({ run: z.object({ data: z.object({ id: z.string(), type: z.string().optional() }).nullable() }).optional() }).optional(),
  }),
});

export function addStateVersionRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  // read-outputs access sees the version and its outputs, never the whole state (no download URL).
  const downloadUrl = (sv: StateVersionRecord, req: Request, res: Response, scope: WorkspaceScope) => (scope.may('workspace:read-state') ? capabilityUrl(ctx, req, res, 'state-download', sv.id) : null);
  const document = (sv: StateVersionRecord, req: Request, res: Response, scope: WorkspaceScope) => {
    const include = queryString(req.query as Record<string, unknown>, 'include')?.split(',') ?? [];
    const doc: Record<string, unknown> = { data: stateVersionResource(sv, downloadUrl(sv, req, res, scope)) };
    if (include.includes('outputs')) doc.included = sv.outputs.map(stateOutputResource);
    return doc;
  };

  router.post('/workspaces/:id/state-versions', async (req, res) => {
    const scope = await loadWorkspaceById(ctx, principalOf(req), req.params.id);
    if (!scope || !scope.may('workspace:create-state-version')) return sendNotFound(res);
    const { attributes: a, relationships } = parseBody(req, createBody).data;
    const holder = holderOf(principalOf(req));
    const lock = scope.workspace.lockedBy;
    if (!lock || lock.kind !== holder.kind || lock.id !== holder.id) {
      throw new TfeError('locked', lock ? 'the workspace is locked by someone else; a state version can only be created by the holder of the lock' : 'lock the workspace (POST /api/v2/workspaces/:id/actions/lock) before creating a state version');
    }
    const runId = relationships?.run?.data?.id ?? null;
    if (runId) {
      const run = await ctx.store.runs.get(runId);
      if (!run || run.workspaceId !== scope.workspace.id) throw invalid('/data/relationships/run/data/id', `run ${runId} was not found in this workspace`);
    }
    const result = await writeStateVersion(ctx, scope.workspace, {
      state: Buffer.from(a.state, 'base64'),
      md5: a.md5,
      serial: a.serial,
      lineage: a.lineage ?? undefined,
      force: a.force ?? false,
      runId,
      createdBy: holder,
    });
    if (!result.ok) {
      const r = result.rejection;
      if (r.code === 'stale') throw new TfeError('stale', r.detail);
      throw invalid(`/data/attributes/${r.field}`, r.detail);
    }
    sendDocument(res, result.created ? 201 : 200, document(result.stateVersion, req, res, scope));
  });

  const list = async (req: Request, res: Response, scope: WorkspaceScope | undefined) => {
    if (!scope || !scope.may('workspace:read-state-outputs')) return sendNotFound(res);
    const page = readPage(req);
    const result = await ctx.store.stateVersions.listByWorkspace(scope.workspace.id, page);
    sendDocument(res, 200, { data: result.items.map((sv) => stateVersionResource(sv, downloadUrl(sv, req, res, scope))), meta: paginationMeta(page, result.total) });
  };

  router.get('/state-versions', async (req, res) => {
    const q = req.query as Record<string, unknown>;
    const org = queryString(q, 'filter[organization][name]', ['filter', 'organization', 'name']);
    const ws = queryString(q, 'filter[workspace][name]', ['filter', 'workspace', 'name']);
    if (!org) throw invalid('/filter/organization/name', 'filter[organization][name] is required');
    if (!ws) throw invalid('/filter/workspace/name', 'filter[workspace][name] is required');
    await list(req, res, await loadWorkspaceByName(ctx, principalOf(req), org, ws));
  });
  router.get('/workspaces/:id/state-versions', async (req, res) => list(req, res, await loadWorkspaceById(ctx, principalOf(req), req.params.id)));

  const readable = async (req: Request, sv: StateVersionRecord | undefined) => {
    const scope = sv && (await loadWorkspaceById(ctx, principalOf(req), sv.workspaceId));
    return scope && scope.may('workspace:read-state-outputs') ? scope : undefined;
  };

  router.get('/state-versions/:id', async (req, res) => {
    const sv = await ctx.store.stateVersions.get(req.params.id);
    const scope = await readable(req, sv);
    if (!sv || !scope) return sendNotFound(res);
    sendDocument(res, 200, document(sv, req, res, scope));
  });

  router.get('/state-versions/:id/outputs', async (req, res) => {
    const sv = await ctx.store.stateVersions.get(req.params.id);
    if (!sv || !(await readable(req, sv))) return sendNotFound(res);
    sendDocument(res, 200, { data: sv.outputs.map(stateOutputResource), meta: paginationMeta({ number: 1, size: Math.max(sv.outputs.length, 1) }, sv.outputs.length) });
  });

  router.get('/workspaces/:id/current-state-version', async (req, res) => {
    const scope = await loadWorkspaceById(ctx, principalOf(req), req.params.id);
    if (!scope || !scope.may('workspace:read-state-outputs') || !scope.workspace.currentStateVersionId) return sendNotFound(res);
    const sv = await ctx.store.stateVersions.get(scope.workspace.currentStateVersionId);
    if (!sv) return sendNotFound(res);
    sendDocument(res, 200, document(sv, req, res, scope));
  });

  router.get('/state-version-outputs/:id', async (req, res) => {
    const found = await ctx.store.stateVersions.getOutput(req.params.id);
    if (!found || !(await readable(req, found.stateVersion))) return sendNotFound(res);
    sendDocument(res, 200, { data: stateOutputResource(found.output) });
  });
}

/** GET <hosted-state-download-url>: the exact bytes that were uploaded. */
export function downloadHandler(ctx: GatewayContext) {
  return async (_req: Request, res: Response, token: string) => {
    const id = await useCapability(ctx, res, token, 'state-download');
    if (!id) return;
    const state = await ctx.store.stateVersions.getState(id);
    if (!state) return sendNotFound(res);
    res.status(200).setHeader('Content-Type', 'application/json');
    res.setHeader('Cache-Control', 'no-store');
    res.end(state);
  };
}
