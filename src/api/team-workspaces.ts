/**
 * Team access, TFE's `team-workspaces` (API docs: "Team Access"):
 *   GET /api/v2/team-workspaces?filter[workspace][id]=ws-...   POST /api/v2/team-workspaces
 *   GET/PATCH/DELETE /api/v2/team-workspaces/:id
 * A fixed level (read, plan, write, admin) implies its fine-grained permissions; only `custom`
 * takes them, and setting one with a fixed level is TFE's 422 "Runs is read-only when access
 * level is 'read'; use the 'custom' access level to set this attribute."
 */
import type { Request } from 'express';
import type { ApiRoutes } from '../http/route-table.ts';
import { z } from 'zod';
import type { AccessLevel, WorkspacePermissionSet } from '../store/types.ts';
import { addTeamAccess, removeTeamAccess, updateTeamAccess } from '../tfe/team-access.ts';
import { CUSTOM_DEFAULTS, permissionSetFor } from '../tfe/workspace-access.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { ApiInputError, parseBody, sendDocument, sendNotFound } from './jsonapi.ts';
import { invalid, loadWorkspaceById, readPage, paginationMeta, queryString } from './workspace-facts.ts';
import { teamAccessResource } from './workspace-serializers.ts';
import { principalOf } from './principal.ts';

const LEVELS = ['read', 'plan', 'write', 'admin', 'custom'] as const;

const attributes = z
  .object({
    access: z.enum(LEVELS, { error: `must be one of ${LEVELS.join(', ')}` }),
    runs: z.enum(['read', 'plan', 'apply'], { error: 'must be one of read, plan, apply' }),
    variables: z.enum(['none', 'read', 'write'], { error: 'must be one of none, read, write' }),
    'state-versions': z.enum(['none', 'read-outputs', 'read', 'write'], { error: 'must be one of none, read-outputs, read, write' }),
    'sentinel-mocks': z.enum(['none', 'read'], { error: 'must be one of none, read' }),
    'workspace-locking': z.boolean({ error: 'must be true or false' }),
    'run-tasks': z.boolean({ error: 'must be true or false' }),
  })
  .partial();

const relationship = z.object({ data: z.object({ id: z.string({ error: 'must be the id of a team' }).min(1), type: z.string().optional() }) });

const createBody = z.object({
  data: z.object({
    type: z.literal('team-workspaces', { error: 'must be "team-workspaces"' }).optional(),
    attributes: attributes.required({ access: true }),
    relationships: z.object({ team: relationship, workspace: relationship }),
  }),
});

const updateBody = z.object({
  data: z.object({ type: z.literal('team-workspaces', { error: 'must be "team-workspaces"' }).optional(), attributes: attributes.default({}) }),
});

type Attributes = z.output<typeof attributes>;

/** The permission set for `access` (src/tfe/workspace-access.ts decides), or TFE's 422 per read-only attribute. */
function permissionsFor(access: AccessLevel, a: Attributes, base: WorkspacePermissionSet): WorkspacePermissionSet {
  const given: Partial<WorkspacePermissionSet> = {
    runs: a.runs,
    variables: a.variables,
    stateVersions: a['state-versions'],
    sentinelMocks: a['sentinel-mocks'],
    workspaceLocking: a['workspace-locking'],
    runTasks: a['run-tasks'],
  };
  const decided = permissionSetFor(access, given, base);
  if (decided.ok) return decided.permissions;
  throw new ApiInputError(decided.readOnly.map((r) => ({ status: '422', title: 'invalid attribute', detail: r.detail, source: { pointer: `/data/attributes/${r.attr}` } })));
}

export function addTeamWorkspaceRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  /** The record and its workspace, if the caller may see the workspace (else 404). */
  const load = async (req: Request) => {
    const record = await ctx.store.teamAccess.get(req.params.id as string);
    if (!record) return undefined;
    const scope = await loadWorkspaceById(ctx, principalOf(req), record.workspaceId);
    const team = scope && (await ctx.store.teams.get(record.teamId));
    return scope && team ? { record, scope } : undefined;
  };

  router.get('/team-workspaces', async (req, res) => {
    const q = req.query as Record<string, unknown>;
    const workspaceId = queryString(q, 'filter[workspace][id]', ['filter', 'workspace', 'id']);
    if (!workspaceId) throw invalid('/filter/workspace/id', 'filter[workspace][id] is required: team access is listed per workspace');
    const page = readPage(req);
    const scope = await loadWorkspaceById(ctx, principalOf(req), workspaceId);
    if (!scope) return sendNotFound(res);
    const result = await ctx.store.teamAccess.listByWorkspace(workspaceId, page);
    sendDocument(res, 200, { data: result.items.map(teamAccessResource), meta: paginationMeta(page, result.total) });
  });

  router.post('/team-workspaces', async (req, res) => {
    const { attributes: a, relationships: r } = parseBody(req, createBody).data;
    const scope = await loadWorkspaceById(ctx, principalOf(req), r.workspace.data.id);
    if (!scope || !scope.may('workspace:manage-team-access')) return sendNotFound(res);
    const team = await ctx.store.teams.get(r.team.data.id);
    if (!team || team.organizationId !== scope.organization.id) {
      throw invalid('/data/relationships/team/data/id', `team ${r.team.data.id} was not found in organization ${scope.organization.name}`);
    }
    const access = a.access!;
    const record = await addTeamAccess(ctx, team.id, scope.workspace.id, access, permissionsFor(access, a, CUSTOM_DEFAULTS));
    ctx.logger.info({ teamAccessId: record.id, teamId: team.id, workspaceId: scope.workspace.id, access }, 'team access added');
    sendDocument(res, 201, { data: teamAccessResource(record) });
  });

  router.get('/team-workspaces/:id', async (req, res) => {
    const found = await load(req);
    if (!found) return sendNotFound(res);
    sendDocument(res, 200, { data: teamAccessResource(found.record) });
  });

  router.patch('/team-workspaces/:id', async (req, res) => {
    const found = await load(req);
    if (!found || !found.scope.may('workspace:manage-team-access')) return sendNotFound(res);
    const a = parseBody(req, updateBody).data.attributes;
    const access = a.access ?? found.record.access;
    const updated = await updateTeamAccess(ctx, found.record.id, { access, ...permissionsFor(access, a, found.record) });
    sendDocument(res, 200, { data: teamAccessResource(updated) });
  });

  router.delete('/team-workspaces/:id', async (req, res) => {
    const found = await load(req);
    if (!found || !found.scope.may('workspace:manage-team-access')) return sendNotFound(res);
    await removeTeamAccess(ctx, found.record.id);
    res.status(204).end();
  });
}
